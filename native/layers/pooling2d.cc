// MaxPooling2D and AveragePooling2D over NHWC samples, windows as
// window2d.h places them (strides default to the pool size). As TensorFlow:
// padded taps never win a max, and a 'same' average divides by the taps
// inside the input only. Max's gradient goes to the first tap (row-major
// within the window) equal to the output, as TensorFlow's argmax picks it.
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

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const Window2d g = placed();
    const int64_t C = g.channels;
    for (int64_t b = 0; b < io.batch; ++b) {
      const float* xb = io.in[0] + b * g.inH * g.inW * C;
      for (int64_t oy = 0; oy < g.outH; ++oy)
        for (int64_t ox = 0; ox < g.outW; ++ox) {
          float* y = io.out + ((b * g.outH + oy) * g.outW + ox) * C;
          std::fill(y, y + C, Max ? -std::numeric_limits<float>::infinity() : 0.f);
          int64_t taps = 0;
          forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
            const float* x = xb + (iy * g.inW + ix) * C;
            ++taps;
            for (int64_t c = 0; c < C; ++c) y[c] = Max ? std::max(y[c], x[c]) : y[c] + x[c];
          });
          if (!Max) {
            const float inv = 1.f / static_cast<float>(std::max<int64_t>(taps, 1));
            for (int64_t c = 0; c < C; ++c) y[c] *= inv;
          }
        }
    }
  }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const Window2d g = placed();
    const int64_t C = g.channels;
    std::fill(io.dIn[0], io.dIn[0] + inSize(io.batch), 0.f);
    for (int64_t b = 0; b < io.batch; ++b) {
      const int64_t base = b * g.inH * g.inW * C;
      for (int64_t oy = 0; oy < g.outH; ++oy)
        for (int64_t ox = 0; ox < g.outW; ++ox) {
          const int64_t o = ((b * g.outH + oy) * g.outW + ox) * C;
          const float* dy = io.dOut + o;
          if (Max) {
            const float* y = io.out + o;
            for (int64_t c = 0; c < C; ++c) {
              bool done = false;
              forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
                const int64_t at = base + (iy * g.inW + ix) * C + c;
                if (!done && io.in[0][at] == y[c]) {
                  io.dIn[0][at] += dy[c];
                  done = true;
                }
              });
            }
          } else {
            int64_t taps = 0;
            forTaps(g, oy, ox, [&](int64_t, int64_t) { ++taps; });
            const float inv = 1.f / static_cast<float>(std::max<int64_t>(taps, 1));
            forTaps(g, oy, ox, [&](int64_t iy, int64_t ix) {
              float* dx = io.dIn[0] + base + (iy * g.inW + ix) * C;
              for (int64_t c = 0; c < C; ++c) dx[c] += dy[c] * inv;
            });
          }
        }
    }
  }

 private:
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
