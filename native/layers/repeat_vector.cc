// RepeatVector: a sample of `features` values becomes `n` copies of it,
// [features] -> [n, features]; backward sums the copies' gradients.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {
class RepeatVector final : public Layer {
 public:
  explicit RepeatVector(const Config& c) : n_(c.integer("n", 0, 1, int64_t{1} << 31)) {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].size() != 1)
      throw std::invalid_argument("repeatVector takes one input of flat features, got " + (in.empty() ? std::string("none") : showShape(in[0])));
    if (in[0][0] > (int64_t{1} << 31) / n_) throw std::invalid_argument("repeatVector: the output is too large");
    return {n_, in[0][0]};
  }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t f = features();
    for (int64_t b = 0; b < io.batch; ++b)
      for (int64_t r = 0; r < n_; ++r) std::copy_n(io.in[0] + b * f, f, io.out + (b * n_ + r) * f);
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    float* dx = io.dIn[0];
    if (!dx) return;
    const int64_t f = features();
    for (int64_t b = 0; b < io.batch; ++b) {
      float* row = dx + b * f;
      std::copy_n(io.dOut + b * n_ * f, f, row);
      for (int64_t r = 1; r < n_; ++r) {
        const float* g = io.dOut + (b * n_ + r) * f;
        for (int64_t j = 0; j < f; ++j) row[j] += g[j];
      }
    }
  }

  bool splitsByRows() const override { return true; }
 private:
  int64_t n_;
};
}  // namespace

std::unique_ptr<Layer> makeRepeatVectorLayer(const Config& c) { return std::make_unique<RepeatVector>(c); }

}  // namespace tf
