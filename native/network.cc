#include "network.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "gemm.h"
#include "memory_limit.h"

namespace tf {

namespace {
bool activationKeepsInput(Activation a) {
  return a != Activation::Linear && a != Activation::Sigmoid && a != Activation::Tanh && a != Activation::Softmax;
}
void applyActivation(Activation a, float p, const float* x, float* y, int64_t rows, int64_t cols) {
  if (a == Activation::Softmax) softmaxRows(x, y, rows, cols);
  else activationForward(a, p, x, y, rows * cols);
}
void applyActivationGrad(Activation a, float p, const float* x, const float* y, const float* dy, float* dx,
                         int64_t rows, int64_t cols) {
  if (a == Activation::Softmax) softmaxBackwardRows(y, dy, dx, rows, cols);
  else activationBackward(a, p, x, y, dy, dx, rows * cols);
}
}  // namespace

Network::Network(std::vector<LayerSpec> specs, int64_t inputSize) : specs_(std::move(specs)), inputSize_(inputSize) {
  if (specs_.empty()) throw std::invalid_argument("a model needs at least one layer");
  if (inputSize <= 0) throw std::invalid_argument("input size must be positive");
  constexpr int64_t kMaxParams = int64_t{1} << 31;
  dims_.push_back(inputSize);
  int64_t pOff = 0, sOff = 0;
  auto add = [&](int32_t layer, const char* name, bool trainable, int64_t rows, int64_t cols) {
    int64_t& off = trainable ? pOff : sOff;
    slots_.push_back({layer, name, trainable, off, rows, cols});
    off += cols ? rows * cols : rows;
    if (off > kMaxParams) throw std::invalid_argument("model has more than 2^31 parameters");
  };
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    const int64_t in = dims_.back();
    int64_t out = in;
    firstSlot_.push_back(static_cast<int32_t>(slots_.size()));
    const auto li = static_cast<int32_t>(i);
    switch (s.kind) {
      case LayerKind::Dense:
        if (s.units <= 0 || s.units > (int64_t{1} << 24)) throw std::invalid_argument("dense units out of range");
        if (in > (int64_t{1} << 31) / s.units) throw std::invalid_argument("dense kernel too large");
        out = s.units;
        add(li, "kernel", true, in, out);
        if (s.useBias) add(li, "bias", true, out, 0);
        break;
      case LayerKind::Activation:
        break;
      case LayerKind::Dropout:
        if (!(s.rate >= 0.f && s.rate < 1.f)) throw std::invalid_argument("dropout rate must be in [0, 1)");
        break;
      case LayerKind::BatchNorm:
        if (s.scale) add(li, "gamma", true, in, 0);
        if (s.center) add(li, "beta", true, in, 0);
        add(li, "moving_mean", false, in, 0);
        add(li, "moving_variance", false, in, 0);
        break;
      case LayerKind::LayerNorm:
        if (s.scale) add(li, "gamma", true, in, 0);
        if (s.center) add(li, "beta", true, in, 0);
        break;
      default:
        throw std::invalid_argument("unknown layer kind");
    }
    if (static_cast<int32_t>(slots_.size()) == firstSlot_.back()) firstSlot_.back() = -1;
    dims_.push_back(out);
  }
  if (!fitsMemoryLimit(arenaBytes(pOff, sOff)))
    throw std::length_error("the model's weights, gradients and optimizer slots need " + std::to_string(arenaBytes(pOff, sOff)) +
                            " bytes, more than the memory limit (" + std::to_string(memoryLimit()) + " bytes)");
  params_.assign(static_cast<size_t>(pOff), 0.f);
  grads_.assign(static_cast<size_t>(pOff), 0.f);
  state_.assign(static_cast<size_t>(sOff), 0.f);
  // Keras defaults: gamma = 1, moving_variance = 1 (the initializers in TS may overwrite).
  for (const WeightSlot& w : slots_) {
    if (w.name == "gamma") std::fill_n(params_.begin() + w.offset, w.size(), 1.f);
    if (w.name == "moving_variance") std::fill_n(state_.begin() + w.offset, w.size(), 1.f);
  }
  lastActiveLayer_ = static_cast<int64_t>(specs_.size()) - 1;
  layerRng_.resize(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].kind == LayerKind::Dropout && specs_[i].seed >= 0)
      layerRng_[i].reseed(static_cast<uint64_t>(specs_[i].seed));
}

std::vector<std::pair<int64_t, int64_t>> Network::trainableSegments() const {
  std::vector<std::pair<int64_t, int64_t>> segs;
  for (const WeightSlot& w : slots_)
    if (w.trainable) segs.emplace_back(w.offset, w.size());
  return segs;
}

Activation Network::outputActivation() const {
  const LayerSpec& s = specs_[lastActiveLayer_];
  if (s.kind == LayerKind::Dense || s.kind == LayerKind::Activation) return s.activation;
  return Activation::Linear;
}

