// SeparableConv2D over NHWC samples: a depthwise convolution (kernel
// [kh, kw, channels, depthMultiplier], depthwise_conv2d.h) then a pointwise
// 1x1 convolution (kernel [1, 1, channels * depthMultiplier, filters]) through
// the GEMM, bias and activation fused into the output pass (Chollet 2017).
//   forward  d = depthwise(x), z = d · pointwise (+ bias), y = act(z)
//   backward dPointwise = dᵀ · dZ, dD = dZ · pointwiseᵀ (over d in scratch),
//            dDepthwise and dX from dD by the depthwise backward
#include <algorithm>
#include <stdexcept>
#include <string>

#include "../gemm.h"
#include "bias_activation.h"
#include "depthwise_conv2d.h"
#include "kernel_regularizer.h"
#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {
class SeparableConv2d final : public Layer {
 public:
  explicit SeparableConv2d(const Config& c)
      : filters_(c.integer("filters", 0, 0, int64_t{1} << 31)),
        multiplier_(c.integer("depthMultiplier", 1, 1, int64_t{1} << 20)),
        win_(readWindow2d(c, "separableConv2d", "kernelSize", true)),
        useBias_(c.flag("useBias", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        depthwiseL1_(c.real("depthwiseL1", 0)),
        depthwiseL2_(c.real("depthwiseL2", 0)),
        pointwiseL1_(c.real("pointwiseL1", 0)),
        pointwiseL2_(c.real("pointwiseL2", 0)),
        trainable_(c.flag("trainable", true)) {
    if (filters_ <= 0 || filters_ > (int64_t{1} << 24)) throw std::invalid_argument("separableConv2d: filters must be in [1, 2^24]");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, in, "separableConv2d");
    if (g.channels > (int64_t{1} << 24) / multiplier_ || g.kh * g.kw > (int64_t{1} << 31) / (g.channels * multiplier_) ||
        g.channels * multiplier_ > (int64_t{1} << 31) / filters_)
      throw std::invalid_argument("separableConv2d: kernel too large");
    return {g.outH, g.outW, filters_};
  }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"depthwise_kernel", {win_.kh, win_.kw, features(), multiplier_}, trainable_},
                              {"pointwise_kernel", {1, 1, features() * multiplier_, filters_}, trainable_}};
    if (useBias_) w.push_back({"bias", {filters_}, trainable_});
    return w;
  }
  // [0] the depthwise output d (dD in backward), [1] the pre-activation when its gradient needs it.
  ScratchSizes scratchSizes(int64_t batch) const override {
    const Window2d g = placed();
    return {batch * g.outH * g.outW * g.channels * multiplier_, activationKeepsInput(act_) ? outSize(batch) : 0};
  }
  Activation outputActivation() const override { return act_; }
  int usefulThreads(int64_t batch) const override {
    const Window2d g = placed();
    return threadsForGemm(std::max<int64_t>(batch * g.outH * g.outW, 1), filters_, g.channels * multiplier_);
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t n = io.batch * g.outH * g.outW, CM = g.channels * multiplier_, F = filters_;
    float* d = io.scratch[0];
    depthwiseForward(g, multiplier_, io.batch, io.in[0], w.value(0), nullptr, d);
    float* z = preActivation(act_, io.scratch[1], io.out);
    sgemm(false, false, n, F, CM, 1.f, d, CM, w.value(1), F, 0.f, z, F);
    biasActivationForward(act_, param_, io.logits, useBias_ ? w.value(2) : nullptr, z, io.out, n, F);
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t n = io.batch * g.outH * g.outW, CM = g.channels * multiplier_, F = filters_;
    float* dz = io.dOut;
    biasActivationBackward(act_, param_, io.logits, preActivation(act_, static_cast<const float*>(io.scratch[1]), io.out), io.out, dz,
                           useBias_ && trainable_ ? w.grad(2) : nullptr, n, F);
    float* d = io.scratch[0];  // forward's depthwise output, then its gradient
    if (trainable_) sgemm(true, false, CM, F, n, 1.f, d, CM, dz, F, 0.f, w.grad(1), F);
    if (!trainable_ && !io.dIn[0]) return;
    sgemm(false, true, n, CM, F, 1.f, dz, F, w.value(1), F, 0.f, d, CM);
    float* dk = trainable_ ? w.grad(0) : nullptr;
    if (dk) std::fill(dk, dk + w.slots[0].size(), 0.f);
    if (io.dIn[0]) std::fill(io.dIn[0], io.dIn[0] + inSize(io.batch), 0.f);
    depthwiseBackward(g, multiplier_, io.batch, io.in[0], w.value(0), d, dk, io.dIn[0]);
  }

  double regularization(const NodeWeights& w, bool withGradients) const override {
    return kernelRegularization(depthwiseL1_, depthwiseL2_, trainable_, w, withGradients, 0) +
           kernelRegularization(pointwiseL1_, pointwiseL2_, trainable_, w, withGradients, 1);
  }

  bool splitsByRows() const override { return true; }
 private:
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, inputShapes(), "separableConv2d");
    return g;
  }

  int64_t filters_, multiplier_;
  Window2d win_;
  bool useBias_;
  Activation act_;
  float param_, depthwiseL1_, depthwiseL2_, pointwiseL1_, pointwiseL2_;
  bool trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeSeparableConv2dLayer(const Config& c) { return std::make_unique<SeparableConv2d>(c); }

}  // namespace tf
