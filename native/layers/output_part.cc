// OutputPart: one tensor of a layer whose output packs several, per sample
// (a recurrent layer with returnState: its output, then its final states;
// recurrent_math.h's RecurrentOutput). The functional API addresses a
// layer's outputs by index; the planner (src/models/native_graph.ts) gives
// each one a consumer reads an OutputPart node, `offset` floats into the
// packed row, of per-sample shape `targetShape`. So the executor keeps one
// output per node, and the packed layer's backward gets one gradient: each
// part writes its slice of it (zeros elsewhere) and the executor adds the
// parts up as for any fan-out. `passMask`: the part carries the packed
// output's mask (the sequence part of a recurrent layer with returnSequences).
#include <algorithm>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class OutputPart final : public Layer {
 public:
  explicit OutputPart(const Config& c)
      : offset_(c.integer("offset", 0, 0, int64_t{1} << 40)), passMask_(c.flag("passMask", false)) {
    target_ = shapeOption(c, "outputPart", "targetShape");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("outputPart takes one input");
    if (offset_ + elementsOf(target_) > elementsOf(in[0]))
      throw std::invalid_argument("outputPart: a part of shape " + showShape(target_) + " at offset " + std::to_string(offset_) +
                                  " does not fit in inputs of shape " + showShape(in[0]));
    return target_;
  }
  MaskFlow outputMask(const std::vector<bool>&) const override { return passMask_ ? MaskFlow::Pass : MaskFlow::None; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t row = elementsOf(inputShapes()[0]), n = elementsOf(target_);
    for (int64_t b = 0; b < io.batch; ++b) {
      const float* src = io.in[0] + b * row + offset_;
      std::copy(src, src + n, io.out + b * n);
    }
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const int64_t row = elementsOf(inputShapes()[0]), n = elementsOf(target_);
    std::fill(io.dIn[0], io.dIn[0] + io.batch * row, 0.f);
    for (int64_t b = 0; b < io.batch; ++b) std::copy(io.dOut + b * n, io.dOut + (b + 1) * n, io.dIn[0] + b * row + offset_);
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t offset_;
  bool passMask_;
  Shape target_;
};
}  // namespace

std::unique_ptr<Layer> makeOutputPartLayer(const Config& c) { return std::make_unique<OutputPart>(c); }

}  // namespace tf
