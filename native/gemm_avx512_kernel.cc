// The arithmetic of tensorforge's AVX-512 SGEMM (gemm_avx512.h): packing and
// the register-tile micro-kernel. This file alone is compiled for AVX-512
// (the pragma below) and runs only after a CPUID check (gemm_avx512.cc).
// NOTE: it must not instantiate templates or inline functions shared with
// other files (no std containers or algorithms): the linker keeps one copy of
// such a function, and an AVX-512 copy would then run on every CPU.
//
// Scheme (Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication", 2008; BLIS): for each K block, op(B) is packed into
// panels of kAvx512TileCols columns, op(A) per M block into panels of
// kAvx512TileRows rows, both k-major; the micro-kernel keeps a tile of C
// (14 rows x 2 zmm) in 28 registers and adds one rank-1 update per k. Transposes
// are handled by the packing, so every op(A)/op(B) combination runs the same
// kernel. Per element of C the sum over k runs in one fixed order (K blocks in
// order, k in order within a block), whatever the thread split.
#include "gemm_avx512.h"
#include "gemm_avx512_kernel.h"

#if TF_GEMM_AVX512_BUILT
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")
#include <immintrin.h>

#include <cstdint>

namespace tf {
namespace avx512 {
namespace {

constexpr int MR = kAvx512TileRows;
constexpr int NR = kAvx512TileCols;
constexpr int NV = NR / 16;
static_assert(NR % 16 == 0, "tile columns are whole zmm registers");
static_assert(MR <= 16, "packA transposes a k of every row of a tile into one zmm");

inline __mmask16 colMask(int64_t cols) {
  return cols >= 16 ? static_cast<__mmask16>(0xFFFF) : cols <= 0 ? 0 : static_cast<__mmask16>((1u << cols) - 1u);
}

// C tile [R x NR] (first `ncols` columns valid) = alpha * a·b + beta * C;
// a: kc x R (k-major), b: kc x NR (k-major, zero beyond ncols).
template <int R>
void tileKernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int64_t ncols,
                float alpha, float beta) {
  // The C tile is read (or, with beta 0, owned for writing) only after the
  // k loop: fetch its lines now so they arrive during it, not after (a
  // short loop gains nothing, and lost ~15% to the prefetches at K = 10).
  if (kc >= 64) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + (ncols - 1)), _MM_HINT_T0);
      if (NR > 16) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
    }
  }
  __m512 acc[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + v * 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += R;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  if (ncols == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        float* p = c + r * ldc + v * 16;
        const __m512 x = beta == 0.f ? _mm512_mul_ps(va, acc[r][v])
                                     : _mm512_fmadd_ps(va, acc[r][v], _mm512_mul_ps(vb, _mm512_loadu_ps(p)));
        _mm512_storeu_ps(p, x);
      }
    return;
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = colMask(ncols - v * 16);
      if (!m) continue;
      float* p = c + r * ldc + v * 16;
      const __m512 x = beta == 0.f
                           ? _mm512_mul_ps(va, acc[r][v])
                           : _mm512_fmadd_ps(va, acc[r][v], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m, p)));
      _mm512_mask_storeu_ps(p, m, x);
    }
}

// The same tile read straight from op(A) and op(B), without packing, for
// products whose panels would be used too few times to repay packing (few
// rows of C, or a short K): a[r*rs + k*cs] is op(A)[r,k]; op(B) must not be
// transposed (its rows are loaded as vectors, masked beyond ncols).
template <int R>
void tileKernelDirect(int64_t kc, const float* __restrict a, int64_t rs, int64_t cs, const float* __restrict b,
                      int64_t ldb, float* c, int64_t ldc, int64_t ncols, float alpha, float beta) {
  __m512 acc[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  __mmask16 m[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) m[v] = colMask(ncols - v * 16);
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_maskz_loadu_ps(m[v], b + v * 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * rs]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += cs;
    b += ldb;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (!m[v]) continue;
      float* p = c + r * ldc + v * 16;
      const __m512 x = beta == 0.f
                           ? _mm512_mul_ps(va, acc[r][v])
                           : _mm512_fmadd_ps(va, acc[r][v], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m[v], p)));
      _mm512_mask_storeu_ps(p, m[v], x);
    }
}

using DirectFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int64_t,
                          float, float);

using TileFn = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, float, float);

template <int R>
struct TileTable {
  static void fill(TileFn* t, DirectFn* d) {
    t[R] = tileKernel<R>;
    d[R] = tileKernelDirect<R>;
    TileTable<R - 1>::fill(t, d);
  }
};
template <>
struct TileTable<0> {
  static void fill(TileFn*, DirectFn*) {}
};

struct Tables {
  TileFn tile[MR + 1];
  DirectFn direct[MR + 1];
  Tables() { TileTable<MR>::fill(tile, direct); }
};
const Tables kTables;

// Transposes a block of `rows` (<= 16) rows x `ks` (<= 16) consecutive
// floats, rows `ld` apart, and stores column k of it (the k-th float of
// every row; zero beyond `rows`) at out + k * stride, masked by `store`.
// Packing with it instead of gathers: a 16-wide gather per k took half the
// packing time and ~7% of a 1024^3 product on the AMD EPYC (Zen 5); below
// 16 k the gathers stay (a whole transpose for a few k lost there).
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own
// placeholder operands (_mm512_undefined_ps); the warning is about them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
inline void transposeStore(const float* src, int64_t ld, int rows, int ks, float* out, int64_t stride,
                           __mmask16 store) {
  const __mmask16 km = colMask(ks);
  __m512 r[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_maskz_loadu_ps(km, src + i * ld) : _mm512_setzero_ps();
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // r[4q + j] now holds, per 128-bit lane l, element j of rows 4q..4q+3 of
  // columns 4l..4l+3; gather lanes: first across row quads 0/1 and 2/3 ...
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
  }
  // ... then across the two halves: r[k] is column k.
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
  }
#pragma GCC unroll 16
  for (int k = 0; k < 16; ++k)
    if (k < ks) _mm512_mask_storeu_ps(out + k * stride, store, r[k]);
}
#pragma GCC diagnostic pop

// Rows [i0, i0+mc) x k [k0, k0+kc) of op(A) as panels of MR rows (the last,
// of mr < MR rows, packed with stride mr), each kc x rows.
void packA(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* out) {
  for (int64_t p = 0; p < mc; p += MR) {
    const int64_t rows = mc - p < MR ? mc - p : MR;
    const __mmask16 m = colMask(rows);
    if (transA) {  // op(A)[i,k] = A[k*lda + i]: rows are contiguous per k
      for (int64_t k = 0; k < kc; ++k)
        _mm512_mask_storeu_ps(out + k * rows, m, _mm512_maskz_loadu_ps(m, A + (k0 + k) * lda + i0 + p));
    } else if (kc < 16 && lda <= INT32_MAX / 16) {  // a short K: gather one k of every row
      const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(lda)));
      const float* src = A + (i0 + p) * lda + k0;
      for (int64_t k = 0; k < kc; ++k)
        _mm512_mask_storeu_ps(out + k * rows, m, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, src + k, 4));
    } else {  // rows of A are contiguous in k: transpose 16 k at a time
      const float* src = A + (i0 + p) * lda + k0;
      for (int64_t k = 0; k < kc; k += 16)
        transposeStore(src + k, lda, static_cast<int>(rows), static_cast<int>(kc - k < 16 ? kc - k : 16),
                       out + k * rows, rows, m);
    }
    out += rows * kc;
  }
}

