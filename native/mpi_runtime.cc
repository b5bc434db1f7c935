#include "mpi_runtime.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <deque>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#include <sched.h>
#define TF_HAVE_DLOPEN 1
#endif

namespace tf::mpi {
namespace {

// Open MPI's ABI (mpi.h): handles are pointers; these constants are its values.
using Handle = void*;
using Request = void*;
constexpr int kSuccess = 0;
constexpr int kThreadSerialized = 2;
constexpr int kCommTypeShared = 0;
constexpr int kMaxErrorString = 256;
constexpr int kAnySource = -1;
constexpr int kAnyTag = -1;
constexpr int kTagUpperBound = 32767;  // the least MPI_TAG_UB MPI allows
// Open MPI's MPI_Status (ompi_status_public_t).
struct Status {
  int source = 0, tag = 0, error = 0, cancelled = 0;
  size_t ucount = 0;
};
void* const kInPlace = reinterpret_cast<void*>(1);

struct Api {
  int (*Initialized)(int*) = nullptr;
  int (*Init_thread)(int*, char***, int, int*) = nullptr;
  int (*Comm_rank)(Handle, int*) = nullptr;
  int (*Comm_size)(Handle, int*) = nullptr;
  int (*Comm_split_type)(Handle, int, int, Handle, Handle*) = nullptr;
  int (*Comm_free)(Handle*) = nullptr;
  int (*Comm_set_errhandler)(Handle, Handle) = nullptr;
  int (*Allreduce)(const void*, void*, int, Handle, Handle, Handle) = nullptr;
  int (*Iallreduce)(const void*, void*, int, Handle, Handle, Handle, Request*) = nullptr;
  int (*Ibcast)(void*, int, Handle, int, Handle, Request*) = nullptr;
  int (*Iallgatherv)(const void*, int, Handle, void*, const int*, const int*, Handle, Handle, Request*) = nullptr;
  int (*Ibarrier)(Handle, Request*) = nullptr;
  int (*Isend)(const void*, int, Handle, int, int, Handle, Request*) = nullptr;
  int (*Irecv)(void*, int, Handle, int, int, Handle, Request*) = nullptr;
  int (*Iprobe)(int, int, Handle, int*, Status*) = nullptr;
  int (*Get_count)(const Status*, Handle, int*) = nullptr;
  int (*Testall)(int, Request*, int*, void*) = nullptr;
  int (*Error_string)(int, char*, int*) = nullptr;
  int (*Finalized)(int*) = nullptr;
  int (*Finalize)() = nullptr;
  Handle commWorld = nullptr, floatType = nullptr, doubleType = nullptr, byteType = nullptr, opSum = nullptr,
         opMax = nullptr, errorsReturn = nullptr, infoNull = nullptr;
};

std::mutex gMutex;  // the state below
Api gApi;
bool gReady = false;
bool gFinalized = false;  // MPI cannot start again in a process once finalized
ProcessInfo gInfo;
std::string gLibrary;
std::string gBroken;  // why MPI became unusable, or ""
double gTimeout = 30;
// MPI_THREAD_SERIALIZED: one call at a time. A collective holds it from its
// start to its end, so collectives from different threads never interleave.
std::timed_mutex gCalls;

std::string errorText(int code) {
  char buf[kMaxErrorString + 1] = {};
  int len = 0;
  if (gApi.Error_string && gApi.Error_string(code, buf, &len) == kSuccess) return std::string(buf, static_cast<size_t>(std::max(0, len)));
  return "MPI error " + std::to_string(code);
}

void check(int code, const char* what) {
  if (code != kSuccess) throw std::runtime_error(std::string(what) + ": " + errorText(code));
}

#ifdef TF_HAVE_DLOPEN
template <typename F>
void bind(void* lib, F& f, const char* name) {
  f = reinterpret_cast<F>(dlsym(lib, name));
  if (!f) throw std::runtime_error(std::string("the MPI library has no ") + name + " (Open MPI is required)");
}
Handle global(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) throw std::runtime_error(std::string("the MPI library has no ") + name + " (Open MPI is required)");
  return p;
}
#endif

std::string seconds(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

// MPI counts are int: larger buffers go in pieces.
template <typename F>
void inPieces(int64_t n, F&& f) {
  for (int64_t at = 0; at < n; at += INT_MAX) f(at, static_cast<int>(std::min<int64_t>(INT_MAX, n - at)));
}

// The state a collective needs, checked; marks MPI broken on failure.
class Collective {
 public:
  explicit Collective(const char* what) : what_(what), calls_(gCalls) {
    std::lock_guard<std::mutex> g(gMutex);
    if (!gReady) throw std::runtime_error(gFinalized ? "MPI was finalized in this process" : "distributed.init() has not been called");
    if (!gBroken.empty()) throw std::runtime_error("MPI cannot be used any more in this process: " + gBroken);
    timeout_ = gTimeout;
    size_ = gInfo.size;
  }
  // A blocking call (`code` is its result), for the few places where every
  // rank is known to be present.
  void blocking(int code) {
    if (code != kSuccess) fail(std::string(what_) + ": " + errorText(code));
  }
  // Starts one request: `start(&request)` is the MPI call.
  template <typename F>
  void start(F&& startCall) {
    Request r = nullptr;
    const int code = startCall(&r);
    if (code != kSuccess) fail(std::string(what_) + ": " + errorText(code));
    requests_.push_back(r);
  }
  // Polls until every request is done or the deadline passes.
  void wait() {
    if (requests_.empty()) return;  // nothing was started (zero elements)
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_));
    for (;;) {
      int done = 0;
      const int code = gApi.Testall(static_cast<int>(requests_.size()), requests_.data(), &done, nullptr);
      if (code != kSuccess) fail(std::string(what_) + ": " + errorText(code));
      if (done) return;
      const Clock::time_point now = Clock::now();
      if (now > deadline)
        fail(std::string(what_) + ": not every one of the " + std::to_string(size_) + " ranks took part within " +
             seconds(timeout_) + " s (a rank stopped, hangs or is far behind); MPI cannot be used again in this process");
      // Spin very briefly, then poll with short sleeps: a rank waiting for a
      // slower one (most of a control round's wait) leaves the core to it and
      // spends no CPU time; a sleep adds ~0.1 ms to a step of several.
#ifdef TF_HAVE_DLOPEN
      if (now - start < std::chrono::microseconds(50)) sched_yield();
      else
#endif
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
  int size() const { return size_; }
  double timeoutSeconds() const { return timeout_; }
  [[noreturn]] void fail(const std::string& why) {
    {
      std::lock_guard<std::mutex> g(gMutex);
      if (gBroken.empty()) gBroken = why;
    }
    throw std::runtime_error(why);
  }

 private:
  const char* what_;
  std::lock_guard<std::timed_mutex> calls_;
  std::vector<Request> requests_;
  double timeout_ = 0;
  int size_ = 1;
};

Handle opOf(Op op) { return op == Op::Max ? gApi.opMax : gApi.opSum; }

// Sends started by send() and not yet complete, oldest first; guarded by gCalls
// (a deque: its elements, and so the buffers MPI reads, never move).
struct PendingSend {
  std::vector<char> data;
  Request request = nullptr;
  int dest = 0;
  std::chrono::steady_clock::time_point started;
};
std::deque<PendingSend> gSends;

// Tests every pending send; one older than the timeout fails.
void progressSends(Collective& c) {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = gSends.begin(); it != gSends.end();) {
    int done = 0;
    const int code = gApi.Testall(1, &it->request, &done, nullptr);
    if (code != kSuccess) c.fail(std::string("MPI_Isend: ") + errorText(code));
    if (done) {
      it = gSends.erase(it);
      continue;
    }
    if (now - it->started > std::chrono::duration<double>(c.timeoutSeconds()))
      c.fail("MPI_Isend: rank " + std::to_string(it->dest) + " did not take a message within " + seconds(c.timeoutSeconds()) +
             " s (it stopped, hangs or is far behind); MPI cannot be used again in this process");
    ++it;
  }
}

void startAllreduce(Collective& c, void* data, int64_t n, Handle type, size_t bytes, Handle op) {
  inPieces(n, [&](int64_t at, int count) {
    c.start([&](Request* r) {
      return gApi.Iallreduce(kInPlace, static_cast<char*>(data) + at * static_cast<int64_t>(bytes), count, type, op, gApi.commWorld, r);
    });
  });
}

void startBroadcast(Collective& c, void* data, int64_t n, Handle type, size_t bytes, int root) {
  if (root < 0 || root >= c.size()) throw std::out_of_range("root " + std::to_string(root) + " is not a rank");
  inPieces(n, [&](int64_t at, int count) {
    c.start([&](Request* r) { return gApi.Ibcast(static_cast<char*>(data) + at * static_cast<int64_t>(bytes), count, type, root, gApi.commWorld, r); });
  });
}

}  // namespace

