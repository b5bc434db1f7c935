// conv2d and the 2-D poolings (native/layers/conv2d.cc, pooling2d.cc,
// global_pooling2d.cc) through the Layer interface alone: forward against a
// direct float64 convolution / pooling, and every gradient (input, kernel,
// bias) of loss = sum(out * g) against central differences of the float64
// reference (h = 1e-6 in double: good to ~1e-9; the tolerance covers float32
// rounding). Odd sizes, both paddings, strides, dilations, batch 1, a 1x1
// kernel (read without im2col), kernels of depth <= 16 (the direct kernels),
// windows that tile the input; bad shapes refused before anything runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/layers/registry.h"
#include "check.h"
#include "enum_codes.h"

namespace {

using tftest::codeOf;

struct Lcg {
  uint32_t s = 2024;
  double next() {
    s = s * 1664525u + 1013904223u;
    return (s >> 8) * (2.0 / 16777216.0) - 1.0;
  }
};

struct ConvCase {
  int64_t batch, h, w, c, filters, kh, kw, sh, sw, dh, dw;
  bool same;
  const char* act;  // linear, tanh or softmax (smooth: no kinks for the differences)
  bool bias;
};

// TensorFlow's padding for one axis: (out, padBefore).
std::pair<int64_t, int64_t> tfPadding(int64_t in, int64_t k, int64_t s, int64_t d, bool same) {
  const int64_t eff = (k - 1) * d + 1;
  if (!same) return {(in - eff) / s + 1, 0};
  const int64_t out = (in + s - 1) / s;
  return {out, std::max<int64_t>((out - 1) * s + eff - in, 0) / 2};
}

// Direct float64 convolution, HWIO kernel, then the activation over the filters.
std::vector<double> convRef(const ConvCase& k, const std::vector<double>& x, const std::vector<double>& kernel,
                            const std::vector<double>& bias) {
  auto [oh, pt] = tfPadding(k.h, k.kh, k.sh, k.dh, k.same);
  auto [ow, pl] = tfPadding(k.w, k.kw, k.sw, k.dw, k.same);
  std::vector<double> out(static_cast<size_t>(k.batch * oh * ow * k.filters));
  for (int64_t b = 0; b < k.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double* o = &out[static_cast<size_t>(((b * oh + oy) * ow + ox) * k.filters)];
        for (int64_t f = 0; f < k.filters; ++f) {
          double s = k.bias ? bias[static_cast<size_t>(f)] : 0;
          for (int64_t ky = 0; ky < k.kh; ++ky)
            for (int64_t kx = 0; kx < k.kw; ++kx) {
              const int64_t iy = oy * k.sh - pt + ky * k.dh, ix = ox * k.sw - pl + kx * k.dw;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              for (int64_t c = 0; c < k.c; ++c)
                s += x[static_cast<size_t>(((b * k.h + iy) * k.w + ix) * k.c + c)] *
                     kernel[static_cast<size_t>(((ky * k.kw + kx) * k.c + c) * k.filters + f)];
            }
          o[f] = s;
        }
        if (std::string(k.act) == "tanh") {
          for (int64_t f = 0; f < k.filters; ++f) o[f] = std::tanh(o[f]);
        } else if (std::string(k.act) == "softmax") {
          double m = *std::max_element(o, o + k.filters), sum = 0;
          for (int64_t f = 0; f < k.filters; ++f) sum += (o[f] = std::exp(o[f] - m));
          for (int64_t f = 0; f < k.filters; ++f) o[f] /= sum;
        }
      }
  return out;
}

std::vector<float> toFloat(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }
std::vector<double> rounded(const std::vector<double>& v) {
  std::vector<double> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = static_cast<float>(v[i]);
  return r;
}

tf::Config convConfig(const ConvCase& k) {
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>("conv2d"));
  c.setNumber("filters", static_cast<double>(k.filters));
  c.setNumbers("kernelSize", {double(k.kh), double(k.kw)});
  c.setNumbers("strides", {double(k.sh), double(k.sw)});
  c.setNumbers("dilationRate", {double(k.dh), double(k.dw)});
  c.setBool("same", k.same);
  c.setBool("useBias", k.bias);
  c.setNumber("activation", codeOf<tf::Activation>(k.act));
  return c;
}

