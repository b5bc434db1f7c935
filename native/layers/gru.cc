// GRU (Cho et al. 2014; Keras's formulation) over a sequence [time,
// features] per sample, gates z, r, h in Keras's order:
//   z = f(x W_z + h R_z + b),  r = f(x W_r + h R_r + b)
//   resetAfter (Keras 3's default, cuDNN's):  hh = g(x W_h + b_x + r * (h R_h + b_h))
//   otherwise (Keras 2, TensorFlow.js):        hh = g(x W_h + (r * h) R_h + b)
//   h' = z * h + (1 - z) * hh
// Weights in Keras's layout: kernel [features, 3u], recurrent_kernel
// [u, 3u], bias [2, 3u] (input row, recurrent row) with resetAfter, else [3u].
// As lstm.cc: the input projection of all steps is one GEMM into zx, each
// step adds its recurrent GEMM, one pass applies the gates in place, and
// backward through time turns the saved gates into pre-activation gradients
// for GEMMs over all steps.
// dropout / recurrentDropout (training only): recurrent_math.h's masks; the
// masked state hm feeds the recurrent products, the unmasked one z * h.
// An input mask (masking, embedding maskZero): recurrent_math.h's masked
// recurrence; hPrev holds the unmasked state, so a skipped step copies it on.
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
class Gru final : public Layer {
 public:
  explicit Gru(const Config& c)
      : units_(c.integer("units", 0, 0, int64_t{1} << 31)),
        act_(recurrentActivationOption(c, "gru", "activation", Activation::Tanh)),
        recAct_(recurrentActivationOption(c, "gru", "recurrentActivation", Activation::Sigmoid)),
        returnSequences_(c.flag("returnSequences", false)),
        returnState_(c.flag("returnState", false)),
        goBackwards_(c.flag("goBackwards", false)),
        useBias_(c.flag("useBias", true)),
        resetAfter_(c.flag("resetAfter", true)),
        trainable_(c.flag("trainable", true)),
        zeroOutputForMask_(c.flag("zeroOutputForMask", false)),
        drop_(c, "gru") {}

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    checkRecurrentInput("gru", in, units_, 1);
    return layout(in[0][0]).shape();
  }
  Shape outputMaskPositions() const override { return layout(steps()).maskPositions(); }
  MaskFlow outputMask(const std::vector<bool>&) const override { return returnSequences_ ? MaskFlow::Pass : MaskFlow::None; }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"kernel", {features(), 3 * units_}, trainable_},
                              {"recurrent_kernel", {units_, 3 * units_}, trainable_}};
    if (useBias_) w.push_back({"bias", resetAfter_ ? Shape{2, 3 * units_} : Shape{3 * units_}, trainable_});
    return w;
  }
  // zx [batch, time, 3u]: x W + b, then the gates z, r, hh; hPrev [batch, time, u];
  // rh: h R + b_h [batch, time, 3u] (resetAfter) or r * h [batch, time, u];
  // then the last h, dh [batch, u], and per-step gradients [batch, 3u]; the
  // dropout's masked inputs and masks, and with recurrentDropout the masked
  // state hm [batch, time, u] and dh's direct part [batch, u] (all empty
  // without); each sample's first kept step under an input mask [batch].
  ScratchSizes scratchSizes(int64_t batch) const override {
    const int64_t bt = batch * steps(), u = units_, hm = drop_.state() ? 1 : 0;
    return {bt * 3 * u, bt * u, bt * (resetAfter_ ? 3 : 1) * u, batch * u, batch * u, batch * 3 * u,
            drop_.maskedInputSize(batch, steps(), features()), drop_.masksSize(batch, features(), u), hm * bt * u, hm * batch * u, batch};
  }
  int usefulThreads(int64_t batch) const override {
    return std::max(threadsForGemm(std::max<int64_t>(batch * steps(), 1), 3 * units_, features()),
                    threadsForGemm(std::max<int64_t>(batch, 1), 3 * units_, units_));
  }

  void forward(const ForwardIo& io, const NodeWeights& w) const override { run(io, w, false); }
  void forwardTraining(const ForwardIo& io, const NodeWeights& w, Rng* rng) override {
    if (drop_.any()) drop_.begin(rng, io.in[0], io.batch, steps(), features(), units_, io.scratch[7], io.scratch[6]);
    run(io, w, drop_.any());
  }

  // `masked`: a training pass with dropout, whose masks begin() drew.
  void run(const ForwardIo& io, const NodeWeights& w, bool masked) const {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_, G = 3 * U;
    const RecurrentOutput out = layout(T);
    float *zx = io.scratch[0], *hPrev = io.scratch[1], *rh = io.scratch[2], *hLast = io.scratch[3];
    const float* x = masked && drop_.input() ? io.scratch[6] : io.in[0];
    const float* hMask = masked && drop_.state() ? io.scratch[7] + B * F : nullptr;
    float* hm = hMask ? io.scratch[8] : hPrev;  // the state the recurrent products read
    const MaskByte* m = io.mask();
    float* first = io.scratch[10];
    if (m) firstKeptSteps(m, B, T, goBackwards_, first);
    const float* init = hasInitialState() ? io.in[1] : nullptr;
    const float* rec = w.value(1);
    const float* bias = useBias_ ? w.value(2) : nullptr;
    if (bias)
      for (int64_t r = 0; r < B * T; ++r) std::copy(bias, bias + G, zx + r * G);
    sgemm(false, false, B * T, G, F, 1.f, x, F, w.value(0), G, bias ? 1.f : 0.f, zx, G);
    const int64_t rw = resetAfter_ ? G : U;  // row width of rh
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = time(s);
      float* hp = hPrev + t * U;
      if (s == 0)
        for (int64_t b = 0; b < B; ++b) {
          if (init) std::copy(init + b * U, init + (b + 1) * U, hp + b * T * U);
          else std::fill(hp + b * T * U, hp + b * T * U + U, 0.f);
        }
      float* hmp = hm + t * U;
      if (hMask)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < U; ++j) hmp[b * T * U + j] = hp[b * T * U + j] * hMask[b * U + j];
      if (resetAfter_) {
        // rh = h R + b_h (the recurrent bias row).
        for (int64_t b = 0; b < B; ++b) {
          float* row = rh + (b * T + t) * G;
          if (bias) std::copy(bias + G, bias + 2 * G, row);
          else std::fill(row, row + G, 0.f);
        }
        if (s > 0 || init) sgemm(false, false, B, G, U, 1.f, hmp, T * U, rec, G, 1.f, rh + t * G, T * G);
      } else if (s > 0 || init) {
        sgemm(false, false, B, 2 * U, U, 1.f, hmp, T * U, rec, G, 1.f, zx + t * G, T * G);
      }
      for (int64_t b = 0; b < B; ++b) {
        float* z = zx + (b * T + t) * G;
        const float* h0 = hmp + b * T * U;
        float* q = rh + (b * T + t) * rw;
        if (resetAfter_)
          for (int64_t k = 0; k < 2 * U; ++k) z[k] += q[k];
        recurrentActivate(recAct_, z, 2 * U);
        if (resetAfter_) {
          for (int64_t j = 0; j < U; ++j) z[2 * U + j] += z[U + j] * q[2 * U + j];
        } else {
          for (int64_t j = 0; j < U; ++j) q[j] = z[U + j] * h0[j];
        }
      }
      if (!resetAfter_ && (s > 0 || init)) sgemm(false, false, B, U, U, 1.f, rh + t * U, T * U, rec + 2 * U, G, 1.f, zx + t * G + 2 * U, T * G);
      const bool last = s == T - 1;
      const int64_t tn = last ? 0 : time(s + 1);
      for (int64_t b = 0; b < B; ++b) {
        float* z = zx + (b * T + t) * G;
        recurrentActivate(act_, z + 2 * U, U);
        const float* h0 = hp + b * T * U;
        float* hn = last ? hLast + b * U : hPrev + (b * T + tn) * U;
        const bool skip = maskedStep(m, b, T, t);
        if (skip) std::copy(h0, h0 + U, hn);
        else
          for (int64_t j = 0; j < U; ++j) hn[j] = z[j] * h0[j] + (1.f - z[j]) * z[2 * U + j];
        const bool zeroOut = skip && (zeroOutputForMask_ || static_cast<float>(s) < first[b]);
        if (returnSequences_ || last) {
          float* o = out.row(io.out, b, s);
          if (zeroOut) std::fill(o, o + U, 0.f);
          else std::copy(hn, hn + U, o);
        }
        if (last && returnState_) std::copy(hn, hn + U, out.state(io.out, b, 0));
      }
    }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const int64_t B = io.batch, T = steps(), F = features(), U = units_, G = 3 * U;
    const RecurrentOutput out = layout(T);
    float *zx = io.scratch[0], *hPrev = io.scratch[1], *rh = io.scratch[2];
    float *dh = io.scratch[4], *tmp = io.scratch[5];
    const float* rec = w.value(1);
    // Backward follows a training forward: with dropout, its masks are in scratch.
    const float* x = drop_.input() ? io.scratch[6] : io.in[0];
    const float* hMask = drop_.state() ? io.scratch[7] + B * F : nullptr;
    const float* hm = hMask ? io.scratch[8] : hPrev;
    float* direct = io.scratch[9];
    const MaskByte* m = io.mask();
    const float* first = io.scratch[10];
    const bool init = hasInitialState();
    std::fill(dh, dh + B * U, 0.f);
    if (returnState_)  // the final state's gradient: where the recurrence's ends
      for (int64_t b = 0; b < B; ++b) std::copy(out.state(io.dOut, b, 0), out.state(io.dOut, b, 0) + U, dh + b * U);
    for (int64_t s = T - 1; s >= 0; --s) {
      const int64_t t = time(s);
      // Pass 1: dh -> dz (raw, in tmp), d pre-hh (into zx's hh), and dh's direct part (z * dh).
      for (int64_t b = 0; b < B; ++b) {
        float* z = zx + (b * T + t) * G;
        float* dhb = dh + b * U;
        float* d = tmp + b * G;
        const float* h0 = hPrev + (b * T + t) * U;
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
        if (skip) {  // h passes through; zero gate gradients make every product below add nothing
          std::fill(d, d + G, 0.f);
          continue;
        }
        for (int64_t j = 0; j < U; ++j) {
          const float zj = z[j], hh = z[2 * U + j];
          d[j] = dhb[j] * (h0[j] - hh);
          d[2 * U + j] = dhb[j] * (1.f - zj);
          dhb[j] *= zj;
        }
        recurrentActivationGrad(act_, z + 2 * U, d + 2 * U, d + 2 * U, U);  // d pre-hh, kept in tmp until r is used
      }
      // With recurrentDropout, what flows back through the recurrent products
      // reaches h through its mask: gather it apart from z * dh.
      if (hMask) {
        std::copy(dh, dh + B * U, direct);
        std::fill(dh, dh + B * U, 0.f);
      }
      if (resetAfter_) {
        for (int64_t b = 0; b < B; ++b) {
          float* z = zx + (b * T + t) * G;
          float* q = rh + (b * T + t) * G;
          float* d = tmp + b * G;
          for (int64_t j = 0; j < U; ++j) {
            const float dp = d[2 * U + j];
            d[U + j] = dp * q[2 * U + j];  // dr
            q[2 * U + j] = dp * z[U + j];  // d(h R_h + b_h)
            z[2 * U + j] = dp;
          }
          recurrentActivationGrad(recAct_, z, d, z, 2 * U);
          std::copy(z, z + 2 * U, q);  // the z and r rows of h R get the same gradients
        }
        if (s > 0 || init) sgemm(false, true, B, U, G, 1.f, rh + t * G, T * G, rec, G, 1.f, dh, U);
      } else {
        for (int64_t b = 0; b < B; ++b) std::copy(tmp + b * G + 2 * U, tmp + b * G + 3 * U, zx + (b * T + t) * G + 2 * U);
        // d(r * h) = d pre-hh · R_hᵀ, into tmp's hh part.
        sgemm(false, true, B, U, U, 1.f, zx + t * G + 2 * U, T * G, rec + 2 * U, G, 0.f, tmp + 2 * U, G);
        for (int64_t b = 0; b < B; ++b) {
          float* z = zx + (b * T + t) * G;
          float* d = tmp + b * G;
          float* dhb = dh + b * U;
          const float* h0 = hm + (b * T + t) * U;
          for (int64_t j = 0; j < U; ++j) {
            d[U + j] = d[2 * U + j] * h0[j];  // dr
            dhb[j] += d[2 * U + j] * z[U + j];
          }
          recurrentActivationGrad(recAct_, z, d, z, 2 * U);
        }
        if (s > 0 || init) sgemm(false, true, B, U, 2 * U, 1.f, zx + t * G, T * G, rec, G, 1.f, dh, U);
      }
      if (hMask)
        for (int64_t k = 0; k < B * U; ++k) dh[k] = direct[k] + dh[k] * hMask[k];
    }
    if (trainable_) {
      sgemm(true, false, F, G, B * T, 1.f, x, F, zx, G, 0.f, w.grad(0), G);
      float* dr = w.grad(1);
      if (resetAfter_) {
        sgemm(true, false, U, G, B * T, 1.f, hm, U, rh, G, 0.f, dr, G);
      } else {
        sgemm(true, false, U, 2 * U, B * T, 1.f, hm, U, zx, G, 0.f, dr, G);
        sgemm(true, false, U, U, B * T, 1.f, rh, U, zx + 2 * U, G, 0.f, dr + 2 * U, G);
      }
      if (useBias_) {
        float* db = w.grad(2);
        std::fill(db, db + (resetAfter_ ? 2 : 1) * G, 0.f);
        for (int64_t r = 0; r < B * T; ++r)
          for (int64_t k = 0; k < G; ++k) db[k] += zx[r * G + k];
        if (resetAfter_)
          for (int64_t r = 0; r < B * T; ++r)
            for (int64_t k = 0; k < G; ++k) db[G + k] += rh[r * G + k];
      }
    }
    if (io.dIn[0]) {
      sgemm(false, true, B * T, F, G, 1.f, zx, G, w.value(0), G, 0.f, io.dIn[0], F);
      if (drop_.input()) maskInputGradient(io.dIn[0], io.scratch[7], B, T, F);
    }
    if (init && io.dIn[1]) std::copy(dh, dh + B * U, io.dIn[1]);
  }

 private:
  int64_t units_;
  Activation act_, recAct_;
  bool returnSequences_, returnState_, goBackwards_, useBias_, resetAfter_, trainable_, zeroOutputForMask_;
  RecurrentDropout drop_;

  RecurrentOutput layout(int64_t steps) const { return {steps, units_, returnState_ ? 1 : 0, returnSequences_}; }

  int64_t steps() const { return inputShapes()[0][0]; }
  bool hasInitialState() const { return inputShapes().size() > 1; }
  int64_t time(int64_t s) const { return goBackwards_ ? steps() - 1 - s : s; }
};
}  // namespace

std::unique_ptr<Layer> makeGruLayer(const Config& c) { return std::make_unique<Gru>(c); }

}  // namespace tf
