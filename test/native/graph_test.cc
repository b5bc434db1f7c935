// The graph executor without Node: a chain and a small DAG whose outputs fan
// out, forward against a float64 reference and backward against central
// finite differences of that reference (h = 1e-6 in double, so the reference
// gradient is good to ~1e-9; the tolerance 1e-4 covers float32 rounding).
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/graph.h"
#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "check.h"

namespace {

template <typename E>
int32_t codeOf(const char* name) {
  for (int32_t i = 0; i < tf::enumCount(E{}); ++i)
    if (std::string(tf::enumNames(E{})[i]) == name) return i;
  throw std::invalid_argument(name);
}

tf::Config layer(const char* kind, std::vector<std::pair<const char*, double>> numbers = {}) {
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>(kind));
  for (auto& [k, v] : numbers) c.setNumber(k, v);
  return c;
}
tf::Config dense(int units, const char* activation = "linear") {
  return layer("dense", {{"units", units}, {"activation", codeOf<tf::Activation>(activation)}});
}

// Deterministic values in [-1, 1).
struct Lcg {
  uint32_t s = 12345;
  double next() {
    s = s * 1664525u + 1013904223u;
    return (s >> 8) * (2.0 / 16777216.0) - 1.0;
  }
};

// The float64 reference of one node kind used below.
enum class Ref { Dense, DenseTanh, LayerNorm, Add };
struct RefNode {
  Ref kind;
  std::vector<int32_t> inputs;  // as GraphNode::inputs
  int64_t units = 0;
};

// Forward of the reference over `batch` samples; weights read from `p` at the graph's slot offsets.
std::vector<double> refForward(const tf::Graph& g, const std::vector<RefNode>& nodes, const std::vector<double>& p,
                               const std::vector<double>& x, int64_t batch) {
  std::vector<std::vector<double>> out(nodes.size());
  auto slot = [&](size_t node, const char* name) {
    for (const tf::WeightSlot& s : g.slots())
      if (s.layer == static_cast<int32_t>(node) && s.name == name) return s.offset;
    throw std::logic_error(name);
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::vector<const std::vector<double>*> in;
    for (int32_t src : nodes[i].inputs) in.push_back(src >= 0 ? &out[src] : &x);
    const int64_t f = static_cast<int64_t>(in[0]->size()) / batch;
    std::vector<double>& y = out[i];
    switch (nodes[i].kind) {
      case Ref::Dense:
      case Ref::DenseTanh: {
        const int64_t u = nodes[i].units, k = slot(i, "kernel"), b = slot(i, "bias");
        y.assign(static_cast<size_t>(batch * u), 0.0);
        for (int64_t r = 0; r < batch; ++r)
          for (int64_t c = 0; c < u; ++c) {
            double z = p[b + c];
            for (int64_t j = 0; j < f; ++j) z += (*in[0])[r * f + j] * p[k + j * u + c];
            y[r * u + c] = nodes[i].kind == Ref::DenseTanh ? std::tanh(z) : z;
          }
        break;
      }
      case Ref::LayerNorm: {
        const int64_t gm = slot(i, "gamma"), bt = slot(i, "beta");
        y.assign(in[0]->size(), 0.0);
        for (int64_t r = 0; r < batch; ++r) {
          double m = 0, v = 0;
          for (int64_t j = 0; j < f; ++j) m += (*in[0])[r * f + j] / f;
          for (int64_t j = 0; j < f; ++j) v += ((*in[0])[r * f + j] - m) * ((*in[0])[r * f + j] - m) / f;
          for (int64_t j = 0; j < f; ++j) y[r * f + j] = p[gm + j] * ((*in[0])[r * f + j] - m) / std::sqrt(v + 1e-3) + p[bt + j];
        }
        break;
      }
      case Ref::Add:
        y.assign(in[0]->size(), 0.0);
        for (const auto* v : in)
          for (size_t e = 0; e < y.size(); ++e) y[e] += (*v)[e];
        break;
    }
  }
  return out.back();
}

// Builds the graph, randomizes its parameters, and checks forward and the
// parameter gradients of L = sum(out * R) against the reference.
void checkAgainstReference(tf::GraphSpec spec, const std::vector<RefNode>& ref, int64_t batch) {
  tf::Graph g(std::move(spec));
  Lcg rng;
  for (float& v : g.params()) v = static_cast<float>(0.5 * rng.next());
  std::vector<float> xf(static_cast<size_t>(batch * g.inputSize()));
  for (float& v : xf) v = static_cast<float>(rng.next());
  std::vector<double> x(xf.begin(), xf.end()), p(g.params().begin(), g.params().end());
  std::vector<double> R(static_cast<size_t>(batch * g.outputSize()));
  for (double& v : R) v = rng.next();

  // Forward: inference and training agree with the reference (no dropout or batch statistics here).
  tf::Workspace ws;
  const std::vector<double> want = refForward(g, ref, p, x, batch);
  const float* y = g.infer(xf.data(), batch, false, ws);
  for (size_t e = 0; e < want.size(); ++e) TF_EXPECT_NEAR(y[e], want[e], 1e-5);
  y = g.forwardTraining(xf.data(), batch, false, ws, nullptr);
  for (size_t e = 0; e < want.size(); ++e) TF_EXPECT_NEAR(y[e], want[e], 1e-5);

  // Backward: dL/dout = R.
  float* dOut = g.outputGrad(ws);
  for (size_t e = 0; e < R.size(); ++e) dOut[e] = static_cast<float>(R[e]);
  g.backward(batch, false, ws);
  auto loss = [&](const std::vector<double>& q) {
    const std::vector<double> o = refForward(g, ref, q, x, batch);
    double l = 0;
    for (size_t e = 0; e < o.size(); ++e) l += o[e] * R[e];
    return l;
  };
  int bad = 0;
  for (size_t j = 0; j < p.size(); ++j) {
    std::vector<double> q = p;
    q[j] = p[j] + 1e-6;
    const double up = loss(q);
    q[j] = p[j] - 1e-6;
    const double fd = (up - loss(q)) / 2e-6;
    if (!(std::fabs(g.grads()[j] - fd) <= 1e-4 * (1 + std::fabs(fd)))) ++bad;
  }
  TF_EXPECT(bad == 0);
}

}  // namespace

