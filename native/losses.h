// Losses with Keras semantics ("sum over batch size" reduction) and their
// gradients with respect to the network output. Softmax + cross-entropy and
// sigmoid + binary cross-entropy are fused: the loss reads logits, computes
// log-sum-exp, and its gradient is (p - y) / N.
#pragma once
#include <cstdint>

#include "activations.h"
#include "config.h"
#include "enum_table.h"

namespace tf {

#define TF_LOSSES(X)                                        \
  X(SparseCategoricalCrossentropy, "sparseCategoricalCrossentropy") \
  X(CategoricalCrossentropy, "categoricalCrossentropy")     \
  X(BinaryCrossentropy, "binaryCrossentropy")               \
  X(MeanSquaredError, "meanSquaredError")                   \
  X(MeanAbsoluteError, "meanAbsoluteError")                 \
  X(Huber, "huber")

TF_DEFINE_ENUM(LossKind, TF_LOSSES)

struct LossConfig {
  LossKind kind = LossKind::MeanSquaredError;
  bool fromLogits = false;
  float huberDelta = 1.f;
};

// Whether the loss takes logits from a network whose output activation is `outAct`
// (the network then skips that activation in training).
bool lossFusesActivation(const LossConfig& cfg, Activation outAct);

struct LossBatch {
  const float* out;        // network output [batch, dim]: logits when `logits`
  bool logits;             // out holds logits (fused or fromLogits)
  const int32_t* labels;   // sparse labels [batch] (SparseCategoricalCrossentropy)
  const float* targets;    // dense targets [batch, dim] (every other loss)
  const float* weights;    // per-sample weights [batch] or nullptr
  int64_t batch, dim;
  int64_t normalizer;      // divide by this (Keras: the batch size)
};

// Returns the sum over the batch of weighted per-sample losses divided by
// `normalizer`; when grad != nullptr writes dLoss/d(out) there.
double lossForwardBackward(const LossConfig& cfg, const LossBatch& b, float* grad);

// "kind", "fromLogits", "delta" (Huber); throws std::invalid_argument.
LossConfig lossConfigFrom(const Config& c);

}  // namespace tf
