// MaxPooling2D and AveragePooling2D over NHWC samples, windows as
// window2d.h places them (strides default to the pool size). As TensorFlow:
// padded taps never win a max, and a 'same' average divides by the taps
// inside the input only. Max's gradient goes to the first tap (row-major
// within the window) holding the maximum, as TensorFlow's argmax picks it:
// training forward records that tap per output (a small exact integer in a
// float scratch), so backward is one scatter.
#include <algorithm>
#include <limits>
#include <stdexcept>

#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {

template <bool Max>
class Pooling2d final : public Layer {
 public:
  explicit Pooling2d(const Config& c) : win_(readWindow2d(c, name(), "poolSize", false)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, in, name());
    return {g.outH, g.outW, g.channels};
  }

  // Max: the winning tap of each output, for backward.
  std::vector<int64_t> scratchSizes(int64_t batch) const override { return {Max ? outSize(batch) : 0}; }

  void forward(const ForwardIo& io, const NodeWeights&) const override { pool(io, nullptr); }
  void forwardTraining(const ForwardIo& io, const NodeWeights&, Rng*) override { pool(io, Max ? io.scratch[0] : nullptr); }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const Window2d g = placed();
    const int64_t C = g.channels;
    std::fill(io.dIn[0], io.dIn[0] + inSize(io.batch), 0.f);
    for (int64_t b = 0; b < io.batch; ++b) {
      float* dxb = io.dIn[0] + b * g.inH * g.inW * C;
      for (int64_t oy = 0; oy < g.outH; ++oy)
        for (int64_t ox = 0; ox < g.outW; ++ox) {
          const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
          const float* dy = io.dOut + o;
          const int64_t y0 = oy * g.sh - g.padTop, x0 = ox * g.sw - g.padLeft;
          if (Max) {
            // One vectorised pass per tap: each input element gets dy where its tap won.
            const float* won = io.scratch[0] + o;
            forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
              const float t = static_cast<float>((iy - y0) * g.kw + (ix - x0));
              float* dx = dxb + (iy * g.inW + ix) * C;
              for (int64_t c = 0; c < C; ++c) dx[c] += won[c] == t ? dy[c] : 0.f;
            });
          } else {
            int64_t taps = 0;
            forTaps(g, oy, ox, [&](int64_t, int64_t) { ++taps; });
            const float inv = 1.f / static_cast<float>(std::max<int64_t>(taps, 1));
            forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
              float* dx = dxb + (iy * g.inW + ix) * C;
              for (int64_t c = 0; c < C; ++c) dx[c] += dy[c] * inv;
            });
          }
        }
    }
  }

 private:
  // Max or mean of each window; `taps` (max only) gets the winning tap's index kh-major in the window.
  void pool(const ForwardIo& io, float* taps) const {
    const Window2d g = placed();
    const int64_t C = g.channels;
    for (int64_t b = 0; b < io.batch; ++b) {
      const float* xb = io.in[0] + b * g.inH * g.inW * C;
      for (int64_t oy = 0; oy < g.outH; ++oy)
        for (int64_t ox = 0; ox < g.outW; ++ox) {
          const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
          float* y = io.out + o;
          float* arg = taps ? taps + o : nullptr;
          std::fill(y, y + C, Max ? -std::numeric_limits<float>::infinity() : 0.f);
          const int64_t y0 = oy * g.sh - g.padTop, x0 = ox * g.sw - g.padLeft;
          // The first tap inside the input, so that a window of NaN / -inf still names a valid one.
          if (arg) std::fill(arg, arg + C, static_cast<float>((std::max<int64_t>(y0, 0) - y0) * g.kw + (std::max<int64_t>(x0, 0) - x0)));
          int64_t count = 0;
          forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
            const float* x = xb + (iy * g.inW + ix) * C;
            ++count;
            if (!Max) {
              for (int64_t c = 0; c < C; ++c) y[c] += x[c];
            } else if (arg) {
              const float t = static_cast<float>((iy - y0) * g.kw + (ix - x0));
              for (int64_t c = 0; c < C; ++c) {  // branch-free, so it vectorises; strictly greater: the first maximum wins
                const bool greater = x[c] > y[c];
                y[c] = greater ? x[c] : y[c];
                arg[c] = greater ? t : arg[c];
              }
            } else {
              for (int64_t c = 0; c < C; ++c) y[c] = std::max(y[c], x[c]);
            }
          });
          if (!Max) {
            const float inv = 1.f / static_cast<float>(std::max<int64_t>(count, 1));
            for (int64_t c = 0; c < C; ++c) y[c] *= inv;
          }
        }
    }
  }
  static const char* name() { return Max ? "maxPooling2d" : "averagePooling2d"; }
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, inputShapes(), name());
    return g;
  }
  // Calls f(iy, ix) for each tap of output pixel (oy, ox) inside the input, row-major.
  template <typename F>
  static void forTaps(const Window2d& g, int64_t oy, int64_t ox, F&& f) {
    const int64_t y0 = oy * g.sh - g.padTop, x0 = ox * g.sw - g.padLeft;
    for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y0 + g.kh, g.inH); ++iy)
      for (int64_t ix = std::max<int64_t>(x0, 0); ix < std::min(x0 + g.kw, g.inW); ++ix) f(iy, ix);
  }

  Window2d win_;
};
}  // namespace

std::unique_ptr<Layer> makeMaxPooling2dLayer(const Config& c) { return std::make_unique<Pooling2d<true>>(c); }
std::unique_ptr<Layer> makeAveragePooling2dLayer(const Config& c) { return std::make_unique<Pooling2d<false>>(c); }

}  // namespace tf
