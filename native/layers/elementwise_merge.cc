// Add, Subtract, Multiply, Average, Maximum, Minimum: Keras's elementwise
// merges. One class, one operation code: the six differ only in the
// arithmetic of one element. Inputs broadcast as Keras's merges do: per-sample
// shapes right-aligned, a dimension of 1 (or a missing one) stretched to the
// other inputs' size. An input of the output's shape is read in place; a
// broadcast one is expanded into a scratch buffer first, and its gradient is
// computed at the output's shape and summed back over the stretched axes.
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "merge_masks.h"
#include "registry.h"

namespace tf {

namespace {
enum class MergeOp { Add, Subtract, Multiply, Average, Maximum, Minimum };

const char* nameOf(MergeOp op) {
  switch (op) {
    case MergeOp::Add: return "add";
    case MergeOp::Subtract: return "subtract";
    case MergeOp::Multiply: return "multiply";
    case MergeOp::Average: return "average";
    case MergeOp::Maximum: return "maximum";
    case MergeOp::Minimum: return "minimum";
  }
  return "merge";
}

constexpr size_t kMaxRank = 8;
// Inputs that broadcast each take two scratch buffers (ScratchSizes holds 12).
constexpr size_t kMaxBroadcastInputs = ScratchSizes::kCapacity / 2;

// Calls f(i, j) for every per-sample element i of `out` with the element j
// of an input of shape `in` that broadcasts to it, in order of i (an
// odometer over the output's axes: no division per element).
template <class F>
void forEachBroadcast(const Shape& in, const Shape& out, F&& f) {
  const size_t rank = out.size(), lead = rank - in.size();
  std::array<int64_t, kMaxRank> stride{}, index{};
  int64_t natural = 1;
  for (size_t d = rank; d-- > lead;) {
    const int64_t size = in[d - lead];
    stride[d] = size == 1 ? 0 : natural;
    natural *= size;
  }
  const int64_t total = elementsOf(out);
  int64_t j = 0;
  for (int64_t i = 0; i < total; ++i) {
    f(i, j);
    for (size_t d = rank; d-- > 0;) {
      j += stride[d];
      if (++index[d] < out[d]) break;
      j -= stride[d] * out[d];
      index[d] = 0;
    }
  }
}

class ElementwiseMerge final : public Layer {
 public:
  explicit ElementwiseMerge(MergeOp op) : op_(op) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    const std::string name = nameOf(op_);
    if (op_ == MergeOp::Subtract && in.size() != 2) throw std::invalid_argument("subtract takes exactly two inputs");
    if (in.size() < 2) throw std::invalid_argument(name + " takes at least two inputs");
    size_t rank = 0;
    for (const Shape& s : in) rank = std::max(rank, s.size());
    if (rank > kMaxRank) throw std::invalid_argument(name + ": inputs of more than 8 dimensions per sample");
    Shape out(rank, 1);
    for (const Shape& s : in)
      for (size_t d = 0; d < s.size(); ++d) {
        int64_t& o = out[rank - s.size() + d];
        if (s[d] == o || s[d] == 1) continue;
        if (o != 1) throw std::invalid_argument(name + ": inputs of shapes " + showShape(in[0]) + " and " + showShape(s) + " do not broadcast");
        o = s[d];
      }
    size_t broadcast = 0;
    for (const Shape& s : in) broadcast += s != out;
    if (broadcast > kMaxBroadcastInputs) throw std::invalid_argument(name + ": at most 6 inputs may broadcast");
    return out;
  }

  ScratchSizes scratchSizes(int64_t batch) const override {
    // Per broadcast input: its values expanded to the output's shape, and its gradient at that shape.
    ScratchSizes sizes;
    for (size_t k = 0; k < inputShapes().size(); ++k)
      if (broadcasts(k)) sizes = sizes.with(outSize(batch)).with(outSize(batch));
    return sizes;
  }

