// Masks along the graph's edges (layer.h MaskFlow, graph.cc planMasks) without
// Node, under ASan + UBSan: which nodes carry a mask and what it holds; and
// masked recurrent layers against the same graph over the unpadded
// sequence, one sample at a time: outputs, and the weight gradients of
// loss = sum(out * g) summed over the samples (forward and backward through
// the skipped steps).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../../native/graph.h"
#include "../../native/layers/registry.h"
#include "check.h"
#include "enum_codes.h"

namespace {

using tftest::codeOf;

tf::Config layer(const char* kind, std::vector<std::pair<const char*, double>> numbers = {},
                 std::vector<std::pair<const char*, bool>> flags = {}) {
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>(kind));
  for (auto& [k, v] : numbers) c.setNumber(k, v);
  for (auto& [k, v] : flags) c.setBool(k, v);
  return c;
}

std::unique_ptr<tf::Graph> chain(std::vector<tf::Config> configs, tf::Shape input) {
  std::vector<std::unique_ptr<tf::Layer>> layers;
  for (const tf::Config& c : configs) layers.push_back(tf::makeLayer(c));
  return std::make_unique<tf::Graph>(tf::chainGraph(std::move(layers), std::move(input)));
}

double wave(int64_t i, double a, double b) { return std::sin(a * static_cast<double>(i) + b); }

constexpr int64_t kT = 5, kF = 2, kB = 4;
// Steps holding data per sample: full, post-padded, pre-padded, a hole.
const int kKeep[kB][kT] = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {0, 0, 1, 1, 1}, {1, 0, 1, 1, 0}};

}  // namespace

TF_TEST(masks_flow_along_edges_as_keras_propagates_them) {
  // masking -> dense (passes) -> lstm returnSequences (passes) -> timeDistributed(dense) (passes) -> lstm (drops) -> dense
  tf::Config td = layer("timeDistributed");
  td.setObject("layer", layer("dense", {{"units", 2}}));
  auto g = chain({layer("masking", {{"maskValue", -1}}), layer("dense", {{"units", 3}}), layer("lstm", {{"units", 3}}, {{"returnSequences", true}}), td,
                  layer("lstm", {{"units", 2}}), layer("dense", {{"units", 1}})},
                 {kT, kF});
  TF_EXPECT(g->outputMasked(0) && g->outputMasked(1) && g->outputMasked(2) && g->outputMasked(3));
  TF_EXPECT(!g->outputMasked(4) && !g->outputMasked(5));
  std::vector<float> x(static_cast<size_t>(kB * kT * kF));
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t)
      for (int64_t f = 0; f < kF; ++f) x[(b * kT + t) * kF + f] = kKeep[b][t] ? static_cast<float>(wave(b * 10 + t, 0.9, f)) : -1.f;
  x[(3 * kT + 1) * kF] = 0.5f;  // one feature of a step off the mask value: the step is kept
  tf::Workspace ws;
  g->infer(x.data(), kB, false, ws);
  const tf::MaskByte* m = g->outputMask(ws, 0);
  TF_EXPECT(m != nullptr && g->outputMask(ws, 3) == m);  // passed on, not copied
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t) TF_EXPECT(m[b * kT + t] == ((kKeep[b][t] || (b == 3 && t == 1)) ? 1 : 0));
  // masking zeroes the masked steps' features
  const float* y0 = ws.nodes[0].out.data();
  TF_EXPECT(y0[(1 * kT + 4) * kF] == 0.f && y0[(3 * kT + 1) * kF + 1] == -1.f);

  // embedding(maskZero) makes a mask of its ids; without maskZero none
  auto e = chain({layer("embedding", {{"inputDim", 4}, {"outputDim", 2}}, {{"maskZero", true}}), layer("gru", {{"units", 2}})}, {3});
  auto plain = chain({layer("embedding", {{"inputDim", 4}, {"outputDim", 2}}), layer("gru", {{"units", 2}})}, {3});
  TF_EXPECT(e->outputMasked(0) && !plain->outputMasked(0));
  const std::vector<float> ids{0, 2, 3, 1, 0, 0};
  tf::Workspace we;
  e->infer(ids.data(), 2, false, we);
  const tf::MaskByte* em = e->outputMask(we, 0);
  for (int k = 0; k < 6; ++k) TF_EXPECT(em[k] == (ids[k] != 0 ? 1 : 0));
}

