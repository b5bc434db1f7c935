// Activation: an activation function on its own, over the last axis.
#include <algorithm>
#include <stdexcept>

#include "activation_math.h"
#include "registry.h"

namespace tf {

namespace {
class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(const Config& c) : act_(activationOption(c)), param_(c.real("activationParam", 0)) {}

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }  // Keras: supports_masking
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) throw std::invalid_argument("activation takes one input");
    return in[0];
  }
  Activation outputActivation() const override { return act_; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    if (io.logits) std::copy(io.in[0], io.in[0] + inSize(io.batch), io.out);
    else applyActivation(act_, param_, io.in[0], io.out, rows(io.batch), features());
  }
  void backward(const BackwardIo& io, const NodeWeights&) const override {
    if (!io.dIn[0]) return;
    if (io.logits) std::copy(io.dOut, io.dOut + inSize(io.batch), io.dIn[0]);
    else applyActivationGrad(act_, param_, io.in[0], io.out, io.dOut, io.dIn[0], rows(io.batch), features());
  }

  bool splitsByRows() const override { return true; }
 private:
  Activation act_;
  float param_;
};
}  // namespace

std::unique_ptr<Layer> makeActivationLayer(const Config& c) { return std::make_unique<ActivationLayer>(c); }

}  // namespace tf
