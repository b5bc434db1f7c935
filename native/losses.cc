#include "losses.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tf {

namespace {
constexpr float kEps = 1e-7f;  // Keras backend epsilon, used to clip probabilities

// Row-wise log-softmax statistics: max and log-sum-exp.
inline double logSumExp(const float* z, int64_t n) {
  float m = -INFINITY;
  for (int64_t c = 0; c < n; ++c) m = std::max(m, z[c]);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (int64_t c = 0; c < n; ++c) s += std::exp(static_cast<double>(z[c]) - m);
  return m + std::log(s);
}
}  // namespace

bool lossFusesActivation(const LossConfig& cfg, Activation outAct) {
  if (cfg.fromLogits) return false;
  switch (cfg.kind) {
    case LossKind::SparseCategoricalCrossentropy:
    case LossKind::CategoricalCrossentropy: return outAct == Activation::Softmax;
    case LossKind::BinaryCrossentropy: return outAct == Activation::Sigmoid;
    default: return false;
  }
}

double lossForwardBackward(const LossConfig& cfg, const LossBatch& b, float* grad) {
  const int64_t B = b.batch, D = b.dim;
  const double norm = 1.0 / static_cast<double>(std::max<int64_t>(b.normalizer, 1));
  double total = 0;
  for (int64_t r = 0; r < B; ++r) {
    const float* o = b.out + r * D;
    float* g = grad ? grad + r * D : nullptr;
    const double w = b.weights ? b.weights[r] : 1.0;
    const float gs = static_cast<float>(w * norm);
    double l = 0;
    switch (cfg.kind) {
      case LossKind::Count: break;  // the list's size, not a loss
      case LossKind::SparseCategoricalCrossentropy:
      case LossKind::CategoricalCrossentropy: {
        const bool sparse = cfg.kind == LossKind::SparseCategoricalCrossentropy;
        const float* t = sparse ? nullptr : b.targets + r * D;
        const int32_t label = sparse ? b.labels[r] : -1;
        if (b.logits) {
          const double lse = logSumExp(o, D);
          double tsum = 0;
          for (int64_t c = 0; c < D; ++c) {
            const double y = sparse ? (c == label ? 1.0 : 0.0) : t[c];
            if (y != 0) l -= y * (o[c] - lse);
            tsum += y;
          }
          if (g) {
            // d/dz of -sum_c y_c log softmax(z)_c = softmax(z) * sum(y) - y
            for (int64_t c = 0; c < D; ++c) {
              const double y = sparse ? (c == label ? 1.0 : 0.0) : t[c];
              g[c] = static_cast<float>((std::exp(o[c] - lse) * tsum - y) * w * norm);
            }
          }
        } else {
          // Probabilities (Keras): normalise the row, clip to [eps, 1 - eps], -sum y log p.
          double s = 0;
          for (int64_t c = 0; c < D; ++c) s += o[c];
          double ysum = 0;  // over the unclipped terms only
          for (int64_t c = 0; c < D; ++c) {
            const double y = sparse ? (c == label ? 1.0 : 0.0) : t[c];
            const double q = o[c] / s;
            const double p = std::min(std::max(q, double(kEps)), 1.0 - kEps);
            if (y != 0) l -= y * std::log(p);
            if (!(q < kEps || q > 1.0 - kEps)) ysum += y;
          }
          if (g) {
            for (int64_t c = 0; c < D; ++c) {
              const double y = sparse ? (c == label ? 1.0 : 0.0) : t[c];
              const double q = o[c] / s;
              const bool clipped = q < kEps || q > 1.0 - kEps;
              // d/do_c [-sum_k y_k log(clip(o_k / s))] = -y_c / o_c + sum_{k unclipped} y_k / s:
              // NOTE: a clipped term is constant, so it passes no gradient through s either.
              const double d = (clipped || y == 0 ? 0.0 : -y / o[c]) + ysum / s;
              g[c] = static_cast<float>(d * w * norm);
            }
          }
        }
        break;
      }
      case LossKind::BinaryCrossentropy: {
        const float* t = b.targets + r * D;
        for (int64_t c = 0; c < D; ++c) {
          const double y = t[c];
          if (b.logits) {
            const double z = o[c];
            // max(z, 0) - z y + log(1 + e^-|z|): exact for any z
            l += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::fabs(z)));
            if (g) {
              const double p = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
              g[c] = static_cast<float>((p - y) / D * w * norm);
            }
          } else {
            const double p = std::min(std::max(double(o[c]), double(kEps)), 1.0 - kEps);
            l -= y * std::log(p) + (1 - y) * std::log(1 - p);
            if (g) {
              const bool clipped = o[c] < kEps || o[c] > 1.0 - kEps;
              g[c] = clipped ? 0.f : static_cast<float>((p - y) / (p * (1 - p)) / D * w * norm);
            }
          }
        }
        l /= D;
        break;
      }
      case LossKind::MeanSquaredError: {
        const float* t = b.targets + r * D;
        for (int64_t c = 0; c < D; ++c) {
          const double e = double(o[c]) - t[c];
          l += e * e;
          if (g) g[c] = static_cast<float>(2.0 * e / D) * gs;
        }
        l /= D;
        break;
      }
      case LossKind::MeanAbsoluteError: {
        const float* t = b.targets + r * D;
        for (int64_t c = 0; c < D; ++c) {
          const double e = double(o[c]) - t[c];
          l += std::fabs(e);
          if (g) g[c] = static_cast<float>(((e > 0) - (e < 0)) / double(D)) * gs;
        }
        l /= D;
        break;
      }
      case LossKind::Huber: {
        const float* t = b.targets + r * D;
        const double d = cfg.huberDelta;
        for (int64_t c = 0; c < D; ++c) {
          const double e = double(o[c]) - t[c];
          const double a = std::fabs(e);
          l += a <= d ? 0.5 * e * e : d * (a - 0.5 * d);
          if (g) g[c] = static_cast<float>((a <= d ? e : d * ((e > 0) - (e < 0))) / D) * gs;
        }
        l /= D;
        break;
      }
    }
    total += w * l;
  }
  return total * norm;
}

LossConfig lossConfigFrom(const Config& c) {
  LossConfig l;
  l.kind = c.code<LossKind>("kind");
  l.fromLogits = c.flag("fromLogits", false);
  l.huberDelta = c.real("delta", 1.0);
  return l;
}

}  // namespace tf
