#include "optimizers.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <cfloat>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cpu_features.h"
#include "gemm.h"
#include "gemm_avx512.h"
#include "simd.h"

#if defined(TF_ADAM_AVX512)
#include <immintrin.h>
#endif

namespace tf {

namespace {
// 1 when x is Inf or NaN (all exponent bits set); branch-free, so the kernels
// below still vectorise with it folded into their loop.
inline uint32_t nonFiniteBit(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
}

// Each update rule as a kernel on raw pointers, so the compiler vectorises it
// (restrict: the arrays never alias) and the AVX2 clone is picked at run time.
// Each returns whether every updated weight is finite, so the trainer needs no
// second pass over the arena to check.
TF_SIMD_CLONES bool sgdStepF32(float* __restrict w, const float* __restrict g, int64_t n, float lr) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    w[i] -= lr * g[i];
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool sgdMomentumStepF32(float* __restrict w, const float* __restrict g, float* __restrict v, int64_t n,
                                       float lr, float m, bool nesterov) {
  uint32_t bad = 0;
  if (nesterov) {
    for (int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += m * v[i] - lr * g[i];
      bad |= nonFiniteBit(w[i]);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += v[i];
      bad |= nonFiniteBit(w[i]);
    }
  }
  return bad == 0;
}
TF_SIMD_CLONES bool adamStepF32(float* __restrict w, const float* __restrict g, float* __restrict m,
                                float* __restrict v, int64_t n, float alpha, float omb1, float omb2, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * omb1;
    v[i] += (g[i] * g[i] - v[i]) * omb2;
    w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
#if defined(TF_ADAM_AVX512)
// The pass reads its four streams this far ahead of use. The CPU's own stream
// prefetchers stop at every 4 KiB page, so without it the pass waited on memory
// at each page of each stream: the large MLP's update (670k parameters, its
// moments cold after a training step) took 0.46-0.84 ms per step on the AMD
// EPYC (Zen 5) and 0.31-0.47 with 1 KiB of look-ahead (2 and 4 KiB: less gain).
constexpr int64_t kAdamLookAheadFloats = 256;

// Adam on AVX-512 without the divider. sqrt and div share one unit that takes
// ~12 cycles per 16 lanes each, which made them the whole cost of the step
// (~1.4 cycles per parameter). Here 1/sqrt(v) and 1/(sqrt(v) + eps) come from
// the 14-bit estimates (vrsqrt14, vrcp14) refined by one Newton step each
// (relative error ~1e-7, a few float32 ulp), all on the FMA ports.
// v is clamped to [FLT_MIN, FLT_MAX] so the estimates stay finite: sqrt(0)
// becomes 1e-19, nothing next to eps (the caller requires eps >= 1e-10), and an
// overflowed v gives a step of ~1e-19 * m instead of m / inf = 0.
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own
// placeholder operands (_mm512_undefined_ps); the warning is about them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) bool adamStepAvx512(float* __restrict w, const float* __restrict g,
                                                        float* __restrict m, float* __restrict v, int64_t n,
                                                        float alpha, float omb1, float omb2, float eps) {
  const __m512 o1 = _mm512_set1_ps(omb1), o2 = _mm512_set1_ps(omb2), a = _mm512_set1_ps(-alpha);
  const __m512 e = _mm512_set1_ps(eps), half = _mm512_set1_ps(0.5f), c15 = _mm512_set1_ps(1.5f);
  const __m512 two = _mm512_set1_ps(2.f), lo = _mm512_set1_ps(FLT_MIN), hi = _mm512_set1_ps(FLT_MAX);
  const __m512i expMask = _mm512_set1_epi32(0x7f800000);
  __mmask16 bad = 0;
  for (int64_t i = 0; i < n; i += 16) {
    if (n - i > kAdamLookAheadFloats) {
      const int64_t j = i + kAdamLookAheadFloats;
      _mm_prefetch(reinterpret_cast<const char*>(g + j), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(m + j), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(v + j), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(w + j), _MM_HINT_T0);
    }
    // The tail runs masked: lanes past n are neither read nor written.
    const __mmask16 k = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    const __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
    __m512 mi = _mm512_maskz_loadu_ps(k, m + i), vi = _mm512_maskz_loadu_ps(k, v + i);
    __m512 wi = _mm512_maskz_loadu_ps(k, w + i);
    mi = _mm512_fmadd_ps(_mm512_sub_ps(gi, mi), o1, mi);
    vi = _mm512_fmadd_ps(_mm512_fmsub_ps(gi, gi, vi), o2, vi);
    const __m512 vc = _mm512_min_ps(_mm512_max_ps(vi, lo), hi);
    __m512 r = _mm512_rsqrt14_ps(vc);  // r * (1.5 - 0.5 v r^2)
    r = _mm512_mul_ps(r, _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_mul_ps(half, vc), r), r, c15));
    const __m512 d = _mm512_fmadd_ps(vc, r, e);  // sqrt(v) + eps
    __m512 q = _mm512_rcp14_ps(d);               // q * (2 - d q)
    q = _mm512_mul_ps(q, _mm512_fnmadd_ps(d, q, two));
    wi = _mm512_fmadd_ps(_mm512_mul_ps(a, mi), q, wi);
    _mm512_mask_storeu_ps(m + i, k, mi);
    _mm512_mask_storeu_ps(v + i, k, vi);
    _mm512_mask_storeu_ps(w + i, k, wi);
    bad |= _mm512_mask_cmpeq_epi32_mask(k, _mm512_and_si512(_mm512_castps_si512(wi), expMask), expMask);
  }
  return bad == 0;
}
#pragma GCC diagnostic pop
#endif

