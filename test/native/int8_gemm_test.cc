// int8 GEMM (native/int8_gemm.h) on every path this CPU runs against an
// int64 reference (exact: the paths must agree bit for bit), and the
// quantized MLP (native/quantized_mlp.h) against a float64 reference of the
// float model within the quantization error bound.
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"
#include "int8_gemm.h"
#include "core_budget.h"
#include "quantized_mlp.h"

using namespace tf;

namespace {
const Int8Path kPaths[] = {Int8Path::Portable, Int8Path::Avx2, Int8Path::AvxVnni, Int8Path::Avx512Vnni};

void checkShape(int64_t M, int64_t K, int64_t N, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wd(-127, 127), xd(0, 255);
  std::vector<int8_t> w(static_cast<size_t>(K * N));
  for (auto& v : w) v = static_cast<int8_t>(wd(rng));
  // Extremes in the first row and column: 255 x -127 everywhere there.
  for (int64_t n = 0; n < N; ++n) w[static_cast<size_t>(n)] = -127;
  const int64_t Kp = int8PaddedK(K), ldx = Kp + 3;
  std::vector<uint8_t> x(static_cast<size_t>(M * ldx), 77);  // padding columns hold junk on purpose
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K; ++k) x[static_cast<size_t>(m * ldx + k)] = m == 0 ? 255 : static_cast<uint8_t>(xd(rng));
  std::vector<int64_t> ref(static_cast<size_t>(M * N), 0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t s = 0;
      for (int64_t k = 0; k < K; ++k) s += int64_t{x[m * ldx + k]} * int64_t{w[k * N + n]};
      ref[m * N + n] = s;
    }
  const Int8PackedWeights p = packInt8Weights(w.data(), K, N);
  for (int64_t n = 0; n < N; ++n) {
    int64_t s = 0;
    for (int64_t k = 0; k < K; ++k) s += w[k * N + n];
    TF_EXPECT(p.colSum[n] == s);
  }
  for (Int8Path path : kPaths) {
    if (!int8PathAvailable(path)) {
      std::printf("  (int8 path %s does not run here)\n", int8PathName(path));
      continue;
    }
    const int64_t ldc = N + 2;
    std::vector<int32_t> acc(static_cast<size_t>(M * ldc), -1);
    int8Gemm(path, x.data(), M, ldx, p, acc.data(), ldc);
    int bad = 0;
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) bad += acc[m * ldc + n] != ref[m * N + n];
      for (int64_t n = N; n < ldc; ++n) bad += acc[m * ldc + n] != -1;  // nothing written past N
    }
    if (bad) std::printf("  path %s, M=%lld K=%lld N=%lld: %d wrong\n", int8PathName(path), (long long)M, (long long)K, (long long)N, bad);
    TF_EXPECT(bad == 0);
  }
}
}  // namespace

TF_TEST(int8_gemm_matches_int64_reference_on_every_path) {
  // Edges: K not a multiple of 4, N not of 16/32, M not of the row tiles.
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {8, 16, 32}, {9, 33, 17}, {17, 784, 64}, {5, 64, 10}, {16, 100, 48}, {2, 3, 33}};
  uint32_t seed = 1;
  for (const auto& s : shapes) checkShape(s[0], s[1], s[2], seed++);
  TF_EXPECT(int8PathAvailable(int8BestPath()));
}

