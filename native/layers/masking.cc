// Masking (Keras's): a position (a time step of [time, features]) whose
// features all equal maskValue is masked: its output features are zero and
// the output mask marks it 0, so the layers after it that consume masks
// (the recurrent ones) skip it. Other positions pass unchanged. Backward is
// the same product with the mask.
#include <algorithm>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class Masking final : public Layer {
 public:
  explicit Masking(const Config& c) : value_(c.real("maskValue", 0)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("masking takes one input");
    return in[0];
  }
  // Keras's mask depends on the input only: an incoming mask is replaced.
  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Own; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t f = features(), n = rows(io.batch);
    const float* x = io.in[0];
    for (int64_t r = 0; r < n; ++r) {
      const float* xr = x + r * f;
      const bool keep = std::any_of(xr, xr + f, [this](float v) { return v != value_; });
      io.outMask[r] = keep ? 1 : 0;
      if (keep) std::copy(xr, xr + f, io.out + r * f);
      else std::fill(io.out + r * f, io.out + (r + 1) * f, 0.f);
    }
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const int64_t f = features(), n = rows(io.batch);
    // The forward pass's own output mask is not an input of this node; a
    // masked row's output is the constant 0, so its input gets no gradient.
    const float* x = io.in[0];
    for (int64_t r = 0; r < n; ++r) {
      const float* xr = x + r * f;
      const bool keep = std::any_of(xr, xr + f, [this](float v) { return v != value_; });
      if (keep) std::copy(io.dOut + r * f, io.dOut + (r + 1) * f, io.dIn[0] + r * f);
      else std::fill(io.dIn[0] + r * f, io.dIn[0] + (r + 1) * f, 0.f);
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  float value_;
};
}  // namespace

std::unique_ptr<Layer> makeMaskingLayer(const Config& c) { return std::make_unique<Masking>(c); }

}  // namespace tf
