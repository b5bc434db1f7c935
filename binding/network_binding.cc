// NativeModel: one Sequential network with its trainer. The TypeScript Model
// class owns one and enforces the concurrency contract; this layer re-checks
// every buffer length and guards against overlapping native work with a
// reader/writer lock taken with try_lock (it never blocks the event loop).
// Every job on a worker thread first leases core tokens (native/core_budget.h)
// and caps its BLAS threads to them; work done inline on the JavaScript thread
// never waits and only borrows helpers that are free.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "args.h"
#include "core_budget.h"
#include "memory_check.h"
#include "gemm.h"
#include "promise_worker.h"
#include "trainer.h"

namespace tfb {

namespace {

double numField(Napi::Object o, const char* key, double def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return def;
  if (!v.IsNumber()) throw std::invalid_argument(std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}
bool boolField(Napi::Object o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return def;
  if (!v.IsBoolean()) throw std::invalid_argument(std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}
// An enum code in [0, count). Required: a missing code must not silently mean
// the enum's first value (a metric without a kind became a sparse metric).
template <typename E>
E enumField(Napi::Object o, const char* key, int count) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw std::invalid_argument(std::string(key) + " is required");
  const double d = numField(o, key, 0);
  if (!(d >= 0 && d < count) || d != static_cast<int>(d)) throw std::invalid_argument(std::string(key) + " is not a valid code");
  return static_cast<E>(static_cast<int>(d));
}
std::vector<double> numArrayField(Napi::Object o, const char* key) {
  std::vector<double> out;
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw std::invalid_argument(std::string(key) + " must hold numbers");
    out.push_back(e.As<Napi::Number>().DoubleValue());
  }
  return out;
}

// An integer field in [lo, hi]; a double outside an integer type's range
// would make the cast undefined behaviour.
int64_t intField(Napi::Object o, const char* key, double def, int64_t lo, int64_t hi) {
  const double d = numField(o, key, def);
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
    throw std::invalid_argument(std::string(key) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}
// A float field; doubles beyond float's range become +-Infinity (a plain cast would be undefined).
float floatField(Napi::Object o, const char* key, double def) {
  const double d = numField(o, key, def);
  if (d > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
  if (d < -std::numeric_limits<float>::max()) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

tf::LayerSpec parseLayer(Napi::Object o) {
  tf::LayerSpec s;
  s.kind = enumField<tf::LayerKind>(o, "kind", 5);
  s.units = intField(o, "units", 0, 0, int64_t{1} << 31);
  s.useBias = boolField(o, "useBias", true);
  // Only dense and activation layers have one.
  s.activation = o.Has("activation") ? enumField<tf::Activation>(o, "activation", static_cast<int>(tf::Activation::Count))
                                     : tf::Activation::Linear;
  s.activationParam = floatField(o, "activationParam", 0);
  s.rate = floatField(o, "rate", 0);
  s.seed = intField(o, "seed", -1, -1, int64_t{1} << 53);
  s.epsilon = floatField(o, "epsilon", 1e-3);
  s.momentum = floatField(o, "momentum", 0.99);
  s.center = boolField(o, "center", true);
  s.scale = boolField(o, "scale", true);
  s.l1 = floatField(o, "l1", 0);
  s.l2 = floatField(o, "l2", 0);
  return s;
}

tf::OptimizerConfig parseOptimizer(Napi::Object o) {
  tf::OptimizerConfig c;
  c.kind = enumField<tf::OptimizerKind>(o, "kind", 8);
  Napi::Value lr = o.Get("schedule");
  if (!lr.IsObject()) throw std::invalid_argument("schedule must be an object");
  Napi::Object s = lr.As<Napi::Object>();
  c.lr.kind = enumField<tf::ScheduleKind>(s, "kind", 4);
  c.lr.initial = numField(s, "initial", 1e-3);
  c.lr.decaySteps = numField(s, "decaySteps", 1);
  c.lr.decayRate = numField(s, "decayRate", 1);
  c.lr.alpha = numField(s, "alpha", 0);
  c.lr.staircase = boolField(s, "staircase", false);
  c.lr.warmupTarget = numField(s, "warmupTarget", NAN);
  c.lr.warmupSteps = numField(s, "warmupSteps", 0);
  c.lr.boundaries = numArrayField(s, "boundaries");
  c.lr.values = numArrayField(s, "values");
  if (c.lr.kind == tf::ScheduleKind::PiecewiseConstant && c.lr.values.size() != c.lr.boundaries.size() + 1)
    throw std::invalid_argument("piecewiseConstant needs one more value than boundaries");
  c.beta1 = numField(o, "beta1", 0.9);
  c.beta2 = numField(o, "beta2", 0.999);
  c.epsilon = numField(o, "epsilon", 1e-7);
  c.momentum = numField(o, "momentum", 0);
  c.rho = numField(o, "rho", 0.9);
  c.nesterov = boolField(o, "nesterov", false);
  c.amsgrad = boolField(o, "amsgrad", false);
  c.centered = boolField(o, "centered", false);
  c.initialAccumulator = numField(o, "initialAccumulatorValue", 0.1);
  c.weightDecay = numField(o, "weightDecay", 0);
  c.clipNorm = numField(o, "clipNorm", 0);
  c.clipValue = numField(o, "clipValue", 0);
  c.globalClipNorm = numField(o, "globalClipNorm", 0);
  return c;
}

// A cancel flag JavaScript sets in an Int32Array while a worker reads it.
bool flagSet(const int32_t* flag) {
  if (!flag) return false;
#if defined(_MSC_VER)
  return *static_cast<const volatile int32_t*>(flag) != 0;
#else
  return __atomic_load_n(flag, __ATOMIC_RELAXED) != 0;
#endif
}

// Runs a worker-thread job under the core budget: waits for one token, takes
// up to `want`, and lets the BLAS use that many threads.
template <typename F>
void withCores(int want, F&& work) {
  tf::CoreLease lease(tf::CoreBudget::global(), want, tf::CoreLease::Wait);
  tf::ScopedBlasThreads cap(lease.count());
  work();
}

// A private copy of the samples a worker thread reads. JavaScript can detach,
// transfer or shrink a caller's ArrayBuffer while the worker runs (a pinned
// reference keeps the object alive, not its memory), so async work never
// reads caller memory after it has been queued.
struct OwnedData {
  std::vector<float> x, targets, weights;
  std::vector<int32_t> labels;
  tf::Dataset data;
};

// Keeps a reused buffer's capacity unless it is far larger than needed.
template <typename T>
void sizeTo(std::vector<T>& v, int64_t n) {
  if (v.capacity() > 4 * static_cast<size_t>(n) + 4096) std::vector<T>().swap(v);
  v.resize(static_cast<size_t>(n));
}

// Rows order[begin..end) of d (rows begin..end when order is null), in that
// order, copied on the JavaScript thread into `o` (whose buffers are reused).
void copyRowsInto(Napi::Env env, const char* fn, OwnedData& o, const tf::Dataset& d, const int32_t* order,
                  int64_t begin, int64_t end, int64_t in, int64_t out) {
  const int64_t rows = std::max<int64_t>(0, end - begin);
  const int64_t perRow = static_cast<int64_t>(sizeof(float)) *
                         (in + (d.targets ? out : 0) + (d.weights ? 1 : 0) + (d.labels ? 1 : 0));
  requireMemory(env, fn, "a private copy of the data for the worker thread", checkedMul(env, fn, rows, perRow));
  sizeTo(o.x, rows * in);
  sizeTo(o.labels, d.labels ? rows : 0);
  sizeTo(o.targets, d.targets ? rows * out : 0);
  sizeTo(o.weights, d.weights ? rows : 0);
  if (!order && rows > 0) {
    std::memcpy(o.x.data(), d.x + begin * in, sizeof(float) * rows * in);
    if (d.labels) std::memcpy(o.labels.data(), d.labels + begin, sizeof(int32_t) * rows);
    if (d.targets) std::memcpy(o.targets.data(), d.targets + begin * out, sizeof(float) * rows * out);
    if (d.weights) std::memcpy(o.weights.data(), d.weights + begin, sizeof(float) * rows);
  }
  for (int64_t r = 0; order && r < rows; ++r) {
    const int64_t src = order[begin + r];
    std::memcpy(o.x.data() + r * in, d.x + src * in, sizeof(float) * in);
    if (d.labels) o.labels[r] = d.labels[src];
    if (d.targets) std::memcpy(o.targets.data() + r * out, d.targets + src * out, sizeof(float) * out);
    if (d.weights) o.weights[r] = d.weights[src];
  }
  o.data.x = o.x.data();
  o.data.labels = d.labels ? o.labels.data() : nullptr;
  o.data.targets = d.targets ? o.targets.data() : nullptr;
  o.data.weights = d.weights ? o.weights.data() : nullptr;
  o.data.n = rows;
}

// A new JavaScript typed array (Float32Array for float, ...) holding a copy of v.
template <typename T>
Napi::TypedArrayOf<T> typedArrayCopy(Napi::Env env, const std::vector<T>& v) {
  auto a = Napi::TypedArrayOf<T>::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

std::shared_ptr<OwnedData> copyRows(Napi::Env env, const char* fn, const tf::Dataset& d, int64_t in, int64_t out) {
  auto o = std::make_shared<OwnedData>();
  copyRowsInto(env, fn, *o, d, nullptr, 0, d.n, in, out);
  return o;
}

}  // namespace

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {InstanceMethod("slots", &NativeModel::Slots),
                        InstanceMethod("readWeights", &NativeModel::ReadWeights),
                        InstanceMethod("writeWeights", &NativeModel::WriteWeights),
                        InstanceMethod("compile", &NativeModel::Compile),
                        InstanceMethod("trainChunk", &NativeModel::TrainChunk),
                        InstanceMethod("evaluate", &NativeModel::Evaluate),
                        InstanceMethod("predict", &NativeModel::Predict),
                        InstanceMethod("predictAsync", &NativeModel::PredictAsync),
                        InstanceMethod("cancel", &NativeModel::Cancel),
                        InstanceMethod("learningRate", &NativeModel::LearningRate),
                        InstanceMethod("setLearningRate", &NativeModel::SetLearningRate),
                        InstanceMethod("optimizerState", &NativeModel::OptimizerState),
                        InstanceMethod("setOptimizerState", &NativeModel::SetOptimizerState),
                        InstanceMethod("reseed", &NativeModel::Reseed),
                        InstanceMethod("computeGradients", &NativeModel::ComputeGradients),
                        InstanceMethod("applyGradients", &NativeModel::ApplyGradients)});
  }

  explicit NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
    guarded(info, "NativeModel", [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      if (info.Length() < 2 || !info[0].IsArray()) throwType(env, "NativeModel", "layers must be an array");
      Napi::Array arr = info[0].As<Napi::Array>();
      std::vector<tf::LayerSpec> specs;
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value v = arr.Get(i);
        if (!v.IsObject()) throwType(env, "NativeModel", "each layer must be an object");
        specs.push_back(parseLayer(v.As<Napi::Object>()));
      }
      const int64_t inputSize = intArg(info, 1, "NativeModel", "inputSize", 1, int64_t{1} << 31);
      net_ = std::make_unique<tf::Network>(std::move(specs), inputSize);
      reported_ = static_cast<int64_t>(net_->params().size() * 2 + net_->state().size()) * 4;
      Napi::MemoryManagement::AdjustExternalMemory(env, reported_);
      return env.Undefined();
    });
  }