ProcessInfo init() {
  std::lock_guard<std::mutex> g(gMutex);
  if (gReady) return gInfo;
  if (gFinalized) throw std::runtime_error("MPI was finalized in this process and cannot be started again");
#ifndef TF_HAVE_DLOPEN
  throw std::runtime_error("distributed training needs a POSIX system with Open MPI");
#else
  void* lib = nullptr;
  // TENSORFORGE_MPI_LIBRARY names another libmpi (a path or a soname).
  const char* chosen = std::getenv("TENSORFORGE_MPI_LIBRARY");
  std::vector<std::string> names = chosen && *chosen ? std::vector<std::string>{chosen}
                                                     : std::vector<std::string>{"libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"};
  for (const std::string& name : names) {
    lib = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (lib) {
      gLibrary = name;
      break;
    }
  }
  if (!lib)
    throw std::runtime_error("no MPI library could be opened (" + names.front() +
                             "); install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and start the "
                             "program with mpirun");
  Api a;
  bind(lib, a.Initialized, "MPI_Initialized");
  bind(lib, a.Init_thread, "MPI_Init_thread");
  bind(lib, a.Comm_rank, "MPI_Comm_rank");
  bind(lib, a.Comm_size, "MPI_Comm_size");
  bind(lib, a.Comm_split_type, "MPI_Comm_split_type");
  bind(lib, a.Comm_free, "MPI_Comm_free");
  bind(lib, a.Comm_set_errhandler, "MPI_Comm_set_errhandler");
  bind(lib, a.Allreduce, "MPI_Allreduce");
  bind(lib, a.Iallreduce, "MPI_Iallreduce");
  bind(lib, a.Ibcast, "MPI_Ibcast");
  bind(lib, a.Iallgatherv, "MPI_Iallgatherv");
  bind(lib, a.Ibarrier, "MPI_Ibarrier");
  bind(lib, a.Isend, "MPI_Isend");
  bind(lib, a.Irecv, "MPI_Irecv");
  bind(lib, a.Iprobe, "MPI_Iprobe");
  bind(lib, a.Get_count, "MPI_Get_count");
  bind(lib, a.Testall, "MPI_Testall");
  bind(lib, a.Error_string, "MPI_Error_string");
  bind(lib, a.Finalized, "MPI_Finalized");
  bind(lib, a.Finalize, "MPI_Finalize");
  a.commWorld = global(lib, "ompi_mpi_comm_world");
  a.floatType = global(lib, "ompi_mpi_float");
  a.doubleType = global(lib, "ompi_mpi_double");
  a.byteType = global(lib, "ompi_mpi_byte");
  a.opSum = global(lib, "ompi_mpi_op_sum");
  a.opMax = global(lib, "ompi_mpi_op_max");
  a.errorsReturn = global(lib, "ompi_mpi_errors_return");
  a.infoNull = global(lib, "ompi_mpi_info_null");
  gApi = a;
  int finalized = 0;
  check(a.Finalized(&finalized), "MPI_Finalized");
  if (finalized) {
    gFinalized = true;
    throw std::runtime_error("MPI was finalized in this process and cannot be started again");
  }
  int already = 0;
  check(a.Initialized(&already), "MPI_Initialized");
  if (!already) {
    int provided = 0;
    check(a.Init_thread(nullptr, nullptr, kThreadSerialized, &provided), "MPI_Init_thread");
    if (provided < kThreadSerialized)
      throw std::runtime_error("the MPI library does not support calls from worker threads (MPI_THREAD_SERIALIZED)");
  }
  // Errors come back as codes (turned into exceptions) instead of aborting every rank.
  check(a.Comm_set_errhandler(a.commWorld, a.errorsReturn), "MPI_Comm_set_errhandler");
  ProcessInfo info;
  check(a.Comm_rank(a.commWorld, &info.rank), "MPI_Comm_rank");
  check(a.Comm_size(a.commWorld, &info.size), "MPI_Comm_size");
  Handle local = nullptr;
  check(a.Comm_split_type(a.commWorld, kCommTypeShared, info.rank, a.infoNull, &local), "MPI_Comm_split_type");
  check(a.Comm_rank(local, &info.localRank), "MPI_Comm_rank");
  check(a.Comm_free(&local), "MPI_Comm_free");
  gInfo = info;
  gReady = true;
  return info;
#endif
}

