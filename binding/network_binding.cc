// NativeModel: the JavaScript face of one tf::Model (native/model.h), which
// the TypeScript model class owns. This layer re-checks every argument,
// converts options into tf::Configs, queues worker-thread jobs and turns
// results into JavaScript values; the model's try-lock (it never blocks the
// event loop), row staging, thread policy and workspaces live in native/.
#include <algorithm>
#include <cstring>
#include <memory>
#include <shared_mutex>

#include "network_binding.h"

#include "args.h"
#include "config_arg.h"
#include "dataset_arg.h"
#include "promise_worker.h"
#include "rank_agreement.h"

namespace tfb {

Napi::Function NativeModel::Define(Napi::Env env) {
  using M = NativeModel;
  return DefineClass(env, "NativeModel",
                     {method("slots", &M::Slots), method("readWeights", &M::ReadWeights), method("writeWeights", &M::WriteWeights),
                      method("compile", &M::Compile), method("trainChunk", &M::TrainChunk), method("evaluate", &M::Evaluate),
                      method("predict", &M::Predict), method("predictAsync", &M::PredictAsync), method("cancel", &M::Cancel),
                      method("learningRate", &M::LearningRate), method("setLearningRate", &M::SetLearningRate),
                      method("optimizerState", &M::OptimizerState), method("setOptimizerState", &M::SetOptimizerState),
                      method("reseed", &M::Reseed), method("computeGradients", &M::ComputeGradients),
                      method("applyGradients", &M::ApplyGradients), method("setPruning", &M::SetPruning),
                      method("tapeForward", &M::TapeForward), method("tapeStep", &M::TapeStep),
                      method("regularizationPenalty", &M::RegularizationPenalty), method("setHostCallbacks", &M::SetHostCallbacks)});
}

// NativeModel(layers, inputSize | inputShape): a chain of layers.
// NativeModel(graph): a graph, read and checked by native/graph_spec.h.
NativeModel::NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
  static const char* fn = "NativeModel";
  guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() == 0 || !info[0].IsObject()) throwType(env, fn, "expects (layers, inputShape) or (graph)");
    if (info[0].IsArray()) {
      std::vector<tf::Config> layers = configListArg(info, 0, fn, "layers", "layer");
      model_ = std::make_unique<tf::Model>(layers, intsArg(info, 1, fn, "inputSize", 1, int64_t{1} << 31));
    } else {
      if (info.Length() > 1 && !info[1].IsUndefined()) throwType(env, fn, "a graph takes no input size (its inputs hold the shapes)");
      model_ = std::make_unique<tf::Model>(configArg(info, 0, fn, "graph"));
    }
    reported_ = static_cast<int64_t>(graph().params().size() * 2 + graph().state().size()) * 4;
    Napi::MemoryManagement::AdjustExternalMemory(env, reported_);
    return env.Undefined();
  });
}

// readWeights(trainable, out): copies an arena out.
Napi::Value NativeModel::ReadWeights(const Napi::CallbackInfo& info) {
  static const char* fn = "getWeights";
  return guarded(info, fn, [&]() -> Napi::Value {
    const bool trainable = boolArg(info, 0, fn, "trainable");
    auto out = typedArrayArg<float>(info, 1, fn, "out");
    auto g = model_->shared();
    const std::vector<float>& src = trainable ? graph().params() : graph().state();
    requireLength(info.Env(), fn, "out", out, static_cast<int64_t>(src.size()));
    if (!src.empty()) std::memcpy(out.data, src.data(), src.size() * sizeof(float));
    return info.Env().Undefined();
  });
}

Napi::Value NativeModel::WriteWeights(const Napi::CallbackInfo& info) {
  static const char* fn = "setWeights";
  return guarded(info, fn, [&]() -> Napi::Value {
    const bool trainable = boolArg(info, 0, fn, "trainable");
    auto in = typedArrayArg<float>(info, 1, fn, "values");
    auto g = model_->exclusive();
    std::vector<float>& dst = trainable ? graph().params() : graph().state();
    requireLength(info.Env(), fn, "values", in, static_cast<int64_t>(dst.size()));
    if (!dst.empty()) std::memcpy(dst.data(), in.data, dst.size() * sizeof(float));
    return info.Env().Undefined();
  });
}

// compile(optimizer, [{ loss, weight?, metrics? }, ...]): one entry per graph output.
Napi::Value NativeModel::Compile(const Napi::CallbackInfo& info) {
  static const char* fn = "compile";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsArray()) throwType(info.Env(), fn, "expects (optimizer, outputs)");
    const tf::Config opt = configArg(info, 0, fn, "optimizer");
    const std::vector<tf::Config> outputs = configListArg(info, 1, fn, "outputs", "output");
    auto g = model_->exclusive();
    model_->compile(opt, outputs);
    return info.Env().Undefined();
  });
}

