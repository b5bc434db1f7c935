// The training engine: runs many steps (forward -> loss -> backward -> fused
// optimizer update, over rows row_staging.h has already gathered in the
// epoch's shuffled order) in one native call, with no allocation per step.
// Also batched evaluation and inference.
#pragma once
#include <atomic>
#include <exception>
#include <cstdint>
#include <memory>
#include <vector>

#include "data_parallel.h"
#include "losses.h"
#include "metrics.h"
#include "graph.h"
#include "huge_page_buffer.h"
#include "magnitude_pruning.h"
#include "optimizers.h"

namespace tf {

// A model's data, one row per sample. With several outputs, a row holds one
// label per output with a sparse loss and the targets of the other outputs
// one after another, in output order (Trainer::labelWidth / targetWidth).
struct Dataset {
  const float* x = nullptr;         // [n, inDim]
  const int32_t* labels = nullptr;  // [n, labelWidth] sparse labels, or nullptr
  const float* targets = nullptr;   // [n, targetWidth] dense targets, or nullptr
  const float* weights = nullptr;   // [n] per-sample loss weights (class weights), or nullptr
  int64_t n = 0;
  int64_t labelWidth = 1;           // labels per row
};

// One output's loss: its weight in the total (Keras's lossWeights) and the
// metrics reported on that output.
struct OutputLoss {
  LossConfig loss;
  float weight = 1.f;
  std::vector<MetricSpec> metrics;
};

// What a step reports besides the loss (Trainer::reportCount), each summed
// over the batch's samples: every output's metrics (output 0's, then output
// 1's, ...), then, with several outputs, each output's own unweighted loss
// (its batch mean times the batch size), as Keras reports `<output>_loss`.
struct ChunkResult {
  int64_t batches = 0;              // batches completed
  bool nonFinite = false;           // stopped: the loss, a gradient or an updated weight became NaN or infinite
  bool cancelled = false;           // stopped by the cancel flag
  std::vector<float> loss;          // per batch (weighted over outputs, including regularization)
  std::vector<double> metricSums;   // per batch x report
  std::vector<int32_t> sizes;       // per batch sample count
};

struct EvalResult {
  double lossSum = 0;               // sum over samples of (batch loss x batch size)
  std::vector<double> metricSums;   // per report, summed over samples
  int64_t samples = 0;
};

class Trainer {
 public:
  // One loss per graph output. Throws std::invalid_argument when a metric
  // needs data its output's loss does not use (a sparse metric beside a
  // dense loss, or the other way round), or the count is not the graph's.
  Trainer(Graph& net, OptimizerConfig opt, std::vector<OutputLoss> losses);
  Trainer(Graph& net, OptimizerConfig opt, LossConfig loss, std::vector<MetricSpec> metrics)
      : Trainer(net, std::move(opt), {OutputLoss{loss, 1.f, std::move(metrics)}}) {}

  // Labels per data row (one per output with a sparse loss) and target
  // floats per row (the sizes of the other outputs, in output order).
  int64_t labelWidth() const { return labelWidth_; }
  int64_t targetWidth() const { return targetWidth_; }
  // Metrics over every output, then (several outputs) each output's loss: see ChunkResult.
  size_t reportCount() const { return metricCount_ + (heads_.size() > 1 ? heads_.size() : 0); }

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

  // A step whose loss the caller computes (custom losses: JavaScript's
  // gradient tape). tapeForward runs the training forward pass with every
  // output's activation applied (nothing fused) and copies the outputs into
  // `outputs` [rows, outputSize()], packed per sample as predictions are.
  // tapeStep takes dLoss/d(outputs) in the same layout and the caller's
  // loss, runs the backward pass of that forward pass and makes the update
  // as a built-in step does (regularization, finite checks, optimizer,
  // pruning). Returns the loss with regularization; *applied is false when
  // a non-finite loss or gradient skipped the update. std::logic_error
  // without a tapeForward of `rows` samples before it.
  void tapeForward(const float* x, int64_t rows, float* outputs);
  double tapeStep(const float* dOutputs, int64_t rows, double dataLoss, bool* applied);

  // Whether trainChunk, called now on this thread, runs its steps of
  // `batchSize` rows as two halves on two threads: the graph allows it
  // (Graph::splitsByRows), its arithmetic is worth two threads, the thread
  // cap in scope gives two, helper threads exist and one more gradient
  // arena fits the memory limit (TENSORFORGE_SPLIT_STEPS=0 turns splitting
  // off, for benchmarks that compare). Results are then those
  // of the whole batch up to float rounding (the halves' gradients are
  // summed), and the same bits every run.
  bool splitSteps(int64_t batchSize) const;
  // Rows per sub-batch for steps (or split halves) of `rows` (0: whole).
  // A graph of per-sample layers whose activations for that many rows would
  // overflow the caches runs them as sub-batches whose activations stay in
  // them, adding up the sub-batches' gradients, where that adding moves
  // fewer bytes than it saves (the example CNN's batch-128 epoch: 15% less
  // time).
  int64_t subBatchRows(int64_t rows) const;

  Optimizer& optimizer() { return *opt_; }
  // Magnitude pruning after every update from now on (magnitude_pruning.h),
  // or none with nullptr; kept until the next call or compile.
  void setPruning(const Config* options);
  const MagnitudePruning* pruning() const { return pruning_.get(); }
  void reseed(uint64_t seed) {
    rng_.reseed(seed);
    second_.rng.reseed(seed ^ kSecondShareSeed);
  }

