#include <cstdint>

#include "simd.h"

// See vector_exp.h: without it the loop stays scalar.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "vector_exp.h"

namespace tf {

TF_SIMD_CLONES void expInPlace(float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = expVectorizable(y[i]);
}

}  // namespace tf
