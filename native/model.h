// One model as the binding sees it: the graph, its trainer once compiled, the
// staged rows of the next training chunk and the workspaces kept between
// calls, with the thread policy of every job. What the binding adds is
// argument checks, the reader/writer lock of the concurrency contract and
// the hop to a worker thread; everything here runs (and is tested) without Node.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <vector>

#include "config.h"
#include "graph.h"
#include "row_staging.h"
#include "trainer.h"

namespace tf {

// A call the model's state does not allow (not compiled yet).
struct StateError : std::logic_error {
  using std::logic_error::logic_error;
};

// Native work on the model is in flight: the call would have to wait, and
// the JavaScript thread never waits.
struct BusyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a cancel flag JavaScript sets in an Int32Array while a worker runs.
bool flagSet(const int32_t* flag);

class Model {
 public:
  // A chain of layers (one Config each: "kind" plus the kind's options) over
  // inputs of `inputShape` per sample.
  Model(const std::vector<Config>& layers, Shape inputShape);
  // A graph (graph_spec.h describes the options). Training, evaluation and
  // prediction take one input array, so a graph of several inputs is refused
  // here (std::invalid_argument); Graph itself runs them.
  explicit Model(const Config& graph);
  explicit Model(GraphSpec spec);

  Graph& graph() { return graph_; }
  const Graph& graph() const { return graph_; }
  // Replaces the trainer (and with it the optimizer state); throws
  // std::invalid_argument for a bad configuration, leaving the old one.
  void compile(const Config& optimizer, const Config& loss, const std::vector<Config>& metrics);
  // One { loss, weight?, metrics? } per graph output, in output order.
  void compile(const Config& optimizer, const std::vector<Config>& outputs);
  // Floats per row of the data's targets (the compiled losses'; before compile, the output size).
  int64_t targetWidth() const { return trainer_ ? trainer_->targetWidth() : graph_.outputSize(); }
  // Labels per row of the data (at least 1: a model with no sparse loss is given none).
  int64_t labelWidth() const { return trainer_ ? std::max<int64_t>(1, trainer_->labelWidth()) : 1; }
  Trainer& trainer();  // throws StateError before compile
  bool compiled() const { return trainer_ != nullptr; }

  // The concurrency contract (TypeScript's model lock enforces it first):
  // writers (weights, compile, training) exclude everything, readers
  // (predict, evaluate, reading weights) only writers. Locks are tried, never
  // waited for: BusyError instead.
  std::unique_lock<std::shared_mutex> exclusive();
  std::shared_lock<std::shared_mutex> shared();
  // The trainer, for state only training reads (optimizer, learning rate,
  // dropout generator): only a training chunk in flight conflicts.
  Trainer& idleTrainer();
  // Holds the exclusive lock and marks a chunk in flight until released or
  // destroyed (on the caller's thread).
  class ChunkHold {
   public:
    explicit ChunkHold(Model& m) : lock_(m.exclusive()), inFlight_(m.chunkInFlight_) { inFlight_ = true; }
    ~ChunkHold() { release(); }
    void release() {
      if (lock_.owns_lock()) lock_.unlock();
      inFlight_ = false;
    }

   private:
    std::unique_lock<std::shared_mutex> lock_;
    bool& inFlight_;
  };

  // Threads worth using for batches of `rows` samples.
  int usefulThreads(int64_t rows) const { return graph_.usefulThreads(std::max<int64_t>(rows, 1)); }

