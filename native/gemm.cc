#include "gemm.h"

#include "cpu_features.h"
#include "gemm_avx512.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <thread>

#if defined(TF_BLAS_BLIS)
#include <blis.h>
#elif defined(TF_BLAS_OPENBLAS)
#include <cblas.h>
#include <cstring>
// Internals of OpenBLAS's DYNAMIC_ARCH builds (Debian's, the release
// binaries): the kernel-table pointer and the routine that fills it from
// OPENBLAS_CORETYPE or CPUID. Weak, so a build for one fixed core links too.
extern "C" void gotoblas_dynamic_init(void) __attribute__((weak));
extern "C" void* gotoblas __attribute__((weak));
#elif defined(TF_BLAS_ACCELERATE)
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
#elif defined(TF_BLAS_GENERIC)
#include <cblas.h>
#endif

namespace tf {

namespace {
std::atomic<int> gThreads{0};
thread_local int tCap = 0;  // 0 = no per-thread cap
// Minimum FLOPs per BLAS thread before a product is split.
// BLIS's threads spin at their barriers; when another process takes a core
// mid-product, a split product stalls for whole scheduler slices (measured
// here: a 256x256 product 20x slower on 2 threads than on 1 under load), so
// only products large enough to amortise that risk split. OpenBLAS's threads
// yield; its 2-thread products pay off from ~8 MFLOP per thread
// (bench/matmul --blas: n=128 even, n=256 1.6x; the seed model's 3 MFLOP
// products slower on 2 threads).
// The AVX-512 kernel's parts are claimed, not assigned (gemm_avx512.cc), so
// it tolerates a busy second core like OpenBLAS; splitting the seed model's
// 3.2 MFLOP products across two cores did not pay on the loaded AMD EPYC
// (bench/RESULTS.md, "GEMM paths"), so it keeps OpenBLAS's threshold.
// TF_MIN_FLOPS_PER_THREAD overrides it at build time, for that experiment.
#if defined(TF_MIN_FLOPS_PER_THREAD)
constexpr double kMinFlopsPerThread = TF_MIN_FLOPS_PER_THREAD;
#elif defined(TF_BLAS_BLIS)
constexpr double kMinFlopsPerThread = 32e6;
#else
constexpr double kMinFlopsPerThread = 8e6;
#endif
}  // namespace

ScopedBlasThreads::ScopedBlasThreads(int n) : saved_(tCap) { tCap = n > 0 ? n : 0; }
ScopedBlasThreads::~ScopedBlasThreads() { tCap = saved_; }

int threadBudget() {
  const int budget = getBlasThreads();
  return tCap > 0 ? std::min(budget, tCap) : budget;
}

int threadsForGemm(int64_t M, int64_t N, int64_t K) {
  const int budget = threadBudget();
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int useful = static_cast<int>(flops / kMinFlopsPerThread);
  return std::max(1, std::min(budget, useful));
}

int hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

static std::atomic<int> gSelections{0};

int blasKernelSelections() { return gSelections.load(); }

// The work of selectBlasKernels(), once per process.
static void selectBlasKernelsNow() {
  gSelections.fetch_add(1);
#if defined(TF_BLAS_BLIS) && defined(__GNUC__) && defined(__x86_64__) && !defined(_WIN32)
  if (!cpuHasSkylakeXFeatures() || std::getenv("BLIS_ARCH_TYPE")) return;
  // BLIS reads the variable once, when it initialises: set it, initialise,
  // and remove it again so child processes do not inherit our choice.
  setenv("BLIS_ARCH_TYPE", "skx", 0);
  bli_init();
  unsetenv("BLIS_ARCH_TYPE");
#elif defined(TF_BLAS_OPENBLAS) && defined(__GNUC__) && defined(__x86_64__) && !defined(_WIN32)
  if (!cpuHasSkylakeXFeatures() || std::getenv("OPENBLAS_CORETYPE") || !gotoblas_dynamic_init || !&gotoblas) return;
  // OpenBLAS picked its kernels when it loaded, before this code ran. On a
  // CPU it does not know it fell back to Prescott (SSE3) or Haswell (AVX2)
  // kernels; a known AVX-512 core keeps its own choice.
  const char* core = openblas_get_corename();
  if (!core || (std::strcmp(core, "Prescott") != 0 && std::strcmp(core, "Haswell") != 0 &&
                std::strcmp(core, "Sandybridge") != 0 && std::strcmp(core, "Core2") != 0 &&
                std::strcmp(core, "Nehalem") != 0))
    return;
  // Re-run its dispatch with the variable set (no BLAS call is in flight:
  // this runs when the addon loads), then remove it so child processes do
  // not inherit the choice.
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  gotoblas = nullptr;
  gotoblas_dynamic_init();
  unsetenv("OPENBLAS_CORETYPE");
#endif
}

void selectBlasKernels() {
  // Every worker_thread that loads the addon calls this; only the first may
  // touch the environment (setenv races with other threads' getenv).
  static std::once_flag once;
  std::call_once(once, selectBlasKernelsNow);
}

void setBlasThreads(int n) {
  n = std::max(1, n);
  gThreads = n;
#if defined(TF_BLAS_BLIS)
  bli_thread_set_num_threads(n);
#elif defined(TF_BLAS_OPENBLAS)
  openblas_set_num_threads(n);
#endif
}

int getBlasThreads() {
  int n = gThreads.load();
  return n > 0 ? n : hardwareThreads();
}

BlasInfo blasInfo() {
  BlasInfo info;
  info.name = TF_BLAS_NAME;
#if defined(TF_BLAS_BLIS)
  info.version = bli_info_get_version_str();
  info.config = bli_arch_string(bli_arch_query_id());
#elif defined(TF_BLAS_OPENBLAS)
  info.version = openblas_get_config();
  info.config = openblas_get_corename();
#elif defined(TF_BLAS_PORTABLE)
  info.version = "built-in";
  info.config = "cache-blocked C++ (no BLAS found at build time)";
#endif
  return info;
}

namespace {
enum class Path { Blas, Avx512Direct, Avx512Packed };

bool avx512Allowed() {
  static const bool allowed = [] {
    const char* v = std::getenv("TENSORFORGE_GEMM");
    return avx512GemmAvailable() && !blasHasAvx512Kernels() && !(v && std::strcmp(v, "blas") == 0);
  }();
  return allowed;
}

// Rows up to which a product on one thread reads op(B) unpacked. The direct
// kernel reads op(B)'s rows one k at a time, 2 KiB apart for a 512-wide
// layer, and in a training step (a split step's share runs its products on
// one thread) the optimizer has just rewritten those weights, so they come
// from memory: the large MLP's forward products of 128 and 64 rows made
// 117-131 and 93-108 GFLOP/s unpacked against 144-153 and 129-141 packed
// (AMD EPYC Zen 5, in training), where a hot loop of the same products gives
// unpacked 5-10% more. Two threads keep 128: up to there their parts have
// <= 64 rows each and would each pack all of op(B) (packed 20% slower).
constexpr int64_t kDirectRowsOneThread = 32;

// See gemmPathFor in gemm.h; figures in bench/RESULTS.md ("GEMM paths").
Path pathFor(bool transA, bool transB, int64_t M, int64_t N, int64_t K, int threads) {
  (void)transA;
  (void)K;
  if (!avx512Allowed() || (transB && (N < 32 || M < 8))) return Path::Blas;
  const int64_t directRows = threads > 1 ? 128 : kDirectRowsOneThread;
  return (!transB && (M <= directRows || N <= 128)) ? Path::Avx512Direct : Path::Avx512Packed;
}
}  // namespace

bool blasHasAvx512Kernels() {
  static const bool has = [] {
    std::string c = blasInfo().config;
    for (char& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const char* k : {"skylakex", "cooperlake", "sapphirerapids", "skx", "knl", "zen4", "zen5"})
      if (c.find(k) != std::string::npos) return true;
    return false;
  }();
  return has;
}

namespace {
std::string pathName(Path p) {
  switch (p) {
    case Path::Avx512Direct: return "avx512-direct";
    case Path::Avx512Packed: return "avx512-packed";
    default: return "blas";
  }
}
}  // namespace

std::string gemmPathFor(bool transA, bool transB, int64_t M, int64_t N, int64_t K) {
  return pathName(pathFor(transA, transB, M, N, K, threadsForGemm(M, N, K)));
}

std::vector<std::pair<std::string, std::string>> gemmPathTable() {
  // One representative shape per class, through the same rule sgemm uses.
  auto path = [](bool transB, int64_t M, int64_t N, int64_t K, int threads) {
    return pathName(pathFor(false, transB, M, N, K, threads));
  };
  return {
      {"B not transposed, <= 128 columns (output layers, the seed model)", path(false, 256, 64, 784, 2)},
      {"B not transposed, <= 32 rows (batch 1-32)", path(false, 32, 512, 784, 1)},
      {"B not transposed, 33-128 rows on two or more threads (Dense forward and weight gradient at batch 33-128)",
       path(false, 128, 512, 784, 2)},
      {"B not transposed, 33-128 rows on one thread (a split training step's half of batch 66-256)",
       path(false, 128, 512, 784, 1)},
      {"B not transposed, > 128 rows and columns (Dense forward and weight gradient at batch 256; large squares)",
       path(false, 256, 512, 784, 2)},
      {"B transposed, >= 8 rows and >= 32 columns (Dense input gradient)", path(true, 256, 512, 512, 2)},
      {"B transposed, < 8 rows or < 32 columns", path(true, 256, 10, 512, 2)},
  };
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    // Some BLAS reject K = 0; the product is empty, so only the beta scaling remains.
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  const int threads = threadsForGemm(M, N, K);
  const Path path = alpha == 0.f ? Path::Blas : pathFor(transA, transB, M, N, K, threads);
  if (path != Path::Blas) {
    sgemmAvx512(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads,
                path == Path::Avx512Direct ? Avx512Layout::Direct : Avx512Layout::Packed);
    return;
  }
  sgemmBlas(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sgemmBlas(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
               float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);  // the beta scaling alone
    return;
  }
#if defined(TF_BLAS_PORTABLE)
  sgemmPortable(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#elif defined(TF_BLAS_BLIS)
  // BLIS's expert interface takes the thread count per call (a runtime object)
  // and row/column strides, so row-major needs no argument swapping.
  rntm_t rntm = BLIS_RNTM_INITIALIZER;
  bli_rntm_set_num_threads(threadsForGemm(M, N, K), &rntm);
  float a = alpha, b = beta;
  bli_sgemm_ex(transA ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, transB ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, M, N, K, &a,
               const_cast<float*>(A), lda, 1, const_cast<float*>(B), ldb, 1, &b, C, ldc, 1, nullptr, &rntm);
#else
#if defined(TF_BLAS_OPENBLAS)
  // OpenBLAS has one process-wide thread count; set it per product so small
  // products stay on the calling thread. A concurrent caller may see the other
  // caller's count for one product: slower at worst, never wrong.
  const int want = threadsForGemm(M, N, K);
  if (openblas_get_num_threads() != want) openblas_set_num_threads(want);
#endif
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, A,
              static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
#endif
}

}  // namespace tf