  void Finalize(Napi::Env env) override { Napi::MemoryManagement::AdjustExternalMemory(env, -reported_); }

 private:
  std::unique_ptr<tf::Network> net_;
  std::unique_ptr<tf::Trainer> trainer_;
  std::shared_mutex lock_;
  std::atomic<bool> cancel_{false};
  std::shared_ptr<OwnedData> chunk_ = std::make_shared<OwnedData>();  // trainChunk's private copy, reused
  // The next chunk's rows, copied while the current chunk trains (two buffers
  // alternate), so the copy overlaps the arithmetic instead of adding to it.
  std::shared_ptr<OwnedData> staged_ = std::make_shared<OwnedData>();
  struct StagedKey {
    bool valid = false;
    int64_t first = 0, count = 0, bs = 0, n = 0;
    const void* x = nullptr;
    const void* order = nullptr;
    double epoch = -1;  // the caller's id for one shuffled order (pointers alone can be reused)
  } stagedKey_;
  bool chunkInFlight_ = false;  // main thread only
  // Predictions reuse a workspace kept on the model while it stays under this
  // size: a fresh one per call cost a 1000-row seed-model prediction a third
  // of its time in page faults and zero-filling.
  static constexpr int64_t kKeptWorkspaceBytes = 32 << 20;
  tf::Workspace syncWs_;  // sync predict only, so main thread only
  std::mutex asyncWsMutex_;
  tf::Workspace asyncWs_;  // one predictAsync at a time (try_lock); others use their own
  int64_t reported_ = 0;

