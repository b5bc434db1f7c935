#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "denormals.h"
#include "gemm.h"
#include "gemm_avx512.h"
#include "memory_limit.h"
#include "reduce.h"

namespace tf {

namespace {
// dst[e] += src[e] for e in [begin, end): a gradient arena added to another.
void addArena(float* dst, const float* src, int64_t begin, int64_t end) {
  for (int64_t e = begin; e < end; ++e) dst[e] += src[e];
}

void checkLabels(const int32_t* labels, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw std::out_of_range("label " + std::to_string(labels[i]) + " is outside [0, " + std::to_string(classes) + ")");
}
}  // namespace

Trainer::Trainer(Graph& net, OptimizerConfig opt, std::vector<OutputLoss> losses)
    : net_(net),
      opt_(std::make_unique<Optimizer>(std::move(opt), static_cast<int64_t>(net.params().size()))),
      losses_(std::move(losses)),
      segments_(net.trainableSegments()) {
  if (losses_.size() != net.outputCount())
    throw std::invalid_argument("the model has " + std::to_string(net.outputCount()) + " output(s) but " +
                                std::to_string(losses_.size()) + " loss(es) were given");
  for (size_t h = 0; h < losses_.size(); ++h) {
    const OutputLoss& o = losses_[h];
    const std::string which = losses_.size() > 1 ? " (output " + std::to_string(h) + ")" : "";
    if (!std::isfinite(o.weight) || o.weight < 0) throw std::invalid_argument("a loss weight must be finite and >= 0" + which);
    const bool sparse = o.loss.kind == LossKind::SparseCategoricalCrossentropy;
    for (const MetricSpec& m : o.metrics) {
      const MetricInput needs = metricInput(m.kind);
      if (needs == MetricInput::Labels && !sparse)
        throw std::invalid_argument("a sparse metric needs integer labels, which only the sparse categorical crossentropy loss uses" + which);
      if (needs == MetricInput::Targets && sparse)
        throw std::invalid_argument("a metric that reads dense targets cannot follow the sparse categorical crossentropy loss" + which);
      if ((m.kind == MetricKind::SparseTopKCategoricalAccuracy || m.kind == MetricKind::TopKCategoricalAccuracy) && m.k < 1)
        throw std::invalid_argument("top-k accuracy needs k >= 1");
    }
    Head head;
    head.size = net.outputNodeSize(h);
    // An output that also feeds other nodes must compute its activation for them.
    head.fused = lossFusesActivation(o.loss, net.outputActivation(h)) && net.outputIsFinal(h);
    if (sparse) head.labelColumn = labelWidth_++;
    else head.targetOffset = (targetWidth_ += head.size) - head.size;
    if (head.fused) fused_ |= LogitOutputs{1} << h;
    heads_.push_back(head);
    metricCount_ += o.metrics.size();
  }
  stepReports_.resize(reportCount());
}

void Trainer::checkData(const Dataset& d) const {
  if (d.n < 0) throw std::invalid_argument("the sample count is negative");
  if (d.n == 0) return;
  if (!d.x) throw std::invalid_argument("the data has no inputs");
  if (labelWidth_ > 0 && !d.labels) throw std::invalid_argument(labelWidth_ == 1 && heads_.size() == 1 ? "this loss needs integer labels" : "the data needs integer labels for the sparse losses");
  if (labelWidth_ > 0 && d.labelWidth != labelWidth_)
    throw std::invalid_argument("the data holds " + std::to_string(d.labelWidth) + " label(s) per sample; the losses need " + std::to_string(labelWidth_));
  if (targetWidth_ > 0 && !d.targets) throw std::invalid_argument(heads_.size() == 1 ? "this loss needs float targets" : "the data needs float targets for the dense losses");
  for (size_t h = 0; h < heads_.size(); ++h)
    for (const MetricSpec& m : losses_[h].metrics) {
      // A metric reads what its output's loss reads (the constructor checked the pairing).
      const MetricInput needs = metricInput(m.kind);
      if (needs == MetricInput::Labels && !d.labels) throw std::invalid_argument("a sparse metric needs integer labels");
      if (needs == MetricInput::Targets && !d.targets) throw std::invalid_argument("this metric needs float targets");
    }
}

void Trainer::splitHeads(const int32_t* labels, const float* targets, int64_t rows, HeadData& buf, const int32_t** headLabels,
                         const float** headTargets) const {
  const size_t count = heads_.size();
  if (count == 1) {
    headLabels[0] = heads_[0].labelColumn >= 0 ? labels : nullptr;
    headTargets[0] = heads_[0].labelColumn < 0 ? targets : nullptr;
    return;
  }
  buf.labels.resize(count);
  buf.targets.resize(count);
  for (size_t h = 0; h < count; ++h) {
    const Head& hd = heads_[h];
    if (hd.labelColumn >= 0) {
      std::vector<int32_t>& l = buf.labels[h];
      if (l.size() < static_cast<size_t>(rows)) l.resize(static_cast<size_t>(rows));
      for (int64_t r = 0; r < rows; ++r) l[r] = labels[r * labelWidth_ + hd.labelColumn];
      headLabels[h] = l.data();
      headTargets[h] = nullptr;
    } else {
      std::vector<float>& t = buf.targets[h];
      if (t.size() < static_cast<size_t>(rows * hd.size)) t.resize(static_cast<size_t>(rows * hd.size));
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(t.data() + r * hd.size, targets + r * targetWidth_ + hd.targetOffset, sizeof(float) * hd.size);
      headLabels[h] = nullptr;
      headTargets[h] = t.data();
    }
  }
}

void Trainer::checkHeadLabels(const int32_t* const* labels, int64_t rows) const {
  for (size_t h = 0; h < heads_.size(); ++h)
    if (heads_[h].labelColumn >= 0) checkLabels(labels[h], rows, heads_[h].size);
}

double Trainer::lossesAndMetrics(const Graph& net, Workspace& ws, const int32_t* const* labels, const float* const* targets,
                                 const float* weights, int64_t rows, int64_t normalizer, bool grads, double* reports) const {
  double total = 0;
  double* outputLoss = reports ? reports + metricCount_ : nullptr;
  for (size_t h = 0; h < heads_.size(); ++h) {
    const Head& hd = heads_[h];
    const OutputLoss& o = losses_[h];
    const float* y = net.outputValues(ws, h);
    float* dOut = grads ? net.outputGrad(ws, h) : nullptr;
    LossBatch lb{y, hd.fused || o.loss.fromLogits, labels[h], targets[h], weights, rows, hd.size, normalizer};
    const double loss = lossForwardBackward(o.loss, lb, dOut);
    // Keras's lossWeights scale each output's share of the gradient too.
    if (dOut && o.weight != 1.f)
      for (int64_t e = 0, n = rows * hd.size; e < n; ++e) dOut[e] *= o.weight;
    total += static_cast<double>(o.weight) * loss;
    if (!reports) continue;
    if (heads_.size() > 1) outputLoss[h] = loss * static_cast<double>(normalizer);
    const Activation deferred = hd.fused ? net.outputActivation(h) : Activation::Linear;
    for (const MetricSpec& m : o.metrics) *reports++ = metricSum(m, y, deferred, labels[h], targets[h], rows, hd.size);
  }
  return total;
}

double Trainer::shareGradients(const Share& s, int64_t normalizer) {
  const int32_t* headLabels[Graph::kMaxOutputs];
  const float* headTargets[Graph::kMaxOutputs];
  const int64_t step = s.subRows > 0 ? s.subRows : s.rows;
  const int64_t np = static_cast<int64_t>(net_.params().size());
  const size_t m = reportCount();
  float* grads = s.grads ? s.grads : net_.grads().data();
  double loss = 0;
  for (int64_t first = 0; first < s.rows; first += step) {
    const int64_t rows = std::min(step, s.rows - first);
    const int32_t* labels = s.labels ? s.labels + first * labelWidth_ : nullptr;
    splitHeads(labels, s.targets ? s.targets + first * targetWidth_ : nullptr, rows, *s.heads, headLabels, headTargets);
    checkHeadLabels(headLabels, rows);
    net_.forwardTraining(s.x + first * net_.rowSize(), rows, fused_, *s.ws, s.rng);
    double* reports = first == 0 ? s.reports : s.reports ? s.partReports : nullptr;
    loss += lossesAndMetrics(net_, *s.ws, headLabels, headTargets, s.weights ? s.weights + first : nullptr, rows,
                             normalizer, true, reports);
    net_.backward(rows, fused_, *s.ws, first == 0 ? grads : s.partGrads);
    if (first == 0) continue;
    addArena(grads, s.partGrads, 0, np);
    if (s.reports)
      for (size_t r = 0; r < m; ++r) s.reports[r] += s.partReports[r];
  }
  return loss;
}

namespace {
// Activation bytes of a share that stay in the caches: about one core's L2
// (1 MiB on the AMD EPYC Zen 5, 1-2 MiB on recent Xeons) plus its share of L3.
constexpr int64_t kShareCacheBytes = int64_t{2} << 20;
}  // namespace

int64_t Trainer::subBatchRows(int64_t rows) const {
  if (!net_.splitsByRows()) return 0;
  const int64_t perRow = net_.workspaceBytes(2) - net_.workspaceBytes(1);
  if (perRow <= 0) return 0;
  const int64_t most = std::max<int64_t>(2 * Graph::kMinRowsPerShare, kShareCacheBytes / perRow);
  if (most >= rows) return 0;
  const int64_t parts = (rows + most - 1) / most, sub = (rows + parts - 1) / parts;  // equal parts
  // Each sub-batch after the first reads and adds a whole gradient arena: it
  // must be small beside the activations kept in cache (a convnet's kernels,
  // not a dense model's weight matrices, whose products also want many rows).
  const int64_t arenaBytes = static_cast<int64_t>(net_.params().size() * sizeof(float));
  return 8 * arenaBytes < sub * perRow ? sub : 0;
}

bool Trainer::prepareSteps(int64_t batchSize) {
  const bool split = splitSteps(batchSize);
  const int64_t first = split ? shareOfBatch(batchSize, 0, 2).size() : batchSize;
  subBatchRows_ = subBatchRows(first);
  const int64_t rows = subBatchRows_ > 0 ? subBatchRows_ : first;
  const size_t np = net_.params().size(), m = reportCount();
  net_.prepare(ws_, rows);
  if (split) net_.prepare(second_.ws, subBatchRows_ > 0 ? subBatchRows_ : batchSize - first);
  if (subBatchRows_ > 0) {
    partGrads_.resize(np);
    partReports_.resize(m);
    if (split) {
      second_.partGrads.resize(np);
      second_.partReports.resize(m);
    }
  }
  return split;
}

double Trainer::stepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights,
                              int64_t rows, int64_t normalizer, std::vector<double>* reports, int64_t subRows) {
  Share whole;
  whole.x = x;
  whole.labels = labels;
  whole.targets = targets;
  whole.weights = weights;
  whole.rows = rows;
  whole.ws = &ws_;
  whole.heads = &headData_;
  whole.rng = &rng_;
  whole.reports = reports ? stepReports_.data() : nullptr;
  whole.subRows = subRows;
  whole.partGrads = partGrads_.data();
  whole.partReports = partReports_.data();
  const double loss = shareGradients(whole, normalizer);
  if (reports) reports->insert(reports->end(), stepReports_.begin(), stepReports_.end());
  return loss;
}