bool initialized() {
  std::lock_guard<std::mutex> g(gMutex);
  return gReady;
}

ProcessInfo info() {
  std::lock_guard<std::mutex> g(gMutex);
  return gInfo;
}

ProcessInfo requireJob() {
  std::lock_guard<std::mutex> g(gMutex);
  if (!gReady) throw std::runtime_error("distributed.init() has not been called");
  return gInfo;
}

void setTimeout(double seconds) {
  if (!(seconds > 0) || seconds > 1e6) throw std::out_of_range("the timeout must be in (0, 1e6] seconds");
  std::lock_guard<std::mutex> g(gMutex);
  gTimeout = seconds;
}

double timeout() {
  std::lock_guard<std::mutex> g(gMutex);
  return gTimeout;
}

std::string brokenReason() {
  std::lock_guard<std::mutex> g(gMutex);
  return gBroken;
}

std::string libraryName() {
  std::lock_guard<std::mutex> g(gMutex);
  return gLibrary;
}

void allreduce(float* data, int64_t n, Op op) {
  Collective c("MPI_Allreduce");
  startAllreduce(c, data, n, gApi.floatType, sizeof(float), opOf(op));
  c.wait();
}

void allreduce(double* data, int64_t n, Op op) {
  Collective c("MPI_Allreduce");
  startAllreduce(c, data, n, gApi.doubleType, sizeof(double), opOf(op));
  c.wait();
}

