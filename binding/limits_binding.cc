// setMemoryLimit(bytes) / getMemoryLimit(): the limit native allocations are
// checked against (0 = the memory available at each check).
#include "args.h"
#include "memory_limit.h"

namespace tfb {

static Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  return guarded(info, "setMemoryLimit", [&]() -> Napi::Value {
    tf::setMemoryLimit(intArg(info, 0, "setMemoryLimit", "bytes", 0, int64_t{1} << 53));
    return info.Env().Undefined();
  });
}

static Napi::Value GetMemoryLimit(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(tf::memoryLimit()));
}

void registerLimits(Napi::Env env, Napi::Object exports) {
  exports.Set("setMemoryLimit", Napi::Function::New(env, SetMemoryLimit, "setMemoryLimit"));
  exports.Set("getMemoryLimit", Napi::Function::New(env, GetMemoryLimit, "getMemoryLimit"));
}

}  // namespace tfb
