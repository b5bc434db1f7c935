// The graph executor without Node: a chain, DAGs whose outputs fan out,
// shared layers and several inputs, forward against a float64 reference and
// backward against central finite differences of that reference (h = 1e-6 in
// double, so the reference gradient is good to ~1e-9; the tolerance 1e-4
// covers float32 rounding); graphs described by options; refused graphs.
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/graph.h"
#include "../../native/graph_spec.h"
#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "check.h"
#include "enum_codes.h"

namespace {

using tftest::codeOf;

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
  int32_t shares = -1;          // as GraphNode::sharesWeightsWith
};

// Forward of the reference over `batch` samples of the inputs xs; weights
// read from `p` at the graph's slot offsets (a shared node reads its owner's).
std::vector<double> refForward(const tf::Graph& g, const std::vector<RefNode>& nodes, const std::vector<double>& p,
                               const std::vector<std::vector<double>>& xs, int64_t batch) {
  std::vector<std::vector<double>> out(nodes.size());
  auto slot = [&](size_t node, const char* name) {
    const int32_t owner = nodes[node].shares >= 0 ? nodes[node].shares : static_cast<int32_t>(node);
    for (const tf::WeightSlot& s : g.slots())
      if (s.layer == owner && s.name == name) return s.offset;
    throw std::logic_error(name);
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::vector<const std::vector<double>*> in;
    for (int32_t src : nodes[i].inputs) in.push_back(src >= 0 ? &out[src] : &xs[-1 - src]);
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
  std::vector<std::vector<float>> xf;
  std::vector<std::vector<double>> x;
  std::vector<const float*> xp;
  for (size_t k = 0; k < g.inputCount(); ++k) {
    xf.emplace_back(static_cast<size_t>(batch * g.inputSize(k)));
    for (float& v : xf.back()) v = static_cast<float>(rng.next());
    x.emplace_back(xf.back().begin(), xf.back().end());
  }
  for (const auto& v : xf) xp.push_back(v.data());
  std::vector<double> p(g.params().begin(), g.params().end());
  std::vector<double> R(static_cast<size_t>(batch * g.outputSize()));
  for (double& v : R) v = rng.next();

  // Forward: inference and training agree with the reference (no dropout or batch statistics here).
  tf::Workspace ws;
  const std::vector<double> want = refForward(g, ref, p, x, batch);
  const float* y = g.infer(xp.data(), batch, false, ws);
  for (size_t e = 0; e < want.size(); ++e) TF_EXPECT_NEAR(y[e], want[e], 1e-5);
  y = g.forwardTraining(xp.data(), batch, false, ws, nullptr);
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

// ---- Shared layers, several inputs, graphs from options, refusals

namespace {
struct NodeDesc {
  tf::Config layer;
  std::vector<int32_t> inputs;
  int32_t shares = -1;
};
tf::GraphSpec graphOf(std::vector<tf::Shape> inputs, std::vector<NodeDesc> nodes, int32_t output = -1) {
  tf::GraphSpec s;
  s.inputs = std::move(inputs);
  for (NodeDesc& n : nodes) s.nodes.push_back({tf::makeLayer(n.layer), n.inputs, n.shares});
  if (output >= 0) s.outputs.push_back(output);
  return s;
}

// The message of the exception E that f throws; otherwise a note that fails the checks below.
template <typename E>
std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(another exception: ") + e.what() + ")";
  }
  return "(no exception)";
}
#define TF_EXPECT_REFUSED(E, f, part)                                      \
  do {                                                                     \
    const std::string what_ = refusal<E>(f);                               \
    if (what_.find(part) == std::string::npos) {                           \
      std::printf("  %s:%d: got '%s'\n", __FILE__, __LINE__, what_.c_str()); \
      ++tftest::failures();                                                \
    }                                                                      \
  } while (0)

int64_t slotOffset(const tf::Graph& g, int32_t node, const char* name) {
  for (const tf::WeightSlot& s : g.slots())
    if (s.layer == node && s.name == name) return s.offset;
  throw std::logic_error(name);
}
}  // namespace

