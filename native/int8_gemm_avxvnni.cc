// The AVX-VNNI path of the int8 GEMM (int8_gemm.h): the VEX-encoded, 256-bit
// vpdpbusd of CPUs that have VNNI without AVX-512 (Intel Alder Lake and
// later client parts, Sierra Forest; AMD Zen 5 has both). One instruction
// does a group of 4 k for 8 output channels. This file alone is compiled for
// AVX-VNNI and runs only after a CPUID check (int8PathAvailable). NOTE: as
// int8_gemm_vnni.cc, its templates are in an unnamed namespace (private).
#include "int8_gemm_simd.h"

#if TF_INT8_SIMD_BUILT
#pragma GCC push_options
#pragma GCC target("avxvnni,avx2")
#include <immintrin.h>

namespace tf {
namespace int8simd {
namespace {

constexpr int kRows = 6;  // 6 rows x 2 ymm (16 channels) = 12 accumulators

// One row of a tile's sums out: 16 channels, or the first `cols`.
inline __attribute__((always_inline)) void storeRow(int32_t* out, int64_t cols, __m256i s0, __m256i s1) {
  if (cols >= 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), s0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), s1);
    return;
  }
  alignas(32) int32_t t[16];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), s0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), s1);
  for (int64_t c = 0; c < cols; ++c) out[c] = t[c];
}

// Every accumulator a named variable, not an array element: with arrays GCC
// copied them between registers and to the stack on every k step (as in
// int8_gemm_vnni.cc).
template <int R>
void tile(const uint8_t* x, int64_t ldx, const int8_t* wb, int64_t Kp, int32_t* out, int64_t ldacc, int64_t cols) {
  const __m256i z = _mm256_setzero_si256();
  __m256i a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z, a41 = z, a50 = z, a51 = z;
  const uint8_t* xr = x;
  const int8_t* wg = wb;
  for (int64_t g = 0; g < Kp / 4; ++g, xr += 4, wg += 64) {
    // Channels 0-7 and 8-15 of the block, 4 k each.
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 32));
#define TF_ROW(r)                                        \
  if constexpr (R > r) {                                 \
    int32_t v;                                           \
    __builtin_memcpy(&v, xr + r * ldx, 4);               \
    const __m256i xb = _mm256_set1_epi32(v);             \
    a##r##0 = _mm256_dpbusd_avx_epi32(a##r##0, xb, w0);  \
    a##r##1 = _mm256_dpbusd_avx_epi32(a##r##1, xb, w1);  \
  }
    TF_ROW(0) TF_ROW(1) TF_ROW(2) TF_ROW(3) TF_ROW(4) TF_ROW(5)
#undef TF_ROW
  }
#define TF_STORE(r) \
  if constexpr (R > r) storeRow(out + r * ldacc, cols, a##r##0, a##r##1);
  TF_STORE(0) TF_STORE(1) TF_STORE(2) TF_STORE(3) TF_STORE(4) TF_STORE(5)
#undef TF_STORE
}

}  // namespace

void gemmAvxVnni(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                 int32_t* acc, int64_t ldacc) {
  for (int64_t b = 0; b < Np / 16; ++b) {
    const int64_t n0 = b * 16;
    const int64_t cols = N - n0 < 16 ? N - n0 : 16;
    const int8_t* wb = w + b * Kp * 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const uint8_t* xr = x + m0 * ldx;
      int32_t* o = acc + m0 * ldacc + n0;
      switch (M - m0 < kRows ? M - m0 : kRows) {
        case 6: tile<6>(xr, ldx, wb, Kp, o, ldacc, cols); break;
        case 5: tile<5>(xr, ldx, wb, Kp, o, ldacc, cols); break;
        case 4: tile<4>(xr, ldx, wb, Kp, o, ldacc, cols); break;
        case 3: tile<3>(xr, ldx, wb, Kp, o, ldacc, cols); break;
        case 2: tile<2>(xr, ldx, wb, Kp, o, ldacc, cols); break;
        default: tile<1>(xr, ldx, wb, Kp, o, ldacc, cols); break;
      }
    }
  }
}

void gemmAvxVnniFused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                      const Int8Epilogue& e) {
  // Each tile's sums go through a small buffer to the scalar epilogue (the
  // reference all paths match).
  int32_t buf[kRows * 16];
  for (int64_t b = 0; b < Np / 16; ++b) {
    const int64_t n0 = b * 16;
    const int64_t cols = N - n0 < 16 ? N - n0 : 16;
    const int8_t* wb = w + b * Kp * 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const uint8_t* xr = x + m0 * ldx;
      const int rows = static_cast<int>(M - m0 < kRows ? M - m0 : kRows);
      switch (rows) {
        case 6: tile<6>(xr, ldx, wb, Kp, buf, 16, cols); break;
        case 5: tile<5>(xr, ldx, wb, Kp, buf, 16, cols); break;
        case 4: tile<4>(xr, ldx, wb, Kp, buf, 16, cols); break;
        case 3: tile<3>(xr, ldx, wb, Kp, buf, 16, cols); break;
        case 2: tile<2>(xr, ldx, wb, Kp, buf, 16, cols); break;
        default: tile<1>(xr, ldx, wb, Kp, buf, 16, cols); break;
      }
      for (int r = 0; r < rows; ++r) int8EpilogueRow(buf + r * 16, cols, e, m0 + r, n0);
    }
  }
}

}  // namespace int8simd
}  // namespace tf

#pragma GCC pop_options
#endif
