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
std::string gDescription = "system allocator, unchanged";

#if defined(__GLIBC__)
constexpr int kMmapThreshold = 32 << 20;  // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
constexpr int kTrimThreshold = 64 << 20;  // 2 x that, as glibc's dynamic rule sets it

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
    gDescription = "glibc malloc defaults (TENSORFORGE_HEAP_REUSE=0)";
    return;
  }
  if (const char* by = userMallocSetting()) {
    gDescription = std::string("glibc malloc as set by ") + by;
    return;
  }
  // Both or neither: setting one turns off glibc's dynamic adjustment of both.
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1) {
    gDescription = "glibc malloc, freed memory kept for reuse (mmap threshold 32 MiB, trim threshold 64 MiB)";
  } else {
    // A replacement allocator (a sanitizer, a preloaded malloc) answers mallopt with 0.
    gDescription = "malloc unchanged (mallopt refused: a replacement allocator)";
  }
}
#else
void configure() {}
#endif
}  // namespace

void configureHeapReuse() { std::call_once(gOnce, configure); }

std::string heapReuseDescription() { return gDescription; }

}  // namespace tf
