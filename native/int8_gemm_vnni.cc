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
constexpr int kBlocks = 2;  // blocks of 16 channels per tile

// acc tile [rows x (nb * 16)] over all of Kp; `cols` valid columns of the last block.
__attribute__((always_inline)) inline void tile(const uint8_t* x, int64_t ldx, const int8_t* w, int64_t Kp, int rows,
                                                int nb, int32_t* out, int64_t ldacc, int64_t cols) {
  __m512i acc[kRows][kBlocks];
  for (int r = 0; r < kRows; ++r)
    for (int b = 0; b < kBlocks; ++b) acc[r][b] = _mm512_setzero_si512();
  const int64_t groups = Kp / 4;
  const int64_t blockStride = Kp * 16;
  for (int64_t g = 0; g < groups; ++g) {
    __m512i wv[kBlocks];
    for (int b = 0; b < kBlocks; ++b) wv[b] = b < nb ? _mm512_loadu_si512(w + b * blockStride + g * 64) : _mm512_setzero_si512();
    for (int r = 0; r < kRows; ++r) {
      if (r >= rows) break;
      int32_t xv;
      __builtin_memcpy(&xv, x + r * ldx + g * 4, 4);
      const __m512i xb = _mm512_set1_epi32(xv);
      for (int b = 0; b < kBlocks; ++b)
        if (b < nb) acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], xb, wv[b]);
    }
  }
  for (int r = 0; r < rows; ++r) {
    for (int b = 0; b < nb; ++b) {
      const int64_t left = cols - b * 16;
      const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
      _mm512_mask_storeu_epi32(out + r * ldacc + b * 16, mask, acc[r][b]);
    }
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
      if (rows == kRows && nb == kBlocks) {
        tile(x + m0 * ldx, ldx, w + b0 * Kp * 16, Kp, kRows, kBlocks, acc + m0 * ldacc + n0, ldacc, cols);
      } else {
        tile(x + m0 * ldx, ldx, w + b0 * Kp * 16, Kp, rows, nb, acc + m0 * ldacc + n0, ldacc, cols);
      }
    }
  }
}

}  // namespace int8simd
}  // namespace tf

#pragma GCC pop_options
#endif
