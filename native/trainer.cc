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

double Trainer::stepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights,
                              int64_t rows, int64_t normalizer, std::vector<double>* metricSums) {
  const float* y = net_.forwardTraining(x, rows, fused_, ws_, &rng_);
  float* dOut = net_.outputGrad(ws_);
  const int64_t out = net_.outputSize();
  LossBatch lb{y, fused_ || loss_.fromLogits, labels, targets, weights, rows, out, normalizer};
  const double loss = lossForwardBackward(loss_, lb, dOut);
  if (metricSums) {
    const Activation deferred = fused_ ? net_.outputActivation() : Activation::Linear;
    for (const MetricSpec& m : metrics_) metricSums->push_back(metricSum(m, y, deferred, labels, targets, rows, out));
  }
  net_.backward(rows, fused_, ws_);
  return loss;
}

bool Trainer::finishStep(double dataLoss, int64_t batchRows, ChunkResult& res) {
  const int64_t np = static_cast<int64_t>(net_.params().size());
  const double loss = dataLoss + net_.addRegularizationGradients();
  res.loss.push_back(static_cast<float>(loss));
  res.sizes.push_back(static_cast<int32_t>(batchRows));
  ++res.batches;
  // A loss that overflows float, or a gradient that overflowed in backprop
  // under a finite loss: stop before the update, so the weights stay finite.
  if (!std::isfinite(static_cast<float>(loss)) || !allFiniteF32(net_.grads().data(), np)) {
    res.nonFinite = true;
    return false;
  }
  // NOTE: only an update that itself overflows (finite gradient times a
  // learning rate near 1e30) gets here with non-finite weights; stop at once.
  if (!opt_->step(net_.params().data(), net_.grads().data(), np, segments_)) {
    res.nonFinite = true;
    return false;
  }
  if (pruning_) pruning_->afterStep(opt_->iterations(), net_.params().data(), opt_->slots());
  return true;
}

ChunkResult Trainer::trainChunk(const Dataset& d, int64_t batchSize, int64_t count, const std::atomic<bool>* cancel,
                                const DataParallel* parallel) {
  checkData(d);
  if (parallel) return trainShares(d, *parallel, count, cancel);
  ScopedFlushDenormals ftz;
  const int64_t in = net_.rowSize(), out = net_.outputSize();
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  ChunkResult res;
  res.loss.reserve(static_cast<size_t>(count));
  res.metricSums.reserve(static_cast<size_t>(count) * metrics_.size());
  res.sizes.reserve(static_cast<size_t>(count));
  net_.prepare(ws_, batchSize);
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
    const double loss = stepGradients(bx, bl, bt, bw, B, B, &res.metricSums);
    if (!finishStep(loss, B, res)) break;
  }
  return res;
}

ChunkResult Trainer::trainShares(const Dataset& d, const DataParallel& p, int64_t count, const std::atomic<bool>* cancel) {
  if (!p.sync || p.ranks < 1 || p.rank < 0 || p.rank >= p.ranks || p.globalBatch < 1 || p.globalRows < 0)
    throw std::invalid_argument("the data-parallel plan is not valid");
  ScopedFlushDenormals ftz;
  const int64_t in = net_.rowSize(), out = net_.outputSize();
  const int64_t np = static_cast<int64_t>(net_.params().size());
  const bool sparse = loss_.kind == LossKind::SparseCategoricalCrossentropy;
  const size_t m = metrics_.size();
  ChunkResult res;
  res.loss.reserve(static_cast<size_t>(count));
  res.metricSums.reserve(static_cast<size_t>(count) * m);
  res.sizes.reserve(static_cast<size_t>(count));
  net_.prepare(ws_, std::max<int64_t>(1, (p.globalBatch + p.ranks - 1) / p.ranks));
  int64_t row = 0;  // this rank's next staged row
  for (int64_t b = 0; b < count; ++b) {
    const int64_t B = std::min(p.globalBatch, p.globalRows - b * p.globalBatch);
    if (B <= 0) break;
    const RowShare share = shareOfBatch(B, p.rank, p.ranks);
    const int64_t rows = share.size();
    stepStats_.clear();
    std::exception_ptr failure;
    try {
      // NOTE: in data-parallel training a cancel is a failure every rank must hear of:
      // a rank that stopped alone would leave the others waiting in the next reduction.
      if (cancel && cancel->load(std::memory_order_relaxed)) throw std::runtime_error("training was aborted");
      if (row + rows > d.n) throw std::logic_error("the staged rows do not hold this rank's share of the batch");
      if (rows > 0) {
        const int32_t* bl = d.labels ? d.labels + row : nullptr;
        if (sparse) checkLabels(bl, rows, out);
        stepStats_.push_back(0.0);  // the loss, then the metrics' sums
        // The loss over the global batch size: summed over ranks, it is the batch's mean.
        const double loss = stepGradients(d.x + row * in, bl, d.targets ? d.targets + row * out : nullptr,
                                          d.weights ? d.weights + row : nullptr, rows, B, &stepStats_);
        stepStats_[0] = loss;
      } else {
        // A batch shorter than the number of ranks leaves some with no rows: they add nothing.
        std::fill(net_.grads().begin(), net_.grads().end(), 0.f);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    stepStats_.resize(1 + m, 0.0);
    if (failure || rows == 0) std::fill(stepStats_.begin(), stepStats_.end(), 0.0);
    row += rows;
    p.sync->reduce(net_.grads().data(), np, stepStats_.data(), static_cast<int64_t>(stepStats_.size()), failure);
    res.metricSums.insert(res.metricSums.end(), stepStats_.begin() + 1, stepStats_.end());
    if (!finishStep(stepStats_[0], B, res)) break;
  }
  return res;
}

double Trainer::computeGradients(const Dataset& d) {
  checkData(d);
  ScopedFlushDenormals ftz;
  if (loss_.kind == LossKind::SparseCategoricalCrossentropy) checkLabels(d.labels, d.n, net_.outputSize());
  net_.prepare(ws_, d.n);
  return stepGradients(d.x, d.labels, d.targets, d.weights, d.n, d.n, nullptr) + net_.addRegularizationGradients();
}

void Trainer::applyGradients() {
  ScopedFlushDenormals ftz;
  opt_->step(net_.params().data(), net_.grads().data(), static_cast<int64_t>(net_.params().size()), segments_);
  if (pruning_) pruning_->afterStep(opt_->iterations(), net_.params().data(), opt_->slots());
}

void Trainer::setPruning(const Config* options) {
  pruning_ = options ? std::make_unique<MagnitudePruning>(*options, net_.params()) : nullptr;
  // Weights already pruned stay zero from the start.
  if (pruning_) pruning_->afterStep(-1, net_.params().data(), opt_->slots());
}

EvalResult Trainer::evaluate(const Dataset& d, int64_t batchSize, const std::atomic<bool>* cancel,
                             Workspace& ws) const {
  checkData(d);
  ScopedFlushDenormals ftz;
  const int64_t in = net_.rowSize(), out = net_.outputSize();
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
  const int64_t in = net.rowSize(), od = net.outputSize();
  // Inference reads the arenas only, so concurrent predictions with separate workspaces are safe.
  for (int64_t start = 0; start < n; start += batchSize) {
    const int64_t B = std::min(batchSize, n - start);
    const float* y = net.infer(x + start * in, B, false, ws);
    std::memcpy(out + start * od, y, sizeof(float) * B * od);
  }
}

}  // namespace tf
