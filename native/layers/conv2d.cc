// Conv2D (and Conv1D, as one row of pixels) over NHWC samples with a kernel in TensorFlow's HWIO layout
// [kh, kw, inChannels, filters], through the GEMM:
//   forward  col = im2col(x) [rows = batch * outH * outW, K = kh * kw * inC];
//            z = col · kernel (+ bias in C), activation in one pass (as Dense)
//   backward dKernel = colᵀ · dZ, dBias = column sums of dZ,
//            dCol = dZ · kernelᵀ, dX = col2im(dCol)
// The kernel read as a [K, filters] matrix is HWIO flattened row-major, so the
// im2col row order (ky, kx, c) needs no transposed copy of it. A 1x1 kernel at
// stride 1 without padding reads x itself as col. A linear or relu layer of
// depth K <= kDirectDepth (a 3x3 kernel over one channel) skips the GEMM for
// conv2d_direct.h's kernels, where a K = 9 product was memory passes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "../gemm.h"
#include "../simd.h"
#include "activation_math.h"
#include "conv2d_direct.h"
#include "registry.h"
#include "im2col.h"
#include "kernel_regularizer.h"
#include "window2d.h"

namespace tf {

namespace {

// out = act(out + bias) row by row, in one pass over the GEMM's output, for
// the activations whose gradient the output alone gives (linear, relu).
TF_SIMD_CLONES void biasReluRows(float* __restrict y, const float* __restrict bias, int64_t rows, int64_t F, bool relu) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict yr = y + r * F;
    if (relu) {
      for (int64_t c = 0; c < F; ++c) yr[c] = std::max(yr[c] + (bias ? bias[c] : 0.f), 0.f);
    } else if (bias) {
      for (int64_t c = 0; c < F; ++c) yr[c] += bias[c];
    }
  }
}

// dZ = dY * relu'(z) (y > 0 exactly where z > 0) and, when db is set, its column sums added to db, in one pass.
TF_SIMD_CLONES void reluGradBiasSum(const float* __restrict y, float* __restrict dy, float* __restrict db, int64_t rows,
                                    int64_t F, bool relu) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict yr = y + r * F;
    float* __restrict d = dy + r * F;
    if (relu)
      for (int64_t c = 0; c < F; ++c) d[c] = yr[c] > 0.f ? d[c] : 0.f;
    if (db)
      for (int64_t c = 0; c < F; ++c) db[c] += d[c];
  }
}

class Conv2d final : public Layer {
 public:
  // conv1d is this layer over [steps, channels] read as [1, steps, channels],
  // its kernel [k, inC, filters] the HWIO one with kh = 1 (TensorFlow does the same).
  Conv2d(const Config& c, bool oneD)
      : name_(oneD ? "conv1d" : "conv2d"),
        oneD_(oneD),
        filters_(c.integer("filters", 0, 0, int64_t{1} << 31)),
        win_(readWindow2d(c, name_, "kernelSize", true)),
        useBias_(c.flag("useBias", true)),
        act_(activationOption(c)),
        param_(c.real("activationParam", 0)),
        l1_(c.real("l1", 0)),
        l2_(c.real("l2", 0)),
        trainable_(c.flag("trainable", true)) {
    if (filters_ <= 0 || filters_ > (int64_t{1} << 24)) throw std::invalid_argument(std::string(name_) + ": filters must be in [1, 2^24]");
    win_.causal = oneD && c.flag("causal", false);
    if (oneD && win_.kh != 1) throw std::invalid_argument("conv1d: kernelSize must be [1, k]");
    if (win_.causal && win_.same) throw std::invalid_argument("conv1d: padding is either same or causal");
  }

