// The output pass of the GEMM layers that keep their pre-activation z
// (conv2dTranspose, separableConv2d) over a [rows, F] output: the bias and the
// fused activation forward, the activation's gradient and the bias gradient
// backward. A fused loss (logits) defers the activation.
#pragma once
#include <algorithm>
#include <cstdint>

#include "activation_math.h"

namespace tf {

// The buffer z lives in: a scratch when the activation's gradient needs it, else the output itself.
inline float* preActivation(Activation a, float* scratch, float* out) { return activationKeepsInput(a) ? scratch : out; }
inline const float* preActivation(Activation a, const float* scratch, const float* out) { return activationKeepsInput(a) ? scratch : out; }

// z += bias (may be null) per row; out = act(z), or z itself (copied unless z is out) when linear or logits.
inline void biasActivationForward(Activation a, float p, bool logits, const float* bias, float* z, float* out, int64_t rows, int64_t F) {
  if (bias)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t f = 0; f < F; ++f) z[r * F + f] += bias[f];
  if (a != Activation::Linear && !logits) applyActivation(a, p, z, out, rows, F);
  else if (z != out) std::copy(z, z + rows * F, out);
}

// dz = dz * act'(z) in place (unless linear or logits); db (may be null) overwritten with the column sums of dz.
inline void biasActivationBackward(Activation a, float p, bool logits, const float* z, const float* out, float* dz, float* db, int64_t rows,
                                   int64_t F) {
  if (a != Activation::Linear && !logits) applyActivationGrad(a, p, z, out, dz, dz, rows, F);
  if (!db) return;
  std::fill(db, db + F, 0.f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t f = 0; f < F; ++f) db[f] += dz[r * F + f];
}

}  // namespace tf