TF_TEST(merges_and_or_concatenate_their_inputs_masks) {
  // Two masked inputs: add ANDs the masks; concatenate over time (axis 0) concatenates them.
  tf::GraphSpec spec;
  spec.inputs = {{kT, kF}, {kT, kF}};
  spec.nodes.push_back({tf::makeLayer(layer("masking")), {-1}});
  spec.nodes.push_back({tf::makeLayer(layer("masking")), {-2}});
  spec.nodes.push_back({tf::makeLayer(layer("add")), {0, 1}});
  spec.nodes.push_back({tf::makeLayer(layer("concatenate", {{"axis", 0}})), {0, 1}});
  spec.nodes.push_back({tf::makeLayer(layer("concatenate", {{"axis", 1}})), {0, 1}});
  spec.outputs = {2, 3, 4};
  tf::Graph g(std::move(spec));
  TF_EXPECT(g.outputMasked(2) && g.outputMasked(3) && g.outputMasked(4));
  std::vector<float> rows(static_cast<size_t>(kB * 2 * kT * kF), 0.f);
  auto keep2 = [](int64_t b, int64_t t) { return (b + t) % 3 != 0; };
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t) {
      if (kKeep[b][t]) rows[b * 2 * kT * kF + t * kF] = 1.f;
      if (keep2(b, t)) rows[b * 2 * kT * kF + kT * kF + t * kF + 1] = 2.f;
    }
  tf::Workspace ws;
  g.infer(rows.data(), kB, 0, ws);
  const tf::MaskByte *sum = g.outputMask(ws, 2), *time = g.outputMask(ws, 3), *features = g.outputMask(ws, 4);
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t) {
      const bool both = kKeep[b][t] && keep2(b, t);
      TF_EXPECT(sum[b * kT + t] == (both ? 1 : 0) && features[b * kT + t] == (both ? 1 : 0));
      TF_EXPECT(time[b * 2 * kT + t] == (kKeep[b][t] ? 1 : 0) && time[b * 2 * kT + kT + t] == (keep2(b, t) ? 1 : 0));
    }
}

namespace {

// Runs `configs` over the padded batch (masking first) and over each sample's
// unpadded steps (no masking); outputs and summed weight gradients must agree.
void checkUnpadded(const char* what, tf::Config rnn) {
  auto padded = chain({layer("masking"), rnn, layer("dense", {{"units", 2}})}, {kT, kF});
  std::vector<float> x(static_cast<size_t>(kB * kT * kF), 0.f);
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t)
      for (int64_t f = 0; f < kF; ++f)
        if (kKeep[b][t]) x[(b * kT + t) * kF + f] = static_cast<float>(1.5 * wave((b * kT + t) * kF + f, 1.3, 0.4));
  std::vector<float>& p = padded->params();
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<float>(0.6 * wave(static_cast<int64_t>(i), 0.77, 0.2));
  tf::Workspace ws;
  const float* y = padded->forwardTraining(x.data(), kB, false, ws, nullptr);
  const std::vector<float> out(y, y + kB * 2);
  float* dOut = padded->outputGrad(ws);
  for (int64_t k = 0; k < kB * 2; ++k) dOut[k] = static_cast<float>(std::cos(0.7 * static_cast<double>(k)));
  padded->backward(kB, false, ws);
  const std::vector<float> grads = padded->grads();

  std::vector<double> sum(grads.size(), 0.0);
  double worstOut = 0, worstGrad = 0, largest = 0;
  for (int64_t b = 0; b < kB; ++b) {
    std::vector<float> sub;
    for (int64_t t = 0; t < kT; ++t)
      if (kKeep[b][t]) sub.insert(sub.end(), x.begin() + (b * kT + t) * kF, x.begin() + (b * kT + t + 1) * kF);
    const int64_t L = static_cast<int64_t>(sub.size()) / kF;
    auto one = chain({rnn, layer("dense", {{"units", 2}})}, {L, kF});
    TF_EXPECT(one->params().size() == p.size());
    std::copy(p.begin(), p.end(), one->params().begin());
    tf::Workspace w1;
    const float* y1 = one->forwardTraining(sub.data(), 1, false, w1, nullptr);
    for (int k = 0; k < 2; ++k) worstOut = std::max(worstOut, static_cast<double>(std::fabs(y1[k] - out[b * 2 + k])));
    for (int k = 0; k < 2; ++k) one->outputGrad(w1)[k] = static_cast<float>(std::cos(0.7 * static_cast<double>(b * 2 + k)));
    one->backward(1, false, w1);
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += one->grads()[i];
  }
  for (size_t i = 0; i < sum.size(); ++i) {
    worstGrad = std::max(worstGrad, std::fabs(grads[i] - sum[i]) / (1e-3 + std::fabs(sum[i])));
    largest = std::max(largest, std::fabs(sum[i]));
  }
  if (worstOut > 1e-5 || worstGrad > 1e-4) std::printf("  %s: worst output error %g, worst gradient error %g\n", what, worstOut, worstGrad);
  TF_EXPECT(worstOut < 1e-5);
  TF_EXPECT(worstGrad < 1e-4);
  TF_EXPECT(largest > 1e-2);  // not vacuous
}

}  // namespace

