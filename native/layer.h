// The interface every layer kind implements (one file per kind in layers/,
// listed once in layers/registry.h). A layer is a node of the graph executor
// (graph.h): it says what it outputs for given inputs and which weights it
// needs, and computes forward (inference or training) and backward on raw
// buffers the executor owns. Tensors are N-D, batch first, channels last; a
// Shape is one sample's dimensions (the batch axis is implicit).
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "activations.h"
#include "config.h"
#include "random.h"

namespace tf {

using Shape = std::vector<int64_t>;
int64_t elementsOf(const Shape& s);
std::string showShape(const Shape& s);
// A layer's per-sample shape option (reshape's and outputPart's
// `targetShape`): a non-empty array of positive integers, or
// std::invalid_argument naming `layer` and `key`.
Shape shapeOption(const Config& c, const char* layer, const char* key);

// One weight a layer asks for, in Keras order (kernel, bias / gamma, beta,
// moving_mean, moving_variance). Initializers run in TypeScript; `fill` is
// the value the arena holds until then (Keras's gamma = 1, moving_variance = 1).
struct WeightDecl {
  std::string name;
  Shape shape;
  bool trainable;  // trainable -> parameter arena (with gradients, optimizer slots), else state arena
  float fill = 0.f;
};

// Where one weight lives.
struct WeightSlot {
  int32_t layer;  // the node that owns it (nodes sharing it name this one)
  std::string name;
  bool trainable;
  int64_t offset;  // into the parameter or the state arena (and, if trainable, the gradient arena)
  Shape shape;
  int64_t size() const { return elementsOf(shape); }
};

// One node's weights in one pass. Inference gets read-only views (grads and
// mutableState are null); training forward may update state (moving
// statistics); backward writes gradients: it overwrites them, and where a
// shared layer's second application runs, the executor points grads at a
// scratch (standing for the arena from offset gradOrigin) and adds it up.
struct NodeWeights {
  const WeightSlot* slots = nullptr;
  const float* params = nullptr;
  const float* state = nullptr;
  float* grads = nullptr;
  int64_t gradOrigin = 0;  // the gradient arena offset grads[0] stands for
  float* mutableState = nullptr;
  const float* value(int k) const { return (slots[k].trainable ? params : state) + slots[k].offset; }
  float* grad(int k) const { return grads + (slots[k].offset - gradOrigin); }
  float* stateValue(int k) const { return mutableState + slots[k].offset; }
};

// A mask (Keras's): one byte per position of a tensor, its dimensions but
// the last ([batch, time] for sequences [batch, time, features]); 0 marks a
// position to skip (padding), 1 one to use.
using MaskByte = uint8_t;

// What a layer's output mask is (Keras's compute_mask), decided once at build.
enum class MaskFlow {
  None,  // no mask: Keras 3 drops a mask at a layer that does not support masking
  Pass,  // input 0's mask, unchanged (its output has input 0's positions)
  Own,   // the layer writes ForwardIo::outMask in every forward
};

// One node's buffers in a forward pass over `batch` samples.
struct ForwardIo {
  int64_t batch;
  const float* const* in;  // one per input edge, [batch, inputShape(k)]
  float* out;              // [batch, outputShape()]
  float* const* scratch;   // the buffers scratchSizes() asked for
  bool logits;             // the output node of a fused loss: leave out the softmax / sigmoid
  // Per input edge: the mask its producer's output carries, or null (the
  // array itself is null where the executor passes none).
  const MaskByte* const* inMask = nullptr;
  MaskByte* outMask = nullptr;  // [batch, positions of the output] when outputMask() is Own
  const MaskByte* mask(size_t k = 0) const { return inMask ? inMask[k] : nullptr; }
};

// The float counts of a layer's scratch buffers: a fixed-capacity list, so
// asking for them (every predict sizes its workspace) allocates nothing.
class ScratchSizes {
 public:
  static constexpr int kCapacity = 12;
  ScratchSizes() = default;
  ScratchSizes(std::initializer_list<int64_t> sizes);
  // This list with one more size (std::logic_error beyond the capacity).
  ScratchSizes with(int64_t size) const;
  const int64_t* begin() const { return sizes_.data(); }
  const int64_t* end() const { return sizes_.data() + count_; }
  int size() const { return count_; }

