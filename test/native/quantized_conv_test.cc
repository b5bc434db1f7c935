// The inference-only int8 nodes (native/layers/quantized_conv2d.cc,
// quantized_dense.cc) through the Layer interface alone, on every int8 path
// this CPU runs, against a float64 reference of the dequantized arithmetic:
// x quantized to uint8 as quantizeRowU8 does (float32 x * inv + zp, clamped,
// rounded half up; taps outside the input hold the zero point), exact
// integer sums, y = inputScale * weightScale[f] * (sum of (q - zp) * w) + bias
// in double, then the activation. Only the float32 epilogue differs: a few
// ulps. Odd sizes, strides, dilation, both paddings, batch 1 and 3, a batch
// spread over several chunks; bad configs refused with std::invalid_argument.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/int8_gemm.h"
#include "../../native/layers/registry.h"
#include "check.h"
#include "enum_codes.h"

namespace {

using tftest::codeOf;

struct Lcg {
  uint32_t s = 99;
  double next() {  // [-1, 1)
    s = s * 1664525u + 1013904223u;
    return (s >> 8) * (2.0 / 16777216.0) - 1.0;
  }
};

struct QCase {
  int64_t batch, h, w, c, filters, kh, kw, sh, sw, dh, dw;
  bool same, relu, bias;
};

uint8_t quantU8(float x, float inv, float zp) {
  float r = x * inv + zp;
  r = r > 0.f ? r : 0.f;
  r = r < 255.f ? r : 255.f;
  return static_cast<uint8_t>(static_cast<int32_t>(r + 0.5f));
}

struct Params {
  std::vector<double> kernel, scales, bias;
  float inputScale;
  int zp;
};

tf::Config baseConfig(const Params& p, bool relu, bool bias, tf::Int8Path path) {
  tf::Config c;
  c.setNumbers("kernel", p.kernel);
  c.setNumbers("weightScales", p.scales);
  c.setBool("useBias", bias);
  c.setNumbers("bias", bias ? p.bias : std::vector<double>{});
  c.setNumber("inputScale", p.inputScale);
  c.setNumber("inputZeroPoint", p.zp);
  c.setNumber("activation", codeOf<tf::Activation>(relu ? "relu" : "linear"));
  c.setNumber("path", static_cast<double>(path));
  return c;
}

tf::Config convConfig(const QCase& k, const Params& p, tf::Int8Path path) {
  tf::Config c = baseConfig(p, k.relu, k.bias, path);
  c.setNumber("kind", codeOf<tf::LayerKind>("quantizedConv2d"));
  c.setNumber("filters", static_cast<double>(k.filters));
  c.setNumber("channels", static_cast<double>(k.c));
  c.setNumbers("kernelSize", {double(k.kh), double(k.kw)});
  c.setNumbers("strides", {double(k.sh), double(k.sw)});
  c.setNumbers("dilationRate", {double(k.dh), double(k.dw)});
  c.setBool("same", k.same);
  return c;
}

Params randomParams(Lcg& rng, int64_t K, int64_t F) {
  Params p;
  for (int64_t i = 0; i < K * F; ++i) p.kernel.push_back(std::round(127 * rng.next()));
  for (int64_t f = 0; f < F; ++f) p.scales.push_back(0.001 + 0.01 * (rng.next() + 1));
  for (int64_t f = 0; f < F; ++f) p.bias.push_back(0.5 * rng.next());
  p.inputScale = 3.f / 255.f;
  p.zp = 100;  // real range [-1.18, 1.82]: inputs beyond it clamp
  return p;
}

// Runs `layer` forward over x; checks the output against `want` (max |error| <= 1e-5 of the largest |want|).
void runAndCheck(const tf::Config& c, const tf::Shape& in, int64_t batch, const std::vector<float>& x, const std::vector<double>& want) {
  std::unique_ptr<tf::Layer> layer = tf::makeLayer(c);
  const tf::Shape out = layer->computeOutputShape({in});
  layer->setShapes({in}, out);
  std::vector<std::vector<float>> scratch;
  std::vector<float*> ptrs;
  for (int64_t n : layer->scratchSizes(batch)) scratch.emplace_back(static_cast<size_t>(n), 0.f);
  for (auto& s : scratch) ptrs.push_back(s.data());
  std::vector<float> y(want.size(), std::nanf(""));
  TF_EXPECT(static_cast<int64_t>(y.size()) == batch * tf::elementsOf(out));
  const float* inputs[] = {x.data()};
  tf::ForwardIo io{batch, inputs, y.data(), ptrs.data(), false};
  layer->forward(io, tf::NodeWeights{});
  double scale = 1, worst = 0;
  for (double v : want) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::isnan(y[i]) ? INFINITY : std::fabs(y[i] - want[i]));
  if (!(worst <= 1e-5 * scale)) std::printf("  worst error %g (scale %g)\n", worst, scale);
  TF_EXPECT(worst <= 1e-5 * scale);
}

