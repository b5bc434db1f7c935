// The recurrent layers (native/layers/lstm.cc, ...) through the Layer
// interface alone, under ASan + UBSan: forward against a float64 reference
// written from Keras's equations, and backward through time (every weight
// gradient and the input gradient of loss = sum(out * g)) against central
// differences of that reference in float64.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/layers/registry.h"
#include "check.h"

namespace {

using Vec = std::vector<double>;

tf::Config kind(const char* name) {
  tf::Config c;
  for (int32_t i = 0; i < tf::enumCount(tf::LayerKind{}); ++i)
    if (std::string(tf::enumNames(tf::LayerKind{})[i]) == name) c.setNumber("kind", i);
  return c;
}
int32_t activationCode(const char* name) {
  for (int32_t i = 0; i < tf::enumCount(tf::Activation{}); ++i)
    if (std::string(tf::enumNames(tf::Activation{})[i]) == name) return i;
  return -1;
}

double act(const std::string& a, double x) {
  if (a == "tanh") return std::tanh(x);
  if (a == "sigmoid") return 1 / (1 + std::exp(-x));
  if (a == "hardSigmoid") return std::min(std::max(x + 3, 0.0), 6.0) / 6;
  if (a == "relu") return std::max(x, 0.0);
  if (a == "softsign") return x / (1 + std::fabs(x));
  return x;
}

struct Options {
  const char* layer = "lstm";
  int64_t batch = 3, time = 4, features = 3, units = 5;
  std::string activation = "tanh", recurrentActivation = "sigmoid";
  bool returnSequences = false, goBackwards = false, useBias = true, resetAfter = true;
  bool returnState = false;
};

// Where a reference writes, per sample: its output, then with returnState
// its final states (h; the LSTM's h, c), as recurrent_math.h's RecurrentOutput.
struct Packing {
  int64_t outFloats, stride;
};
Packing packing(const Options& o, int states) {
  const int64_t of = (o.returnSequences ? o.time : 1) * o.units;
  return {of, of + (o.returnState ? states * o.units : 0)};
}

// Float64 reference of one recurrent layer: weights in Keras's layout, in the
// order the layer declares them; x [batch, time, features].
using Reference = std::function<Vec(const Options&, const std::vector<Vec>&, const Vec&)>;

// Keras's LSTM: z = x W + h R + b, gates i, f, c, o.
Vec lstmRef(const Options& o, const std::vector<Vec>& w, const Vec& x) {
  const int64_t B = o.batch, T = o.time, F = o.features, U = o.units, G = 4 * U;
  const Packing p = packing(o, 2);
  Vec out(static_cast<size_t>(B * p.stride));
  for (int64_t b = 0; b < B; ++b) {
    Vec h(U, 0.0), c(U, 0.0);
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = o.goBackwards ? T - 1 - s : s;
      Vec z(G, 0.0);
      for (int64_t k = 0; k < G; ++k) {
        double v = o.useBias ? w[2][k] : 0.0;
        for (int64_t f = 0; f < F; ++f) v += x[(b * T + t) * F + f] * w[0][f * G + k];
        for (int64_t j = 0; j < U; ++j) v += h[j] * w[1][j * G + k];
        z[k] = v;
      }
      for (int64_t j = 0; j < U; ++j) {
        const double i = act(o.recurrentActivation, z[j]), f = act(o.recurrentActivation, z[U + j]);
        const double g = act(o.activation, z[2 * U + j]), og = act(o.recurrentActivation, z[3 * U + j]);
        c[j] = f * c[j] + i * g;
        h[j] = og * act(o.activation, c[j]);
      }
      if (o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride + s * U);
    }
    if (!o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride);
    if (o.returnState) {
      std::copy(h.begin(), h.end(), out.begin() + b * p.stride + p.outFloats);
      std::copy(c.begin(), c.end(), out.begin() + b * p.stride + p.outFloats + U);
    }
  }
  return out;
}

