#include "mpi_runtime.h"

#include <algorithm>
#include <climits>
#include <mutex>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define TF_HAVE_DLOPEN 1
#endif

namespace tf::mpi {
namespace {

// Open MPI's ABI (mpi.h): handles are pointers; these constants are its values.
using Handle = void*;
constexpr int kSuccess = 0;
constexpr int kThreadSerialized = 2;
constexpr int kCommTypeShared = 0;
constexpr int kMaxErrorString = 256;
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
  int (*Bcast)(void*, int, Handle, int, Handle) = nullptr;
  int (*Barrier)(Handle) = nullptr;
  int (*Error_string)(int, char*, int*) = nullptr;
  int (*Finalized)(int*) = nullptr;
  int (*Finalize)() = nullptr;
  Handle commWorld = nullptr, floatType = nullptr, doubleType = nullptr, opSum = nullptr, errorsReturn = nullptr,
         infoNull = nullptr;
};

std::mutex gMutex;
Api gApi;
bool gReady = false;
bool gFinalized = false;  // MPI cannot start again in a process once finalized
ProcessInfo gInfo;
std::string gLibrary;

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

// MPI counts are int: larger buffers go in pieces.
template <typename F>
void inPieces(int64_t n, F&& f) {
  for (int64_t at = 0; at < n; at += INT_MAX) f(at, static_cast<int>(std::min<int64_t>(INT_MAX, n - at)));
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
  bind(lib, a.Bcast, "MPI_Bcast");
  bind(lib, a.Barrier, "MPI_Barrier");
  bind(lib, a.Error_string, "MPI_Error_string");
  bind(lib, a.Finalized, "MPI_Finalized");
  bind(lib, a.Finalize, "MPI_Finalize");
  a.commWorld = global(lib, "ompi_mpi_comm_world");
  a.floatType = global(lib, "ompi_mpi_float");
  a.doubleType = global(lib, "ompi_mpi_double");
  a.opSum = global(lib, "ompi_mpi_op_sum");
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

std::string libraryName() {
  std::lock_guard<std::mutex> g(gMutex);
  return gLibrary;
}

static void requireReady() {
  if (!initialized()) throw std::runtime_error("distributed.init() has not been called");
}

void allreduceMean(float* data, int64_t n) {
  requireReady();
  inPieces(n, [&](int64_t at, int count) {
    check(gApi.Allreduce(kInPlace, data + at, count, gApi.floatType, gApi.opSum, gApi.commWorld), "MPI_Allreduce");
  });
  const float scale = 1.0f / static_cast<float>(gInfo.size);
  for (int64_t i = 0; i < n; ++i) data[i] *= scale;
}

void allreduceSum(double* data, int64_t n) {
  requireReady();
  inPieces(n, [&](int64_t at, int count) {
    check(gApi.Allreduce(kInPlace, data + at, count, gApi.doubleType, gApi.opSum, gApi.commWorld), "MPI_Allreduce");
  });
}

void broadcast(float* data, int64_t n, int root) {
  requireReady();
  if (root < 0 || root >= gInfo.size) throw std::out_of_range("root " + std::to_string(root) + " is not a rank");
  inPieces(n, [&](int64_t at, int count) { check(gApi.Bcast(data + at, count, gApi.floatType, root, gApi.commWorld), "MPI_Bcast"); });
}

void barrier() {
  requireReady();
  check(gApi.Barrier(gApi.commWorld), "MPI_Barrier");
}

void finalize() {
  std::lock_guard<std::mutex> g(gMutex);
  if (!gReady) return;
  int done = 0;
  if (gApi.Finalized(&done) == kSuccess && !done) gApi.Finalize();
  gReady = false;
  gFinalized = true;
}

}  // namespace tf::mpi
