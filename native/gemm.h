// Row-major single-precision GEMM over whichever BLAS the build found, with a
// portable cache-blocked fallback. Transposes are flags, never copies.
#pragma once
#include <cstdint>
#include <string>

namespace tf {

// C[M,N] = alpha * op(A) * op(B) + beta * C, all row-major.
// op(A) is [M,K] (A is [K,M] when transA); op(B) is [K,N] (B is [N,K] when transB).
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
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

// Picks the BLAS kernels for this CPU before the BLAS first runs. BLIS 0.9
// and OpenBLAS 0.3.21 do not recognise recent Xeons (e.g. Sapphire/Emerald
// Rapids) and fall back to their AVX2 (haswell) or SSE3 kernels; when the CPU
// has AVX-512 F/DQ/BW/VL we select the skylake-x kernels (BLIS's skx,
// OpenBLAS's SkylakeX) unless the user set BLIS_ARCH_TYPE / OPENBLAS_CORETYPE.
// Call early, before any BLAS call (each addon load may call it; it acts once
// per process); the environment is left unchanged.
void selectBlasKernels();

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

// Threads worth using for one M x N x K product: small products run on one
// thread, since waking a second costs more than it saves (see bench/RESULTS.md).
int threadsForGemm(int64_t M, int64_t N, int64_t K);

}  // namespace tf
