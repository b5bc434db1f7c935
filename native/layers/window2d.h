// The sliding window of the 2-D layers (conv2d, the poolings) over NHWC
// samples [h, w, c]: its options, and where it lands for an input shape, with
// TensorFlow's padding arithmetic (tensorflow/core/framework/kernel_shape_util.cc):
//   valid: out = ceil((in - effective + 1) / stride), no padding
//   same:  out = ceil(in / stride), total = max((out - 1) * stride + effective - in, 0),
//          top / left = total / 2 (the odd one extra goes to the bottom / right)
// where effective = (size - 1) * dilation + 1.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../config.h"
#include "../layer.h"

namespace tf {

struct Window2d {
  int64_t kh = 1, kw = 1;  // window size
  int64_t sh = 1, sw = 1;  // strides
  int64_t dh = 1, dw = 1;  // dilation
  bool same = false;       // 'same' padding (else 'valid')
  bool causal = false;     // conv1d's 'causal': all the width padding on the left, (kw - 1) * dw
  // Where it lands (after place()).
  int64_t inH = 0, inW = 0, channels = 0, outH = 0, outW = 0, padTop = 0, padLeft = 0;
};

// A pair option ([h, w] of positive integers up to 2^20); `def` when absent.
inline void readPair2d(const Config& c, const char* layer, const char* key, int64_t& h, int64_t& w, int64_t def) {
  const std::vector<double> v = c.numbers(key);
  if (v.empty() && !c.has(key)) {
    if (def <= 0) throw std::invalid_argument(std::string(layer) + ": " + key + " is required");
    h = w = def;
    return;
  }
  if (v.size() != 2) throw std::invalid_argument(std::string(layer) + ": " + key + " must hold 2 positive integers");
  for (double d : v)
    if (!(d >= 1 && d <= double(1 << 20)) || std::floor(d) != d)
      throw std::invalid_argument(std::string(layer) + ": " + key + " must hold positive integers up to 2^20");
  h = static_cast<int64_t>(v[0]);
  w = static_cast<int64_t>(v[1]);
}

// The window options: `sizeKey` ([h, w], required), strides (default `defaultStride`:
// 1 for conv2d, the pool size for pooling: 0 here), dilationRate (conv only), same.
inline Window2d readWindow2d(const Config& c, const char* layer, const char* sizeKey, bool dilation) {
  Window2d w;
  readPair2d(c, layer, sizeKey, w.kh, w.kw, 0);
  if (c.has("strides")) readPair2d(c, layer, "strides", w.sh, w.sw, 1);
  else if (!dilation) w.sh = w.kh, w.sw = w.kw;  // pooling: strides default to the pool size (Keras)
  if (dilation) readPair2d(c, layer, "dilationRate", w.dh, w.dw, 1);
  if ((w.sh > 1 || w.sw > 1) && (w.dh > 1 || w.dw > 1))
    throw std::invalid_argument(std::string(layer) + ": strides > 1 and dilationRate > 1 together are not supported (as in Keras)");
  w.same = c.flag("same", false);
  return w;
}

// Places the window on an input [h, w, c]; throws std::invalid_argument naming
// the layer and the shapes when it does not fit.
// A 1-D layer's samples [steps, channels] as one row of pixels [1, steps,
// channels], so the 2-D window serves conv1d and the 1-D poolings; 2-D
// layers' shapes pass as given (any other rank is left for placeWindow2d to
// refuse).
inline std::vector<Shape> windowInputs(const std::vector<Shape>& in, bool oneD, const char* layer) {
  if (!oneD || in.size() != 1) return in;
  if (in[0].size() != 2)
    throw std::invalid_argument(std::string(layer) + ": expects samples of shape [steps, channels], got " + showShape(in[0]));
  return {{1, in[0][0], in[0][1]}};
}

inline void placeWindow2d(Window2d& w, const std::vector<Shape>& in, const char* layer) {
  if (in.size() != 1) throw std::invalid_argument(std::string(layer) + " takes one input");
  const Shape& s = in[0];
  if (s.size() != 3)
    throw std::invalid_argument(std::string(layer) + ": expects samples of shape [height, width, channels], got " + showShape(s));
  for (int64_t d : s)
    if (d <= 0 || d > (int64_t{1} << 24)) throw std::invalid_argument(std::string(layer) + ": input shape " + showShape(s) + " out of range");
  w.inH = s[0], w.inW = s[1], w.channels = s[2];
  const int64_t eh = (w.kh - 1) * w.dh + 1, ew = (w.kw - 1) * w.dw + 1;
  if (w.causal) {
    if (eh > w.inH) throw std::invalid_argument(std::string(layer) + ": window height larger than the input " + showShape(s));
    w.outH = (w.inH - eh) / w.sh + 1;
    w.outW = (w.inW - 1) / w.sw + 1;
    w.padTop = 0;
    w.padLeft = ew - 1;
  } else if (w.same) {
    w.outH = (w.inH + w.sh - 1) / w.sh;
    w.outW = (w.inW + w.sw - 1) / w.sw;
    w.padTop = std::max<int64_t>((w.outH - 1) * w.sh + eh - w.inH, 0) / 2;
    w.padLeft = std::max<int64_t>((w.outW - 1) * w.sw + ew - w.inW, 0) / 2;
  } else {
    if (eh > w.inH || ew > w.inW)
      throw std::invalid_argument(std::string(layer) + ": window " + showShape({eh, ew}) + " (dilated) is larger than the input " +
                                  showShape(s) + " under 'valid' padding");
    w.outH = (w.inH - eh) / w.sh + 1;
    w.outW = (w.inW - ew) / w.sw + 1;
    w.padTop = w.padLeft = 0;
  }
}

}  // namespace tf
