// Checks a native allocation against the memory limit (native/memory_limit.h)
// on the JavaScript thread, before any work is queued.
#pragma once
#include <cstdint>
#include <string>

#include "args.h"
#include "memory_limit.h"

namespace tfb {

inline void requireMemory(Napi::Env env, const char* fn, const std::string& what, int64_t bytes) {
  if (tf::fitsMemoryLimit(bytes)) return;
  const std::string need = bytes < 0 ? "more than 2^63 bytes" : std::to_string(bytes) + " bytes";
  throwRange(env, fn, what + " needs " + need + ", more than the memory limit (" + std::to_string(tf::memoryLimit()) +
                          " bytes; see tf.setMemoryLimit)");
}

}  // namespace tfb
