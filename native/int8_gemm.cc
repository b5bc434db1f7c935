// Packing, dispatch and the portable path of the int8 GEMM (int8_gemm.h).
#include "int8_gemm.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "int8_gemm_simd.h"

namespace tf {

bool int8PathAvailable(Int8Path p) {
  switch (p) {
    case Int8Path::Portable: return true;
#if TF_INT8_SIMD_BUILT
    case Int8Path::Avx2: {
      static const bool has = __builtin_cpu_supports("avx2");
      return has;
    }
    case Int8Path::AvxVnni: {
      static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
      return has;
    }
    case Int8Path::Avx512Vnni: {
      static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                              __builtin_cpu_supports("avx512vnni");
      return has;
    }
#else
    default: return false;
#endif
  }
  return false;
}

Int8Path int8BestPath() {
  static const Int8Path best = int8PathAvailable(Int8Path::Avx512Vnni) ? Int8Path::Avx512Vnni
                               : int8PathAvailable(Int8Path::AvxVnni)  ? Int8Path::AvxVnni
                               : int8PathAvailable(Int8Path::Avx2)     ? Int8Path::Avx2
                                                                       : Int8Path::Portable;
  return best;
}

const char* int8PathName(Int8Path p) {
  switch (p) {
    case Int8Path::Avx512Vnni: return "avx512-vnni";
    case Int8Path::AvxVnni: return "avx-vnni";
    case Int8Path::Avx2: return "avx2";
    default: return "portable";
  }
}

Int8PackedWeights packInt8Weights(const int8_t* w, int64_t K, int64_t N) {
  if (K <= 0 || N <= 0 || K > kInt8MaxK || N > (int64_t{1} << 24) || K * N > (int64_t{1} << 31)) {
    throw std::invalid_argument("packInt8Weights: bad shape [" + std::to_string(K) + ", " + std::to_string(N) + "] (at most " +
                                std::to_string(kInt8MaxK) + " inputs: the int32 sums must not overflow)");
  }
  Int8PackedWeights p;
  p.K = K;
  p.N = N;
  p.Kp = int8PaddedK(K);
  p.Np = int8PaddedN(N);
  p.data.assign(static_cast<size_t>(p.Np * p.Kp), 0);
  p.colSum.assign(static_cast<size_t>(N), 0);
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) {
      const int8_t v = w[k * N + n];
      if (v == -128) throw std::invalid_argument("packInt8Weights: weights must be in [-127, 127]");
      const int64_t block = n / kInt8BlockN, c = n % kInt8BlockN, g = k / kInt8GroupK, r = k % kInt8GroupK;
      p.data[static_cast<size_t>(block * p.Kp * kInt8BlockN + g * kInt8BlockN * kInt8GroupK + c * kInt8GroupK + r)] = v;
      p.colSum[static_cast<size_t>(n)] += v;
    }
  }
  return p;
}

// Never fused into an FMA, whatever the build's flags: the SIMD paths do the
// same separate multiplies and adds and must give the same bits.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void int8EpilogueRow(const int32_t* acc, int64_t cols, const Int8Epilogue& e, int64_t m, int64_t n0) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  const float* alpha = e.alpha + n0;
  const int32_t* corr = e.corr + n0;
  const float* bias = e.bias + n0;
  if (e.kind == Int8Epilogue::Kind::Float) {
    float* y = e.y + m * e.ld + n0;
    for (int64_t j = 0; j < cols; ++j) {
      const float t = alpha[j] * static_cast<float>(acc[j] + corr[j]);
      y[j] = t + bias[j];
    }
    return;
  }
  uint8_t* q = e.q + m * e.ld + n0;
  for (int64_t j = 0; j < cols; ++j) {
    const float t = alpha[j] * static_cast<float>(acc[j] + corr[j]);
    const float y = t + bias[j];
    const float s = y * e.inv;
    float r = s + e.zp;
    r = r > e.lo ? r : e.lo;  // as maxps: NaN -> lo
    r = r < 255.f ? r : 255.f;
    q[j] = static_cast<uint8_t>(static_cast<int32_t>(r + 0.5f));
  }
}

