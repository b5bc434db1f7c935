// The memory limit that every large native allocation (a network's weight
// arena, its per-batch workspace, a copy of a caller's data) is checked
// against before it is made. With overcommit, a vector that is too large is
// granted lazily and the process is killed when it is first written; checking
// first turns that into an error. Shared with src/limits.ts (tf.setMemoryLimit).
#pragma once
#include <cstdint>
#include <string>

namespace tf {

// bytes > 0: that limit; 0: the default, the memory available at each check.
void setMemoryLimit(int64_t bytes);
// The explicit limit, or 0 under the default.
int64_t explicitMemoryLimit();
// Memory available to the process now (Linux: MemAvailable, capped by the
// cgroup's remaining share); elsewhere the physical memory.
int64_t availableMemory();
// The limit in force now.
int64_t memoryLimit();
// Whether `bytes` (negative = overflowed) fits the limit in force.
bool fitsMemoryLimit(int64_t bytes);
// Throws std::length_error ("<what> needs N bytes, more than the memory limit
// ...") unless `bytes` fits.
void requireMemory(const std::string& what, int64_t bytes);
// The same, naming the allocation (`describe()` returns <what>) only when it
// does not fit: per-call paths such as predict build no message string.
template <class Describe>
void requireMemoryFor(int64_t bytes, Describe&& describe) {
  if (!fitsMemoryLimit(bytes)) requireMemory(describe(), bytes);
}

}  // namespace tf
