#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "denormals.h"
#include "reduce.h"

namespace tf {

namespace {
void checkLabels(const int32_t* labels, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw std::out_of_range("label " + std::to_string(labels[i]) + " is outside [0, " + std::to_string(classes) + ")");
}
}  // namespace

Trainer::Trainer(Graph& net, OptimizerConfig opt, LossConfig loss, std::vector<MetricSpec> metrics)
    : net_(net),
      opt_(std::make_unique<Optimizer>(std::move(opt), static_cast<int64_t>(net.params().size()))),
      loss_(loss),
      metrics_(std::move(metrics)),
      fused_(lossFusesActivation(loss, net.outputActivation())),
      segments_(net.trainableSegments()) {
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  for (const MetricSpec& m : metrics_) {
    const MetricInput needs = metricInput(m.kind);
    if (needs == MetricInput::Labels && !sparse)
      throw std::invalid_argument("a sparse metric needs integer labels, which only the sparse categorical crossentropy loss uses");
    if (needs == MetricInput::Targets && sparse)
      throw std::invalid_argument("a metric that reads dense targets cannot follow the sparse categorical crossentropy loss");
    if ((m.kind == MetricKind::SparseTopKCategoricalAccuracy || m.kind == MetricKind::TopKCategoricalAccuracy) && m.k < 1)
      throw std::invalid_argument("top-k accuracy needs k >= 1");
  }
}

void Trainer::checkData(const Dataset& d) const {
  if (d.n < 0) throw std::invalid_argument("the sample count is negative");
  if (d.n == 0) return;
  if (!d.x) throw std::invalid_argument("the data has no inputs");
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  if (sparse && !d.labels) throw std::invalid_argument("this loss needs integer labels");
  if (!sparse && !d.targets) throw std::invalid_argument("this loss needs float targets");
  for (const MetricSpec& m : metrics_) {
    const MetricInput needs = metricInput(m.kind);
    if (needs == MetricInput::Labels && !d.labels) throw std::invalid_argument("a sparse metric needs integer labels");
    if (needs == MetricInput::Targets && !d.targets) throw std::invalid_argument("this metric needs float targets");
    if (needs == MetricInput::Either && !d.labels && !d.targets) throw std::invalid_argument("this metric needs labels or targets");
  }
}

double Trainer::step(const float* x, const int32_t* labels, const float* targets, const float* weights, int64_t rows,
                     std::vector<double>* metricSums) {
  const float* y = net_.forwardTraining(x, rows, fused_, ws_, &rng_);
  float* dOut = net_.outputGrad(ws_);
  const int64_t out = net_.outputSize();
  LossBatch lb{y, fused_ || loss_.fromLogits, labels, targets, weights, rows, out, rows};
  const double loss = lossForwardBackward(loss_, lb, dOut);
  if (metricSums) {
    const Activation deferred = fused_ ? net_.outputActivation() : Activation::Linear;
    for (const MetricSpec& m : metrics_) metricSums->push_back(metricSum(m, y, deferred, labels, targets, rows, out));
  }
  net_.backward(rows, fused_, ws_);
  return loss + net_.addRegularizationGradients();
}

ChunkResult Trainer::trainChunk(const Dataset& d, int64_t batchSize, int64_t count, const std::atomic<bool>* cancel) {
  checkData(d);
  ScopedFlushDenormals ftz;
  const int64_t in = net_.inputSize(), out = net_.outputSize();
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  ChunkResult res;
  res.loss.reserve(static_cast<size_t>(count));
  res.metricSums.reserve(static_cast<size_t>(count) * metrics_.size());
  res.sizes.reserve(static_cast<size_t>(count));
  net_.prepare(ws_, batchSize);
  const int64_t np = static_cast<int64_t>(net_.params().size());
  for (int64_t b = 0; b < count; ++b) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      res.cancelled = true;
      break;
    }
    const int64_t start = b * batchSize;
    const int64_t B = std::min(batchSize, d.n - start);
    if (B <= 0) break;
    const float* bx = d.x + start * in;
    const int32_t* bl = d.labels ? d.labels + start : nullptr;
    const float* bt = d.targets ? d.targets + start * out : nullptr;
    const float* bw = d.weights ? d.weights + start : nullptr;
    if (sparse) checkLabels(bl, B, out);

