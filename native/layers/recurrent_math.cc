#include "recurrent_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../simd.h"

// The gates' sigmoids and tanhs are most of a recurrent step after its GEMMs,
// and libm's scalar expf / tanhf made them slower than the GEMMs themselves:
// they use vector_exp.h, whose clamps are selects that GCC if-converts (and so
// vectorises) only when comparisons are assumed not to trap.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "../vector_exp.h"

// The gate loops get an AVX-512 clone besides simd.h's AVX2 one: they are
// elementwise over whole gate blocks, where zmm doubles the throughput.
#ifdef TF_HAS_SIMD_CLONES
#define TF_GATE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=haswell", "default")))
#else
#define TF_GATE_CLONES
#endif

namespace tf {

TF_GATE_CLONES void recurrentActivate(Activation a, float* y, int64_t n) {
  switch (a) {
    case Activation::Sigmoid:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + expVectorizable(-y[i]));
      break;
    case Activation::Tanh:
      // tanh x = 1 - 2 / (e^2x + 1): absolute error ~1e-7 near 0, exactly +-1 far out.
      TF_IVDEP for (int64_t i = 0; i < n; ++i) y[i] = 1.f - 2.f / (expVectorizable(2.f * y[i]) + 1.f);
      break;
    default: activationForward(a, 0.f, y, y, n); break;
  }
}

TF_GATE_CLONES void recurrentActivationGrad(Activation a, const float* y, const float* d, float* out, int64_t n) {
  switch (a) {
    case Activation::Sigmoid: TF_IVDEP for (int64_t i = 0; i < n; ++i) out[i] = d[i] * y[i] * (1.f - y[i]); break;
    case Activation::Tanh: TF_IVDEP for (int64_t i = 0; i < n; ++i) out[i] = d[i] * (1.f - y[i] * y[i]); break;
    // Keras 3: relu6(x + 3) / 6, slope 1/6 inside (0, 1).
    case Activation::HardSigmoid:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) out[i] = (y[i] > 0.f && y[i] < 1.f) ? d[i] * (1.f / 6.f) : 0.f;
      break;
    case Activation::Relu: TF_IVDEP for (int64_t i = 0; i < n; ++i) out[i] = y[i] > 0.f ? d[i] : 0.f; break;
    // y = x / (1 + |x|): dy/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2.
    case Activation::Softsign:
      TF_IVDEP for (int64_t i = 0; i < n; ++i) {
        const float s = 1.f - std::fabs(y[i]);
        out[i] = d[i] * s * s;
      }
      break;
    default:  // linear
      if (out != d) std::copy(d, d + n, out);
      break;
  }
}

RecurrentDropout::RecurrentDropout(const Config& c, const char* layer)
    : rate_(c.real("dropout", 0)), recRate_(c.real("recurrentDropout", 0)), seed_(c.integer("seed", -1, -1, int64_t{1} << 53)) {
  if (!(rate_ >= 0.f && rate_ < 1.f)) throw std::invalid_argument(std::string(layer) + ": dropout must be in [0, 1)");
  if (!(recRate_ >= 0.f && recRate_ < 1.f)) throw std::invalid_argument(std::string(layer) + ": recurrentDropout must be in [0, 1)");
  // A seeded layer draws its masks from its own generator, as the Dropout layer.
  if (seed_ >= 0) own_.reseed(static_cast<uint64_t>(seed_));
}

void RecurrentDropout::begin(Rng* rng, const float* x, int64_t batch, int64_t steps, int64_t features, int64_t units,
                             float* masks, float* xm) {
  Rng* r = seed_ >= 0 ? &own_ : rng;
  float* xMask = masks;
  float* hMask = masks + batch * features;
  auto draw = [r](float rate, float* m, int64_t n) {
    if (rate == 0.f || !r) return std::fill(m, m + n, 1.f);
    const float keep = 1.f / (1.f - rate);
    for (int64_t k = 0; k < n; ++k) m[k] = r->uniform() < rate ? 0.f : keep;
  };
  draw(rate_, xMask, batch * features);
  draw(recRate_, hMask, batch * units);
  if (!input()) return;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t) {
      const float* xr = x + (b * steps + t) * features;
      float* o = xm + (b * steps + t) * features;
      const float* m = xMask + b * features;
      for (int64_t f = 0; f < features; ++f) o[f] = xr[f] * m[f];
    }
}

}  // namespace tf

