// LayerNormalization over the last axis, per sample (and per position of
// the leading axes); the same in training and inference.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class LayerNorm final : public Layer {
 public:
  explicit LayerNorm(const Config& c)
      : epsilon_(c.real("epsilon", 1e-3)), center_(c.flag("center", true)), scale_(c.flag("scale", true)),
        trainable_(c.flag("trainable", true)) {}

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("layerNormalization takes one input with a feature axis");
    return in[0];
  }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w;
    // Frozen (trainable false): in the non-trainable arena, no gradients.
    if (scale_) w.push_back({"gamma", {features()}, trainable_, 1.f});
    if (center_) w.push_back({"beta", {features()}, trainable_});
    return w;
  }
  // x-hat, row mean, row 1/std
  ScratchSizes scratchSizes(int64_t batch) const override { return {inSize(batch), rows(batch), rows(batch)}; }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    const float* beta = center_ ? w.value(scale_) : nullptr;
    float *xhat = io.scratch[0], *mean = io.scratch[1], *invStd = io.scratch[2];
    for (int64_t r = 0; r < n; ++r) {
      const float* xr = io.in[0] + r * nf;
      double sum = 0, sq = 0;
      for (int64_t f = 0; f < nf; ++f) sum += xr[f];
      const double m = sum / nf;
      for (int64_t f = 0; f < nf; ++f) sq += (xr[f] - m) * (xr[f] - m);
      const float is = static_cast<float>(1.0 / std::sqrt(sq / nf + epsilon_));
      mean[r] = static_cast<float>(m);
      invStd[r] = is;
      for (int64_t f = 0; f < nf; ++f) {
        const float xh = (xr[f] - static_cast<float>(m)) * is;
        xhat[r * nf + f] = xh;
        io.out[r * nf + f] = (gamma ? gamma[f] * xh : xh) + (beta ? beta[f] : 0.f);
      }
    }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t n = rows(io.batch), nf = features();
    const float* gamma = scale_ ? w.value(0) : nullptr;
    float* dgamma = scale_ && trainable_ ? w.grad(0) : nullptr;
    float* dbeta = center_ && trainable_ ? w.grad(scale_) : nullptr;
    const float *xhat = io.scratch[0], *invStd = io.scratch[2];
    float* dx = io.dIn[0];
    if (dgamma) std::fill(dgamma, dgamma + nf, 0.f);
    if (dbeta) std::fill(dbeta, dbeta + nf, 0.f);
    for (int64_t r = 0; r < n; ++r) {
      const float* dyr = io.dOut + r * nf;
      const float* xr = xhat + r * nf;
      double sg = 0, sgx = 0;
      for (int64_t f = 0; f < nf; ++f) {
        if (dgamma) dgamma[f] += dyr[f] * xr[f];
        if (dbeta) dbeta[f] += dyr[f];
        const float g = dyr[f] * (gamma ? gamma[f] : 1.f);
        sg += g;
        sgx += g * xr[f];
      }
      if (dx) {
        const float inv = invStd[r] / nf;
        for (int64_t f = 0; f < nf; ++f) {
          const float g = dyr[f] * (gamma ? gamma[f] : 1.f);
          dx[r * nf + f] = inv * (nf * g - static_cast<float>(sg) - xr[f] * static_cast<float>(sgx));
        }
      }
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  float epsilon_;
  bool center_, scale_, trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeLayerNormLayer(const Config& c) { return std::make_unique<LayerNorm>(c); }

}  // namespace tf
