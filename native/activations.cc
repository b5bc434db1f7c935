#include "activations.h"

#include <algorithm>
#include <cmath>

#include "simd.h"
#include "vector_exp.h"

namespace tf {

namespace {
constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

inline float sigmoid(float x) {
  // NOTE: split by sign so exp never overflows for large |x|.
  if (x >= 0) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
}
inline float softplus(float x) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact for large |x|.
  return std::max(x, 0.f) + std::log1p(std::exp(-std::fabs(x)));
}
}  // namespace

TF_SIMD_CLONES void activationForward(Activation a, float p, const float* x, float* y, int64_t n) {
  switch (a) {
    case Activation::Linear: if (x != y) std::copy(x, x + n, y); break;
    case Activation::Relu: TF_IVDEP for (int64_t i = 0; i < n; ++i) y[i] = std::max(x[i], 0.f); break;
    case Activation::Relu6: TF_IVDEP for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], 0.f), 6.f); break;
    case Activation::LeakyRelu:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v > 0.f ? v : p * v;
      }
      break;
    case Activation::Elu: for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? x[i] : p * std::expm1(x[i]); break;
    case Activation::Selu:
      for (int64_t i = 0; i < n; ++i) y[i] = kSeluScale * (x[i] > 0.f ? x[i] : kSeluAlpha * std::expm1(x[i]));
      break;
    case Activation::Sigmoid: for (int64_t i = 0; i < n; ++i) y[i] = sigmoid(x[i]); break;
    case Activation::HardSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i] + 3.f, 0.f), 6.f) / 6.f;
      break;
    case Activation::Tanh: for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]); break;
    case Activation::Softplus: for (int64_t i = 0; i < n; ++i) y[i] = softplus(x[i]); break;
    case Activation::Softsign: for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.f + std::fabs(x[i])); break;
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * kInvSqrt2));
      break;
    case Activation::GeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
      }
      break;
    case Activation::Silu: for (int64_t i = 0; i < n; ++i) y[i] = x[i] * sigmoid(x[i]); break;
    case Activation::Softmax:
    case Activation::Count: softmaxRows(x, y, 1, n); break;
  }
}

TF_SIMD_CLONES void activationBackward(Activation a, float p, const float* x, const float* y, const float* dy, float* dx,
                                      int64_t n) {
  // NOTE: the piecewise cases load dy[i] unconditionally and then select, so
  // the loops compile to vector blends; a conditional load (`x > 0 ? dy[i] : 0`)
  // stays a scalar branch that mispredicts on every other element. TF_IVDEP:
  // dx may be dy itself (in place), never a shifted view of it.
  switch (a) {
    case Activation::Linear: if (dy != dx) std::copy(dy, dy + n, dx); break;
    case Activation::Relu:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] = x[i] > 0.f ? g : 0.f;
      }
      break;
    case Activation::Relu6:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i], v = x[i];
        dx[i] = (v > 0.f && v < 6.f) ? g : 0.f;
      }
      break;
    case Activation::LeakyRelu:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] = x[i] > 0.f ? g : p * g;
      }
      break;
    case Activation::Elu:
      // f'(x) = f(x) + alpha for x <= 0
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] = x[i] > 0.f ? g : g * (y[i] + p);
      }
      break;
    case Activation::Selu:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] = x[i] > 0.f ? kSeluScale * g : g * (y[i] + kSeluScale * kSeluAlpha);
      }
      break;
    case Activation::Sigmoid: TF_IVDEP for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]); break;
    case Activation::HardSigmoid:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i], v = x[i];
        dx[i] = (v > -3.f && v < 3.f) ? g / 6.f : 0.f;
      }
      break;
    case Activation::Tanh: TF_IVDEP for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]); break;
    case Activation::Softplus: for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * sigmoid(x[i]); break;
    case Activation::Softsign:
      for (int64_t i = 0; i < n; ++i) {
        const float d = 1.f + std::fabs(x[i]);
        dx[i] = dy[i] / (d * d);
      }
      break;
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float cdf = 0.5f * (1.f + std::erf(v * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
      }
      break;
    case Activation::GeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        // Beyond |x| = 10 the derivative is 1 or 0 to float precision; v^3 would overflow.
        if (std::fabs(v) > 10.f) {
          dx[i] = v > 0.f ? dy[i] : 0.f;
          continue;
        }
        const float u = kSqrt2OverPi * (v + 0.044715f * v * v * v);
        const float t = std::tanh(u);
        const float du = kSqrt2OverPi * (1.f + 3.f * 0.044715f * v * v);
        dx[i] = dy[i] * (0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * du);
      }
      break;
    case Activation::Silu:
      for (int64_t i = 0; i < n; ++i) {
        const float s = sigmoid(x[i]);
        dx[i] = dy[i] * s * (1.f + x[i] * (1.f - s));
      }
      break;
    case Activation::Softmax:
    case Activation::Count: softmaxBackwardRows(y, dy, dx, 1, n); break;
  }
}

void softmaxRows(const float* x, float* y, int64_t rows, int64_t cols) {
  // Three passes, so that exp runs as one vectorised loop over all rows
  // (vector_exp.h) rather than a libm call per element.
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = -INFINITY;
    for (int64_t c = 0; c < cols; ++c) m = std::max(m, xr[c]);
    // A row whose maximum is +inf or whose entries are all -inf has no
    // defined softmax: NaN, as x - max gives in TensorFlow.js.
    const float shift = std::isfinite(m) ? m : NAN;
    for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] - shift;
  }
  expInPlace(y, rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * cols;
    float sum = 0.f;
    for (int64_t c = 0; c < cols; ++c) sum += yr[c];
    const float inv = 1.f / sum;
    for (int64_t c = 0; c < cols; ++c) yr[c] *= inv;
  }
}

void logSoftmaxRows(const float* x, float* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = -INFINITY;
    for (int64_t c = 0; c < cols; ++c) m = std::max(m, xr[c]);
    if (!std::isfinite(m)) m = 0.f;
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += std::exp(static_cast<double>(xr[c] - m));
    const float lse = m + static_cast<float>(std::log(sum));
    for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] - lse;
  }
}

void softmaxBackwardRows(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    float dot = 0.f;
    for (int64_t c = 0; c < cols; ++c) dot += gr[c] * yr[c];
    for (int64_t c = 0; c < cols; ++c) dr[c] = yr[c] * (gr[c] - dot);
  }
}

void logSoftmaxBackwardRows(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += gr[c];
    const float s = static_cast<float>(sum);
    for (int64_t c = 0; c < cols; ++c) dr[c] = gr[c] - std::exp(yr[c]) * s;
  }
}

}  // namespace tf
