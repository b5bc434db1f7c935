// Embedding: each input value is a token id in [0, inputDim) and becomes row
// `id` of the table `embeddings` [inputDim, outputDim]; a per-sample input of
// shape S gives S + [outputDim]. Ids arrive as floats (the engine's inputs
// are float32, exact for integers below 2^24) and are checked here, so a bad
// id is an error rather than a read outside the table. Backward adds each
// position's gradient into the row it read (a scatter-add); ids have no gradient.
// maskZero (Keras's mask_zero): id 0 is padding, and the output's mask marks
// those positions 0 for the layers after it.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {
class Embedding final : public Layer {
 public:
  explicit Embedding(const Config& c)
      : inputDim_(c.integer("inputDim", 0, 0, int64_t{1} << 24)),
        outputDim_(c.integer("outputDim", 0, 0, int64_t{1} << 24)),
        trainable_(c.flag("trainable", true)),
        maskZero_(c.flag("maskZero", false)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("embedding takes one input of token ids [..., positions]");
    if (inputDim_ <= 0 || outputDim_ <= 0) throw std::invalid_argument("embedding: inputDim and outputDim must be positive");
    if (inputDim_ > (int64_t{1} << 31) / outputDim_) throw std::invalid_argument("embedding: the table is too large");
    if (elementsOf(in[0]) > (int64_t{1} << 31) / outputDim_) throw std::invalid_argument("embedding: the output is too large");
    Shape out = in[0];
    out.push_back(outputDim_);
    return out;
  }
  MaskFlow outputMask(const std::vector<bool>&) const override { return maskZero_ ? MaskFlow::Own : MaskFlow::None; }
  std::vector<WeightDecl> weights() const override { return {{"embeddings", {inputDim_, outputDim_}, trainable_}}; }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const int64_t per = elementsOf(inputShapes()[0]), n = io.batch * per, d = outputDim_;
    const float* table = w.value(0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t id = tokenId(io.in[0][i], i, per);
      std::copy(table + id * d, table + (id + 1) * d, io.out + i * d);
      if (maskZero_) io.outMask[i] = id != 0 ? 1 : 0;
    }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t per = elementsOf(inputShapes()[0]), n = io.batch * per, d = outputDim_;
    if (trainable_) {
      float* g = w.grad(0);
      std::fill(g, g + inputDim_ * d, 0.f);
      for (int64_t i = 0; i < n; ++i) {
        float* row = g + tokenId(io.in[0][i], i, per) * d;
        const float* dy = io.dOut + i * d;
        for (int64_t k = 0; k < d; ++k) row[k] += dy[k];
      }
    }
    // Ids are not differentiable: whatever feeds them gets zero.
    if (io.dIn[0]) std::fill(io.dIn[0], io.dIn[0] + n, 0.f);
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t inputDim_, outputDim_;
  bool trainable_, maskZero_;

  int64_t tokenId(float v, int64_t i, int64_t per) const {
    if (!(v >= 0.f && v < static_cast<float>(inputDim_)) || v != std::floor(v))
      throw std::out_of_range("embedding: token id " + std::to_string(v) + " at batch row " + std::to_string(i / per) +
                              ", position " + std::to_string(i % per) + " is not an integer in [0, " +
                              std::to_string(inputDim_) + ")");
    return static_cast<int64_t>(v);
  }
};
}  // namespace

std::unique_ptr<Layer> makeEmbeddingLayer(const Config& c) { return std::make_unique<Embedding>(c); }

}  // namespace tf
