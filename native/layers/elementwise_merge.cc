// Subtract, Multiply, Average, Maximum, Minimum: elementwise merges of inputs
// of one shape (Keras's merge layers; Add has its own file). One class, one
// operation code: the five differ only in the arithmetic of one element.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {
enum class MergeOp { Subtract, Multiply, Average, Maximum, Minimum };

const char* nameOf(MergeOp op) {
  switch (op) {
    case MergeOp::Subtract: return "subtract";
    case MergeOp::Multiply: return "multiply";
    case MergeOp::Average: return "average";
    case MergeOp::Maximum: return "maximum";
    case MergeOp::Minimum: return "minimum";
  }
  return "merge";
}

class ElementwiseMerge final : public Layer {
 public:
  explicit ElementwiseMerge(MergeOp op) : op_(op) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    const std::string name = nameOf(op_);
    if (op_ == MergeOp::Subtract && in.size() != 2) throw std::invalid_argument("subtract takes exactly two inputs");
    if (in.size() < 2) throw std::invalid_argument(name + " takes at least two inputs");
    for (const Shape& s : in)
      if (s != in[0]) throw std::invalid_argument(name + ": inputs of shapes " + showShape(in[0]) + " and " + showShape(s));
    return in[0];
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t n = outSize(io.batch);
    const size_t count = inputShapes().size();
    float* out = io.out;
    std::copy(io.in[0], io.in[0] + n, out);
    for (size_t k = 1; k < count; ++k) {
      const float* x = io.in[k];
      switch (op_) {
        case MergeOp::Subtract: for (int64_t i = 0; i < n; ++i) out[i] -= x[i]; break;
        case MergeOp::Multiply: for (int64_t i = 0; i < n; ++i) out[i] *= x[i]; break;
        case MergeOp::Average: for (int64_t i = 0; i < n; ++i) out[i] += x[i]; break;
        case MergeOp::Maximum: for (int64_t i = 0; i < n; ++i) out[i] = std::max(out[i], x[i]); break;
        case MergeOp::Minimum: for (int64_t i = 0; i < n; ++i) out[i] = std::min(out[i], x[i]); break;
      }
    }
    if (op_ == MergeOp::Average) {
      const float scale = 1.f / static_cast<float>(count);
      for (int64_t i = 0; i < n; ++i) out[i] *= scale;
    }
  }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    const int64_t n = outSize(io.batch);
    const size_t count = inputShapes().size();
    const float* dy = io.dOut;
    switch (op_) {
      case MergeOp::Subtract:
        if (io.dIn[0]) std::copy(dy, dy + n, io.dIn[0]);
        if (io.dIn[1]) for (int64_t i = 0; i < n; ++i) io.dIn[1][i] = -dy[i];
        break;
      case MergeOp::Average: {
        const float scale = 1.f / static_cast<float>(count);
        for (size_t k = 0; k < count; ++k)
          if (io.dIn[k]) for (int64_t i = 0; i < n; ++i) io.dIn[k][i] = dy[i] * scale;
        break;
      }
      case MergeOp::Multiply:
        // d/dx_k of the product: the product of the others (not out / x_k, which fails at x_k = 0).
        for (size_t k = 0; k < count; ++k) {
          float* dx = io.dIn[k];
          if (!dx) continue;
          std::copy(dy, dy + n, dx);
          for (size_t j = 0; j < count; ++j)
            if (j != k) for (int64_t i = 0; i < n; ++i) dx[i] *= io.in[j][i];
        }
        break;
      case MergeOp::Maximum:
      case MergeOp::Minimum:
        // The gradient goes to the first input holding the result (TensorFlow gives ties to the first operand).
        for (size_t k = 0; k < count; ++k)
          if (io.dIn[k]) std::fill(io.dIn[k], io.dIn[k] + n, 0.f);
        for (int64_t i = 0; i < n; ++i) {
          size_t k = 0;
          while (k + 1 < count && io.in[k][i] != io.out[i]) ++k;
          if (io.dIn[k]) io.dIn[k][i] = dy[i];
        }
        break;
    }
  }

 private:
  MergeOp op_;
};
}  // namespace

std::unique_ptr<Layer> makeSubtractLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Subtract); }
std::unique_ptr<Layer> makeMultiplyLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Multiply); }
std::unique_ptr<Layer> makeAverageLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Average); }
std::unique_ptr<Layer> makeMaximumLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Maximum); }
std::unique_ptr<Layer> makeMinimumLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Minimum); }

}  // namespace tf