namespace {
// dst += src in `parts` ranges, one per thread.
struct ArenaSum {
  float* dst;
  const float* src;
  int64_t n;
  int parts;
};
void addPart(void* ctx, int part) {
  const ArenaSum& a = *static_cast<const ArenaSum*>(ctx);
  addArena(a.dst, a.src, a.n * part / a.parts, a.n * (part + 1) / a.parts);
}
// Elementwise sums of an arena this long pay for waking the other thread.
constexpr int64_t kSplitSumFloats = int64_t{1} << 16;

bool splitStepsAllowed() {
  static const bool allowed = [] {
    const char* v = std::getenv("TENSORFORGE_SPLIT_STEPS");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return allowed;
}
}  // namespace

void Trainer::runShare(void* ctx, int part) {
  const SplitWork& w = *static_cast<const SplitWork*>(ctx);
  Share& s = w.shares[part];
  // The share's products stay on its thread: the other share has the other core.
  ScopedBlasThreads one(1);
  try {
    s.loss = w.trainer->shareGradients(s, w.normalizer);
  } catch (...) {
    s.error = std::current_exception();
  }
}

// Splitting pays where the graph has arithmetic for two threads (the same
// rule that gives a job its second core): a batch-32 step of the seed model
// (10 MFLOP) lost more to the hand-over than its halves saved, while the
// example CNN at batch 32 ran 1.8x faster split than with only its
// products split (bench/RESULTS.md).
// The second half's gradient arena is one more copy of the weights: a model
// that only fits the memory limit without it trains unsplit, as before.
bool Trainer::splitSteps(int64_t batchSize) const {
  const size_t np = net_.params().size();
  return net_.splitsByRows() && batchSize >= 2 * Graph::kMinRowsPerShare && threadBudget() >= 2 &&
         net_.usefulThreads(batchSize) >= 2 && gemmHelpersAvailable() && splitStepsAllowed() &&
         (second_.grads.size() == np || fitsMemoryLimit(static_cast<int64_t>(np * sizeof(float))));
}

double Trainer::splitStepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights,
                                   int64_t rows, std::vector<double>& reports) {
  const int64_t np = static_cast<int64_t>(net_.params().size());
  const size_t m = reportCount();
  if (second_.grads.size() != static_cast<size_t>(np)) second_.grads.assign(static_cast<size_t>(np), 0.f);
  second_.reports.resize(m);
  Share shares[2];
  const int64_t half = shareOfBatch(rows, 0, 2).end;
  for (int k = 0; k < 2; ++k) {
    const int64_t first = k == 0 ? 0 : half;
    Share& s = shares[k];
    s.x = x + first * net_.rowSize();
    s.labels = labels ? labels + first * labelWidth_ : nullptr;
    s.targets = targets ? targets + first * targetWidth_ : nullptr;
    s.weights = weights ? weights + first : nullptr;
    s.rows = k == 0 ? half : rows - half;
  }
  shares[0].ws = &ws_;
  shares[0].heads = &headData_;
  shares[0].rng = &rng_;
  shares[0].reports = stepReports_.data();
  shares[0].subRows = subBatchRows_;
  shares[0].partGrads = partGrads_.data();
  shares[0].partReports = partReports_.data();
  shares[1].ws = &second_.ws;
  shares[1].heads = &second_.heads;
  shares[1].rng = &second_.rng;
  shares[1].reports = second_.reports.data();
  shares[1].grads = second_.grads.data();
  shares[1].subRows = subBatchRows_;
  shares[1].partGrads = second_.partGrads.data();
  shares[1].partReports = second_.partReports.data();
  SplitWork work{this, rows, shares};
  // Without a free helper (another job holds it) both shares run here, one
  // after the other: the same arithmetic, so the same result.
  if (!runOnGemmHelpers(&Trainer::runShare, &work, 2)) {
    runShare(&work, 0);
    runShare(&work, 1);
  }
  for (const Share& s : shares)
    if (s.error) std::rethrow_exception(s.error);
  ArenaSum sum{net_.grads().data(), second_.grads.data(), np, 2};
  if (np < kSplitSumFloats || !runOnGemmHelpers(addPart, &sum, 2)) {
    sum.parts = 1;
    addPart(&sum, 0);
  }
  for (size_t r = 0; r < m; ++r) reports.push_back(stepReports_[r] + second_.reports[r]);
  return shares[0].loss + shares[1].loss;
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
  const int64_t in = net_.rowSize();
  ChunkResult res;
  res.loss.reserve(static_cast<size_t>(count));
  res.metricSums.reserve(static_cast<size_t>(count) * reportCount());
  res.sizes.reserve(static_cast<size_t>(count));
  const bool split = prepareSteps(batchSize);
  for (int64_t b = 0; b < count; ++b) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      res.cancelled = true;
      break;
    }
    const int64_t start = b * batchSize;
    const int64_t B = std::min(batchSize, d.n - start);
    if (B <= 0) break;
    const float* bx = d.x + start * in;
    const int32_t* bl = d.labels ? d.labels + start * labelWidth_ : nullptr;
    const float* bt = d.targets ? d.targets + start * targetWidth_ : nullptr;
    const float* bw = d.weights ? d.weights + start : nullptr;
    const double loss = split && B >= 2 * Graph::kMinRowsPerShare
                            ? splitStepGradients(bx, bl, bt, bw, B, res.metricSums)
                            : stepGradients(bx, bl, bt, bw, B, B, &res.metricSums, subBatchRows_);
    if (!finishStep(loss, B, res)) break;
  }
  return res;
}