void Network::prepare(Workspace& ws, int64_t batch) const {
  if (ws.batch >= batch && ws.layers.size() == specs_.size()) return;
  ws.batch = std::max<int64_t>(batch, 1);
  ws.layers.assign(specs_.size(), LayerBuffers{});
  int64_t widest = inputSize_;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    const int64_t in = dims_[i], out = dims_[i + 1];
    widest = std::max(widest, out);
    LayerBuffers& b = ws.layers[i];
    b.out.resize(static_cast<size_t>(ws.batch * out));
    if (s.kind == LayerKind::Dense && activationKeepsInput(s.activation)) b.pre.resize(static_cast<size_t>(ws.batch * out));
    if (s.kind == LayerKind::Dropout) b.aux.resize(static_cast<size_t>(ws.batch * in));
    if (s.kind == LayerKind::BatchNorm) {
      b.aux.resize(static_cast<size_t>(ws.batch * in));
      b.mean.resize(static_cast<size_t>(in));
      b.invStd.resize(static_cast<size_t>(in));
    }
    if (s.kind == LayerKind::LayerNorm) {
      b.aux.resize(static_cast<size_t>(ws.batch * in));
      b.mean.resize(static_cast<size_t>(ws.batch));
      b.invStd.resize(static_cast<size_t>(ws.batch));
    }
  }
  ws.grad[0].resize(static_cast<size_t>(ws.batch * widest));
  ws.grad[1].resize(static_cast<size_t>(ws.batch * widest));
}

int64_t Network::workspaceBytes(int64_t batch) const {
  // NOTE: mirrors prepare() (over-counting pre-activations: every Dense gets
  // one), plus one batch of input rows, targets, labels and weights that the
  // Trainer gathered before the binding took over the gather; kept so the
  // memory limit refuses what it did. Sizes are at most 2^31 rows x 2^31
  // features, so the sums below cannot overflow int64 before the final check.
  const double rows = static_cast<double>(std::max<int64_t>(batch, 1));
  double floats = 0;
  int64_t widest = inputSize_;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    const double in = static_cast<double>(dims_[i]), out = static_cast<double>(dims_[i + 1]);
    widest = std::max(widest, dims_[i + 1]);
    floats += rows * out;
    if (s.kind == LayerKind::Dense) floats += rows * out;
    if (s.kind == LayerKind::Dropout || s.kind == LayerKind::BatchNorm || s.kind == LayerKind::LayerNorm) floats += rows * in;
    if (s.kind == LayerKind::BatchNorm) floats += 2 * in;
    if (s.kind == LayerKind::LayerNorm) floats += 2 * rows;
  }
  floats += 2 * rows * static_cast<double>(widest);
  floats += rows * static_cast<double>(inputSize_ + outputSize() + 2);
  const double bytes = floats * sizeof(float);
  return bytes >= 9.0e18 ? -1 : static_cast<int64_t>(bytes);
}

int64_t Network::arenaBytes(int64_t trainable, int64_t state) {
  const double bytes = (5.0 * static_cast<double>(trainable) + static_cast<double>(state)) * sizeof(float);
  return bytes >= 9.0e18 ? -1 : static_cast<int64_t>(bytes);
}

