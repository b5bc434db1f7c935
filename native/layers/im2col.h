// im2col and its adjoint col2im over NHWC samples, for the GEMM convolutions
// (conv2d.cc, conv2d_transpose.cc): one row of col per output pixel of the
// window (window2d.h), its kh * kw * channels taps in (ky, kx, c) order, the
// order of an HWIO kernel read as a [kh * kw * channels, filters] matrix.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "window2d.h"

namespace tf {

// One row of col per output pixel; taps outside the input are zeros.
inline void im2col(const Window2d& g, int64_t batch, const float* x, float* col) {
  const int64_t C = g.channels, K = g.kh * g.kw * C;
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        float* row = col + ((b * g.outH + oy) * g.outW + ox) * K;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          float* dst = row + ky * g.kw * C;
          if (iy < 0 || iy >= g.inH) {
            std::memset(dst, 0, sizeof(float) * static_cast<size_t>(g.kw * C));
            continue;
          }
          const float* src = xb + iy * g.inW * C;
          const int64_t ix0 = ox * g.sw - g.padLeft;
          if (g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.inW) {
            std::memcpy(dst, src + ix0 * C, sizeof(float) * static_cast<size_t>(g.kw * C));  // contiguous taps
            continue;
          }
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ix0 + kx * g.dw;
            if (ix < 0 || ix >= g.inW) std::memset(dst + kx * C, 0, sizeof(float) * static_cast<size_t>(C));
            else std::memcpy(dst + kx * C, src + ix * C, sizeof(float) * static_cast<size_t>(C));
          }
        }
      }
  }
}

// The adjoint of im2col: dX = sum of each col entry into the input element it copied.
inline void col2im(const Window2d& g, int64_t batch, const float* col, float* dx) {
  const int64_t C = g.channels, K = g.kh * g.kw * C;
  std::fill(dx, dx + batch * g.inH * g.inW * C, 0.f);
  for (int64_t b = 0; b < batch; ++b) {
    float* db = dx + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const float* row = col + ((b * g.outH + oy) * g.outW + ox) * K;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          float* dst = db + iy * g.inW * C;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.padLeft + kx * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const float* s = row + (ky * g.kw + kx) * C;
            float* d = dst + ix * C;
            for (int64_t c = 0; c < C; ++c) d[c] += s[c];
          }
        }
      }
  }
}

}  // namespace tf
