#include "layer_op.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "layers/registry.h"
#include "memory_limit.h"
#include "thread_policy.h"

namespace tf {

namespace {

// The layers an op may run: one input, weights all trainable, no mask, no
// generator, no host callback.
bool windowKind(LayerKind k) {
  switch (k) {
    case LayerKind::Conv2d:
    case LayerKind::Conv1d:
    case LayerKind::DepthwiseConv2d:
    case LayerKind::MaxPooling2d:
    case LayerKind::AveragePooling2d:
    case LayerKind::MaxPooling1d:
    case LayerKind::AveragePooling1d: return true;
    default: return false;
  }
}

std::unique_ptr<Layer> build(const Config& c, const Shape& input) {
  std::unique_ptr<Layer> l = makeLayer(c);
  Shape out = l->computeOutputShape({input});
  l->setShapes({input}, std::move(out));
  return l;
}

}  // namespace

LayerOp::LayerOp(const Config& config, const Shape& input, int64_t passFloats) : config_(config), passFloats_(passFloats) {
  if (!windowKind(config.code<LayerKind>("kind")))
    throw std::invalid_argument("only conv2d, conv1d, depthwiseConv2d and the max / average poolings run as ops");
  if (config.mentions("trainable")) throw std::invalid_argument("trainable is not an option of an op (the op computes the gradients asked for)");
  // At most 2^31 values per sample in and out, as a graph's inputs (the product checked before it can overflow).
  constexpr int64_t kMaxSample = int64_t{1} << 31;
  const auto checkedSize = [](const Shape& s, const char* what) {
    int64_t n = 1;
    for (int64_t d : s) {
      if (d <= 0 || d > kMaxSample || n > kMaxSample / d)
        throw std::invalid_argument(std::string(what) + " " + showShape(s) + " must hold 1 to 2^31 values per sample");
      n *= d;
    }
    return n;
  };
  inSize_ = checkedSize(input, "the input shape");
  layer_ = build(config, input);
  outSize_ = checkedSize(layer_->outputShape(), "the output shape");
  for (const WeightDecl& d : layer_->weights()) {
    if (!d.trainable) throw std::invalid_argument("an op's weights are all trainable");
    slots_.push_back(WeightSlot{0, d.name, true, weightSize_, d.shape});
    weightSize_ += elementsOf(d.shape);
  }
  perSample_ = 2 * outSize_;  // backward's output and its copy of dy
  for (int64_t s : layer_->scratchSizes(1)) perSample_ += s;
}

int64_t LayerOp::passOf(int64_t n) const {
  return std::clamp<int64_t>(passFloats_ / std::max<int64_t>(perSample_, 1), 1, std::max<int64_t>(n, 1));
}

void LayerOp::prepare(int64_t pass, bool training) {
  const bool outputs = training && out_.size() < static_cast<size_t>(pass * outSize_);
  if (sized_ >= pass && !outputs) return;
  const int64_t batch = std::max(sized_, pass);
  int64_t floats = training || !out_.empty() ? 2 * batch * outSize_ : 0;
  for (int64_t s : layer_->scratchSizes(batch)) floats += s;
  requireMemoryFor(floats * static_cast<int64_t>(sizeof(float)), [batch] { return "the op's scratch for " + std::to_string(batch) + " samples"; });
  scratch_.clear();
  scratchPtr_.clear();
  for (int64_t s : layer_->scratchSizes(batch)) scratch_.emplace_back(static_cast<size_t>(s));
  for (auto& s : scratch_) scratchPtr_.push_back(s.data());
  if (training || !out_.empty()) {
    out_.resize(static_cast<size_t>(batch * outSize_));
    dOut_.resize(static_cast<size_t>(batch * outSize_));
  }
  sized_ = batch;
  kept_ = floats;
}

Layer& LayerOp::frozen() {
  if (!frozen_) {
    Config c = config_;
    c.setBool("trainable", false);
    frozen_ = build(c, layer_->inputShapes()[0]);
  }
  return *frozen_;
}

NodeWeights LayerOp::weightsOf(const float* weights, float* grads) const {
  NodeWeights w;
  w.slots = slots_.data();
  w.params = weights;
  w.grads = grads;
  return w;
}

void LayerOp::forward(const float* x, int64_t n, const float* weights, float* out) {
  if (n <= 0) return;
  const int64_t pass = passOf(n);
  prepare(pass, false);
  InlineThreads threads(layer_->usefulThreads(pass));
  const NodeWeights w = weightsOf(weights, nullptr);
  for (int64_t s = 0; s < n; s += pass) {
    const int64_t m = std::min(pass, n - s);
    const float* in = x + s * inSize_;
    ForwardIo io{m, &in, out + s * outSize_, scratchPtr_.data(), false};
    layer_->forward(io, w);
  }
}

void LayerOp::backward(const float* x, int64_t n, const float* weights, const float* dy, float* dx, float* dWeights) {
  if (weightSize_ == 0) dWeights = nullptr;
  if (dWeights && n <= 0) std::fill(dWeights, dWeights + weightSize_, 0.f);
  if (n <= 0 || (!dx && !dWeights)) return;
  Layer& layer = dWeights ? *layer_ : frozen();
  const int64_t pass = passOf(n);
  prepare(pass, true);
  // Passes after the first write their weight gradients here, then add them up.
  if (dWeights && pass < n && gradSum_.size() != static_cast<size_t>(weightSize_)) gradSum_.resize(static_cast<size_t>(weightSize_));
  InlineThreads threads(layer.usefulThreads(pass));
  for (int64_t s = 0; s < n; s += pass) {
    const int64_t m = std::min(pass, n - s);
    const float* in = x + s * inSize_;
    ForwardIo fio{m, &in, out_.data(), scratchPtr_.data(), false};
    float* grads = s == 0 ? dWeights : gradSum_.data();
    const NodeWeights w = weightsOf(weights, dWeights ? grads : nullptr);
    layer.forwardTraining(fio, w, nullptr);
    std::memcpy(dOut_.data(), dy + s * outSize_, static_cast<size_t>(m * outSize_) * sizeof(float));
    float* dIn = dx ? dx + s * inSize_ : nullptr;
    BackwardIo bio{m, &in, out_.data(), dOut_.data(), &dIn, scratchPtr_.data(), false};
    layer.backward(bio, w);
    if (dWeights && s > 0)
      for (int64_t k = 0; k < weightSize_; ++k) dWeights[k] += gradSum_[k];
  }
}

}  // namespace tf
