#include "args.h"

namespace tfb {
void registerNetwork(Napi::Env env, Napi::Object exports) {}
}  // namespace tfb