// The Adam step on one thread: the AVX-512 kernel where the CPU has it and
// epsilon keeps its denominator away from 0, else the exact-division loop above.
bool adamStepSerial(float* w, const float* g, float* m, float* v, int64_t n, float alpha, float omb1, float omb2,
                    float eps) {
#if defined(TF_ADAM_AVX512)
  if (cpuHasAvx512F() && eps >= 1e-10f) return adamStepAvx512(w, g, m, v, n, alpha, omb1, omb2, eps);
#endif
  return adamStepF32(w, g, m, v, n, alpha, omb1, omb2, eps);
}

// Parameters from which the Adam step is split across the thread budget: the
// large MLP's 670k (a 19 MB pass over weights, gradients and both moments,
// bound by memory, ~14% of its training step's CPU time on one thread on the
// AMD EPYC); the seed model's 51k stay on one (its step did not gain from
// splitting, bench/RESULTS.md). Each element's update is independent, so the
// split changes no bit.
constexpr int64_t kSplitAdamFrom = int64_t{1} << 17;

struct AdamPart {
  float* w;
  const float* g;
  float *m, *v;
  int64_t n;
  float alpha, omb1, omb2, eps;
  int parts;
  bool ok[8];
};

void adamPart(void* ctx, int i) {
  AdamPart& a = *static_cast<AdamPart*>(ctx);
  // Ranges of whole 64-byte lines (16 floats), so no two threads write one line.
  const int64_t lines = (a.n + 15) / 16;
  const int64_t b = std::min(a.n, lines * i / a.parts * 16), e = std::min(a.n, lines * (i + 1) / a.parts * 16);
  a.ok[i] = adamStepSerial(a.w + b, a.g + b, a.m + b, a.v + b, e - b, a.alpha, a.omb1, a.omb2, a.eps);
}

bool adamStep(float* w, const float* g, float* m, float* v, int64_t n, float alpha, float omb1, float omb2,
              float eps) {
  if (n >= kSplitAdamFrom && threadBudget() >= 2) {
    // Parts claimed by the caller and the GEMM's helpers: more parts than
    // threads, so a helper without a core holds up little.
    AdamPart a{w, g, m, v, n, alpha, omb1, omb2, eps, 8, {}};
    if (runOnGemmHelpers(adamPart, &a, a.parts)) return std::all_of(a.ok, a.ok + a.parts, [](bool b) { return b; });
  }
  return adamStepSerial(w, g, m, v, n, alpha, omb1, omb2, eps);
}