const float* Network::forward(const float* x, int64_t batch, bool training, bool skipLastActivation, Workspace& ws,
                              Rng* rng) {
  prepare(ws, batch);
  const float* in = x;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    LayerBuffers& b = ws.layers[i];
    const int64_t nin = dims_[i], nout = dims_[i + 1];
    const bool last = static_cast<int64_t>(i) == lastActiveLayer_;
    switch (s.kind) {
      case LayerKind::Dense: {
        const bool activate = s.activation != Activation::Linear && !(last && skipLastActivation);
        float* z = b.pre.empty() ? b.out.data() : b.pre.data();
        const float* W = params_.data() + slot(i, 0).offset;
        float beta = 0.f;
        if (s.useBias) {
          // Bias fused into the GEMM: C starts as the broadcast bias and beta = 1.
          const float* bias = params_.data() + slot(i, 1).offset;
          for (int64_t r = 0; r < batch; ++r) std::copy(bias, bias + nout, z + r * nout);
          beta = 1.f;
        }
        sgemm(false, false, batch, nout, nin, 1.f, in, nin, W, nout, beta, z, nout);
        if (activate) applyActivation(s.activation, s.activationParam, z, b.out.data(), batch, nout);
        else if (z != b.out.data()) std::copy(z, z + batch * nout, b.out.data());
        break;
      }
      case LayerKind::Activation: {
        const bool activate = !(last && skipLastActivation);
        if (activate) applyActivation(s.activation, s.activationParam, in, b.out.data(), batch, nout);
        else std::copy(in, in + batch * nout, b.out.data());
        break;
      }
      case LayerKind::Dropout: {
        float* out = b.out.data();
        Rng* r = s.seed >= 0 ? &layerRng_[i] : rng;
        if (training && s.rate > 0.f && r) {
          const float keep = 1.f / (1.f - s.rate);
          float* mask = b.aux.data();
          for (int64_t k = 0; k < batch * nin; ++k) {
            mask[k] = r->uniform() < s.rate ? 0.f : keep;
            out[k] = in[k] * mask[k];
          }
        } else {
          std::copy(in, in + batch * nin, out);
        }
        break;
      }
      case LayerKind::BatchNorm: {
        const auto [gamma, betaP] = normWeights(params_.data(), i);
        const int k = s.scale + s.center;  // moving_mean, moving_variance follow gamma, beta
        float* mmean = state_.data() + slot(i, k).offset;
        float* mvar = state_.data() + slot(i, k + 1).offset;
        float* out = b.out.data();
        float* xhat = b.aux.data();
        if (training) {
          for (int64_t f = 0; f < nin; ++f) {
            double sum = 0, sq = 0;
            for (int64_t r = 0; r < batch; ++r) sum += in[r * nin + f];
            const double mean = sum / batch;
            for (int64_t r = 0; r < batch; ++r) {
              const double d = in[r * nin + f] - mean;
              sq += d * d;
            }
            const double var = sq / batch;  // biased, as Keras normalizes and tracks it
            b.mean[f] = static_cast<float>(mean);
            b.invStd[f] = static_cast<float>(1.0 / std::sqrt(var + s.epsilon));
            mmean[f] = mmean[f] * s.momentum + static_cast<float>(mean) * (1.f - s.momentum);
            mvar[f] = mvar[f] * s.momentum + static_cast<float>(var) * (1.f - s.momentum);
          }
          for (int64_t r = 0; r < batch; ++r)
            for (int64_t f = 0; f < nin; ++f) {
              const float xh = (in[r * nin + f] - b.mean[f]) * b.invStd[f];
              xhat[r * nin + f] = xh;
              out[r * nin + f] = (gamma ? gamma[f] * xh : xh) + (betaP ? betaP[f] : 0.f);
            }
        } else {
          for (int64_t r = 0; r < batch; ++r)
            for (int64_t f = 0; f < nin; ++f) {
              const float xh = (in[r * nin + f] - mmean[f]) / std::sqrt(mvar[f] + s.epsilon);
              out[r * nin + f] = (gamma ? gamma[f] * xh : xh) + (betaP ? betaP[f] : 0.f);
            }
        }
        break;
      }
      case LayerKind::LayerNorm: {
        const auto [gamma, betaP] = normWeights(params_.data(), i);
        float* out = b.out.data();
        float* xhat = b.aux.data();
        for (int64_t r = 0; r < batch; ++r) {
          const float* xr = in + r * nin;
          double sum = 0, sq = 0;
          for (int64_t f = 0; f < nin; ++f) sum += xr[f];
          const double mean = sum / nin;
          for (int64_t f = 0; f < nin; ++f) sq += (xr[f] - mean) * (xr[f] - mean);
          const float invStd = static_cast<float>(1.0 / std::sqrt(sq / nin + s.epsilon));
          b.mean[r] = static_cast<float>(mean);
          b.invStd[r] = invStd;
          for (int64_t f = 0; f < nin; ++f) {
            const float xh = (xr[f] - static_cast<float>(mean)) * invStd;
            xhat[r * nin + f] = xh;
            out[r * nin + f] = (gamma ? gamma[f] * xh : xh) + (betaP ? betaP[f] : 0.f);
          }
        }
        break;
      }
    }
    in = b.out.data();
  }
  return in;
}

