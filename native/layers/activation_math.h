// Activation over a [rows, cols] matrix for the layers that fuse one
// (Dense, Activation): softmax is row-wise, the rest elementwise.
#pragma once
#include "../activations.h"
#include "../config.h"

namespace tf {

// Whether backward needs the activation's input as well as its output.
inline bool activationKeepsInput(Activation a) {
  return a != Activation::Linear && a != Activation::Sigmoid && a != Activation::Tanh && a != Activation::Softmax;
}
inline void applyActivation(Activation a, float p, const float* x, float* y, int64_t rows, int64_t cols) {
  if (a == Activation::Softmax) softmaxRows(x, y, rows, cols);
  else activationForward(a, p, x, y, rows * cols);
}
inline void applyActivationGrad(Activation a, float p, const float* x, const float* y, const float* dy, float* dx,
                                int64_t rows, int64_t cols) {
  if (a == Activation::Softmax) softmaxBackwardRows(y, dy, dx, rows, cols);
  else activationBackward(a, p, x, y, dy, dx, rows * cols);
}
// The activation option of Dense and Activation: linear when not given.
inline Activation activationOption(const Config& c) {
  return c.mentions("activation") ? c.code<Activation>("activation") : Activation::Linear;
}

}  // namespace tf
