// MaxPooling2D and AveragePooling2D over NHWC samples, windows as
// window2d.h places them (strides default to the pool size); MaxPooling1D and
// AveragePooling1D are the same over [steps, channels] read as one row of
// pixels [1, steps, channels] (as conv1d in conv2d.cc). As TensorFlow:
// padded taps never win a max, and a 'same' average divides by the taps
// inside the input only. Max's gradient goes to the first tap (row-major
// within the window) holding the maximum, as TensorFlow's argmax picks it:
// training forward records that tap per output (a small exact integer in a
// float scratch; a byte where windows tile the input), so backward is one
// vectorised pass per tap.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "../simd.h"
#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {

// The taps of output pixel (oy, ox) inside the input: rows [y0, y1) and columns [x0, x1).
struct Taps {
  int64_t top, left;  // the window's first tap (may be in the padding)
  int64_t y0, y1, x0, x1;
};
inline Taps tapsOf(const Window2d& g, int64_t oy, int64_t ox) {
  Taps t;
  t.top = oy * g.sh - g.padTop;
  t.left = ox * g.sw - g.padLeft;
  t.y0 = std::max<int64_t>(t.top, 0), t.y1 = std::min(t.top + g.kh, g.inH);
  t.x0 = std::max<int64_t>(t.left, 0), t.x1 = std::min(t.left + g.kw, g.inW);
  return t;
}

// Forward over the batch; `won` (max only, may be null) gets each output's winning tap.
template <bool Max>
TF_SIMD_CLONES void poolForward(const Window2d& g, int64_t batch, const float* __restrict x, float* __restrict y,
                                float* __restrict won) {
  const int64_t C = g.channels;
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
        float* __restrict yo = y + o;
        const Taps t = tapsOf(g, oy, ox);
        std::fill(yo, yo + C, Max ? -std::numeric_limits<float>::infinity() : 0.f);
        // The first tap inside the input, so a window of NaN / -inf still names a valid one.
        if (Max && won) std::fill(won + o, won + o + C, static_cast<float>((t.y0 - t.top) * g.kw + (t.x0 - t.left)));
        for (int64_t iy = t.y0; iy < t.y1; ++iy)
          for (int64_t ix = t.x0; ix < t.x1; ++ix) {
            const float* __restrict xi = xb + (iy * g.inW + ix) * C;
            if (!Max) {
              for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
            } else if (won) {
              float* __restrict w = won + o;
              const float tap = static_cast<float>((iy - t.top) * g.kw + (ix - t.left));
              for (int64_t c = 0; c < C; ++c) {  // strictly greater: the first maximum wins
                const bool greater = xi[c] > yo[c];
                yo[c] = greater ? xi[c] : yo[c];
                w[c] = greater ? tap : w[c];
              }
            } else {
              for (int64_t c = 0; c < C; ++c) yo[c] = std::max(yo[c], xi[c]);
            }
          }
        if (!Max) {
          const float inv = 1.f / static_cast<float>(std::max<int64_t>((t.y1 - t.y0) * (t.x1 - t.x0), 1));
          for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
        }
      }
  }
}

// dX over the batch (overwritten); `won` as poolForward left it (max only).
template <bool Max>
TF_SIMD_CLONES void poolBackward(const Window2d& g, int64_t batch, const float* __restrict dy, const float* __restrict won,
                                 float* __restrict dx) {
  const int64_t C = g.channels;
  std::fill(dx, dx + batch * g.inH * g.inW * C, 0.f);
  for (int64_t b = 0; b < batch; ++b) {
    float* dxb = dx + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
        const float* __restrict d = dy + o;
        const Taps t = tapsOf(g, oy, ox);
        const float inv = 1.f / static_cast<float>(std::max<int64_t>((t.y1 - t.y0) * (t.x1 - t.x0), 1));
        for (int64_t iy = t.y0; iy < t.y1; ++iy)
          for (int64_t ix = t.x0; ix < t.x1; ++ix) {
            float* __restrict di = dxb + (iy * g.inW + ix) * C;
            if (Max) {
              const float* __restrict w = won + o;
              const float tap = static_cast<float>((iy - t.top) * g.kw + (ix - t.left));
              for (int64_t c = 0; c < C; ++c) di[c] += w[c] == tap ? d[c] : 0.f;
            } else {
              for (int64_t c = 0; c < C; ++c) di[c] += d[c] * inv;
            }
          }
      }
  }
}

// Max pooling whose windows tile the input without overlap or padding
// (strides equal to the pool size, every window inside: the CNN's 2x2 pool):
// no per-window clipping, and backward writes each input gradient once
// instead of zero-filling dX and adding into it. Same results as the
// general passes above, NaN included (a window starts from -inf). The
// winning tap is recorded in a byte (windows of at most 256 taps), a quarter
// of the float record's traffic, in the same scratch.
inline bool tiles(const Window2d& g) {
  return g.sh == g.kh && g.sw == g.kw && g.padTop == 0 && g.padLeft == 0 && g.outH * g.kh <= g.inH && g.outW * g.kw <= g.inW &&
         g.kh * g.kw <= 256;
}
inline uint8_t* bytesOf(float* scratch) { return reinterpret_cast<uint8_t*>(scratch); }

