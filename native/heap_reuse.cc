#include "heap_reuse.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tf {

namespace {
std::once_flag gOnce;
// Literals only: backendInfo() may read these from a worker thread while the
// process exits, when a std::string global could already be destroyed.
const char* gState = "system allocator, unchanged";
const char* gSetBy = nullptr;  // the user's malloc setting that made us leave glibc alone

#if defined(__GLIBC__)
// 64-bit glibc: its DEFAULT_MMAP_THRESHOLD_MAX, the largest mmap threshold it
// accepts, and twice that for trimming, as its dynamic rule would set them.
constexpr int kMmapThreshold = 32 << 20;
constexpr int kTrimThreshold = 64 << 20;

// The user (or the environment) already chose malloc settings: leave them.
const char* userMallocSetting() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return "GLIBC_TUNABLES";
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"}) {
    if (std::getenv(name)) return name;
  }
  return nullptr;
}

void configure() {
  const char* opt = std::getenv("TENSORFORGE_HEAP_REUSE");
  if (opt && std::strcmp(opt, "0") == 0) {
    gState = "glibc malloc defaults (TENSORFORGE_HEAP_REUSE=0)";
    return;
  }
  if (sizeof(void*) < 8) {
    gState = "glibc malloc defaults (32-bit: thresholds left to glibc)";
    return;
  }
  if ((gSetBy = userMallocSetting())) {
    gState = "glibc malloc as set by ";
    return;
  }
  // Both or neither: setting one turns off glibc's dynamic adjustment of both.
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1) {
    gState = "glibc malloc, freed memory kept for reuse (mmap threshold 32 MiB, trim threshold 64 MiB)";
  } else {
    // The sanitizers' allocators answer mallopt with 0 or -1.
    gState = "malloc unchanged (mallopt refused)";
  }
}
#else
void configure() {}
#endif
}  // namespace

void configureHeapReuse() { std::call_once(gOnce, configure); }

std::string heapReuseDescription() { return gSetBy ? std::string(gState) + gSetBy : std::string(gState); }

}  // namespace tf