namespace {
// The fused GEMM (int8GemmFused) of every path against int8EpilogueRow
// applied to exact int64 sums: bit for bit, both output kinds, nothing
// written past column N; and the float output within rounding of a float64
// dequantization.
void checkFusedShape(int64_t M, int64_t K, int64_t N, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wd(-127, 127), xd(0, 255);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  std::vector<int8_t> w(static_cast<size_t>(K * N));
  for (auto& v : w) v = static_cast<int8_t>(wd(rng));
  const int64_t Kp = int8PaddedK(K), ldx = Kp + 5;
  std::vector<uint8_t> x(static_cast<size_t>(M * ldx), 201);  // junk in the padding columns
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K; ++k) x[static_cast<size_t>(m * ldx + k)] = static_cast<uint8_t>(xd(rng));
  const Int8PackedWeights p = packInt8Weights(w.data(), K, N);
  std::vector<float> alpha(static_cast<size_t>(N)), bias(static_cast<size_t>(N));
  std::vector<int32_t> corr(static_cast<size_t>(N));
  const int zx = 1 + static_cast<int>(seed % 200);
  for (int64_t n = 0; n < N; ++n) {
    alpha[n] = 1e-4f * (1.f + ud(rng) * 0.5f);
    bias[n] = ud(rng);
    corr[n] = -zx * p.colSum[n];
  }
  std::vector<int32_t> sums(static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t s = 0;
      for (int64_t k = 0; k < K; ++k) s += int64_t{x[m * ldx + k]} * int64_t{w[k * N + n]};
      sums[m * N + n] = static_cast<int32_t>(s);
    }
  for (int kind = 0; kind < 2; ++kind) {
    const int64_t ld = N + 3;
    Int8Epilogue e;
    e.kind = kind == 0 ? Int8Epilogue::Kind::Float : Int8Epilogue::Kind::Uint8;
    e.ld = ld;
    e.alpha = alpha.data();
    e.corr = corr.data();
    e.bias = bias.data();
    e.inv = 40.f;
    e.zp = 120.f;
    e.lo = seed % 2 ? 120.f : 0.f;  // relu's clamp at the zero point, or none
    std::vector<float> wantY(static_cast<size_t>(M * ld), -7.f);
    std::vector<uint8_t> wantQ(static_cast<size_t>(M * ld), 7);
    e.y = wantY.data();
    e.q = wantQ.data();
    for (int64_t m = 0; m < M; ++m) int8EpilogueRow(sums.data() + m * N, N, e, m, 0);
    if (kind == 0) {
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          const double ref = double{alpha[n]} * (static_cast<double>(sums[m * N + n]) + corr[n]) + bias[n];
          TF_EXPECT(std::fabs(wantY[m * ld + n] - ref) <= 1e-6 * (1 + std::fabs(ref)));
        }
    }
    for (Int8Path path : kPaths) {
      if (!int8PathAvailable(path)) continue;
      std::vector<float> y(static_cast<size_t>(M * ld), -7.f);
      std::vector<uint8_t> q(static_cast<size_t>(M * ld), 7);
      e.y = y.data();
      e.q = q.data();
      int8GemmFused(path, x.data(), M, ldx, p, e);
      int bad = 0;
      for (int64_t i = 0; i < M * ld; ++i) bad += kind == 0 ? y[i] != wantY[i] : q[i] != wantQ[i];
      if (bad) std::printf("  fused path %s, kind %d, M=%lld K=%lld N=%lld: %d differ\n", int8PathName(path), kind, (long long)M, (long long)K, (long long)N, bad);
      TF_EXPECT(bad == 0);
    }
  }
}
}  // namespace

TF_TEST(int8_gemm_fused_epilogue_is_bit_identical_on_every_path) {
  // Rows, columns and k around the tiles (8 rows x 32 channels on AVX-512,
  // 6 x 16 on AVX-VNNI, 2 x 16 on AVX2; groups of 4 k), a single row and column.
  const int64_t shapes[][3] = {{1, 1, 1}, {7, 5, 10}, {8, 4, 16}, {9, 13, 31}, {17, 64, 33}, {13, 30, 48}, {25, 100, 65}, {3, 7, 97}};
  uint32_t seed = 21;
  for (const auto& s : shapes) checkFusedShape(s[0], s[1], s[2], seed++);
}

