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

#include <array>
#include <utility>

// GCC 12's own masked intrinsics trip -Wmaybe-uninitialized on their
// undefined pass-through operand (a false positive in its headers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace tf {
namespace int8simd {
namespace {

// Register tile: up to kRows rows of x by kBlocks blocks of 16 output
// channels, R * NB zmm accumulators kept over the whole of K; the packed
// weights of the tile's blocks (32 x Kp bytes, 25 KB at K = 784) stay in L1
// across the row tiles. Per group of 4 k: NB weight loads, R broadcasts,
// R * NB vpdpbusd. Measured on Zen 5 (784 x 512 and 512 x 512, 256 rows):
// 8 x 2 and 12 x 2 ran at ~440 G multiply-adds/s on one core, 8 x 3, 9 x 3
// and 6 x 4 at 400-430, 7 x 4 at 370.
constexpr int kRows = 8;
constexpr int kBlocks = 2;
static_assert(kRows <= 12 && kBlocks <= 4 && kRows * kBlocks <= 28, "the tile must fit the 32 zmm registers");

// Where a tile's sums go: int32 (acc, ld) or through the epilogue e.
struct Sink {
  int32_t* acc;
  int64_t ld;
  const Int8Epilogue* e;
};

// A tile's way out, set up once per tile: the kind, the first output
// channel's pointers, and the epilogue's per-channel vectors and constants.
struct TileOut {
  enum { Int32, Float, Uint8 } kind;
  int32_t* acc;
  float* y;
  uint8_t* q;
  int64_t ld;
  __mmask16 mask[4];
  __m512 alpha[4], bias[4];
  __m512i corr[4];
  __m512 inv, zp, lo, hi, half;
};

// Block b of a row, dequantized: alpha * float(s + corr) + bias, the
// multiply and the add separate and rounded (the _round forms with the
// current rounding are builtins GCC never contracts into an FMA), exactly
// int8EpilogueRow's.
inline __attribute__((always_inline)) __m512 dequantize(const TileOut& t, int b, __m512i s) {
  const __m512 f = _mm512_cvtepi32_ps(_mm512_add_epi32(s, t.corr[b]));
  return _mm512_add_round_ps(_mm512_mul_round_ps(t.alpha[b], f, _MM_FROUND_CUR_DIRECTION), t.bias[b], _MM_FROUND_CUR_DIRECTION);
}

// ... and requantized to 16 bytes: y * inv + zp, clamped to [lo, 255] (max_ps
// gives lo for a NaN), rounded half up; narrowed in registers (vpmovdb
// straight to memory is microcoded on AMD).
inline __attribute__((always_inline)) __m128i requantize(const TileOut& t, int b, __m512i s) {
  const __m512 y = dequantize(t, b, s);
  __m512 r = _mm512_add_round_ps(_mm512_mul_round_ps(y, t.inv, _MM_FROUND_CUR_DIRECTION), t.zp, _MM_FROUND_CUR_DIRECTION);
  r = _mm512_min_ps(_mm512_max_ps(r, t.lo), t.hi);
  return _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(_mm512_add_round_ps(r, t.half, _MM_FROUND_CUR_DIRECTION)));
}

// Two blocks' bytes with one byte-masked store.
inline __attribute__((always_inline)) void storeBytes2(const TileOut& t, uint8_t* q, int b, __m128i lo, __m128i hi) {
  const __mmask32 m = static_cast<__mmask32>(t.mask[b]) | (static_cast<__mmask32>(t.mask[b + 1]) << 16);
  _mm256_mask_storeu_epi8(q + b * 16, m, _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1));
}

