// Host: a node computed by the host language (host_layer.h), for a user's
// own layer class. Its options: `hostId` (which of the model's host nodes it
// is, for the hooks), `outputShape` (per sample, as the layer computed it),
// and its weights as `weightShapes` with `weightTrainable` (1 / 0 each; a
// frozen layer passes `trainable: false`, which makes every weight
// non-trainable). Forward and backward run on the calling thread, in the
// hooks' scope; with none in scope (a worker thread) they throw.
#include <stdexcept>
#include <string>

#include "../denormals.h"
#include "../host_layer.h"
#include "registry.h"

namespace tf {

namespace {

Shape shapeOf(const std::vector<double>& dims, const char* what) {
  Shape s;
  for (double d : dims) {
    if (!(d >= 1 && d <= double(int64_t{1} << 31)) || d != static_cast<double>(static_cast<int64_t>(d)))
      throw std::invalid_argument(std::string("host layer: ") + what + " must hold positive integers");
    s.push_back(static_cast<int64_t>(d));
  }
  return s;
}

class Host final : public Layer {
 public:
  explicit Host(const Config& c)
      : hostId_(static_cast<int32_t>(c.integer("hostId", -1, 0, int64_t{1} << 30))),
        out_(shapeOf(c.numbers("outputShape"), "outputShape")),
        trainable_(c.flag("trainable", true)) {
    if (out_.empty()) throw std::invalid_argument("host layer: outputShape must not be empty");
    if (elementsOf(out_) > (int64_t{1} << 31)) throw std::invalid_argument("host layer: the output is too large");
    const std::vector<double> flags = c.numbers("weightTrainable");
    const std::vector<std::vector<double>>& shapes =
        c.mentions("weightShapes") ? c.numberLists("weightShapes") : std::vector<std::vector<double>>{};
    if (flags.size() != shapes.size()) throw std::invalid_argument("host layer: weightTrainable needs one flag per weight shape");
    for (size_t k = 0; k < shapes.size(); ++k) {
      Shape s = shapeOf(shapes[k], "weightShapes");
      if (s.size() > 8 || elementsOf(s) > (int64_t{1} << 31)) throw std::invalid_argument("host layer: a weight is too large");
      weights_.push_back({"w" + std::to_string(k), s, trainable_ && flags[k] != 0});
    }
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.empty()) throw std::invalid_argument("host layer takes at least one input");
    return out_;
  }
  std::vector<WeightDecl> weights() const override { return weights_; }

  void forward(const ForwardIo& io, const NodeWeights& w) const override { run(io, w, false); }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng*) override { run(io, w, true); }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    HostHooks* hooks = hooksOrThrow();
    ScopedKeepDenormals ieee;
    hooks->backward({hostId_, io.batch, &inputShapes(), &outputShape(), io.dOut, io.dIn, weights_.size(), w.slots, &w});
  }

 private:
  void run(const ForwardIo& io, const NodeWeights& w, bool training) const {
    HostHooks* hooks = hooksOrThrow();
    ScopedKeepDenormals ieee;
    hooks->forward({hostId_, training, io.batch, &inputShapes(), io.in, &outputShape(), io.out, weights_.size(), w.slots, &w});
  }
  HostHooks* hooksOrThrow() const {
    HostHooks* hooks = HostScope::current();
    if (!hooks) {
      throw std::logic_error("a custom layer runs in JavaScript, on the main thread only (host node " + std::to_string(hostId_) +
                             " was reached on a worker thread)");
    }
    return hooks;
  }

  int32_t hostId_;
  Shape out_;
  bool trainable_;
  std::vector<WeightDecl> weights_;
};

}  // namespace

std::unique_ptr<Layer> makeHostLayer(const Config& c) { return std::make_unique<Host>(c); }

}  // namespace tf
