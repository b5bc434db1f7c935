// tf::LayerOp (native/layer_op.h), the window layers run as ops: a batch run
// in passes of one sample gives the outputs and gradients of one pass (the
// weight gradients summed over the passes); dx alone (the frozen layer) and
// dWeights alone equal those of the full backward; dy is left as it was; an
// empty batch gives zero weight gradients; other layer kinds, a "trainable"
// option and shapes the layer refuses are refused. The gradients themselves
// are checked against float64 differences in test/autodiff/conv_gradients.test.ts.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../../native/layer_op.h"
#include "../../native/layers/registry.h"
#include "check.h"
#include "enum_codes.h"

namespace {

using tftest::codeOf;

std::vector<float> filled(int64_t n, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>((seed >> 8) * (2.0 / 16777216.0) - 1.0);
  }
  return v;
}

tf::Config window(const char* kind, const char* sizeKey, std::vector<double> size, std::vector<double> strides, bool same) {
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>(kind));
  c.setNumbers(sizeKey, std::move(size));
  c.setNumbers("strides", std::move(strides));
  c.setBool("same", same);
  return c;
}

tf::Config conv(int64_t filters) {
  tf::Config c = window("conv2d", "kernelSize", {3, 3}, {1, 1}, true);
  c.setNumber("filters", static_cast<double>(filters));
  c.setBool("useBias", false);
  return c;
}

tf::Config depthwise() {
  tf::Config c = window("depthwiseConv2d", "kernelSize", {3, 2}, {2, 2}, true);
  c.setNumber("depthMultiplier", 2);
  c.setBool("useBias", false);
  return c;
}

void expectSame(const std::vector<float>& a, const std::vector<float>& b, double tol) {
  TF_EXPECT(a.size() == b.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) TF_EXPECT_NEAR(a[i], b[i], tol);
}

// One pass against passes of one sample, and the partial backwards against the full one.
void checkPasses(const tf::Config& c, const tf::Shape& sample) {
  const int64_t n = 5;
  tf::LayerOp whole(c, sample), single(c, sample, 1);
  TF_EXPECT(whole.inputSize() == single.inputSize() && whole.weightSize() == single.weightSize());
  const auto x = filled(n * whole.inputSize(), 7), w = filled(whole.weightSize(), 11), dy = filled(n * whole.outputSize(), 13);
  std::vector<float> y1(static_cast<size_t>(n * whole.outputSize())), y2(y1.size());
  whole.forward(x.data(), n, w.data(), y1.data());
  single.forward(x.data(), n, w.data(), y2.data());
  expectSame(y1, y2, 0);

  std::vector<float> dx1(x.size(), NAN), dw1(w.size(), NAN), dx2(x.size(), NAN), dw2(w.size(), NAN);
  const auto dyKept = dy;
  whole.backward(x.data(), n, w.data(), dy.data(), dx1.data(), dw1.data());
  single.backward(x.data(), n, w.data(), dy.data(), dx2.data(), dw2.data());
  expectSame(dy, dyKept, 0);
  expectSame(dx1, dx2, 1e-6);
  expectSame(dw1, dw2, 1e-5);
  for (float v : dx1) TF_EXPECT(std::isfinite(v));

  // dx alone (the frozen twin) and dWeights alone.
  std::vector<float> dxOnly(x.size(), NAN), dwOnly(w.size(), NAN);
  whole.backward(x.data(), n, w.data(), dy.data(), dxOnly.data(), nullptr);
  whole.backward(x.data(), n, w.data(), dy.data(), nullptr, dwOnly.data());
  expectSame(dxOnly, dx1, 0);
  expectSame(dwOnly, dw1, 0);

  // No sample: zero weight gradients.
  std::vector<float> dwNone(w.size(), NAN);
  whole.backward(x.data(), 0, w.data(), dy.data(), nullptr, dwNone.data());
  for (float v : dwNone) TF_EXPECT(v == 0.f);
}

}  // namespace

TF_TEST(layer_op_conv2d_in_passes) { checkPasses(conv(4), {6, 5, 3}); }
TF_TEST(layer_op_conv2d_direct_in_passes) { checkPasses(conv(2), {5, 4, 1}); }  // depth 9: conv2d_direct's kernels
TF_TEST(layer_op_depthwise_in_passes) { checkPasses(depthwise(), {6, 5, 3}); }
TF_TEST(layer_op_pooling_in_passes) {
  checkPasses(window("maxPooling2d", "poolSize", {3, 3}, {2, 2}, true), {7, 6, 2});   // overlapping windows
  checkPasses(window("maxPooling2d", "poolSize", {2, 2}, {2, 2}, false), {6, 5, 3});  // windows tiling the input
  checkPasses(window("averagePooling2d", "poolSize", {2, 3}, {1, 2}, true), {5, 6, 2});
}
TF_TEST(layer_op_conv1d_in_passes) {
  tf::Config c = window("conv1d", "kernelSize", {1, 3}, {1, 2}, true);
  c.setNumber("filters", 3);
  c.setBool("useBias", false);
  checkPasses(c, {9, 2});
}

TF_TEST(layer_op_refuses) {
  tf::Config dense;
  dense.setNumber("kind", codeOf<tf::LayerKind>("dense"));
  dense.setNumber("units", 2);
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(dense, {3}); }));
  tf::Config trainable = conv(2);
  trainable.setBool("trainable", false);
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(trainable, {4, 4, 1}); }));
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(conv(2), {4, 4}); }));  // not [h, w, c]
  tf::Config valid = window("maxPooling2d", "poolSize", {5, 5}, {1, 1}, false);
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(valid, {4, 4, 1}); }));  // window larger than the input
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(conv(2), {1 << 24, 1 << 24, 1 << 24}); }));  // 2^72 values
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::LayerOp op(conv(2), {4, 0, 1}); }));
}
