// HugePageBuffer: 2 MiB aligned, usable to its capacity, grown only when
// asked for more, and std::bad_alloc (not a crash) for sizes it cannot serve.
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

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

// HugePageAllocator: blocks of 2 MiB or more mapped on their own (aligned), smaller ones from the heap;
// a vector on it grows, copies and shrinks as any other.
TF_TEST(huge_page_allocator_maps_large_blocks_and_keeps_values) {
  std::vector<float, tf::HugePageAllocator<float>> v(kHugePage / sizeof(float) + 5, 1.5f);
  TF_EXPECT(reinterpret_cast<uintptr_t>(v.data()) % kHugePage == 0);
  TF_EXPECT(v.back() == 1.5f);
  v.resize(3 * kHugePage / sizeof(float), 2.f);  // grows into a new mapping, keeping the values
  TF_EXPECT(v.front() == 1.5f && v[kHugePage / sizeof(float) + 4] == 1.5f && v.back() == 2.f);
  std::vector<float, tf::HugePageAllocator<float>> copy = v;
  TF_EXPECT(copy.size() == v.size() && std::memcmp(copy.data(), v.data(), v.size() * sizeof(float)) == 0);
  std::vector<float, tf::HugePageAllocator<float>> small(100, 3.f);  // from the heap
  TF_EXPECT(small[99] == 3.f);
  v.swap(small);
  TF_EXPECT(v.size() == 100 && small.size() == 3 * kHugePage / sizeof(float));
  std::vector<float, tf::HugePageAllocator<float>>().swap(small);  // unmapped
  TF_EXPECT(small.capacity() == 0);
}

TF_TEST(huge_page_allocator_refuses_impossible_sizes) {
  tf::HugePageAllocator<float> a;
  bool threw = false;
  try {
    a.allocate(SIZE_MAX / 2);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  TF_EXPECT(threw);
}
