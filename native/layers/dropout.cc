// Dropout (inverted): in training each element is zeroed with probability
// `rate` and the rest scaled by 1 / (1 - rate); inference is the identity.
#include <algorithm>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class Dropout final : public Layer {
 public:
  explicit Dropout(const Config& c) : rate_(c.real("rate", 0)), seed_(c.integer("seed", -1, -1, int64_t{1} << 53)) {
    if (!(rate_ >= 0.f && rate_ < 1.f)) throw std::invalid_argument("dropout rate must be in [0, 1)");
    // A seeded layer draws its masks from its own generator.
    if (seed_ >= 0) own_.reseed(static_cast<uint64_t>(seed_));
  }

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("dropout takes one input");
    return in[0];
  }
  ScratchSizes scratchSizes(int64_t batch) const override { return {inSize(batch)}; }  // the mask

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    std::copy(io.in[0], io.in[0] + inSize(io.batch), io.out);
  }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    Rng* r = seed_ >= 0 ? &own_ : rng;
    if (rate_ == 0.f || !r) return forward(io, w);
    const float keep = 1.f / (1.f - rate_);
    float* mask = io.scratch[0];
    const float* in = io.in[0];
    for (int64_t k = 0, n = inSize(io.batch); k < n; ++k) {
      mask[k] = r->uniform() < rate_ ? 0.f : keep;
      io.out[k] = in[k] * mask[k];
    }
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const int64_t n = inSize(io.batch);
    if (rate_ == 0.f) std::copy(io.dOut, io.dOut + n, io.dIn[0]);
    else for (int64_t k = 0; k < n; ++k) io.dIn[0][k] = io.dOut[k] * io.scratch[0][k];
  }

  bool splitsByRows() const override { return seed_ < 0; }  // a generator of its own is one state for all rows
 private:
  float rate_;
  int64_t seed_;
  Rng own_;
};
}  // namespace

std::unique_ptr<Layer> makeDropoutLayer(const Config& c) { return std::make_unique<Dropout>(c); }

}  // namespace tf