// A layer set up for its input shape, with its scratch buffers.
struct Built {
  std::unique_ptr<tf::Layer> layer;
  tf::Shape out;
  std::vector<std::vector<float>> scratch;
  std::vector<float*> scratchPtrs;
};
Built build(const tf::Config& c, const tf::Shape& in, int64_t batch) {
  Built b{tf::makeLayer(c), {}, {}, {}};
  b.out = b.layer->computeOutputShape({in});
  b.layer->setShapes({in}, b.out);
  for (int64_t n : b.layer->scratchSizes(batch)) b.scratch.emplace_back(static_cast<size_t>(n), std::nanf(""));
  for (auto& s : b.scratch) b.scratchPtrs.push_back(s.data());
  return b;
}

// The largest |got - want| / (atol + rtol * |want|): within tolerance when <= 1.
double worstError(const std::vector<float>& got, const std::vector<double>& want, double rtol, double atol = 1e-5) {
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(got[i] - want[i]) / (atol + rtol * std::fabs(want[i]));
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
    if (std::isinf(worst)) break;
  }
  return worst;
}

void checkConv(const ConvCase& k) {
  Lcg rng;
  const tf::Shape in{k.h, k.w, k.c};
  Built b = build(convConfig(k), in, k.batch);
  const int64_t nx = k.batch * k.h * k.w * k.c, nk = k.kh * k.kw * k.c * k.filters;
  std::vector<double> x(static_cast<size_t>(nx)), kernel(static_cast<size_t>(nk)), bias(static_cast<size_t>(k.filters));
  for (auto& v : x) v = rng.next();
  for (auto& v : kernel) v = rng.next() * 0.5;
  for (auto& v : bias) v = rng.next() * 0.5;
  x = rounded(x), kernel = rounded(kernel), bias = rounded(bias);

  // The arenas: kernel then bias, as the layer declares them.
  const auto decl = b.layer->weights();
  TF_EXPECT(decl[0].shape == (tf::Shape{k.kh, k.kw, k.c, k.filters}));
  TF_EXPECT(decl.size() == (k.bias ? 2u : 1u));
  std::vector<tf::WeightSlot> slots{{0, "kernel", true, 0, decl[0].shape}};
  if (k.bias) slots.push_back({0, "bias", true, nk, {k.filters}});
  std::vector<float> params = toFloat(kernel);
  if (k.bias) params.insert(params.end(), bias.begin(), bias.end());
  std::vector<float> grads(params.size(), std::nanf(""));
  tf::NodeWeights w;
  w.slots = slots.data();
  w.params = params.data();
  w.grads = grads.data();

  std::vector<float> xf = toFloat(x), out(static_cast<size_t>(k.batch * tf::elementsOf(b.out)), std::nanf(""));
  const float* ins[] = {xf.data()};
  b.layer->forwardTraining({k.batch, ins, out.data(), b.scratchPtrs.data(), false}, w, nullptr);
  const std::vector<double> want = convRef(k, x, kernel, bias);
  TF_EXPECT(out.size() == want.size());
  const double fwd = worstError(out, want, 1e-5);
  if (!(fwd <= 1)) std::printf("  conv2d %lldx%lld k%lldx%lld: forward off (%g)\n", (long long)k.h, (long long)k.w, (long long)k.kh, (long long)k.kw, fwd);
  TF_EXPECT(fwd <= 1);

  // Backward of loss = sum(out * g).
  std::vector<double> g(want.size());
  for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.37 * static_cast<double>(e) + 0.1);
  std::vector<float> dOut = toFloat(g), dx(static_cast<size_t>(nx), std::nanf(""));
  float* dIns[] = {dx.data()};
  b.layer->backward({k.batch, ins, out.data(), dOut.data(), dIns, b.scratchPtrs.data(), false}, w);
  auto loss = [&]() {
    const std::vector<double> o = convRef(k, x, kernel, bias);
    double s = 0;
    for (size_t e = 0; e < o.size(); ++e) s += o[e] * g[e];
    return s;
  };
  const double h = 1e-6;
  auto numeric = [&](std::vector<double>& v) {
    std::vector<double> d(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const double keep = v[i];
      v[i] = keep + h;
      const double plus = loss();
      v[i] = keep - h;
      const double minus = loss();
      v[i] = keep;
      d[i] = (plus - minus) / (2 * h);
    }
    return d;
  };
  const double ex = worstError(dx, numeric(x), 1e-4, 1e-4);
  const double ek = worstError(std::vector<float>(grads.begin(), grads.begin() + nk), numeric(kernel), 1e-4, 1e-4);
  const double eb = k.bias ? worstError(std::vector<float>(grads.begin() + nk, grads.end()), numeric(bias), 1e-4, 1e-4) : 0;
  if (!(ex <= 1 && ek <= 1 && eb <= 1))
    std::printf("  conv2d %lldx%lldx%lld k%lldx%lld s%lldx%lld d%lldx%lld %s: dX %g dKernel %g dBias %g\n", (long long)k.h,
                (long long)k.w, (long long)k.c, (long long)k.kh, (long long)k.kw, (long long)k.sh, (long long)k.sw,
                (long long)k.dh, (long long)k.dw, k.same ? "same" : "valid", ex, ek, eb);
  TF_EXPECT(ex <= 1);
  TF_EXPECT(ek <= 1);
  TF_EXPECT(eb <= 1);
}

