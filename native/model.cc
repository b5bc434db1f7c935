#include "model.h"

#include <algorithm>
#include <string>

#include "graph_spec.h"
#include "layers/registry.h"
#include "memory_limit.h"
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
Model::Model(const Config& graph) : Model(graphSpecFrom(graph)) {}
Model::Model(GraphSpec spec) : graph_(std::move(spec)) {}

void Model::compile(const Config& optimizer, const Config& loss, const std::vector<Config>& metrics) {
  OptimizerConfig opt = optimizerConfigFrom(optimizer);
  LossConfig l = lossConfigFrom(loss);
  std::vector<MetricSpec> m;
  for (const Config& c : metrics) m.push_back(metricSpecFrom(c));
  trainer_ = std::make_unique<Trainer>(graph_, std::move(opt), l, std::move(m));
}

void Model::compile(const Config& optimizer, const std::vector<Config>& outputs) {
  OptimizerConfig opt = optimizerConfigFrom(optimizer);
  std::vector<OutputLoss> losses;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Config& o = outputs[k];
    const std::string where = " in output " + std::to_string(k) + "'s loss";
    refuseUnknownKeys(o, {"loss", "weight", "metrics"}, where.c_str());
    OutputLoss out;
    out.loss = lossConfigFrom(o.object("loss"));
    out.weight = o.real("weight", 1.0);
    if (o.has("metrics"))
      for (const Config& c : o.objects("metrics")) out.metrics.push_back(metricSpecFrom(c));
    losses.push_back(std::move(out));
  }
  trainer_ = std::make_unique<Trainer>(graph_, std::move(opt), std::move(losses));
}

Trainer& Model::trainer() {
  if (!trainer_) throw StateError("the model must be compiled first");
  return *trainer_;
}

Model::ChunkPlan Model::planChunk(const Dataset& d, const int32_t* order, int64_t batchSize, int64_t first, int64_t count,
                                  int64_t nextFirst, int64_t nextCount, double epoch, int rank, int ranks) const {
  for (int64_t k = 0; k < d.n; ++k)
    if (order[k] < 0 || order[k] >= d.n) throw std::out_of_range("order holds an index outside the data");
  ChunkPlan p;
  // A batch never holds more than the data (a huge batchSize would size the workspace by it);
  // batch `first` then still starts at sample first * batchSize, or past the end.
  p.batchSize = std::min(batchSize, std::max<int64_t>(d.n, 1));
  if (ranks < 1 || rank < 0 || rank >= ranks) throw std::out_of_range("rank " + std::to_string(rank) + " of " + std::to_string(ranks));
  p.key = {first, count, p.batchSize, d.n, d.x, order, epoch, rank, ranks};
  p.next = {nextFirst, nextCount, p.batchSize, d.n, d.x, order, epoch, rank, ranks};
  // Batches in this chunk (a larger count would only reserve room for results that never come).
  p.batches = std::min(count, (p.key.endRow() - p.key.beginRow() + p.batchSize - 1) / p.batchSize);
  requireMemoryFor(graph_.workspaceBytes(p.batchSize), [&p] { return "the training workspace for batches of " + std::to_string(p.batchSize); });
  return p;
}

std::unique_lock<std::shared_mutex> Model::exclusive() {
  std::unique_lock<std::shared_mutex> g(lock_, std::try_to_lock);
  if (!g.owns_lock()) throw BusyError("the model is busy (training or predicting)");
  return g;
}

std::shared_lock<std::shared_mutex> Model::shared() {
  std::shared_lock<std::shared_mutex> g(lock_, std::try_to_lock);
  if (!g.owns_lock()) throw BusyError("the model is busy (training)");
  return g;
}

Trainer& Model::idleTrainer() {
  if (chunkInFlight_) throw BusyError("the model is busy (training)");
  return trainer();
}

std::shared_ptr<const RowCopy> Model::chunkRows(const Dataset& d, const ChunkKey& key) {
  return stager_.take(d, key, graph_.rowSize(), targetWidth());
}

