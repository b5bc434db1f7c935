// backendInfo / thread control.
#include "args.h"
#include "gemm.h"

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
#if defined(__AVX512F__)
    o.Set("compiledSimd", "avx512");
#elif defined(__AVX2__)
    o.Set("compiledSimd", "avx2");
#elif defined(__SSE2__) || defined(_M_X64)
    o.Set("compiledSimd", "sse2");
#elif defined(__ARM_NEON)
    o.Set("compiledSimd", "neon");
#else
    o.Set("compiledSimd", "scalar");
#endif
    return o;
  });
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "setNumThreads", [&]() -> Napi::Value {
    int64_t n = intArg(info, 0, "setNumThreads", "n", 1, 1024);
    tf::setBlasThreads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tf::getBlasThreads());
}

void registerBackend(Napi::Env env, Napi::Object exports) {
  // Default policy: the BLAS may use every core (BLIS would otherwise start with one).
  tf::setBlasThreads(tf::getBlasThreads());
  exports.Set("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
}

}  // namespace tfb
