// conv2dTranspose and separableConv2d (native/layers/conv2d_transpose.cc,
// separable_conv2d.cc) through the Layer interface alone, under ASan +
// UBSan: with a linear activation each output is linear in every single
// weight and input (separable is bilinear in its two kernels), so every
// gradient of loss = sum(out * g) must equal the central difference of that
// sum computed with the layer's own forward (exact up to float rounding).
// The float64 references of both layers are in test/layers (TypeScript
// harness); here the point is the buffers: odd sizes, both paddings, strides
// above and below the kernel size, depth multipliers, batch 1 and 3, and
// scratch filled with NaN so a read before write shows.
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/layers/registry.h"
#include "check.h"

namespace {

tf::Config layerConfig(const char* name) {
  tf::Config c;
  for (int32_t i = 0; i < tf::enumCount(tf::LayerKind{}); ++i)
    if (std::string(tf::enumNames(tf::LayerKind{})[i]) == name) c.setNumber("kind", i);
  return c;
}

float wave(int64_t i, float phase) { return std::sin(0.37f * static_cast<float>(i) + phase); }

// Every input and weight gradient of sum(out * g) against central differences; returns the worst absolute gap.
double worstGradientGap(const tf::Config& c, const tf::Shape& in, int64_t batch) {
  std::unique_ptr<tf::Layer> layer = tf::makeLayer(c);
  const tf::Shape outShape = layer->computeOutputShape({in});
  layer->setShapes({in}, outShape);
  const std::vector<tf::WeightDecl> decls = layer->weights();
  std::vector<tf::WeightSlot> slots;
  int64_t total = 0;
  for (const auto& d : decls) {
    slots.push_back({0, d.name, true, total, d.shape});
    total += tf::elementsOf(d.shape);
  }
  std::vector<float> params(static_cast<size_t>(total)), grads(static_cast<size_t>(total), 99.f);
  for (int64_t i = 0; i < total; ++i) params[static_cast<size_t>(i)] = 0.5f * wave(i, 1.1f);
  std::vector<float> x(static_cast<size_t>(batch * tf::elementsOf(in)));
  for (size_t i = 0; i < x.size(); ++i) x[i] = wave(static_cast<int64_t>(i), 0.3f);
  const size_t outSize = static_cast<size_t>(batch * tf::elementsOf(outShape));
  std::vector<float> out(outSize), g(outSize);
  for (size_t e = 0; e < g.size(); ++e) g[e] = std::cos(0.7f * static_cast<float>(e));
  std::vector<std::vector<float>> scratch;
  std::vector<float*> scratchPtrs;
  for (int64_t n : layer->scratchSizes(batch)) scratch.emplace_back(static_cast<size_t>(n), std::nanf(""));
  for (auto& s : scratch) scratchPtrs.push_back(s.data());
  const float* xp = x.data();
  tf::NodeWeights w;
  w.slots = slots.data();
  w.params = params.data();
  w.grads = grads.data();
  auto loss = [&]() {
    layer->forward({batch, &xp, out.data(), scratchPtrs.data(), false}, w);
    double s = 0;
    for (size_t e = 0; e < outSize; ++e) s += static_cast<double>(out[e]) * g[e];
    return s;
  };
  loss();
  std::vector<float> dOut = g, dx(x.size(), 99.f);
  float* dxp = dx.data();
  layer->backward({batch, &xp, out.data(), dOut.data(), &dxp, scratchPtrs.data(), false}, w);
  const float h = 1e-2f;
  double worst = 0;
  auto central = [&](float& v) {
    const float keep = v;
    v = keep + h;
    const double plus = loss();
    v = keep - h;
    const double minus = loss();
    v = keep;
    return (plus - minus) / (2.0 * h);
  };
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(central(x[i]) - dx[i]));
  for (size_t i = 0; i < params.size(); ++i) worst = std::max(worst, std::fabs(central(params[i]) - grads[i]));
  return worst;
}

bool refused(const tf::Config& c, const tf::Shape& in) {
  try {
    tf::makeLayer(c)->computeOutputShape({in});
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

TF_TEST(conv2d_transpose_gradients_match_central_differences) {
  struct Case { int64_t k[2], s[2]; bool same; tf::Shape in; int64_t batch; };
  for (const Case& k : {Case{{3, 3}, {2, 2}, false, {2, 3, 2}, 3}, Case{{2, 3}, {2, 1}, true, {3, 2, 1}, 1},
                        Case{{1, 2}, {3, 3}, false, {2, 3, 1}, 2}, Case{{2, 2}, {3, 2}, true, {3, 3, 2}, 3}}) {
    tf::Config c = layerConfig("conv2dTranspose");
    c.setNumber("filters", 3);
    c.setNumbers("kernelSize", {double(k.k[0]), double(k.k[1])});
    c.setNumbers("strides", {double(k.s[0]), double(k.s[1])});
    c.setBool("same", k.same);
    const double gap = worstGradientGap(c, k.in, k.batch);
    if (gap > 2e-3) std::printf("  conv2dTranspose kernel %lldx%lld: gradient off by %g\n", (long long)k.k[0], (long long)k.k[1], gap);
    TF_EXPECT(gap <= 2e-3);
  }
  tf::Config c = layerConfig("conv2dTranspose");
  c.setNumber("filters", 2);
  c.setNumbers("kernelSize", {2, 2});
  TF_EXPECT(refused(c, {4, 4}));
  c.setNumbers("dilationRate", {2, 2});
  TF_EXPECT(refused(c, {4, 4, 1}));
}

TF_TEST(separable_conv2d_gradients_match_central_differences) {
  struct Case { int64_t k[2], s[2], d[2], m; bool same; tf::Shape in; int64_t batch; };
  for (const Case& k : {Case{{3, 3}, {1, 1}, {1, 1}, 1, false, {4, 4, 2}, 2}, Case{{3, 2}, {2, 2}, {1, 1}, 2, true, {5, 4, 2}, 3},
                        Case{{2, 2}, {1, 1}, {2, 2}, 1, false, {5, 5, 1}, 1}, Case{{1, 3}, {1, 1}, {1, 1}, 2, true, {3, 4, 3}, 2}}) {
    tf::Config c = layerConfig("separableConv2d");
    c.setNumber("filters", 2);
    c.setNumber("depthMultiplier", double(k.m));
    c.setNumbers("kernelSize", {double(k.k[0]), double(k.k[1])});
    c.setNumbers("strides", {double(k.s[0]), double(k.s[1])});
    c.setNumbers("dilationRate", {double(k.d[0]), double(k.d[1])});
    c.setBool("same", k.same);
    const double gap = worstGradientGap(c, k.in, k.batch);
    if (gap > 2e-3) std::printf("  separableConv2d kernel %lldx%lld: gradient off by %g\n", (long long)k.k[0], (long long)k.k[1], gap);
    TF_EXPECT(gap <= 2e-3);
  }
  tf::Config c = layerConfig("separableConv2d");
  c.setNumber("filters", 2);
  c.setNumbers("kernelSize", {4, 4});
  TF_EXPECT(refused(c, {3, 8, 1}));
  c.setNumber("filters", 0);
  TF_EXPECT(refused(c, {8, 8, 1}));
}
