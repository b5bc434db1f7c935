// Fused optimizer steps: one pass over the whole parameter arena per step,
// with Keras 3's update rules, defaults and epsilon placement. Bias
// corrections and schedules are computed once per step, outside the loop.
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "config.h"
#include "enum_table.h"

namespace tf {

#define TF_OPTIMIZERS(X) \
  X(SGD, "sgd")            \
  X(Adam, "adam")          \
  X(AdamW, "adamw")        \
  X(RMSprop, "rmsprop")    \
  X(Adagrad, "adagrad")    \
  X(Adadelta, "adadelta")  \
  X(Adamax, "adamax")      \
  X(Nadam, "nadam")

TF_DEFINE_ENUM(OptimizerKind, TF_OPTIMIZERS)

#define TF_SCHEDULES(X)                    \
  X(Constant, "constant")                  \
  X(ExponentialDecay, "exponentialDecay")  \
  X(CosineDecay, "cosineDecay")            \
  X(PiecewiseConstant, "piecewiseConstant")

TF_DEFINE_ENUM(ScheduleKind, TF_SCHEDULES)

// Learning rate as a function of the step counter (Keras's LearningRateSchedule).
struct LearningRateSchedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double initial = 1e-3;
  double decaySteps = 1, decayRate = 1, alpha = 0;  // exponential / cosine
  bool staircase = false;
  double warmupTarget = NAN, warmupSteps = 0;        // cosine warm-up (Keras 3); NaN = none
  std::vector<double> boundaries, values;            // piecewise constant
  double at(int64_t step) const;
};

// An optimizer's settings. The update rule's own options carry no defaults
// here: optimizerConfigFrom requires every option the kind's row reads (the
// defaults live once, in TypeScript's src/optimizers/definitions.ts, which
// sends them all). The zeros below only keep a default-constructed config
// defined.
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Adam;
  LearningRateSchedule lr;
  double beta1 = 0, beta2 = 0, epsilon = 0;
  double momentum = 0, rho = 0;
  bool nesterov = false, amsgrad = false, centered = false;
  double initialAccumulator = 0;  // Adagrad
  double weightDecay = 0;         // decoupled decay, w -= lr * weightDecay * w
  double clipNorm = 0, clipValue = 0, globalClipNorm = 0;  // 0 = off
};

class Optimizer {
 public:
  Optimizer(OptimizerConfig cfg, int64_t size);

  // One update of params from grads (grads may be modified by clipping).
  // `segments` are the (offset, size) of each variable, for per-variable clipnorm.
  // Returns false when an updated parameter is Inf or NaN (checked inside the update loop).
  bool step(float* params, float* grads, int64_t n, const std::vector<std::pair<int64_t, int64_t>>& segments);

  int64_t iterations() const { return iterations_; }
  void setIterations(int64_t it) { iterations_ = it; }
  double currentLearningRate() const { return cfg_.lr.at(iterations_); }
  // Replaces the schedule with a constant (callbacks such as reduceLROnPlateau).
  void setLearningRate(double lr) {
    cfg_.lr = LearningRateSchedule{};
    cfg_.lr.initial = lr;
  }
  const OptimizerConfig& config() const { return cfg_; }

  // Slot buffers, in the order the kind's row in optimizers.cc gives, for
  // saving and restoring state.
  std::vector<std::vector<float>>& slots() { return slots_; }
  double nadamMomentumProduct() const { return uProduct_; }
  void setNadamMomentumProduct(double u) { uProduct_ = u; }
  // Restores a saved state: one (data, length) per slot, in slots() order.
  // Throws std::length_error when the count or a length differs, before
  // changing anything.
  void restore(int64_t iterations, double nadamMomentumProduct, const std::vector<std::pair<const float*, size_t>>& slots);

 private:
  OptimizerConfig cfg_;
  std::vector<std::vector<float>> slots_;
  int64_t iterations_ = 0;
  double uProduct_ = 1.0;  // Nadam's running product of momentum schedule values
};

// The optimizer a config describes: "kind", "schedule": {"kind", ...},
// "weightDecay", the options the kind's rule reads (all required, named as in
// TypeScript) and optionally "clipNorm" / "clipValue" / "globalClipNorm"
// (off when absent or 0); throws std::invalid_argument.
OptimizerConfig optimizerConfigFrom(const Config& c);

// How many slot arrays (each the parameter arena's size) an optimizer keeps.
int optimizerSlotCount(const OptimizerConfig& c);

}  // namespace tf
