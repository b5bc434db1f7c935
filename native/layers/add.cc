// Add: the elementwise sum of two or more inputs of one shape (the first
// merge layer; the functional API exposes it, Sequential never builds it).
#include <algorithm>
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class Add final : public Layer {
 public:
  explicit Add(const Config&) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() < 2) throw std::invalid_argument("add takes at least two inputs");
    for (const Shape& s : in)
      if (s != in[0]) throw std::invalid_argument("add: inputs of shapes " + showShape(in[0]) + " and " + showShape(s));
    return in[0];
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t n = outSize(io.batch);
    std::copy(io.in[0], io.in[0] + n, io.out);
    for (size_t k = 1; k < inputShapes().size(); ++k)
      for (int64_t i = 0; i < n; ++i) io.out[i] += io.in[k][i];
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    const int64_t n = outSize(io.batch);
    for (size_t k = 0; k < inputShapes().size(); ++k)
      if (io.dIn[k]) std::copy(io.dOut, io.dOut + n, io.dIn[k]);
  }
};
}  // namespace

std::unique_ptr<Layer> makeAddLayer(const Config& c) { return std::make_unique<Add>(c); }

}  // namespace tf
