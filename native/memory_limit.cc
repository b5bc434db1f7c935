#include "memory_limit.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace tf {

namespace {
std::atomic<int64_t> gLimit{0};

// Under the default, allocations below this are not checked (the check reads /proc).
constexpr int64_t kUncheckedBytes = int64_t{16} << 20;

#if defined(__linux__)
// A "Key: N kB" line of /proc/meminfo, in bytes, or -1.
int64_t meminfoField(const char* key) {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return -1;
  char line[256];
  int64_t out = -1;
  const size_t len = std::strlen(key);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, key, len) == 0 && line[len] == ':') {
      long long kb = 0;
      if (std::sscanf(line + len + 1, "%lld", &kb) == 1) out = static_cast<int64_t>(kb) * 1024;
      break;
    }
  }
  std::fclose(f);
  return out;
}

// A number read from a one-line file (cgroup v2 memory.max / memory.current), or -1 ("max" or absent).
int64_t fileNumber(const char* path) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  long long v = -1;
  if (std::fscanf(f, "%lld", &v) != 1) v = -1;
  std::fclose(f);
  return static_cast<int64_t>(v);
}
#endif
}  // namespace

void setMemoryLimit(int64_t bytes) { gLimit.store(bytes > 0 ? bytes : 0, std::memory_order_relaxed); }

int64_t explicitMemoryLimit() { return gLimit.load(std::memory_order_relaxed); }

int64_t availableMemory() {
#if defined(__linux__)
  int64_t avail = meminfoField("MemAvailable");
  const int64_t max = fileNumber("/sys/fs/cgroup/memory.max");
  const int64_t cur = fileNumber("/sys/fs/cgroup/memory.current");
  if (max > 0 && cur >= 0) avail = avail < 0 ? max - cur : std::min(avail, max - cur);
  if (avail >= 0) return avail;
#endif
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && size > 0) return static_cast<int64_t>(pages) * size;
#endif
  return std::numeric_limits<int64_t>::max();
}

int64_t memoryLimit() {
  const int64_t l = explicitMemoryLimit();
  return l > 0 ? l : availableMemory();
}

bool fitsMemoryLimit(int64_t bytes) {
  if (bytes < 0) return false;
  const int64_t l = explicitMemoryLimit();
  if (l > 0) return bytes <= l;
  return bytes < kUncheckedBytes || bytes <= availableMemory();
}

void requireMemory(const std::string& what, int64_t bytes) {
  if (fitsMemoryLimit(bytes)) return;
  const std::string need = bytes < 0 ? "more than 2^63 bytes" : std::to_string(bytes) + " bytes";
  throw std::length_error(what + " needs " + need + ", more than the memory limit (" + std::to_string(memoryLimit()) +
                          " bytes; see tf.setMemoryLimit)");
}

}  // namespace tf