ChunkResult Model::trainJob(const RowCopy& rows, const ChunkPlan& plan, GradientSync* sync) {
  if (!sync) {
    WorkerThreads threads(usefulThreads(plan.batchSize));
    return trainer().trainChunk(rows.data, plan.batchSize, plan.batches, &cancel_);
  }
  const DataParallel parallel{sync, plan.key.rank, plan.key.ranks, plan.batchSize, plan.key.endRow() - plan.key.beginRow()};
  WorkerThreads threads(usefulThreads((plan.batchSize + plan.key.ranks - 1) / plan.key.ranks));
  return trainer().trainChunk(rows.data, plan.batchSize, plan.batches, &cancel_, &parallel);
}

double Model::computeGradients(const Dataset& d, float* grads) {
  Trainer& tr = trainer();
  if (d.n == 0) throw std::out_of_range("needs at least one sample");
  requireMemoryFor(graph_.workspaceBytes(d.n), [&d] { return "the workspace for " + std::to_string(d.n) + " samples"; });
  auto g = exclusive();
  const double loss = tr.computeGradients(d);
  std::copy(graph_.grads().begin(), graph_.grads().end(), grads);
  return loss;
}

void Model::applyGradients(const float* grads) {
  Trainer& tr = trainer();
  auto g = exclusive();
  std::copy(grads, grads + graph_.grads().size(), graph_.grads().begin());
  tr.applyGradients();
}

void Model::tapeForward(const float* x, int64_t rows, float* outputs) {
  Trainer& tr = trainer();
  if (rows <= 0) throw std::out_of_range("needs at least one sample");
  requireWorkspace(rows);
  auto g = exclusive();
  tr.tapeForward(x, rows, outputs);
}

double Model::tapeStep(const float* dOutputs, int64_t rows, double dataLoss, bool* applied) {
  Trainer& tr = trainer();
  auto g = exclusive();
  return tr.tapeStep(dOutputs, rows, dataLoss, applied);
}

void Model::requireWorkspace(int64_t rows) const {
  requireMemoryFor(graph_.workspaceBytes(rows), [rows] { return "the workspace for batches of " + std::to_string(rows); });
}

std::shared_ptr<Model::PredictCopy> Model::stagePredict(const float* x, int64_t n, int64_t batchSize, const int32_t* cancel) const {
  auto p = std::make_shared<PredictCopy>();
  p->input = copyAllRows(Dataset{x, nullptr, nullptr, nullptr, n}, graph_.rowSize(), 0);
  const int64_t outSize = n * graph_.outputSize();
  requireMemory("the output", outSize * static_cast<int64_t>(sizeof(float)));
  p->output.resize(static_cast<size_t>(outSize));
  p->n = n;
  p->batchSize = batchSize;
  p->cancel = cancel;
  return p;
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

int64_t Model::inferenceBatch(int64_t batchSize, int64_t n) const {
  const int64_t rows = std::min(batchSize, std::max<int64_t>(n, 1));
  const auto fits = [this](int64_t r) {
    const int64_t b = graph_.workspaceBytes(r);
    return b >= 0 && b <= kKeptWorkspaceBytes;
  };
  if (rows <= 1 || fits(rows) || !fits(1)) return rows;
  int64_t lo = 1, hi = rows;  // fits(lo), not fits(hi)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

void Model::predict(const float* x, int64_t n, int64_t requestedBatch, float* out) {
  const int64_t batchSize = inferenceBatch(requestedBatch, n);
  const int64_t rows = std::min(batchSize, std::max<int64_t>(n, 1));
  InlineThreads threads(usefulThreads(rows));
  // The kept workspace is already this large: it was checked and kept before
  // (a one-sample prediction in a server loop sizes nothing).
  if (syncWs_.batch >= rows) return predictInto(graph_, x, n, batchSize, out, syncWs_);
  const int64_t bytes = graph_.workspaceBytes(rows);
  requireMemoryFor(bytes, [rows] { return "the workspace for batches of " + std::to_string(rows); });
  Workspace scratch;
  predictInto(graph_, x, n, batchSize, out, bytes <= kKeptWorkspaceBytes ? syncWs_ : scratch);
}

void Model::predictJob(const float* x, int64_t n, int64_t requestedBatch, float* out, const int32_t* cancel) {
  const int64_t batchSize = inferenceBatch(requestedBatch, n);
  WorkerThreads threads(usefulThreads(std::min(batchSize, n)));
  withWorkerWorkspace(keepsWorkspace(batchSize, n), [&](Workspace& ws) {
    const int64_t in = graph_.rowSize(), od = graph_.outputSize();
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
