// Dense: out = activation(in · kernel + bias) over the last axis, with the
// bias in the GEMM's C and the activation in one pass over the output.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../gemm.h"
#include "activation_math.h"
#include "registry.h"
#include "kernel_regularizer.h"

namespace tf {

namespace {
class Dense final : public Layer {
 public:
  explicit Dense(const Config& c)
      : units_(c.integer("units", 0, 0, int64_t{1} << 31)),
        useBias_(c.flag("useBias", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        l1_(c.real("l1", 0)),
        l2_(c.real("l2", 0)),
        trainable_(c.flag("trainable", true)) {}

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("dense takes one input with a feature axis");
    if (units_ <= 0 || units_ > (int64_t{1} << 24)) throw std::invalid_argument("dense units out of range");
    if (in[0].back() > (int64_t{1} << 31) / units_) throw std::invalid_argument("dense kernel too large");
    Shape out = in[0];
    out.back() = units_;
    return out;
  }
  std::vector<WeightDecl> weights() const override {
    // A frozen layer's weights live in the non-trainable arena: no gradient, no optimizer slots.
    std::vector<WeightDecl> w{{"kernel", {features(), units_}, trainable_}};
    if (useBias_) w.push_back({"bias", {units_}, trainable_});
    return w;
  }
  // The pre-activation z, when the activation's gradient needs it.
  ScratchSizes scratchSizes(int64_t batch) const override {
    return {activationKeepsInput(act_) ? outSize(batch) : 0};
  }
  Activation outputActivation() const override { return act_; }
  int usefulThreads(int64_t batch) const override {
    return threadsForGemm(std::max<int64_t>(rows(batch), 1), units_, features());
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const int64_t n = rows(io.batch), nin = features(), nout = units_;
    float* z = activationKeepsInput(act_) ? io.scratch[0] : io.out;
    float beta = 0.f;
    if (useBias_) {
      // Bias fused into the GEMM: C starts as the broadcast bias and beta = 1.
      const float* bias = w.value(1);
      for (int64_t r = 0; r < n; ++r) std::copy(bias, bias + nout, z + r * nout);
      beta = 1.f;
    }
    sgemm(false, false, n, nout, nin, 1.f, io.in[0], nin, w.value(0), nout, beta, z, nout);
    if (act_ != Activation::Linear && !io.logits) applyActivation(act_, param_, z, io.out, n, nout);
    else if (z != io.out) std::copy(z, z + n * nout, io.out);
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t n = rows(io.batch), nin = features(), nout = units_;
    float* dy = io.dOut;
    if (act_ != Activation::Linear && !io.logits) {
      const float* z = activationKeepsInput(act_) ? io.scratch[0] : io.out;
      applyActivationGrad(act_, param_, z, io.out, dy, dy, n, nout);
    }
    // dW = inᵀ · dZ, db = column sums of dZ, dX = dZ · Wᵀ
    if (trainable_) sgemm(true, false, nin, nout, n, 1.f, io.in[0], nin, dy, nout, 0.f, w.grad(0), nout);
    if (useBias_ && trainable_) {
      float* db = w.grad(1);
      std::fill(db, db + nout, 0.f);
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < nout; ++c) db[c] += dy[r * nout + c];
    }
    if (io.dIn[0]) sgemm(false, true, n, nin, nout, 1.f, dy, nout, w.value(0), nout, 0.f, io.dIn[0], nin);
  }

  double regularization(const NodeWeights& w, bool withGradients) const override {
    return kernelRegularization(l1_, l2_, trainable_, w, withGradients);
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t units_;
  bool useBias_;
  Activation act_;
  float param_, l1_, l2_;
  bool trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeDenseLayer(const Config& c) { return std::make_unique<Dense>(c); }

}  // namespace tf
