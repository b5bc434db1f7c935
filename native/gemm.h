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

// Threads the BLAS may use per call (all of ours go through here).
void setBlasThreads(int n);
int getBlasThreads();
int hardwareThreads();

// Caps the BLAS threads of GEMMs issued from the calling thread while in
// scope (e.g. several predictions running at once, one thread each). Only
// BLIS honours it per call; OpenBLAS keeps its global setting.
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