ChunkResult Trainer::trainShares(const Dataset& d, const DataParallel& p, int64_t count, const std::atomic<bool>* cancel) {
  if (!p.sync || p.ranks < 1 || p.rank < 0 || p.rank >= p.ranks || p.globalBatch < 1 || p.globalRows < 0)
    throw std::invalid_argument("the data-parallel plan is not valid");
  ScopedFlushDenormals ftz;
  const int64_t in = net_.rowSize();
  const int64_t np = static_cast<int64_t>(net_.params().size());
  const size_t m = reportCount();
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
        stepStats_.push_back(0.0);  // the loss, then the reports
        // The loss over the global batch size: summed over ranks, it is the batch's mean.
        const double loss = stepGradients(d.x + row * in, d.labels ? d.labels + row * labelWidth_ : nullptr,
                                          d.targets ? d.targets + row * targetWidth_ : nullptr,
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
  net_.prepare(ws_, d.n);
  return stepGradients(d.x, d.labels, d.targets, d.weights, d.n, d.n, nullptr) + net_.addRegularizationGradients();
}

void Trainer::tapeForward(const float* x, int64_t rows, float* outputs) {
  ScopedFlushDenormals ftz;
  tapeRows_ = 0;
  net_.prepare(ws_, rows);
  net_.forwardTraining(x, rows, LogitOutputs{0}, ws_, &rng_);
  const int64_t row = net_.outputSize();
  for (size_t k = 0, offset = 0; k < net_.outputCount(); offset += net_.outputNodeSize(k), ++k) {
    const int64_t size = net_.outputNodeSize(k);
    const float* out = net_.outputValues(ws_, k);
    for (int64_t r = 0; r < rows; ++r) std::copy(out + r * size, out + (r + 1) * size, outputs + r * row + offset);
  }
  tapeRows_ = rows;
}

double Trainer::tapeStep(const float* dOutputs, int64_t rows, double dataLoss, bool* applied) {
  if (tapeRows_ == 0 || tapeRows_ != rows) {
    throw std::logic_error("a tape step needs the forward pass of the same " + std::to_string(rows) + " samples first");
  }
  tapeRows_ = 0;
  ScopedFlushDenormals ftz;
  const int64_t row = net_.outputSize();
  for (size_t k = 0, offset = 0; k < net_.outputCount(); offset += net_.outputNodeSize(k), ++k) {
    const int64_t size = net_.outputNodeSize(k);
    float* grad = net_.outputGrad(ws_, k);
    for (int64_t r = 0; r < rows; ++r) std::copy(dOutputs + r * row + offset, dOutputs + r * row + offset + size, grad + r * size);
  }
  net_.backward(rows, LogitOutputs{0}, ws_);
  ChunkResult res;
  *applied = finishStep(dataLoss, rows, res);
  return res.loss.front();
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
  const int64_t in = net_.rowSize();
  EvalResult res;
  res.metricSums.assign(reportCount(), 0.0);
  std::vector<double> reports(reportCount());
  HeadData buf;
  const int32_t* headLabels[Graph::kMaxOutputs];
  const float* headTargets[Graph::kMaxOutputs];
  const double reg = net_.regularizationPenalty();
  for (int64_t start = 0; start < d.n; start += batchSize) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const int64_t B = std::min(batchSize, d.n - start);
    splitHeads(d.labels ? d.labels + start * labelWidth_ : nullptr, d.targets ? d.targets + start * targetWidth_ : nullptr, B, buf,
               headLabels, headTargets);
    checkHeadLabels(headLabels, B);
    // Like training, a fused loss reads logits (stable log-sum-exp); metrics apply the deferred activation.
    net_.infer(d.x + start * in, B, fused_, ws);
    const float* w = d.weights ? d.weights + start : nullptr;
    const double loss = lossesAndMetrics(net_, ws, headLabels, headTargets, w, B, B, false, reports.data()) + reg;
    res.lossSum += loss * B;
    for (size_t m = 0; m < reports.size(); ++m) res.metricSums[m] += reports[m];
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
