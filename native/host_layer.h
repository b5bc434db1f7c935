// Layers whose arithmetic runs in the host language: a user's own layer
// class (tf.layers.Layer subclass with call()), computed by JavaScript's
// gradient tape. The graph executor treats such a node like any other (its
// weights live in the arenas, its gradients reach the fused optimizer step);
// its forward and backward ask the HostHooks in scope on the calling thread.
// Only synchronous calls on the JavaScript thread install hooks (HostScope),
// so a host node reached on a worker thread fails with a clear error rather
// than calling into JavaScript from the wrong thread.
#pragma once
#include <cstdint>
#include <vector>

#include "layer.h"

namespace tf {

// One forward pass of host node `hostId` over `batch` samples.
struct HostForward {
  int32_t hostId;
  bool training;
  int64_t batch;
  const std::vector<Shape>* inShapes;  // per input, per sample
  const float* const* in;              // per input, [batch, inShapes[k]]
  const Shape* outShape;
  float* out;                          // [batch, outShape] to fill
  size_t weightCount;
  const WeightSlot* slots;             // the node's weights (value(k))
  const NodeWeights* weights;
};

// The backward pass of the last training forward of host node `hostId`.
struct HostBackward {
  int32_t hostId;
  int64_t batch;
  const std::vector<Shape>* inShapes;
  const Shape* outShape;
  const float* dOut;                   // [batch, outShape]
  float* const* dIn;                   // per input: to overwrite, or null where none is needed
  size_t weightCount;
  const WeightSlot* slots;
  const NodeWeights* weights;          // grad(k) for trainable slots (to overwrite)
};

class HostHooks {
 public:
  virtual ~HostHooks() = default;
  virtual void forward(const HostForward& call) = 0;
  virtual void backward(const HostBackward& call) = 0;
};

// Installs hooks for the calling thread while in scope (nesting restores the outer ones).
class HostScope {
 public:
  explicit HostScope(HostHooks* hooks);
  ~HostScope();
  HostScope(const HostScope&) = delete;
  HostScope& operator=(const HostScope&) = delete;
  // The hooks in scope on this thread, or null.
  static HostHooks* current();

 private:
  HostHooks* saved_;
};

}  // namespace tf
