// Passes over a batch whose samples are independent (a pooling window, a
// direct convolution's output pixel never reaches another sample), split
// into parts that the GEMM's helper threads take when they are free
// (runOnGemmHelpers): while one thread pooled or convolved alone, the other
// core spun waiting for the next product. The split never changes a result:
// each sample is computed by the same code whichever thread takes its part.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "gemm.h"
#include "gemm_avx512.h"

namespace tf {

// Parts per pass: a few more than cores, so a helper that wakes late still finds work.
constexpr int kSampleParts = 4;

// Runs f(part) for every part in [0, parts), on the calling thread and the
// GEMM's helper threads when the thread budget has room for them and they are
// free, else on the calling thread alone. Parts must write disjoint memory
// and must not throw.
template <typename F>
void forEachPart(int parts, F&& f) {
  using Fn = std::remove_reference_t<F>;
  if (parts > 1 && threadBudget() >= 2 && runOnGemmHelpers([](void* ctx, int part) { (*static_cast<Fn*>(ctx))(part); }, &f, parts))
    return;
  for (int p = 0; p < parts; ++p) f(p);
}

// pass(first, count) over consecutive samples of the batch, in parts as above.
template <typename Pass>
void bySamples(int64_t batch, Pass&& pass) {
  const int parts = static_cast<int>(std::clamp<int64_t>(batch, 1, kSampleParts));
  forEachPart(parts, [&](int p) {
    const int64_t b0 = batch * p / parts, b1 = batch * (p + 1) / parts;
    if (b1 > b0) pass(b0, b1 - b0);
  });
}

}  // namespace tf
