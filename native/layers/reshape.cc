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
  explicit Reshape(const Config& c) {
    for (double d : c.numbers("targetShape")) {
      if (!(d >= 1 && d <= static_cast<double>(int64_t{1} << 31)) || static_cast<double>(static_cast<int64_t>(d)) != d)
        throw std::invalid_argument("reshape: targetShape must hold positive integers");
      target_.push_back(static_cast<int64_t>(d));
    }
    if (target_.empty()) throw std::invalid_argument("reshape: targetShape is required (a non-empty array of positive integers)");
  }

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

 private:
  Shape target_;
};
}  // namespace

std::unique_ptr<Layer> makeReshapeLayer(const Config& c) { return std::make_unique<Reshape>(c); }

}  // namespace tf
