// QuantizedDense: an inference-only Dense made by tf.quantization.quantize.
// Each row of the float input is quantized to uint8 with the scale and zero
// point observed on calibration data, multiplied by the int8 kernel with
// int32 accumulation (int8_gemm.h), and the store dequantizes and adds the
// bias (quantized_params.h); the activation is one pass after it, as Dense's.
// It has no weights in the arenas and no backward: a quantized model is not trained.
#include <stdexcept>

#include "activation_math.h"
#include "quantized_params.h"
#include "registry.h"

namespace tf {

namespace {
class QuantizedDense final : public Layer {
 public:
  explicit QuantizedDense(const Config& c)
      : units_(c.integer("units", 0, 1, int64_t{1} << 24)),
        inputs_(c.integer("inputs", 0, 1, kInt8MaxK)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        p_(c, "quantizedDense", inputs_, units_) {}

  MaskFlow outputMask(const std::vector<bool>&) const override { return MaskFlow::Pass; }
  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1 || in[0].empty()) throw std::invalid_argument("quantizedDense takes one input with a feature axis");
    if (in[0].back() != inputs_)
      throw std::invalid_argument("quantizedDense: built for " + std::to_string(inputs_) + " input features, got " + showShape(in[0]));
    Shape out = in[0];
    out.back() = units_;
    return out;
  }
  // The uint8 rows of the input, padded to the kernel's packed depth.
  ScratchSizes scratchSizes(int64_t batch) const override { return {floatsForBytes(rows(batch) * p_.w.Kp)}; }
  Activation outputActivation() const override { return act_; }

  void forward(const ForwardIo& io, const NodeWeights&) const override {
    const int64_t n = rows(io.batch), K = inputs_, Kp = p_.w.Kp;
    uint8_t* q = reinterpret_cast<uint8_t*>(io.scratch[0]);
    // Columns K..Kp-1 are never written: the packed kernel is zero there.
    for (int64_t r = 0; r < n; ++r) quantizeRowU8(io.in[0] + r * K, K, p_.inv, p_.zp, 0.f, q + r * Kp);
    int8GemmFused(p_.path, q, n, Kp, p_.w, p_.floatEpilogue(io.out, units_));
    if (act_ != Activation::Linear && !io.logits) applyActivation(act_, param_, io.out, io.out, n, units_);
  }
  void backward(const BackwardIo&, const NodeWeights&) const override {
    throw std::logic_error("quantizedDense is for inference only; train the float model");
  }

 private:
  int64_t units_, inputs_;
  Activation act_;
  float param_;
  Int8NodeParams p_;
};
}  // namespace

std::unique_ptr<Layer> makeQuantizedDenseLayer(const Config& c) { return std::make_unique<QuantizedDense>(c); }

}  // namespace tf
