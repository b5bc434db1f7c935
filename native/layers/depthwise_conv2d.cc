// DepthwiseConv2D over NHWC samples: each input channel c is convolved with
// its own depthMultiplier filters, kernel [kh, kw, inChannels, multiplier]
// (TensorFlow's layout), output channel c * multiplier + m. A direct kernel:
// per output pixel and tap, one pass over the channels (no GEMM: each output
// reads kh * kw inputs, too few for a product to pay).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../simd.h"
#include "activation_math.h"
#include "depthwise_conv2d.h"
#include "registry.h"
#include "window2d.h"
#include "kernel_regularizer.h"

namespace tf {

namespace {

// z = bias + depthwise convolution of x, over the batch.
TF_SIMD_CLONES void depthwiseForwardF32(const Window2d& g, int64_t M, int64_t batch, const float* __restrict x, const float* __restrict k,
                                     const float* __restrict bias, float* __restrict z) {
  const int64_t C = g.channels, CM = C * M;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        float* __restrict o = z + ((b * g.outH + oy) * g.outW + ox) * CM;
        for (int64_t j = 0; j < CM; ++j) o[j] = bias ? bias[j] : 0.f;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const float* __restrict xi = x + ((b * g.inH + iy) * g.inW + ix) * C;
            const float* __restrict kt = k + (ky * g.kw + kx) * CM;
            if (M == 1) {
              for (int64_t c = 0; c < C; ++c) o[c] += xi[c] * kt[c];
            } else {
              for (int64_t c = 0; c < C; ++c)
                for (int64_t m = 0; m < M; ++m) o[c * M + m] += xi[c] * kt[c * M + m];
            }
          }
        }
      }
}

// dK (+=) and dX (+=, when set) from dZ.
TF_SIMD_CLONES void depthwiseBackwardF32(const Window2d& g, int64_t M, int64_t batch, const float* __restrict x, const float* __restrict k,
                                      const float* __restrict dz, float* __restrict dk, float* __restrict dx) {
  const int64_t C = g.channels, CM = C * M;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const float* __restrict d = dz + ((b * g.outH + oy) * g.outW + ox) * CM;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const int64_t at = ((b * g.inH + iy) * g.inW + ix) * C;
            const float* __restrict xi = x + at;
            const int64_t t = (ky * g.kw + kx) * CM;
            for (int64_t c = 0; c < C; ++c)
              for (int64_t m = 0; m < M; ++m) {
                if (dk) dk[t + c * M + m] += xi[c] * d[c * M + m];
                if (dx) dx[at + c] += k[t + c * M + m] * d[c * M + m];
              }
          }
        }
      }
}

}  // namespace

// The exported entry points (depthwise_conv2d.h): plain functions in front of the SIMD clones.
void depthwiseForward(const Window2d& g, int64_t M, int64_t batch, const float* x, const float* k, const float* bias, float* z) {
  depthwiseForwardF32(g, M, batch, x, k, bias, z);
}
void depthwiseBackward(const Window2d& g, int64_t M, int64_t batch, const float* x, const float* k, const float* dz, float* dk, float* dx) {
  depthwiseBackwardF32(g, M, batch, x, k, dz, dk, dx);
}

namespace {

class DepthwiseConv2d final : public Layer {
 public:
  explicit DepthwiseConv2d(const Config& c)
      : multiplier_(c.integer("depthMultiplier", 1, 1, int64_t{1} << 20)),
        win_(readWindow2d(c, "depthwiseConv2d", "kernelSize", true)),
        useBias_(c.flag("useBias", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        l1_(c.real("l1", 0)),
        l2_(c.real("l2", 0)),
        trainable_(c.flag("trainable", true)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, in, "depthwiseConv2d");
    if (g.channels > (int64_t{1} << 24) / multiplier_ || g.kh * g.kw > (int64_t{1} << 31) / (g.channels * multiplier_))
      throw std::invalid_argument("depthwiseConv2d: kernel too large");
    return {g.outH, g.outW, g.channels * multiplier_};
  }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"depthwise_kernel", {win_.kh, win_.kw, features(), multiplier_}, trainable_}};
    if (useBias_) w.push_back({"bias", {features() * multiplier_}, trainable_});
    return w;
  }
  ScratchSizes scratchSizes(int64_t batch) const override {
    return {activationKeepsInput(act_) ? outSize(batch) : 0};
  }
  Activation outputActivation() const override { return act_; }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t rows = io.batch * g.outH * g.outW, CM = g.channels * multiplier_;
    float* z = activationKeepsInput(act_) ? io.scratch[0] : io.out;
    depthwiseForward(g, multiplier_, io.batch, io.in[0], w.value(0), useBias_ ? w.value(1) : nullptr, z);
    if (act_ != Activation::Linear && !io.logits) applyActivation(act_, param_, z, io.out, rows, CM);
    else if (z != io.out) std::copy(z, z + rows * CM, io.out);
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t rows = io.batch * g.outH * g.outW, CM = g.channels * multiplier_;
    float* dz = io.dOut;
    if (act_ != Activation::Linear && !io.logits) {
      const float* z = activationKeepsInput(act_) ? io.scratch[0] : io.out;
      applyActivationGrad(act_, param_, z, io.out, dz, dz, rows, CM);
    }
    float* dk = trainable_ ? w.grad(0) : nullptr;
    if (dk) std::fill(dk, dk + w.slots[0].size(), 0.f);
    if (useBias_ && trainable_) {
      float* db = w.grad(1);
      std::fill(db, db + CM, 0.f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < CM; ++j) db[j] += dz[r * CM + j];
    }
    if (io.dIn[0]) std::fill(io.dIn[0], io.dIn[0] + inSize(io.batch), 0.f);
    depthwiseBackward(g, multiplier_, io.batch, io.in[0], w.value(0), dz, dk, io.dIn[0]);
  }

  double regularization(const NodeWeights& w, bool withGradients) const override {
    return kernelRegularization(l1_, l2_, trainable_, w, withGradients);
  }

  bool splitsByRows() const override { return true; }
 private:
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, inputShapes(), "depthwiseConv2d");
    return g;
  }

  int64_t multiplier_;
  Window2d win_;
  bool useBias_;
  Activation act_;
  float param_, l1_, l2_;
  bool trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeDepthwiseConv2dLayer(const Config& c) { return std::make_unique<DepthwiseConv2d>(c); }

}  // namespace tf