void allreduceSumPresent(float* a, int64_t na, double* b, int64_t nb) {
  Collective c("MPI_Allreduce");
  inPieces(na, [&](int64_t at, int count) { c.blocking(gApi.Allreduce(kInPlace, a + at, count, gApi.floatType, gApi.opSum, gApi.commWorld)); });
  inPieces(nb, [&](int64_t at, int count) { c.blocking(gApi.Allreduce(kInPlace, b + at, count, gApi.doubleType, gApi.opSum, gApi.commWorld)); });
}

void allreduceMean(float* data, int64_t n) {
  allreduce(data, n, Op::Sum);
  const float scale = 1.0f / static_cast<float>(info().size);
  for (int64_t i = 0; i < n; ++i) data[i] *= scale;
}

void broadcast(float* data, int64_t n, int root) {
  Collective c("MPI_Bcast");
  startBroadcast(c, data, n, gApi.floatType, sizeof(float), root);
  c.wait();
}

void broadcast(char* data, int64_t n, int root) {
  Collective c("MPI_Bcast");
  startBroadcast(c, data, n, gApi.byteType, 1, root);
  c.wait();
}

void allgather(float* data, const std::vector<int64_t>& counts) {
  Collective c("MPI_Allgatherv");
  if (static_cast<int>(counts.size()) != c.size())
    throw std::invalid_argument("allgather needs one count per rank (" + std::to_string(c.size()) + "), got " + std::to_string(counts.size()));
  std::vector<int> n(counts.size()), at(counts.size());
  int64_t offset = 0;
  for (size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] < 0 || counts[r] > INT_MAX || offset > INT_MAX)
      throw std::length_error("an allgather of more than 2^31 - 1 floats per rank or in all is not supported");
    n[r] = static_cast<int>(counts[r]);
    at[r] = static_cast<int>(offset);
    offset += counts[r];
  }
  c.start([&](Request* r) { return gApi.Iallgatherv(kInPlace, 0, gApi.floatType, data, n.data(), at.data(), gApi.floatType, gApi.commWorld, r); });
  c.wait();
}