// Row m of a tile out (NB blocks: s0.. s{NB-1}).
template <int NB>
inline __attribute__((always_inline)) void storeRow(const TileOut& t, int64_t m, __m512i s0, __m512i s1, __m512i s2, __m512i s3) {
  if (t.kind == TileOut::Int32) {
    int32_t* o = t.acc + m * t.ld;
    _mm512_mask_storeu_epi32(o, t.mask[0], s0);
    if constexpr (NB > 1) _mm512_mask_storeu_epi32(o + 16, t.mask[1], s1);
    if constexpr (NB > 2) _mm512_mask_storeu_epi32(o + 32, t.mask[2], s2);
    if constexpr (NB > 3) _mm512_mask_storeu_epi32(o + 48, t.mask[3], s3);
  } else if (t.kind == TileOut::Float) {
    float* o = t.y + m * t.ld;
    _mm512_mask_storeu_ps(o, t.mask[0], dequantize(t, 0, s0));
    if constexpr (NB > 1) _mm512_mask_storeu_ps(o + 16, t.mask[1], dequantize(t, 1, s1));
    if constexpr (NB > 2) _mm512_mask_storeu_ps(o + 32, t.mask[2], dequantize(t, 2, s2));
    if constexpr (NB > 3) _mm512_mask_storeu_ps(o + 48, t.mask[3], dequantize(t, 3, s3));
  } else {
    uint8_t* o = t.q + m * t.ld;
    const __m128i q0 = requantize(t, 0, s0);
    if constexpr (NB == 1) _mm_mask_storeu_epi8(o, t.mask[0], q0);
    if constexpr (NB > 1) storeBytes2(t, o, 0, q0, requantize(t, 1, s1));
    if constexpr (NB == 3) _mm_mask_storeu_epi8(o + 32, t.mask[2], requantize(t, 2, s2));
    if constexpr (NB > 3) storeBytes2(t, o, 2, requantize(t, 2, s2), requantize(t, 3, s3));
  }
}

