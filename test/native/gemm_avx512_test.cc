// Every GEMM path (the AVX-512 kernel unpacked and packed, the BLAS, the
// portable kernel, and tf::sgemm's own choice) against a float64 reference: each transpose
// combination, sizes around the 14 x 32 register tile and the K block, batch
// 1, leading dimensions wider than the matrix and pointers off the 64-byte
// grid, alpha/beta, 1 and 2 threads (bit-identical to each other).
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "gemm.h"
#include "gemm_avx512.h"

namespace {

struct Shape {
  int64_t M, N, K;
};

// Sizes: more columns than one packed slice (4096), tile edges (13/14/15 rows, 31/32/33 columns), the 140-row block,
// K below, at and above the 256 block (and 3 blocks), batch 1, the
// training shapes of the seed model; 290 x 545 x 300 splits into shared
// packing parts of op(B) (two column pieces, two K blocks) and three row parts.
const Shape kShapes[] = {{3, 4100, 300}, {1, 1, 1},    {1, 10, 784},  {1, 512, 33},  {2, 3, 5},      {13, 31, 7},
                         {14, 32, 256}, {15, 33, 257}, {29, 65, 100}, {32, 64, 784},  {32, 10, 64},
                         {64, 10, 32}, {32, 64, 10},  {141, 47, 513}, {150, 160, 90}, {300, 129, 31},
                         {129, 300, 20}, {8, 31, 16}, {7, 40, 9}, {290, 545, 300}};

void fill(std::vector<float>& v, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (auto& x : v) x = d(rng);
}

enum class Which { Direct, Packed, Blas, Portable, Sgemm };
const char* name(Which w) {
  switch (w) {
    case Which::Direct: return "avx512-direct";
    case Which::Packed: return "avx512-packed";
    case Which::Blas: return "blas";
    case Which::Portable: return "portable";
    default: return "sgemm";
  }
}

void run(Which w, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
         const float* B, int64_t ldb, float beta, float* C, int64_t ldc, int threads) {
  switch (w) {
    case Which::Direct:
      tf::sgemmAvx512(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads, tf::Avx512Layout::Direct);
      break;
    case Which::Packed:
      tf::sgemmAvx512(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads, tf::Avx512Layout::Packed);
      break;
    case Which::Blas: {
      tf::ScopedBlasThreads cap(threads);
      tf::sgemmBlas(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      break;
    }
    case Which::Portable:
      tf::sgemmPortable(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      break;
    case Which::Sgemm: {
      tf::ScopedBlasThreads cap(threads);
      tf::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      break;
    }
  }
}

// One case: returns false (after printing) when an element is off by more
// than the float32 bound: K+2 roundings of at most 2^-24 each, relative to
// sum_k |alpha a_ik b_kj| + |beta c_ij|.
bool checkCase(Which w, bool ta, bool tb, const Shape& s, float alpha, float beta, int offset, int pad, int threads,
               std::mt19937& rng, std::vector<float>* out = nullptr) {
  const int64_t M = s.M, N = s.N, K = s.K;
  const int64_t rowsA = ta ? K : M, colsA = ta ? M : K, rowsB = tb ? N : K, colsB = tb ? K : N;
  const int64_t lda = colsA + pad, ldb = colsB + pad, ldc = N + pad;
  std::vector<float> A(offset + rowsA * lda), B(offset + rowsB * ldb), C(offset + M * ldc), C0;
  fill(A, rng);
  fill(B, rng);
  fill(C, rng);
  if (beta == 0.f)  // beta = 0 must not read C (NaN stays out)
    for (auto& x : C) x = std::nanf("");
  C0 = C;
  const float* a = A.data() + offset;
  const float* b = B.data() + offset;
  float* c = C.data() + offset;
  run(w, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, threads);
  bool ok = true;
  for (int64_t i = 0; i < M && ok; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double ref = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = double(ta ? a[k * lda + i] : a[i * lda + k]) * double(tb ? b[j * ldb + k] : b[k * ldb + j]);
        ref += p;
        mag += std::fabs(p);
      }
      ref *= alpha;
      mag *= std::fabs(alpha);
      if (beta != 0.f) {
        ref += double(beta) * C0[offset + i * ldc + j];
        mag += std::fabs(double(beta) * C0[offset + i * ldc + j]);
      }
      const double got = c[i * ldc + j];
      if (!(std::fabs(got - ref) <= (K + 2) * 0x1p-24 * mag + 1e-30)) {
        std::printf("  %s ta=%d tb=%d %lldx%lldx%lld alpha=%g beta=%g offset=%d pad=%d threads=%d: C[%lld,%lld] = %.9g, "
                    "expected %.9g\n",
                    name(w), ta, tb, (long long)M, (long long)N, (long long)K, alpha, beta, offset, pad, threads,
                    (long long)i, (long long)j, got, ref);
        ok = false;
        break;
      }
    }
  // Padding between rows and before the matrix is left alone.
  for (int64_t i = 0; i < M && ok; ++i)
    for (int64_t j = N; j < ldc; ++j)
      if (std::memcmp(&C[offset + i * ldc + j], &C0[offset + i * ldc + j], sizeof(float)) != 0) {
        std::printf("  %s: wrote into the padding of row %lld\n", name(w), (long long)i);
        ok = false;
        break;
      }
  for (int i = 0; i < offset && ok; ++i)
    if (std::memcmp(&C[i], &C0[i], sizeof(float)) != 0) ok = false;
  if (out) out->assign(C.begin(), C.end());
  return ok;
}

}  // namespace

TF_TEST(gemm_paths_match_float64_reference) {
  std::mt19937 rng(17);
  std::vector<Which> paths = {Which::Blas, Which::Portable, Which::Sgemm};
  if (tf::avx512GemmAvailable()) {
    paths.push_back(Which::Direct);
    paths.push_back(Which::Packed);
  } else {
    std::printf("  (no AVX-512 on this CPU: the AVX-512 kernel is not checked here)\n");
  }
  int failed = 0;
  for (Which w : paths)
    for (const Shape& s : kShapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
          if (w == Which::Direct && tb) continue;  // unpacked needs op(B) untransposed
          const int variant = static_cast<int>(rng() % 4);
          const float alpha = variant == 3 ? -0.5f : 1.f;
          const float beta = variant == 1 ? 1.f : variant == 2 ? 0.75f : 0.f;
          const int offset = static_cast<int>(rng() % 3), pad = static_cast<int>(rng() % 2) * 3;
          if (!checkCase(w, ta, tb, s, alpha, beta, offset, pad, 1, rng)) ++failed;
        }
  TF_EXPECT(failed == 0);
}

// A product split across threads sums every element on one thread in the
// same order as on one thread: results are bit-identical, for both layouts.
TF_TEST(gemm_avx512_threads_bit_identical) {
  if (!tf::avx512GemmAvailable()) return;
  const Shape shapes[] = {{256, 512, 784}, {784, 64, 32}, {32, 64, 784}, {300, 129, 31}, {5, 700, 40}};
  for (Which w : {Which::Direct, Which::Packed, Which::Sgemm})
    for (const Shape& s : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
          if (w == Which::Direct && tb) continue;
          std::mt19937 r1(5), r2(5);
          std::vector<float> one, two;
          TF_EXPECT(checkCase(w, ta, tb, s, 1.f, 0.f, 1, 0, 1, r1, &one));
          TF_EXPECT(checkCase(w, ta, tb, s, 1.f, 0.f, 1, 0, 2, r2, &two));
          if (one.size() != two.size() || std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) != 0) {
            std::printf("  %s ta=%d tb=%d %lldx%lldx%lld: 1 and 2 threads differ\n", name(w), ta, tb,
                        (long long)s.M, (long long)s.N, (long long)s.K);
            TF_EXPECT(false);
          }
        }
}