void Network::backward(const float* x, float* dOut, int64_t batch, bool skippedLastActivation, Workspace& ws) {
  float* dy = dOut;
  int ping = dOut == ws.grad[0].data() ? 1 : 0;
  for (int64_t i = static_cast<int64_t>(specs_.size()) - 1; i >= 0; --i) {
    const LayerSpec& s = specs_[i];
    LayerBuffers& b = ws.layers[i];
    const int64_t nin = dims_[i], nout = dims_[i + 1];
    const float* in = i == 0 ? x : ws.layers[i - 1].out.data();
    const bool needDx = i > 0;
    float* dx = needDx ? ws.grad[ping].data() : nullptr;
    const bool last = i == lastActiveLayer_;
    switch (s.kind) {
      case LayerKind::Dense: {
        const bool activated = s.activation != Activation::Linear && !(last && skippedLastActivation);
        if (activated) {
          const float* z = b.pre.empty() ? b.out.data() : b.pre.data();
          applyActivationGrad(s.activation, s.activationParam, z, b.out.data(), dy, dy, batch, nout);
        }
        const WeightSlot& kw = slot(i, 0);
        // dW = inᵀ · dZ, db = column sums of dZ, dX = dZ · Wᵀ
        sgemm(true, false, nin, nout, batch, 1.f, in, nin, dy, nout, 0.f, grads_.data() + kw.offset, nout);
        if (s.useBias) {
          float* db = grads_.data() + slot(i, 1).offset;
          std::fill(db, db + nout, 0.f);
          for (int64_t r = 0; r < batch; ++r)
            for (int64_t c = 0; c < nout; ++c) db[c] += dy[r * nout + c];
        }
        if (needDx) sgemm(false, true, batch, nin, nout, 1.f, dy, nout, params_.data() + kw.offset, nout, 0.f, dx, nin);
        break;
      }
      case LayerKind::Activation:
        if (needDx) {
          if (last && skippedLastActivation) std::copy(dy, dy + batch * nin, dx);
          else applyActivationGrad(s.activation, s.activationParam, in, b.out.data(), dy, dx, batch, nin);
        }
        break;
      case LayerKind::Dropout:
        if (needDx) {
          if (b.aux.empty() || s.rate == 0.f) std::copy(dy, dy + batch * nin, dx);
          else for (int64_t k = 0; k < batch * nin; ++k) dx[k] = dy[k] * b.aux[k];
        }
        break;
      case LayerKind::BatchNorm: {
        const float* gamma = normWeights(params_.data(), i).first;
        const auto [dgamma, dbeta] = normWeights(grads_.data(), i);
        const float* xhat = b.aux.data();
        for (int64_t f = 0; f < nin; ++f) {
          double sdy = 0, sdyx = 0;
          for (int64_t r = 0; r < batch; ++r) {
            sdy += dy[r * nin + f];
            sdyx += dy[r * nin + f] * xhat[r * nin + f];
          }
          if (dgamma) dgamma[f] = static_cast<float>(sdyx);
          if (dbeta) dbeta[f] = static_cast<float>(sdy);
          if (needDx) {
            const float g = gamma ? gamma[f] : 1.f;
            const float scale = g * b.invStd[f] / batch;
            for (int64_t r = 0; r < batch; ++r)
              dx[r * nin + f] = scale * (batch * dy[r * nin + f] - static_cast<float>(sdy) -
                                         xhat[r * nin + f] * static_cast<float>(sdyx));
          }
        }
        break;
      }
      case LayerKind::LayerNorm: {
        const float* gamma = normWeights(params_.data(), i).first;
        const auto [dgamma, dbeta] = normWeights(grads_.data(), i);
        const float* xhat = b.aux.data();
        if (dgamma) std::fill(dgamma, dgamma + nin, 0.f);
        if (dbeta) std::fill(dbeta, dbeta + nin, 0.f);
        for (int64_t r = 0; r < batch; ++r) {
          const float* dyr = dy + r * nin;
          const float* xr = xhat + r * nin;
          double sg = 0, sgx = 0;
          for (int64_t f = 0; f < nin; ++f) {
            if (dgamma) dgamma[f] += dyr[f] * xr[f];
            if (dbeta) dbeta[f] += dyr[f];
            const float g = dyr[f] * (gamma ? gamma[f] : 1.f);
            sg += g;
            sgx += g * xr[f];
          }
          if (needDx) {
            const float inv = b.invStd[r] / nin;
            for (int64_t f = 0; f < nin; ++f) {
              const float g = dyr[f] * (gamma ? gamma[f] : 1.f);
              dx[r * nin + f] = inv * (nin * g - static_cast<float>(sg) - xr[f] * static_cast<float>(sgx));
            }
          }
        }
        break;
      }
    }
    if (needDx) {
      dy = dx;
      ping ^= 1;
    }
  }
}

double Network::addRegularization(bool withGradients) {
  double penalty = 0;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    if (s.kind != LayerKind::Dense || (s.l1 == 0.f && s.l2 == 0.f)) continue;
    const WeightSlot& kw = slot(static_cast<int64_t>(i), 0);
    const float* w = params_.data() + kw.offset;
    float* g = grads_.data() + kw.offset;
    double a1 = 0, a2 = 0;
    for (int64_t k = 0; k < kw.size(); ++k) {
      a1 += std::fabs(w[k]);
      a2 += static_cast<double>(w[k]) * w[k];
      // Keras: l1 * sum|w| + l2 * sum w^2, so d/dw = l1 * sign(w) + 2 * l2 * w.
      if (withGradients) g[k] += s.l1 * static_cast<float>((w[k] > 0) - (w[k] < 0)) + 2.f * s.l2 * w[k];
    }
    penalty += s.l1 * a1 + s.l2 * a2;
  }
  return penalty;
}

}  // namespace tf