TF_TEST(graph_shared_layer_matches_float64_reference) {
  // x -> a; a's layer again on a -> b; add(a, b) -> c; c -> out: a residual block with one shared layer.
  checkAgainstReference(graphOf({{5}}, {{dense(5, "tanh"), {-1}}, {dense(5, "tanh"), {0}, 0}, {layer("add"), {0, 1}}, {dense(3), {2}}}),
                        {{Ref::DenseTanh, {-1}, 5}, {Ref::DenseTanh, {0}, 5, 0}, {Ref::Add, {0, 1}}, {Ref::Dense, {2}, 3}}, 4);
  // Applied three times (the second and third both add to the first's gradient).
  checkAgainstReference(graphOf({{4}}, {{dense(4, "tanh"), {-1}}, {dense(4, "tanh"), {0}, 0}, {dense(4, "tanh"), {1}, 0}, {dense(2), {2}}}),
                        {{Ref::DenseTanh, {-1}, 4}, {Ref::DenseTanh, {0}, 4, 0}, {Ref::DenseTanh, {1}, 4, 0}, {Ref::Dense, {2}, 2}}, 3);
  // A shared layerNormalization around a dense layer, its owner listed after its other application.
  checkAgainstReference(graphOf({{4}}, {{layer("layerNormalization"), {-1}, 2}, {dense(4, "tanh"), {0}}, {layer("layerNormalization"), {1}}, {dense(2), {2}}}),
                        {{Ref::LayerNorm, {-1}, 0, 2}, {Ref::DenseTanh, {0}, 4}, {Ref::LayerNorm, {1}}, {Ref::Dense, {2}, 2}}, 3);
}

TF_TEST(graph_shared_layer_gradient_is_the_sum_of_its_applications) {
  // G shares node 0's weights with node 1; U gives node 1 its own copy of the same values.
  auto build = [](bool shared) {
    return std::make_unique<tf::Graph>(
        graphOf({{4}}, {{dense(4, "tanh"), {-1}}, {dense(4, "tanh"), {0}, shared ? 0 : -1}, {layer("add"), {0, 1}}, {dense(2), {2}}}));
  };
  auto G = build(true), U = build(false);
  TF_EXPECT(G->slots().size() == U->slots().size() - 2);
  TF_EXPECT(G->params().size() == U->params().size() - 20);
  TF_EXPECT(G->weightOwner(1) == 0 && U->weightOwner(1) == 1);
  Lcg rng;
  for (float& v : U->params()) v = static_cast<float>(0.5 * rng.next());
  for (const char* name : {"kernel", "bias"}) {
    const int64_t n = name[0] == 'k' ? 16 : 4;
    std::copy_n(U->params().begin() + slotOffset(*U, 0, name), n, U->params().begin() + slotOffset(*U, 1, name));
    std::copy_n(U->params().begin() + slotOffset(*U, 0, name), n, G->params().begin() + slotOffset(*G, 0, name));
    std::copy_n(U->params().begin() + slotOffset(*U, 3, name), name[0] == 'k' ? 8 : 2, G->params().begin() + slotOffset(*G, 3, name));
  }
  const int64_t batch = 3;
  std::vector<float> x(batch * 4), R(batch * 2);
  for (float& v : x) v = static_cast<float>(rng.next());
  for (float& v : R) v = static_cast<float>(rng.next());
  for (tf::Graph* g : {G.get(), U.get()}) {
    tf::Workspace ws;
    g->forwardTraining(x.data(), batch, false, ws, nullptr);
    std::copy(R.begin(), R.end(), g->outputGrad(ws));
    g->backward(batch, false, ws);
    g->backward(batch, false, ws);  // twice: a second backward overwrites, it does not add to the first
  }
  for (const char* name : {"kernel", "bias"}) {
    const int64_t n = name[0] == 'k' ? 16 : 4;
    const float* g = G->grads().data() + slotOffset(*G, 0, name);
    const float* u0 = U->grads().data() + slotOffset(*U, 0, name);
    const float* u1 = U->grads().data() + slotOffset(*U, 1, name);
    for (int64_t e = 0; e < n; ++e) TF_EXPECT_NEAR(g[e], u0[e] + u1[e], 1e-5);
    const float* g3 = G->grads().data() + slotOffset(*G, 3, name);
    const float* u3 = U->grads().data() + slotOffset(*U, 3, name);
    for (int64_t e = 0; e < (name[0] == 'k' ? 8 : 2); ++e) TF_EXPECT_NEAR(g3[e], u3[e], 1e-6);
  }
}