TF_TEST(int8_gemm_rejects_bad_arguments) {
  std::vector<int8_t> w = {1, -128};
  bool threw = false;
  try { packInt8Weights(w.data(), 1, 2); } catch (const std::invalid_argument&) { threw = true; }
  TF_EXPECT(threw);
  threw = false;
  try { packInt8Weights(w.data(), 0, 2); } catch (const std::invalid_argument&) { threw = true; }
  TF_EXPECT(threw);
  threw = false;
  try { packInt8Weights(w.data(), kInt8MaxK + 1, 1); } catch (const std::invalid_argument&) { threw = true; }  // int32 sums could overflow
  TF_EXPECT(threw);
  const Int8PackedWeights p = packInt8Weights(w.data(), 1, 1);
  std::vector<uint8_t> x(4, 1);
  int32_t acc[1];
  threw = false;
  try { int8Gemm(Int8Path::Portable, x.data(), 1, 2, p, acc, 1); } catch (const std::invalid_argument&) { threw = true; }  // ldx < Kp
  TF_EXPECT(threw);
  std::vector<float> a(1, 1.f), y(1);
  std::vector<int32_t> c(1, 0);
  Int8Epilogue e;
  e.y = y.data();
  e.ld = 1;
  e.alpha = a.data();
  e.corr = c.data();
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { int8GemmFused(Int8Path::Portable, x.data(), 1, 4, p, e); }));  // no bias
  e.bias = a.data();
  e.ld = 0;
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { int8GemmFused(Int8Path::Portable, x.data(), 1, 4, p, e); }));  // ld < N
  e.ld = 1;
  int8GemmFused(Int8Path::Portable, x.data(), 1, 4, p, e);
  TF_EXPECT(y[0] == 2.f);  // x 1 times the one weight 1, alpha 1, plus bias 1
}

TF_TEST(quantized_mlp_within_quantization_error_of_float64) {
  // 20-32-8 relu -> linear, and a tanh -> softmax chain, per channel and per tensor.
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 0.3f);
  std::uniform_real_distribution<float> ud(-1.f, 1.f);
  const int64_t K = 20, H = 32, O = 8, R = 300;
  std::vector<float> k1(K * H), b1(H), k2(H * O), b2(O), x(R * K);
  for (auto& v : k1) v = nd(rng);
  for (auto& v : b1) v = nd(rng);
  for (auto& v : k2) v = nd(rng);
  for (auto& v : b2) v = nd(rng);
  for (auto& v : x) v = ud(rng);
  for (int variant = 0; variant < 4; ++variant) {
    const bool perChannel = variant % 2 == 0;
    const bool relu = variant < 2;
    std::vector<DenseLayerSpec> specs(2);
    specs[0] = {K, H, k1.data(), b1.data(), relu ? Activation::Relu : Activation::Tanh, 0.f};
    specs[1] = {H, O, k2.data(), b2.data(), relu ? Activation::Linear : Activation::Softmax, 0.f};
    const QuantizedMlp q(specs, perChannel, x.data(), R);
    // float64 reference of the float model.
    std::vector<double> ref(R * O);
    for (int64_t m = 0; m < R; ++m) {
      std::vector<double> h(H);
      for (int64_t j = 0; j < H; ++j) {
        double s = b1[j];
        for (int64_t k = 0; k < K; ++k) s += double{x[m * K + k]} * k1[k * H + j];
        h[j] = relu ? std::max(0.0, s) : std::tanh(s);
      }
      double mx = -1e300;
      for (int64_t o = 0; o < O; ++o) {
        double s = b2[o];
        for (int64_t j = 0; j < H; ++j) s += h[j] * k2[j * O + o];
        ref[m * O + o] = s;
        mx = std::max(mx, s);
      }
      if (!relu) {
        double sum = 0;
        for (int64_t o = 0; o < O; ++o) sum += (ref[m * O + o] = std::exp(ref[m * O + o] - mx));
        for (int64_t o = 0; o < O; ++o) ref[m * O + o] /= sum;
      }
    }
    // Error bound, first order: layer 1 pre-activation error <= sum_k (|x| dw + |w| dx + dx dw)
    // with dx = sx / 2, dw = sw / 2; through a 1-Lipschitz activation, plus the
    // hidden requantization (sh / 2), into layer 2 likewise. Computed per row.
    const Uint8Quant qx = q.inputQuant(0), qh = q.inputQuant(1);
    const auto& sw1 = q.weightScales(0);
    const auto& sw2 = q.weightScales(1);
    std::vector<float> got(R * O), fl(R * O);
    q.predictFloat(x.data(), R, fl.data());
    double worstRatio = 0;
    for (Int8Path path : kPaths) {
      if (!int8PathAvailable(path)) continue;
      q.predict(x.data(), R, got.data(), path);
      for (int64_t m = 0; m < R; ++m) {
        double e2max = 0;
        double e1max = 0;
        std::vector<double> hAbs(H);
        for (int64_t j = 0; j < H; ++j) {
          double e = 0, s = b1[j];
          for (int64_t k = 0; k < K; ++k) {
            e += std::fabs(x[m * K + k]) * sw1[j] / 2 + std::fabs(k1[k * H + j]) * qx.scale / 2 + qx.scale * sw1[j] / 4;
            s += double{x[m * K + k]} * k1[k * H + j];
          }
          e1max = std::max(e1max, e + qh.scale / 2);
          hAbs[j] = std::fabs(relu ? std::max(0.0, s) : std::tanh(s)) + e + qh.scale / 2;
        }
        for (int64_t o = 0; o < O; ++o) {
          double e = 0;
          for (int64_t j = 0; j < H; ++j) e += hAbs[j] * sw2[o] / 2 + std::fabs(k2[j * O + o]) * e1max;
          e2max = std::max(e2max, e);
        }
        // Softmax is 1-Lipschitz in the max norm up to a factor 2 (|d softmax| <= 2 max|dz|).
        const double bound = (relu ? 1.0 : 2.0) * e2max + 1e-5;
        for (int64_t o = 0; o < O; ++o) {
          const double err = std::fabs(got[m * O + o] - ref[m * O + o]);
          worstRatio = std::max(worstRatio, err / bound);
          TF_EXPECT(err <= bound);
          TF_EXPECT(std::fabs(fl[m * O + o] - ref[m * O + o]) <= 1e-4 * (1 + std::fabs(ref[m * O + o])));
        }
      }
    }
    std::printf("  variant %d: worst error / bound %.3f\n", variant, worstRatio);
  }
}

