// HugePageBuffer: 2 MiB aligned, usable to its capacity, grown only when
// asked for more, and std::bad_alloc (not a crash) for sizes it cannot serve.
#include <cstdint>
#include <cstring>
#include <new>

#include "../../native/huge_page_buffer.h"
#include "check.h"

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}  // namespace

TF_TEST(huge_page_buffer_is_aligned_and_usable_to_its_capacity) {
  tf::HugePageBuffer buf;
  for (size_t bytes : {size_t{1}, size_t{4096}, kHugePage - 1, kHugePage, kHugePage + 1, 3 * kHugePage + 7}) {
    void* p = buf.reserve(bytes);
    TF_EXPECT(reinterpret_cast<uintptr_t>(p) % kHugePage == 0);
    TF_EXPECT(buf.capacity() >= bytes && buf.capacity() % kHugePage == 0);
    std::memset(p, 0x5a, buf.capacity());
    TF_EXPECT(static_cast<unsigned char*>(p)[buf.capacity() - 1] == 0x5a);
  }
}

TF_TEST(huge_page_buffer_keeps_its_memory_for_smaller_requests) {
  tf::HugePageBuffer buf;
  void* big = buf.reserve(3 * kHugePage);
  TF_EXPECT(buf.reserve(100) == big);
  TF_EXPECT(buf.reserve(3 * kHugePage) == big);
  TF_EXPECT(buf.capacity() == 3 * kHugePage);
}

TF_TEST(huge_page_buffer_refuses_impossible_sizes) {
  tf::HugePageBuffer buf;
  bool threw = false;
  try {
    buf.reserve(0);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  TF_EXPECT(threw);
  threw = false;
  try {
    buf.reserve(SIZE_MAX);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  TF_EXPECT(threw);
  // Still usable afterwards.
  TF_EXPECT(buf.reserve(64) != nullptr);
}
