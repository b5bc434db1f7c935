// Elementwise activation functions and their derivatives, shared by the op
// API and the training engine. Kernels work on raw pointers and sizes.
#pragma once
#include <cstdint>

#include "enum_table.h"

namespace tf {

// Names as TypeScript spells them (src/activations.ts).
#define TF_ACTIVATIONS(X)                                                     \
  X(Linear, "linear")                                                         \
  X(Relu, "relu")                                                             \
  X(Relu6, "relu6")                                                           \
  X(LeakyRelu, "leakyRelu")     /* alpha = param (Keras 0.3, tfjs 0.2) */     \
  X(Elu, "elu")                 /* alpha = param (default 1) */               \
  X(Selu, "selu")                                                             \
  X(Sigmoid, "sigmoid")                                                       \
  X(HardSigmoid, "hardSigmoid") /* Keras 3: relu6(x + 3) / 6 */               \
  X(Tanh, "tanh")                                                             \
  X(Softplus, "softplus")                                                     \
  X(Softsign, "softsign")                                                     \
  X(Gelu, "gelu")               /* exact: x * Phi(x) with erf */              \
  X(GeluTanh, "gelu_new")       /* tanh approximation */                      \
  X(Silu, "silu")               /* x * sigmoid(x), a.k.a. swish */            \
  X(Softmax, "softmax")         /* over the last axis */

TF_DEFINE_ENUM(Activation, TF_ACTIVATIONS)

// y = f(x) for n elements (in place allowed). Softmax needs rows/cols: use softmaxRows.
void activationForward(Activation a, float param, const float* x, float* y, int64_t n);

// dx = dy * f'(x), given x (the input) and y (the output f(x)); in place on dy allowed.
// Softmax is handled by softmaxBackwardRows.
void activationBackward(Activation a, float param, const float* x, const float* y, const float* dy,
                        float* dx, int64_t n);

// Row-wise stable softmax / log-softmax of a [rows, cols] matrix (in place allowed).
// softmaxRows: -inf entries get 0; a row whose maximum is +inf, or whose
// entries are all -inf, is NaN throughout.
void softmaxRows(const float* x, float* y, int64_t rows, int64_t cols);
void logSoftmaxRows(const float* x, float* y, int64_t rows, int64_t cols);
// dx_i = y_i * (dy_i - sum_j dy_j y_j), row by row.
void softmaxBackwardRows(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);
// Gradient of y = logSoftmax(x) row by row: dx = dy - exp(y) * sum(dy).
void logSoftmaxBackwardRows(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);

}  // namespace tf
