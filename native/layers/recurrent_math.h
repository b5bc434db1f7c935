// What the recurrent layers (lstm.cc, gru.cc, simple_rnn.cc) share: their
// gate activations applied in place over a block of one step, the
// derivatives taken from the activations' outputs (so backward through time
// keeps only the activated gates), and the options every one reads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../activations.h"
#include "../config.h"
#include "../layer.h"
#include "../random.h"

namespace tf {

// The activations a recurrent layer accepts: those whose derivative is a
// function of their output (Keras's recurrent layers default to tanh and
// sigmoid; the others are the ones users pick in practice).
inline bool recurrentActivationSupported(Activation a) {
  return a == Activation::Tanh || a == Activation::Sigmoid || a == Activation::HardSigmoid || a == Activation::Relu ||
         a == Activation::Linear || a == Activation::Softsign;
}

inline Activation recurrentActivationOption(const Config& c, const char* layer, const char* key, Activation def) {
  const Activation a = c.mentions(key) ? c.code<Activation>(key) : def;
  if (!recurrentActivationSupported(a))
    throw std::invalid_argument(std::string(layer) + ": " + key + " '" + enumNames(Activation{})[static_cast<int>(a)] +
                                "' is not supported (tanh, sigmoid, hardSigmoid, relu, linear, softsign)");
  return a;
}

// y = f(y) in place over n values.
void recurrentActivate(Activation a, float* y, int64_t n);
// out = d * f'(x), with f'(x) written in terms of y = f(x); out may be y or d.
void recurrentActivationGrad(Activation a, const float* y, const float* d, float* out, int64_t n);

// Checks a recurrent layer's input ([time, features] per sample) and units,
// and the initial state that may follow it (Keras's initial_state: `states`
// tensors [units] per sample: h, and c for the LSTM).
inline void checkRecurrentInput(const char* layer, const std::vector<Shape>& in, int64_t units, size_t states = 1) {
  if (in.size() != 1 && in.size() != 1 + states)
    throw std::invalid_argument(std::string(layer) + " takes a sequence, then optionally its initial state (" + std::to_string(states) +
                                (states == 1 ? " tensor)" : " tensors)"));
  for (size_t k = 1; k < in.size(); ++k)
    if (in[k] != Shape{units})
      throw std::invalid_argument(std::string(layer) + ": initial state " + std::to_string(k - 1) + " has shape " + showShape(in[k]) +
                                  ", the layer's state has shape " + showShape(Shape{units}));
  if (in[0].size() != 2)
    throw std::invalid_argument(std::string(layer) + " takes a sequence [time, features] per sample, got " + showShape(in[0]));
  if (in[0][0] < 1 || in[0][1] < 1) throw std::invalid_argument(std::string(layer) + ": empty sequence " + showShape(in[0]));
  if (units <= 0 || units > (int64_t{1} << 20)) throw std::invalid_argument(std::string(layer) + ": units must be in [1, 2^20]");
  if (in[0][0] > (int64_t{1} << 31) / (4 * units) || in[0][1] > (int64_t{1} << 31) / (4 * units))
    throw std::invalid_argument(std::string(layer) + ": the sequence or its kernel is too large");
}

// Where a recurrent layer writes (and backward reads the gradients of) its
// output. With Keras's returnState the output packs, per sample, the output
// tensor (the sequence [time, units] or the last step [units]) and then the
// final state tensors, [units] each (h; the LSTM's h then c): one flat
// [output + states * units] per sample, which the graph's output-part nodes
// (layers/output_part.cc) cut into the tensors the functional API returns.
// The final state is the state after the last step read, so under a mask
// it is each sample's state at its last kept step (Keras's), and backward
// starts the recurrence's dh (dc) from the states' gradients.
struct RecurrentOutput {
  int64_t steps = 0, units = 0;
  int states = 0;  // 0 without returnState
  bool sequences = false;