TF_TEST(quantized_mlp_paths_agree_and_input_is_checked) {
  std::vector<float> k = {0.5f, -1.f, 0.25f, 2.f, 0.f, 1.f}, x = {0.f, 1.f, -1.f, 2.f, 0.5f, 0.5f};
  std::vector<DenseLayerSpec> specs(1);
  specs[0] = {2, 3, k.data(), nullptr, Activation::Linear, 0.f};
  const QuantizedMlp q(specs, true, x.data(), 3);
  std::vector<float> a(9), b(9);
  q.predict(x.data(), 3, a.data(), Int8Path::Portable);
  q.predict(x.data(), 3, b.data(), int8BestPath());
  for (int i = 0; i < 9; ++i) TF_EXPECT(a[i] == b[i]);
  bool threw = false;
  std::vector<float> bad = {NAN, 0.f};
  try { QuantizedMlp(specs, true, bad.data(), 1); } catch (const std::invalid_argument&) { threw = true; }
  TF_EXPECT(threw);
  threw = false;
  std::vector<DenseLayerSpec> chain(2, specs[0]);
  try { QuantizedMlp(chain, true, x.data(), 3); } catch (const std::invalid_argument&) { threw = true; }  // 3 units into 2 inputs
  TF_EXPECT(threw);
}