  // Fails fast instead of blocking the event loop when native work is in flight.
  std::unique_lock<std::shared_mutex> exclusive(Napi::Env env, const char* fn) {
    std::unique_lock<std::shared_mutex> g(lock_, std::try_to_lock);
    if (!g.owns_lock()) throw Napi::Error::New(env, std::string(fn) + ": the model is busy (training or predicting)");
    return g;
  }
  // For state only training reads (optimizer, learning rate, dropout generator):
  // readers never touch it, so only a training chunk in flight conflicts.
  void trainerIdle(Napi::Env env, const char* fn) {
    if (chunkInFlight_) throw Napi::Error::New(env, std::string(fn) + ": the model is busy (training)");
  }
  std::shared_lock<std::shared_mutex> shared(Napi::Env env, const char* fn) {
    std::shared_lock<std::shared_mutex> g(lock_, std::try_to_lock);
    if (!g.owns_lock()) throw Napi::Error::New(env, std::string(fn) + ": the model is busy (training)");
    return g;
  }
  tf::Trainer& trainer(Napi::Env env, const char* fn) {
    if (!trainer_) throw Napi::Error::New(env, std::string(fn) + ": the model must be compiled first");
    return *trainer_;
  }
  // Threads worth using for `rows`-row batches: what the largest layer's GEMM
  // would use (forward and both backward products have the same size).
  int usefulThreads(int64_t rows) const {
    int t = 1;
    for (int64_t i = 0; i < net_->layerCount(); ++i)
      if (net_->spec(i).kind == tf::LayerKind::Dense)
        t = std::max(t, tf::threadsForGemm(std::max<int64_t>(rows, 1), net_->layerOutput(i), net_->layerInput(i)));
    return t;
  }