void barrier() {
  Collective c("MPI_Barrier");
  c.start([&](Request* r) { return gApi.Ibarrier(gApi.commWorld, r); });
  c.wait();
}

void send(int dest, int tag, const char* data, int64_t n) {
  Collective c("MPI_Isend");
  if (dest < 0 || dest >= c.size()) throw std::out_of_range("destination " + std::to_string(dest) + " is not a rank");
  if (tag < 0 || tag > kTagUpperBound) throw std::out_of_range("tag " + std::to_string(tag) + " is not in [0, 32767]");
  if (n < 0 || n > INT_MAX) throw std::length_error("a message of more than 2^31 - 1 bytes is not supported");
  gSends.emplace_back();
  PendingSend& s = gSends.back();
  s.data.assign(data, data + n);
  s.dest = dest;
  s.started = std::chrono::steady_clock::now();
  const int code = gApi.Isend(s.data.data(), static_cast<int>(n), gApi.byteType, dest, tag, gApi.commWorld, &s.request);
  if (code != kSuccess) {
    gSends.pop_back();
    c.fail(std::string("MPI_Isend: ") + errorText(code));
  }
  progressSends(c);
}

bool poll(Message& out) {
  Collective c("MPI_Iprobe");
  progressSends(c);
  int flag = 0;
  Status st;
  c.blocking(gApi.Iprobe(kAnySource, kAnyTag, gApi.commWorld, &flag, &st));
  if (!flag) return false;
  int count = 0;
  c.blocking(gApi.Get_count(&st, gApi.byteType, &count));
  if (count < 0) c.fail("MPI_Get_count: a message of undefined length");
  out.source = st.source;
  out.tag = st.tag;
  out.data.assign(static_cast<size_t>(count), 0);
  // The probed message is there: the receive completes unless its sender stalls mid-transfer.
  c.start([&](Request* r) { return gApi.Irecv(out.data.data(), count, gApi.byteType, st.source, st.tag, gApi.commWorld, r); });
  c.wait();
  return true;
}

int64_t pendingSends() {
  Collective c("MPI_Isend");
  progressSends(c);
  return static_cast<int64_t>(gSends.size());
}

void finalize() {
  double limit = 0;
  {
    std::lock_guard<std::mutex> g(gMutex);
    if (!gReady) return;
    limit = gTimeout + 1;
  }
  // A collective still running (a worker thread at exit) ends within the timeout.
  std::unique_lock<std::timed_mutex> calls(gCalls, std::defer_lock);
  const bool idle = calls.try_lock_for(std::chrono::duration<double>(limit));
  std::lock_guard<std::mutex> g(gMutex);
  // NOTE: MPI_Finalize waits for every rank; after a collective that never
  // completed it would hang. Without it, mpirun reports this rank as ended
  // abnormally and stops the job, which is the truth.
  int done = 0;
  if (idle && gBroken.empty() && gApi.Finalized(&done) == kSuccess && !done) gApi.Finalize();
  gReady = false;
  gFinalized = true;
}

}  // namespace tf::mpi