    const double loss = step(bx, bl, bt, bw, B, &res.metricSums);
    res.loss.push_back(static_cast<float>(loss));
    res.sizes.push_back(static_cast<int32_t>(B));
    ++res.batches;
    // A loss that overflows float, or a gradient that overflowed in backprop
    // under a finite loss: stop before the update, so the weights stay finite.
    if (!std::isfinite(static_cast<float>(loss)) || !allFiniteF32(net_.grads().data(), np)) {
      res.nonFinite = true;
      break;
    }
    // NOTE: only an update that itself overflows (finite gradient times a
    // learning rate near 1e30) gets here with non-finite weights; stop at once.
    if (!opt_->step(net_.params().data(), net_.grads().data(), np, segments_)) {
      res.nonFinite = true;
      break;
    }
  }
  return res;
}

double Trainer::computeGradients(const Dataset& d) {
  checkData(d);
  ScopedFlushDenormals ftz;
  if (loss_.kind == LossKind::SparseCategoricalCrossentropy) checkLabels(d.labels, d.n, net_.outputSize());
  net_.prepare(ws_, d.n);
  return step(d.x, d.labels, d.targets, d.weights, d.n, nullptr);
}

void Trainer::applyGradients() {
  ScopedFlushDenormals ftz;
  opt_->step(net_.params().data(), net_.grads().data(), static_cast<int64_t>(net_.params().size()), segments_);
}

EvalResult Trainer::evaluate(const Dataset& d, int64_t batchSize, const std::atomic<bool>* cancel,
                             Workspace& ws) const {
  checkData(d);
  ScopedFlushDenormals ftz;
  const int64_t in = net_.inputSize(), out = net_.outputSize();
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  EvalResult res;
  res.metricSums.assign(metrics_.size(), 0.0);
  // Like training, a fused loss reads logits (stable log-sum-exp); metrics apply the deferred activation.
  const Activation deferred = fused_ ? net_.outputActivation() : Activation::Linear;
  const double reg = net_.regularizationPenalty();
  for (int64_t start = 0; start < d.n; start += batchSize) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const int64_t B = std::min(batchSize, d.n - start);
    if (sparse) checkLabels(d.labels + start, B, out);
    const float* y = net_.infer(d.x + start * in, B, fused_, ws);
    const float* w = d.weights ? d.weights + start : nullptr;
    LossBatch lb{y, fused_ || loss_.fromLogits, d.labels ? d.labels + start : nullptr,
                 d.targets ? d.targets + start * out : nullptr, w, B, out, B};
    double loss = lossForwardBackward(loss_, lb, nullptr) + reg;
    res.lossSum += loss * B;
    for (size_t m = 0; m < metrics_.size(); ++m)
      res.metricSums[m] += metricSum(metrics_[m], y, deferred, lb.labels, lb.targets, B, out);
    res.samples += B;
  }
  return res;
}

void predictInto(const Graph& net, const float* x, int64_t n, int64_t batchSize, float* out, Workspace& ws) {
  ScopedFlushDenormals ftz;
  const int64_t in = net.inputSize(), od = net.outputSize();
  // Inference reads the arenas only, so concurrent predictions with separate workspaces are safe.
  for (int64_t start = 0; start < n; start += batchSize) {
    const int64_t B = std::min(batchSize, n - start);
    const float* y = net.infer(x + start * in, B, false, ws);
    std::memcpy(out + start * od, y, sizeof(float) * B * od);
  }
}

}  // namespace tf
