// LSTM (Hochreiter & Schmidhuber 1997, with a forget gate; Keras's
// formulation): over a sequence [time, features] per sample,
//   z = x_t · kernel + h · recurrent_kernel + bias      (gates i, f, c, o)
//   c' = f(z_f) * c + i(z_i) * g(z_c),   h' = o(z_o) * g(c')
// with f = recurrentActivation, g = activation. Weights in Keras's layout
// (kernel [features, 4u], recurrent_kernel [u, 4u], bias [4u], gate order
// i, f, c, o), so Keras / TensorFlow.js files load unchanged.
//
// Forward: the input projection of every time step is one GEMM into
// zx [batch, time, 4u]; each step adds h · recurrent_kernel into its rows
// of zx (a strided GEMM with beta 1) and one pass applies the gates in place
// and updates c and h. Backward through time walks the steps in reverse,
// turning zx's gates into the gradients of their pre-activations in place;
// then the weight and input gradients are three GEMMs over all steps.
// dropout / recurrentDropout (training only): recurrent_math.h's masks; the
// masked state goes into hPrev (only the GEMMs read it), the unmasked h out.
// An input mask (masking, embedding maskZero): recurrent_math.h's masked
// recurrence, the carried state kept unmasked by recurrentDropout in hNow.
// An initial state (inputs 1 and 2: h and c, [u] each; Keras's
// initial_state) starts the recurrence instead of zeros and gets its
// gradients in backward.
// returnState (Keras's): the output packs the final h and c after it
// (recurrent_math.h's RecurrentOutput); their gradients start backward's dh, dc.
#include <algorithm>
#include <stdexcept>

#include "../gemm.h"
#include "recurrent_math.h"
#include "registry.h"