TF_SIMD_CLONES bool amsgradStepF32(float* __restrict w, const float* __restrict g, float* __restrict m,
                                   float* __restrict v, float* __restrict vhat, int64_t n, float alpha, float omb1,
                                   float omb2, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * omb1;
    v[i] += (g[i] * g[i] - v[i]) * omb2;
    vhat[i] = std::max(vhat[i], v[i]);
    w[i] -= alpha * m[i] / (std::sqrt(vhat[i]) + eps);
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool rmspropStepF32(float* __restrict w, const float* __restrict g, float* __restrict vel,
                                   float* __restrict mom, float* __restrict avg, int64_t n, float lr, float rho,
                                   float mu, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    vel[i] = rho * vel[i] + (1.f - rho) * g[i] * g[i];
    float denom = vel[i] + eps;
    if (avg) {
      avg[i] = rho * avg[i] + (1.f - rho) * g[i];
      denom = vel[i] - avg[i] * avg[i] + eps;
    }
    const float inc = lr * g[i] / std::sqrt(denom);
    if (mom) {
      mom[i] = mu * mom[i] + inc;
      w[i] -= mom[i];
    } else {
      w[i] -= inc;
    }
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool adagradStepF32(float* __restrict w, const float* __restrict g, float* __restrict acc, int64_t n,
                                   float lr, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    acc[i] += g[i] * g[i];
    w[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool adadeltaStepF32(float* __restrict w, const float* __restrict g, float* __restrict accG,
                                    float* __restrict accD, int64_t n, float lr, float rho, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    accG[i] = rho * accG[i] + (1.f - rho) * g[i] * g[i];
    const float delta = -std::sqrt(accD[i] + eps) / std::sqrt(accG[i] + eps) * g[i];
    accD[i] = rho * accD[i] + (1.f - rho) * delta * delta;
    w[i] += lr * delta;
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool adamaxStepF32(float* __restrict w, const float* __restrict g, float* __restrict m,
                                  float* __restrict u, int64_t n, float scale, float omb1, float b2, float eps) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * omb1;
    u[i] = std::max(b2 * u[i], std::fabs(g[i]));
    w[i] -= scale * m[i] / (u[i] + eps);
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES bool nadamStepF32(float* __restrict w, const float* __restrict g, float* __restrict m,
                                 float* __restrict v, int64_t n, float lr, float omb1, float omb2, float eps, float cm,
                                 float cg, float cv) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * omb1;
    v[i] += (g[i] * g[i] - v[i]) * omb2;
    const float mhat = cm * m[i] + cg * g[i];
    const float vhat = cv * v[i];
    w[i] -= lr * mhat / (std::sqrt(vhat) + eps);
    bad |= nonFiniteBit(w[i]);
  }
  return bad == 0;
}
TF_SIMD_CLONES void decayWeightsF32(float* __restrict w, int64_t n, float d) {
  for (int64_t i = 0; i < n; ++i) w[i] -= w[i] * d;
}

// ---------------------------------------------------------------- one row per optimizer

// What one update needs besides the kind's own options.
struct StepArgs {
  const OptimizerConfig& c;
  float* w;
  const float* g;
  int64_t n;
  std::vector<std::vector<float>>& slots;
  double lr;         // this step's learning rate
  double t;          // this step's number, from 1
  double& uProduct;  // Nadam's running product of momentum schedule values
};

// NOTE: 1 - beta in double, as Keras does: 1.f - 0.999f is 1.3e-5 off 0.001.
inline float oneMinus(double beta) { return static_cast<float>(1 - beta); }

// An option a rule reads, under the name TypeScript's row gives it, and the
// field it fills (a number or a flag).
struct OptionField {
  const char* key;
  double OptimizerConfig::*number;
  bool OptimizerConfig::*flag;
};
constexpr OptionField numberOption(const char* key, double OptimizerConfig::*field) { return {key, field, nullptr}; }
constexpr OptionField flagOption(const char* key, bool OptimizerConfig::*field) { return {key, nullptr, field}; }

// The slot arrays a kind keeps for a config, each starting at `start`.
struct SlotPlan {
  int count;
  double start;
};

// One optimizer: the options its rule reads (all required), its slots and its
// update. A new optimizer is one line in TF_OPTIMIZERS and one row here.
struct OptimizerRow {
  OptimizerKind kind;
  std::array<OptionField, 4> options;  // unused entries have no key
  SlotPlan (*slots)(const OptimizerConfig&);
  // Returns whether every updated weight is finite.
  bool (*step)(const StepArgs&);
};

using C = OptimizerConfig;

bool adamStepOf(const StepArgs& a) {
  const C& c = a.c;
  // Keras: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= alpha * m / (sqrt(v) + eps)
  const float alpha = static_cast<float>(a.lr * std::sqrt(1 - std::pow(c.beta2, a.t)) / (1 - std::pow(c.beta1, a.t)));
  const float eps = static_cast<float>(c.epsilon);
  auto& s = a.slots;
  if (c.amsgrad)
    return amsgradStepF32(a.w, a.g, s[0].data(), s[1].data(), s[2].data(), a.n, alpha, oneMinus(c.beta1), oneMinus(c.beta2), eps);
  return adamStep(a.w, a.g, s[0].data(), s[1].data(), a.n, alpha, oneMinus(c.beta1), oneMinus(c.beta2), eps);
}
SlotPlan adamSlots(const C& c) { return {c.amsgrad ? 3 : 2, 0}; }
constexpr std::array<OptionField, 4> kAdamOptions = {numberOption("beta1", &C::beta1), numberOption("beta2", &C::beta2),
                                                     numberOption("epsilon", &C::epsilon), flagOption("amsgrad", &C::amsgrad)};
SlotPlan twoSlots(const C&) { return {2, 0}; }

constexpr OptimizerRow kOptimizers[] = {
    {OptimizerKind::SGD,
     {numberOption("momentum", &C::momentum), flagOption("nesterov", &C::nesterov)},
     [](const C& c) { return SlotPlan{c.momentum != 0 ? 1 : 0, 0}; },
     [](const StepArgs& a) {
       const float lr = static_cast<float>(a.lr);
       if (a.c.momentum == 0) return sgdStepF32(a.w, a.g, a.n, lr);
       return sgdMomentumStepF32(a.w, a.g, a.slots[0].data(), a.n, lr, static_cast<float>(a.c.momentum), a.c.nesterov);
     }},
    {OptimizerKind::Adam, kAdamOptions, adamSlots, adamStepOf},
    // AdamW is Adam with decoupled weight decay, which every optimizer applies before its step.
    {OptimizerKind::AdamW, kAdamOptions, adamSlots, adamStepOf},
    {OptimizerKind::RMSprop,
     {numberOption("rho", &C::rho), numberOption("momentum", &C::momentum), numberOption("epsilon", &C::epsilon),
      flagOption("centered", &C::centered)},
     // The squared-gradient average, then the momentum (if > 0), then the gradient average (if centered).
     [](const C& c) { return SlotPlan{1 + (c.momentum > 0 ? 1 : 0) + (c.centered ? 1 : 0), 0}; },
     [](const StepArgs& a) {
       const C& c = a.c;
       auto& s = a.slots;
       return rmspropStepF32(a.w, a.g, s[0].data(), c.momentum > 0 ? s[1].data() : nullptr,
                             c.centered ? s.back().data() : nullptr, a.n, static_cast<float>(a.lr),
                             static_cast<float>(c.rho), static_cast<float>(c.momentum), static_cast<float>(c.epsilon));
     }},
    {OptimizerKind::Adagrad,
     {numberOption("initialAccumulatorValue", &C::initialAccumulator), numberOption("epsilon", &C::epsilon)},
     [](const C& c) { return SlotPlan{1, c.initialAccumulator}; },
     [](const StepArgs& a) {
       return adagradStepF32(a.w, a.g, a.slots[0].data(), a.n, static_cast<float>(a.lr), static_cast<float>(a.c.epsilon));
     }},
    {OptimizerKind::Adadelta,
     {numberOption("rho", &C::rho), numberOption("epsilon", &C::epsilon)},
     twoSlots,
     [](const StepArgs& a) {
       return adadeltaStepF32(a.w, a.g, a.slots[0].data(), a.slots[1].data(), a.n, static_cast<float>(a.lr),
                              static_cast<float>(a.c.rho), static_cast<float>(a.c.epsilon));
     }},
    {OptimizerKind::Adamax,
     {numberOption("beta1", &C::beta1), numberOption("beta2", &C::beta2), numberOption("epsilon", &C::epsilon)},
     twoSlots,
     [](const StepArgs& a) {
       const C& c = a.c;
       return adamaxStepF32(a.w, a.g, a.slots[0].data(), a.slots[1].data(), a.n,
                            static_cast<float>(a.lr / (1 - std::pow(c.beta1, a.t))), oneMinus(c.beta1),
                            static_cast<float>(c.beta2), static_cast<float>(c.epsilon));
     }},
    {OptimizerKind::Nadam,
     {numberOption("beta1", &C::beta1), numberOption("beta2", &C::beta2), numberOption("epsilon", &C::epsilon)},
     twoSlots,
     [](const StepArgs& a) {
       const C& c = a.c;
       const double t = a.t;
       // Keras 3 (keras/src/optimizers/nadam.py): momentum schedule u_t = b1 (1 - 0.5 * 0.96^t).
       // NOTE: not Keras 2's 0.96^(0.004 t) (its schedule_decay).
       const double ut = c.beta1 * (1 - 0.5 * std::pow(0.96, t));
       const double ut1 = c.beta1 * (1 - 0.5 * std::pow(0.96, t + 1));
       const double uProdT = a.uProduct * ut;
       const double uProdT1 = uProdT * ut1;
       a.uProduct = uProdT;
       return nadamStepF32(a.w, a.g, a.slots[0].data(), a.slots[1].data(), a.n, static_cast<float>(a.lr),
                           oneMinus(c.beta1), oneMinus(c.beta2), static_cast<float>(c.epsilon),
                           static_cast<float>(ut1 / (1 - uProdT1)), static_cast<float>((1 - ut) / (1 - uProdT)),
                           static_cast<float>(1 / (1 - std::pow(c.beta2, t))));
     }},
};

constexpr bool rowsFollowTheList() {
  if (std::size(kOptimizers) != static_cast<size_t>(enumCount(OptimizerKind{}))) return false;
  for (size_t i = 0; i < std::size(kOptimizers); ++i)
    if (static_cast<size_t>(kOptimizers[i].kind) != i) return false;
  return true;
}
static_assert(rowsFollowTheList(), "kOptimizers needs one row per TF_OPTIMIZERS entry, in list order");

const OptimizerRow& rowOf(OptimizerKind kind) { return kOptimizers[static_cast<size_t>(kind)]; }

double requiredNumber(const Config& o, const char* key, OptimizerKind kind) {
  if (!o.has(key)) throw std::invalid_argument(std::string(key) + " is required for " + enumName(kind));
  return o.number(key, 0);
}
bool requiredFlag(const Config& o, const char* key, OptimizerKind kind) {
  if (!o.has(key)) throw std::invalid_argument(std::string(key) + " is required for " + enumName(kind));
  return o.flag(key, false);
}
}  // namespace

double LearningRateSchedule::at(int64_t step) const {
  const double s = static_cast<double>(step);
  switch (kind) {
    case ScheduleKind::Count: break;  // the list's size, not a schedule
    case ScheduleKind::Constant: return initial;
    case ScheduleKind::ExponentialDecay: {
      double p = s / decaySteps;
      if (staircase) p = std::floor(p);
      return initial * std::pow(decayRate, p);
    }
    case ScheduleKind::CosineDecay: {
      const double target = std::isnan(warmupTarget) ? initial : warmupTarget;
      if (warmupSteps > 0 && s < warmupSteps) return initial + (target - initial) * (s / warmupSteps);
      // Keras decays from warmup_target whenever one is given (TS passes initial by default).
      const double start = target;
      const double t = std::min(s - warmupSteps, decaySteps) / decaySteps;
      const double cosine = 0.5 * (1 + std::cos(M_PI * t));
      return start * ((1 - alpha) * cosine + alpha);
    }
    case ScheduleKind::PiecewiseConstant: {
      size_t i = 0;
      while (i < boundaries.size() && s > boundaries[i]) ++i;
      return values[std::min(i, values.size() - 1)];
    }
  }
  return initial;
}

int optimizerSlotCount(const OptimizerConfig& c) { return rowOf(c.kind).slots(c).count; }

Optimizer::Optimizer(OptimizerConfig cfg, int64_t size) : cfg_(std::move(cfg)) {
  if (cfg_.kind == OptimizerKind::Count) throw std::invalid_argument("kind is not a valid code");
  const SlotPlan plan = rowOf(cfg_.kind).slots(cfg_);
  slots_.assign(static_cast<size_t>(plan.count), std::vector<float>(static_cast<size_t>(size), static_cast<float>(plan.start)));
}

bool Optimizer::step(float* w, float* g, int64_t n, const std::vector<std::pair<int64_t, int64_t>>& segments) {
  const OptimizerConfig& c = cfg_;
  // Gradient clipping as Keras applies it, before the update, and only one kind:
  // clipnorm per variable, else global_clipnorm over all, else clipvalue per element.
  if (c.clipNorm > 0) {
    for (const auto& [off, len] : segments) {
      double sq = 0;
      for (int64_t i = off; i < off + len; ++i) sq += double(g[i]) * g[i];
      const double norm = std::sqrt(sq);
      if (norm > c.clipNorm) {
        const float s = static_cast<float>(c.clipNorm / norm);
        for (int64_t i = off; i < off + len; ++i) g[i] *= s;
      }
    }
  } else if (c.globalClipNorm > 0) {
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) sq += double(g[i]) * g[i];
    const double norm = std::sqrt(sq);
    if (norm > c.globalClipNorm) {
      const float s = static_cast<float>(c.globalClipNorm / norm);
      for (int64_t i = 0; i < n; ++i) g[i] *= s;
    }
  } else if (c.clipValue > 0) {
    const float v = static_cast<float>(c.clipValue);
    for (int64_t i = 0; i < n; ++i) g[i] = std::min(std::max(g[i], -v), v);
  }

  const double lr = c.lr.at(iterations_);
  if (c.weightDecay > 0) decayWeightsF32(w, n, static_cast<float>(lr * c.weightDecay));
  const bool finite = rowOf(c.kind).step({c, w, g, n, slots_, lr, static_cast<double>(iterations_ + 1), uProduct_});
  ++iterations_;
  return finite;
}

void Optimizer::restore(int64_t iterations, double u, const std::vector<std::pair<const float*, size_t>>& slots) {
  if (slots.size() != slots_.size())
    throw std::length_error("expected " + std::to_string(slots_.size()) + " slot arrays, got " + std::to_string(slots.size()));
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].second != slots_[i].size()) throw std::length_error("slot " + std::to_string(i) + " has the wrong length");
  for (size_t i = 0; i < slots.size(); ++i) std::copy(slots[i].first, slots[i].first + slots[i].second, slots_[i].begin());
  iterations_ = iterations;
  uProduct_ = u;
}

