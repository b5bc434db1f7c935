// SimpleRNN (Elman 1990; Keras's): h' = g(x W + h R + b) over a sequence
// [time, features] per sample; kernel [features, u], recurrent_kernel
// [u, u], bias [u]. Laid out as lstm.cc: the input projection of all steps
// in one GEMM, one GEMM per step into its rows, the activation in place;
// backward through time, then the weight and input gradients over all steps.
// dropout / recurrentDropout (training only): recurrent_math.h's masks, the
// state masked as it is copied into hPrev, the GEMMs' only reader.
// An input mask (masking, embedding maskZero): recurrent_math.h's masked
// recurrence, the carried state kept unmasked by recurrentDropout in hNow.
// An initial state (input 1, [u]; Keras's initial_state) starts the
// recurrence instead of zeros and gets its gradient in backward.
// returnState (Keras's): the output packs the final h after it
// (recurrent_math.h's RecurrentOutput); its gradient starts backward's dh.
#include <algorithm>
#include <stdexcept>

#include "../gemm.h"
#include "recurrent_math.h"
#include "registry.h"

namespace tf {

namespace {
class SimpleRnn final : public Layer {
 public:
  explicit SimpleRnn(const Config& c)
      : units_(c.integer("units", 0, 0, int64_t{1} << 31)),
        act_(recurrentActivationOption(c, "simpleRNN", "activation", Activation::Tanh)),
        returnSequences_(c.flag("returnSequences", false)),
        returnState_(c.flag("returnState", false)),
        goBackwards_(c.flag("goBackwards", false)),
        useBias_(c.flag("useBias", true)),
        trainable_(c.flag("trainable", true)),
        zeroOutputForMask_(c.flag("zeroOutputForMask", false)),
        drop_(c, "simpleRNN") {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    checkRecurrentInput("simpleRNN", in, units_, 1);
    return layout(in[0][0]).shape();
  }
  Shape outputMaskPositions() const override { return layout(steps()).maskPositions(); }
  MaskFlow outputMask(const std::vector<bool>&) const override { return returnSequences_ ? MaskFlow::Pass : MaskFlow::None; }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"kernel", {features(), units_}, trainable_}, {"recurrent_kernel", {units_, units_}, trainable_}};
    if (useBias_) w.push_back({"bias", {units_}, trainable_});
    return w;
  }
  // zh [batch, time, u]: x W + b, then each step's h'; hPrev [batch, time, u]
  // (masked by recurrentDropout in training); dh [batch, u]; the dropout's
  // masked inputs and masks (empty without dropout); hNow [batch, u], each
  // sample's state under an input mask (backward: the carried dh), then
  // each sample's first kept step [batch].
  ScratchSizes scratchSizes(int64_t batch) const override {
    const int64_t bt = batch * steps();
    return {bt * units_, bt * units_, batch * units_, drop_.maskedInputSize(batch, steps(), features()),
            drop_.masksSize(batch, features(), units_), batch * (units_ + 1)};
  }
  int usefulThreads(int64_t batch) const override {
    return std::max(threadsForGemm(std::max<int64_t>(batch * steps(), 1), units_, features()),
                    threadsForGemm(std::max<int64_t>(batch, 1), units_, units_));
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override { run(io, w, false); }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    if (drop_.any()) drop_.begin(rng, io.in[0], io.batch, steps(), features(), units_, io.scratch[4], io.scratch[3]);
    run(io, w, drop_.any());
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_;
    const RecurrentOutput out = layout(T);
    float *zh = io.scratch[0], *hPrev = io.scratch[1], *dh = io.scratch[2];
    // Backward follows a training forward: with dropout, its masks are in scratch.
    const float* x = drop_.input() ? io.scratch[3] : io.in[0];
    const float* xMask = io.scratch[4];
    const float* hMask = drop_.state() ? io.scratch[4] + B * F : nullptr;
    const MaskByte* m = io.mask();
    float* carry = io.scratch[5];
    const float* first = io.scratch[5] + B * U;
    const bool init = hasInitialState();
    std::fill(dh, dh + B * U, 0.f);
    if (returnState_)  // the final state's gradient: where the recurrence's ends
      for (int64_t b = 0; b < B; ++b) std::copy(out.state(io.dOut, b, 0), out.state(io.dOut, b, 0) + U, dh + b * U);
    for (int64_t s = T - 1; s >= 0; --s) {
      const int64_t t = time(s);
      for (int64_t b = 0; b < B; ++b) {
        float* dhb = dh + b * U;
        const bool skip = maskedStep(m, b, T, t);
        const bool zeroOut = skip && (zeroOutputForMask_ || static_cast<float>(s) < first[b]);
        if (returnSequences_) {
          const float* g = out.row(io.dOut, b, s);
          if (!zeroOut)
            for (int64_t j = 0; j < U; ++j) dhb[j] += g[j];
        } else if (s == T - 1 && !zeroOut) {
          const float* d = out.row(io.dOut, b, 0);
          for (int64_t j = 0; j < U; ++j) dhb[j] += d[j];
        }
        float* h = zh + (b * T + t) * U;
        if (skip) std::fill(h, h + U, 0.f);  // no gradient into a skipped step's products
        else recurrentActivationGrad(act_, h, dhb, h, U);
      }
      if (s > 0 || init) {
        if (m) keepCarried(m, B, T, t, U, dh, carry);
        sgemm(false, true, B, U, U, 1.f, zh + t * U, T * U, w.value(1), U, 0.f, dh, U);
        if (hMask)
          for (int64_t k = 0; k < B * U; ++k) dh[k] *= hMask[k];
        if (m) restoreCarried(m, B, T, t, U, carry, dh);
      }
    }
    if (trainable_) {
      sgemm(true, false, F, U, B * T, 1.f, x, F, zh, U, 0.f, w.grad(0), U);
      sgemm(true, false, U, U, B * T, 1.f, hPrev, U, zh, U, 0.f, w.grad(1), U);
      if (useBias_) {
        float* db = w.grad(2);
        std::fill(db, db + U, 0.f);
        for (int64_t r = 0; r < B * T; ++r)
          for (int64_t k = 0; k < U; ++k) db[k] += zh[r * U + k];
      }
    }
    if (io.dIn[0]) {
      sgemm(false, true, B * T, F, U, 1.f, zh, U, w.value(0), U, 0.f, io.dIn[0], F);
      if (drop_.input()) maskInputGradient(io.dIn[0], xMask, B, T, F);
    }
    if (init && io.dIn[1]) std::copy(dh, dh + B * U, io.dIn[1]);
  }

 private:
  int64_t units_;
  Activation act_;
  bool returnSequences_, returnState_, goBackwards_, useBias_, trainable_, zeroOutputForMask_;
  RecurrentDropout drop_;

  RecurrentOutput layout(int64_t steps) const { return {steps, units_, returnState_ ? 1 : 0, returnSequences_}; }

  int64_t steps() const { return inputShapes()[0][0]; }
  bool hasInitialState() const { return inputShapes().size() > 1; }
  int64_t time(int64_t s) const { return goBackwards_ ? steps() - 1 - s : s; }

  // `masked`: a training pass with dropout, whose masks begin() drew.
  void run(const ForwardIo& io, const NodeWeights& w, bool masked) const {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_;
    const RecurrentOutput out = layout(T);
    float *zh = io.scratch[0], *hPrev = io.scratch[1];
    const float* x = masked && drop_.input() ? io.scratch[3] : io.in[0];
    const float* hMask = masked && drop_.state() ? io.scratch[4] + B * F : nullptr;
    const MaskByte* m = io.mask();
    float* hNow = io.scratch[5];
    float* first = io.scratch[5] + B * U;
    const float* h0 = hasInitialState() ? io.in[1] : nullptr;
    if (m) {
      if (h0) std::copy(h0, h0 + B * U, hNow);
      else std::fill(hNow, hNow + B * U, 0.f);
      firstKeptSteps(m, B, T, goBackwards_, first);
    }
    const float* bias = useBias_ ? w.value(2) : nullptr;
    if (bias)
      for (int64_t r = 0; r < B * T; ++r) std::copy(bias, bias + U, zh + r * U);
    sgemm(false, false, B * T, U, F, 1.f, x, F, w.value(0), U, bias ? 1.f : 0.f, zh, U);
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = time(s);
      float* hp = hPrev + t * U;
      if (s == 0)
        for (int64_t b = 0; b < B; ++b) {
          float* row = hp + b * T * U;
          if (!h0) std::fill(row, row + U, 0.f);
          else
            for (int64_t j = 0; j < U; ++j) row[j] = h0[b * U + j] * (hMask ? hMask[b * U + j] : 1.f);
        }
      if (s > 0 || h0) sgemm(false, false, B, U, U, 1.f, hp, T * U, w.value(1), U, 1.f, zh + t * U, T * U);
      const bool last = s == T - 1;
      for (int64_t b = 0; b < B; ++b) {
        float* h = zh + (b * T + t) * U;
        const bool skip = maskedStep(m, b, T, t);
        if (skip) {
          std::copy(hNow + b * U, hNow + (b + 1) * U, h);
        } else {
          recurrentActivate(act_, h, U);
          if (m) std::copy(h, h + U, hNow + b * U);
        }
        if (!last) {
          float* next = hPrev + (b * T + time(s + 1)) * U;
          if (hMask)
            for (int64_t j = 0; j < U; ++j) next[j] = h[j] * hMask[b * U + j];
          else
            std::copy(h, h + U, next);
        }
        const bool zeroOut = skip && (zeroOutputForMask_ || static_cast<float>(s) < first[b]);
        if (returnSequences_ || last) {
          float* o = out.row(io.out, b, s);
          if (zeroOut) std::fill(o, o + U, 0.f);
          else std::copy(h, h + U, o);
        }
        if (last && returnState_) std::copy(h, h + U, out.state(io.out, b, 0));
      }
    }
  }
};
}  // namespace

std::unique_ptr<Layer> makeSimpleRnnLayer(const Config& c) { return std::make_unique<SimpleRnn>(c); }

}  // namespace tf
