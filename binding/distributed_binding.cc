// Distributed training over MPI, opened at run time (native/mpi_runtime.h):
//   distributedInit() -> { rank, size, localRank, library }
//   distributedBroadcast(Float32Array, root), distributedAllreduceMean(Float32Array),
//   distributedAllreduceSum(Float64Array), distributedBarrier()
// Collectives here run on the JavaScript thread (setup: broadcasting weights,
// averaging metrics); training's per-step allreduce runs on the worker thread.
#include "args.h"
#include "mpi_runtime.h"

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
    tf::mpi::allreduceSum(data.data, data.length);
    return info.Env().Undefined();
  });
}

static Napi::Value DistributedBarrier(const Napi::CallbackInfo& info) {
  return guarded(info, "distributed.barrier", [&]() -> Napi::Value {
    tf::mpi::barrier();
    return info.Env().Undefined();
  });
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
}

}  // namespace tfb