 private:
  // Where each output's labels / targets start in a row, and its size.
  struct Head {
    int64_t labelColumn = -1;  // sparse loss: its column of the labels
    int64_t targetOffset = 0;  // dense loss: its first float in a targets row
    int64_t size = 0;          // the output's floats per sample
    bool fused = false;        // the loss reads logits: the output defers its activation
  };
  // One batch's labels and targets of each output, contiguous: the data's
  // own rows for a single output; for several, copied out of the packed rows
  // into buffers that grow to the largest batch and are then reused.
  struct HeadData {
    std::vector<std::vector<int32_t>> labels;
    std::vector<std::vector<float>> targets;
  };
  // One share of a step's rows and where its pass writes: the whole batch
  // on the trainer's own buffers, or half of it (a split step).
  struct Share {
    const float* x = nullptr;
    const int32_t* labels = nullptr;
    const float* targets = nullptr;
    const float* weights = nullptr;
    int64_t rows = 0;
    Workspace* ws = nullptr;
    HeadData* heads = nullptr;
    Rng* rng = nullptr;
    double* reports = nullptr;  // reportCount() sums, or null
    float* grads = nullptr;     // the gradient arena it fills; null: the graph's
    // Sub-batches after the first (subBatchRows_): their gradient and
    // reports, before they are added to the share's.
    int64_t subRows = 0;  // 0: the share in one pass
    float* partGrads = nullptr;
    double* partReports = nullptr;
    double loss = 0;
    std::exception_ptr error;   // a split step's share reports its failure here
  };
  // The second share's own buffers (the first uses the trainer's).
  struct SecondShare {
    Workspace ws;
    HeadData heads;
    Rng rng{kSecondShareSeed};
    std::vector<double> reports, partReports;
    // A copy of the weights' size each, first touched in the fit's first step: on huge pages.
    std::vector<float, HugePageAllocator<float>> grads, partGrads;
  };
  // The two shares of a split step, for the threads that run them (runShare).
  struct SplitWork {
    Trainer* trainer;
    int64_t normalizer;
    Share* shares;  // [2]
  };
  static constexpr uint64_t kSecondShareSeed = 0x6a09e667f3bcc909ull;
  void splitHeads(const int32_t* labels, const float* targets, int64_t rows, HeadData& buf, const int32_t** headLabels,
                  const float** headTargets) const;
  // std::out_of_range for a sparse label outside [0, output size).
  void checkHeadLabels(const int32_t* const* labels, int64_t rows) const;
  // The outputs' losses, weighted and summed (returned), and with `reports`
  // what reportCount() counts; with `grads`, dLoss/d(output) into the
  // graph's output gradients.
  double lossesAndMetrics(const Graph& net, Workspace& ws, const int32_t* const* labels, const float* const* targets,
                          const float* weights, int64_t rows, int64_t normalizer, bool grads, double* reports) const;
  // Forward, loss and backward of `rows` samples into grads(), the loss
  // divided by `normalizer` (the batch size; the global batch size when the
  // rows are one rank's share), without regularization. Returns the loss;
  // appends the step's reports (reportCount()) to `reports` when given.
  double stepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights, int64_t rows,
                       int64_t normalizer, std::vector<double>* reports, int64_t subRows = 0);
  // Forward, loss and backward of one share into its arena, in sub-batches
  // of its subRows when set; returns the loss.
  double shareGradients(const Share& s, int64_t normalizer);
  // Sizes the buffers the chunk's steps of `batchSize` use (split or not,
  // sub-batches or not) and returns whether they split.
  bool prepareSteps(int64_t batchSize);
  // A step of `rows` as two halves on two threads (Graph::splitsByRows):
  // each half's gradient into its own arena, then summed into grads() in a
  // fixed order; appends the step's reports and returns the loss, as
  // stepGradients does. Whether steps split is decided per chunk (splitSteps).
  double splitStepGradients(const float* x, const int32_t* labels, const float* targets, const float* weights,
                            int64_t rows, std::vector<double>& reports);
  static void runShare(void* ctx, int part);
  // The update once grads() holds the batch's data gradient: regularization
  // (added once, after any reduction over ranks), the finite checks, the
  // optimizer step. Records the batch in `res`; false when training must stop.
  bool finishStep(double dataLoss, int64_t batchRows, ChunkResult& res);
  ChunkResult trainShares(const Dataset& data, const DataParallel& parallel, int64_t count, const std::atomic<bool>* cancel);

  Graph& net_;
  std::unique_ptr<Optimizer> opt_;
  std::vector<OutputLoss> losses_;
  std::vector<Head> heads_;
  LogitOutputs fused_ = 0;
  int64_t labelWidth_ = 0, targetWidth_ = 0;
  size_t metricCount_ = 0;
  Workspace ws_;
  HeadData headData_;
  std::vector<double> stepReports_;
  Rng rng_;
  std::vector<std::pair<int64_t, int64_t>> segments_;
  SecondShare second_;
  int64_t subBatchRows_ = 0;          // the current chunk's sub-batch rows (0: none; prepareSteps)
  std::vector<float> partGrads_;      // the first share's sub-batch gradient
  std::vector<double> partReports_;
  std::vector<double> stepStats_;  // data-parallel: the loss and reports of one step, reduced over ranks
  std::unique_ptr<MagnitudePruning> pruning_;
  int64_t tapeRows_ = 0;  // rows of the last tapeForward, until its tapeStep
};

// Batched inference into out [n, outDim] with a caller-owned workspace, so
// several predictions can run at once on one graph.
void predictInto(const Graph& net, const float* x, int64_t n, int64_t batchSize, float* out, Workspace& ws);

}  // namespace tf
