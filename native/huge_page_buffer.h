// Scratch memory that a hot loop sweeps many times per second (the GEMM's
// packing space), on 2 MiB transparent huge pages where Linux offers them.
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

namespace tf {

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

}  // namespace tf
