// Module entry: each family of bindings registers its functions here.
#include <napi.h>

namespace tfb {
void registerBackend(Napi::Env env, Napi::Object exports);
void registerMatmul(Napi::Env env, Napi::Object exports);
void registerOps(Napi::Env env, Napi::Object exports);
void registerNetwork(Napi::Env env, Napi::Object exports);
void registerLimits(Napi::Env env, Napi::Object exports);
void registerEnums(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerOptimizer(Napi::Env env, Napi::Object exports);
void registerQuantized(Napi::Env env, Napi::Object exports);
void registerInt8Quantization(Napi::Env env, Napi::Object exports);
void registerLayerOp(Napi::Env env, Napi::Object exports);
}  // namespace tfb

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tfb::registerBackend(env, exports);
  tfb::registerMatmul(env, exports);
  tfb::registerOps(env, exports);
  tfb::registerNetwork(env, exports);
  tfb::registerLimits(env, exports);
  tfb::registerEnums(env, exports);
  tfb::registerDistributed(env, exports);
  tfb::registerOptimizer(env, exports);
  tfb::registerQuantized(env, exports);
  tfb::registerInt8Quantization(env, exports);
  tfb::registerLayerOp(env, exports);
  return exports;
}

NODE_API_MODULE(tensorforge, Init)
