// The direct kernels of conv2d_direct.h: a portable version the compiler
// vectorises (AVX2 clone), and AVX-512 ones for the common case (16 filters
// per zmm register) chosen at run time.
#include "conv2d_direct.h"

#include <algorithm>
#include <array>
#include <utility>

#include "../cpu_features.h"
#include "../simd.h"
#if defined(TF_ADAM_AVX512)
#include <immintrin.h>
#endif

namespace tf {

namespace {

// The K taps of output pixel (oy, ox) of sample xb, (ky, kx, c) order as
// im2col's rows; zeros where the window leaves the input.
inline void gatherTaps(const Window2d& g, const float* __restrict xb, int64_t oy, int64_t ox, float* __restrict t) {
  const int64_t C = g.channels;
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
      float* d = t + (ky * g.kw + kx) * C;
      if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) std::fill(d, d + C, 0.f);
      else std::copy(xb + (iy * g.inW + ix) * C, xb + (iy * g.inW + ix + 1) * C, d);
    }
  }
}

// y = act(taps · W + bias) over `batch` samples; W is the HWIO kernel as [K, F].
TF_SIMD_CLONES void convDirectForwardPortable(const Window2d& g, int64_t batch, const float* __restrict x, const float* __restrict W,
                                             const float* __restrict bias, int64_t F, bool relu, float* __restrict y) {
  const int64_t K = g.kh * g.kw * g.channels, inSample = g.inH * g.inW * g.channels;
  float t[kDirectDepth];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        gatherTaps(g, x + b * inSample, oy, ox, t);
        float* __restrict yo = y + ((b * g.outH + oy) * g.outW + ox) * F;
        int64_t f0 = 0;
        for (; f0 + 16 <= F; f0 += 16) {  // 16 filters held in registers over the K taps
          float acc[16];
          for (int j = 0; j < 16; ++j) acc[j] = bias ? bias[f0 + j] : 0.f;
          for (int64_t k = 0; k < K; ++k) {
            const float tk = t[k];
            const float* __restrict wk = W + k * F + f0;
            for (int j = 0; j < 16; ++j) acc[j] += tk * wk[j];
          }
          for (int j = 0; j < 16; ++j) yo[f0 + j] = relu ? std::max(acc[j], 0.f) : acc[j];
        }
        for (; f0 < F; ++f0) {
          float a = bias ? bias[f0] : 0.f;
          for (int64_t k = 0; k < K; ++k) a += t[k] * W[k * F + f0];
          yo[f0] = relu ? std::max(a, 0.f) : a;
        }
      }
}

// The gradients of convDirectForward: dW (overwritten, when set), db (added
// to, when set) and dx (overwritten, when set), from dy and, for relu, the
// forward output y (y > 0 exactly where the pre-activation is).
TF_SIMD_CLONES void convDirectBackwardPortable(const Window2d& g, int64_t batch, const float* __restrict x, const float* __restrict y,
                                              const float* __restrict dy, const float* __restrict W, int64_t F, bool relu,
                                              float* __restrict dW, float* __restrict db, float* __restrict dx) {
  const int64_t C = g.channels, K = g.kh * g.kw * C, inSample = g.inH * g.inW * C;
  if (dW) std::fill(dW, dW + K * F, 0.f);
  if (dx) std::fill(dx, dx + batch * inSample, 0.f);
  float t[kDirectDepth], dt[kDirectDepth];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const int64_t o = ((b * g.outH + oy) * g.outW + ox) * F;
        if (dW) gatherTaps(g, x + b * inSample, oy, ox, t);
        std::fill(dt, dt + K, 0.f);
        int64_t f0 = 0;
        for (; f0 + 16 <= F; f0 += 16) {
          float dz[16];
          for (int j = 0; j < 16; ++j) dz[j] = !relu || y[o + f0 + j] > 0.f ? dy[o + f0 + j] : 0.f;
          if (db)
            for (int j = 0; j < 16; ++j) db[f0 + j] += dz[j];
          for (int64_t k = 0; k < K; ++k) {
            if (dW) {
              const float tk = t[k];
              float* __restrict g0 = dW + k * F + f0;
              for (int j = 0; j < 16; ++j) g0[j] += tk * dz[j];
            }
            if (dx) {
              float s = 0.f;
              for (int j = 0; j < 16; ++j) s += dz[j] * W[k * F + f0 + j];
              dt[k] += s;
            }
          }
        }
        for (; f0 < F; ++f0) {
          const float dz = !relu || y[o + f0] > 0.f ? dy[o + f0] : 0.f;
          if (db) db[f0] += dz;
          for (int64_t k = 0; k < K; ++k) {
            if (dW) dW[k * F + f0] += t[k] * dz;
            dt[k] += dz * W[k * F + f0];
          }
        }
        if (!dx) continue;
        // Scatter the taps' gradients back where gatherTaps read them.
        float* dxb = dx + b * inSample;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const float* s = dt + (ky * g.kw + kx) * C;
            float* d = dxb + (iy * g.inW + ix) * C;
            for (int64_t c = 0; c < C; ++c) d[c] += s[c];
          }
        }
      }
}

