// Row-major single-precision GEMM over whichever BLAS the build found, with a
// portable cache-blocked fallback. Transposes are flags, never copies.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tf {

// C[M,N] = alpha * op(A) * op(B) + beta * C, all row-major.
// op(A) is [M,K] (A is [K,M] when transA); op(B) is [K,N] (B is [N,K] when transB).
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc);

// The BLAS path alone (as tf::sgemm takes it for the shapes gemmPathFor
// gives "blas"), exposed so tests and benchmarks can compare the paths.
void sgemmBlas(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
               float* C, int64_t ldc);

// The portable kernel, exposed so tests can compare it with the BLAS one.
void sgemmPortable(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                   float* C, int64_t ldc);

struct BlasInfo {
  std::string name;     // "BLIS", "OpenBLAS", "Accelerate", "portable", ...
  std::string version;  // library's own version string when it has one
  std::string config;   // e.g. the core/architecture the library dispatched to
};
BlasInfo blasInfo();

// The GEMM paths tf::sgemm chooses between, per call, by CPU and shape:
//   "avx512-direct" / "avx512-packed"  tensorforge's own AVX-512 kernel
//       (gemm_avx512.h) on CPUs with AVX-512 F/DQ/BW/VL where the BLAS runs
//       narrower kernels (OpenBLAS honours OPENBLAS_CORETYPE: Haswell = ymm
//       on the AMD EPYC), unpacked for products with <= 128 columns, or
//       <= 128 rows on two or more threads (<= 32 rows on one), packed above;
//   "blas"  the BLAS of the build: CPUs without AVX-512; a BLAS already on
//       its own AVX-512 kernels (OpenBLAS SkylakeX on the Intel Xeon, where
//       it gave the last recorded figures; not yet measured against this
//       kernel there); transposed-B products with fewer than 32 columns or
//       8 rows, where the kernel's zero-padded 32-column panels lose to it.
// TENSORFORGE_GEMM=blas in the environment (read once) keeps every product
// on the BLAS, for comparisons. The choice depends only on the CPU, the
// shape, the product's threads and that variable, so a given machine and
// thread count give bit-identical training. gemmPathFor answers for the
// threads a product of that shape gets on the calling thread now.
std::string gemmPathFor(bool transA, bool transB, int64_t M, int64_t N, int64_t K);

// Whether the BLAS dispatched to AVX-512 kernels of its own (from blasInfo().config).
bool blasHasAvx512Kernels();

// The path each shape class takes on this machine, as (class, path) pairs in
// a fixed order (reported by backendInfo().gemmPaths).
std::vector<std::pair<std::string, std::string>> gemmPathTable();

// Picks the BLAS kernels for this CPU before the BLAS first runs. BLIS 0.9
// and OpenBLAS 0.3.21 do not recognise recent Xeons (e.g. Sapphire/Emerald
// Rapids) and fall back to their AVX2 (haswell) or SSE3 kernels; when the CPU
// has AVX-512 F/DQ/BW/VL we select the skylake-x kernels (BLIS's skx,
// OpenBLAS's SkylakeX) unless the user set BLIS_ARCH_TYPE / OPENBLAS_CORETYPE.
// Call early, before any BLAS call (each addon load may call it; it acts once
// per process); the environment is left unchanged.
void selectBlasKernels();
// How many times the selection ran in this process (0 or 1): for tests.
int blasKernelSelections();

// Threads the BLAS may use per call (all of ours go through here).
void setBlasThreads(int n);
int getBlasThreads();
int hardwareThreads();

// Caps the BLAS threads of GEMMs issued from the calling thread while in
// scope (e.g. several predictions running at once, one thread each). BLIS
// takes it per call; OpenBLAS's one global count is set before each product.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int n);
  ~ScopedBlasThreads();
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int saved_;
};

// Threads the calling thread may use: the setBlasThreads budget, capped by
// a ScopedBlasThreads in scope.
int threadBudget();

// Threads worth using for one M x N x K product: small products run on one
// thread, since waking a second costs more than it saves (see bench/RESULTS.md).
int threadsForGemm(int64_t M, int64_t N, int64_t K);

}  // namespace tf
