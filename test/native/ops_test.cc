// Op kernels (elementwise, reduce, movement) against double references.
// Buffers are exactly sized std::vectors, so ASan reports any stray access.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "activations.h"
#include "check.h"
#include "elementwise.h"
#include "movement.h"
#include "reduce.h"

namespace {

std::vector<float> randomFloats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

}  // namespace

// a is a [3,4] buffer read transposed as [4,3] (strides {1,4}); b is a row of 3 broadcast over rows.
TF_TEST(binary_f32_strided_and_broadcast) {
  std::mt19937 rng(1);
  const auto a = randomFloats(rng, 12, -3.f, 3.f);
  const auto b = randomFloats(rng, 3, 0.5f, 2.f);
  const int64_t shape[] = {4, 3}, as[] = {1, 4}, bs[] = {0, 1};
  for (int op = 0; op < static_cast<int>(tf::BinaryOp::Count); ++op) {
    if (op == static_cast<int>(tf::BinaryOp::Pow)) continue;  // below, on positive bases
    std::vector<float> out(12);
    tf::binaryF32(static_cast<tf::BinaryOp>(op), a.data(), as, b.data(), bs, out.data(), shape, 2);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j) {
        const double x = a[j * 4 + i], y = b[j];
        const double ref = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : op == 3 ? x / y
                         : op == 4 ? std::max(x, y) : op == 5 ? std::min(x, y) : (x - y) * (x - y);
        TF_EXPECT_NEAR(out[i * 3 + j], ref, 1e-6);
      }
  }
  // Pow on positive bases (a negative base with a fractional exponent is NaN).
  const auto pa = randomFloats(rng, 12, 0.1f, 3.f);
  std::vector<float> out(12);
  tf::binaryF32(tf::BinaryOp::Pow, pa.data(), as, b.data(), bs, out.data(), shape, 2);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) TF_EXPECT_NEAR(out[i * 3 + j], std::pow(double(pa[j * 4 + i]), double(b[j])), 1e-6);
}

TF_TEST(binary_f32_scalar_empty_and_nan) {
  const float a = 2.f, b = 5.f;
  float out = 0.f;
  tf::binaryF32(tf::BinaryOp::Sub, &a, nullptr, &b, nullptr, &out, nullptr, 0);
  TF_EXPECT(out == -3.f);
  const int64_t empty[] = {3, 0}, zero[] = {0, 0};
  tf::binaryF32(tf::BinaryOp::Add, nullptr, zero, nullptr, zero, nullptr, empty, 2);  // must not touch memory
  const std::vector<float> x = {NAN, 1.f, 2.f}, y = {0.f, NAN, 1.f};
  std::vector<float> mx(3), mn(3);
  const int64_t n[] = {3}, s[] = {1};
  tf::binaryF32(tf::BinaryOp::Maximum, x.data(), s, y.data(), s, mx.data(), n, 1);
  tf::binaryF32(tf::BinaryOp::Minimum, x.data(), s, y.data(), s, mn.data(), n, 1);
  TF_EXPECT(std::isnan(mx[0]) && std::isnan(mx[1]) && mx[2] == 2.f);
  TF_EXPECT(std::isnan(mn[0]) && std::isnan(mn[1]) && mn[2] == 1.f);
}

// A rank-8 broadcast (the kernel's limit) against a direct index computation.
TF_TEST(binary_rank8_broadcast) {
  const int64_t shape[8] = {2, 1, 3, 2, 1, 2, 3, 2};
  int64_t total = 1;
  for (auto d : shape) total *= d;
  // a is full, b broadcasts every other dim.
  int64_t as[8], bs[8], bShape[8];
  int64_t acc = 1, bacc = 1;
  for (int d = 7; d >= 0; --d) {
    as[d] = acc;
    acc *= shape[d];
    bShape[d] = d % 2 ? shape[d] : 1;
    bs[d] = bShape[d] == 1 ? 0 : bacc;
    bacc *= bShape[d];
  }
  std::vector<int32_t> a(total), b(bacc), out(total);
  for (int64_t i = 0; i < total; ++i) a[i] = static_cast<int32_t>(i * 7 - 100);
  for (int64_t i = 0; i < bacc; ++i) b[i] = static_cast<int32_t>(i * 3 + 1);
  tf::binaryI32(tf::BinaryOp::Mul, a.data(), as, b.data(), bs, out.data(), shape, 8);
  for (int64_t i = 0; i < total; ++i) {
    int64_t rem = i, bi = 0;
    for (int d = 7; d >= 0; --d) {
      const int64_t k = rem % shape[d];
      rem /= shape[d];
      bi += k * bs[d];
    }
    TF_EXPECT(out[i] == a[i] * b[bi]);
  }
}

