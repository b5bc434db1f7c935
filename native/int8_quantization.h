// The int8 quantization rules, written once: the uint8 parameters of an
// activation range and the symmetric int8 weights of a kernel. The native
// int8 chain (quantized_mlp.h) and the TypeScript graph quantizer
// (src/compression/quantize_graph.ts, through the binding) both call these,
// so a model gets the same int8 values whichever path quantizes it.
// Arithmetic is float32 and rounding is to nearest, ties to even (the
// default floating-point rounding mode, std::nearbyint).
#pragma once
#include <cstdint>

namespace tf {

// Affine uint8 parameters: real = scale * (q - zeroPoint).
struct Uint8Quant {
  float scale = 1.f;
  int32_t zeroPoint = 0;
};

// From an observed range, widened to hold 0 so that zero is exactly
// representable (zero padding and relu's zeros stay exact): scale =
// (hi - lo) / 255, zeroPoint = round(-lo / scale) in [0, 255]. A zero or
// non-finite range gives scale 1, zero point 0.
Uint8Quant uint8QuantFromRange(float lo, float hi);

// Symmetric int8 weights of kernel [K, N] row-major (K inputs, N outputs):
// scales[n] = max |kernel[., n]| / 127 per output channel, or the largest
// over all channels for each when !perChannel (1 where that maximum is 0);
// q = round(kernel / scale) clamped to [-127, 127] (a -128 would break the
// symmetry). Writes q [K * N] and scales [N]. Throws std::invalid_argument
// on a non-finite weight or a non-positive size.
void quantizeKernelInt8(const float* kernel, int64_t K, int64_t N, bool perChannel, int8_t* q, float* scales);

}  // namespace tf
