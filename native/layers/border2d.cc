// ZeroPadding2D and Cropping2D over NHWC samples [h, w, c]: the same
// rectangle copy in opposite directions. Padding embeds the input in a
// zeroed, larger image (its backward extracts the gradient of the inner
// rectangle); cropping extracts the inner rectangle (its backward embeds the
// gradient in zeros). Margins come as [top, bottom, left, right].
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {

// The inner rectangle [innerH, innerW] sits at (top, left) of the outer image [outerH, outerW].
struct Border {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  int64_t innerH = 0, innerW = 0, outerH = 0, outerW = 0, channels = 0;
};

// outer <- inner (outer zeroed around it), over the batch.
void embed(const Border& g, int64_t batch, const float* inner, float* outer) {
  const int64_t C = g.channels, row = g.innerW * C;
  std::fill(outer, outer + batch * g.outerH * g.outerW * C, 0.f);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < g.innerH; ++y)
      std::memcpy(outer + ((b * g.outerH + g.top + y) * g.outerW + g.left) * C, inner + (b * g.innerH + y) * row,
                  sizeof(float) * static_cast<size_t>(row));
}

// inner <- the rectangle of outer, over the batch.
void extract(const Border& g, int64_t batch, const float* outer, float* inner) {
  const int64_t C = g.channels, row = g.innerW * C;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < g.innerH; ++y)
      std::memcpy(inner + (b * g.innerH + y) * row, outer + ((b * g.outerH + g.top + y) * g.outerW + g.left) * C,
                  sizeof(float) * static_cast<size_t>(row));
}

template <bool Crop>
class Border2d final : public Layer {
 public:
  explicit Border2d(const Config& c) {
    const std::vector<double> v = c.numbers("margins");
    if (v.size() != 4) throw std::invalid_argument(std::string(name()) + ": margins must hold [top, bottom, left, right]");
    for (double d : v)
      if (!(d >= 0 && d <= double(1 << 24)) || std::floor(d) != d)
        throw std::invalid_argument(std::string(name()) + ": margins must hold integers in [0, 2^24]");
    m_.top = static_cast<int64_t>(v[0]), m_.bottom = static_cast<int64_t>(v[1]);
    m_.left = static_cast<int64_t>(v[2]), m_.right = static_cast<int64_t>(v[3]);
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    const Border g = placed(in);
    return Crop ? Shape{g.innerH, g.innerW, g.channels} : Shape{g.outerH, g.outerW, g.channels};
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const Border g = placed(inputShapes());
    if (Crop) extract(g, io.batch, io.in[0], io.out);
    else embed(g, io.batch, io.in[0], io.out);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const Border g = placed(inputShapes());
    if (Crop) embed(g, io.batch, io.dOut, io.dIn[0]);
    else extract(g, io.batch, io.dOut, io.dIn[0]);
  }

  bool splitsByRows() const override { return true; }
 private:
  static const char* name() { return Crop ? "cropping2d" : "zeroPadding2d"; }
  // The margins on an input [h, w, c]; throws naming the layer and the shapes.
  Border placed(const std::vector<Shape>& in) const {
    if (in.size() != 1) throw std::invalid_argument(std::string(name()) + " takes one input");
    const Shape& s = in[0];
    if (s.size() != 3)
      throw std::invalid_argument(std::string(name()) + ": expects samples of shape [height, width, channels], got " + showShape(s));
    for (int64_t d : s)
      if (d <= 0 || d > (int64_t{1} << 24)) throw std::invalid_argument(std::string(name()) + ": input shape " + showShape(s) + " out of range");
    Border g = m_;
    g.channels = s[2];
    if (Crop) {
      g.outerH = s[0], g.outerW = s[1];
      g.innerH = s[0] - g.top - g.bottom, g.innerW = s[1] - g.left - g.right;
      if (g.innerH <= 0 || g.innerW <= 0)
        throw std::invalid_argument(std::string(name()) + ": cropping " + showShape({g.top, g.bottom, g.left, g.right}) +
                                    " leaves nothing of the input " + showShape(s));
    } else {
      g.innerH = s[0], g.innerW = s[1];
      g.outerH = s[0] + g.top + g.bottom, g.outerW = s[1] + g.left + g.right;
      if (g.outerH > (int64_t{1} << 24) || g.outerW > (int64_t{1} << 24))
        throw std::invalid_argument(std::string(name()) + ": the padded shape of " + showShape(s) + " is out of range");
    }
    return g;
  }

  Border m_;
};
}  // namespace

std::unique_ptr<Layer> makeZeroPadding2dLayer(const Config& c) { return std::make_unique<Border2d<false>>(c); }
std::unique_ptr<Layer> makeCropping2dLayer(const Config& c) { return std::make_unique<Border2d<true>>(c); }

}  // namespace tf