  Napi::Value Slots(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const tf::WeightSlot& s : net_->slots()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("layer", s.layer);
      o.Set("name", s.name);
      o.Set("trainable", s.trainable);
      o.Set("offset", static_cast<double>(s.offset));
      o.Set("rows", static_cast<double>(s.rows));
      o.Set("cols", static_cast<double>(s.cols));
      out.Set(i++, o);
    }
    return out;
  }

  // readWeights(trainable, out): copies an arena out.
  Napi::Value ReadWeights(const Napi::CallbackInfo& info) {
    return guarded(info, "getWeights", [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const bool trainable = boolArg(info, 0, "getWeights", "trainable");
      auto out = typedArrayArg<float>(info, 1, "getWeights", "out");
      auto g = shared(env, "getWeights");
      const std::vector<float>& src = trainable ? net_->params() : net_->state();
      requireLength(env, "getWeights", "out", out, static_cast<int64_t>(src.size()));
      if (!src.empty()) std::memcpy(out.data, src.data(), src.size() * sizeof(float));
      return env.Undefined();
    });
  }

  Napi::Value WriteWeights(const Napi::CallbackInfo& info) {
    return guarded(info, "setWeights", [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const bool trainable = boolArg(info, 0, "setWeights", "trainable");
      auto in = typedArrayArg<float>(info, 1, "setWeights", "values");
      auto g = exclusive(env, "setWeights");
      std::vector<float>& dst = trainable ? net_->params() : net_->state();
      requireLength(env, "setWeights", "values", in, static_cast<int64_t>(dst.size()));
      if (!dst.empty()) std::memcpy(dst.data(), in.data, dst.size() * sizeof(float));
      return env.Undefined();
    });
  }

  // compile(optimizer, loss, metrics)
  Napi::Value Compile(const Napi::CallbackInfo& info) {
    return guarded(info, "compile", [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsObject() || !info[2].IsArray())
        throwType(env, "compile", "expects (optimizer, loss, metrics)");
      tf::OptimizerConfig opt = parseOptimizer(info[0].As<Napi::Object>());
      Napi::Object lo = info[1].As<Napi::Object>();
      tf::LossConfig loss;
      loss.kind = enumField<tf::LossKind>(lo, "kind", 6);
      loss.fromLogits = boolField(lo, "fromLogits", false);
      loss.huberDelta = floatField(lo, "delta", 1.0);
      std::vector<tf::MetricSpec> metrics;
      Napi::Array ma = info[2].As<Napi::Array>();
      for (uint32_t i = 0; i < ma.Length(); ++i) {
        Napi::Value v = ma.Get(i);
        if (!v.IsObject()) throwType(env, "compile", "each metric must be an object");
        Napi::Object mo = v.As<Napi::Object>();
        tf::MetricSpec m;
        m.kind = enumField<tf::MetricKind>(mo, "kind", 7);
        m.k = static_cast<int32_t>(intField(mo, "k", 5, INT32_MIN, INT32_MAX));
        m.threshold = floatField(mo, "threshold", 0.5);
        metrics.push_back(m);
      }
      auto g = exclusive(env, "compile");
      trainer_ = std::make_unique<tf::Trainer>(*net_, std::move(opt), loss, std::move(metrics));
      return env.Undefined();
    });
  }

  // (x, labels|null, targets|null, weights|null, n) at info[i..i+4]
  tf::Dataset dataArgs(const Napi::CallbackInfo& info, size_t i, const char* fn) {
    Napi::Env env = info.Env();
    tf::Dataset d;
    auto x = typedArrayArg<float>(info, i, fn, "x");
    d.n = intArg(info, i + 4, fn, "n", 0, INT32_MAX);
    requireLength(env, fn, "x", x, checkedMul(env, fn, d.n, net_->inputSize()));
    d.x = x.data;
    if (!info[i + 1].IsNull()) {
      auto l = typedArrayArg<int32_t>(info, i + 1, fn, "labels");
      requireLength(env, fn, "labels", l, d.n);
      d.labels = l.data;
    }
    if (!info[i + 2].IsNull()) {
      auto t = typedArrayArg<float>(info, i + 2, fn, "targets");
      requireLength(env, fn, "targets", t, checkedMul(env, fn, d.n, net_->outputSize()));
      d.targets = t.data;
    }
    if (!info[i + 3].IsNull()) {
      auto w = typedArrayArg<float>(info, i + 3, fn, "weights");
      requireLength(env, fn, "weights", w, d.n);
      d.weights = w.data;
    }
    if (trainer_) {
      try {
        trainer_->checkData(d);
      } catch (const std::invalid_argument& e) {
        throwType(env, fn, e.what());
      }
    }
    return d;
  }

  // trainChunk(x, labels, targets, weights, n, order, batchSize, firstBatch, count[, nextFirst, nextCount, epochId]) -> Promise
  // With nextCount > 0, the rows of batches [nextFirst, nextFirst + nextCount)
  // are copied after the worker is queued, to be used by the next call.
  Napi::Value TrainChunk(const Napi::CallbackInfo& info) {
    static const char* fn = "fit";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      tf::Trainer& tr = trainer(env, fn);
      tf::Dataset d = dataArgs(info, 0, fn);
      auto order = typedArrayArg<int32_t>(info, 5, fn, "order");
      requireLength(env, fn, "order", order, d.n);
      const int64_t batchSize = intArg(info, 6, fn, "batchSize", 1, INT32_MAX);
      const int64_t first = intArg(info, 7, fn, "firstBatch", 0, INT32_MAX);
      const int64_t count = intArg(info, 8, fn, "count", 0, INT32_MAX);
      for (int64_t k = 0; k < d.n; ++k)
        if (order.data[k] < 0 || order.data[k] >= d.n) throwRange(env, fn, "order holds an index outside the data");
      // A batch never holds more than the data (a huge batchSize would size the workspace by it);
      // batch `first` then still starts at sample first * batchSize, or past the end.
      const int64_t bs = std::min(batchSize, std::max<int64_t>(d.n, 1));
      const int64_t begin = std::min(first * bs, d.n);
      const int64_t end = begin + std::min(count * bs, d.n - begin);
      // Batches in this chunk (a larger count would only reserve room for results that never come).
      const int64_t batches = std::min(count, (end - begin + bs - 1) / bs);
      requireMemory(env, fn, "the training workspace for batches of " + std::to_string(bs), net_->workspaceBytes(bs));
      // Released (lock and flag) when the worker is done, on the main thread, even on error.
      struct ChunkHold {
        ChunkHold(std::unique_lock<std::shared_mutex> l, bool* f) : lock(std::move(l)), inFlight(f) {}
        ~ChunkHold() { *inFlight = false; }
        std::unique_lock<std::shared_mutex> lock;
        bool* inFlight;
      };
      auto lock = std::make_shared<ChunkHold>(exclusive(env, fn), &chunkInFlight_);
      // The chunk's samples in batch order, copied into the model's reused
      // buffer (no other chunk can be in flight: the lock is held).
      const double epochId = info.Length() > 11 && info[11].IsNumber() ? info[11].As<Napi::Number>().DoubleValue() : -1;
      const bool hit = stagedKey_.valid && epochId >= 0 && stagedKey_.epoch == epochId && stagedKey_.first == first && stagedKey_.count == count &&
                       stagedKey_.bs == bs && stagedKey_.n == d.n && stagedKey_.x == d.x && stagedKey_.order == order.data;
      stagedKey_.valid = false;
      if (hit) std::swap(chunk_, staged_);
      std::shared_ptr<OwnedData> owned = chunk_;
      if (!hit) copyRowsInto(env, fn, *owned, d, order.data, begin, end, net_->inputSize(), net_->outputSize());
      chunkInFlight_ = true;
      cancel_ = false;
      auto result = std::make_shared<tf::ChunkResult>();
      const int want = usefulThreads(bs);
      auto* w = new PromiseWorker(
          env, fn, [&tr, owned, bs, batches, result, want, this]() {
            withCores(want, [&] { *result = tr.trainChunk(owned->data, bs, 0, batches, &cancel_); });
          },
          [result, lock](Napi::Env env) -> Napi::Value {
            lock->lock.unlock();
            *lock->inFlight = false;
            Napi::Object o = Napi::Object::New(env);
            o.Set("batches", static_cast<double>(result->batches));
            o.Set("nonFinite", result->nonFinite);
            o.Set("cancelled", result->cancelled);
            o.Set("loss", typedArrayCopy(env, result->loss));
            o.Set("metricSums", typedArrayCopy(env, result->metricSums));
            o.Set("sizes", typedArrayCopy(env, result->sizes));
            return o;
          });
      for (size_t k = 0; k < 6; ++k) w->pin(info[k]);
      w->pin(info.This());
      Napi::Promise p = w->promise();
      w->Queue();
      // Prefetch: while the worker trains on `chunk_`, copy the next chunk into `staged_`.
      const int64_t nextCount = info.Length() > 10 ? intArg(info, 10, fn, "nextCount", 0, INT32_MAX) : 0;
      if (nextCount > 0) {
        const int64_t nextFirst = intArg(info, 9, fn, "nextFirst", 0, INT32_MAX);
        const int64_t nb = std::min(nextFirst * bs, d.n);
        const int64_t ne = nb + std::min(nextCount * bs, d.n - nb);
        copyRowsInto(env, fn, *staged_, d, order.data, nb, ne, net_->inputSize(), net_->outputSize());
        stagedKey_ = {true, nextFirst, nextCount, bs, d.n, d.x, order.data, epochId};
      }
      return p;
    });
  }

  // evaluate(x, labels, targets, weights, n, batchSize) -> Promise<{lossSum, metricSums, samples}>
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    static const char* fn = "evaluate";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      tf::Trainer& tr = trainer(env, fn);
      tf::Dataset d = dataArgs(info, 0, fn);
      const int64_t batchSize = intArg(info, 5, fn, "batchSize", 1, INT32_MAX);
      requireMemory(env, fn, "the workspace for batches of " + std::to_string(std::min(batchSize, d.n)),
                    net_->workspaceBytes(std::min(batchSize, d.n)));
      auto owned = copyRows(env, fn, d, net_->inputSize(), net_->outputSize());
      auto lock = std::make_shared<std::shared_lock<std::shared_mutex>>(shared(env, fn));
      auto result = std::make_shared<tf::EvalResult>();
      const int want = usefulThreads(std::min(batchSize, d.n));
      // The kept workspace, as for predictAsync: a fresh one per call, each on
      // whichever libuv thread ran it, left several MB in every thread's malloc
      // arena (a 1000-row evaluation after fit: +33 MB of resident memory).
      const bool keep = keepWorkspace(batchSize, d.n);
      NativeModel* self = this;
      auto* w = new PromiseWorker(
          env, fn, [&tr, owned, batchSize, result, want, keep, self]() {
            withCores(want, [&] {
              self->withAsyncWorkspace(keep, [&](tf::Workspace& ws) { *result = tr.evaluate(owned->data, batchSize, nullptr, ws); });
            });
          },
          [result, lock](Napi::Env env) -> Napi::Value {
            lock->unlock();
            Napi::Object o = Napi::Object::New(env);
            o.Set("lossSum", result->lossSum);
            o.Set("samples", static_cast<double>(result->samples));
            o.Set("metricSums", typedArrayCopy(env, result->metricSums));
            return o;
          });
      for (size_t k = 0; k < 4; ++k) w->pin(info[k]);
      w->pin(info.This());
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  struct PredictArgs {
    const float* x;
    float* out;
    int64_t n, batchSize;
    const int32_t* cancel;  // predictAsync: stop between batches once cancel[0] != 0
  };
  PredictArgs predictArgs(const Napi::CallbackInfo& info, const char* fn) {
    Napi::Env env = info.Env();
    auto x = typedArrayArg<float>(info, 0, fn, "x");
    const int64_t n = intArg(info, 1, fn, "n", 0, INT32_MAX);
    const int64_t batchSize = intArg(info, 2, fn, "batchSize", 1, INT32_MAX);
    auto out = typedArrayArg<float>(info, 3, fn, "out");
    requireLength(env, fn, "x", x, checkedMul(env, fn, n, net_->inputSize()));
    requireLength(env, fn, "out", out, checkedMul(env, fn, n, net_->outputSize()));
    requireMemory(env, fn, "the workspace for batches of " + std::to_string(std::min(batchSize, n)),
                  net_->workspaceBytes(std::min(batchSize, n)));
    return {x.data, out.data, n, batchSize, nullptr};
  }

  // Runs f with the kept worker-thread workspace when `keep` and it is free,
  // else with a fresh one (several jobs may run at once).
  template <class F>
  void withAsyncWorkspace(bool keep, F&& f) {
    std::unique_lock<std::mutex> kept(asyncWsMutex_, std::defer_lock);
    if (keep) kept.try_lock();
    tf::Workspace fresh;
    f(kept.owns_lock() ? asyncWs_ : fresh);
  }

  // Whether jobs of this many rows and batch size use a kept workspace.
  bool keepWorkspace(int64_t batchSize, int64_t n) const {
    return net_->workspaceBytes(std::min(batchSize, std::max<int64_t>(n, 1))) <= kKeptWorkspaceBytes;
  }

  // Batch by batch, so that a cancel flag is honoured between batches.
  static void predictBatches(const tf::Network& net, const PredictArgs& a, tf::Workspace& ws) {
    const int64_t in = net.inputSize(), od = net.outputSize();
    for (int64_t start = 0; start < a.n && !flagSet(a.cancel); start += a.batchSize) {
      const int64_t rows = std::min(a.batchSize, a.n - start);
      tf::predictInto(net, a.x + start * in, rows, a.batchSize, a.out + start * od, ws);
    }
  }

  // predict(x, n, batchSize, out): synchronous, for small inputs. The JavaScript
  // thread is not counted in the budget; its BLAS helpers are, and are only
  // borrowed when free, so it never waits.
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    return guarded(info, "predict", [&]() -> Napi::Value {
      PredictArgs a = predictArgs(info, "predict");
      auto g = shared(info.Env(), "predict");
      tf::CoreLease helpers(tf::CoreBudget::global(), usefulThreads(std::min(a.batchSize, a.n)) - 1, tf::CoreLease::NoWait);
      tf::ScopedBlasThreads cap(1 + helpers.count());
      // Small batches (a server's typical request) reuse one workspace: its
      // allocations were a third of a batch-1 prediction.
      tf::Workspace scratch;
      tf::Workspace& ws = keepWorkspace(a.batchSize, a.n) ? syncWs_ : scratch;
      tf::predictInto(*net_, a.x, a.n, a.batchSize, a.out, ws);
      return info.Env().Undefined();
    });
  }

  Napi::Value PredictAsync(const Napi::CallbackInfo& info) {
    static const char* fn = "predictAsync";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      PredictArgs a = predictArgs(info, fn);
      // Optional 5th argument: an Int32Array(1) cancel flag.
      if (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
        auto flag = typedArrayArg<int32_t>(info, 4, fn, "cancel");
        requireLength(env, fn, "cancel", flag, 1);
        a.cancel = flag.data;
      }
      // The worker reads a private copy of x and writes a private output, copied
      // into `out` on the main thread (see OwnedData). The cancel flag is the
      // caller's own: Sequential creates it and never hands it out.
      tf::Dataset in;
      in.x = a.x;
      in.n = a.n;
      auto owned = copyRows(env, fn, in, net_->inputSize(), 0);
      const int64_t outSize = a.n * net_->outputSize();
      requireMemory(env, fn, "the output", outSize * static_cast<int64_t>(sizeof(float)));
      auto result = std::make_shared<std::vector<float>>(static_cast<size_t>(outSize));
      auto outRef = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(info[3].As<Napi::Float32Array>()));
      a.x = owned->x.data();
      a.out = result->data();
      auto lock = std::make_shared<std::shared_lock<std::shared_mutex>>(shared(env, fn));
      tf::Network* net = net_.get();
      const int want = usefulThreads(std::min(a.batchSize, a.n));
      const bool keep = keepWorkspace(a.batchSize, a.n);
      // NOTE: the model outlives the worker: JS holds it until the promise settles.
      NativeModel* self = this;
      auto* w = new PromiseWorker(
          env, fn, [net, a, owned, result, want, keep, self]() {
            withCores(want, [&] { self->withAsyncWorkspace(keep, [&](tf::Workspace& ws) { predictBatches(*net, a, ws); }); });
          },
          [lock, result, outRef](Napi::Env env) -> Napi::Value {
            lock->unlock();
            Napi::Float32Array out = outRef->Value();
            if (out.ElementLength() < result->size())
              throw Napi::RangeError::New(env, "predictAsync: out was detached or shrunk while predicting");
            if (!result->empty()) std::memcpy(out.Data(), result->data(), result->size() * sizeof(float));
            return env.Undefined();
          });
      w->pin(info[0]);
      w->pin(info[3]);
      if (a.cancel) w->pin(info[4]);
      w->pin(info.This());
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    cancel_ = true;
    return info.Env().Undefined();
  }

  Napi::Value LearningRate(const Napi::CallbackInfo& info) {
    return guarded(info, "learningRate", [&]() -> Napi::Value {
      return Napi::Number::New(info.Env(), trainer(info.Env(), "learningRate").optimizer().currentLearningRate());
    });
  }

  Napi::Value SetLearningRate(const Napi::CallbackInfo& info) {
    return guarded(info, "setLearningRate", [&]() -> Napi::Value {
      const double lr = numberArg(info, 0, "setLearningRate", "learningRate");
      trainerIdle(info.Env(), "setLearningRate");
      trainer(info.Env(), "setLearningRate").optimizer().setLearningRate(lr);
      return info.Env().Undefined();
    });
  }

  // optimizerState() -> { iterations, nadamMomentumProduct, slots: Float32Array[] }
  Napi::Value OptimizerState(const Napi::CallbackInfo& info) {
    return guarded(info, "optimizerState", [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      auto g = shared(env, "optimizerState");
      tf::Optimizer& opt = trainer(env, "optimizerState").optimizer();
      Napi::Object o = Napi::Object::New(env);
      o.Set("iterations", static_cast<double>(opt.iterations()));
      o.Set("nadamMomentumProduct", opt.nadamMomentumProduct());
      Napi::Array slots = Napi::Array::New(env);
      uint32_t i = 0;
      for (const auto& s : opt.slots()) slots.Set(i++, typedArrayCopy(env, s));
      o.Set("slots", slots);
      return o;
    });
  }

  // setOptimizerState(iterations, nadamMomentumProduct, slots[])
  Napi::Value SetOptimizerState(const Napi::CallbackInfo& info) {
    static const char* fn = "setOptimizerState";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      const int64_t it = intArg(info, 0, fn, "iterations", 0);
      const double u = numberArg(info, 1, fn, "nadamMomentumProduct");
      if (info.Length() < 3 || !info[2].IsArray()) throwType(env, fn, "slots must be an array");
      trainerIdle(env, fn);
      tf::Optimizer& opt = trainer(env, fn).optimizer();
      Napi::Array arr = info[2].As<Napi::Array>();
      if (arr.Length() != opt.slots().size())
        throwRange(env, fn, "expected " + std::to_string(opt.slots().size()) + " slot arrays, got " + std::to_string(arr.Length()));
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value v = arr.Get(i);
        TypedArrayInfo a;
        if (!typedArrayInfo(env, v, a) || a.type != napi_float32_array) throwType(env, fn, "slots must be Float32Arrays");
        if (a.length != opt.slots()[i].size()) throwRange(env, fn, "slot " + std::to_string(i) + " has the wrong length");
        if (a.length) std::memcpy(opt.slots()[i].data(), a.data, a.length * sizeof(float));
      }
      opt.setIterations(it);
      opt.setNadamMomentumProduct(u);
      return env.Undefined();
    });
  }

  // computeGradients(x, labels, targets, weights, n, gradsOut) -> loss. Synchronous; for tests.
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info) {
    static const char* fn = "computeGradients";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      tf::Trainer& tr = trainer(env, fn);
      tf::Dataset d = dataArgs(info, 0, fn);
      if (d.n == 0) throwRange(env, fn, "needs at least one sample");
      requireMemory(env, fn, "the workspace for " + std::to_string(d.n) + " samples", net_->workspaceBytes(d.n));
      auto out = typedArrayArg<float>(info, 5, fn, "grads");
      requireLength(env, fn, "grads", out, static_cast<int64_t>(net_->grads().size()));
      auto g = exclusive(env, fn);
      const double loss = tr.computeGradients(d);
      std::copy(net_->grads().begin(), net_->grads().end(), out.data);
      return Napi::Number::New(env, loss);
    });
  }

  // applyGradients(grads): one optimizer step with the given gradients. For tests.
  Napi::Value ApplyGradients(const Napi::CallbackInfo& info) {
    static const char* fn = "applyGradients";
    return guarded(info, fn, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      tf::Trainer& tr = trainer(env, fn);
      auto in = typedArrayArg<float>(info, 0, fn, "grads");
      requireLength(env, fn, "grads", in, static_cast<int64_t>(net_->grads().size()));
      auto g = exclusive(env, fn);
      std::copy(in.data, in.data + net_->grads().size(), net_->grads().begin());
      tr.applyGradients();
      return env.Undefined();
    });
  }

  Napi::Value Reseed(const Napi::CallbackInfo& info) {
    return guarded(info, "reseed", [&]() -> Napi::Value {
      const int64_t seed = intArg(info, 0, "reseed", "seed", 0);
      trainerIdle(info.Env(), "reseed");
      trainer(info.Env(), "reseed").reseed(static_cast<uint64_t>(seed));
      return info.Env().Undefined();
    });
  }
};

void registerNetwork(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeModel", NativeModel::Define(env));
}

}  // namespace tfb
