// A sequential stack of layers over [batch, features] matrices, with all
// trainable parameters in one flat arena (and gradients in a parallel one),
// so an optimizer step is a single pass over memory. See DESIGN.md.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "activations.h"
#include "random.h"

namespace tf {

enum class LayerKind : int32_t { Dense = 0, Activation = 1, Dropout = 2, BatchNorm = 3, LayerNorm = 4 };

struct LayerSpec {
  LayerKind kind = LayerKind::Dense;
  int64_t units = 0;                          // Dense: output features
  bool useBias = true;                        // Dense
  Activation activation = Activation::Linear; // Dense, Activation
  float activationParam = 0.f;                // leakyRelu/elu alpha
  float rate = 0.f;                           // Dropout
  int64_t seed = -1;                          // Dropout: own mask generator when >= 0
  float epsilon = 1e-3f;                      // BatchNorm, LayerNorm
  float momentum = 0.99f;                     // BatchNorm moving statistics
  bool center = true, scale = true;           // BatchNorm, LayerNorm (beta, gamma)
  float l1 = 0.f, l2 = 0.f;                   // Dense kernel regularizer
};

// Where one weight lives: Keras order per layer (kernel, bias / gamma, beta,
// moving_mean, moving_variance).
struct WeightSlot {
  int32_t layer;
  std::string name;
  bool trainable;  // trainable -> params arena, else state arena
  int64_t offset;
  int64_t rows, cols;  // cols = 0 for a vector
  int64_t size() const { return cols ? rows * cols : rows; }
};

// Per-layer buffers for one batch size, sized once and reused every step.
struct LayerBuffers {
  std::vector<float> pre;   // Dense pre-activation z (kept when the activation needs it)
  std::vector<float> out;   // layer output
  std::vector<float> aux;   // Dropout mask / normalization x-hat
  std::vector<float> mean, invStd;  // normalization statistics
};

struct Workspace {
  int64_t batch = 0;
  std::vector<LayerBuffers> layers;
  std::vector<float> grad[2];  // ping-pong dL/d(activation) buffers
};

class Network {
 public:
  // Validates the stack and lays out the arenas; throws std::invalid_argument.
  Network(std::vector<LayerSpec> specs, int64_t inputSize);

  int64_t inputSize() const { return inputSize_; }
  int64_t outputSize() const { return dims_.back(); }
  int64_t layerCount() const { return static_cast<int64_t>(specs_.size()); }
  const LayerSpec& spec(int64_t i) const { return specs_[i]; }
  int64_t layerInput(int64_t i) const { return dims_[i]; }
  int64_t layerOutput(int64_t i) const { return dims_[i + 1]; }
  const std::vector<WeightSlot>& slots() const { return slots_; }

  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  std::vector<float>& grads() { return grads_; }
  std::vector<float>& state() { return state_; }
  const std::vector<float>& state() const { return state_; }
  // Trainable segments (offset, size) for per-variable gradient clipping.
  std::vector<std::pair<int64_t, int64_t>> trainableSegments() const;

  void prepare(Workspace& ws, int64_t batch) const;
  // Bytes prepare() allocates for `batch` rows, plus one batch of input rows
  // and targets (see the NOTE in network.cc); -1 if the count overflows.
  // Checked against the memory limit first.
  int64_t workspaceBytes(int64_t batch) const;
  // Bytes of the weight arenas with gradients and the largest optimizer state
  // (3 slots per trainable weight: AMSGrad); -1 if the count overflows.
  static int64_t arenaBytes(int64_t trainable, int64_t state);

  // Runs the stack on x [batch, inputSize]. Training mode uses batch statistics
  // and dropout. When `skipLastActivation`, the last layer's softmax or sigmoid is
  // left out and its output holds logits (the loss fuses it with cross-entropy).
  // Returns the output buffer inside ws.
  const float* forward(const float* x, int64_t batch, bool training, bool skipLastActivation, Workspace& ws,
                       Rng* rng);

  // Training-mode forward updates BatchNorm moving statistics; callers that only
  // evaluate pass training = false. Backward takes dL/d(output) (or d/d(logits)
  // when the last activation was skipped) and fills grads(); overwrites dOut.
  void backward(const float* x, float* dOut, int64_t batch, bool skippedLastActivation, Workspace& ws);

  // Returns the kernel regularizers' penalty and, when `withGradients`, adds its
  // gradient to grads().
  double addRegularization(bool withGradients);

  // The activation of the last layer that is not a Dropout (what a fused loss sees).
  Activation outputActivation() const;

 private:
  std::vector<LayerSpec> specs_;
  std::vector<int64_t> dims_;
  int64_t inputSize_;
  std::vector<WeightSlot> slots_;
  std::vector<float> params_, grads_, state_;
  // Per layer: index of its first slot in slots_ (or -1).
  std::vector<int32_t> firstSlot_;
  int64_t lastActiveLayer_ = -1;
  // Dropout layers with their own seed (>= 0) draw masks from their own generator.
  std::vector<Rng> layerRng_;

  const WeightSlot& slot(int64_t layer, int k) const { return slots_[firstSlot_[layer] + k]; }
  // A BatchNorm/LayerNorm layer's gamma and beta within `arena` (params_ or
  // grads_, which share offsets); null when the layer has no scale / center.
  std::pair<float*, float*> normWeights(float* arena, int64_t layer) const {
    const LayerSpec& s = specs_[layer];
    int k = 0;
    float* gamma = s.scale ? arena + slot(layer, k++).offset : nullptr;
    float* beta = s.center ? arena + slot(layer, k).offset : nullptr;
    return {gamma, beta};
  }
};

}  // namespace tf