TF_TEST(graph_shared_layer_regularization_counts_once) {
  const tf::Config d = layer("dense", {{"units", 3}, {"l2", 0.5}});
  tf::Graph g(graphOf({{3}}, {{d, {-1}}, {d, {0}, 0}}));
  Lcg rng;
  double sumSq = 0;
  for (float& v : g.params()) v = static_cast<float>(rng.next());
  for (int64_t e = 0, k = slotOffset(g, 0, "kernel"); e < 9; ++e) sumSq += double(g.params()[k + e]) * g.params()[k + e];
  TF_EXPECT_NEAR(g.regularizationPenalty(), 0.5 * sumSq, 1e-6);
  std::fill(g.grads().begin(), g.grads().end(), 0.f);
  TF_EXPECT_NEAR(g.addRegularizationGradients(), 0.5 * sumSq, 1e-6);
  for (int64_t e = 0, k = slotOffset(g, 0, "kernel"); e < 9; ++e) TF_EXPECT_NEAR(g.grads()[k + e], g.params()[k + e], 1e-6);
}

TF_TEST(graph_with_two_inputs_matches_float64_reference) {
  // Graph inputs of 3 and 4 features, each through its own dense layer, added; the model runs them (Model does not yet).
  checkAgainstReference(graphOf({{3}, {4}}, {{dense(5, "tanh"), {-1}}, {dense(5), {-2}}, {layer("add"), {0, 1}}, {dense(2), {2}}}),
                        {{Ref::DenseTanh, {-1}, 5}, {Ref::Dense, {-2}, 5}, {Ref::Add, {0, 1}}, {Ref::Dense, {2}, 2}}, 3);
}

TF_TEST(graph_refusals_name_the_node) {
  using IA = std::invalid_argument;
  using OR = std::out_of_range;
  auto build = [](std::vector<tf::Shape> in, std::vector<NodeDesc> nodes, int32_t output = -1) {
    return [in, nodes, output] { tf::Graph g(graphOf(in, nodes, output)); };
  };
  TF_EXPECT_REFUSED(IA, build({{4}}, {{layer("add"), {-1, 2}}, {dense(4), {0}}, {dense(4), {1}}}), "the graph has a cycle through node ");
  TF_EXPECT_REFUSED(OR, build({{4}}, {{dense(3), {-2}}}), "node 0 reads graph input 1, which does not exist");
  TF_EXPECT_REFUSED(OR, build({{4}}, {{dense(3), {-1}}, {dense(3), {4}}}), "node 1 reads node 4, which does not exist");
  TF_EXPECT_REFUSED(OR, build({{4}}, {{dense(3), {-1}}}, 1), "the output 1 is not a node");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(3), {-1}}, {layer("add"), {-1, 0}}}), "node 1: add: inputs of shapes [4] and [3]");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(3), {-1}}, {dense(2), {-1}}}), "node 0 does not feed the output (node 1)");
  TF_EXPECT_REFUSED(IA, build({{4}, {2}}, {{dense(3), {-1}}}), "graph input 1 feeds no node");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(4), {-1}}, {layer("layerNormalization"), {0}, 0}}),
                    "node 1 shares the weights of node 0, a different kind of layer");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(3), {-1}}, {dense(3), {0}, 0}}),
                    "node 1 shares the weights of node 0, but its inputs [3] need kernel [3, 3] where node 0 (inputs [4]) has kernel [4, 3]");
  tf::Config noBias = dense(4);
  noBias.setBool("useBias", false);
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(4), {-1}}, {noBias, {0}, 0}}),
                    "node 1 shares the weights of node 0, but its inputs [4] need no bias where node 0 (inputs [4]) has bias [4]");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(4), {-1}}, {dense(4), {0}, 1}}), "node 1 shares weights with itself");
  TF_EXPECT_REFUSED(IA, build({{4}}, {{dense(4), {-1}}, {dense(4), {0}, 0}, {dense(4), {1}, 1}}),
                    "node 2 shares the weights of node 1, which shares those of node 0");
  TF_EXPECT_REFUSED(OR, build({{4}}, {{dense(4), {-1}}, {dense(4), {0}, 7}}), "node 1 shares the weights of node 7, which does not exist");
  TF_EXPECT_REFUSED(IA, build({{4, 0}}, {{dense(4), {-1}}}), "graph input 0: input size must be positive");
}

