// UpSampling2D over NHWC samples, nearest neighbour (Keras's default): each
// input pixel repeated size[0] times down and size[1] times across, so output
// (y, x) reads input (y / sh, x / sw). Backward sums each block of sh x sw
// output gradients into the pixel they copied.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "registry.h"
#include "window2d.h"

namespace tf {

namespace {
class UpSampling2d final : public Layer {
 public:
  explicit UpSampling2d(const Config& c) { readPair2d(c, "upSampling2d", "size", sh_, sw_, 2); }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("upSampling2d takes one input");
    const Shape& s = in[0];
    if (s.size() != 3)
      throw std::invalid_argument("upSampling2d: expects samples of shape [height, width, channels], got " + showShape(s));
    for (int64_t d : s)
      if (d <= 0 || d > (int64_t{1} << 24)) throw std::invalid_argument("upSampling2d: input shape " + showShape(s) + " out of range");
    if (s[0] * sh_ > (int64_t{1} << 24) || s[1] * sw_ > (int64_t{1} << 24))
      throw std::invalid_argument("upSampling2d: the output of " + showShape(s) + " is out of range");
    return {s[0] * sh_, s[1] * sw_, s[2]};
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const Shape& s = inputShapes()[0];
    const int64_t H = s[0], W = s[1], C = s[2], OW = W * sw_;
    for (int64_t b = 0; b < io.batch; ++b)
      for (int64_t y = 0; y < H; ++y) {
        const float* src = io.in[0] + (b * H + y) * W * C;
        float* first = io.out + (b * H + y) * sh_ * OW * C;
        for (int64_t x = 0; x < W; ++x)
          for (int64_t r = 0; r < sw_; ++r) std::copy(src + x * C, src + (x + 1) * C, first + (x * sw_ + r) * C);
        for (int64_t r = 1; r < sh_; ++r) std::copy(first, first + OW * C, first + r * OW * C);  // the other rows of the block
      }
  }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const Shape& s = inputShapes()[0];
    const int64_t H = s[0], W = s[1], C = s[2], OW = W * sw_;
    for (int64_t b = 0; b < io.batch; ++b)
      for (int64_t y = 0; y < H; ++y) {
        float* dst = io.dIn[0] + (b * H + y) * W * C;
        std::fill(dst, dst + W * C, 0.f);
        for (int64_t r = 0; r < sh_; ++r) {
          const float* d = io.dOut + ((b * H + y) * sh_ + r) * OW * C;
          for (int64_t x = 0; x < W; ++x)
            for (int64_t k = 0; k < sw_; ++k) {
              const float* dk = d + (x * sw_ + k) * C;
              float* t = dst + x * C;
              for (int64_t c = 0; c < C; ++c) t[c] += dk[c];
            }
        }
      }
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t sh_ = 2, sw_ = 2;
};
}  // namespace

std::unique_ptr<Layer> makeUpSampling2dLayer(const Config& c) { return std::make_unique<UpSampling2d>(c); }

}  // namespace tf
