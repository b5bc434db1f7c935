// Conv2DTranspose over NHWC samples (the gradient of conv2d with respect to
// its input, used as a layer: learnable upsampling), kernel in TensorFlow's
// layout [kh, kw, filters, inChannels]. The window geometry is that of the
// conv2d which maps this layer's output [outH, outW, filters] to its input
// [inH, inW, inChannels] (Keras's deconv_output_length, output_padding none):
//   valid: out = in * stride + max(kernel - stride, 0), no padding
//   same:  out = in * stride, padding of that conv2d under 'same'
// Through the GEMM, with the kernel read as a [kh * kw * filters, inChannels] matrix:
//   forward  col = x · kernelᵀ [rows = batch * inH * inW], y = col2im(col) (+ bias, activation)
//   backward dCol = im2col(dZ), dKernel = dColᵀ · x, dX = dCol · kernel, dBias = column sums of dZ
#include <algorithm>
#include <stdexcept>
#include <string>

#include "../gemm.h"
#include "bias_activation.h"
#include "im2col.h"
#include "kernel_regularizer.h"
#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {
class Conv2dTranspose final : public Layer {
 public:
  explicit Conv2dTranspose(const Config& c)
      : filters_(c.integer("filters", 0, 0, int64_t{1} << 31)),
        win_(readWindow2d(c, "conv2dTranspose", "kernelSize", true)),
        useBias_(c.flag("useBias", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        l1_(c.real("l1", 0)),
        l2_(c.real("l2", 0)),
        trainable_(c.flag("trainable", true)) {
    if (filters_ <= 0 || filters_ > (int64_t{1} << 24)) throw std::invalid_argument("conv2dTranspose: filters must be in [1, 2^24]");
    if (win_.dh != 1 || win_.dw != 1) throw std::invalid_argument("conv2dTranspose: dilationRate above 1 is not supported");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    const Window2d g = placedOn(in);
    return {g.inH, g.inW, filters_};
  }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"kernel", {win_.kh, win_.kw, filters_, features()}, trainable_}};
    if (useBias_) w.push_back({"bias", {filters_}, trainable_});
    return w;
  }
  // [0] col (x · kernelᵀ in forward, im2col(dZ) in backward), [1] the pre-activation when its gradient needs it.
  ScratchSizes scratchSizes(int64_t batch) const override {
    const Window2d g = placedOn(inputShapes());
    return {batch * g.outH * g.outW * depth(g), activationKeepsInput(act_) ? outSize(batch) : 0};
  }
  Activation outputActivation() const override { return act_; }
  int usefulThreads(int64_t batch) const override {
    const Window2d g = placedOn(inputShapes());
    return threadsForGemm(std::max<int64_t>(batch * g.outH * g.outW, 1), depth(g), features());
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placedOn(inputShapes());
    const int64_t n = io.batch * g.outH * g.outW, K = depth(g), C = features(), F = filters_, rows = io.batch * g.inH * g.inW;
    float* col = io.scratch[0];
    sgemm(false, true, n, K, C, 1.f, io.in[0], C, w.value(0), C, 0.f, col, K);
    float* z = preActivation(act_, io.scratch[1], io.out);
    col2im(g, io.batch, col, z);
    biasActivationForward(act_, param_, io.logits, useBias_ ? w.value(1) : nullptr, z, io.out, rows, F);
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placedOn(inputShapes());
    const int64_t n = io.batch * g.outH * g.outW, K = depth(g), C = features(), F = filters_, rows = io.batch * g.inH * g.inW;
    float* dz = io.dOut;
    biasActivationBackward(act_, param_, io.logits, preActivation(act_, static_cast<const float*>(io.scratch[1]), io.out), io.out, dz,
                           useBias_ && trainable_ ? w.grad(1) : nullptr, rows, F);
    float* dcol = io.scratch[0];
    im2col(g, io.batch, dz, dcol);
    if (trainable_) sgemm(true, false, K, C, n, 1.f, dcol, K, io.in[0], C, 0.f, w.grad(0), C);
    if (io.dIn[0]) sgemm(false, false, n, C, K, 1.f, dcol, K, w.value(0), C, 0.f, io.dIn[0], C);
  }

  double regularization(const NodeWeights& w, bool withGradients) const override {
    return kernelRegularization(l1_, l2_, trainable_, w, withGradients);
  }

  bool splitsByRows() const override { return true; }
 private:
  // The conv2d window from this layer's output to its input: g.in* is the output, g.out* the input.
  Window2d placedOn(const std::vector<Shape>& in) const {
    if (in.size() != 1) throw std::invalid_argument("conv2dTranspose takes one input");
    const Shape& s = in[0];
    if (s.size() != 3)
      throw std::invalid_argument("conv2dTranspose: expects samples of shape [height, width, channels], got " + showShape(s));
    for (int64_t d : s)
      if (d <= 0 || d > (int64_t{1} << 24)) throw std::invalid_argument("conv2dTranspose: input shape " + showShape(s) + " out of range");
    Window2d g = win_;
    g.channels = filters_;
    g.outH = s[0], g.outW = s[1];
    g.inH = s[0] * g.sh + (g.same ? 0 : std::max<int64_t>(g.kh - g.sh, 0));
    g.inW = s[1] * g.sw + (g.same ? 0 : std::max<int64_t>(g.kw - g.sw, 0));
    if (g.inH > (int64_t{1} << 24) || g.inW > (int64_t{1} << 24))
      throw std::invalid_argument("conv2dTranspose: the output of " + showShape(s) + " is out of range");
    if (g.kh * g.kw * filters_ > (int64_t{1} << 31) / s[2]) throw std::invalid_argument("conv2dTranspose: kernel too large");
    if (s[0] * s[1] > (int64_t{1} << 40) / (g.kh * g.kw * filters_))
      throw std::invalid_argument("conv2dTranspose: the col rows of one sample of " + showShape(s) + " would exceed 2^40 floats");
    g.padTop = g.same ? std::max<int64_t>((g.outH - 1) * g.sh + g.kh - g.inH, 0) / 2 : 0;
    g.padLeft = g.same ? std::max<int64_t>((g.outW - 1) * g.sw + g.kw - g.inW, 0) / 2 : 0;
    return g;
  }
  static int64_t depth(const Window2d& g) { return g.kh * g.kw * g.channels; }

  int64_t filters_;
  Window2d win_;
  bool useBias_;
  Activation act_;
  float param_, l1_, l2_;
  bool trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeConv2dTransposeLayer(const Config& c) { return std::make_unique<Conv2dTranspose>(c); }

}  // namespace tf
