// uint8 x int8 GEMM with int32 accumulation, for post-training quantized
// inference (native/quantized_mlp.h). Activations are asymmetric uint8 (the
// zero point is corrected afterwards with the weights' column sums), weights
// symmetric int8 in [-127, 127], as PyTorch's fbgemm and TFLite store them.
//
// Four paths, all exact (integer arithmetic, so bit-identical results):
//   "avx512-vnni"  vpdpbusd (AVX-512 VNNI: Intel Ice Lake on, AMD Zen 4/5);
//   "avx-vnni"     the 256-bit VEX vpdpbusd (Intel Alder Lake on, AMD Zen 5);
//   "avx2"         both operands widened to int16 and vpmaddwd (no
//                  saturation, unlike vpmaddubsw);
//   "portable"     plain loops.
// int8BestPath() picks the widest the CPU runs, once, at run time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tf {

enum class Int8Path { Portable, Avx2, AvxVnni, Avx512Vnni };

// The widest path this CPU and build run.
Int8Path int8BestPath();
// Whether `p` runs here.
bool int8PathAvailable(Int8Path p);
// "portable", "avx2", "avx-vnni", "avx512-vnni".
const char* int8PathName(Int8Path p);

// Output channels per packed block and k per group (one zmm of int32 / one
// dword of uint8 activations).
constexpr int64_t kInt8BlockN = 16;
constexpr int64_t kInt8GroupK = 4;
// Most inputs (K) of one product: 255 x 127 x K must fit an int32 accumulator.
constexpr int64_t kInt8MaxK = 65536;
inline int64_t int8PaddedK(int64_t K) { return (K + kInt8GroupK - 1) / kInt8GroupK * kInt8GroupK; }
inline int64_t int8PaddedN(int64_t N) { return (N + kInt8BlockN - 1) / kInt8BlockN * kInt8BlockN; }

// Weights packed for the kernels: for each block of 16 output channels, for
// each group of 4 k, 16 x 4 int8 (channel-major within the group); padding
// channels and k are zero. colSum[n] = sum_k w[k, n] (for the zero point).
struct Int8PackedWeights {
  int64_t K = 0, N = 0, Kp = 0, Np = 0;
  std::vector<int8_t> data;     // Np * Kp
  std::vector<int32_t> colSum;  // N
};

// Packs w[K, N] (row-major int8, values in [-127, 127], K <= kInt8MaxK).
// Throws std::invalid_argument on bad sizes or a -128.
Int8PackedWeights packInt8Weights(const int8_t* w, int64_t K, int64_t N);

// acc[M, N] (row stride ldacc >= N) = x[M, K] * w, x uint8 row-major with
// row stride ldx >= Kp, its columns K..Kp-1 zero or anything (the packed
// weights there are zero). Throws std::invalid_argument on bad sizes.
void int8Gemm(Int8Path path, const uint8_t* x, int64_t M, int64_t ldx, const Int8PackedWeights& w, int32_t* acc,
              int64_t ldacc);

// What a fused int8 GEMM does with each int32 sum acc[m, n] as it leaves the
// registers (the sums never go through memory):
//   Float: y[m * ld + n] = alpha[n] * float(acc + corr[n]) + bias[n]
//          (the dequantization with the zero-point correction corr);
//   Uint8: q[m * ld + n] = requantized y: r = y * inv + zp, clamped to
//          [lo, 255] (a NaN to lo), rounded half up (relu is lo = zp).
// Every operation is one IEEE float32 multiply or add in this order, never
// fused (int8EpilogueRow is the definition), so every path gives the same bits.
struct Int8Epilogue {
  enum class Kind { Float, Uint8 };
  Kind kind = Kind::Float;
  float* y = nullptr;
  uint8_t* q = nullptr;
  int64_t ld = 0;  // row stride of y or q, >= N
  const float* alpha = nullptr;
  const int32_t* corr = nullptr;
  const float* bias = nullptr;
  float inv = 1.f, zp = 0.f, lo = 0.f;
};

// x[M, K] * w through `e` (x as for int8Gemm). Writes columns [0, N) of each
// row and nothing else. Throws std::invalid_argument on bad sizes or pointers.
void int8GemmFused(Int8Path path, const uint8_t* x, int64_t M, int64_t ldx, const Int8PackedWeights& w,
                   const Int8Epilogue& e);

// The epilogue, scalar: row `m`, columns [n0, n0 + cols) of `e` from their
// int32 sums acc[0, cols). The reference every path matches bit for bit.
void int8EpilogueRow(const int32_t* acc, int64_t cols, const Int8Epilogue& e, int64_t m, int64_t n0);

// q[i] = clamp(x[i] * inv + zp, lo, 255) rounded half up, a NaN giving lo:
// real -> uint8 activations. Vectorized for the widest SIMD the CPU has
// (whatever the GEMM path, so every path sees the same activations).
void quantizeRowU8(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q);

}  // namespace tf