namespace tf {

namespace {
class Lstm final : public Layer {
 public:
  explicit Lstm(const Config& c)
      : units_(c.integer("units", 0, 0, int64_t{1} << 31)),
        act_(recurrentActivationOption(c, "lstm", "activation", Activation::Tanh)),
        recAct_(recurrentActivationOption(c, "lstm", "recurrentActivation", Activation::Sigmoid)),
        returnSequences_(c.flag("returnSequences", false)),
        returnState_(c.flag("returnState", false)),
        goBackwards_(c.flag("goBackwards", false)),
        useBias_(c.flag("useBias", true)),
        trainable_(c.flag("trainable", true)),
        zeroOutputForMask_(c.flag("zeroOutputForMask", false)),
        drop_(c, "lstm") {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    checkRecurrentInput("lstm", in, units_, 2);
    return layout(in[0][0]).shape();
  }
  Shape outputMaskPositions() const override { return layout(steps()).maskPositions(); }
  MaskFlow outputMask(const std::vector<bool>&) const override { return returnSequences_ ? MaskFlow::Pass : MaskFlow::None; }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"kernel", {features(), 4 * units_}, trainable_},
                              {"recurrent_kernel", {units_, 4 * units_}, trainable_}};
    if (useBias_) w.push_back({"bias", {4 * units_}, trainable_});
    return w;
  }
  // zx: the gates of every step [batch, time, 4u]; hPrev, cPrev: the state
  // each step started from [batch, time, u]; gc: g(c') of each step
  // [batch, time, u]; then [batch, u] each: the last h and c, dh, dc; and
  // one sample's gate gradients [4u]; the dropout's masked inputs and masks
  // (empty without dropout); hNow [batch, u], each sample's state under an
  // input mask (backward: the carried dh), then each sample's first kept step [batch].
  ScratchSizes scratchSizes(int64_t batch) const override {
    const int64_t bt = batch * steps(), u = units_;
    return {bt * 4 * u, bt * u, bt * u, bt * u, batch * u, batch * u, batch * u, batch * u, 4 * u,
            drop_.maskedInputSize(batch, steps(), features()), drop_.masksSize(batch, features(), u), batch * (u + 1)};
  }
  int usefulThreads(int64_t batch) const override {
    return std::max(threadsForGemm(std::max<int64_t>(batch * steps(), 1), 4 * units_, features()),
                    threadsForGemm(std::max<int64_t>(batch, 1), 4 * units_, units_));
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override { run(io, w, false); }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    if (drop_.any()) drop_.begin(rng, io.in[0], io.batch, steps(), features(), units_, io.scratch[10], io.scratch[9]);
    run(io, w, drop_.any());
  }

  // `masked`: a training pass with dropout, whose masks begin() drew.
  void run(const ForwardIo& io, const NodeWeights& w, bool masked) const {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_, G = 4 * U;
    const RecurrentOutput out = layout(T);
    const float* x = masked && drop_.input() ? io.scratch[9] : io.in[0];
    const float* hMask = masked && drop_.state() ? io.scratch[10] + B * F : nullptr;
    float *zx = io.scratch[0], *hPrev = io.scratch[1], *cPrev = io.scratch[2], *gc = io.scratch[3];
    float *hLast = io.scratch[4], *cLast = io.scratch[5];
    const MaskByte* m = io.mask();
    float* hNow = io.scratch[11];
    float* first = io.scratch[11] + B * U;
    const float* h0 = hasInitialState() ? io.in[1] : nullptr;
    const float* c0in = hasInitialState() ? io.in[2] : nullptr;
    if (m) {
      if (h0) std::copy(h0, h0 + B * U, hNow);
      else std::fill(hNow, hNow + B * U, 0.f);
      firstKeptSteps(m, B, T, goBackwards_, first);
    }
    const float* kernel = w.value(0);
    const float* rec = w.value(1);
    float beta = 0.f;
    if (useBias_) {
      const float* bias = w.value(2);
      for (int64_t r = 0; r < B * T; ++r) std::copy(bias, bias + G, zx + r * G);
      beta = 1.f;
    }
    sgemm(false, false, B * T, G, F, 1.f, x, F, kernel, G, beta, zx, G);
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = time(s);
      float* hp = hPrev + t * U;  // row b at hp + b * T * U
      float* cp = cPrev + t * U;
      if (s == 0) {
        for (int64_t b = 0; b < B; ++b) {
          float *hr = hp + b * T * U, *cr = cp + b * T * U;
          if (!h0) {
            std::fill(hr, hr + U, 0.f);
            std::fill(cr, cr + U, 0.f);
            continue;
          }
          for (int64_t j = 0; j < U; ++j) hr[j] = h0[b * U + j] * (hMask ? hMask[b * U + j] : 1.f);
          std::copy(c0in + b * U, c0in + (b + 1) * U, cr);
        }
      }
      if (s > 0 || h0) sgemm(false, false, B, G, U, 1.f, hp, T * U, rec, G, 1.f, zx + t * G, T * G);
      // Where this step's h and c go: the next step's starting state, or the last.
      const bool last = s == T - 1;
      const int64_t tn = last ? 0 : time(s + 1);
      for (int64_t b = 0; b < B; ++b) {
        float* z = zx + (b * T + t) * G;
        recurrentActivate(recAct_, z, 2 * U);  // i, f
        recurrentActivate(act_, z + 2 * U, U);
        recurrentActivate(recAct_, z + 3 * U, U);
        const float* c0 = cp + b * T * U;
        float* cn = last ? cLast + b * U : cPrev + (b * T + tn) * U;
        float* hn = last ? hLast + b * U : hPrev + (b * T + tn) * U;
        float* g = gc + (b * T + t) * U;
        for (int64_t j = 0; j < U; ++j) {
          cn[j] = z[U + j] * c0[j] + z[j] * z[2 * U + j];
          g[j] = cn[j];
        }
        recurrentActivate(act_, g, U);
        for (int64_t j = 0; j < U; ++j) hn[j] = z[3 * U + j] * g[j];
        const bool skip = maskedStep(m, b, T, t);
        if (skip) {
          std::copy(c0, c0 + U, cn);
          std::copy(hNow + b * U, hNow + (b + 1) * U, hn);
        } else if (m) {
          std::copy(hn, hn + U, hNow + b * U);
        }
        const bool zeroOut = skip && (zeroOutputForMask_ || static_cast<float>(s) < first[b]);
        if (returnSequences_ || last) {
          float* o = out.row(io.out, b, s);
          if (zeroOut) std::fill(o, o + U, 0.f);
          else std::copy(hn, hn + U, o);
        }
        if (last && returnState_) {
          std::copy(hn, hn + U, out.state(io.out, b, 0));
          std::copy(cn, cn + U, out.state(io.out, b, 1));
        }
        if (hMask && !last)
          for (int64_t j = 0; j < U; ++j) hn[j] *= hMask[b * U + j];
      }
    }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_, G = 4 * U;
    const RecurrentOutput out = layout(T);
    float *zx = io.scratch[0], *hPrev = io.scratch[1], *cPrev = io.scratch[2], *gc = io.scratch[3];
    float *dh = io.scratch[6], *dc = io.scratch[7], *dz = io.scratch[8];
    const float* rec = w.value(1);
    // Backward follows a training forward: with dropout, its masks are in scratch.
    const float* x = drop_.input() ? io.scratch[9] : io.in[0];
    const float* hMask = drop_.state() ? io.scratch[10] + B * F : nullptr;
    const MaskByte* m = io.mask();
    float* carry = io.scratch[11];
    const float* first = io.scratch[11] + B * U;
    const bool init = hasInitialState();
    std::fill(dh, dh + B * U, 0.f);
    std::fill(dc, dc + B * U, 0.f);
    if (returnState_)  // the final state's gradients: where the recurrence's ends
      for (int64_t b = 0; b < B; ++b) {
        std::copy(out.state(io.dOut, b, 0), out.state(io.dOut, b, 0) + U, dh + b * U);
        std::copy(out.state(io.dOut, b, 1), out.state(io.dOut, b, 1) + U, dc + b * U);
      }
    for (int64_t s = T - 1; s >= 0; --s) {
      const int64_t t = time(s);
      for (int64_t b = 0; b < B; ++b) {
        float* z = zx + (b * T + t) * G;  // gates in, pre-activation gradients out
        float* dhb = dh + b * U;
        float* dcb = dc + b * U;
        const float* c0 = cPrev + (b * T + t) * U;
        const float* g = gc + (b * T + t) * U;
        const bool skip = maskedStep(m, b, T, t);
        const bool zeroOut = skip && (zeroOutputForMask_ || static_cast<float>(s) < first[b]);
        if (returnSequences_) {
          const float* d = out.row(io.dOut, b, s);
          if (!zeroOut)
            for (int64_t j = 0; j < U; ++j) dhb[j] += d[j];
        } else if (s == T - 1 && !zeroOut) {
          const float* d = out.row(io.dOut, b, 0);
          for (int64_t j = 0; j < U; ++j) dhb[j] += d[j];
        }
        if (skip) {  // h and c pass through; the step's gates get nothing
          std::fill(z, z + G, 0.f);
          continue;
        }
        // dh -> d o and d g(c') -> dc (with the dc the step after sent back).
        for (int64_t j = 0; j < U; ++j) {
          dz[3 * U + j] = dhb[j] * g[j];
          dhb[j] *= z[3 * U + j];
        }
        recurrentActivationGrad(act_, g, dhb, dhb, U);
        for (int64_t j = 0; j < U; ++j) {
          const float d = dcb[j] + dhb[j];
          dz[j] = d * z[2 * U + j];  // d i
          dz[U + j] = d * c0[j];      // d f
          dz[2 * U + j] = d * z[j];   // d c~
          dcb[j] = d * z[U + j];      // dc of the step before
        }
        // Through the gates' activations, from the values zx held, into zx.
        recurrentActivationGrad(recAct_, z, dz, z, 2 * U);
        recurrentActivationGrad(act_, z + 2 * U, dz + 2 * U, z + 2 * U, U);
        recurrentActivationGrad(recAct_, z + 3 * U, dz + 3 * U, z + 3 * U, U);
      }
      // dh for the step before: dz · recurrent_kernelᵀ (before the first step: the initial state, if given).
      if (s > 0 || init) {
        if (m) keepCarried(m, B, T, t, U, dh, carry);
        sgemm(false, true, B, U, G, 1.f, zx + t * G, T * G, rec, G, 0.f, dh, U);
        if (hMask)
          for (int64_t k = 0; k < B * U; ++k) dh[k] *= hMask[k];
        if (m) restoreCarried(m, B, T, t, U, carry, dh);
      }
    }
    // Over all steps at once: dKernel = xᵀ dz, dRecurrent = hPrevᵀ dz, dBias = Σ dz, dx = dz kernelᵀ.
    if (trainable_) {
      sgemm(true, false, F, G, B * T, 1.f, x, F, zx, G, 0.f, w.grad(0), G);
      sgemm(true, false, U, G, B * T, 1.f, hPrev, U, zx, G, 0.f, w.grad(1), G);
      if (useBias_) {
        float* db = w.grad(2);
        std::fill(db, db + G, 0.f);
        for (int64_t r = 0; r < B * T; ++r)
          for (int64_t k = 0; k < G; ++k) db[k] += zx[r * G + k];
      }
    }
    if (io.dIn[0]) {
      sgemm(false, true, B * T, F, G, 1.f, zx, G, w.value(0), G, 0.f, io.dIn[0], F);
      if (drop_.input()) maskInputGradient(io.dIn[0], io.scratch[10], B, T, F);
    }
    if (init && io.dIn[1]) std::copy(dh, dh + B * U, io.dIn[1]);
    if (init && io.dIn[2]) std::copy(dc, dc + B * U, io.dIn[2]);
  }

 private:
  int64_t units_;
  Activation act_, recAct_;
  bool returnSequences_, returnState_, goBackwards_, useBias_, trainable_, zeroOutputForMask_;
  RecurrentDropout drop_;

  RecurrentOutput layout(int64_t steps) const { return {steps, units_, returnState_ ? 2 : 0, returnSequences_}; }

  int64_t steps() const { return inputShapes()[0][0]; }
  bool hasInitialState() const { return inputShapes().size() > 1; }
  int64_t time(int64_t s) const { return goBackwards_ ? steps() - 1 - s : s; }
};
}  // namespace

std::unique_ptr<Layer> makeLstmLayer(const Config& c) { return std::make_unique<Lstm>(c); }

}  // namespace tf