// What makeLayer + computeOutputShape say about a bad layer ("" when nothing is refused).
std::string refusal(const tf::Config& c, const tf::Shape& in) {
  try {
    tf::makeLayer(c)->computeOutputShape({in});
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

struct PoolCase {
  const char* kind;
  int64_t batch, h, w, c, ph, pw, sh, sw;
  bool same;
};

std::vector<double> poolRef(const PoolCase& k, const std::vector<double>& x) {
  const bool isMax = std::string(k.kind) == "maxPooling2d";
  auto [oh, pt] = tfPadding(k.h, k.ph, k.sh, 1, k.same);
  auto [ow, pl] = tfPadding(k.w, k.pw, k.sw, 1, k.same);
  std::vector<double> out;
  for (int64_t b = 0; b < k.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t c = 0; c < k.c; ++c) {
          double acc = isMax ? -std::numeric_limits<double>::infinity() : 0;
          int taps = 0;
          for (int64_t iy = oy * k.sh - pt; iy < oy * k.sh - pt + k.ph; ++iy)
            for (int64_t ix = ox * k.sw - pl; ix < ox * k.sw - pl + k.pw; ++ix) {
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              const double v = x[static_cast<size_t>(((b * k.h + iy) * k.w + ix) * k.c + c)];
              acc = isMax ? std::max(acc, v) : acc + v;
              ++taps;
            }
          out.push_back(isMax ? acc : acc / taps);
        }
  return out;
}

std::vector<double> globalRef(bool isMax, int64_t batch, int64_t p, int64_t c, const std::vector<double>& x) {
  std::vector<double> out;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      double acc = isMax ? -std::numeric_limits<double>::infinity() : 0;
      for (int64_t i = 0; i < p; ++i) {
        const double v = x[static_cast<size_t>((b * p + i) * c + ch)];
        acc = isMax ? std::max(acc, v) : acc + v;
      }
      out.push_back(isMax ? acc : acc / p);
    }
  return out;
}

// Forward against `ref` and the input gradient against central differences of it.
void checkWindowless(const char* label, const tf::Config& c, const tf::Shape& in, int64_t batch,
                     const std::function<std::vector<double>(const std::vector<double>&)>& ref) {
  Lcg rng;
  Built b = build(c, in, batch);
  std::vector<double> x(static_cast<size_t>(batch * tf::elementsOf(in)));
  for (auto& v : x) v = rng.next();
  x = rounded(x);
  std::vector<float> xf = toFloat(x), out(static_cast<size_t>(batch * tf::elementsOf(b.out)), std::nanf(""));
  const float* ins[] = {xf.data()};
  b.layer->forwardTraining({batch, ins, out.data(), b.scratchPtrs.data(), false}, tf::NodeWeights{}, nullptr);
  const std::vector<double> want = ref(x);
  TF_EXPECT(out.size() == want.size());
  const double fwd = worstError(out, want, 1e-5);
  std::vector<double> g(want.size());
  for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.37 * static_cast<double>(e) + 0.1);
  std::vector<float> dOut = toFloat(g), dx(x.size(), std::nanf(""));
  float* dIns[] = {dx.data()};
  b.layer->backward({batch, ins, out.data(), dOut.data(), dIns, b.scratchPtrs.data(), false}, tf::NodeWeights{});
  std::vector<double> num(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    double s[2];
    for (int side = 0; side < 2; ++side) {
      x[i] = keep + (side ? -1e-6 : 1e-6);
      const std::vector<double> o = ref(x);
      s[side] = 0;
      for (size_t e = 0; e < o.size(); ++e) s[side] += o[e] * g[e];
    }
    x[i] = keep;
    num[i] = (s[0] - s[1]) / 2e-6;
  }
  const double bwd = worstError(dx, num, 1e-4, 1e-4);
  if (!(fwd <= 1 && bwd <= 1)) std::printf("  %s: forward %g, dX %g\n", label, fwd, bwd);
  TF_EXPECT(fwd <= 1);
  TF_EXPECT(bwd <= 1);
}

}  // namespace