// Keras's GRU: gates z, r, h; bias [2, 3u] (input row, recurrent row) with resetAfter, else [3u].
Vec gruRef(const Options& o, const std::vector<Vec>& w, const Vec& x) {
  const int64_t B = o.batch, T = o.time, F = o.features, U = o.units, G = 3 * U;
  const Packing p = packing(o, 1);
  Vec out(static_cast<size_t>(B * p.stride));
  for (int64_t b = 0; b < B; ++b) {
    Vec h(U, 0.0);
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = o.goBackwards ? T - 1 - s : s;
      Vec xz(G, 0.0), hr(G, 0.0);
      for (int64_t k = 0; k < G; ++k) {
        double v = o.useBias ? w[2][k] : 0.0, q = o.useBias && o.resetAfter ? w[2][G + k] : 0.0;
        for (int64_t f = 0; f < F; ++f) v += x[(b * T + t) * F + f] * w[0][f * G + k];
        for (int64_t j = 0; j < U; ++j) q += h[j] * w[1][j * G + k];
        xz[k] = v;
        hr[k] = q;
      }
      Vec z(U), r(U), hh(U);
      for (int64_t j = 0; j < U; ++j) {
        z[j] = act(o.recurrentActivation, xz[j] + hr[j]);
        r[j] = act(o.recurrentActivation, xz[U + j] + hr[U + j]);
      }
      for (int64_t j = 0; j < U; ++j) {
        double pre = xz[2 * U + j];
        if (o.resetAfter) {
          pre += r[j] * hr[2 * U + j];
        } else {
          for (int64_t i = 0; i < U; ++i) pre += r[i] * h[i] * w[1][i * G + 2 * U + j];
        }
        hh[j] = act(o.activation, pre);
      }
      for (int64_t j = 0; j < U; ++j) h[j] = z[j] * h[j] + (1 - z[j]) * hh[j];
      if (o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride + s * U);
    }
    if (!o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride);
    if (o.returnState) std::copy(h.begin(), h.end(), out.begin() + b * p.stride + p.outFloats);
  }
  return out;
}

// Keras's SimpleRNN: h' = g(x W + h R + b).
Vec simpleRnnRef(const Options& o, const std::vector<Vec>& w, const Vec& x) {
  const int64_t B = o.batch, T = o.time, F = o.features, U = o.units;
  const Packing p = packing(o, 1);
  Vec out(static_cast<size_t>(B * p.stride));
  for (int64_t b = 0; b < B; ++b) {
    Vec h(U, 0.0);
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = o.goBackwards ? T - 1 - s : s;
      Vec n(U);
      for (int64_t k = 0; k < U; ++k) {
        double v = o.useBias ? w[2][k] : 0.0;
        for (int64_t f = 0; f < F; ++f) v += x[(b * T + t) * F + f] * w[0][f * U + k];
        for (int64_t j = 0; j < U; ++j) v += h[j] * w[1][j * U + k];
        n[k] = act(o.activation, v);
      }
      h = n;
      if (o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride + s * U);
    }
    if (!o.returnSequences) std::copy(h.begin(), h.end(), out.begin() + b * p.stride);
    if (o.returnState) std::copy(h.begin(), h.end(), out.begin() + b * p.stride + p.outFloats);
  }
  return out;
}

double smooth(int64_t i, double a, double b) { return std::sin(a * static_cast<double>(i) + b); }

