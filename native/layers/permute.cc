// Permute: reorders the per-sample axes (`dims`, 0-based, the batch axis
// not counted): output axis i is input axis dims[i]. Backward applies the
// inverse order to the gradient. One strided copy each way, the batch as the
// outermost axis.
#include <stdexcept>
#include <string>

#include "../elementwise.h"
#include "../movement.h"
#include "registry.h"

namespace tf {

namespace {
class Permute final : public Layer {
 public:
  explicit Permute(const Config& c) {
    const std::vector<double> dims = c.numbers("dims");
    if (dims.empty() || dims.size() + 1 > static_cast<size_t>(kMaxRank))
      throw std::invalid_argument("permute: dims must list 1 to " + std::to_string(kMaxRank - 1) + " axes");
    std::vector<bool> seen(dims.size(), false);
    for (double d : dims) {
      const auto k = static_cast<size_t>(d);
      if (!(d >= 0 && d < static_cast<double>(dims.size())) || static_cast<double>(k) != d || seen[k])
        throw std::invalid_argument("permute: dims must be a permutation of 0 .. " + std::to_string(dims.size() - 1));
      seen[k] = true;
      dims_.push_back(static_cast<int>(k));
    }
    inverse_.resize(dims_.size());
    for (size_t i = 0; i < dims_.size(); ++i) inverse_[static_cast<size_t>(dims_[i])] = static_cast<int>(i);
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("permute takes one input");
    if (in[0].size() != dims_.size())
      throw std::invalid_argument("permute: dims of " + std::to_string(dims_.size()) + " axes for inputs of shape " + showShape(in[0]));
    Shape out;
    for (int d : dims_) out.push_back(in[0][static_cast<size_t>(d)]);
    return out;
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    permuteInto(io.in[0], inputShapes()[0], dims_, io.batch, io.out);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (io.dIn[0]) permuteInto(io.dOut, outputShape(), inverse_, io.batch, io.dIn[0]);
  }

  bool splitsByRows() const override { return true; }
 private:
  std::vector<int> dims_, inverse_;

  // out[b, i...] = x[b, (i permuted back)...] for x of per-sample shape `shape`.
  static void permuteInto(const float* x, const Shape& shape, const std::vector<int>& dims, int64_t batch, float* out) {
    const int rank = static_cast<int>(shape.size());
    int64_t stride[kMaxRank];
    stride[rank - 1] = 1;
    for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * shape[static_cast<size_t>(d + 1)];
    int64_t outShape[kMaxRank], outStride[kMaxRank];
    outShape[0] = batch;
    outStride[0] = elementsOf(shape);
    for (int i = 0; i < rank; ++i) {
      outShape[i + 1] = shape[static_cast<size_t>(dims[static_cast<size_t>(i)])];
      outStride[i + 1] = stride[dims[static_cast<size_t>(i)]];
    }
    stridedCopy(x, outShape, outStride, rank + 1, out);
  }
};
}  // namespace

std::unique_ptr<Layer> makePermuteLayer(const Config& c) { return std::make_unique<Permute>(c); }

}  // namespace tf
