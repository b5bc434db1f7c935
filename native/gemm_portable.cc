// Cache-blocked GEMM used when no BLAS was found at build time. It packs a
// block of op(B) into a contiguous panel so the inner loop is a unit-stride
// axpy the compiler vectorises; ~5-10x slower than a tuned BLAS, but correct
// and dependency-free.
#include <algorithm>
#include <vector>

#include "gemm.h"

namespace tf {

namespace {
constexpr int64_t kBlockK = 256;
constexpr int64_t kBlockN = 512;
}  // namespace

void sgemmPortable(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                   float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f) std::fill(c, c + N, 0.f);
    else if (beta != 1.f) for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
  if (K <= 0 || alpha == 0.f) return;
  std::vector<float> panel(static_cast<size_t>(std::min(K, kBlockK) * std::min(N, kBlockN)));
  for (int64_t j0 = 0; j0 < N; j0 += kBlockN) {
    const int64_t nb = std::min(kBlockN, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += kBlockK) {
      const int64_t kb = std::min(kBlockK, K - k0);
      // panel[k][j] = op(B)[k0 + k][j0 + j]
      for (int64_t k = 0; k < kb; ++k)
        for (int64_t j = 0; j < nb; ++j)
          panel[k * nb + j] = transB ? B[(j0 + j) * ldb + (k0 + k)] : B[(k0 + k) * ldb + (j0 + j)];
      for (int64_t i = 0; i < M; ++i) {
        float* c = C + i * ldc + j0;
        for (int64_t k = 0; k < kb; ++k) {
          const float a = alpha * (transA ? A[(k0 + k) * lda + i] : A[i * lda + (k0 + k)]);
          const float* p = panel.data() + k * nb;
          for (int64_t j = 0; j < nb; ++j) c[j] += a * p[j];
        }
      }
    }
  }
}

}  // namespace tf
