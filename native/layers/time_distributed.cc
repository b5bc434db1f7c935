// TimeDistributed (Keras's): applies a layer to every time step of
// [time, ...] per sample, sharing its weights. A sample's steps are
// contiguous, so a batch of B sequences is a batch of B * time frames: the
// wrapper runs the layer's own native code once on [B * time, ...] rows
// (one GEMM for a Dense), with its weights, scratch and gradients as they are.
#include <stdexcept>

#include "registry.h"

namespace tf {

namespace {
class TimeDistributed final : public Layer {
 public:
  explicit TimeDistributed(const Config& c) {
    Config inner = c.object("layer");
    // A frozen wrapper freezes the layer.
    if (!c.flag("trainable", true)) inner.setBool("trainable", false);
    layer_ = makeLayer(inner);
  }

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("timeDistributed takes one input");
    if (in[0].size() < 2) throw std::invalid_argument("timeDistributed takes [time, ...] per sample, got " + showShape(in[0]));
    if (in[0][0] < 1) throw std::invalid_argument("timeDistributed: empty sequence " + showShape(in[0]));
    const std::vector<Shape> frame{Shape(in[0].begin() + 1, in[0].end())};
    Shape y = layer_->computeOutputShape(frame);
    layer_->setShapes(frame, y);
    y.insert(y.begin(), in[0][0]);
    return y;
  }
  std::vector<WeightDecl> weights() const override { return layer_->weights(); }
  ScratchSizes scratchSizes(int64_t batch) const override { return layer_->scratchSizes(frames(batch)); }
  int usefulThreads(int64_t batch) const override { return layer_->usefulThreads(frames(batch)); }
  double regularization(const NodeWeights& w, bool withGradients) const override { return layer_->regularization(w, withGradients); }

  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    layer_->forward({frames(io.batch), io.in, io.out, io.scratch, false}, w);
  }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    layer_->forwardTraining({frames(io.batch), io.in, io.out, io.scratch, false}, w, rng);
  }
  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    layer_->backward({frames(io.batch), io.in, io.out, io.dOut, io.dIn, io.scratch, false}, w);
  }

 private:
  std::unique_ptr<Layer> layer_;

  int64_t frames(int64_t batch) const { return batch * inputShapes()[0][0]; }
};
}  // namespace

std::unique_ptr<Layer> makeTimeDistributedLayer(const Config& c) { return std::make_unique<TimeDistributed>(c); }

}  // namespace tf