  // One training chunk as fit asks for it: batches [first, first + count) of
  // the epoch's `order` (a permutation of the n samples, identified by
  // `epoch`), and the chunk to prefetch after it (nextCount 0: none).
  struct ChunkPlan {
    ChunkKey key, next;
    int64_t batchSize = 0, batches = 0;
  };
  // Checks the order (std::out_of_range for an index outside the data) and
  // the workspace against the memory limit (std::length_error). With
  // ranks > 1 the rows staged are rank `rank`'s shares (data_parallel.h).
  ChunkPlan planChunk(const Dataset& d, const int32_t* order, int64_t batchSize, int64_t first, int64_t count,
                      int64_t nextFirst, int64_t nextCount, double epoch, int rank = 0, int ranks = 1) const;
  // Training: the chunk's rows on the caller's thread (prefetched or copied),
  // then trainJob on a worker thread, then optionally the next chunk's prefetch.
  std::shared_ptr<const RowCopy> chunkRows(const Dataset& d, const ChunkKey& key);
  void prefetch(const Dataset& d, const ChunkKey& key) { stager_.prefetch(d, key, graph_.rowSize(), targetWidth()); }
  // `sync`: data-parallel training (the plan's rows are this rank's shares).
  ChunkResult trainJob(const RowCopy& rows, const ChunkPlan& plan, GradientSync* sync = nullptr);
  // Stops a running trainJob at its next batch; the next trainJob clears it.
  void cancel() { cancel_ = true; }
  void clearCancel() { cancel_ = false; }

  // Loss and gradients of one batch in training mode (copied to `grads`),
  // and one optimizer step with given gradients: for gradient checks.
  double computeGradients(const Dataset& d, float* grads);
  void applyGradients(const float* grads);

  // A step whose loss the caller computes (Trainer::tapeForward / tapeStep),
  // under the exclusive lock; the memory limit checked first.
  void tapeForward(const float* x, int64_t rows, float* outputs);
  double tapeStep(const float* dOutputs, int64_t rows, double dataLoss, bool* applied);

  // std::length_error unless the workspace for batches of `rows` fits the memory limit.
  void requireWorkspace(int64_t rows) const;

  // A prediction for a worker thread: a private copy of the input, a private
  // output (copied into the caller's array on its thread afterwards).
  struct PredictCopy {
    std::shared_ptr<RowCopy> input;
    std::vector<float> output;
    int64_t n = 0, batchSize = 0;
    const int32_t* cancel = nullptr;  // the caller's flag, honoured between batches
  };
  std::shared_ptr<PredictCopy> stagePredict(const float* x, int64_t n, int64_t batchSize, const int32_t* cancel) const;
  void predictJob(PredictCopy& p) { predictJob(p.input->x.data(), p.n, p.batchSize, p.output.data(), p.cancel); }

  // Inference on the calling (JavaScript) thread: never waits for cores.
  // Checks the workspace against the memory limit itself (std::length_error).
  void predict(const float* x, int64_t n, int64_t batchSize, float* out);
  // The batch a prediction runs in: the caller's, or the largest whose
  // workspace stays under the kept workspace size (32 MB) (each sample's prediction does
  // not depend on it). A fresh workspace of hundreds of MB per call made the
  // example CNN's batch-1000 prediction 35x slower than batch 32.
  int64_t inferenceBatch(int64_t batchSize, int64_t n) const;
  // Worker-thread jobs; a cancel flag is honoured between batches.
  void predictJob(const float* x, int64_t n, int64_t batchSize, float* out, const int32_t* cancel);
  EvalResult evaluateJob(const Dataset& d, int64_t batchSize);

 private:
  // Workspaces are kept on the model while they stay under this size: a fresh
  // one per call cost a 1000-row seed-model prediction a third of its time
  // in page faults and zero-filling, and one per libuv thread left several
  // MB in every thread's malloc arena (+33 MB resident after fit + evaluate).
  static constexpr int64_t kKeptWorkspaceBytes = 32 << 20;
  bool keepsWorkspace(int64_t batchSize, int64_t n) const;
  // f(workspace) with the kept worker-thread workspace when `keep` and it is
  // free (one job at a time), else a fresh one (several jobs may run at once).
  template <class F>
  void withWorkerWorkspace(bool keep, F&& f);

  Graph graph_;
  std::unique_ptr<Trainer> trainer_;
  std::shared_mutex lock_;
  bool chunkInFlight_ = false;  // the caller's thread only
  ChunkStager stager_;
  std::atomic<bool> cancel_{false};
  Workspace syncWs_;  // predict on the JavaScript thread only
  std::mutex workerWsMutex_;
  Workspace workerWs_;
};

}  // namespace tf
