// GlobalAveragePooling2D and GlobalMaxPooling2D: [h, w, c] -> [c], the mean
// or the maximum of each channel over every position (Keras, keepdims false);
// GlobalAveragePooling1D and GlobalMaxPooling1D the same over [steps, c].
// Max's gradient goes to the first position holding the maximum.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {

template <bool Max>
class GlobalPooling2d final : public Layer {
 public:
  GlobalPooling2d(const Config&, bool oneD)
      : name_(oneD ? (Max ? "globalMaxPooling1d" : "globalAveragePooling1d") : (Max ? "globalMaxPooling2d" : "globalAveragePooling2d")),
        rank_(oneD ? 2 : 3) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument(std::string(name_) + " takes one input");
    if (in[0].size() != rank_)
      throw std::invalid_argument(std::string(name_) + ": expects samples of shape " +
                                  (rank_ == 2 ? "[steps, channels]" : "[height, width, channels]") + ", got " + showShape(in[0]));
    return {in[0].back()};
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t P = positions(), C = features();
    for (int64_t b = 0; b < io.batch; ++b) {
      const float* x = io.in[0] + b * P * C;
      float* y = io.out + b * C;
      std::fill(y, y + C, Max ? -std::numeric_limits<float>::infinity() : 0.f);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t c = 0; c < C; ++c) y[c] = Max ? std::max(y[c], x[p * C + c]) : y[c] + x[p * C + c];
      if (!Max)
        for (int64_t c = 0; c < C; ++c) y[c] /= static_cast<float>(P);
    }
  }

  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    const int64_t P = positions(), C = features();
    for (int64_t b = 0; b < io.batch; ++b) {
      const float* x = io.in[0] + b * P * C;
      const float* y = io.out + b * C;
      const float* dy = io.dOut + b * C;
      float* dx = io.dIn[0] + b * P * C;
      if (Max) {
        std::fill(dx, dx + P * C, 0.f);
        for (int64_t c = 0; c < C; ++c)
          for (int64_t p = 0; p < P; ++p)
            if (x[p * C + c] == y[c]) {
              dx[p * C + c] = dy[c];
              break;
            }
      } else {
        for (int64_t p = 0; p < P; ++p)
          for (int64_t c = 0; c < C; ++c) dx[p * C + c] = dy[c] / static_cast<float>(P);
      }
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t positions() const { return elementsOf(inputShapes()[0]) / features(); }

  const char* name_;
  size_t rank_;
};
}  // namespace

std::unique_ptr<Layer> makeGlobalMaxPooling2dLayer(const Config& c) { return std::make_unique<GlobalPooling2d<true>>(c, false); }
std::unique_ptr<Layer> makeGlobalAveragePooling2dLayer(const Config& c) { return std::make_unique<GlobalPooling2d<false>>(c, false); }
std::unique_ptr<Layer> makeGlobalMaxPooling1dLayer(const Config& c) { return std::make_unique<GlobalPooling2d<true>>(c, true); }
std::unique_ptr<Layer> makeGlobalAveragePooling1dLayer(const Config& c) { return std::make_unique<GlobalPooling2d<false>>(c, true); }

}  // namespace tf
