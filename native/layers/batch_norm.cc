// BatchNormalization over the last axis (Keras axis = -1): training
// normalizes with the batch statistics (biased variance, as Keras) and moves
// the moving statistics by `momentum`; inference uses the moving statistics.
// A frozen layer (trainable false) runs in inference mode in training too, as
// in Keras, and its gamma and beta sit in the non-trainable arena.
#include <cmath>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class BatchNorm final : public Layer {
 public:
  explicit BatchNorm(const Config& c)
      : epsilon_(c.real("epsilon", 1e-3)), momentum_(c.real("momentum", 0.99)), center_(c.flag("center", true)),
        scale_(c.flag("scale", true)), trainable_(c.flag("trainable", true)) {}

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("batchNormalization takes one input with a feature axis");
    return in[0];
  }
  std::vector<WeightDecl> weights() const override {
    const int64_t f = features();
    std::vector<WeightDecl> w;
    if (scale_) w.push_back({"gamma", {f}, trainable_, 1.f});
    if (center_) w.push_back({"beta", {f}, trainable_});
    w.push_back({"moving_mean", {f}, false});
    w.push_back({"moving_variance", {f}, false, 1.f});
    return w;
  }
  // x-hat, batch mean, batch 1/std
  ScratchSizes scratchSizes(int64_t batch) const override { return {inSize(batch), features(), features()}; }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    const float* beta = center_ ? w.value(scale_) : nullptr;
    const float* mmean = w.value(scale_ + center_);
    const float* mvar = w.value(scale_ + center_ + 1);
    const float* in = io.in[0];
    for (int64_t r = 0; r < n; ++r)
      for (int64_t f = 0; f < nf; ++f) {
        const float xh = (in[r * nf + f] - mmean[f]) / std::sqrt(mvar[f] + epsilon_);
        io.out[r * nf + f] = (gamma ? gamma[f] * xh : xh) + (beta ? beta[f] : 0.f);
      }
  }

  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng*) override {
    if (!trainable_) return forward(io, w);
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    const float* beta = center_ ? w.value(scale_) : nullptr;
    float* mmean = w.stateValue(scale_ + center_);
    float* mvar = w.stateValue(scale_ + center_ + 1);
    const float* in = io.in[0];
    float *xhat = io.scratch[0], *mean = io.scratch[1], *invStd = io.scratch[2];
    for (int64_t f = 0; f < nf; ++f) {
      double sum = 0, sq = 0;
      for (int64_t r = 0; r < n; ++r) sum += in[r * nf + f];
      const double m = sum / n;
      for (int64_t r = 0; r < n; ++r) {
        const double d = in[r * nf + f] - m;
        sq += d * d;
      }
      const double var = sq / n;  // biased, as Keras normalizes and tracks it
      mean[f] = static_cast<float>(m);
      invStd[f] = static_cast<float>(1.0 / std::sqrt(var + epsilon_));
      mmean[f] = mmean[f] * momentum_ + static_cast<float>(m) * (1.f - momentum_);
      mvar[f] = mvar[f] * momentum_ + static_cast<float>(var) * (1.f - momentum_);
    }
    for (int64_t r = 0; r < n; ++r)
      for (int64_t f = 0; f < nf; ++f) {
        const float xh = (in[r * nf + f] - mean[f]) * invStd[f];
        xhat[r * nf + f] = xh;
        io.out[r * nf + f] = (gamma ? gamma[f] * xh : xh) + (beta ? beta[f] : 0.f);
      }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    if (!trainable_) return backwardFrozen(io, w);
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    float* dgamma = scale_ ? w.grad(0) : nullptr;
    float* dbeta = center_ ? w.grad(scale_) : nullptr;
    const float *xhat = io.scratch[0], *invStd = io.scratch[2];
    const float* dy = io.dOut;
    float* dx = io.dIn[0];
    for (int64_t f = 0; f < nf; ++f) {
      double sdy = 0, sdyx = 0;
      for (int64_t r = 0; r < n; ++r) {
        sdy += dy[r * nf + f];
        sdyx += dy[r * nf + f] * xhat[r * nf + f];
      }
      if (dgamma) dgamma[f] = static_cast<float>(sdyx);
      if (dbeta) dbeta[f] = static_cast<float>(sdy);
      if (dx) {
        const float g = gamma ? gamma[f] : 1.f;
        const float scale = g * invStd[f] / n;
        for (int64_t r = 0; r < n; ++r)
          dx[r * nf + f] = scale * (n * dy[r * nf + f] - static_cast<float>(sdy) - xhat[r * nf + f] * static_cast<float>(sdyx));
      }
    }
  }

 private:
  float epsilon_, momentum_;
  bool center_, scale_, trainable_;

  // Inference mode is affine in x: dx = dy * gamma / sqrt(moving_variance + epsilon).
  void backwardFrozen(const BackwardIo& io, const NodeWeights& w) const {
    float* dx = io.dIn[0];
    if (!dx) return;
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    const float* mvar = w.value(scale_ + center_ + 1);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t f = 0; f < nf; ++f)
        dx[r * nf + f] = io.dOut[r * nf + f] * (gamma ? gamma[f] : 1.f) / std::sqrt(mvar[f] + epsilon_);
  }
};
}  // namespace

std::unique_ptr<Layer> makeBatchNormLayer(const Config& c) { return std::make_unique<BatchNorm>(c); }

}  // namespace tf