// Builds the layer, runs forward and backward in float32, and checks both against the reference.
void checkLayer(const Options& o, const Reference& ref) {
  tf::Config c = kind(o.layer);
  c.setNumber("units", static_cast<double>(o.units));
  c.setNumber("activation", activationCode(o.activation.c_str()));
  c.setNumber("recurrentActivation", activationCode(o.recurrentActivation.c_str()));
  c.setBool("returnSequences", o.returnSequences);
  c.setBool("returnState", o.returnState);
  c.setBool("goBackwards", o.goBackwards);
  c.setBool("useBias", o.useBias);
  c.setBool("resetAfter", o.resetAfter);
  auto layer = tf::makeLayer(c);
  const std::vector<tf::Shape> in{{o.time, o.features}};
  const tf::Shape outShape = layer->computeOutputShape(in);
  layer->setShapes(in, outShape);
  const auto decls = layer->weights();
  std::vector<tf::WeightSlot> slots;
  int64_t total = 0;
  for (const auto& d : decls) {
    slots.push_back({0, d.name, true, total, d.shape});
    total += tf::elementsOf(d.shape);
  }
  std::vector<Vec> w;
  std::vector<float> params(static_cast<size_t>(total)), grads(static_cast<size_t>(total), 99.f);
  for (size_t k = 0; k < slots.size(); ++k) {
    Vec v(static_cast<size_t>(slots[k].size()));
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] = static_cast<float>(0.6 * smooth(static_cast<int64_t>(i), 0.77 + 0.3 * k, 0.2 * k));
      params[static_cast<size_t>(slots[k].offset) + i] = static_cast<float>(v[i]);
    }
    w.push_back(v);
  }
  const int64_t B = o.batch;
  Vec x(static_cast<size_t>(B * o.time * o.features));
  std::vector<float> xf(x.size());
  for (size_t i = 0; i < x.size(); ++i) xf[i] = static_cast<float>(x[i] = 1.5 * smooth(static_cast<int64_t>(i), 1.3, 0.4));
  std::vector<std::vector<float>> scratch;
  std::vector<float*> scratchPtr;
  for (int64_t n : layer->scratchSizes(B)) scratch.emplace_back(static_cast<size_t>(n), -5.f);
  for (auto& s : scratch) scratchPtr.push_back(s.data());
  std::vector<float> out(static_cast<size_t>(B * tf::elementsOf(outShape)), -7.f);
  const float* inPtr = xf.data();
  tf::NodeWeights nw;
  nw.slots = slots.data();
  nw.params = params.data();
  nw.grads = grads.data();
  layer->forward({B, &inPtr, out.data(), scratchPtr.data(), false}, nw);

  const Vec expected = ref(o, w, x);
  TF_EXPECT(expected.size() == out.size());
  double worstOut = 0;
  for (size_t i = 0; i < out.size(); ++i) worstOut = std::max(worstOut, std::fabs(out[i] - expected[i]));
  TF_EXPECT_NEAR(worstOut, 0.0, 2e-6);

  // loss = sum(out * g)
  Vec g(out.size());
  for (size_t i = 0; i < g.size(); ++i) g[i] = std::cos(0.7 * static_cast<double>(i));
  std::vector<float> dOut(g.begin(), g.end());
  std::vector<float> dx(x.size(), 99.f);
  float* dxPtr = dx.data();
  layer->backward({B, &inPtr, out.data(), dOut.data(), &dxPtr, scratchPtr.data(), false}, nw);
  auto loss = [&]() {
    const Vec y = ref(o, w, x);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += y[i] * g[i];
    return s;
  };
  const double h = 1e-6;
  double worst = 0, largest = 0;
  auto compare = [&](double& v, float analytic) {
    const double keep = v;
    v = keep + h;
    const double plus = loss();
    v = keep - h;
    const double minus = loss();
    v = keep;
    const double numeric = (plus - minus) / (2 * h);
    largest = std::max(largest, std::fabs(numeric));
    worst = std::max(worst, std::fabs(analytic - numeric) / (1e-3 + std::fabs(numeric)));
  };
  for (size_t k = 0; k < w.size(); ++k)
    for (size_t i = 0; i < w[k].size(); ++i) compare(w[k][i], grads[static_cast<size_t>(slots[k].offset) + i]);
  for (size_t i = 0; i < x.size(); ++i) compare(x[i], dx[i]);
  if (worstOut > 2e-6 || worst > 1e-3)
    std::printf("  %s units %lld resetAfter %d: worst output error %g, worst gradient error %g (relative)\n", o.layer,
                static_cast<long long>(o.units), o.resetAfter ? 1 : 0, worstOut, worst);
  TF_EXPECT(worst < 1e-3);
  TF_EXPECT(largest > 1e-2);  // not vacuous
}

