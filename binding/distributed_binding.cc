// Distributed training over MPI, opened at run time (native/mpi_runtime.h):
//   distributedInit() -> { rank, size, localRank, library }, distributedSetTimeout(seconds)
//   distributedBroadcast(Float32Array, root), distributedAllreduceMean(Float32Array),
//   distributedAllreduceSum(Float64Array), distributedBarrier()
//   distributedExchange(Float64Array, 'sum' | 'max') and distributedExchangeAsync (a
//   Promise): a control round, then the reduction (native/rank_agreement.h)
//   distributedReportFailure(message) -> boolean, distributedClearFailure()
//   distributedAllgather(Float32Array, counts: Float64Array)
//   distributedSend(dest, tag, Uint8Array), distributedPoll() -> { source, tag, data } | null,
//   distributedPendingSends(), distributedTimeout(): point-to-point messages (the tuner)
//   distributedStepExchange(grads, stats), distributedSyncTimes(reset): a training step's exchange and its times (benchmarks)
// Collectives here run on the JavaScript thread (setup: broadcasting weights,
// gathering predictions) or, for the Async one, on a worker thread; training's
// per-step exchange runs on the training worker.
#include <cmath>
#include <cstring>

#include "args.h"
#include "mpi_runtime.h"
#include "promise_worker.h"
#include "rank_agreement.h"

namespace tfb {

static Napi::Value DistributedInit(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.init", [&]() -> Napi::Value {
    const tf::mpi::ProcessInfo p = tf::mpi::init();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("rank", p.rank);
    o.Set("size", p.size);
    o.Set("localRank", p.localRank);
    o.Set("library", tf::mpi::libraryName());
    return o;
  });
}

static Napi::Value DistributedBroadcast(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.broadcast", [&]() -> Napi::Value {
    auto data = typedArrayArg<float>(info, 0, "distributed.broadcast", "data");
    const int root = static_cast<int>(intArg(info, 1, "distributed.broadcast", "root", 0, INT32_MAX));
    tf::mpi::broadcast(data.data, data.length, root);
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedAllreduceMean(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.allreduceMean", [&]() -> Napi::Value {
    auto data = typedArrayArg<float>(info, 0, "distributed.allreduceMean", "data");
    tf::mpi::allreduceMean(data.data, data.length);
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedAllreduceSum(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.allreduceSum", [&]() -> Napi::Value {
    auto data = typedArrayArg<double>(info, 0, "distributed.allreduceSum", "data");
    tf::mpi::allreduce(data.data, data.length, tf::mpi::Op::Sum);
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedBarrier(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.barrier", [&]() -> Napi::Value {
    tf::mpi::barrier();
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedSetTimeout(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.init", [&]() -> Napi::Value {
    tf::mpi::setTimeout(numberArg(info, 0, "distributed.init", "timeout"));
    return info.Env().Undefined();
  });
}

static tf::mpi::Op opArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (info.Length() > i && info[i].IsString()) {
    const std::string op = info[i].As<Napi::String>().Utf8Value();
    if (op == "sum") return tf::mpi::Op::Sum;
    if (op == "max") return tf::mpi::Op::Max;
  }
  throwType(info.Env(), fn, "op must be 'sum' or 'max'");
}

static Napi::Value DistributedExchange(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.exchange";
  return guarded(info, fn, [&]() -> Napi::Value {
    auto values = typedArrayArg<double>(info, 0, fn, "values");
    tf::mpi::exchange(values.data, values.length, opArg(info, 1, fn));
    return info.Env().Undefined();
  });
}

// The same on a worker thread: the event loop stays free while slower ranks catch up.
static Napi::Value DistributedExchangeAsync(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.exchange";
  return guarded(info, fn, [&]() -> Napi::Value {
    auto values = typedArrayArg<double>(info, 0, fn, "values");
    const tf::mpi::Op op = opArg(info, 1, fn);
    // A private copy: the caller's buffer may be detached while the worker runs.
    auto copy = std::make_shared<std::vector<double>>(values.data, values.data + values.length);
    auto target = std::make_shared<Napi::Reference<Napi::Float64Array>>(Napi::Persistent(info[0].As<Napi::Float64Array>()));
    return queueWork(
        info, fn, {0}, [copy, op] { tf::mpi::exchange(copy->data(), static_cast<int64_t>(copy->size()), op); },
        [copy, target](Napi::Env env) -> Napi::Value {
          Napi::Float64Array out = target->Value();
          if (out.ElementLength() >= copy->size()) std::copy(copy->begin(), copy->end(), out.Data());
          return env.Undefined();
        });
  });
}

static Napi::Value DistributedReportFailure(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.reportFailure";
  return guarded(info, fn, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throwType(info.Env(), fn, "message must be a string");
    return Napi::Boolean::New(info.Env(), tf::mpi::reportFailure(info[0].As<Napi::String>().Utf8Value()));
  });
}

static Napi::Value DistributedClearFailure(const Napi::CallbackInfo& info) {
  tf::mpi::clearAgreedFailure();
  return info.Env().Undefined();
}

static Napi::Value DistributedAllgather(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.allgather";
  return guarded(info, fn, [&]() -> Napi::Value {
    auto data = typedArrayArg<float>(info, 0, fn, "data");
    auto counts = typedArrayArg<double>(info, 1, fn, "counts");
    std::vector<int64_t> n;
    double total = 0;
    for (size_t r = 0; r < counts.length; ++r) {
      const double c = counts.data[r];
      // The range first: converting a double beyond int64 is undefined.
      if (!(c >= 0 && c <= 9.0e15) || c != std::floor(c)) throwRange(info.Env(), fn, "counts must be integers in [0, 9e15]");
      n.push_back(static_cast<int64_t>(c));
      total += c;
    }
    if (total > static_cast<double>(data.length)) throwRange(info.Env(), fn, "data is shorter than the counts' sum");
    tf::mpi::allgather(data.data, n);
    return info.Env().Undefined();
  });
}