namespace {
// Row by row, 16 channels at a time; `e` null writes int32 sums to acc.
void int8GemmPortable(const uint8_t* x, int64_t M, int64_t ldx, const Int8PackedWeights& w, int32_t* acc, int64_t ldacc,
                      const Int8Epilogue* e) {
  for (int64_t m = 0; m < M; ++m) {
    const uint8_t* xr = x + m * ldx;
    for (int64_t b = 0; b < w.Np / kInt8BlockN; ++b) {
      int32_t s[kInt8BlockN] = {};
      const int8_t* wb = w.data.data() + b * w.Kp * kInt8BlockN;
      for (int64_t g = 0; g < w.Kp / kInt8GroupK; ++g) {
        const int8_t* wg = wb + g * kInt8BlockN * kInt8GroupK;
        const uint8_t* xg = xr + g * kInt8GroupK;
        for (int64_t c = 0; c < kInt8BlockN; ++c) {
          for (int64_t r = 0; r < kInt8GroupK; ++r) s[c] += int32_t{xg[r]} * int32_t{wg[c * kInt8GroupK + r]};
        }
      }
      const int64_t n0 = b * kInt8BlockN;
      const int64_t cols = std::min(kInt8BlockN, w.N - n0);
      if (e) int8EpilogueRow(s, cols, *e, m, n0);
      else std::copy(s, s + cols, acc + m * ldacc + n0);
    }
  }
}

}  // namespace

void quantizeRowU8(const float* x, int64_t n, float inv, float zp, float lo, uint8_t* q) {
#if TF_INT8_SIMD_BUILT
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (avx512) return int8simd::quantizeRowAvx512(x, n, inv, zp, lo, q);
  if (int8PathAvailable(Int8Path::Avx2)) return int8simd::quantizeRowAvx2(x, n, inv, zp, lo, q);
#endif
  for (int64_t i = 0; i < n; ++i) {
    float r = x[i] * inv + zp;
    r = r > lo ? r : lo;  // as maxps: NaN -> lo
    r = r < 255.f ? r : 255.f;
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(r + 0.5f));
  }
}

void int8Gemm(Int8Path path, const uint8_t* x, int64_t M, int64_t ldx, const Int8PackedWeights& w, int32_t* acc,
              int64_t ldacc) {
  if (M < 0 || ldx < w.Kp || ldacc < w.N || w.data.size() != static_cast<size_t>(w.Np * w.Kp)) {
    throw std::invalid_argument("int8Gemm: bad sizes");
  }
  if (M == 0) return;
  if (!int8PathAvailable(path)) throw std::invalid_argument(std::string("int8Gemm: path ") + int8PathName(path) + " does not run on this CPU");
#if TF_INT8_SIMD_BUILT
  if (path == Int8Path::Avx512Vnni) return int8simd::gemmVnni(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, acc, ldacc);
  if (path == Int8Path::AvxVnni) return int8simd::gemmAvxVnni(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, acc, ldacc);
  if (path == Int8Path::Avx2) return int8simd::gemmAvx2(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, acc, ldacc);
#endif
  int8GemmPortable(x, M, ldx, w, acc, ldacc, nullptr);
}

void int8GemmFused(Int8Path path, const uint8_t* x, int64_t M, int64_t ldx, const Int8PackedWeights& w,
                   const Int8Epilogue& e) {
  const bool out = e.kind == Int8Epilogue::Kind::Float ? e.y != nullptr : e.q != nullptr;
  if (M < 0 || ldx < w.Kp || e.ld < w.N || !out || !e.alpha || !e.corr || !e.bias ||
      w.data.size() != static_cast<size_t>(w.Np * w.Kp)) {
    throw std::invalid_argument("int8GemmFused: bad sizes or a missing epilogue array");
  }
  if (M == 0) return;
  if (!int8PathAvailable(path)) throw std::invalid_argument(std::string("int8GemmFused: path ") + int8PathName(path) + " does not run on this CPU");
#if TF_INT8_SIMD_BUILT
  if (path == Int8Path::Avx512Vnni) return int8simd::gemmVnniFused(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, e);
  if (path == Int8Path::AvxVnni) return int8simd::gemmAvxVnniFused(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, e);
  if (path == Int8Path::Avx2) return int8simd::gemmAvx2Fused(x, M, ldx, w.data.data(), w.Kp, w.Np, w.N, e);
#endif
  int8GemmPortable(x, M, ldx, w, nullptr, 0, &e);
}

}  // namespace tf
