// Reshape: the same values, row-major, under another per-sample shape
// (`targetShape`, with as many elements as the input). Flatten becomes one
// where the executor must see its flat shape.
#include <algorithm>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class Reshape final : public Layer {
 public:
  explicit Reshape(const Config& c) : target_(shapeOption(c, "reshape", "targetShape")) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("reshape takes one input");
    if (elementsOf(in[0]) != elementsOf(target_))
      throw std::invalid_argument("reshape: inputs of shape " + showShape(in[0]) + " cannot be reshaped to " + showShape(target_));
    return target_;
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    std::copy(io.in[0], io.in[0] + inSize(io.batch), io.out);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (io.dIn[0]) std::copy(io.dOut, io.dOut + inSize(io.batch), io.dIn[0]);
  }

  bool splitsByRows() const override { return true; }
 private:
  Shape target_;
};
}  // namespace

std::unique_ptr<Layer> makeReshapeLayer(const Config& c) { return std::make_unique<Reshape>(c); }

}  // namespace tf
