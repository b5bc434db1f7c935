// Bidirectional (Keras's): a recurrent layer run over the sequence and a
// copy of it with goBackwards flipped, their outputs merged (concat on the
// feature axis, sum, mul or ave). With returnSequences the backward copy's
// output, in its reading order, is reversed in time before the merge, so
// both halves of output step t saw input step t. Weights: the forward
// layer's, then the backward one's, named "<prefix>/<name>" with the
// prefixes TypeScript sends (Keras's forward_<layer> / backward_<layer>).
//
// The inner layers keep their own scratch buffers; as a layer may ask for
// at most ScratchSizes::kCapacity, each inner layer gets one buffer here,
// cut into its own list on every call (no allocation).
//
// An input mask goes to both copies; with returnSequences their masked
// steps output zeros (Keras 3 forces zero_output_for_mask there, so the
// reversed half does not carry a state into the padding it meets first).
//
// returnState (Keras's): the inner layers pack their final states after
// their outputs, and so does this layer after the merged output, per
// sample: [merged | forward states | backward states] (Keras's order:
// h, c of the forward copy, then of the backward one).
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "registry.h"

namespace tf {

namespace {
enum class Merge { Concat, Sum, Mul, Ave };

// A name sent as UTF-8 byte values (Config holds no strings).
std::string nameFrom(const Config& c, const char* key) {
  std::string s;
  for (double v : c.numbers(key)) {
    if (!(v >= 1 && v <= 255) || v != static_cast<int>(v)) throw std::invalid_argument(std::string("bidirectional: bad ") + key);
    s.push_back(static_cast<char>(static_cast<unsigned char>(v)));
  }
  if (s.empty()) throw std::invalid_argument(std::string("bidirectional: ") + key + " is required");
  return s;
}

class Bidirectional final : public Layer {
 public:
  explicit Bidirectional(const Config& c)
      : merge_(static_cast<Merge>(c.integer("mergeMode", 0, 0, 3))),
        forwardName_(nameFrom(c, "forwardName")),
        backwardName_(nameFrom(c, "backwardName")) {
    Config inner = c.object("layer");
    const LayerKind k = inner.code<LayerKind>("kind");
    if (k != LayerKind::Lstm && k != LayerKind::Gru && k != LayerKind::SimpleRnn)
      throw std::invalid_argument("bidirectional wraps an lstm, gru or simpleRNN layer");
    // A frozen wrapper freezes both copies.
    if (!c.flag("trainable", true)) inner.setBool("trainable", false);
    returnSequences_ = inner.flag("returnSequences", false);
    returnState_ = inner.flag("returnState", false);
    units_ = inner.integer("units", 0, 0, int64_t{1} << 31);
    inner.setBool("zeroOutputForMask", returnSequences_);
    fwd_ = makeLayer(inner);
    inner.setBool("goBackwards", !inner.flag("goBackwards", false));
    bwd_ = makeLayer(inner);
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("bidirectional takes one input (an initial state is not supported)");
    Shape y = fwd_->computeOutputShape(in);
    fwd_->setShapes(in, y);
    bwd_->setShapes(in, bwd_->computeOutputShape(in));
    forwardWeights_ = fwd_->weights().size();
    if (returnState_) return {outStride(in[0][0])};
    if (merge_ == Merge::Concat) y.back() *= 2;
    return y;
  }
  Shape outputMaskPositions() const override { return returnSequences_ ? Shape{steps()} : Shape{}; }
  MaskFlow outputMask(const std::vector<bool>&) const override { return returnSequences_ ? MaskFlow::Pass : MaskFlow::None; }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w = fwd_->weights();
    for (WeightDecl& d : w) d.name = forwardName_ + "/" + d.name;
    for (WeightDecl d : bwd_->weights()) {
      d.name = backwardName_ + "/" + d.name;
      w.push_back(std::move(d));
    }
    return w;
  }
  // Each inner layer's buffers in one; both outputs; the backward copy's
  // input gradient; both output gradients.
  ScratchSizes scratchSizes(int64_t batch) const override {
    const int64_t half = batch * elementsOf(fwd_->outputShape());
    return {total(*fwd_, batch), total(*bwd_, batch), half, half, inSize(batch), half, half};
  }
  int usefulThreads(int64_t batch) const override { return fwd_->usefulThreads(batch); }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    Parts f, b;
    fwd_->forward(innerIo(io, *fwd_, io.scratch[0], io.scratch[2], f), w);
    bwd_->forward(innerIo(io, *bwd_, io.scratch[1], io.scratch[3], b), backwardWeights(w));
    mergeOutputs(io);
  }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    Parts f, b;
    fwd_->forwardTraining(innerIo(io, *fwd_, io.scratch[0], io.scratch[2], f), w, rng);
    bwd_->forwardTraining(innerIo(io, *bwd_, io.scratch[1], io.scratch[3], b), backwardWeights(w), rng);
    mergeOutputs(io);
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t B = io.batch, T = steps(), U = units();
    const float *yF = io.scratch[2], *yB = io.scratch[3];
    float *dF = io.scratch[5], *dB = io.scratch[6];
    // Split dOut into the two halves' output gradients, dB in the backward copy's own time order.
    const int64_t rows = returnSequences_ ? T : 1, inner = innerStride(), out = outStride(T), width = mergedWidth();
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t s = 0; s < rows; ++s) {
        const int64_t sb = returnSequences_ ? T - 1 - s : 0;
        const float* d = io.dOut + b * out + s * width;
        float* df = dF + b * inner + s * U;
        float* db = dB + b * inner + sb * U;
        const float* yf = yF + b * inner + s * U;
        const float* yb = yB + b * inner + sb * U;
        for (int64_t j = 0; j < U; ++j) {
          switch (merge_) {
            case Merge::Concat: df[j] = d[j], db[j] = d[U + j]; break;
            case Merge::Sum: df[j] = d[j], db[j] = d[j]; break;
            case Merge::Ave: df[j] = 0.5f * d[j], db[j] = 0.5f * d[j]; break;
            case Merge::Mul: df[j] = d[j] * yb[j], db[j] = d[j] * yf[j]; break;
          }
        }
      }
      // The states' gradients go to where each copy packed its states.
      const int64_t st = inner - rows * U;
      const float* d = io.dOut + b * out + rows * width;
      std::copy(d, d + st, dF + b * inner + rows * U);
      std::copy(d + st, d + 2 * st, dB + b * inner + rows * U);
    }
    Parts f, bp;
    float* dInF[1] = {io.dIn[0]};
    float* dInB[1] = {io.dIn[0] ? io.scratch[4] : nullptr};
    fwd_->backward({B, io.in, yF, dF, dInF, cut(*fwd_, B, io.scratch[0], f), false, io.inMask}, w);
    bwd_->backward({B, io.in, yB, dB, dInB, cut(*bwd_, B, io.scratch[1], bp), false, io.inMask}, backwardWeights(w));
    if (io.dIn[0])
      for (int64_t k = 0, n = inSize(B); k < n; ++k) io.dIn[0][k] += io.scratch[4][k];
  }

 private:
  using Parts = std::array<float*, ScratchSizes::kCapacity>;
  Merge merge_;
  std::string forwardName_, backwardName_;
  bool returnSequences_ = false, returnState_ = false;
  int64_t units_ = 0;
  std::unique_ptr<Layer> fwd_, bwd_;
  mutable size_t forwardWeights_ = 0;  // set with the shapes

  int64_t steps() const { return inputShapes()[0][0]; }
  int64_t units() const { return units_; }
  int64_t mergedWidth() const { return merge_ == Merge::Concat ? 2 * units_ : units_; }
  // Per sample: an inner copy's output (with its states, packed after it, under returnState) and this layer's.
  int64_t innerStride() const { return elementsOf(fwd_->outputShape()); }
  int64_t outStride(int64_t steps) const {
    const int64_t rows = returnSequences_ ? steps : 1;
    return rows * mergedWidth() + 2 * (elementsOf(fwd_->outputShape()) - rows * units_);
  }

  static int64_t total(const Layer& l, int64_t batch) {
    int64_t n = 0;
    for (int64_t s : l.scratchSizes(batch)) n += s;
    return n;
  }
  // The inner layer's buffers, cut from `base` in its order.
  static float* const* cut(const Layer& l, int64_t batch, float* base, Parts& parts) {
    int k = 0;
    for (int64_t s : l.scratchSizes(batch)) {
      parts[k++] = base;
      base += s;
    }
    return parts.data();
  }
  static ForwardIo innerIo(const ForwardIo& io, const Layer& l, float* scratch, float* out, Parts& parts) {
    return {io.batch, io.in, out, cut(l, io.batch, scratch, parts), false, io.inMask};
  }
  // The backward copy's weights follow the forward copy's slots.
  NodeWeights backwardWeights(const NodeWeights& w) const {
    NodeWeights b = w;
    b.slots = w.slots + forwardWeights_;
    return b;
  }

  void mergeOutputs(const ForwardIo& io) const {
    const int64_t B = io.batch, T = steps(), U = units();
    const int64_t rows = returnSequences_ ? T : 1, inner = innerStride(), out = outStride(T), width = mergedWidth();
    const float *yF = io.scratch[2], *yB = io.scratch[3];
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t s = 0; s < rows; ++s) {
        const float* yf = yF + b * inner + s * U;
        const float* yb = yB + b * inner + (returnSequences_ ? T - 1 - s : 0) * U;
        float* o = io.out + b * out + s * width;
        for (int64_t j = 0; j < U; ++j) {
          switch (merge_) {
            case Merge::Concat: o[j] = yf[j], o[U + j] = yb[j]; break;
            case Merge::Sum: o[j] = yf[j] + yb[j]; break;
            case Merge::Ave: o[j] = 0.5f * (yf[j] + yb[j]); break;
            case Merge::Mul: o[j] = yf[j] * yb[j]; break;
          }
        }
      }
      // returnState: the forward copy's states, then the backward one's.
      const int64_t st = inner - rows * U;
      float* o = io.out + b * out + rows * width;
      std::copy(yF + b * inner + rows * U, yF + (b + 1) * inner, o);
      std::copy(yB + b * inner + rows * U, yB + (b + 1) * inner, o + st);
    }
  }
};
}  // namespace

std::unique_ptr<Layer> makeBidirectionalLayer(const Config& c) { return std::make_unique<Bidirectional>(c); }

}  // namespace tf