TF_TEST(conv2d_matches_float64_reference_and_finite_differences) {
  const ConvCase cases[] = {
      {2, 5, 7, 3, 4, 3, 3, 1, 1, 1, 1, false, "linear", true},   // odd sizes, valid
      {1, 6, 5, 2, 3, 3, 2, 2, 2, 1, 1, true, "tanh", true},      // batch 1, same, strides, a 3x2 kernel
      {2, 7, 6, 2, 2, 2, 3, 1, 1, 2, 2, true, "linear", false},   // dilation, same, no bias
      {2, 8, 7, 1, 3, 3, 3, 1, 1, 2, 3, false, "softmax", true},  // dilation, valid, one channel
      {3, 5, 5, 3, 2, 3, 1, 2, 1, 1, 1, false, "tanh", true},     // strides (2, 1), valid
      {2, 7, 8, 2, 3, 4, 4, 3, 3, 1, 1, true, "linear", true},    // even kernel, stride 3, same (odd padding)
      {3, 4, 3, 5, 3, 1, 1, 1, 1, 1, 1, false, "tanh", true},     // 1x1: no im2col
      {2, 5, 4, 3, 2, 1, 1, 2, 2, 1, 1, true, "linear", true},    // 1x1 with stride 2
      {1, 3, 3, 2, 2, 3, 3, 1, 1, 1, 1, false, "linear", true},   // kernel as large as the input
      // Depth kh * kw * c <= 16, linear: the direct kernels (conv2d_direct.h; AVX-512 forward with 16 filters).
      {2, 6, 5, 1, 16, 3, 3, 1, 1, 1, 1, false, "linear", true},  // the CNN's first layer, small
      {1, 5, 6, 2, 5, 2, 2, 2, 1, 1, 1, true, "linear", true},    // strides, same, 5 filters (portable)
      {2, 6, 6, 1, 16, 2, 2, 1, 1, 2, 2, true, "linear", false},  // dilation, same, no bias
  };
  for (const ConvCase& k : cases) checkConv(k);
}