// distributedStepExchange(grads, stats): one training step's exchange (a control
// round, then the sums in place), exactly as fit's steps make it; for benchmarks.
static Napi::Value DistributedStepExchange(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.stepExchange";
  return guarded(info, fn, [&]() -> Napi::Value {
    auto grads = typedArrayArg<float>(info, 0, fn, "grads");
    auto stats = typedArrayArg<double>(info, 1, fn, "stats");
    tf::mpi::gradientSync().reduce(grads.data, static_cast<int64_t>(grads.length), stats.data, static_cast<int64_t>(stats.length), nullptr);
    return info.Env().Undefined();
  });
}

// distributedSyncTimes(reset) -> { steps, bytes, controlSeconds, reduceSeconds, reduceCpuSeconds } (benchmarks).
static Napi::Value DistributedSyncTimes(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.syncTimes", [&]() -> Napi::Value {
    const tf::mpi::SyncTimes t = tf::mpi::syncTimes(boolArg(info, 0, "distributed.syncTimes", "reset"));
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("steps", static_cast<double>(t.steps));
    o.Set("bytes", static_cast<double>(t.bytes));
    o.Set("controlSeconds", t.controlSeconds);
    o.Set("reduceSeconds", t.reduceSeconds);
    o.Set("reduceCpuSeconds", t.reduceCpuSeconds);
    return o;
  });
}

static Napi::Value DistributedSend(const Napi::CallbackInfo& info) {
  static const char* fn = "distributed.send";
  return guarded(info, fn, [&]() -> Napi::Value {
    const int dest = static_cast<int>(intArg(info, 0, fn, "dest", 0, INT32_MAX));
    const int tag = static_cast<int>(intArg(info, 1, fn, "tag", 0, 32767));
    auto data = typedArrayArg<uint8_t>(info, 2, fn, "data");
    tf::mpi::send(dest, tag, reinterpret_cast<const char*>(data.data), static_cast<int64_t>(data.length));
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedPoll(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.poll", [&]() -> Napi::Value {
    tf::mpi::Message m;
    if (!tf::mpi::poll(m)) return info.Env().Null();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("source", m.source);
    o.Set("tag", m.tag);
    Napi::Uint8Array data = Napi::Uint8Array::New(info.Env(), m.data.size());
    if (!m.data.empty()) std::memcpy(data.Data(), m.data.data(), m.data.size());
    o.Set("data", data);
    return o;
  });
}

static Napi::Value DistributedPendingSends(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.pendingSends", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(tf::mpi::pendingSends()));
  });
}

static Napi::Value DistributedTimeout(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tf::mpi::timeout());
}

static Napi::Value DistributedBroken(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::mpi::brokenReason());
}

static Napi::Value DistributedFinalize(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.finalize", [&]() -> Napi::Value {
    tf::mpi::finalize();
    return info.Env().Undefined();
  });
}

void registerDistributed(Napi::Env env, Napi::Object exports) {
  exports.Set("distributedInit", Napi::Function::New(env, DistributedInit, "distributedInit"));
  exports.Set("distributedBroadcast", Napi::Function::New(env, DistributedBroadcast, "distributedBroadcast"));
  exports.Set("distributedAllreduceMean", Napi::Function::New(env, DistributedAllreduceMean, "distributedAllreduceMean"));
  exports.Set("distributedAllreduceSum", Napi::Function::New(env, DistributedAllreduceSum, "distributedAllreduceSum"));
  exports.Set("distributedBarrier", Napi::Function::New(env, DistributedBarrier, "distributedBarrier"));
  exports.Set("distributedFinalize", Napi::Function::New(env, DistributedFinalize, "distributedFinalize"));
  exports.Set("distributedSetTimeout", Napi::Function::New(env, DistributedSetTimeout, "distributedSetTimeout"));
  exports.Set("distributedExchange", Napi::Function::New(env, DistributedExchange, "distributedExchange"));
  exports.Set("distributedExchangeAsync", Napi::Function::New(env, DistributedExchangeAsync, "distributedExchangeAsync"));
  exports.Set("distributedReportFailure", Napi::Function::New(env, DistributedReportFailure, "distributedReportFailure"));
  exports.Set("distributedClearFailure", Napi::Function::New(env, DistributedClearFailure, "distributedClearFailure"));
  exports.Set("distributedAllgather", Napi::Function::New(env, DistributedAllgather, "distributedAllgather"));
  exports.Set("distributedSend", Napi::Function::New(env, DistributedSend, "distributedSend"));
  exports.Set("distributedPoll", Napi::Function::New(env, DistributedPoll, "distributedPoll"));
  exports.Set("distributedPendingSends", Napi::Function::New(env, DistributedPendingSends, "distributedPendingSends"));
  exports.Set("distributedTimeout", Napi::Function::New(env, DistributedTimeout, "distributedTimeout"));
  exports.Set("distributedBroken", Napi::Function::New(env, DistributedBroken, "distributedBroken"));
  exports.Set("distributedSyncTimes", Napi::Function::New(env, DistributedSyncTimes, "distributedSyncTimes"));
  exports.Set("distributedStepExchange", Napi::Function::New(env, DistributedStepExchange, "distributedStepExchange"));
}

}  // namespace tfb