namespace {
tf::Config graphNode(tf::Config layerConfig, std::vector<double> inputs) {
  tf::Config c;
  c.setObject("layer", std::move(layerConfig));
  c.setNumbers("inputs", std::move(inputs));
  return c;
}
tf::Config graphConfig(std::vector<std::vector<double>> inputs, std::vector<tf::Config> nodes) {
  tf::Config c;
  c.setNumberLists("inputs", std::move(inputs));
  c.setObjects("nodes", std::move(nodes));
  return c;
}
}  // namespace

TF_TEST(graph_from_options_builds_the_same_graph) {
  tf::Config shared = graphNode(dense(4, "tanh"), {0});
  shared.setNumber("shareWeightsWith", 0);
  tf::Config g = graphConfig({{4}}, {graphNode(dense(4, "tanh"), {-1}), shared, graphNode(layer("add"), {1, 0}), graphNode(dense(2), {2})});
  g.setNumber("output", 3);
  tf::Model fromOptions(g);
  tf::Graph direct(graphOf({{4}}, {{dense(4, "tanh"), {-1}}, {dense(4, "tanh"), {0}, 0}, {layer("add"), {1, 0}}, {dense(2), {2}}}));
  tf::Graph& a = fromOptions.graph();
  TF_EXPECT(a.slots().size() == direct.slots().size() && a.params().size() == direct.params().size());
  TF_EXPECT(a.weightOwner(1) == 0);
  Lcg rng;
  for (size_t k = 0; k < a.params().size(); ++k) a.params()[k] = direct.params()[k] = static_cast<float>(rng.next());
  std::vector<float> x(8);
  for (float& v : x) v = static_cast<float>(rng.next());
  tf::Workspace w1, w2;
  const float* y1 = a.infer(x.data(), 2, false, w1);
  const float* y2 = direct.infer(x.data(), 2, false, w2);
  for (int e = 0; e < 4; ++e) TF_EXPECT(y1[e] == y2[e]);
}