#if defined(TF_ADAM_AVX512)
// GCC's AVX-512 intrinsics pass placeholder operands (_mm512_undefined_ps); the warning is about them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Offsets of the K taps from the window's first tap, for pixels whose window lies inside the input.
void tapOffsets(const Window2d& g, int64_t* off) {
  for (int64_t ky = 0, k = 0; ky < g.kh; ++ky)
    for (int64_t kx = 0; kx < g.kw; ++kx)
      for (int64_t c = 0; c < g.channels; ++c) off[k++] = (ky * g.dh * g.inW + kx * g.dw) * g.channels + c;
}

// gatherTaps, without the bounds checks when the window is inside.
inline void taps(const Window2d& g, const int64_t* off, int64_t K, const float* xb, int64_t oy, int64_t ox, float* t) {
  const int64_t iy0 = oy * g.sh - g.padTop, ix0 = ox * g.sw - g.padLeft;
  if (iy0 >= 0 && iy0 + (g.kh - 1) * g.dh < g.inH && ix0 >= 0 && ix0 + (g.kw - 1) * g.dw < g.inW) {
    const float* base = xb + (iy0 * g.inW + ix0) * g.channels;
    for (int64_t k = 0; k < K; ++k) t[k] = base[off[k]];
  } else {
    gatherTaps(g, xb, oy, ox, t);
  }
}

// F a multiple of 16: one zmm register of filters at a time.
__attribute__((target("avx512f"))) void convDirectForwardAvx512(const Window2d& g, int64_t batch, const float* __restrict x,
                                                                const float* __restrict W, const float* __restrict bias, int64_t F,
                                                                bool relu, float* __restrict y) {
  const int64_t K = g.kh * g.kw * g.channels, inSample = g.inH * g.inW * g.channels;
  int64_t off[kDirectDepth];
  tapOffsets(g, off);
  float t[kDirectDepth];
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        taps(g, off, K, x + b * inSample, oy, ox, t);
        float* __restrict yo = y + ((b * g.outH + oy) * g.outW + ox) * F;
        for (int64_t f0 = 0; f0 < F; f0 += 16) {
          __m512 acc = bias ? _mm512_loadu_ps(bias + f0) : zero;
          for (int64_t k = 0; k < K; ++k) acc = _mm512_fmadd_ps(_mm512_set1_ps(t[k]), _mm512_loadu_ps(W + k * F + f0), acc);
          _mm512_storeu_ps(yo + f0, relu ? _mm512_max_ps(acc, zero) : acc);
        }
      }
}

// dW and db only (the input gradient goes the portable way), over chunks of
// kChunk output pixels: their taps gathered once, then per 16 filters the K
// kernel-gradient rows accumulate in registers (KT = K, unrolled) across the chunk.
constexpr int64_t kChunk = 256;

