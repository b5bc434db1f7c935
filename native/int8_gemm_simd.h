// Between int8_gemm.cc (packing, dispatch) and the files compiled for wider
// SIMD (int8_gemm_vnni.cc, int8_gemm_avxvnni.cc, int8_gemm_avx2.cc). Internal.
#pragma once
#include <cstdint>

#include "int8_gemm.h"

// GCC's `#pragma GCC target` on x86-64 Unix, as gemm_avx512_kernel.h.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(_WIN32)
#define TF_INT8_SIMD_BUILT 1
#else
#define TF_INT8_SIMD_BUILT 0
#endif

namespace tf {
namespace int8simd {
// acc[M, N] = x[M, Kp] * packed w (layout of Int8PackedWeights::data).
void gemmVnni(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
              int32_t* acc, int64_t ldacc);
void gemmAvxVnni(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                 int32_t* acc, int64_t ldacc);
void gemmAvx2(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
              int32_t* acc, int64_t ldacc);
// int8GemmFused (int8_gemm.h) on each path.
void gemmVnniFused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                   const Int8Epilogue& e);
void gemmAvxVnniFused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                      const Int8Epilogue& e);
void gemmAvx2Fused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                   const Int8Epilogue& e);
// quantizeRowU8 (int8_gemm.h) with AVX-512 F / AVX2.
void quantizeRowAvx512(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q);
void quantizeRowAvx2(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q);
}  // namespace int8simd
}  // namespace tf