TF_TEST(quantized_mlp_paths_agree_bit_for_bit_on_odd_sizes) {
  // Three layers whose sizes are no multiple of any tile (k groups of 4,
  // 8 x 32 / 6 x 16 / 2 x 16 tiles), fused relu and linear between layers, an
  // unfused tanh, softmax last; more rows than a chunk (256) and a row tail.
  std::mt19937 rng(17);
  std::normal_distribution<float> nd(0.f, 0.4f);
  const int64_t sizes[] = {37, 45, 19, 21, 3};
  const Activation acts[] = {Activation::Relu, Activation::Linear, Activation::Tanh, Activation::Softmax};
  const int64_t R = 301;
  std::vector<std::vector<float>> k(4), b(4);
  std::vector<DenseLayerSpec> specs(4);
  for (int l = 0; l < 4; ++l) {
    k[l].resize(static_cast<size_t>(sizes[l] * sizes[l + 1]));
    b[l].resize(static_cast<size_t>(sizes[l + 1]));
    for (auto& v : k[l]) v = nd(rng);
    for (auto& v : b[l]) v = nd(rng);
    specs[l] = {sizes[l], sizes[l + 1], k[l].data(), b[l].data(), acts[l], 0.f};
  }
  std::vector<float> x(static_cast<size_t>(R * sizes[0]));
  for (auto& v : x) v = nd(rng);
  const QuantizedMlp q(specs, true, x.data(), R);
  std::vector<float> want(static_cast<size_t>(R * 3)), got(want.size());
  q.predict(x.data(), R, want.data(), Int8Path::Portable);
  for (Int8Path path : kPaths) {
    if (!int8PathAvailable(path)) continue;
    std::fill(got.begin(), got.end(), -1.f);
    q.predict(x.data(), R, got.data(), path);
    int bad = 0;
    for (size_t i = 0; i < got.size(); ++i) bad += got[i] != want[i];
    if (bad) std::printf("  path %s: %d of %zu outputs differ from the portable path\n", int8PathName(path), bad, got.size());
    TF_EXPECT(bad == 0);
  }
  double worst = 0;  // and close to the float model (a loose sanity bound)
  std::vector<float> fl(want.size());
  q.predictFloat(x.data(), R, fl.data());
  for (size_t i = 0; i < fl.size(); ++i) worst = std::max(worst, double(std::fabs(fl[i] - want[i])));
  if (worst >= 0.1) std::printf("  worst |int8 - float| %.4f\n", worst);
  TF_EXPECT(worst < 0.1);  // probabilities after four quantized layers: 0.054 here
}

TF_TEST(quantized_mlp_rebuilt_from_its_parameters_predicts_the_same) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.f, 0.5f);
  std::vector<float> k1(6 * 5), b1(5), k2(5 * 3), b2(3), x(40 * 6);
  for (auto* v : {&k1, &b1, &k2, &b2, &x})
    for (auto& e : *v) e = nd(rng);
  std::vector<DenseLayerSpec> specs(2);
  specs[0] = {6, 5, k1.data(), b1.data(), Activation::Relu, 0.f};
  specs[1] = {5, 3, k2.data(), b2.data(), Activation::Sigmoid, 0.f};
  const QuantizedMlp q(specs, true, x.data(), 40);
  std::vector<QuantizedDenseSpec> saved(2);
  for (int64_t l = 0; l < 2; ++l) {
    saved[l] = {specs[l].inputs, specs[l].units, q.kernelInt8(l).data(), q.weightScales(l).data(), q.bias(l).data(),
                q.inputQuant(l), specs[l].activation, 0.f};
  }
  const QuantizedMlp r(saved);
  std::vector<float> a(40 * 3), b(40 * 3);
  q.predict(x.data(), 40, a.data(), int8BestPath());
  r.predict(x.data(), 40, b.data(), int8BestPath());
  for (size_t i = 0; i < a.size(); ++i) TF_EXPECT(a[i] == b[i]);
  bool threw = false;
  saved[1].input.scale = 0.f;
  try { QuantizedMlp bad(saved); } catch (const std::invalid_argument&) { threw = true; }
  TF_EXPECT(threw);
}