TF_TEST(masked_recurrent_layers_equal_the_unpadded_sequences) {
  for (const char* kind : {"lstm", "gru", "simpleRNN"})
    for (int backwards = 0; backwards < 2; ++backwards) {
      tf::Config c = layer(kind, {{"units", 3}}, {{"goBackwards", backwards == 1}});
      checkUnpadded(kind, c);
    }
  checkUnpadded("gru resetAfter false", layer("gru", {{"units", 3}}, {{"resetAfter", false}}));
}

TF_TEST(a_packed_output_passes_its_mask_to_the_sequence_part) {
  // masking -> lstm(returnSequences, returnState) packing [seq | h | c] -> outputPart(seq) (masked) -> lstm,
  // and outputPart(h) (no mask); every part equal to its slice of the packed output.
  constexpr int64_t U = 3;
  auto part = [](int64_t offset, std::vector<double> shape, bool passMask) {
    tf::Config c = layer("outputPart", {{"offset", static_cast<double>(offset)}}, {{"passMask", passMask}});
    c.setNumbers("targetShape", shape);
    return c;
  };
  tf::GraphSpec s;
  s.inputs = {{kT, kF}};
  auto node = [](tf::Config c, std::vector<int32_t> in) { return tf::GraphNode{tf::makeLayer(c), std::move(in), -1}; };
  s.nodes.push_back(node(layer("masking", {{"maskValue", -1}}), {-1}));
  s.nodes.push_back(node(layer("lstm", {{"units", U}}, {{"returnSequences", true}, {"returnState", true}}), {0}));
  s.nodes.push_back(node(part(0, {kT, U}, true), {1}));
  s.nodes.push_back(node(part(kT * U, {U}, false), {1}));
  s.nodes.push_back(node(part(kT * U + U, {U}, false), {1}));
  s.nodes.push_back(node(layer("lstm", {{"units", 2}}), {2}));
  s.outputs = {5, 3, 4};
  tf::Graph g(std::move(s));
  TF_EXPECT(g.layer(1).outputShape() == (tf::Shape{kT * U + 2 * U}));
  TF_EXPECT(g.outputMasked(1) && g.outputMasked(2) && !g.outputMasked(3) && !g.outputMasked(4));
  std::vector<float> x(static_cast<size_t>(kB * kT * kF));
  for (int64_t b = 0; b < kB; ++b)
    for (int64_t t = 0; t < kT; ++t)
      for (int64_t f = 0; f < kF; ++f) x[(b * kT + t) * kF + f] = kKeep[b][t] ? static_cast<float>(wave(b * 10 + t, 0.7, f)) : -1.f;
  tf::Workspace ws;
  g.infer(x.data(), kB, 0, ws);
  const float* packed = ws.nodes[1].out.data();
  const int64_t row = kT * U + 2 * U;
  for (int64_t b = 0; b < kB; ++b) {
    for (int64_t k = 0; k < kT * U; ++k) TF_EXPECT(ws.nodes[2].out[b * kT * U + k] == packed[b * row + k]);
    for (int64_t j = 0; j < U; ++j) {
      TF_EXPECT(ws.nodes[3].out[b * U + j] == packed[b * row + kT * U + j]);
      TF_EXPECT(ws.nodes[4].out[b * U + j] == packed[b * row + kT * U + U + j]);
      // h is the state at the sample's last kept step: the sequence's output there.
      int64_t last = kT - 1;
      while (last > 0 && !kKeep[b][last]) --last;
      TF_EXPECT(packed[b * row + kT * U + j] == packed[b * row + last * U + j]);
    }
  }
  // A part that does not fit is refused.
  tf::GraphSpec bad;
  bad.inputs = {{kT, kF}};
  bad.nodes.push_back(node(layer("lstm", {{"units", U}}, {{"returnState", true}}), {-1}));
  bad.nodes.push_back(node(part(2 * U + 1, {U}, false), {0}));
  TF_EXPECT(tftest::throws<std::invalid_argument>([&] { tf::Graph gb(std::move(bad)); }));
}