TF_TEST(binary_i32_semantics) {
  const std::vector<int32_t> a = {-7, 7, -7, 7, kMin, 5, kMax, kMin, 2, -1, 0, 3};
  const std::vector<int32_t> b = {2, -2, -2, 2, -1, 0, 1, 1, 31, -3, -1, 4};
  const int64_t n[] = {12}, s[] = {1};
  std::vector<int32_t> out(12);
  tf::binaryI32(tf::BinaryOp::Div, a.data(), s, b.data(), s, out.data(), n, 1);
  const int32_t div[] = {-4, -4, 3, 3, kMin, 0, kMax, kMin, 0, 0, 0, 0};
  for (int i = 0; i < 12; ++i) TF_EXPECT(out[i] == div[i]);
  tf::binaryI32(tf::BinaryOp::Add, a.data(), s, b.data(), s, out.data(), n, 1);
  TF_EXPECT(out[6] == kMin);        // kMax + 1 wraps
  TF_EXPECT(out[4] == kMax);        // kMin + -1 wraps
  tf::binaryI32(tf::BinaryOp::Pow, a.data(), s, b.data(), s, out.data(), n, 1);
  TF_EXPECT(out[8] == kMin);        // 2^31 wraps
  TF_EXPECT(out[9] == -1);          // (-1)^-3
  TF_EXPECT(out[10] == 0);          // 0^-1 (tfjs: Infinity stored as 0)
  TF_EXPECT(out[11] == 81);
  tf::binaryI32(tf::BinaryOp::SquaredDifference, a.data(), s, b.data(), s, out.data(), n, 1);
  TF_EXPECT(out[0] == 81);
  bool threw = false;
  try {
    tf::binaryI32(tf::BinaryOp::Count, a.data(), s, b.data(), s, out.data(), n, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  TF_EXPECT(threw);
}

TF_TEST(unary_kernels) {
  std::mt19937 rng(2);
  const auto x = randomFloats(rng, 100, 0.01f, 50.f);
  std::vector<float> y(100);
  tf::unaryF32(tf::UnaryOp::Log, x.data(), y.data(), 100);
  for (int i = 0; i < 100; ++i) TF_EXPECT_NEAR(y[i], std::log(double(x[i])), 1e-6);
  tf::unaryF32(tf::UnaryOp::Sqrt, x.data(), y.data(), 100);
  for (int i = 0; i < 100; ++i) TF_EXPECT_NEAR(y[i], std::sqrt(double(x[i])), 1e-6);
  tf::unaryF32(tf::UnaryOp::Exp, x.data(), y.data(), 100);
  for (int i = 0; i < 100; ++i) {
    const double ref = std::exp(double(x[i]));
    if (ref < 3e38) TF_EXPECT_NEAR(y[i], ref, 1e-6);
    else TF_EXPECT(std::isinf(y[i]));
  }
  std::vector<float> z = x;
  tf::unaryF32(tf::UnaryOp::Neg, z.data(), z.data(), 100);  // in place
  for (int i = 0; i < 100; ++i) TF_EXPECT(z[i] == -x[i]);
  const std::vector<int32_t> xi = {kMin, -5, 0, 46341};
  std::vector<int32_t> yi(4);
  tf::unaryI32(tf::UnaryOp::Neg, xi.data(), yi.data(), 4);
  TF_EXPECT(yi[0] == kMin && yi[1] == 5 && yi[2] == 0 && yi[3] == -46341);
  tf::unaryI32(tf::UnaryOp::Abs, xi.data(), yi.data(), 4);
  TF_EXPECT(yi[0] == kMin && yi[1] == 5);
  tf::unaryI32(tf::UnaryOp::Square, xi.data(), yi.data(), 4);
  TF_EXPECT(yi[1] == 25 && yi[3] == static_cast<int32_t>(46341u * 46341u));
  bool threw = false;
  try {
    tf::unaryI32(tf::UnaryOp::Exp, xi.data(), yi.data(), 4);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  TF_EXPECT(threw);
}

// [outer, n, inner] views with inner both below and above the 256-column block.
TF_TEST(reduce_f32_matches_reference) {
  std::mt19937 rng(3);
  const int64_t dims[][3] = {{1, 7, 1}, {3, 5, 1}, {1, 4, 300}, {2, 3, 513}, {4, 1, 6}, {5, 0, 2}, {1, 1000, 1}};
  for (auto& d : dims) {
    const int64_t outer = d[0], n = d[1], inner = d[2];
    const auto x = randomFloats(rng, outer * n * inner, 0.5f, 1.5f);
    for (int op = 0; op < static_cast<int>(tf::ReduceOp::Count); ++op) {
      std::vector<float> out(outer * inner);
      tf::reduceF32(static_cast<tf::ReduceOp>(op), x.data(), out.data(), outer, n, inner);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          double s = 0, p = 1, mx = -INFINITY, mn = INFINITY;
          for (int64_t r = 0; r < n; ++r) {
            const double v = x[(o * n + r) * inner + i];
            s += v;
            p *= v;
            mx = std::max(mx, v);
            mn = std::min(mn, v);
          }
          const double ref = op == 0 ? s : op == 1 ? s / n : op == 2 ? p : op == 3 ? mx : mn;
          const float got = out[o * inner + i];
          if (std::isnan(ref)) TF_EXPECT(std::isnan(got));
          else if (std::isinf(ref)) TF_EXPECT(got == ref);
          else TF_EXPECT_NEAR(got, ref, 2e-7);
        }
    }
  }
}

TF_TEST(reduce_i32_and_nan) {
  const std::vector<int32_t> x = {kMax, 1, 65536, 65536, -3, 4};
  std::vector<int32_t> out(3);
  tf::reduceI32(tf::ReduceOp::Sum, x.data(), out.data(), 3, 2, 1);
  TF_EXPECT(out[0] == kMin && out[1] == 131072 && out[2] == 1);
  tf::reduceI32(tf::ReduceOp::Prod, x.data(), out.data(), 3, 2, 1);
  TF_EXPECT(out[0] == kMax && out[1] == 0 && out[2] == -12);
  tf::reduceI32(tf::ReduceOp::Max, x.data(), out.data(), 1, 2, 3);
  TF_EXPECT(out[0] == kMax && out[1] == 1 && out[2] == 65536);
  tf::reduceI32(tf::ReduceOp::Min, x.data(), out.data(), 3, 0, 1);
  TF_EXPECT(out[0] == kMax);
  bool threw = false;
  try {
    tf::reduceI32(tf::ReduceOp::Mean, x.data(), out.data(), 3, 2, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  TF_EXPECT(threw);
  const std::vector<float> f = {1.f, NAN, 3.f, 0.f};
  std::vector<float> m(2);
  tf::reduceF32(tf::ReduceOp::Max, f.data(), m.data(), 2, 2, 1);
  TF_EXPECT(std::isnan(m[0]) && m[1] == 3.f);
  tf::reduceF32(tf::ReduceOp::Min, f.data(), m.data(), 1, 2, 2);
  TF_EXPECT(std::isnan(m[1]) && m[0] == 1.f);
}

TF_TEST(arg_reductions) {
  // [2, 4, 3]: ties resolve to the first index; NaN wins.
  const std::vector<float> x = {1, 5, 2, 3, 5, NAN, 3, 0, 2, 1, 5, 2,  //
                                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1};
  std::vector<int32_t> out(6);
  tf::argMaxF32(x.data(), out.data(), 2, 4, 3);
  const int32_t mx[] = {1, 0, 1, 0, 0, 0};
  for (int i = 0; i < 6; ++i) TF_EXPECT(out[i] == mx[i]);
  tf::argMinF32(x.data(), out.data(), 2, 4, 3);
  const int32_t mn[] = {0, 2, 1, 0, 0, 3};
  for (int i = 0; i < 6; ++i) TF_EXPECT(out[i] == mn[i]);
  std::vector<int32_t> xi(600);
  for (int i = 0; i < 600; ++i) xi[i] = (i * 37) % 101;
  std::vector<int32_t> oi(300);
  tf::argMaxI32(xi.data(), oi.data(), 1, 2, 300);
  for (int i = 0; i < 300; ++i) TF_EXPECT(oi[i] == (xi[300 + i] > xi[i] ? 1 : 0));
  tf::argMinI32(xi.data(), oi.data(), 300, 2, 1);
  for (int i = 0; i < 300; ++i) TF_EXPECT(oi[i] == (xi[2 * i + 1] < xi[2 * i] ? 1 : 0));
}

TF_TEST(log_softmax_backward) {
  std::mt19937 rng(4);
  const int64_t rows = 3, cols = 5;
  const auto x = randomFloats(rng, rows * cols, -3.f, 3.f);
  const auto dy = randomFloats(rng, rows * cols, -1.f, 1.f);
  std::vector<float> y(rows * cols), dx(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < cols; ++c) m = std::max(m, double(x[r * cols + c]));
    for (int64_t c = 0; c < cols; ++c) s += std::exp(x[r * cols + c] - m);
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = static_cast<float>(x[r * cols + c] - m - std::log(s));
  }
  tf::logSoftmaxBackwardRows(y.data(), dy.data(), dx.data(), rows, cols);
  for (int64_t r = 0; r < rows; ++r) {
    double g = 0;
    for (int64_t c = 0; c < cols; ++c) g += dy[r * cols + c];
    for (int64_t c = 0; c < cols; ++c)
      TF_EXPECT_NEAR(dx[r * cols + c], dy[r * cols + c] - std::exp(double(y[r * cols + c])) * g, 1e-6);
  }
}

TF_TEST(strided_copy_transpose_and_slice) {
  // 2-D transpose large enough to cross several tiles.
  const int64_t R = 37, C = 45;
  std::vector<float> x(R * C);
  for (int64_t i = 0; i < R * C; ++i) x[i] = static_cast<float>(i);
  std::vector<float> t(R * C);
  const int64_t tShape[] = {C, R}, tStrides[] = {1, C};
  tf::stridedCopy(x.data(), tShape, tStrides, 2, t.data());
  for (int64_t i = 0; i < C; ++i)
    for (int64_t j = 0; j < R; ++j) TF_EXPECT(t[i * R + j] == x[j * C + i]);
  // 3-D [2,3,4] permuted (2,0,1) -> [4,2,3], int32.
  std::vector<int32_t> a(24), b(24);
  for (int i = 0; i < 24; ++i) a[i] = i;
  const int64_t pShape[] = {4, 2, 3}, pStrides[] = {1, 12, 4};
  tf::stridedCopy(a.data(), pShape, pStrides, 3, b.data());
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) TF_EXPECT(b[(k * 2 + i) * 3 + j] == a[i * 12 + j * 4 + k]);
  // Slice [1:3, 2:5] of the R x C matrix: base offset + original strides.
  std::vector<float> s(6);
  const int64_t sShape[] = {2, 3}, sStrides[] = {C, 1};
  tf::stridedCopy(x.data() + 1 * C + 2, sShape, sStrides, 2, s.data());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) TF_EXPECT(s[i * 3 + j] == x[(1 + i) * C + 2 + j]);
  float one = 0.f;
  tf::stridedCopy(x.data() + 7, nullptr, nullptr, 0, &one);
  TF_EXPECT(one == 7.f);
  const int64_t eShape[] = {3, 0}, eStrides[] = {0, 0};
  tf::stridedCopy<float>(nullptr, eShape, eStrides, 2, nullptr);
}

TF_TEST(gather_concat_one_hot) {
  // x [2, 3, 2] gathered on axis 1 with indices {2, 0, 2, 1}.
  std::vector<float> x(12);
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i);
  const std::vector<int32_t> idx = {2, 0, 2, 1};
  std::vector<float> g(16);
  tf::gather(x.data(), 2, 3, 2, idx.data(), 4, g.data());
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 2; ++k) TF_EXPECT(g[(o * 4 + j) * 2 + k] == x[(o * 3 + idx[j]) * 2 + k]);
  // concat of [2,1], [2,0], [2,3] column blocks.
  const std::vector<int32_t> p = {1, 2}, q = {3, 4, 5, 6, 7, 8};
  const int32_t* inputs[] = {p.data(), nullptr, q.data()};
  const int64_t widths[] = {1, 0, 3};
  std::vector<int32_t> c(8);
  tf::concat(inputs, widths, 3, 2, c.data());
  const int32_t cref[] = {1, 3, 4, 5, 2, 6, 7, 8};
  for (int i = 0; i < 8; ++i) TF_EXPECT(c[i] == cref[i]);
  // one-hot with out-of-range indices giving all-off rows.
  const std::vector<int32_t> labels = {0, 3, -1, 2};
  std::vector<float> oh(12);
  tf::oneHot(labels.data(), 4, 3, 1.f, -1.f, oh.data());
  const float ohref[] = {1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1};
  for (int i = 0; i < 12; ++i) TF_EXPECT(oh[i] == ohref[i]);
}