TF_TEST(graph_chain_matches_float64_reference) {
  std::vector<std::unique_ptr<tf::Layer>> layers;
  layers.push_back(tf::makeLayer(dense(6, "tanh")));
  layers.push_back(tf::makeLayer(layer("layerNormalization")));
  layers.push_back(tf::makeLayer(dense(3)));
  checkAgainstReference(tf::chainGraph(std::move(layers), {5}),
                        {{Ref::DenseTanh, {-1}, 6}, {Ref::LayerNorm, {0}}, {Ref::Dense, {1}, 3}}, 4);
}

TF_TEST(graph_dag_with_fan_out_matches_float64_reference) {
  // x -> a; a -> b, a -> c; add(b, c, a) -> d: a's gradient is the sum over three consumers.
  tf::GraphSpec s;
  s.inputs = {{5}};
  s.nodes.push_back({tf::makeLayer(dense(6, "tanh")), {-1}});
  s.nodes.push_back({tf::makeLayer(dense(6)), {0}});
  s.nodes.push_back({tf::makeLayer(dense(6, "tanh")), {0}});
  s.nodes.push_back({tf::makeLayer(layer("add")), {1, 2, 0}});
  s.nodes.push_back({tf::makeLayer(dense(2)), {3}});
  checkAgainstReference(std::move(s),
                        {{Ref::DenseTanh, {-1}, 6}, {Ref::Dense, {0}, 6}, {Ref::DenseTanh, {0}, 6}, {Ref::Add, {1, 2, 0}}, {Ref::Dense, {3}, 2}},
                        3);
}

TF_TEST(graph_same_input_twice_sums_both_gradients) {
  tf::GraphSpec s;
  s.inputs = {{4}};
  s.nodes.push_back({tf::makeLayer(dense(4)), {-1}});
  s.nodes.push_back({tf::makeLayer(layer("add")), {0, 0}});
  checkAgainstReference(std::move(s), {{Ref::Dense, {-1}, 4}, {Ref::Add, {0, 0}}}, 2);
}

TF_TEST(graph_refuses_bad_structure) {
  auto throwsInvalid = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  TF_EXPECT(throwsInvalid([] {  // a cycle
    tf::GraphSpec s;
    s.inputs = {{4}};
    s.nodes.push_back({tf::makeLayer(layer("add")), {-1, 1}});
    s.nodes.push_back({tf::makeLayer(dense(4)), {0}});
    tf::Graph g(std::move(s));
  }));
  TF_EXPECT(throwsInvalid([] {  // a node that feeds nothing
    tf::GraphSpec s;
    s.inputs = {{4}};
    s.nodes.push_back({tf::makeLayer(dense(3)), {-1}});
    s.nodes.push_back({tf::makeLayer(dense(2)), {-1}});
    tf::Graph g(std::move(s));
  }));
  TF_EXPECT(throwsInvalid([] {  // add of [4] and [3]
    tf::GraphSpec s;
    s.inputs = {{4}};
    s.nodes.push_back({tf::makeLayer(dense(3)), {-1}});
    s.nodes.push_back({tf::makeLayer(layer("add")), {-1, 0}});
    tf::Graph g(std::move(s));
  }));
  TF_EXPECT(throwsInvalid([] {  // a missing input
    tf::GraphSpec s;
    s.inputs = {{4}};
    s.nodes.push_back({tf::makeLayer(dense(3)), {-2}});
    tf::Graph g(std::move(s));
  }));
  TF_EXPECT(throwsInvalid([] { tf::makeLayer(tf::Config{}); }));           // no kind
  TF_EXPECT(throwsInvalid([] { tf::makeLayer(layer("dropout", {{"rate", 1}})); }));
}

TF_TEST(graph_chain_uses_two_gradient_buffers) {
  std::vector<std::unique_ptr<tf::Layer>> layers;
  for (int i = 0; i < 5; ++i) layers.push_back(tf::makeLayer(dense(8, "relu")));
  tf::Graph g(tf::chainGraph(std::move(layers), {8}));
  tf::Workspace ws;
  g.prepare(ws, 4);
  TF_EXPECT(ws.grads.size() == 2);
  TF_EXPECT(ws.sums.empty());
}

TF_TEST(enum_tables_are_complete) {
  auto check = [](auto e) {
    using E = decltype(e);
    for (int32_t i = 0; i < tf::enumCount(E{}); ++i) {
      TF_EXPECT(tf::enumNames(E{})[i] != nullptr);
      for (int32_t j = 0; j < i; ++j) TF_EXPECT(std::string(tf::enumNames(E{})[i]) != tf::enumNames(E{})[j]);
    }
    TF_EXPECT(tf::enumNames(E{})[tf::enumCount(E{})] == nullptr);
  };
  check(tf::LayerKind{});
  check(tf::Activation{});
  check(tf::LossKind{});
  check(tf::MetricKind{});
  check(tf::OptimizerKind{});
  check(tf::ScheduleKind{});
  TF_EXPECT(codeOf<tf::Activation>("softmax") == static_cast<int32_t>(tf::Activation::Softmax));
  TF_EXPECT(codeOf<tf::OptimizerKind>("nadam") == static_cast<int32_t>(tf::OptimizerKind::Nadam));
}
