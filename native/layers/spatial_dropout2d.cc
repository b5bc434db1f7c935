// SpatialDropout2D (inverted, Keras's noise shape [batch, 1, 1, channels]):
// in training each channel of each sample is zeroed whole with probability
// `rate` and the others scaled by 1 / (1 - rate), so neighbouring pixels,
// which are strongly correlated in feature maps, drop together (Tompson et
// al. 2015). Inference is the identity.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {
class SpatialDropout2d final : public Layer {
 public:
  explicit SpatialDropout2d(const Config& c) : rate_(c.real("rate", 0)), seed_(c.integer("seed", -1, -1, int64_t{1} << 53)) {
    if (!(rate_ >= 0.f && rate_ < 1.f)) throw std::invalid_argument("spatialDropout2d: rate must be in [0, 1)");
    if (seed_ >= 0) own_.reseed(static_cast<uint64_t>(seed_));  // a seeded layer draws from its own generator
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("spatialDropout2d takes one input");
    if (in[0].size() != 3)
      throw std::invalid_argument("spatialDropout2d: expects samples of shape [height, width, channels], got " + showShape(in[0]));
    return in[0];
  }
  ScratchSizes scratchSizes(int64_t batch) const override { return {batch * features()}; }  // the mask, per sample and channel

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    std::copy(io.in[0], io.in[0] + inSize(io.batch), io.out);
  }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    Rng* r = seed_ >= 0 ? &own_ : rng;
    if (rate_ == 0.f) return forward(io, w);
    const float keep = 1.f / (1.f - rate_);
    const int64_t C = features(), P = positions();
    float* mask = io.scratch[0];
    // Without a generator nothing is dropped, and backward reads the all-ones mask.
    for (int64_t k = 0, n = io.batch * C; k < n; ++k) mask[k] = !r ? 1.f : r->uniform() < rate_ ? 0.f : keep;
    scale(io.batch, P, C, io.in[0], mask, io.out);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    if (rate_ == 0.f) std::copy(io.dOut, io.dOut + inSize(io.batch), io.dIn[0]);
    else scale(io.batch, positions(), features(), io.dOut, io.scratch[0], io.dIn[0]);
  }

  bool splitsByRows() const override { return seed_ < 0; }  // a generator of its own is one state for all rows
 private:
  // y = x times each sample's channel factor.
  static void scale(int64_t batch, int64_t P, int64_t C, const float* x, const float* mask, float* y) {
    for (int64_t b = 0; b < batch; ++b) {
      const float* m = mask + b * C;
      for (int64_t p = 0; p < P; ++p) {
        const int64_t o = (b * P + p) * C;
        for (int64_t c = 0; c < C; ++c) y[o + c] = x[o + c] * m[c];
      }
    }
  }
  int64_t positions() const { return inputShapes()[0][0] * inputShapes()[0][1]; }

  float rate_;
  int64_t seed_;
  Rng own_;
};
}  // namespace

std::unique_ptr<Layer> makeSpatialDropout2dLayer(const Config& c) { return std::make_unique<SpatialDropout2d>(c); }

}  // namespace tf
