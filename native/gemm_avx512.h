// tensorforge's own AVX-512 SGEMM: packed panels and a 512-bit register-tile
// micro-kernel, the BLIS/GotoBLAS scheme. It reaches the zmm FMA units on every
// CPU with AVX-512F (Intel Skylake-X on, AMD Zen 4/5) whatever kernels the
// BLAS picked: on the AMD EPYC where OPENBLAS_CORETYPE=Haswell is preset,
// OpenBLAS runs ymm kernels and reaches at most half the machine's peak.
//
// Internal to native/gemm*.cc; other code calls tf::sgemm (gemm.h), which
// decides per shape whether this kernel or the BLAS runs.
#pragma once
#include <cstdint>

namespace tf {

// True when the CPU (and the build) can run sgemmAvx512.
bool avx512GemmAvailable();

// Row-major C[M,N] = alpha * op(A) * op(B) + beta * C, as tf::sgemm, on up
// to `threads` threads (the caller's own plus helpers from a small pool
// private to this kernel). Every element of C is summed by one thread in the
// same order whatever `threads` is, so results do not depend on it.
// Requires avx512GemmAvailable(), M, N, K > 0.
// `layout` chooses between packing op(A) and op(B) into panels first and
// reading them in place (only when op(B) is not transposed); Auto decides
// by shape.
enum class Avx512Layout { Auto, Packed, Direct };
void sgemmAvx512(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, int threads,
                 Avx512Layout layout = Avx512Layout::Auto);

// Runs fn(ctx, i) once for every i in [0, parts) on the calling thread and
// the kernel's helper threads (whichever claims i first), for elementwise
// passes worth splitting (the optimizer step). Returns false, having run
// nothing, when there are no helpers, another product holds them, or the
// caller is itself running a part (work a part issues runs on its thread);
// the caller then runs the parts itself. A part must not throw.
bool runOnGemmHelpers(void (*fn)(void* ctx, int part), void* ctx, int parts);
// Whether runOnGemmHelpers has helper threads to run parts on.
bool gemmHelpersAvailable();

// The register tile of the micro-kernel (rows x columns of C), for the tests'
// choice of edge sizes and for the shape rule in gemm.cc.
#ifndef TF_AVX512_MR
#define TF_AVX512_MR 14
#define TF_AVX512_NR 32
#endif
constexpr int kAvx512TileRows = TF_AVX512_MR;
constexpr int kAvx512TileCols = TF_AVX512_NR;

}  // namespace tf
