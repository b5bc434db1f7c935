#include "args.h"

namespace tfb {
void registerOps(Napi::Env env, Napi::Object exports) {}
}  // namespace tfb
