// Keras's kernel regularizer, shared by the layers that have one (Dense, the
// convolutions): l1 * sum|w| + l2 * sum w^2 over weight slot 0, the kernel,
// and with `withGradients` its gradient l1 * sign(w) + 2 * l2 * w added to
// the kernel's gradient. Regularizers count for trainable weights only.
// A layer with a second kernel (separableConv2d's pointwise one) names its slot.
#pragma once
#include <cmath>
#include <cstdint>

#include "../layer.h"

namespace tf {

inline double kernelRegularization(float l1, float l2, bool trainable, const NodeWeights& w, bool withGradients, int slot = 0) {
  if ((l1 == 0.f && l2 == 0.f) || !trainable) return 0;
  const int64_t size = w.slots[slot].size();
  const float* v = w.value(slot);
  float* g = withGradients ? w.grad(slot) : nullptr;
  double a1 = 0, a2 = 0;
  for (int64_t k = 0; k < size; ++k) {
    a1 += std::fabs(v[k]);
    a2 += static_cast<double>(v[k]) * v[k];
    if (g) g[k] += l1 * static_cast<float>((v[k] > 0) - (v[k] < 0)) + 2.f * l2 * v[k];
  }
  return l1 * a1 + l2 * a2;
}

}  // namespace tf
