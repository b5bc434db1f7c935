#include "huge_page_buffer.h"

#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(_WIN32)
#include <malloc.h>
#else
#include <sys/mman.h>
#endif

namespace tf {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
size_t wholeHugePages(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }
}  // namespace

HugePageBuffer::~HugePageBuffer() { release(); }

void HugePageBuffer::release() {
  if (!p_) return;
  unmapHugePages(p_, bytes_);
  p_ = nullptr;
  bytes_ = 0;
}

void* mapHugePages(size_t bytes) {
  if (bytes == 0 || bytes > SIZE_MAX / 2 - kHugePage) throw std::bad_alloc();
  const size_t want = wholeHugePages(bytes);
#if defined(_WIN32)
  void* p = _aligned_malloc(want, kHugePage);
  if (!p) throw std::bad_alloc();
#else
  // Map one huge page more than needed and trim both ends to a 2 MiB boundary.
  void* raw = mmap(nullptr, want + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + want + kHugePage;
  if (end > aligned + want) munmap(reinterpret_cast<void*>(aligned + want), end - (aligned + want));
  void* p = reinterpret_cast<void*>(aligned);
#if defined(MADV_HUGEPAGE)
  madvise(p, want, MADV_HUGEPAGE);  // advice: without transparent huge pages it changes nothing
#endif
#endif
  return p;
}

void unmapHugePages(void* p, size_t bytes) noexcept {
  if (!p) return;
#if defined(_WIN32)
  (void)bytes;
  _aligned_free(p);
#else
  munmap(p, wholeHugePages(bytes));
#endif
}

void* HugePageBuffer::reserve(size_t bytes) {
  // Sizes it cannot serve throw before the memory it has is let go.
  if (bytes == 0 || bytes > SIZE_MAX / 2 - kHugePage) throw std::bad_alloc();
  if (bytes <= bytes_) return p_;
  release();
  p_ = mapHugePages(bytes);
  bytes_ = wholeHugePages(bytes);
  return p_;
}

}  // namespace tf