 private:
  std::array<int64_t, kCapacity> sizes_{};
  int count_ = 0;
};

struct BackwardIo {
  int64_t batch;
  const float* const* in;
  const float* out;
  float* dOut;           // dLoss/d(out); the layer may overwrite it
  float* const* dIn;     // one per input edge, to overwrite; null where no gradient is needed
  float* const* scratch;
  bool logits;
  const MaskByte* const* inMask = nullptr;  // as in the forward pass that preceded
  const MaskByte* mask(size_t k = 0) const { return inMask ? inMask[k] : nullptr; }
};

class Layer {
 public:
  virtual ~Layer() = default;

  // Build time (the executor calls these once, in this order).
  // Per-sample output shape for these input shapes; throws std::invalid_argument.
  virtual Shape computeOutputShape(const std::vector<Shape>& in) const = 0;
  virtual std::vector<WeightDecl> weights() const { return {}; }
  // Float counts of the per-batch buffers forward leaves for backward.
  virtual ScratchSizes scratchSizes(int64_t batch) const { return {}; }

  // Whether the output carries a mask, given which inputs carry one (Keras's
  // compute_mask). The default drops masks, as Keras 3 does at a layer that
  // does not support masking; layers that keep positions (dense,
  // activation, dropout, ...) pass input 0's on; masking and embedding
  // (maskZero) make their own. A layer that consumes masks reads
  // ForwardIo::mask(k) at run time.
  virtual MaskFlow outputMask(const std::vector<bool>& inputMasked) const { return MaskFlow::None; }
  // The positions the output's mask covers: the output's dimensions but the
  // last. A layer whose output packs several tensors (a recurrent layer with
  // returnState: the sequence, then its final states) names its first
  // tensor's, so the mask passes through the packing to that tensor's part.
  virtual Shape outputMaskPositions() const { return out_.empty() ? Shape{} : Shape(out_.begin(), out_.end() - 1); }

  // The activation a fused softmax / sigmoid cross-entropy may defer (Linear: none).
  virtual Activation outputActivation() const { return Activation::Linear; }
  // Threads worth giving this layer's arithmetic for `batch` samples (the
  // job's thread policy takes the maximum over the graph).
  virtual int usefulThreads(int64_t batch) const { return 1; }
  // Whether a training step may run this layer over shares of a batch's
  // rows at once, on separate threads, each with its own workspace and
  // gradient arena, the shares' gradients then summed (trainer.h): true for
  // a layer that treats samples independently in training (no batch
  // statistics, no state updated, no generator or buffer of its own) and
  // computes in native code only. The default refuses.
  virtual bool splitsByRows() const { return false; }
  // Kernel regularization penalty; adds its gradient when `grads` is set.
  virtual double regularization(const NodeWeights& w, bool withGradients) const { return 0; }

  // Inference: reads weights only, so concurrent calls with separate buffers are safe.
  virtual void forward(const ForwardIo& io, const NodeWeights& w) const = 0;
  // Training: batch statistics, dropout; may update state and the layer's own generator.
  virtual void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) { forward(io, w); }
  virtual void backward(const BackwardIo& io, const NodeWeights& w) const = 0;

  // Set by the executor after computeOutputShape succeeded.
  void setShapes(std::vector<Shape> in, Shape out) {
    in_ = std::move(in);
    out_ = std::move(out);
  }
  const std::vector<Shape>& inputShapes() const { return in_; }
  const Shape& outputShape() const { return out_; }

 protected:
  // Rows and features of input k seen as a matrix over its last axis.
  int64_t rows(int64_t batch, size_t k = 0) const { return batch * (elementsOf(in_[k]) / features(k)); }
  int64_t features(size_t k = 0) const { return in_[k].empty() ? 1 : in_[k].back(); }
  int64_t inSize(int64_t batch, size_t k = 0) const { return batch * elementsOf(in_[k]); }
  int64_t outSize(int64_t batch) const { return batch * elementsOf(out_); }

 private:
  std::vector<Shape> in_;
  Shape out_;
};

}  // namespace tf
