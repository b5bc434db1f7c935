// expInPlace (vector_exp.h: softmax's and the recurrent gates' exp) against
// double exp, and softmaxRows against a double softmax, including rows with no
// defined softmax.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "activations.h"
#include "check.h"
#include "vector_exp.h"

namespace {

// |got - exp(x)| in units of the float spacing at exp(x).
double ulpsFromExp(float x, float got) {
  const double ref = std::exp(static_cast<double>(x));
  const float rounded = static_cast<float>(ref);
  const double ulp = static_cast<double>(std::nextafter(rounded, INFINITY)) - static_cast<double>(rounded);
  return std::fabs(static_cast<double>(got) - ref) / ulp;
}

}  // namespace

// Every 61st float in [-87.33, 88] (about 30 million arguments; every float
// there was checked once, 1.8 billion, at the same bound).
TF_TEST(vector_exp_within_one_ulp) {
  std::vector<float> x;
  uint32_t bits;
  const float lo = -87.33f, hi = 88.f;
  std::memcpy(&bits, &lo, sizeof bits);
  for (; bits >= 0x80000000u; bits -= 61) {  // negative floats count down to -0 in their bits
    float v;
    std::memcpy(&v, &bits, sizeof v);
    x.push_back(v);
  }
  for (float v = 0.f; v <= hi;) {
    x.push_back(v);
    std::memcpy(&bits, &v, sizeof bits);
    bits += 61;
    std::memcpy(&v, &bits, sizeof v);
  }
  std::vector<float> y = x;
  tf::expInPlace(y.data(), static_cast<int64_t>(y.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulpsFromExp(x[i], y[i]));
  TF_EXPECT(x.size() > 25000000);
  TF_EXPECT(worst <= 1.01);
}

TF_TEST(vector_exp_edges) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> y = {0.f, -0.f, -1e-30f, 1e-30f, -inf, -88.f, -100.f, -3e38f, std::nanf(""), -87.3f, -1.f, 1.f,
                          88.f, 88.5f, 3e38f, inf};
  const std::vector<float> x = y;
  tf::expInPlace(y.data(), static_cast<int64_t>(y.size()));
  TF_EXPECT(y[0] == 1.f && y[1] == 1.f && y[2] == 1.f && y[3] == 1.f);
  TF_EXPECT(y[4] == 0.f && y[5] == 0.f && y[6] == 0.f && y[7] == 0.f);
  TF_EXPECT(std::isnan(y[8]));
  for (int i = 9; i <= 12; ++i) TF_EXPECT(ulpsFromExp(x[i], y[i]) <= 1.01);
  TF_EXPECT(y[13] == y[12] && y[14] == y[12] && y[15] == y[12]);  // saturates at e^88
  // Lengths around the vector width: the loop's tail is right too.
  for (int64_t n = 0; n <= 40; ++n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[i] = -0.37f * static_cast<float>(i);
    tf::expInPlace(v.data(), n);
    for (int64_t i = 0; i < n; ++i) TF_EXPECT(ulpsFromExp(-0.37f * static_cast<float>(i), v[i]) <= 1.01);
  }
}

TF_TEST(softmax_rows_match_double_and_refuse_undefined_rows) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-30.f, 30.f);
  for (int64_t cols : {1, 3, 10, 17, 100}) {
    const int64_t rows = 37;
    std::vector<float> x(static_cast<size_t>(rows * cols)), y(x.size());
    for (auto& v : x) v = u(rng);
    tf::softmaxRows(x.data(), y.data(), rows, cols);
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x.data() + r * cols;
      double m = -INFINITY, s = 0;
      for (int64_t c = 0; c < cols; ++c) m = std::max(m, static_cast<double>(xr[c]));
      for (int64_t c = 0; c < cols; ++c) s += std::exp(xr[c] - m);
      for (int64_t c = 0; c < cols; ++c) TF_EXPECT_NEAR(y[r * cols + c], std::exp(xr[c] - m) / s, 2e-6);
    }
    // In place gives the same bits.
    std::vector<float> z = x;
    tf::softmaxRows(z.data(), z.data(), rows, cols);
    TF_EXPECT(std::memcmp(z.data(), y.data(), y.size() * sizeof(float)) == 0);
  }
  const float inf = std::numeric_limits<float>::infinity();
  // -inf entries beside a finite maximum get 0; a +inf maximum, an all -inf
  // row or a NaN make the row NaN.
  std::vector<float> x = {0.f, -inf, 0.f, 3e38f, -3e38f, 0.f, inf, 1.f, 2.f, -inf, -inf, -inf, 1.f, std::nanf(""), 0.f};
  std::vector<float> y(x.size());
  tf::softmaxRows(x.data(), y.data(), 5, 3);
  TF_EXPECT(y[0] == 0.5f && y[1] == 0.f && y[2] == 0.5f);
  TF_EXPECT(y[3] == 1.f && y[4] == 0.f && y[5] == 0.f);
  for (int i = 6; i < 15; ++i) TF_EXPECT(std::isnan(y[i]));
}