OptimizerConfig optimizerConfigFrom(const Config& o) {
  OptimizerConfig c;
  c.kind = o.code<OptimizerKind>("kind");
  const Config& s = o.object("schedule");
  c.lr.kind = s.code<ScheduleKind>("kind");
  c.lr.initial = s.number("initial", 1e-3);
  c.lr.decaySteps = s.number("decaySteps", 1);
  c.lr.decayRate = s.number("decayRate", 1);
  c.lr.alpha = s.number("alpha", 0);
  c.lr.staircase = s.flag("staircase", false);
  c.lr.warmupTarget = s.number("warmupTarget", NAN);
  c.lr.warmupSteps = s.number("warmupSteps", 0);
  c.lr.boundaries = s.numbers("boundaries");
  c.lr.values = s.numbers("values");
  if (c.lr.kind == ScheduleKind::PiecewiseConstant && c.lr.values.size() != c.lr.boundaries.size() + 1)
    throw std::invalid_argument("piecewiseConstant needs one more value than boundaries");
  c.weightDecay = requiredNumber(o, "weightDecay", c.kind);
  for (const OptionField& f : rowOf(c.kind).options) {
    if (!f.key) continue;
    if (f.number) c.*f.number = requiredNumber(o, f.key, c.kind);
    else c.*f.flag = requiredFlag(o, f.key, c.kind);
  }
  c.clipNorm = o.number("clipNorm", 0);
  c.clipValue = o.number("clipValue", 0);
  c.globalClipNorm = o.number("globalClipNorm", 0);
  return c;
}

}  // namespace tf