// The path per shape class, as documented in gemm.h.
TF_TEST(gemm_path_choice) {
  if (!tf::avx512GemmAvailable() || tf::blasHasAvx512Kernels() || std::getenv("TENSORFORGE_GEMM")) {
    for (const auto& [shapes, path] : tf::gemmPathTable()) TF_EXPECT(path == "blas");
    return;
  }
  TF_EXPECT(tf::gemmPathFor(false, false, 32, 64, 784) == "avx512-direct");   // seed model forward
  TF_EXPECT(tf::gemmPathFor(true, false, 784, 64, 32) == "avx512-direct");    // seed model dW
  TF_EXPECT(tf::gemmPathFor(false, false, 256, 512, 784) == "avx512-packed"); // large MLP forward
  TF_EXPECT(tf::gemmPathFor(false, true, 256, 512, 512) == "avx512-packed");  // large MLP dX
  TF_EXPECT(tf::gemmPathFor(false, true, 256, 10, 512) == "blas");            // transposed B, 10 columns
  TF_EXPECT(tf::gemmPathFor(false, true, 1, 512, 784) == "blas");             // transposed B, 1 row
  {
    // A split step's half of batch 256 runs its products on one thread: packed above 32 rows.
    tf::ScopedBlasThreads one(1);
    TF_EXPECT(tf::gemmPathFor(false, false, 128, 512, 784) == "avx512-packed");
    TF_EXPECT(tf::gemmPathFor(false, false, 32, 512, 784) == "avx512-direct");
    TF_EXPECT(tf::gemmPathFor(false, false, 128, 64, 784) == "avx512-direct");
  }
  if (tf::hardwareThreads() >= 2) {
    tf::ScopedBlasThreads two(2);
    TF_EXPECT(tf::gemmPathFor(false, false, 128, 512, 784) == "avx512-direct");
  }
}

// Products with more parts than the one before them: a helper finishing the
// earlier product must not claim a part of the next one (it once could,
// between the caller publishing the new part count and the new generation:
// that part then ran twice, and the caller's count of finished parts passed
// the total and it waited forever). Every part must run exactly once.
namespace {
struct PartRuns {
  std::atomic<int> runs[64];
};
void countRun(void* ctx, int part) { static_cast<PartRuns*>(ctx)->runs[part].fetch_add(1, std::memory_order_relaxed); }
}  // namespace

TF_TEST(gemm_helpers_run_each_part_once) {
  if (!tf::avx512GemmAvailable()) return;
  PartRuns counts;
  for (auto& r : counts.runs) r.store(0);
  int wrong = 0, ran = 0;
  for (int product = 0; product < 200000 && wrong == 0; ++product) {
    const int parts = product % 2 ? 64 : 2;
    if (!tf::runOnGemmHelpers(countRun, &counts, parts)) continue;
    ++ran;
    for (int i = 0; i < parts; ++i) {
      if (counts.runs[i].load() != 1) {
        std::printf("  product %d: part %d of %d ran %d times\n", product, i, parts, counts.runs[i].load());
        ++wrong;
      }
      counts.runs[i].store(0);
    }
  }
  TF_EXPECT(wrong == 0);
  if (tf::hardwareThreads() > 1) TF_EXPECT(ran > 0);
}
