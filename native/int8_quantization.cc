#include "int8_quantization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tf {

Uint8Quant uint8QuantFromRange(float lo, float hi) {
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  Uint8Quant q;
  const float range = hi - lo;
  if (!(range > 0.f) || !std::isfinite(range)) return q;
  q.scale = range / 255.f;
  q.zeroPoint = static_cast<int32_t>(std::min(255.f, std::max(0.f, std::nearbyint(-lo / q.scale))));
  return q;
}

void quantizeKernelInt8(const float* kernel, int64_t K, int64_t N, bool perChannel, int8_t* q, float* scales) {
  if (K <= 0 || N <= 0) throw std::invalid_argument("int8 kernel quantization needs K > 0 and N > 0");
  for (int64_t i = 0; i < K * N; ++i)
    if (!std::isfinite(kernel[i])) throw std::invalid_argument("a kernel has a non-finite weight");
  std::fill(scales, scales + N, 0.f);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) scales[n] = std::max(scales[n], std::fabs(kernel[k * N + n]));
  if (!perChannel) std::fill(scales, scales + N, *std::max_element(scales, scales + N));
  for (int64_t n = 0; n < N; ++n) scales[n] = scales[n] > 0.f ? scales[n] / 127.f : 1.f;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      const float r = std::nearbyint(kernel[k * N + n] / scales[n]);
      q[k * N + n] = static_cast<int8_t>(std::min(127.f, std::max(-127.f, r)));
    }
}

}  // namespace tf
