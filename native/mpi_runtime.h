// MPI opened at run time: the addon and the prebuild do not depend on an MPI
// library; `libmpi` (Open MPI) is loaded with dlopen when distributed training
// is asked for. Open MPI's ABI is used (its handles are addresses of
// predefined globals, read with dlsym).
#pragma once
#include <cstdint>
#include <string>

namespace tf::mpi {

struct ProcessInfo {
  int rank = 0;
  int size = 1;
  int localRank = 0;  // rank among the processes on this host
};

// Loads libmpi (RTLD_GLOBAL: Open MPI's components resolve symbols of the
// library itself), initialises MPI with thread support for calls from one
// worker thread at a time, and makes errors return instead of aborting.
// Idempotent. Throws std::runtime_error naming the package when no libmpi
// can be opened, with MPI's message when initialisation fails, and after
// finalize() (MPI cannot start twice in one process).
ProcessInfo init();

// Whether init() succeeded in this process.
bool initialized();

// The ProcessInfo of init(), or {0, 1, 0} before it.
ProcessInfo info();

// In-place average over ranks of n floats. Throws std::runtime_error on an MPI error.
void allreduceMean(float* data, int64_t n);

// In-place sum over ranks of n doubles (metrics, checksums).
void allreduceSum(double* data, int64_t n);

// Rank `root`'s n floats to every rank, in place.
void broadcast(float* data, int64_t n, int root);

// Waits for every rank.
void barrier();

// Ends MPI for this process (MPI_Finalize; Open MPI reports a rank that exits
// without it as an abnormal termination). Nothing after it; idempotent.
void finalize();

// The library that was opened ("libmpi.so.40"), or "" before init.
std::string libraryName();

}  // namespace tf::mpi