  // Keras: the AND of the inputs' masks.
  MaskFlow outputMask(const std::vector<bool>& masked) const override { return mergeMaskFlow(masked, inputShapes(), outputShape()); }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    if (io.outMask) andMasks(io, inputShapes().size(), io.batch * elementsOf(maskPositionsOf(outputShape())));
    const int64_t n = outSize(io.batch);
    const size_t count = inputShapes().size();
    const float* in[kMaxInputs];
    expandInputs(io.batch, io.in, io.scratch, in);
    float* out = io.out;
    std::copy(in[0], in[0] + n, out);
    for (size_t k = 1; k < count; ++k) {
      const float* x = in[k];
      switch (op_) {
        case MergeOp::Add:
        case MergeOp::Average: for (int64_t i = 0; i < n; ++i) out[i] += x[i]; break;
        case MergeOp::Subtract: for (int64_t i = 0; i < n; ++i) out[i] -= x[i]; break;
        case MergeOp::Multiply: for (int64_t i = 0; i < n; ++i) out[i] *= x[i]; break;
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
    // The inputs as forward read them (expanded ones are still in scratch), and where each gradient goes at the output's shape.
    const float* in[kMaxInputs];
    float* dIn[kMaxInputs];
    size_t slot = 0;
    for (size_t k = 0; k < count; ++k) {
      const bool b = broadcasts(k);
      in[k] = b ? io.scratch[slot] : io.in[k];
      dIn[k] = !io.dIn[k] ? nullptr : b ? io.scratch[slot + 1] : io.dIn[k];
      if (b) slot += 2;
    }
    switch (op_) {
      case MergeOp::Add:
        for (size_t k = 0; k < count; ++k)
          if (dIn[k]) std::copy(dy, dy + n, dIn[k]);
        break;
      case MergeOp::Subtract:
        if (dIn[0]) std::copy(dy, dy + n, dIn[0]);
        if (dIn[1]) for (int64_t i = 0; i < n; ++i) dIn[1][i] = -dy[i];
        break;
      case MergeOp::Average: {
        const float scale = 1.f / static_cast<float>(count);
        for (size_t k = 0; k < count; ++k)
          if (dIn[k]) for (int64_t i = 0; i < n; ++i) dIn[k][i] = dy[i] * scale;
        break;
      }
      case MergeOp::Multiply:
        // d/dx_k of the product: the product of the others (not out / x_k, which fails at x_k = 0).
        for (size_t k = 0; k < count; ++k) {
          float* dx = dIn[k];
          if (!dx) continue;
          std::copy(dy, dy + n, dx);
          for (size_t j = 0; j < count; ++j)
            if (j != k) for (int64_t i = 0; i < n; ++i) dx[i] *= in[j][i];
        }
        break;
      case MergeOp::Maximum:
      case MergeOp::Minimum:
        // The gradient goes to the first input holding the result (TensorFlow gives ties to the first operand).
        for (size_t k = 0; k < count; ++k)
          if (dIn[k]) std::fill(dIn[k], dIn[k] + n, 0.f);
        for (int64_t i = 0; i < n; ++i) {
          size_t k = 0;
          while (k + 1 < count && in[k][i] != io.out[i]) ++k;
          if (dIn[k]) dIn[k][i] = dy[i];
        }
        break;
    }
    // A broadcast input's gradient: the sum over the elements it was stretched to.
    slot = 0;
    for (size_t k = 0; k < count; ++k) {
      if (!broadcasts(k)) continue;
      if (io.dIn[k]) sumBack(io.batch, k, io.scratch[slot + 1], io.dIn[k]);
      slot += 2;
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  static constexpr size_t kMaxInputs = 64;
  MergeOp op_;

  bool broadcasts(size_t k) const { return inputShapes()[k] != outputShape(); }

  // in[k]: input k at the output's shape (itself, or expanded into its scratch buffer).
  void expandInputs(int64_t batch, const float* const* x, float* const* scratch, const float** in) const {
    const size_t count = inputShapes().size();
    if (count > kMaxInputs) throw std::invalid_argument(std::string(nameOf(op_)) + " takes at most 64 inputs");
    const int64_t per = elementsOf(outputShape());
    size_t slot = 0;
    for (size_t k = 0; k < count; ++k) {
      if (!broadcasts(k)) {
        in[k] = x[k];
        continue;
      }
      float* wide = scratch[slot];
      const int64_t perIn = elementsOf(inputShapes()[k]);
      for (int64_t b = 0; b < batch; ++b) {
        const float* src = x[k] + b * perIn;
        float* dst = wide + b * per;
        forEachBroadcast(inputShapes()[k], outputShape(), [&](int64_t i, int64_t j) { dst[i] = src[j]; });
      }
      in[k] = wide;
      slot += 2;
    }
  }

  void sumBack(int64_t batch, size_t k, const float* wide, float* dx) const {
    const int64_t per = elementsOf(outputShape()), perIn = elementsOf(inputShapes()[k]);
    std::fill(dx, dx + batch * perIn, 0.f);
    for (int64_t b = 0; b < batch; ++b) {
      const float* src = wide + b * per;
      float* dst = dx + b * perIn;
      forEachBroadcast(inputShapes()[k], outputShape(), [&](int64_t i, int64_t j) { dst[j] += src[i]; });
    }
  }
};
}  // namespace

std::unique_ptr<Layer> makeAddLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Add); }
std::unique_ptr<Layer> makeSubtractLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Subtract); }
std::unique_ptr<Layer> makeMultiplyLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Multiply); }
std::unique_ptr<Layer> makeAverageLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Average); }
std::unique_ptr<Layer> makeMaximumLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Maximum); }
std::unique_ptr<Layer> makeMinimumLayer(const Config&) { return std::make_unique<ElementwiseMerge>(MergeOp::Minimum); }

}  // namespace tf
