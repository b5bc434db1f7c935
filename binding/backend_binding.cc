// backendInfo / thread control.
#include "args.h"
#include "core_budget.h"
#include "cpu_features.h"
#include "gemm.h"
#include "heap_reuse.h"

namespace tfb {

static Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  return guarded(info, "backendInfo", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    tf::BlasInfo b = tf::blasInfo();
    Napi::Object o = Napi::Object::New(env);
    o.Set("blas", b.name);
    o.Set("blasVersion", b.version);
    o.Set("blasConfig", b.config);
    o.Set("threads", tf::getBlasThreads());
    o.Set("hardwareThreads", tf::hardwareThreads());
    o.Set("allocator", tf::heapReuseDescription());
    o.Set("simd", tf::kernelSimd());
    o.Set("compiledSimd", tf::compiledSimd());
    Napi::Object paths = Napi::Object::New(env);
    for (const auto& [shapes, path] : tf::gemmPathTable()) paths.Set(shapes, path);
    o.Set("gemmPaths", paths);
    return o;
  });
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "setNumThreads", [&]() -> Napi::Value {
    int64_t n = intArg(info, 0, "setNumThreads", "n", 1, 1024);
    // One number for both: the BLAS threads of one call, and the core tokens
    // all native jobs together may hold (native/core_budget.h).
    tf::setBlasThreads(static_cast<int>(n));
    tf::CoreBudget::global().setTotal(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tf::getBlasThreads());
}

// coreBudget(resetPeak?) -> { total, inUse, peak }: for tests and diagnostics.
static Napi::Value CoreBudget(const Napi::CallbackInfo& info) {
  tf::CoreBudget& b = tf::CoreBudget::global();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("total", b.total());
  o.Set("inUse", b.inUse());
  o.Set("peak", b.peak());
  if (info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value()) b.resetPeak();
  return o;
}

void registerBackend(Napi::Env env, Napi::Object exports) {
  // Default policy: the BLAS may use every core (BLIS would otherwise start
  // with one), and all native jobs together hold at most that many.
  tf::configureHeapReuse();  // before the first large allocation
  tf::selectBlasKernels();  // before the BLAS initialises
  tf::setBlasThreads(tf::getBlasThreads());
  tf::CoreBudget::global().setTotal(tf::getBlasThreads());
  exports.Set("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("coreBudget", Napi::Function::New(env, CoreBudget, "coreBudget"));
}

}  // namespace tfb