TF_TEST(conv2d_refuses_bad_shapes_and_options_naming_them) {
  const ConvCase ok{1, 5, 5, 2, 3, 3, 3, 1, 1, 1, 1, false, "linear", true};
  TF_EXPECT(refusal(convConfig(ok), {5, 5, 2}).empty());
  const std::string large = refusal(convConfig(ok), {2, 5, 2});
  TF_EXPECT(large.find("conv2d") != std::string::npos && large.find("[2, 5, 2]") != std::string::npos);
  ConvCase dilated = ok;
  dilated.dh = 3;  // effective 7 > 5
  TF_EXPECT(refusal(convConfig(dilated), {5, 5, 2}).find("larger than the input") != std::string::npos);
  ConvCase both = ok;
  both.sh = 2, both.dw = 2;
  TF_EXPECT(refusal(convConfig(both), {5, 5, 2}).find("strides > 1 and dilationRate > 1") != std::string::npos);
  ConvCase none = ok;
  none.filters = 0;
  TF_EXPECT(refusal(convConfig(none), {5, 5, 2}).find("filters") != std::string::npos);
  tf::Config zero = convConfig(ok);
  zero.setNumbers("strides", {0, 1});
  TF_EXPECT(refusal(zero, {5, 5, 2}).find("strides") != std::string::npos);
  tf::Config negative = convConfig(ok);
  negative.setNumbers("kernelSize", {3, -1});
  TF_EXPECT(refusal(negative, {5, 5, 2}).find("kernelSize") != std::string::npos);
  tf::Config missing = convConfig(ok);
  missing.setMissing("kernelSize");
  TF_EXPECT(refusal(missing, {5, 5, 2}).find("kernelSize is required") != std::string::npos);
  TF_EXPECT(refusal(convConfig(ok), {5, 5}).find("[5, 5]") != std::string::npos);
  // 'same' accepts any size, even a 1x1 input under a 3x3 kernel.
  ConvCase same = ok;
  same.same = true;
  TF_EXPECT(refusal(convConfig(same), {1, 1, 2}).empty());
}

TF_TEST(pooling2d_matches_float64_reference_and_finite_differences) {
  const PoolCase cases[] = {
      {"maxPooling2d", 2, 5, 7, 3, 2, 2, 2, 2, false},
      {"maxPooling2d", 1, 5, 7, 2, 3, 2, 2, 1, true},
      {"maxPooling2d", 2, 4, 4, 1, 3, 3, 1, 1, true},
      {"maxPooling2d", 2, 7, 6, 3, 3, 2, 3, 2, false},  // windows tile the input (the tiled passes), a row left over
      {"maxPooling2d", 1, 4, 6, 2, 2, 3, 2, 3, true},   // 'same' without padding: tiled too
      {"averagePooling2d", 2, 5, 7, 3, 2, 2, 2, 2, false},
      {"averagePooling2d", 1, 5, 6, 2, 3, 3, 2, 2, true},  // padded windows divide by their inside taps
      {"averagePooling2d", 2, 6, 5, 2, 2, 3, 1, 2, true},
  };
  for (const PoolCase& k : cases) {
    tf::Config c;
    c.setNumber("kind", codeOf<tf::LayerKind>(k.kind));
    c.setNumbers("poolSize", {double(k.ph), double(k.pw)});
    c.setNumbers("strides", {double(k.sh), double(k.sw)});
    c.setBool("same", k.same);
    checkWindowless(k.kind, c, {k.h, k.w, k.c}, k.batch, [&](const std::vector<double>& x) { return poolRef(k, x); });
  }
  // Strides default to the pool size.
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>("maxPooling2d"));
  c.setNumbers("poolSize", {2, 3});
  TF_EXPECT(tf::makeLayer(c)->computeOutputShape({{5, 7, 4}}) == (tf::Shape{2, 2, 4}));
  const std::string large = refusal(c, {1, 7, 4});
  TF_EXPECT(large.find("maxPooling2d") != std::string::npos && large.find("[1, 7, 4]") != std::string::npos);
  TF_EXPECT(refusal(c, {7, 4}).find("maxPooling2d") != std::string::npos);
}

