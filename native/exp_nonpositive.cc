// Compiled with -fno-trapping-math (CMakeLists.txt): with trapping maths GCC
// keeps the clamp below a branch (a compare may raise an exception flag, which
// nothing here reads) and the loop stays scalar.
#include "exp_nonpositive.h"

#include <algorithm>
#include <cstring>

#include "simd.h"

namespace tf {

namespace {
// Below this, n = -127 and the scale 2^n built in the exponent bits is 0.
constexpr float kFlushBelow = -88.f;
// 1.5 * 2^23: adding it rounds x / ln2 to an integer held in the low mantissa bits.
constexpr float kRoundingShift = 12582912.f;
constexpr int32_t kRoundingShiftBits = 0x4B400000;

inline float expOne(float x) {
  const float xc = std::max(x, kFlushBelow);  // NaN stays NaN: std::max keeps its first argument
  const float t = xc * 1.44269504088896341f + kRoundingShift;
  const float n = t - kRoundingShift;
  // r = x - n ln2, with ln2 in two parts so that n * ln2's high part is exact.
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.f;
  int32_t tBits;
  std::memcpy(&tBits, &t, sizeof tBits);
  // n + 127 in the exponent field: 2^n (n in [-127, 0]; -127 gives the bits of 0).
  const int32_t scaleBits = static_cast<int32_t>(static_cast<uint32_t>(tBits - kRoundingShiftBits + 127) << 23);
  float scale;
  std::memcpy(&scale, &scaleBits, sizeof scale);
  return p * scale;
}
}  // namespace

TF_SIMD_CLONES void expNonPositiveInPlace(float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = expOne(y[i]);
}

}  // namespace tf
