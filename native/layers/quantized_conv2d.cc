// QuantizedConv2D (and its one-row form for Conv1D): an inference-only
// convolution made by tf.quantization.quantize. A few samples at a time, the
// float input is quantized to uint8 (calibrated scale and zero point), laid
// out as im2col rows of uint8 taps in (ky, kx, c) order (taps outside the
// input hold the zero point, i.e. a real 0, as zero padding), and multiplied
// by the int8 HWIO kernel read as [kh * kw * channels, filters] with int32
// accumulation; the store dequantizes and adds the bias (quantized_params.h),
// then one pass applies the activation. Geometry (strides, dilation, 'same',
// 'valid', 'causal') is window2d.h's, as conv2d.cc's.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "activation_math.h"
#include "quantized_params.h"
#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {

// n bytes from src to dst (no overlap): the runs of im2col are a few bytes
// (kw * channels: 3 for a 3x3 kernel over one channel), where a memcpy call
// costs more than the copy; fixed-size copies compile to plain moves.
inline void copyBytes(uint8_t* dst, const uint8_t* src, int64_t n) {
  if (n >= 16) {
    std::memcpy(dst, src, static_cast<size_t>(n));
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// One chunk of uint8 im2col rows: `batch` samples of q [inH, inW, C] -> col [rows, ldc].
void im2colU8(const Window2d& g, int64_t batch, const uint8_t* x, uint8_t pad, uint8_t* col, int64_t ldc) {
  const int64_t C = g.channels;
  for (int64_t b = 0; b < batch; ++b) {
    const uint8_t* xb = x + b * g.inH * g.inW * C;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox) {
        uint8_t* row = col + ((b * g.outH + oy) * g.outW + ox) * ldc;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.padTop + ky * g.dh;
          uint8_t* dst = row + ky * g.kw * C;
          if (iy < 0 || iy >= g.inH) {
            std::memset(dst, pad, static_cast<size_t>(g.kw * C));
            continue;
          }
          const uint8_t* src = xb + iy * g.inW * C;
          const int64_t ix0 = ox * g.sw - g.padLeft;
          if (g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.inW) {
            copyBytes(dst, src + ix0 * C, g.kw * C);
            continue;
          }
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ix0 + kx * g.dw;
            if (ix < 0 || ix >= g.inW) std::memset(dst + kx * C, pad, static_cast<size_t>(C));
            else copyBytes(dst + kx * C, src + ix * C, C);
          }
        }
      }
  }
}

class QuantizedConv2d final : public Layer {
 public:
  QuantizedConv2d(const Config& c, bool oneD)
      : name_(oneD ? "quantizedConv1d" : "quantizedConv2d"),
        oneD_(oneD),
        filters_(c.integer("filters", 0, 1, int64_t{1} << 24)),
        channels_(c.integer("channels", 0, 1, int64_t{1} << 24)),
        win_(readWindow2d(c, name_, "kernelSize", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        p_(c, name_, depthOf(win_, channels_), filters_) {
    win_.causal = oneD && c.flag("causal", false);
    if (oneD && win_.kh != 1) throw std::invalid_argument("quantizedConv1d: kernelSize must be [1, k]");
    if (win_.causal && win_.same) throw std::invalid_argument("quantizedConv1d: padding is either same or causal");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(in, oneD_, name_), name_);
    if (g.channels != channels_)
      throw std::invalid_argument(std::string(name_) + ": built for " + std::to_string(channels_) + " input channels, got " + showShape(in[0]));
    if (g.outH * g.outW > (int64_t{1} << 40) / p_.w.Kp)
      throw std::invalid_argument(std::string(name_) + ": the im2col rows of one sample of " + showShape(in[0]) + " are too many");
    if (oneD_) return {g.outW, filters_};
    return {g.outH, g.outW, filters_};
  }
  // [0] a chunk's uint8 input, [1] its uint8 im2col rows.
  ScratchSizes scratchSizes(int64_t batch) const override {
    const Window2d g = placed();
    const int64_t m = chunkOf(g, batch);
    return {floatsForBytes(m * g.inH * g.inW * g.channels), floatsForBytes(m * g.outH * g.outW * p_.w.Kp)};
  }
  Activation outputActivation() const override { return act_; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const Window2d g = placed();
    const int64_t inSample = g.inH * g.inW * g.channels, per = g.outH * g.outW, F = filters_, Kp = p_.w.Kp;
    uint8_t* qx = reinterpret_cast<uint8_t*>(io.scratch[0]);
    uint8_t* col = reinterpret_cast<uint8_t*>(io.scratch[1]);
    const uint8_t pad = static_cast<uint8_t>(p_.zp);
    for (int64_t s0 = 0, chunk = chunkOf(g, io.batch); s0 < io.batch; s0 += chunk) {
      const int64_t m = std::min(chunk, io.batch - s0), n = m * per;
      quantizeRowU8(io.in[0] + s0 * inSample, m * inSample, p_.inv, p_.zp, 0.f, qx);
      // Columns depth..Kp-1 of each row are never written: the packed kernel is zero there.
      im2colU8(g, m, qx, pad, col, Kp);
      float* out = io.out + s0 * per * F;
      int8GemmFused(p_.path, col, n, Kp, p_.w, p_.floatEpilogue(out, F));
      if (act_ != Activation::Linear && !io.logits) applyActivation(act_, param_, out, out, n, F);
    }
  }
  void backward(const BackwardIo&, const NodeWeights&) const override {
    throw std::logic_error(std::string(name_) + " is for inference only; train the float model");
  }

 private:
  static int64_t depthOf(const Window2d& w, int64_t channels) {
    if (w.kh * w.kw > kInt8MaxK / channels) throw std::invalid_argument("quantizedConv2d: kernel depth kh * kw * channels above 65536");
    return w.kh * w.kw * channels;
  }
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(inputShapes(), oneD_, name_), name_);
    return g;
  }
  // Samples per chunk: about 512 KiB of uint8 im2col rows and float outputs, so the GEMM reads the rows
  // and the activation pass the outputs while they are in cache.
  int64_t chunkOf(const Window2d& g, int64_t batch) const {
    const int64_t perSample = std::max<int64_t>(g.outH * g.outW * (p_.w.Kp + 4 * filters_), 1);
    return std::clamp<int64_t>((int64_t{1} << 19) / perSample, 1, std::max<int64_t>(batch, 1));
  }

  const char* name_;
  bool oneD_;
  int64_t filters_, channels_;
  Window2d win_;
  Activation act_;
  float param_;
  Int8NodeParams p_;
};
}  // namespace

std::unique_ptr<Layer> makeQuantizedConv2dLayer(const Config& c) { return std::make_unique<QuantizedConv2d>(c, false); }
std::unique_ptr<Layer> makeQuantizedConv1dLayer(const Config& c) { return std::make_unique<QuantizedConv2d>(c, true); }

}  // namespace tf