TF_TEST(graph_options_are_checked) {
  using IA = std::invalid_argument;
  using OR = std::out_of_range;
  auto model = [](tf::Config c) { return [c] { tf::Model m(c); }; };
  const tf::Config ok = graphNode(dense(2), {-1});
  tf::Config g = graphConfig({{4}}, {ok});
  g.setNumber("outout", 0);
  TF_EXPECT_REFUSED(IA, model(g), "unknown key 'outout' in the graph (expected inputs, nodes, output, outputs)");
  tf::Config both = graphConfig({{4}}, {ok});
  both.setNumber("output", 0);
  both.setNumbers("outputs", {0});
  TF_EXPECT_REFUSED(IA, model(both), "a graph takes output or outputs, not both");
  tf::Config none = graphConfig({{4}}, {ok});
  none.setNumbers("outputs", {});
  TF_EXPECT_REFUSED(IA, model(none), "outputs must be a non-empty array of node indices");
  tf::Config far = graphConfig({{4}}, {ok});
  far.setNumbers("outputs", {0, 1});
  TF_EXPECT_REFUSED(OR, model(far), "outputs[1] = 1 is not an integer in [0, 0]");
  tf::Config n = ok;
  n.setNumber("shareWith", 0);
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {n})), "node 0: unknown key 'shareWith' (expected layer, inputs, shareWeightsWith)");
  TF_EXPECT_REFUSED(OR, model(graphConfig({{4}}, {graphNode(dense(2), {-1.5})})), "node 0: inputs[0] = -1.5 is not an integer in [-1, 0]");
  TF_EXPECT_REFUSED(OR, model(graphConfig({{4}}, {graphNode(dense(2), {1})})), "node 0: inputs[0] = 1 is not an integer in [-1, 0]");
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {graphNode(dense(2), {})})), "node 0: inputs must be a non-empty array");
  n = ok;
  n.setOther("inputs");
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {n})), "node 0: inputs must hold numbers");
  n = ok;
  n.setBool("shareWeightsWith", true);
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {n})), "node 0: shareWeightsWith must be a number");
  n = ok;
  n.setNumber("shareWeightsWith", 1);
  TF_EXPECT_REFUSED(OR, model(graphConfig({{4}}, {n})), "node 0: shareWeightsWith = 1 is not an integer in [0, 0]");
  n = tf::Config{};
  n.setNumbers("inputs", {-1});
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {n})), "node 0: layer must be an object");
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {graphNode(layer("dense", {{"units", -3}}), {-1})})), "node 0: units must be an integer");
  TF_EXPECT_REFUSED(OR, model(graphConfig({{4, 0}}, {ok})), "graph input 0: a dimension = 0 is not an integer in [1, 2147483648]");
  TF_EXPECT_REFUSED(IA, model(graphConfig({}, {ok})), "a graph needs at least one input");
  TF_EXPECT_REFUSED(IA, model(graphConfig({{4}}, {})), "a graph needs at least one node");
  g = graphConfig({{4}}, {ok});
  g.setNumbers("inputs", {4});
  TF_EXPECT_REFUSED(IA, model(g), "inputs must be an array of arrays of numbers");
  g = graphConfig({{4}}, {ok});
  g.setOther("nodes");
  TF_EXPECT_REFUSED(IA, model(g), "nodes must be an array of objects");
  g = graphConfig({{4}}, {ok});
  g.setNumber("output", 1);
  TF_EXPECT_REFUSED(OR, model(g), "output = 1 is not an integer in [0, 0]");
  TF_EXPECT_REFUSED(IA, [] { tf::Graph g(tf::graphSpecFrom(graphConfig({{4}, {3}}, {graphNode(layer("add"), {-1, -2})}))); },
                    "node 0: add: inputs of shapes [4] and [3]");
}

// A model's data holds a sample's inputs one after another in one row; the
// executor splits each batch per input. Predictions over such rows, in
// batches that do not divide the data, equal the graph run on the inputs
// given separately.
TF_TEST(model_with_two_inputs_reads_packed_rows) {
  tf::Model m(graphConfig({{4}, {3}}, {graphNode(layer("dense", {{"units", 2}}), {-1}), graphNode(layer("dense", {{"units", 2}}), {-2}),
                                       graphNode(layer("add"), {0, 1})}));
  TF_EXPECT(m.graph().inputCount() == 2 && m.graph().rowSize() == 7);
  const int64_t n = 5;
  std::vector<float> rows(n * 7), a(n * 4), b(n * 3);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < 7; ++c) {
      const float v = std::sin(1.0f + static_cast<float>(r * 7 + c));
      rows[r * 7 + c] = v;
      (c < 4 ? a[r * 4 + c] : b[r * 3 + c - 4]) = v;
    }
  std::vector<float> got(n * 2);
  m.predict(rows.data(), n, 2, got.data());
  tf::Workspace ws;
  const float* inputs[] = {a.data(), b.data()};
  const float* want = m.graph().infer(inputs, n, false, ws);
  for (int64_t e = 0; e < n * 2; ++e) TF_EXPECT(got[e] == want[e]);
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
