// The training engine: runs many steps (forward -> loss -> backward -> fused
// optimizer update, over rows row_staging.h has already gathered in the
// epoch's shuffled order) in one native call, with no allocation per step.
// Also batched evaluation and inference.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "data_parallel.h"
#include "losses.h"
#include "metrics.h"
#include "graph.h"
#include "magnitude_pruning.h"
#include "optimizers.h"

namespace tf {

struct Dataset {
  const float* x = nullptr;         // [n, inDim]
  const int32_t* labels = nullptr;  // [n] sparse labels, or nullptr
  const float* targets = nullptr;   // [n, outDim] dense targets, or nullptr
  const float* weights = nullptr;   // [n] per-sample loss weights (class weights), or nullptr
  int64_t n = 0;
};

struct ChunkResult {
  int64_t batches = 0;              // batches completed
  bool nonFinite = false;           // stopped: the loss, a gradient or an updated weight became NaN or infinite
  bool cancelled = false;           // stopped by the cancel flag
  std::vector<float> loss;          // per batch (including regularization)
  std::vector<double> metricSums;   // per batch x metric, summed over the batch
  std::vector<int32_t> sizes;       // per batch sample count
};

struct EvalResult {
  double lossSum = 0;               // sum over samples of (batch loss x batch size)
  std::vector<double> metricSums;   // per metric, summed over samples
  int64_t samples = 0;
};

class Trainer {
 public:
  // Throws std::invalid_argument when a metric needs data the loss does not
  // use (a sparse metric beside a dense loss, or the other way round).
  Trainer(Graph& net, OptimizerConfig opt, LossConfig loss, std::vector<MetricSpec> metrics);

  // Throws std::invalid_argument unless `data` holds what the loss and every
  // metric read (labels for the sparse ones, targets for the rest). Every entry
  // point below calls it: a caller's mistake must not become a null read.
  void checkData(const Dataset& data) const;

  // Runs `count` batches over the rows of `data` as stored (row_staging.h
  // has already copied them in the epoch's shuffled order). Stops early on a
  // non-finite loss or gradient (the update of that batch is skipped, so
  // weights stay finite), after an update that overflowed, or when `cancel`
  // becomes true. Throws std::out_of_range for a label outside [0, outDim).
  //
  // With `parallel`, `data` holds this rank's shares of the chunk's global
  // batches of `batchSize` (data_parallel.h), and each step sums gradients,
  // loss and metrics over the ranks before the update, so every rank makes
  // the update of the global batch; results are the global batch's figures
  // on every rank. Any rank's failure in a step (a bad label, `cancel`)
  // stops every rank: this one throws its error, the others name it.
  ChunkResult trainChunk(const Dataset& data, int64_t batchSize, int64_t count, const std::atomic<bool>* cancel,
                         const DataParallel* parallel = nullptr);

  // Loss (with regularization) and its gradient in grads() for one batch in
  // training mode, without an update: for gradient checks against finite differences.
  double computeGradients(const Dataset& data);
  // One optimizer update with the gradients currently in grads() (optimizer tests).
  void applyGradients();

  // ws: the caller's workspace, reused across calls. Several evaluations may
  // run at once, each with its own workspace.
  EvalResult evaluate(const Dataset& data, int64_t batchSize, const std::atomic<bool>* cancel, Workspace& ws) const;

  Optimizer& optimizer() { return *opt_; }
  // Magnitude pruning after every update from now on (magnitude_pruning.h),
  // or none with nullptr; kept until the next call or compile.
  void setPruning(const Config* options);
  const MagnitudePruning* pruning() const { return pruning_.get(); }
  void reseed(uint64_t seed) { rng_.reseed(seed); }

 private:
  // Forward, loss and backward of `rows` samples into grads(), the loss
  // divided by `normalizer` (the batch size; the global batch size when the
  // rows are one rank's share), without regularization. Returns the loss;
  // appends the metrics' sums to `metricSums` when given.
  double stepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights, int64_t rows,
                       int64_t normalizer, std::vector<double>* metricSums);
  // The update once grads() holds the batch's data gradient: regularization
  // (added once, after any reduction over ranks), the finite checks, the
  // optimizer step. Records the batch in `res`; false when training must stop.
  bool finishStep(double dataLoss, int64_t batchRows, ChunkResult& res);
  ChunkResult trainShares(const Dataset& data, const DataParallel& parallel, int64_t count, const std::atomic<bool>* cancel);

  Graph& net_;
  std::unique_ptr<Optimizer> opt_;
  LossConfig loss_;
  std::vector<MetricSpec> metrics_;
  bool fused_;
  Workspace ws_;
  Rng rng_;
  std::vector<std::pair<int64_t, int64_t>> segments_;
  std::vector<double> stepStats_;
  std::unique_ptr<MagnitudePruning> pruning_;  // data-parallel: loss and metric sums of one step, reduced over ranks
};

// Batched inference into out [n, outDim] with a caller-owned workspace, so
// several predictions can run at once on one graph.
void predictInto(const Graph& net, const float* x, int64_t n, int64_t batchSize, float* out, Workspace& ws);

}  // namespace tf
