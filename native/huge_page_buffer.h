// Memory on 2 MiB transparent huge pages where Linux offers them: scratch
// that a hot loop sweeps many times per second (the GEMM's packing space, in
// a HugePageBuffer) and large buffers filled once and reused (HugePageAllocator).
//
// On 4 KiB pages a packed panel lands on whatever physical pages the process
// got: which sets of the physically indexed L2 its lines share (our guess at
// the cause) is luck, fixed for the process's life. On the AMD EPYC (Zen 5), a
// 512^3 product on two threads ran below 75% of peak (293-322 GFLOP/s) in 9
// of 30 fresh Node processes and at 331-361 in the rest; with the packing
// space on huge pages, in 1 of 30 (322.7; bench/RESULTS.md). Mapped fresh for
// this (heap memory already touched would keep its 4 KiB pages) and advised
// with MADV_HUGEPAGE before its first touch: Linux honours that in its
// "madvise" and "always" modes of transparent huge pages. Elsewhere it is
// ordinary aligned memory.
#pragma once
#include <cstddef>
#include <new>

namespace tf {

// `bytes` (> 0) rounded up to whole 2 MiB, mapped fresh, 2 MiB aligned and
// advised as above; throws std::bad_alloc. Returned with unmapHugePages(p, bytes).
void* mapHugePages(size_t bytes);
void unmapHugePages(void* p, size_t bytes) noexcept;

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  ~HugePageBuffer();
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  // At least `bytes` of memory aligned to 2 MiB, grown in whole 2 MiB; the
  // contents are not kept when it grows. Throws std::bad_alloc when the
  // memory cannot be had (or `bytes` is 0).
  void* reserve(size_t bytes);
  size_t capacity() const { return bytes_; }

 private:
  void release();
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// A std::allocator whose blocks of 2 MiB or more are mapped on huge pages
// (mapHugePages), for large buffers a process fills once and then reuses,
// such as a fit's staged rows. Their first touch is the cost it saves: on the
// AMD EPYC VM of bench/RESULTS.md a fresh 4 KiB page took ~10 us to fault in
// (26 ms per 8 MB) and huge pages half that, and a fit's first epoch faulted in
// 5,000-9,000 pages that later epochs did not. Smaller blocks come from the heap.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMappedFrom = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    return static_cast<T*>(bytes >= kMappedFrom ? mapHugePages(bytes) : ::operator new(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kMappedFrom) unmapHugePages(p, bytes);
    else ::operator delete(p);
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept { return false; }
};

}  // namespace tf