void checkConv(const QCase& k) {
  Lcg rng;
  const int64_t K = k.kh * k.kw * k.c;
  const Params p = randomParams(rng, K, k.filters);
  std::vector<float> x(static_cast<size_t>(k.batch * k.h * k.w * k.c));
  for (float& v : x) v = static_cast<float>(1.6 * rng.next() + 0.2);
  const int64_t eh = (k.kh - 1) * k.dh + 1, ew = (k.kw - 1) * k.dw + 1;
  const int64_t oh = k.same ? (k.h + k.sh - 1) / k.sh : (k.h - eh) / k.sh + 1;
  const int64_t ow = k.same ? (k.w + k.sw - 1) / k.sw : (k.w - ew) / k.sw + 1;
  const int64_t pt = k.same ? std::max<int64_t>((oh - 1) * k.sh + eh - k.h, 0) / 2 : 0;
  const int64_t pl = k.same ? std::max<int64_t>((ow - 1) * k.sw + ew - k.w, 0) / 2 : 0;
  const float inv = 1.f / p.inputScale, zp = static_cast<float>(p.zp);
  std::vector<double> want(static_cast<size_t>(k.batch * oh * ow * k.filters));
  for (int64_t b = 0; b < k.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t f = 0; f < k.filters; ++f) {
          int64_t acc = 0;
          for (int64_t ky = 0; ky < k.kh; ++ky)
            for (int64_t kx = 0; kx < k.kw; ++kx)
              for (int64_t ch = 0; ch < k.c; ++ch) {
                const int64_t iy = oy * k.sh - pt + ky * k.dh, ix = ox * k.sw - pl + kx * k.dw;
                const int64_t u = iy < 0 || iy >= k.h || ix < 0 || ix >= k.w
                                      ? p.zp
                                      : quantU8(x[static_cast<size_t>(((b * k.h + iy) * k.w + ix) * k.c + ch)], inv, zp);
                acc += (u - p.zp) * static_cast<int64_t>(p.kernel[static_cast<size_t>(((ky * k.kw + kx) * k.c + ch) * k.filters + f)]);
              }
          double y = double(p.inputScale) * double(static_cast<float>(p.scales[f])) * double(acc) + (k.bias ? double(static_cast<float>(p.bias[f])) : 0);
          if (k.relu) y = std::max(y, 0.0);
          want[static_cast<size_t>(((b * oh + oy) * ow + ox) * k.filters + f)] = y;
        }
  for (tf::Int8Path path : {tf::Int8Path::Portable, tf::Int8Path::Avx2, tf::Int8Path::AvxVnni, tf::Int8Path::Avx512Vnni}) {
    if (!tf::int8PathAvailable(path)) continue;
    runAndCheck(convConfig(k, p, path), {k.h, k.w, k.c}, k.batch, x, want);
  }
}

}  // namespace