TF_TEST(quantized_mlp_predicts_from_several_threads_at_once) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.f, 0.5f);
  const int64_t K = 30, N = 20, R = 600;  // more rows than one chunk
  std::vector<float> k(K * N), x(R * K);
  for (auto& v : k) v = nd(rng);
  for (auto& v : x) v = nd(rng);
  std::vector<DenseLayerSpec> specs(1);
  specs[0] = {K, N, k.data(), nullptr, Activation::Tanh, 0.f};
  const QuantizedMlp q(specs, true, x.data(), R);
  std::vector<float> want(R * N);
  q.predict(x.data(), R, want.data(), int8BestPath());
  std::vector<std::vector<float>> got(4, std::vector<float>(R * N));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t]() {
      for (int rep = 0; rep < 5; ++rep) q.predict(x.data(), R, got[t].data(), t % 2 ? Int8Path::Portable : int8BestPath());
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) TF_EXPECT(g == want);
}

TF_TEST(quantized_mlp_splits_a_large_batch_over_a_helper_thread_bit_for_bit) {
  // 1000 rows = 4 chunks: with a core token free the second half runs on a
  // helper thread; rows are independent, so every split gives the same bits
  // as one row at a time (one chunk, no helper) and as a budget of one core.
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.f, 0.5f);
  const int64_t K = 40, H = 24, N = 7, R = 1000;
  std::vector<float> k1(K * H), b1(H), k2(H * N), b2(N), x(R * K);
  for (auto* v : {&k1, &b1, &k2, &b2, &x})
    for (auto& e : *v) e = nd(rng);
  std::vector<DenseLayerSpec> specs(2);
  specs[0] = {K, H, k1.data(), b1.data(), Activation::Relu, 0.f};
  specs[1] = {H, N, k2.data(), b2.data(), Activation::Softmax, 0.f};
  const QuantizedMlp q(specs, true, x.data(), R);
  std::vector<float> rowByRow(R * N), split(R * N), oneCore(R * N);
  for (int64_t r = 0; r < R; ++r) q.predict(x.data() + r * K, 1, rowByRow.data() + r * N, int8BestPath());
  CoreBudget& budget = CoreBudget::global();
  const int total = budget.total();
  budget.setTotal(2);
  budget.resetPeak();
  q.predict(x.data(), R, split.data(), int8BestPath());
  TF_EXPECT(budget.peak() == 1);  // the helper held a token, and only one
  TF_EXPECT(budget.inUse() == 0);
  budget.setTotal(1);
  budget.resetPeak();
  q.predict(x.data(), R, oneCore.data(), int8BestPath());
  TF_EXPECT(budget.peak() == 0);  // setNumThreads(1): no helper
  budget.setTotal(total);
  TF_EXPECT(split == rowByRow);
  TF_EXPECT(oneCore == rowByRow);
}

TF_TEST(quantize_row_rounds_clamps_and_maps_nan_to_the_floor) {
  // Against the scalar formula; the SIMD paths may fuse the multiply-add, so
  // a value on a rounding tie may land one level off, nothing more.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> ud(-3.f, 3.f);
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 100}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = ud(rng);
    if (n > 3) {
      x[0] = NAN;
      x[1] = 1e30f;
      x[2] = -1e30f;
    }
    for (float lo : {0.f, 40.f}) {
      std::vector<uint8_t> q(static_cast<size_t>(n) + 1, 7);
      quantizeRowU8(x.data(), n, 50.f, 100.f, lo, q.data());
      TF_EXPECT(q[static_cast<size_t>(n)] == 7);  // nothing written past n
      for (int64_t i = 0; i < n; ++i) {
        double r = static_cast<double>(x[i]) * 50.0 + 100.0;
        r = std::isnan(r) ? lo : std::min(255.0, std::max<double>(lo, r));
        const int want = static_cast<int>(std::floor(r + 0.5));
        TF_EXPECT(std::abs(int{q[i]} - want) <= 1);
        if (n > 3 && i < 3) TF_EXPECT(int{q[i]} == (i == 1 ? 255 : static_cast<int>(lo)));
      }
    }
  }
}
