// Between gemm_avx512.cc (threads, buffers, CPU check) and
// gemm_avx512_kernel.cc (the AVX-512 arithmetic). Internal.
#pragma once
#include <cstdint>

#include "gemm_avx512.h"

// Built by GCC for x86-64 Unix (its `#pragma GCC target` compiles one file
// for AVX-512; clang ignores that pragma, and MinGW lacks std::aligned_alloc,
// so those builds and MSVC's keep the BLAS path). Sanitizer builds keep it
// (plain loads, stores, gathers and FMAs).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(_WIN32)
#define TF_GEMM_AVX512_BUILT 1
#else
#define TF_GEMM_AVX512_BUILT 0
#endif

namespace tf {
namespace avx512 {

// Rows of op(A) packed at once (a multiple of the tile rows): with kc <=
// kMaxBlockK the packed block, 140 x 256 floats = 140 KiB, stays in L2.
// Tile and block sizes were chosen by measurement on the AMD EPYC (Zen 5):
// 14x32, 8x48 and 6x64 tiles and K blocks of 128-384 were within the noise
// of each other there, 14x32 with 256 ahead on the seed model's products
// (bench/RESULTS.md).
#ifndef TF_AVX512_MC
#define TF_AVX512_MC 140
#define TF_AVX512_KC 256
#endif
constexpr int64_t kAvx512BlockRows = TF_AVX512_MC;
// Most of K per block. K is cut into equal blocks of at most this (so the
// blocks depend on K alone, never on threads): one packed B panel of
// kc x 32 floats (32 KiB at 256) is reread from L1/L2 for every tile.
constexpr int64_t kMaxBlockK = TF_AVX512_KC;

struct GemmArgs {
  bool transA, transB;
  int64_t M, N, K;
  float alpha, beta;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  int64_t kc;  // K block (see kMaxBlockK)
  bool direct;  // gemmBlockDirect instead of gemmBlock (requires !transB)
};

// Floats of packing space gemmBlock needs for nc columns (bufB) and for A (bufA).
inline int64_t packedBFloats(int64_t nc, int64_t kc) {
  return ((nc + kAvx512TileCols - 1) / kAvx512TileCols) * kAvx512TileCols * kc;
}
inline int64_t packedAFloats(int64_t kc) { return kAvx512BlockRows * kc; }

// C rows [m0, m1) x columns [n0, n1) of the product; bufA/bufB 64-byte aligned.
void gemmBlock(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* bufA, float* bufB);
// The same without packing (op(B) not transposed).
void gemmBlockDirect(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

}  // namespace avx512
}  // namespace tf