template <int KT>
__attribute__((target("avx512f"))) void kernelGradChunk(const float* __restrict tb, int64_t n, const float* __restrict y,
                                                        const float* __restrict dy, int64_t F, bool relu, float* __restrict dW,
                                                        float* __restrict db) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t f0 = 0; f0 < F; f0 += 16) {
    __m512 acc[KT];
    for (int k = 0; k < KT; ++k) acc[k] = zero;
    __m512 bacc = zero;
    for (int64_t p = 0; p < n; ++p) {
      __m512 dz = _mm512_loadu_ps(dy + p * F + f0);
      if (relu) dz = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(y + p * F + f0), zero, _CMP_GT_OQ), dz);
      bacc = _mm512_add_ps(bacc, dz);
      const float* t = tb + p * KT;
      for (int k = 0; k < KT; ++k) acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(t[k]), dz, acc[k]);
    }
    if (db) _mm512_storeu_ps(db + f0, _mm512_add_ps(_mm512_loadu_ps(db + f0), bacc));
    if (dW)
      for (int k = 0; k < KT; ++k) _mm512_storeu_ps(dW + k * F + f0, _mm512_add_ps(_mm512_loadu_ps(dW + k * F + f0), acc[k]));
  }
}

template <int KT>
__attribute__((target("avx512f"))) void convDirectKernelGradAvx512(const Window2d& g, int64_t batch, const float* __restrict x,
                                                                   const float* __restrict y, const float* __restrict dy, int64_t F,
                                                                   bool relu, float* __restrict dW, float* __restrict db) {
  const int64_t inSample = g.inH * g.inW * g.channels, perSample = g.outH * g.outW, total = batch * perSample;
  int64_t off[kDirectDepth];
  tapOffsets(g, off);
  alignas(64) float tb[kChunk * KT];
  if (dW) std::fill(dW, dW + KT * F, 0.f);
  int64_t b = 0, oy = 0, ox = 0;  // the next pixel to gather
  for (int64_t p0 = 0; p0 < total; p0 += kChunk) {
    const int64_t n = std::min(kChunk, total - p0);
    for (int64_t p = 0; p < n; ++p) {
      taps(g, off, KT, x + b * inSample, oy, ox, tb + p * KT);
      if (++ox == g.outW) {
        ox = 0;
        if (++oy == g.outH) oy = 0, ++b;
      }
    }
    kernelGradChunk<KT>(tb, n, y + p0 * F, dy + p0 * F, F, relu, dW, db);
  }
}

using KernelGrad = void (*)(const Window2d&, int64_t, const float*, const float*, const float*, int64_t, bool, float*, float*);
template <int... Ks>
constexpr std::array<KernelGrad, sizeof...(Ks)> kernelGrads(std::integer_sequence<int, Ks...>) {
  return {&convDirectKernelGradAvx512<Ks + 1>...};
}
// convDirectKernelGradAvx512<K> for K = 1 .. kDirectDepth.
constexpr auto kKernelGrads = kernelGrads(std::make_integer_sequence<int, static_cast<int>(kDirectDepth)>());
#pragma GCC diagnostic pop
#endif

}  // namespace

void convDirectForward(const Window2d& g, int64_t batch, const float* x, const float* W, const float* bias, int64_t F, bool relu,
                       float* y) {
#if defined(TF_ADAM_AVX512)
  if (F % 16 == 0 && cpuHasAvx512F()) return convDirectForwardAvx512(g, batch, x, W, bias, F, relu, y);
#endif
  convDirectForwardPortable(g, batch, x, W, bias, F, relu, y);
}

void convDirectBackward(const Window2d& g, int64_t batch, const float* x, const float* y, const float* dy, const float* W, int64_t F,
                        bool relu, float* dW, float* db, float* dx) {
#if defined(TF_ADAM_AVX512)
  if (!dx && F % 16 == 0 && cpuHasAvx512F()) return kKernelGrads[g.kh * g.kw * g.channels - 1](g, batch, x, y, dy, F, relu, dW, db);
#endif
  convDirectBackwardPortable(g, batch, x, y, dy, W, F, relu, dW, db, dx);
}

}  // namespace tf