  int64_t outputFloats() const { return (sequences ? steps : 1) * units; }
  int64_t stride() const { return outputFloats() + states * units; }
  Shape shape() const {
    if (states > 0) return {stride()};
    return sequences ? Shape{steps, units} : Shape{units};
  }
  // The output's mask positions: the sequence's time axis (also when packed).
  Shape maskPositions() const { return sequences ? Shape{steps} : Shape{}; }
  // Sample b's output row for reading step s (the one row without sequences).
  template <typename P>
  P* row(P* out, int64_t b, int64_t s) const { return out + b * stride() + (sequences ? s * units : 0); }
  // Sample b's final state k.
  template <typename P>
  P* state(P* out, int64_t b, int k) const { return out + b * stride() + outputFloats() + k * units; }
};

// Keras's dropout and recurrentDropout of a recurrent layer (Gal &
// Ghahramani 2016): in training, one inverted-dropout mask over each
// sample's input features and one over its state, drawn once per pass and
// shared by every step and every gate; the state is masked only where it
// enters the recurrent products. Inference uses no masks.
class RecurrentDropout {
 public:
  RecurrentDropout(const Config& c, const char* layer);
  bool input() const { return rate_ > 0.f; }
  bool state() const { return recRate_ > 0.f; }
  bool any() const { return input() || state(); }
  // Scratch of the masked inputs [batch, time, features] and of the masks [batch, features + units].
  int64_t maskedInputSize(int64_t batch, int64_t steps, int64_t features) const { return input() ? batch * steps * features : 0; }
  int64_t masksSize(int64_t batch, int64_t features, int64_t units) const { return any() ? batch * (features + units) : 0; }
  // Training: draws the masks (the input mask [batch, features], row by row,
  // then the state mask [batch, units]; ones where a rate is 0 or no
  // generator reaches the layer) and writes x * mask to xm when input().
  void begin(Rng* rng, const float* x, int64_t batch, int64_t steps, int64_t features, int64_t units, float* masks, float* xm);

 private:
  float rate_, recRate_;
  int64_t seed_;
  Rng own_;
};

// dx[b, t, :] *= xMask[b, :]: the input gradient through the input dropout.
inline void maskInputGradient(float* dx, const float* xMask, int64_t batch, int64_t steps, int64_t features) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t f = 0; f < features; ++f) dx[(b * steps + t) * features + f] *= xMask[b * features + f];
}

// Keras's masked recurrence (its backend rnn with a mask [batch, time]): at a
// step a sample's mask marks 0, its state is carried over unchanged and its
// output is the previous output (zeros with zeroOutputForMask, which
// Bidirectional sets with returnSequences). Backward: that step's gates get
// no gradient and the state's gradient passes through unchanged, so the
// layers keep a masked sample's dh apart while the recurrent product
// overwrites the others'.
inline bool maskedStep(const MaskByte* mask, int64_t b, int64_t steps, int64_t t) { return mask && mask[b * steps + t] == 0; }

// Per sample, the first step (in reading order) its mask keeps, or `steps`
// if none: a masked step before it outputs zeros, as Keras's previous output
// starts at zero whatever the initial state.
inline void firstKeptSteps(const MaskByte* mask, int64_t batch, int64_t steps, bool backwards, float* first) {
  for (int64_t b = 0; b < batch; ++b) {
    int64_t s = 0;
    while (s < steps && mask[b * steps + (backwards ? steps - 1 - s : s)] == 0) ++s;
    first[b] = static_cast<float>(s);
  }
}

// carry[b] = dh[b] for the samples masked at step t.
inline void keepCarried(const MaskByte* mask, int64_t batch, int64_t steps, int64_t t, int64_t units, const float* dh, float* carry) {
  for (int64_t b = 0; b < batch; ++b)
    if (maskedStep(mask, b, steps, t)) std::copy(dh + b * units, dh + (b + 1) * units, carry + b * units);
}
// dh[b] = carry[b] for the samples masked at step t.
inline void restoreCarried(const MaskByte* mask, int64_t batch, int64_t steps, int64_t t, int64_t units, const float* carry, float* dh) {
  for (int64_t b = 0; b < batch; ++b)
    if (maskedStep(mask, b, steps, t)) std::copy(carry + b * units, carry + (b + 1) * units, dh + b * units);
}

}  // namespace tf
