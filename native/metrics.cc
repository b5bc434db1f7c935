#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tf {

namespace {
int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}
// Whether v[target] is among the k largest entries (ties resolved in target's favour, as tf.math.in_top_k).
bool inTopK(const float* v, int64_t n, int64_t target, int32_t k) {
  if (target < 0 || target >= n) return false;
  int64_t greater = 0;
  for (int64_t i = 0; i < n; ++i)
    if (v[i] > v[target]) ++greater;
  return greater < k;
}
// Probability of entry c of a row whose activation was deferred.
struct RowProbability {
  Activation act;
  const float* z;
  int64_t n;
  double lse = 0;
  RowProbability(Activation a, const float* row, int64_t cols) : act(a), z(row), n(cols) {
    if (act == Activation::Softmax) {
      float m = -INFINITY;
      for (int64_t i = 0; i < n; ++i) m = std::max(m, z[i]);
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::exp(double(z[i]) - m);
      lse = m + std::log(s);
    }
  }
  double operator()(int64_t c) const {
    if (act == Activation::Softmax) return std::exp(z[c] - lse);
    if (act == Activation::Sigmoid) return 1.0 / (1.0 + std::exp(-double(z[c])));
    return z[c];
  }
};
}  // namespace

MetricInput metricInput(MetricKind kind) {
  switch (kind) {
    case MetricKind::SparseCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy: return MetricInput::Labels;
    case MetricKind::MeanSquaredError:
    case MetricKind::MeanAbsoluteError: return MetricInput::Either;
    default: return MetricInput::Targets;
  }
}

double metricSum(const MetricSpec& m, const float* out, Activation logitsOf, const int32_t* labels,
                 const float* targets, int64_t batch, int64_t dim) {
  double total = 0;
  for (int64_t r = 0; r < batch; ++r) {
    const float* o = out + r * dim;
    const float* t = targets ? targets + r * dim : nullptr;
    switch (m.kind) {
      case MetricKind::Count: break;  // the list's size, not a metric
      case MetricKind::SparseCategoricalAccuracy:
        // softmax is monotonic: argmax of logits = argmax of probabilities
        total += argmax(o, dim) == labels[r] ? 1 : 0;
        break;
      case MetricKind::CategoricalAccuracy: total += argmax(o, dim) == argmax(t, dim) ? 1 : 0; break;
      case MetricKind::BinaryAccuracy: {
        RowProbability p(logitsOf, o, dim);
        int64_t hits = 0;
        for (int64_t c = 0; c < dim; ++c) hits += ((p(c) > m.threshold) == (t[c] > 0.5f)) ? 1 : 0;
        total += double(hits) / dim;
        break;
      }
      case MetricKind::MeanSquaredError:
      case MetricKind::MeanAbsoluteError: {
        RowProbability p(logitsOf, o, dim);
        double s = 0;
        for (int64_t c = 0; c < dim; ++c) {
          const double y = labels ? (c == labels[r] ? 1.0 : 0.0) : t[c];
          const double e = p(c) - y;
          s += m.kind == MetricKind::MeanSquaredError ? e * e : std::fabs(e);
        }
        total += s / dim;
        break;
      }
      case MetricKind::SparseTopKCategoricalAccuracy: total += inTopK(o, dim, labels[r], m.k) ? 1 : 0; break;
      case MetricKind::TopKCategoricalAccuracy: total += inTopK(o, dim, argmax(t, dim), m.k) ? 1 : 0; break;
    }
  }
  return total;
}

MetricSpec metricSpecFrom(const Config& c) {
  MetricSpec m;
  m.kind = c.code<MetricKind>("kind");
  m.k = static_cast<int32_t>(c.integer("k", 5, INT32_MIN, INT32_MAX));
  m.threshold = c.real("threshold", 0.5);
  return m;
}

}  // namespace tf