TF_TEST(quantized_conv2d_matches_float64_reference_of_its_arithmetic) {
  checkConv({1, 7, 9, 3, 5, 3, 2, 2, 1, 1, 1, true, false, true});
  checkConv({3, 7, 9, 3, 5, 3, 2, 2, 3, 1, 1, false, true, true});
  checkConv({1, 8, 7, 2, 17, 3, 3, 1, 1, 2, 2, true, false, false});
  checkConv({3, 8, 7, 2, 3, 2, 3, 1, 1, 2, 1, false, true, true});
  checkConv({1, 5, 5, 1, 2, 5, 5, 1, 1, 1, 1, true, false, true});
  checkConv({2, 4, 4, 8, 4, 1, 1, 1, 1, 1, 1, false, false, true});    // 1x1
  checkConv({40, 30, 30, 4, 3, 3, 3, 1, 1, 1, 1, true, true, true});  // a batch over several chunks
}

TF_TEST(quantized_dense_matches_float64_reference_of_its_arithmetic) {
  Lcg rng;
  const int64_t batch = 5, K = 13, N = 19;
  const Params p = randomParams(rng, K, N);
  std::vector<float> x(static_cast<size_t>(batch * K));
  for (float& v : x) v = static_cast<float>(1.6 * rng.next() + 0.2);
  const float inv = 1.f / p.inputScale, zp = static_cast<float>(p.zp);
  std::vector<double> want(static_cast<size_t>(batch * N));
  for (int64_t m = 0; m < batch; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += (quantU8(x[m * K + k], inv, zp) - p.zp) * static_cast<int64_t>(p.kernel[k * N + n]);
      want[m * N + n] = std::max(0.0, double(p.inputScale) * double(static_cast<float>(p.scales[n])) * double(acc) + double(static_cast<float>(p.bias[n])));
    }
  for (tf::Int8Path path : {tf::Int8Path::Portable, tf::Int8Path::Avx2, tf::Int8Path::AvxVnni, tf::Int8Path::Avx512Vnni}) {
    if (!tf::int8PathAvailable(path)) continue;
    tf::Config c = baseConfig(p, true, true, path);
    c.setNumber("kind", codeOf<tf::LayerKind>("quantizedDense"));
    c.setNumber("units", N);
    c.setNumber("inputs", K);
    runAndCheck(c, {K}, batch, x, want);
  }
}

TF_TEST(quantized_nodes_refuse_bad_configs) {
  Lcg rng;
  const QCase k{1, 5, 5, 2, 3, 3, 3, 1, 1, 1, 1, true, false, true};
  const Params good = randomParams(rng, 18, 3);
  auto refused = [&](auto edit) {
    Params p = good;
    tf::Config c = convConfig(k, p, tf::Int8Path::Portable);
    edit(p, c);
    return tftest::throws<std::invalid_argument>([&] { tf::makeLayer(c)->computeOutputShape({{5, 5, 2}}); });
  };
  TF_EXPECT(!refused([](Params&, tf::Config&) {}));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.kernel[0] = -128; c.setNumbers("kernel", p.kernel); }));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.kernel[0] = 0.5; c.setNumbers("kernel", p.kernel); }));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.kernel.pop_back(); c.setNumbers("kernel", p.kernel); }));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.scales[1] = 0; c.setNumbers("weightScales", p.scales); }));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.scales.pop_back(); c.setNumbers("weightScales", p.scales); }));
  TF_EXPECT(refused([](Params& p, tf::Config& c) { p.bias[2] = INFINITY; c.setNumbers("bias", p.bias); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumbers("bias", {}); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumber("inputScale", 0); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumber("inputScale", NAN); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumber("inputZeroPoint", 256); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumber("path", 7); }));
  TF_EXPECT(refused([](Params&, tf::Config& c) { c.setNumber("channels", 3); }));  // kernel size no longer matches
  // The input's channels must be the ones the kernel was made for.
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] {
    tf::makeLayer(convConfig(k, good, tf::Int8Path::Portable))->computeOutputShape({{5, 5, 3}});
  }));
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] {
    tf::makeLayer(convConfig(k, good, tf::Int8Path::Portable))->computeOutputShape({{5, 5}});
  }));
}