void expectInvalid(const tf::Config& c, const std::vector<tf::Shape>& in, const char* fragment) {
  try {
    auto layer = tf::makeLayer(c);
    layer->computeOutputShape(in);
    TF_EXPECT(!"an error");
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).find(fragment) == std::string::npos) std::printf("  message: %s\n", e.what());
    TF_EXPECT(std::string(e.what()).find(fragment) != std::string::npos);
  }
}

}  // namespace

TF_TEST(lstm_against_float64_reference_and_finite_differences) {
  Options o;
  checkLayer(o, lstmRef);
  o.returnSequences = true;
  checkLayer(o, lstmRef);
  o.goBackwards = true;
  checkLayer(o, lstmRef);
  o.returnSequences = false;
  o.useBias = false;
  o.units = 17;  // not a multiple of the vector width
  checkLayer(o, lstmRef);
  Options other;
  other.activation = "softsign";
  other.recurrentActivation = "hardSigmoid";
  other.batch = 1;
  other.time = 1;
  checkLayer(other, lstmRef);
  other.activation = "relu";
  other.recurrentActivation = "sigmoid";
  other.time = 6;
  other.units = 2;
  checkLayer(other, lstmRef);
  // returnState: the output packs the final h and c after it; their gradients start backpropagation through time.
  Options st;
  st.returnState = true;
  checkLayer(st, lstmRef);
  st.returnSequences = true;
  st.goBackwards = true;
  checkLayer(st, lstmRef);
}

TF_TEST(lstm_refuses_bad_input) {
  tf::Config c = kind("lstm");
  c.setNumber("units", 4);
  expectInvalid(c, {{8}}, "sequence [time, features]");
  expectInvalid(c, {{2, 3, 4}}, "sequence [time, features]");
  expectInvalid(c, {{2, 3}, {2, 3}}, "optionally its initial state (2 tensors)");
  expectInvalid(c, {{2, 3}, {5}, {4}}, "initial state 0 has shape [5], the layer's state has shape [4]");
  tf::Config zero = kind("lstm");
  zero.setNumber("units", 0);
  expectInvalid(zero, {{2, 3}}, "units");
  tf::Config gelu = kind("lstm");
  gelu.setNumber("units", 2);
  gelu.setNumber("activation", activationCode("gelu"));
  expectInvalid(gelu, {{2, 3}}, "not supported");
}

TF_TEST(gru_and_simple_rnn_against_float64_reference_and_finite_differences) {
  for (bool resetAfter : {true, false}) {
    Options o;
    o.layer = "gru";
    o.resetAfter = resetAfter;
    checkLayer(o, gruRef);
    o.returnSequences = true;
    o.goBackwards = true;
    checkLayer(o, gruRef);
    o.useBias = false;
    o.units = 17;
    o.activation = "softsign";
    checkLayer(o, gruRef);
    Options st;
    st.layer = "gru";
    st.resetAfter = resetAfter;
    st.returnState = true;
    checkLayer(st, gruRef);
    st.returnSequences = true;
    checkLayer(st, gruRef);
  }
  Options s;
  s.layer = "simpleRNN";
  checkLayer(s, simpleRnnRef);
  s.returnSequences = true;
  s.goBackwards = true;
  s.units = 9;
  checkLayer(s, simpleRnnRef);
  s.useBias = false;
  s.activation = "sigmoid";
  checkLayer(s, simpleRnnRef);
  s.returnState = true;
  checkLayer(s, simpleRnnRef);
  s.returnSequences = false;
  checkLayer(s, simpleRnnRef);
}

TF_TEST(gru_and_simple_rnn_refuse_bad_input) {
  for (const char* name : {"gru", "simpleRNN"}) {
    tf::Config c = kind(name);
    c.setNumber("units", 3);
    expectInvalid(c, {{8}}, "sequence [time, features]");
    tf::Config zero = kind(name);
    zero.setNumber("units", 0);
    expectInvalid(zero, {{2, 3}}, "units");
  }
}