  Shape computeOutputShape(const std::vector<Shape>& in) const override {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(in, oneD_, name_), name_);
    if (g.kh * g.kw * g.channels > (int64_t{1} << 31) / filters_) throw std::invalid_argument(std::string(name_) + ": kernel too large");
    // One sample's im2col rows, bounded so that workspace sizes stay far from int64 overflow.
    if (g.outH * g.outW > (int64_t{1} << 40) / (g.kh * g.kw * g.channels))
      throw std::invalid_argument(std::string(name_) + ": the im2col rows of one sample of " + showShape(in[0]) + " would exceed 2^40 floats");
    if (oneD_) return {g.outW, filters_};
    return {g.outH, g.outW, filters_};
  }
  std::vector<WeightDecl> weights() const override {
    std::vector<WeightDecl> w{{"kernel", oneD_ ? Shape{win_.kw, features(), filters_} : Shape{win_.kh, win_.kw, features(), filters_}, trainable_}};
    if (useBias_) w.push_back({"bias", {filters_}, trainable_});
    return w;
  }
  // [0] im2col (also dCol in backward), [1] the pre-activation when its gradient needs it.
  ScratchSizes scratchSizes(int64_t batch) const override {
    const Window2d g = placed();
    return {direct(g) || shallow(g) ? 0 : rowsOf(g, batch) * depth(g), keepsZ() ? outSize(batch) : 0};
  }
  Activation outputActivation() const override { return act_; }
  int usefulThreads(int64_t batch) const override {
    const Window2d g = placed();
    if (shallow(g)) return 1;
    return threadsForGemm(std::max<int64_t>(rowsOf(g, batch), 1), filters_, depth(g));
  }

  // Both passes go through the batch a few samples at a time, so each chunk's
  // im2col rows and outputs are still in cache when the GEMM and the passes
  // after it read them (batch 128 ran at ~1/3 of batch 32's GFLOP/s unchunked).
  void forward(const ForwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t per = rowsOf(g, 1), K = depth(g), F = filters_, inSample = g.inH * g.inW * g.channels;
    const float* bias = useBias_ ? w.value(1) : nullptr;
    const bool relu = act_ == Activation::Relu && !io.logits;
    if (shallow(g)) return convDirectForward(g, io.batch, io.in[0], w.value(0), bias, F, relu, io.out);
    for (int64_t s0 = 0, chunk = chunkOf(g, io.batch); s0 < io.batch; s0 += chunk) {
      const int64_t m = std::min(chunk, io.batch - s0), n = m * per;
      const float* col = io.in[0] + s0 * inSample;
      if (!direct(g)) {
        float* c = io.scratch[0] + s0 * per * K;
        im2col(g, m, col, c);
        col = c;
      }
      float* out = io.out + s0 * per * F;
      if (!keepsZ()) {
        // Linear or relu: the GEMM writes the output, one pass adds the bias and applies the activation.
        sgemm(false, false, n, F, K, 1.f, col, K, w.value(0), F, 0.f, out, F);
        if (bias || relu) biasReluRows(out, bias, n, F, relu);
        continue;
      }
      float* z = io.scratch[1] + s0 * per * F;
      sgemm(false, false, n, F, K, 1.f, col, K, w.value(0), F, 0.f, z, F);
      if (bias) biasReluRows(z, bias, n, F, false);
      if (!io.logits) applyActivation(act_, param_, z, out, n, F);
      else std::copy(z, z + n * F, out);
    }
  }

  void backward(const BackwardIo& io, const NodeWeights& w) const override {
    const Window2d g = placed();
    const int64_t per = rowsOf(g, 1), K = depth(g), F = filters_, inSample = g.inH * g.inW * g.channels;
    float* db = useBias_ && trainable_ ? w.grad(1) : nullptr;
    if (db) std::fill(db, db + F, 0.f);
    if (shallow(g))
      return convDirectBackward(g, io.batch, io.in[0], io.out, io.dOut, w.value(0), F, act_ == Activation::Relu && !io.logits,
                                trainable_ ? w.grad(0) : nullptr, db, io.dIn[0]);
    for (int64_t s0 = 0, chunk = chunkOf(g, io.batch); s0 < io.batch; s0 += chunk) {
      const int64_t m = std::min(chunk, io.batch - s0), n = m * per;
      float* dy = io.dOut + s0 * per * F;
      const float* out = io.out + s0 * per * F;
      if (keepsZ() && !io.logits) {
        applyActivationGrad(act_, param_, io.scratch[1] + s0 * per * F, out, dy, dy, n, F);
        reluGradBiasSum(out, dy, db, n, F, false);
      } else {
        reluGradBiasSum(out, dy, db, n, F, act_ == Activation::Relu && !io.logits);
      }
      // forward left im2col(x) in scratch[0]; dKernel reads the chunk's rows before dCol overwrites them.
      float* col = direct(g) ? nullptr : io.scratch[0] + s0 * per * K;
      const float* a = direct(g) ? io.in[0] + s0 * inSample : col;
      if (trainable_) sgemm(true, false, K, F, n, 1.f, a, K, dy, F, s0 == 0 ? 0.f : 1.f, w.grad(0), F);
      if (!io.dIn[0]) continue;
      float* dx = io.dIn[0] + s0 * inSample;
      if (direct(g)) {
        sgemm(false, true, n, K, F, 1.f, dy, F, w.value(0), F, 0.f, dx, K);
        continue;
      }
      sgemm(false, true, n, K, F, 1.f, dy, F, w.value(0), F, 0.f, col, K);
      col2im(g, m, col, dx);
    }
  }

  double regularization(const NodeWeights& w, bool withGradients) const override {
    return kernelRegularization(l1_, l2_, trainable_, w, withGradients);
  }

  bool splitsByRows() const override { return true; }
 private:
  Window2d placed() const {
    Window2d g = win_;
    placeWindow2d(g, windowInputs(inputShapes(), oneD_, name_), name_);
    return g;
  }
  // Whether backward needs the pre-activation z (activations other than linear and relu).
  bool keepsZ() const { return act_ != Activation::Linear && act_ != Activation::Relu; }
  // Samples per chunk: about 1 MiB of im2col rows and outputs.
  int64_t chunkOf(const Window2d& g, int64_t batch) const {
    const int64_t perSample = std::max<int64_t>(rowsOf(g, 1) * (depth(g) + filters_), 1);
    return std::clamp<int64_t>((int64_t{1} << 18) / perSample, 1, std::max<int64_t>(batch, 1));
  }
  static int64_t rowsOf(const Window2d& g, int64_t batch) { return batch * g.outH * g.outW; }
  static int64_t depth(const Window2d& g) { return g.kh * g.kw * g.channels; }
  // col is x itself: every output pixel reads the one input pixel under it.
  // Depth small enough for conv2d_direct.h (linear or relu only: the output alone gives their gradient).
  bool shallow(const Window2d& g) const { return !keepsZ() && !direct(g) && depth(g) <= kDirectDepth; }
  static bool direct(const Window2d& g) { return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0; }

  const char* name_;
  bool oneD_;
  int64_t filters_;
  Window2d win_;
  bool useBias_;
  Activation act_;
  float param_, l1_, l2_;
  bool trainable_;
};
}  // namespace

std::unique_ptr<Layer> makeConv2dLayer(const Config& c) { return std::make_unique<Conv2d>(c, false); }
std::unique_ptr<Layer> makeConv1dLayer(const Config& c) { return std::make_unique<Conv2d>(c, true); }

}  // namespace tf
