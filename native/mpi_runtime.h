// MPI opened at run time: the addon and the prebuild do not depend on an MPI
// library; `libmpi` (Open MPI) is loaded with dlopen when distributed training
// is asked for. Open MPI's ABI is used (its handles are addresses of
// predefined globals, read with dlsym).
//
// Every collective is started non-blocking and polled against a deadline
// (setTimeout), so a rank that stopped or hangs makes the others throw
// instead of waiting forever. A collective that timed out cannot be taken
// back (MPI has no cancel for collectives): from then on MPI is unusable in
// the process, every call throws, and finalize() is skipped (MPI_Finalize
// would wait for the missing rank), so mpirun ends the job with an error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tf::mpi {

struct ProcessInfo {
  int rank = 0;
  int size = 1;
  int localRank = 0;  // rank among the processes on this host
};

// Loads libmpi (RTLD_GLOBAL: Open MPI's components resolve symbols of the
// library itself), initialises MPI with thread support for calls from one
// thread at a time (any thread: calls are serialised here), and makes errors
// return instead of aborting. Idempotent. Throws std::runtime_error naming
// the package when no libmpi can be opened, with MPI's message when
// initialisation fails, and after finalize() (MPI cannot start twice in one
// process).
ProcessInfo init();

// Whether init() succeeded in this process (and finalize() has not run).
bool initialized();

// The ProcessInfo of init(), or {0, 1, 0} before it.
ProcessInfo info();

// info(), or std::runtime_error when init() has not been called.
ProcessInfo requireJob();

// Seconds a collective may wait for the other ranks before it fails (default 30).
void setTimeout(double seconds);
double timeout();

// Why MPI became unusable (a collective timed out or failed), or "".
std::string brokenReason();

enum class Op { Sum, Max };

// In-place reductions over every rank. Throw std::runtime_error on an MPI
// error or after the timeout.
void allreduce(float* data, int64_t n, Op op);
void allreduce(double* data, int64_t n, Op op);
// Two sums (a training step's gradients, and its loss and metric sums), with
// MPI's blocking reductions and no deadline: only for when every rank is
// known to have arrived (right after a control round, rank_agreement.h).
// NOTE: blocking, because Open MPI 4.1's blocking allreduce (coll/tuned) took
// half the time of its non-blocking one (libnbc) on 2.7 MB here (0.26-0.54
// ms against 0.45-3 ms, two ranks, shared memory).
void allreduceSumPresent(float* a, int64_t na, double* b, int64_t nb);

// In-place average over ranks of n floats.
void allreduceMean(float* data, int64_t n);

// Rank `root`'s n values to every rank, in place.
void broadcast(float* data, int64_t n, int root);
void broadcast(char* data, int64_t n, int root);

// In place: rank r's counts[r] floats at offset counts[0] + ... + counts[r-1]
// of `data` go to every rank (MPI_Allgatherv). std::length_error when a count
// or an offset exceeds MPI's int.
void allgather(float* data, const std::vector<int64_t>& counts);

// Waits for every rank.
void barrier();

// Point-to-point messages (the tuner's trials and results between rank 0 and
// the others), non-blocking and polled from one thread: send() copies `data`
// and starts MPI_Isend; poll() moves sends along and receives one waiting
// message, if any. A send the receiver has not taken within the timeout, and
// a receive that does not complete within it, fail (and break MPI, as a
// collective's timeout does). Messages are at most 2^31 - 1 bytes; tags are
// in [0, 32767] (MPI guarantees that many).
struct Message {
  int source = -1;
  int tag = -1;
  std::vector<char> data;
};
void send(int dest, int tag, const char* data, int64_t n);
// Fills `out` and returns true when a message (from any rank, any tag) was waiting.
bool poll(Message& out);
// Sends started and not yet taken by their receiver (after moving them along).
int64_t pendingSends();

// Ends MPI for this process (MPI_Finalize; Open MPI reports a rank that exits
// without it as an abnormal termination). Nothing after it; idempotent.
// Skipped when MPI is broken, or when a collective is still running after
// the timeout.
void finalize();

// The library that was opened ("libmpi.so.40"), or "" before init.
std::string libraryName();

}  // namespace tf::mpi
