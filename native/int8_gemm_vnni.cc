// The AVX-512 VNNI path of the int8 GEMM (int8_gemm.h): vpdpbusd multiplies
// 4 uint8 activations by 4 int8 weights and adds the 4 products to an int32
// lane, so one instruction does a group of 4 k for 16 output channels. This
// file alone is compiled for AVX-512 VNNI and runs only after a CPUID check
// (int8PathAvailable). NOTE: as gemm_avx512_kernel.cc, no templates or inline
// functions shared with other files (one copy would be kept, AVX-512 on every CPU).
#include "int8_gemm_simd.h"

#if TF_INT8_SIMD_BUILT
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")
#include <immintrin.h>

namespace tf {
namespace int8simd {
namespace {

constexpr int kRows = 8;   // rows of x per tile: 2 blocks x 8 rows = 16 zmm accumulators
constexpr int kBlocks = 2;  // blocks of 16 channels per tile (tileRows<2> / <1>)

// acc tile [R x (NB * 16)] over all of Kp; `cols` valid columns from the
// tile's first. R and NB are template arguments so that every loop unrolls
// and the accumulators stay in registers (with run-time bounds GCC kept
// them on the stack: a load and a store around every vpdpbusd, 10x slower).
// Templates in an unnamed namespace are private to this file (see the NOTE).
template <int R, int NB>
void tile(const uint8_t* x, int64_t ldx, const int8_t* w, int64_t Kp, int32_t* out, int64_t ldacc, int64_t cols) {
  __m512i acc[R][NB];
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < NB; ++b) acc[r][b] = _mm512_setzero_si512();
  const int64_t groups = Kp / 4;
  const int64_t blockStride = Kp * 16;
  for (int64_t g = 0; g < groups; ++g) {
    __m512i wv[NB];
    for (int b = 0; b < NB; ++b) wv[b] = _mm512_loadu_si512(w + b * blockStride + g * 64);
    for (int r = 0; r < R; ++r) {
      int32_t xv;
      __builtin_memcpy(&xv, x + r * ldx + g * 4, 4);
      const __m512i xb = _mm512_set1_epi32(xv);
      for (int b = 0; b < NB; ++b) acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], xb, wv[b]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int b = 0; b < NB; ++b) {
      const int64_t left = cols - b * 16;
      const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
      _mm512_mask_storeu_epi32(out + r * ldacc + b * 16, mask, acc[r][b]);
    }
  }
}

template <int NB>
void tileRows(int rows, const uint8_t* x, int64_t ldx, const int8_t* w, int64_t Kp, int32_t* out, int64_t ldacc, int64_t cols) {
  switch (rows) {
    case 8: return tile<8, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 7: return tile<7, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 6: return tile<6, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 5: return tile<5, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 4: return tile<4, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 3: return tile<3, NB>(x, ldx, w, Kp, out, ldacc, cols);
    case 2: return tile<2, NB>(x, ldx, w, Kp, out, ldacc, cols);
    default: return tile<1, NB>(x, ldx, w, Kp, out, ldacc, cols);
  }
}

}  // namespace

void gemmVnni(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
              int32_t* acc, int64_t ldacc) {
  const int64_t blocks = Np / 16;
  for (int64_t b0 = 0; b0 < blocks; b0 += kBlocks) {
    const int nb = static_cast<int>(blocks - b0 < kBlocks ? blocks - b0 : kBlocks);
    const int64_t n0 = b0 * 16;
    const int64_t cols = N - n0 < nb * 16 ? N - n0 : nb * 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const int rows = static_cast<int>(M - m0 < kRows ? M - m0 : kRows);
      if (nb == 2) tileRows<2>(rows, x + m0 * ldx, ldx, w + b0 * Kp * 16, Kp, acc + m0 * ldacc + n0, ldacc, cols);
      else tileRows<1>(rows, x + m0 * ldx, ldx, w + b0 * Kp * 16, Kp, acc + m0 * ldacc + n0, ldacc, cols);
    }
  }
}

// GCC 12's own masked intrinsics trip -Wmaybe-uninitialized on their
// undefined pass-through operand (a false positive in its headers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void quantizeRowAvx512(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q) {
  const __m512 vinv = _mm512_set1_ps(inv), vzp = _mm512_set1_ps(zp), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(255.f),
               half = _mm512_set1_ps(0.5f);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
    __m512 r = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vinv), vzp);
    r = _mm512_min_ps(_mm512_max_ps(r, vlo), vhi);  // max_ps returns its second operand for a NaN
    _mm512_mask_cvtepi32_storeu_epi8(q + i, m, _mm512_cvttps_epi32(_mm512_add_ps(r, half)));
  }
}
#pragma GCC diagnostic pop

}  // namespace int8simd
}  // namespace tf

#pragma GCC pop_options
#endif
