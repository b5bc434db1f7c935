#include <random>
#include <vector>

#include "check.h"
#include "gemm.h"

// Every transpose combination, odd sizes, BLAS and portable kernels against a double reference.
TF_TEST(sgemm_matches_reference) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int64_t sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {64, 784, 32}, {0, 4, 4}, {4, 4, 0}};
  for (auto& s : sizes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        std::vector<float> A(M * K + 1), B(K * N + 1), C(M * N + 1, 7.f), P(M * N + 1, 7.f);
        for (auto& x : A) x = u(rng);
        for (auto& x : B) x = u(rng);
        tf::sgemm(ta, tb, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.f, C.data(), N);
        tf::sgemmPortable(ta, tb, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.f, P.data(), N);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            double ref = 0;
            for (int64_t k = 0; k < K; ++k)
              ref += double(ta ? A[k * M + i] : A[i * K + k]) * double(tb ? B[j * K + k] : B[k * N + j]);
            TF_EXPECT_NEAR(C[i * N + j], ref, 1e-4);
            TF_EXPECT_NEAR(P[i * N + j], ref, 1e-4);
          }
      }
  }
}