// The data object, checked against what the loss and metrics read
// (Trainer::checkData) once compiled.
tf::Dataset NativeModel::dataFrom(Napi::Env env, const DataValues& v, const char* fn) {
  tf::Dataset d = datasetFrom(env, v, fn, graph().rowSize(), model_->labelWidth(), model_->targetWidth());
  if (model_->compiled()) model_->trainer().checkData(d);
  return d;
}

// trainChunk(data, { order, batchSize, firstBatch, count, nextFirst?, nextCount?, epochId?, distributed? })
// -> Promise<ChunkResult>. With nextCount > 0, the rows of batches
// [nextFirst, nextFirst + nextCount) are copied while this chunk trains
// (kept for a later call with the same epochId). With distributed, this rank
// trains on its share of each batch, the ranks summing gradients every step
// over MPI (native/rank_agreement.h).
Napi::Value NativeModel::TrainChunk(const Napi::CallbackInfo& info) {
  static const char* fn = "fit";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    model_->trainer();
    const DataValues data = dataValuesArg(info, 0, fn);
    const auto c = propertiesArg<8>(info, 1, fn, "chunk",
                                    {"order", "batchSize", "firstBatch", "count", "nextFirst", "nextCount", "epochId", "distributed"});
    tf::Dataset d = dataFrom(env, data, fn);
    auto order = typedArrayValue<int32_t>(env, c[0], fn, "order");
    requireLength(env, fn, "order", order, d.n);
    const int64_t batchSize = intValue(env, c[1], fn, "batchSize", 1, INT32_MAX);
    const int64_t first = intValue(env, c[2], fn, "firstBatch", 0, INT32_MAX), count = intValue(env, c[3], fn, "count", 0, INT32_MAX);
    auto optionalInt = [&](const Napi::Value& v, const char* name, int64_t lo) {
      return v.IsUndefined() ? (lo < 0 ? -1 : 0) : intValue(env, v, fn, name, lo, INT32_MAX);
    };
    const int64_t nextFirst = optionalInt(c[4], "nextFirst", 0), nextCount = optionalInt(c[5], "nextCount", 0);
    const int64_t epochId = optionalInt(c[6], "epochId", -1);
    const bool distributed = !c[7].IsUndefined() && boolValue(env, c[7], fn, "distributed");
    const tf::mpi::ProcessInfo job = distributed ? tf::mpi::requireJob() : tf::mpi::ProcessInfo{};
    const tf::Model::ChunkPlan plan =
        model_->planChunk(d, order.data, batchSize, first, count, nextFirst, nextCount, static_cast<double>(epochId), job.rank, job.size);
    tf::GradientSync* sync = distributed ? &tf::mpi::gradientSync() : nullptr;
    // Released when the worker is done, on the main thread, even on error.
    auto hold = std::make_shared<tf::Model::ChunkHold>(*model_);
    std::shared_ptr<const tf::RowCopy> rows = model_->chunkRows(d, plan.key);
    model_->clearCancel();
    auto result = std::make_shared<tf::ChunkResult>();
    tf::Model* m = model_.get();
    Napi::Promise p = queueWork(
        info, fn, {data[0], data[1], data[2], data[3], c[0]}, [m, rows, plan, result, sync] { *result = m->trainJob(*rows, plan, sync); },
        [result, hold](Napi::Env env) -> Napi::Value {
          hold->release();
          return chunkResultValue(env, *result);
        });
    if (plan.next.count > 0) model_->prefetch(d, plan.next);
    return p;
  });
}

// evaluate(data, batchSize) -> Promise<{lossSum, metricSums, samples}>
Napi::Value NativeModel::Evaluate(const Napi::CallbackInfo& info) {
  static const char* fn = "evaluate";
  return guarded(info, fn, [&]() -> Napi::Value {
    model_->trainer();
    const DataValues data = dataValuesArg(info, 0, fn);
    tf::Dataset d = dataFrom(info.Env(), data, fn);
    const int64_t batchSize = intArg(info, 1, fn, "batchSize", 1, INT32_MAX);
    model_->requireWorkspace(std::min(batchSize, d.n));
    auto rows = tf::copyAllRows(d, graph().rowSize(), model_->targetWidth());
    auto lock = std::make_shared<std::shared_lock<std::shared_mutex>>(model_->shared());
    auto result = std::make_shared<tf::EvalResult>();
    tf::Model* m = model_.get();
    return queueWork(
        info, fn, {data[0], data[1], data[2], data[3]}, [m, rows, batchSize, result] { *result = m->evaluateJob(rows->data, batchSize); },
        [result, lock](Napi::Env env) -> Napi::Value {
          lock->unlock();
          return evalResultValue(env, *result);
        });
  });
}

