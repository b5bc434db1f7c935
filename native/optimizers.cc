#include "optimizers.h"

#include <algorithm>
#include <cmath>

namespace tf {

double LearningRateSchedule::at(int64_t step) const {
  const double s = static_cast<double>(step);
  switch (kind) {
    case ScheduleKind::Constant: return initial;
    case ScheduleKind::ExponentialDecay: {
      double p = s / decaySteps;
      if (staircase) p = std::floor(p);
      return initial * std::pow(decayRate, p);
    }
    case ScheduleKind::CosineDecay: {
      if (warmupSteps > 0 && s < warmupSteps) return initial + (warmupTarget - initial) * (s / warmupSteps);
      const double start = warmupSteps > 0 ? warmupTarget : initial;
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

Optimizer::Optimizer(OptimizerConfig cfg, int64_t size) : cfg_(std::move(cfg)) {
  auto slot = [&](float init = 0.f) { slots_.emplace_back(static_cast<size_t>(size), init); };
  switch (cfg_.kind) {
    case OptimizerKind::SGD: if (cfg_.momentum != 0) slot(); break;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW: slot(); slot(); if (cfg_.amsgrad) slot(); break;
    case OptimizerKind::RMSprop: slot(); if (cfg_.momentum > 0) slot(); if (cfg_.centered) slot(); break;
    case OptimizerKind::Adagrad: slot(static_cast<float>(cfg_.initialAccumulator)); break;
    case OptimizerKind::Adadelta: slot(); slot(); break;
    case OptimizerKind::Adamax: slot(); slot(); break;
    case OptimizerKind::Nadam: slot(); slot(); break;
  }
}

void Optimizer::step(float* w, float* g, int64_t n, const std::vector<std::pair<int64_t, int64_t>>& segments) {
  const OptimizerConfig& c = cfg_;
  // Gradient clipping as Keras applies it, before the update: clipvalue per element,
  // clipnorm per variable, global_clipnorm over all.
  if (c.clipValue > 0) {
    const float v = static_cast<float>(c.clipValue);
    for (int64_t i = 0; i < n; ++i) g[i] = std::min(std::max(g[i], -v), v);
  }
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
  }
  if (c.globalClipNorm > 0) {
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) sq += double(g[i]) * g[i];
    const double norm = std::sqrt(sq);
    if (norm > c.globalClipNorm) {
      const float s = static_cast<float>(c.globalClipNorm / norm);
      for (int64_t i = 0; i < n; ++i) g[i] *= s;
    }
  }

  const double lrD = c.lr.at(iterations_);
  const float lr = static_cast<float>(lrD);
  const double t = static_cast<double>(iterations_ + 1);
  if (c.weightDecay > 0) {
    const float d = static_cast<float>(lrD * c.weightDecay);
    for (int64_t i = 0; i < n; ++i) w[i] -= w[i] * d;
  }
  const float b1 = static_cast<float>(c.beta1), b2 = static_cast<float>(c.beta2);
  const float eps = static_cast<float>(c.epsilon);

  switch (c.kind) {
    case OptimizerKind::SGD: {
      if (c.momentum == 0) {
        for (int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
      } else {
        float* v = slots_[0].data();
        const float m = static_cast<float>(c.momentum);
        for (int64_t i = 0; i < n; ++i) {
          v[i] = m * v[i] - lr * g[i];
          w[i] += c.nesterov ? m * v[i] - lr * g[i] : v[i];
        }
      }
      break;
    }
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW: {
      // Keras: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= alpha * m / (sqrt(v) + eps)
      const float alpha = static_cast<float>(lrD * std::sqrt(1 - std::pow(c.beta2, t)) / (1 - std::pow(c.beta1, t)));
      float* m = slots_[0].data();
      float* v = slots_[1].data();
      if (c.amsgrad) {
        float* vhat = slots_[2].data();
        for (int64_t i = 0; i < n; ++i) {
          m[i] += (g[i] - m[i]) * (1.f - b1);
          v[i] += (g[i] * g[i] - v[i]) * (1.f - b2);
          vhat[i] = std::max(vhat[i], v[i]);
          w[i] -= alpha * m[i] / (std::sqrt(vhat[i]) + eps);
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          m[i] += (g[i] - m[i]) * (1.f - b1);
          v[i] += (g[i] * g[i] - v[i]) * (1.f - b2);
          w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
        }
      }
      break;
    }
    case OptimizerKind::RMSprop: {
      const float rho = static_cast<float>(c.rho);
      float* vel = slots_[0].data();
      float* mom = c.momentum > 0 ? slots_[1].data() : nullptr;
      float* avg = c.centered ? slots_.back().data() : nullptr;
      const float mu = static_cast<float>(c.momentum);
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
      }
      break;
    }
    case OptimizerKind::Adagrad: {
      float* acc = slots_[0].data();
      for (int64_t i = 0; i < n; ++i) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
      }
      break;
    }
    case OptimizerKind::Adadelta: {
      const float rho = static_cast<float>(c.rho);
      float* accG = slots_[0].data();
      float* accD = slots_[1].data();
      for (int64_t i = 0; i < n; ++i) {
        accG[i] = rho * accG[i] + (1.f - rho) * g[i] * g[i];
        const float delta = -std::sqrt(accD[i] + eps) / std::sqrt(accG[i] + eps) * g[i];
        accD[i] = rho * accD[i] + (1.f - rho) * delta * delta;
        w[i] += lr * delta;
      }
      break;
    }
    case OptimizerKind::Adamax: {
      const float scale = static_cast<float>(lrD / (1 - std::pow(c.beta1, t)));
      float* m = slots_[0].data();
      float* u = slots_[1].data();
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * (1.f - b1);
        u[i] = std::max(b2 * u[i], std::fabs(g[i]));
        w[i] -= scale * m[i] / (u[i] + eps);
      }
      break;
    }
    case OptimizerKind::Nadam: {
      // Keras 3 (Dozat 2016): momentum schedule u_t = b1 (1 - 0.5 * 0.96^(0.004 t)).
      const double ut = c.beta1 * (1 - 0.5 * std::pow(0.96, 0.004 * t));
      const double ut1 = c.beta1 * (1 - 0.5 * std::pow(0.96, 0.004 * (t + 1)));
      const double uProdT = uProduct_ * ut;
      const double uProdT1 = uProdT * ut1;
      uProduct_ = uProdT;
      const float cm = static_cast<float>(ut1 / (1 - uProdT1));
      const float cg = static_cast<float>((1 - ut) / (1 - uProdT));
      const float cv = static_cast<float>(1 / (1 - std::pow(c.beta2, t)));
      float* m = slots_[0].data();
      float* v = slots_[1].data();
      for (int64_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * (1.f - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1.f - b2);
        const float mhat = cm * m[i] + cg * g[i];
        const float vhat = cv * v[i];
        w[i] -= lr * mhat / (std::sqrt(vhat) + eps);
      }
      break;
    }
  }
  ++iterations_;
}

}  // namespace tf
