#include "model.h"

#include <algorithm>

#include "layers/registry.h"
#include "thread_policy.h"

namespace tf {

namespace {
GraphSpec chainFrom(const std::vector<Config>& layers, Shape input) {
  std::vector<std::unique_ptr<Layer>> made;
  for (const Config& c : layers) made.push_back(makeLayer(c));
  return chainGraph(std::move(made), std::move(input));
}
}  // namespace

bool flagSet(const int32_t* flag) {
  if (!flag) return false;
#if defined(_MSC_VER)
  return *static_cast<const volatile int32_t*>(flag) != 0;
#else
  return __atomic_load_n(flag, __ATOMIC_RELAXED) != 0;
#endif
}

Model::Model(const std::vector<Config>& layers, Shape inputShape) : graph_(chainFrom(layers, std::move(inputShape))) {}
Model::Model(GraphSpec spec) : graph_(std::move(spec)) {}

void Model::compile(const Config& optimizer, const Config& loss, const std::vector<Config>& metrics) {
  OptimizerConfig opt = optimizerConfigFrom(optimizer);
  LossConfig l = lossConfigFrom(loss);
  std::vector<MetricSpec> m;
  for (const Config& c : metrics) m.push_back(metricSpecFrom(c));
  trainer_ = std::make_unique<Trainer>(graph_, std::move(opt), l, std::move(m));
}

Trainer& Model::trainer() {
  if (!trainer_) throw StateError("the model must be compiled first");
  return *trainer_;
}

std::shared_ptr<const RowCopy> Model::chunkRows(const Dataset& d, const ChunkKey& key) {
  return stager_.take(d, key, graph_.inputSize(), graph_.outputSize());
}

ChunkResult Model::trainJob(const RowCopy& rows, int64_t batchSize, int64_t batches) {
  WorkerThreads threads(usefulThreads(batchSize));
  return trainer().trainChunk(rows.data, batchSize, batches, &cancel_);
}

bool Model::keepsWorkspace(int64_t batchSize, int64_t n) const {
  return graph_.workspaceBytes(std::min(batchSize, std::max<int64_t>(n, 1))) <= kKeptWorkspaceBytes;
}

template <class F>
void Model::withWorkerWorkspace(bool keep, F&& f) {
  std::unique_lock<std::mutex> kept(workerWsMutex_, std::defer_lock);
  if (keep) kept.try_lock();
  Workspace fresh;
  f(kept.owns_lock() ? workerWs_ : fresh);
}

void Model::predict(const float* x, int64_t n, int64_t batchSize, float* out) {
  InlineThreads threads(usefulThreads(std::min(batchSize, n)));
  Workspace scratch;
  predictInto(graph_, x, n, batchSize, out, keepsWorkspace(batchSize, n) ? syncWs_ : scratch);
}

void Model::predictJob(const float* x, int64_t n, int64_t batchSize, float* out, const int32_t* cancel) {
  WorkerThreads threads(usefulThreads(std::min(batchSize, n)));
  withWorkerWorkspace(keepsWorkspace(batchSize, n), [&](Workspace& ws) {
    const int64_t in = graph_.inputSize(), od = graph_.outputSize();
    // Batch by batch, so that the cancel flag is honoured between batches.
    for (int64_t start = 0; start < n && !flagSet(cancel); start += batchSize) {
      const int64_t rows = std::min(batchSize, n - start);
      predictInto(graph_, x + start * in, rows, batchSize, out + start * od, ws);
    }
  });
}

EvalResult Model::evaluateJob(const Dataset& d, int64_t batchSize) {
  WorkerThreads threads(usefulThreads(std::min(batchSize, d.n)));
  EvalResult r;
  withWorkerWorkspace(keepsWorkspace(batchSize, d.n), [&](Workspace& ws) { r = trainer().evaluate(d, batchSize, nullptr, ws); });
  return r;
}

}  // namespace tf
