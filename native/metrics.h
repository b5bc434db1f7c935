// Per-batch metric sums (Keras metrics, unweighted). Callers divide by the
// number of samples seen to get the running mean Keras reports.
#pragma once
#include <cstdint>

#include "activations.h"
#include "config.h"
#include "enum_table.h"

namespace tf {

#define TF_METRICS(X)                                               \
  X(SparseCategoricalAccuracy, "sparseCategoricalAccuracy")         \
  X(CategoricalAccuracy, "categoricalAccuracy")                     \
  X(BinaryAccuracy, "binaryAccuracy")                               \
  X(MeanSquaredError, "meanSquaredError")                           \
  X(MeanAbsoluteError, "meanAbsoluteError")                         \
  X(SparseTopKCategoricalAccuracy, "sparseTopKCategoricalAccuracy") \
  X(TopKCategoricalAccuracy, "topKCategoricalAccuracy")

TF_DEFINE_ENUM(MetricKind, TF_METRICS)

struct MetricSpec {
  MetricKind kind = MetricKind::SparseCategoricalAccuracy;
  int32_t k = 5;           // top-k
  float threshold = 0.5f;  // binary accuracy
};

// What a metric reads besides the output: integer labels, dense targets, or
// either (the regression metrics compare against one-hot labels too).
enum class MetricInput { Labels, Targets, Either };
MetricInput metricInput(MetricKind kind);

// `out` is [batch, dim]; `logitsOf` says what activation still has to be applied
// to it (Softmax / Sigmoid when the loss fused it away, else Linear).
// Reads labels or targets as metricInput(m.kind) says; callers check that first (Trainer::checkData).
double metricSum(const MetricSpec& m, const float* out, Activation logitsOf, const int32_t* labels,
                 const float* targets, int64_t batch, int64_t dim);

// "kind", "k" (top-k), "threshold" (binary accuracy); throws std::invalid_argument.
MetricSpec metricSpecFrom(const Config& c);

}  // namespace tf
