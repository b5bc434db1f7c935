// The AVX2 path of the int8 GEMM (int8_gemm.h), for CPUs without VNNI: both
// operands are widened to int16 and vpmaddwd adds pairs of products into
// int32 lanes, exactly (vpmaddubsw would be one step shorter but saturates at
// 2 x 255 x 127 > 32767). This file alone is compiled for AVX2 and runs only
// after a CPUID check. NOTE: no templates or inline functions shared with
// other files (see int8_gemm_vnni.cc).
#include "int8_gemm_simd.h"

#if TF_INT8_SIMD_BUILT
#pragma GCC push_options
#pragma GCC target("avx2")
#include <immintrin.h>

namespace tf {
namespace int8simd {
namespace {

constexpr int kRows = 2;  // 2 rows x 4 ymm accumulators, 4 ymm of widened weights

// One row of a tile out: channel c is the sum of lanes 2c and 2c + 1.
inline __attribute__((always_inline)) void storeRow(int32_t* out, int64_t cols, __m256i s0, __m256i s1, __m256i s2, __m256i s3) {
  alignas(32) int32_t t[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), s0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), s1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 16), s2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 24), s3);
  for (int64_t c = 0; c < 16 && c < cols; ++c) out[c] = t[2 * c] + t[2 * c + 1];
}

// R is a template argument and every accumulator a named variable, so they
// stay in registers (see int8_gemm_vnni.cc); private to this file (unnamed
// namespace). aRj: channels 4j..4j+3 of row R, two partial sums each (k
// pairs 0-1 and 2-3 of every group).
template <int R>
void tile(const uint8_t* x, int64_t ldx, const int8_t* wb, int64_t Kp, int32_t* out, int64_t ldacc, int64_t cols) {
  const __m256i z = _mm256_setzero_si256();
  __m256i a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
  const uint8_t* xr = x;
  const int8_t* wg = wb;
  for (int64_t g = 0; g < Kp / 4; ++g, xr += 4, wg += 64) {
    const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg)));
    const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 16)));
    const __m256i w2 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 32)));
    const __m256i w3 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 48)));
#define TF_ROW(r)                                                                        \
  if constexpr (R > r) {                                                                 \
    int32_t v;                                                                           \
    __builtin_memcpy(&v, xr + r * ldx, 4);                                               \
    const __m256i xb = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(v))); \
    a##r##0 = _mm256_add_epi32(a##r##0, _mm256_madd_epi16(w0, xb));                      \
    a##r##1 = _mm256_add_epi32(a##r##1, _mm256_madd_epi16(w1, xb));                      \
    a##r##2 = _mm256_add_epi32(a##r##2, _mm256_madd_epi16(w2, xb));                      \
    a##r##3 = _mm256_add_epi32(a##r##3, _mm256_madd_epi16(w3, xb));                      \
  }
    TF_ROW(0) TF_ROW(1)
#undef TF_ROW
  }
  storeRow(out, cols, a00, a01, a02, a03);
  if constexpr (R > 1) storeRow(out + ldacc, cols, a10, a11, a12, a13);
}

}  // namespace

void gemmAvx2(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
              int32_t* acc, int64_t ldacc) {
  for (int64_t b = 0; b < Np / 16; ++b) {
    const int64_t n0 = b * 16;
    const int64_t cols = N - n0 < 16 ? N - n0 : 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const int rows = static_cast<int>(M - m0 < kRows ? M - m0 : kRows);
      if (rows == 2) tile<2>(x + m0 * ldx, ldx, w + b * Kp * 16, Kp, acc + m0 * ldacc + n0, ldacc, cols);
      else tile<1>(x + m0 * ldx, ldx, w + b * Kp * 16, Kp, acc + m0 * ldacc + n0, ldacc, cols);
    }
  }
}

void gemmAvx2Fused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                   const Int8Epilogue& e) {
  // Each tile's sums go through a small buffer to the scalar epilogue (the
  // reference all paths match; this path is not the one tuned for speed).
  int32_t buf[kRows * 16];
  for (int64_t b = 0; b < Np / 16; ++b) {
    const int64_t n0 = b * 16;
    const int64_t cols = N - n0 < 16 ? N - n0 : 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const int rows = static_cast<int>(M - m0 < kRows ? M - m0 : kRows);
      if (rows == 2) tile<2>(x + m0 * ldx, ldx, w + b * Kp * 16, Kp, buf, 16, cols);
      else tile<1>(x + m0 * ldx, ldx, w + b * Kp * 16, Kp, buf, 16, cols);
      for (int r = 0; r < rows; ++r) int8EpilogueRow(buf + r * 16, cols, e, m0 + r, n0);
    }
  }
}

void quantizeRowAvx2(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q) {
  const __m256 vinv = _mm256_set1_ps(inv), vzp = _mm256_set1_ps(zp), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(255.f),
               half = _mm256_set1_ps(0.5f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 r = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv), vzp);
    r = _mm256_min_ps(_mm256_max_ps(r, vlo), vhi);  // max_ps returns its second operand for a NaN
    const __m256i v = _mm256_cvttps_epi32(_mm256_add_ps(r, half));
    const __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(p16, p16));
  }
  for (; i < n; ++i) {
    float r = x[i] * inv + zp;
    r = r > lo ? r : lo;
    r = r < 255.f ? r : 255.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(r + 0.5f));
  }
}

}  // namespace int8simd
}  // namespace tf

#pragma GCC pop_options
#endif
