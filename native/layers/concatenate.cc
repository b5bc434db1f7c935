// Concatenate: joins two or more inputs along one per-sample axis (`axis`,
// 0-based, the batch axis not counted); every other dimension must agree.
// Each input, seen as [outer, its width along the axis x inner], fills one
// block of columns of the output seen the same way.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "../movement.h"
#include "merge_masks.h"
#include "registry.h"

namespace tf {

namespace {
class Concatenate final : public Layer {
 public:
  // Required: the default -1 is refused as outside [0, 2^20].
  explicit Concatenate(const Config& c) : axis_(c.integer("axis", -1, 0, 1 << 20)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() < 2) throw std::invalid_argument("concatenate takes at least two inputs");
    const auto rank = static_cast<int64_t>(in[0].size());
    if (axis_ >= rank)
      throw std::invalid_argument("concatenate: axis " + std::to_string(axis_) + " is outside inputs of shape " + showShape(in[0]));
    Shape out = in[0];
    for (size_t k = 1; k < in.size(); ++k) {
      bool fits = static_cast<int64_t>(in[k].size()) == rank;
      for (int64_t d = 0; fits && d < rank; ++d) fits = d == axis_ || in[k][d] == in[0][d];
      if (!fits)
        throw std::invalid_argument("concatenate: inputs of shapes " + showShape(in[0]) + " and " + showShape(in[k]) +
                                    " differ outside axis " + std::to_string(axis_));
      out[axis_] += in[k][axis_];
      if (out[axis_] > (int64_t{1} << 31)) throw std::invalid_argument("concatenate: the output is too large");
    }
    // Fixed here, at build time, so a pass allocates nothing.
    widths_.clear();
    outerDims_ = 1;
    for (int64_t d = 0; d < axis_; ++d) outerDims_ *= in[0][d];
    for (const Shape& s : in) {
      int64_t w = 1;
      for (size_t d = static_cast<size_t>(axis_); d < s.size(); ++d) w *= s[d];
      widths_.push_back(w);
    }
    return out;
  }

  // Keras: over the feature axis the AND of the inputs' masks; over a
  // position axis the masks concatenated (ones for an input without one).
  MaskFlow outputMask(const std::vector<bool>& masked) const override {
    bool any = false;
    for (bool m : masked) any = any || m;
    if (!any) return MaskFlow::None;
    return lastAxis() ? mergeMaskFlow(masked, inputShapes(), outputShape()) : MaskFlow::Own;
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    concat(io.in, widths_.data(), static_cast<int64_t>(widths_.size()), io.batch * outerDims_, io.out);
    if (!io.outMask) return;
    if (lastAxis()) return andMasks(io, inputShapes().size(), io.batch * elementsOf(maskPositionsOf(outputShape())));
    // Per outer row, each input's block of positions in turn.
    MaskByte* o = io.outMask;
    for (int64_t r = 0; r < io.batch * outerDims_; ++r)
      for (size_t k = 0; k < inputShapes().size(); ++k) {
        const int64_t block = widths_[k] / inputShapes()[k].back();
        const MaskByte* m = io.mask(k);
        if (m) std::copy_n(m + r * block, block, o);
        else std::fill_n(o, block, MaskByte{1});
        o += block;
      }
  }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    int64_t total = 0;
    for (int64_t w : widths_) total += w;
    const int64_t rowsOut = io.batch * outerDims_;
    int64_t start = 0;
    for (size_t k = 0; k < widths_.size(); ++k) {
      if (float* dx = io.dIn[k])
        for (int64_t r = 0; r < rowsOut; ++r) std::copy_n(io.dOut + r * total + start, widths_[k], dx + r * widths_[k]);
      start += widths_[k];
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t axis_;
  // The [outer, width] views: the dimensions before the axis (times the batch), each input's width.
  mutable int64_t outerDims_ = 1;
  bool lastAxis() const { return axis_ + 1 == static_cast<int64_t>(outputShape().size()); }
  mutable std::vector<int64_t> widths_;
};
}  // namespace

std::unique_ptr<Layer> makeConcatenateLayer(const Config& c) { return std::make_unique<Concatenate>(c); }

}  // namespace tf