// acc tile [R x (NB * 16)] of rows m0.. and channels n0.. over all of Kp,
// `cols` valid columns. R and NB are template arguments and every
// accumulator a named variable: with arrays GCC copied all of them between
// registers (and spilled one) on every step of the k loop.
// Templates in an unnamed namespace are private to this file (see the NOTE).
template <int R, int NB>
void tile(const uint8_t* x, int64_t ldx, const int8_t* w, int64_t Kp, int64_t m0, int64_t n0, int64_t cols, const Sink& o) {
  const __m512i z = _mm512_setzero_si512();
#define TF_ACC(r) __m512i a##r##0 = z, a##r##1 = z, a##r##2 = z, a##r##3 = z;
  TF_ACC(0) TF_ACC(1) TF_ACC(2) TF_ACC(3) TF_ACC(4) TF_ACC(5) TF_ACC(6) TF_ACC(7) TF_ACC(8) TF_ACC(9) TF_ACC(10) TF_ACC(11)
#undef TF_ACC
  const int64_t groups = Kp / 4;
  const int64_t blockStride = Kp * 16;
  const int8_t* w0 = w;
  const uint8_t* xr = x;
  for (int64_t g = 0; g < groups; ++g, w0 += 64, xr += 4) {
    const __m512i b0 = _mm512_loadu_si512(w0);
    const __m512i b1 = NB > 1 ? _mm512_loadu_si512(w0 + blockStride) : z;
    const __m512i b2 = NB > 2 ? _mm512_loadu_si512(w0 + 2 * blockStride) : z;
    const __m512i b3 = NB > 3 ? _mm512_loadu_si512(w0 + 3 * blockStride) : z;
#define TF_ROW(r)                                                    \
  if constexpr (R > r) {                                             \
    int32_t v;                                                       \
    __builtin_memcpy(&v, xr + r * ldx, 4);                           \
    const __m512i xb = _mm512_set1_epi32(v);                         \
    a##r##0 = _mm512_dpbusd_epi32(a##r##0, xb, b0);                  \
    if constexpr (NB > 1) a##r##1 = _mm512_dpbusd_epi32(a##r##1, xb, b1); \
    if constexpr (NB > 2) a##r##2 = _mm512_dpbusd_epi32(a##r##2, xb, b2); \
    if constexpr (NB > 3) a##r##3 = _mm512_dpbusd_epi32(a##r##3, xb, b3); \
  }
    TF_ROW(0) TF_ROW(1) TF_ROW(2) TF_ROW(3) TF_ROW(4) TF_ROW(5) TF_ROW(6) TF_ROW(7) TF_ROW(8) TF_ROW(9) TF_ROW(10) TF_ROW(11)
#undef TF_ROW
  }
  TileOut t;
  t.kind = !o.e ? TileOut::Int32 : o.e->kind == Int8Epilogue::Kind::Float ? TileOut::Float : TileOut::Uint8;
  t.acc = o.acc ? o.acc + n0 : nullptr;
  t.y = o.e && o.e->y ? o.e->y + n0 : nullptr;
  t.q = o.e && o.e->q ? o.e->q + n0 : nullptr;
  t.ld = o.e ? o.e->ld : o.ld;
  for (int b = 0; b < NB; ++b) {
    const int64_t left = cols - b * 16;
    t.mask[b] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
    if (o.e) {
      t.alpha[b] = _mm512_maskz_loadu_ps(t.mask[b], o.e->alpha + n0 + b * 16);
      t.corr[b] = _mm512_maskz_loadu_epi32(t.mask[b], o.e->corr + n0 + b * 16);
      t.bias[b] = _mm512_maskz_loadu_ps(t.mask[b], o.e->bias + n0 + b * 16);
    }
  }
  if (o.e) {
    t.inv = _mm512_set1_ps(o.e->inv);
    t.zp = _mm512_set1_ps(o.e->zp);
    t.lo = _mm512_set1_ps(o.e->lo);
    t.hi = _mm512_set1_ps(255.f);
    t.half = _mm512_set1_ps(0.5f);
  }
#define TF_STORE(r) \
  if constexpr (R > r) storeRow<NB>(t, m0 + r, a##r##0, a##r##1, a##r##2, a##r##3);
  TF_STORE(0) TF_STORE(1) TF_STORE(2) TF_STORE(3) TF_STORE(4) TF_STORE(5) TF_STORE(6) TF_STORE(7) TF_STORE(8) TF_STORE(9) TF_STORE(10) TF_STORE(11)
#undef TF_STORE
}

using TileFn = void (*)(const uint8_t*, int64_t, const int8_t*, int64_t, int64_t, int64_t, int64_t, const Sink&);

// kTiles[nb - 1][rows - 1]: the tile for a remainder of rows and blocks.
template <int NB, int... Rs>
constexpr std::array<TileFn, sizeof...(Rs)> rowTiles(std::integer_sequence<int, Rs...>) {
  return {&tile<Rs + 1, NB>...};
}
template <int... NBs>
constexpr std::array<std::array<TileFn, kRows>, sizeof...(NBs)> allTiles(std::integer_sequence<int, NBs...>) {
  return {rowTiles<NBs + 1>(std::make_integer_sequence<int, kRows>())...};
}
constexpr auto kTiles = allTiles(std::make_integer_sequence<int, kBlocks>());

void gemm(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N, const Sink& o) {
  const int64_t blocks = Np / 16;
  for (int64_t b0 = 0; b0 < blocks; b0 += kBlocks) {
    const int nb = static_cast<int>(blocks - b0 < kBlocks ? blocks - b0 : kBlocks);
    const int64_t n0 = b0 * 16;
    const int64_t cols = N - n0 < nb * 16 ? N - n0 : nb * 16;
    for (int64_t m0 = 0; m0 < M; m0 += kRows) {
      const int rows = static_cast<int>(M - m0 < kRows ? M - m0 : kRows);
      kTiles[nb - 1][rows - 1](x + m0 * ldx, ldx, w + b0 * Kp * 16, Kp, m0, n0, cols, o);
    }
  }
}

}  // namespace

void gemmVnni(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
              int32_t* acc, int64_t ldacc) {
  gemm(x, M, ldx, w, Kp, Np, N, Sink{acc, ldacc, nullptr});
}

void gemmVnniFused(const uint8_t* x, int64_t M, int64_t ldx, const int8_t* w, int64_t Kp, int64_t Np, int64_t N,
                   const Int8Epilogue& e) {
  gemm(x, M, ldx, w, Kp, Np, N, Sink{nullptr, 0, &e});
}

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

}  // namespace int8simd
}  // namespace tf

#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