TF_TEST(global_pooling2d_matches_float64_reference_and_finite_differences) {
  for (const char* kind : {"globalMaxPooling2d", "globalAveragePooling2d"}) {
    tf::Config c;
    c.setNumber("kind", codeOf<tf::LayerKind>(kind));
    const bool isMax = std::string(kind) == "globalMaxPooling2d";
    TF_EXPECT(tf::makeLayer(c)->computeOutputShape({{3, 5, 4}}) == (tf::Shape{4}));
    checkWindowless(kind, c, {3, 5, 4}, 2, [&](const std::vector<double>& x) { return globalRef(isMax, 2, 15, 4, x); });
    checkWindowless(kind, c, {1, 1, 3}, 1, [&](const std::vector<double>& x) { return globalRef(isMax, 1, 1, 3, x); });
    TF_EXPECT(refusal(c, {3, 4}).find(kind) != std::string::npos);
  }
}

namespace {

// Float64 conv1d: x [batch, L, C], kernel [k, C, F], left padding `pad`, output length `out`.
std::vector<double> conv1dRef(int64_t batch, int64_t L, int64_t C, int64_t F, int64_t k, int64_t s, int64_t d, int64_t pad,
                              int64_t out, const std::vector<double>& x, const std::vector<double>& kernel) {
  std::vector<double> y(static_cast<size_t>(batch * out * F), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t f = 0; f < F; ++f) {
        double acc = 0;
        for (int64_t t = 0; t < k; ++t) {
          const int64_t i = o * s - pad + t * d;
          if (i < 0 || i >= L) continue;
          for (int64_t c = 0; c < C; ++c)
            acc += x[static_cast<size_t>((b * L + i) * C + c)] * kernel[static_cast<size_t>((t * C + c) * F + f)];
        }
        y[static_cast<size_t>((b * out + o) * F + f)] = acc;
      }
  return y;
}

}  // namespace