TF_SIMD_CLONES void maxPoolTiledForward(const Window2d& g, int64_t batch, const float* __restrict x, float* __restrict y,
                                        uint8_t* __restrict won) {
  const int64_t C = g.channels;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
        const float* x0 = x + ((b * g.inH + oy * g.kh) * g.inW + ox * g.kw) * C;
        float* __restrict yo = y + o;
        for (int64_t c = 0; c < C; ++c) yo[c] = -std::numeric_limits<float>::infinity();
        if (won) std::fill(won + o, won + o + C, uint8_t{0});
        for (int64_t ky = 0; ky < g.kh; ++ky)
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const float* __restrict xi = x0 + (ky * g.inW + kx) * C;
            if (won) {
              uint8_t* __restrict w = won + o;
              const uint8_t tap = static_cast<uint8_t>(ky * g.kw + kx);
              for (int64_t c = 0; c < C; ++c) {
                const bool greater = xi[c] > yo[c];
                yo[c] = greater ? xi[c] : yo[c];
                w[c] = greater ? tap : w[c];
              }
            } else {
              for (int64_t c = 0; c < C; ++c) yo[c] = std::max(yo[c], xi[c]);
            }
          }
      }
}

TF_SIMD_CLONES void maxPoolTiledBackward(const Window2d& g, int64_t batch, const float* __restrict dy, const uint8_t* __restrict won,
                                         float* __restrict dx) {
  const int64_t C = g.channels, coveredH = g.outH * g.kh, coveredW = g.outW * g.kw;
  for (int64_t b = 0; b < batch; ++b) {
    float* dxb = dx + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy) {
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
        const float* __restrict d = dy + o;
        const uint8_t* __restrict w = won + o;
        for (int64_t ky = 0; ky < g.kh; ++ky)
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            float* __restrict di = dxb + ((oy * g.kh + ky) * g.inW + ox * g.kw + kx) * C;
            const uint8_t tap = static_cast<uint8_t>(ky * g.kw + kx);
            for (int64_t c = 0; c < C; ++c) di[c] = w[c] == tap ? d[c] : 0.f;
          }
      }
      // Columns right of the last window get no gradient.
      for (int64_t iy = oy * g.kh; iy < (oy + 1) * g.kh && coveredW < g.inW; ++iy)
        std::fill(dxb + (iy * g.inW + coveredW) * C, dxb + (iy + 1) * g.inW * C, 0.f);
    }
    std::fill(dxb + coveredH * g.inW * C, dxb + g.inH * g.inW * C, 0.f);  // rows below the last window
  }
}

template <bool Max>
class Pooling2d final : public Layer {
 public:
  Pooling2d(const Config& c, bool oneD)
      : name_(oneD ? (Max ? "maxPooling1d" : "averagePooling1d") : (Max ? "maxPooling2d" : "averagePooling2d")),
        oneD_(oneD),
        win_(readWindow2d(c, name_, "poolSize", false)) {
    if (oneD && (win_.kh != 1 || win_.sh != 1)) throw std::invalid_argument(std::string(name_) + ": poolSize and strides must be [1, k]");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(in, oneD_, name_), name_);
    // The winning tap is kept as a float: exact up to 2^24.
    if (g.kh * g.kw > (int64_t{1} << 24)) throw std::invalid_argument(std::string(name_) + ": pool windows of more than 2^24 taps are not supported");
    if (oneD_) return {g.outW, g.channels};
    return {g.outH, g.outW, g.channels};
  }
  // Max: the winning tap of each output, for backward.
  ScratchSizes scratchSizes(int64_t batch) const override { return {Max ? outSize(batch) : 0}; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const Window2d g = placed();
    if (Max && tiles(g)) maxPoolTiledForward(g, io.batch, io.in[0], io.out, nullptr);
    else poolForward<Max>(g, io.batch, io.in[0], io.out, nullptr);
  }
  void forwardTraining(const ForwardIo& io, const NodeWeights&, Rng*) override {
    const Window2d g = placed();
    if (Max && tiles(g)) maxPoolTiledForward(g, io.batch, io.in[0], io.out, bytesOf(io.scratch[0]));
    else poolForward<Max>(g, io.batch, io.in[0], io.out, Max ? io.scratch[0] : nullptr);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const Window2d g = placed();
    if (Max && tiles(g)) maxPoolTiledBackward(g, io.batch, io.dOut, reinterpret_cast<const uint8_t*>(io.scratch[0]), io.dIn[0]);
    else poolBackward<Max>(g, io.batch, io.dOut, Max ? io.scratch[0] : nullptr, io.dIn[0]);
  }

  bool splitsByRows() const override { return true; }
 private:
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(inputShapes(), oneD_, name_), name_);
    return g;
  }

  const char* name_;
  bool oneD_;
  Window2d win_;
};
}  // namespace

std::unique_ptr<Layer> makeMaxPooling2dLayer(const Config& c) { return std::make_unique<Pooling2d<true>>(c, false); }
std::unique_ptr<Layer> makeAveragePooling2dLayer(const Config& c) { return std::make_unique<Pooling2d<false>>(c, false); }
std::unique_ptr<Layer> makeMaxPooling1dLayer(const Config& c) { return std::make_unique<Pooling2d<true>>(c, true); }
std::unique_ptr<Layer> makeAveragePooling1dLayer(const Config& c) { return std::make_unique<Pooling2d<false>>(c, true); }

}  // namespace tf