// Columns [j0, j0+nc) x k [k0, k0+kc) of op(B) as panels of NR columns,
// each kc x NR with zeros beyond nc.
void packB(bool transB, const float* B, int64_t ldb, int64_t j0, int64_t nc, int64_t k0, int64_t kc, float* out) {
  for (int64_t p = 0; p < nc; p += NR) {
    const int64_t cols = nc - p < NR ? nc - p : NR;
    if (!transB) {  // op(B)[k,j] = B[k*ldb + j]: columns are contiguous per k
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = B + (k0 + k) * ldb + j0 + p;
        float* dst = out + k * NR;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          const __mmask16 m = colMask(cols - v * 16);
          _mm512_store_ps(dst + v * 16, _mm512_maskz_loadu_ps(m, src + v * 16));
        }
      }
    } else if (kc < 16 && ldb <= INT32_MAX / 16) {  // a short K: gather one k of 16 columns
      const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(ldb)));
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const __mmask16 m = colMask(cols - v * 16);
        const float* src = B + (j0 + p + v * 16) * ldb + k0;
        for (int64_t k = 0; k < kc; ++k)
          _mm512_store_ps(out + k * NR + v * 16, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, src + k, 4));
      }
    } else {  // op(B)[k,j] = B[j*ldb + k]: rows of B are contiguous in k; transpose 16 x 16
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const int64_t vc = cols - v * 16;
        const int n = static_cast<int>(vc <= 0 ? 0 : vc < 16 ? vc : 16);
        const float* src = B + (j0 + p + v * 16) * ldb + k0;
        for (int64_t k = 0; k < kc; k += 16)
          transposeStore(src + k, ldb, n, static_cast<int>(kc - k < 16 ? kc - k : 16), out + k * NR + v * 16, NR,
                         static_cast<__mmask16>(0xFFFF));
      }
    }
    out += NR * kc;
  }
}

// Rows [m0, m1) x columns [n0, n0+nc) of C for the K block [k0, k0+kc),
// op(B)'s columns packed in bufB (panels of NR, as packB lays them out).
void blockRows(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t nc, int64_t k0, int64_t kc,
               const float* bufB, float* bufA) {
  const TileFn* tiles = kTables.tile;
  const float beta = k0 == 0 ? g.beta : 1.f;
  for (int64_t i0 = m0; i0 < m1; i0 += kAvx512BlockRows) {
    const int64_t mc = m1 - i0 < kAvx512BlockRows ? m1 - i0 : kAvx512BlockRows;
    packA(g.transA, g.A, g.lda, i0, mc, k0, kc, bufA);
    for (int64_t jp = 0; jp < nc; jp += NR) {
      const int64_t cols = nc - jp < NR ? nc - jp : NR;
      const float* b = bufB + (jp / NR) * NR * kc;
      const float* a = bufA;
      for (int64_t ip = 0; ip < mc; ip += MR) {
        const int64_t rows = mc - ip < MR ? mc - ip : MR;
        tiles[rows](kc, a, b, g.C + (i0 + ip) * g.ldc + n0 + jp, g.ldc, cols, g.alpha, beta);
        a += rows * kc;
      }
    }
  }
}

}  // namespace

void gemmBlock(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* bufA, float* bufB) {
  const int64_t nc = n1 - n0;
  for (int64_t k0 = 0; k0 < g.K; k0 += g.kc) {
    const int64_t kc = g.K - k0 < g.kc ? g.K - k0 : g.kc;
    packB(g.transB, g.B, g.ldb, n0, nc, k0, kc, bufB);
    blockRows(g, m0, m1, n0, nc, k0, kc, bufB, bufA);
  }
}

void gemmBlockDirect(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const DirectFn* tiles = kTables.direct;
  const int64_t rs = g.transA ? 1 : g.lda, cs = g.transA ? g.lda : 1;
  for (int64_t k0 = 0; k0 < g.K; k0 += g.kc) {
    const int64_t kc = g.K - k0 < g.kc ? g.K - k0 : g.kc;
    const float beta = k0 == 0 ? g.beta : 1.f;
    for (int64_t jp = n0; jp < n1; jp += NR) {
      const int64_t cols = n1 - jp < NR ? n1 - jp : NR;
      const float* b = g.B + k0 * g.ldb + jp;
      for (int64_t ip = m0; ip < m1; ip += MR) {
        const int64_t rows = m1 - ip < MR ? m1 - ip : MR;
        tiles[rows](kc, g.A + ip * rs + k0 * cs, rs, cs, b, g.ldb, g.C + ip * g.ldc + jp, g.ldc, cols, g.alpha, beta);
      }
    }
  }
}

}  // namespace avx512
}  // namespace tf

#pragma GCC pop_options
#endif  // TF_GEMM_AVX512_BUILT