TF_TEST(conv1d_valid_same_causal_match_float64_reference_and_finite_differences) {
  struct Case {
    int64_t batch, L, C, F, k, s, d;
    const char* padding;
  };
  const Case cases[] = {{2, 9, 3, 2, 3, 1, 1, "valid"}, {1, 8, 2, 3, 4, 2, 1, "same"}, {2, 7, 2, 2, 3, 1, 2, "causal"},
                        {1, 6, 1, 2, 2, 3, 1, "causal"}};
  for (const Case& k : cases) {
    const std::string pad = k.padding;
    const int64_t eff = (k.k - 1) * k.d + 1;
    const int64_t out = pad == "valid" ? (k.L - eff) / k.s + 1 : (k.L + k.s - 1) / k.s;
    const int64_t left = pad == "causal" ? eff - 1 : pad == "same" ? std::max<int64_t>((out - 1) * k.s + eff - k.L, 0) / 2 : 0;
    tf::Config c;
    c.setNumber("kind", codeOf<tf::LayerKind>("conv1d"));
    c.setNumber("filters", double(k.F));
    c.setNumbers("kernelSize", {1, double(k.k)});
    c.setNumbers("strides", {1, double(k.s)});
    c.setNumbers("dilationRate", {1, double(k.d)});
    c.setBool("same", pad == "same");
    c.setBool("causal", pad == "causal");
    c.setBool("useBias", false);
    Built b = build(c, {k.L, k.C}, k.batch);
    TF_EXPECT(b.out == (tf::Shape{out, k.F}));
    TF_EXPECT(b.layer->weights()[0].shape == (tf::Shape{k.k, k.C, k.F}));
    Lcg rng;
    std::vector<double> x(static_cast<size_t>(k.batch * k.L * k.C)), kernel(static_cast<size_t>(k.k * k.C * k.F));
    for (auto& v : x) v = rng.next();
    for (auto& v : kernel) v = rng.next();
    x = rounded(x), kernel = rounded(kernel);
    std::vector<tf::WeightSlot> slots{{0, "kernel", true, 0, {k.k, k.C, k.F}}};
    std::vector<float> params = toFloat(kernel), grads(params.size()), xf = toFloat(x), y(static_cast<size_t>(k.batch * out * k.F));
    tf::NodeWeights w;
    w.slots = slots.data();
    w.params = params.data();
    w.grads = grads.data();
    const float* ins[] = {xf.data()};
    b.layer->forwardTraining({k.batch, ins, y.data(), b.scratchPtrs.data(), false}, w, nullptr);
    auto ref = [&]() { return conv1dRef(k.batch, k.L, k.C, k.F, k.k, k.s, k.d, left, out, x, kernel); };
    TF_EXPECT(worstError(y, ref(), 1e-5) <= 1);
    std::vector<double> g(y.size());
    for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.37 * static_cast<double>(e) + 0.1);
    std::vector<float> dOut = toFloat(g), dx(x.size());
    float* dIns[] = {dx.data()};
    b.layer->backward({k.batch, ins, y.data(), dOut.data(), dIns, b.scratchPtrs.data(), false}, w);
    auto numeric = [&](std::vector<double>& v) {
      std::vector<double> n(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        const double keep = v[i];
        double side[2];
        for (int sgn = 0; sgn < 2; ++sgn) {
          v[i] = keep + (sgn ? -1e-6 : 1e-6);
          const std::vector<double> o = ref();
          side[sgn] = 0;
          for (size_t e = 0; e < o.size(); ++e) side[sgn] += o[e] * g[e];
        }
        v[i] = keep;
        n[i] = (side[0] - side[1]) / 2e-6;
      }
      return n;
    };
    const double ex = worstError(dx, numeric(x), 1e-4, 1e-4), ek = worstError(grads, numeric(kernel), 1e-4, 1e-4);
    if (!(ex <= 1 && ek <= 1)) std::printf("  conv1d %s: dX %g dKernel %g\n", k.padding, ex, ek);
    TF_EXPECT(ex <= 1);
    TF_EXPECT(ek <= 1);
  }
  tf::Config bad;
  bad.setNumber("kind", codeOf<tf::LayerKind>("conv1d"));
  bad.setNumber("filters", 2);
  bad.setNumbers("kernelSize", {1, 3});
  TF_EXPECT(refusal(bad, {4, 4, 1}).find("conv1d: expects samples of shape [steps, channels]") != std::string::npos);
  TF_EXPECT(refusal(bad, {2, 1}).find("conv1d") != std::string::npos);
}