// predict(x, n, batchSize, out): synchronous, for small inputs.
Napi::Value NativeModel::Predict(const Napi::CallbackInfo& info) {
  return guarded(info, "predict", [&]() -> Napi::Value {
    PredictArgs a = predictArgs(info, "predict");
    auto g = model_->shared();
    // A custom layer's call that predicts with its own model would reuse the workspace in use.
    if (predicting_) throw Napi::Error::New(info.Env(), "predict: the model is predicting (a custom layer cannot call its own model)");
    predicting_ = true;
    struct Done { bool& f; ~Done() { f = false; } } done{predicting_};
    tf::HostScope hosts(hooks_.get());
    model_->predict(a.x, a.n, a.batchSize, a.out);
    return info.Env().Undefined();
  });
}

// predictAsync(x, n, batchSize, out[, cancel: Int32Array(1)]) -> Promise<void>
Napi::Value NativeModel::PredictAsync(const Napi::CallbackInfo& info) {
  static const char* fn = "predictAsync";
  return guarded(info, fn, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    PredictArgs a = predictArgs(info, fn);
    model_->requireWorkspace(model_->inferenceBatch(a.batchSize, a.n));
    const int32_t* cancel = nullptr;
    if (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
      auto flag = typedArrayArg<int32_t>(info, 4, fn, "cancel");
      requireLength(env, fn, "cancel", flag, 1);
      cancel = flag.data;  // the caller's own: Sequential creates it and never hands it out
    }
    // The worker reads a private copy of x and writes a private output,
    // copied into `out` here afterwards (see native/row_staging.h).
    auto job = model_->stagePredict(a.x, a.n, a.batchSize, cancel);
    auto outRef = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(info[3].As<Napi::Float32Array>()));
    auto lock = std::make_shared<std::shared_lock<std::shared_mutex>>(model_->shared());
    tf::Model* m = model_.get();
    return queueWork(
        info, fn, {0, 3, 4}, [m, job] { m->predictJob(*job); },
        [lock, job, outRef](Napi::Env env) -> Napi::Value {
          lock->unlock();
          Napi::Float32Array out = outRef->Value();
          const std::vector<float>& result = job->output;
          if (out.ElementLength() < result.size())
            throw Napi::RangeError::New(env, "predictAsync: out was detached or shrunk while predicting");
          if (!result.empty()) std::memcpy(out.Data(), result.data(), result.size() * sizeof(float));
          return env.Undefined();
        });
  });
}

Napi::Value NativeModel::Cancel(const Napi::CallbackInfo& info) {
  model_->cancel();
  return info.Env().Undefined();
}

Napi::Value NativeModel::LearningRate(const Napi::CallbackInfo& info) {
  return guarded(info, "learningRate", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), model_->trainer().optimizer().currentLearningRate());
  });
}

Napi::Value NativeModel::SetLearningRate(const Napi::CallbackInfo& info) {
  return guarded(info, "setLearningRate", [&]() -> Napi::Value {
    const double lr = numberArg(info, 0, "setLearningRate", "learningRate");
    model_->idleTrainer().optimizer().setLearningRate(lr);
    return info.Env().Undefined();
  });
}

// setPruning(options | null): magnitude pruning after every optimizer
// update from now on (native/magnitude_pruning.h), or none.
Napi::Value NativeModel::SetPruning(const Napi::CallbackInfo& info) {
  static const char* fn = "setPruning";
  return guarded(info, fn, [&]() -> Napi::Value {
    const bool none = info.Length() > 0 && info[0].IsNull();
    const tf::Config options = none ? tf::Config{} : configArg(info, 0, fn, "options");
    tf::Trainer& t = model_->idleTrainer();
    auto g = model_->exclusive();
    t.setPruning(none ? nullptr : &options);
    return info.Env().Undefined();
  });
}

Napi::Value NativeModel::Reseed(const Napi::CallbackInfo& info) {
  return guarded(info, "reseed", [&]() -> Napi::Value {
    const int64_t seed = intArg(info, 0, "reseed", "seed", 0);
    model_->idleTrainer().reseed(static_cast<uint64_t>(seed));
    return info.Env().Undefined();
  });
}

void registerNetwork(Napi::Env env, Napi::Object exports) { exports.Set("NativeModel", NativeModel::Define(env)); }

}  // namespace tfb
