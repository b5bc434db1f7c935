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

Trainer::Trainer(Network& net, OptimizerConfig opt, LossConfig loss, std::vector<MetricSpec> metrics)
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

ChunkResult Trainer::trainChunk(const Dataset& d, int64_t batchSize, int64_t firstBatch, int64_t count,
                                const std::atomic<bool>* cancel) {
  checkData(d);
  ScopedFlushDenormals ftz;
  const int64_t in = net_.inputSize(), out = net_.outputSize(), nm = static_cast<int64_t>(metrics_.size());
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  const Activation deferred = fused_ ? net_.outputActivation() : Activation::Linear;
  ChunkResult res;
  res.loss.reserve(static_cast<size_t>(count));
  res.metricSums.reserve(static_cast<size_t>(count * nm));
  res.sizes.reserve(static_cast<size_t>(count));
  net_.prepare(ws_, batchSize);
  for (int64_t b = firstBatch; b < firstBatch + count; ++b) {
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

    const float* y = net_.forward(bx, B, true, fused_, ws_, &rng_);
    float* dOut = ws_.grad[0].data();
    LossBatch lb{y, fused_ || loss_.fromLogits, bl, bt, bw, B, out, B};
    double loss = lossForwardBackward(loss_, lb, dOut);
    for (const MetricSpec& m : metrics_) res.metricSums.push_back(metricSum(m, y, deferred, bl, bt, B, out));
    net_.backward(bx, dOut, B, fused_, ws_);
    loss += net_.addRegularization(true);
    res.loss.push_back(static_cast<float>(loss));
    res.sizes.push_back(static_cast<int32_t>(B));
    ++res.batches;
    // A loss that overflows float, or a gradient that overflowed in backprop
    // under a finite loss: stop before the update, so the weights stay finite.
    const int64_t np = static_cast<int64_t>(net_.params().size());
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
  const float* y = net_.forward(d.x, d.n, true, fused_, ws_, &rng_);
  float* dOut = ws_.grad[0].data();
  LossBatch lb{y, fused_ || loss_.fromLogits, d.labels, d.targets, d.weights, d.n, net_.outputSize(), d.n};
  double loss = lossForwardBackward(loss_, lb, dOut);
  net_.backward(d.x, dOut, d.n, fused_, ws_);
  return loss + net_.addRegularization(true);
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
  const double reg = const_cast<Network&>(net_).addRegularization(false);
  for (int64_t start = 0; start < d.n; start += batchSize) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const int64_t B = std::min(batchSize, d.n - start);
    if (sparse) checkLabels(d.labels + start, B, out);
    const float* y = const_cast<Network&>(net_).forward(d.x + start * in, B, false, fused_, ws, nullptr);
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

void predictInto(const Network& net, const float* x, int64_t n, int64_t batchSize, float* out, Workspace& ws) {
  ScopedFlushDenormals ftz;
  const int64_t in = net.inputSize(), od = net.outputSize();
  // NOTE: inference-mode forward reads parameters only (no moving-statistics
  // update, no dropout), so concurrent predictions with separate workspaces are safe.
  Network& mut = const_cast<Network&>(net);
  for (int64_t start = 0; start < n; start += batchSize) {
    const int64_t B = std::min(batchSize, n - start);
    const float* y = mut.forward(x + start * in, B, false, false, ws, nullptr);
    std::memcpy(out + start * od, y, sizeof(float) * B * od);
  }
}

}  // namespace tf