TF_TEST(depthwise_conv2d_matches_float64_reference_and_finite_differences) {
  struct Case {
    int64_t batch, h, w, c, mult, kh, kw, sh, sw, dh, dw;
    bool same;
  };
  const Case cases[] = {{2, 5, 4, 3, 1, 3, 3, 1, 1, 1, 1, false}, {1, 5, 5, 2, 2, 3, 2, 2, 2, 1, 1, true},
                        {2, 6, 5, 2, 3, 2, 2, 1, 1, 2, 1, true}};
  for (const Case& k : cases) {
    auto [oh, pt] = tfPadding(k.h, k.kh, k.sh, k.dh, k.same);
    auto [ow, pl] = tfPadding(k.w, k.kw, k.sw, k.dw, k.same);
    const int64_t CM = k.c * k.mult;
    tf::Config c;
    c.setNumber("kind", codeOf<tf::LayerKind>("depthwiseConv2d"));
    c.setNumber("depthMultiplier", double(k.mult));
    c.setNumbers("kernelSize", {double(k.kh), double(k.kw)});
    c.setNumbers("strides", {double(k.sh), double(k.sw)});
    c.setNumbers("dilationRate", {double(k.dh), double(k.dw)});
    c.setBool("same", k.same);
    c.setBool("useBias", false);
    Built b = build(c, {k.h, k.w, k.c}, k.batch);
    TF_EXPECT(b.out == (tf::Shape{oh, ow, CM}));
    Lcg rng;
    std::vector<double> x(static_cast<size_t>(k.batch * k.h * k.w * k.c)), kernel(static_cast<size_t>(k.kh * k.kw * CM));
    for (auto& v : x) v = rng.next();
    for (auto& v : kernel) v = rng.next();
    x = rounded(x), kernel = rounded(kernel);
    auto ref = [&]() {
      std::vector<double> y(static_cast<size_t>(k.batch * oh * ow * CM), 0.0);
      for (int64_t bb = 0; bb < k.batch; ++bb)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox)
            for (int64_t j = 0; j < CM; ++j) {
              double s = 0;
              for (int64_t ky = 0; ky < k.kh; ++ky)
                for (int64_t kx = 0; kx < k.kw; ++kx) {
                  const int64_t iy = oy * k.sh - pt + ky * k.dh, ix = ox * k.sw - pl + kx * k.dw;
                  if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                  s += x[static_cast<size_t>(((bb * k.h + iy) * k.w + ix) * k.c + j / k.mult)] *
                       kernel[static_cast<size_t>((ky * k.kw + kx) * CM + j)];
                }
              y[static_cast<size_t>(((bb * oh + oy) * ow + ox) * CM + j)] = s;
            }
      return y;
    };
    std::vector<tf::WeightSlot> slots{{0, "depthwise_kernel", true, 0, {k.kh, k.kw, k.c, k.mult}}};
    std::vector<float> params = toFloat(kernel), grads(params.size()), xf = toFloat(x), y(static_cast<size_t>(k.batch * oh * ow * CM));
    tf::NodeWeights w;
    w.slots = slots.data();
    w.params = params.data();
    w.grads = grads.data();
    const float* ins[] = {xf.data()};
    b.layer->forwardTraining({k.batch, ins, y.data(), b.scratchPtrs.data(), false}, w, nullptr);
    TF_EXPECT(worstError(y, ref(), 1e-5) <= 1);
    std::vector<double> g(y.size());
    for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.37 * static_cast<double>(e) + 0.1);
    std::vector<float> dOut = toFloat(g), dx(x.size());
    float* dIns[] = {dx.data()};
    b.layer->backward({k.batch, ins, y.data(), dOut.data(), dIns, b.scratchPtrs.data(), false}, w);
    auto numeric = [&](std::vector<double>& v) {
      std::vector<double> n(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        const double keep = v[i];
        double side[2];
        for (int sgn = 0; sgn < 2; ++sgn) {
          v[i] = keep + (sgn ? -1e-6 : 1e-6);
          const std::vector<double> o = ref();
          side[sgn] = 0;
          for (size_t e = 0; e < o.size(); ++e) side[sgn] += o[e] * g[e];
        }
        v[i] = keep;
        n[i] = (side[0] - side[1]) / 2e-6;
      }
      return n;
    };
    const double ex = worstError(dx, numeric(x), 1e-4, 1e-4), ek = worstError(grads, numeric(kernel), 1e-4, 1e-4);
    if (!(ex <= 1 && ek <= 1)) std::printf("  depthwiseConv2d multiplier %lld: dX %g dKernel %g\n", (long long)k.mult, ex, ek);
    TF_EXPECT(ex <= 1);
    TF_EXPECT(ek <= 1);
  }
}
