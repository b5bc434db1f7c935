// exp in plain float arithmetic that the compiler vectorises: Cephes' expf,
// x = n ln2 + r with |r| <= ln2 / 2, e^r by a polynomial of degree 7, 2^n made
// in the exponent bits. libm's expf is a call per element: softmax over 1000
// rows of 10 classes took 30 us with it (a fifth of a batch-1000 prediction of
// the 784-31-10 model, AMD EPYC Zen 5), and the recurrent gates' sigmoids and
// tanhs were slower than their GEMMs.
//
// A loop over expVectorizable vectorises only where comparisons may not trap
// (its clamps are selects, which GCC otherwise keeps as branches): the file
// that holds the loop says `#pragma GCC optimize("no-trapping-math")` before
// including this header. Nothing in tensorforge reads the exception flags.
#pragma once
#include <cstdint>
#include <cstring>

namespace tf {

// exp(x) within 1.01 ulp of the correctly rounded value for x in [-87.33, 88]
// (every float there was checked against double exp); 0 for x below about
// -87.7 (where exp is below the smallest normal float, 1.2e-38) and for -inf;
// e^88 = 1.65e38 for x >= 88 and +inf; NaN stays NaN.
__attribute__((always_inline)) inline float expVectorizable(float x) {
  // At -88, n = -127 and the scale built below is 0. Plain selects, not
  // std::max (a call GCC does not inline into a function of other maths
  // flags), ordered so that a NaN stays NaN.
  float xc = x < -88.f ? -88.f : x;
  xc = xc > 88.f ? 88.f : xc;
  // Adding 1.5 * 2^23 rounds x / ln2 to the integer n, held in the sum's low mantissa bits.
  constexpr float kRoundingShift = 12582912.f;
  constexpr int32_t kRoundingShiftBits = 0x4B400000;
  const float t = xc * 1.44269504088896341f + kRoundingShift;
  const float n = t - kRoundingShift;
  // r = x - n ln2, with ln2 in two parts so that n times the first is exact.
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
  // n + 127 in the exponent field: 2^n for n in [-126, 127], the bits of 0 for n = -127.
  const int32_t scaleBits = static_cast<int32_t>(static_cast<uint32_t>(tBits - kRoundingShiftBits + 127) << 23);
  float scale;
  std::memcpy(&scale, &scaleBits, sizeof scale);
  return p * scale;
}

// y[i] = expVectorizable(y[i]), vectorised (AVX2 clone where the CPU has it).
void expInPlace(float* y, int64_t n);

}  // namespace tf
