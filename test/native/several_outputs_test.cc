// A graph with several outputs (issue 16): a loss per output with its
// weight, gradients against finite differences of the weighted total, an
// output that also feeds another node, the packed prediction rows, and the
// data layout the trainer reads (a label per sparse output, the dense
// outputs' targets one after another).
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/layers/registry.h"
#include "../../native/model.h"
#include "check.h"
#include "enum_codes.h"

namespace {
using tftest::codeOf;
tf::Config dense(int units, const char* activation) {
  tf::Config c;
  c.setNumber("kind", codeOf<tf::LayerKind>("dense"));
  c.setNumber("units", units);
  c.setNumber("activation", codeOf<tf::Activation>(activation));
  return c;
}
tf::GraphNode node(tf::Config layer, std::vector<int32_t> inputs) { return {tf::makeLayer(layer), std::move(inputs), -1}; }

// x[3] -> h = dense(4, tanh); a = dense(3, softmax)(h) [output 0, sparse
// crossentropy, fused]; b = dense(2, linear)(h) [output 1, mean squared
// error]; with `feeding`, a also feeds c = dense(2, tanh)(a) [output 2,
// mean absolute error], so a's softmax must be computed (not fused).
tf::GraphSpec spec(bool feeding) {
  tf::GraphSpec s;
  s.inputs = {{3}};
  s.nodes.push_back(node(dense(4, "tanh"), {-1}));
  s.nodes.push_back(node(dense(3, "softmax"), {0}));
  s.nodes.push_back(node(dense(2, "linear"), {0}));
  s.outputs = {1, 2};
  if (feeding) {
    s.nodes.push_back(node(dense(2, "tanh"), {1}));
    s.outputs.push_back(3);
  }
  return s;
}
tf::OutputLoss lossOf(tf::LossKind k, float weight, std::vector<tf::MetricKind> metrics = {}) {
  tf::OutputLoss o;
  o.loss.kind = k;
  o.weight = weight;
  for (tf::MetricKind m : metrics) {
    tf::MetricSpec s;
    s.kind = m;
    o.metrics.push_back(s);
  }
  return o;
}
struct Lcg {
  uint32_t s = 777;
  double next() {
    s = s * 1664525u + 1013904223u;
    return (s >> 8) * (2.0 / 16777216.0) - 1.0;
  }
};
}  // namespace

TF_TEST(several_outputs_gradients_match_finite_differences_of_the_weighted_loss) {
  for (bool feeding : {false, true}) {
    tf::Graph g(spec(feeding));
    TF_EXPECT(g.outputCount() == (feeding ? 3u : 2u));
    TF_EXPECT(g.outputSize() == (feeding ? 7 : 5));
    TF_EXPECT(g.outputIsFinal(0) == !feeding && g.outputIsFinal(1));
    std::vector<tf::OutputLoss> losses = {lossOf(tf::LossKind::SparseCategoricalCrossentropy, 0.7f),
                                          lossOf(tf::LossKind::MeanSquaredError, 1.9f)};
    if (feeding) losses.push_back(lossOf(tf::LossKind::MeanAbsoluteError, 0.4f));
    tf::Trainer t(g, {}, losses);
    TF_EXPECT(t.labelWidth() == 1 && t.targetWidth() == (feeding ? 4 : 2));
    Lcg rng;
    for (float& v : g.params()) v = static_cast<float>(0.6 * rng.next());
    const int64_t n = 5;
    std::vector<float> x(n * 3), targets(n * t.targetWidth());
    std::vector<int32_t> labels = {0, 2, 1, 1, 0};
    for (float& v : x) v = static_cast<float>(rng.next());
    for (float& v : targets) v = static_cast<float>(rng.next());
    tf::Dataset d{x.data(), labels.data(), targets.data(), nullptr, n, 1};
    t.computeGradients(d);
    const std::vector<float> analytic = g.grads();
    for (size_t k = 0; k < g.params().size(); ++k) {
      const float keep = g.params()[k];
      const float h = 1e-2f;
      g.params()[k] = keep + h;
      const double up = t.computeGradients(d);
      g.params()[k] = keep - h;
      const double down = t.computeGradients(d);
      g.params()[k] = keep;
      const double numeric = (up - down) / (2.0 * h);
      if (std::fabs(numeric - analytic[k]) > 2e-3 + 2e-2 * std::fabs(numeric)) {
        std::printf("  feeding=%d param %zu: analytic %g numeric %g\n", feeding, k, analytic[k], numeric);
        ++tftest::failures();
      }
    }
  }
}

TF_TEST(several_outputs_evaluate_reports_each_output_and_the_weighted_total) {
  tf::Graph g(spec(false));
  tf::Trainer t(g, {}, {lossOf(tf::LossKind::SparseCategoricalCrossentropy, 0.5f, {tf::MetricKind::SparseCategoricalAccuracy}),
                        lossOf(tf::LossKind::MeanSquaredError, 2.f, {tf::MetricKind::MeanAbsoluteError})});
  TF_EXPECT(t.reportCount() == 4);  // two metrics, then each output's loss
  Lcg rng;
  for (float& v : g.params()) v = static_cast<float>(0.5 * rng.next());
  const int64_t n = 7;
  std::vector<float> x(n * 3), targets(n * 2);
  std::vector<int32_t> labels(n);
  for (float& v : x) v = static_cast<float>(rng.next());
  for (float& v : targets) v = static_cast<float>(rng.next());
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(i % 3);
  tf::Dataset d{x.data(), labels.data(), targets.data(), nullptr, n, 1};
  tf::Workspace ws;
  const tf::EvalResult r = t.evaluate(d, 3, nullptr, ws);
  TF_EXPECT(r.samples == n && r.metricSums.size() == 4);
  TF_EXPECT_NEAR(r.lossSum, 0.5 * r.metricSums[2] + 2.0 * r.metricSums[3], 1e-4);

  // The same figures from float64 over the packed prediction rows.
  std::vector<float> out(n * g.outputSize());
  tf::predictInto(g, x.data(), n, 4, out.data(), ws);
  double ce = 0, mse = 0, hits = 0, mae = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = out.data() + i * 5;
    double sum = 0;
    for (int c = 0; c < 3; ++c) sum += row[c];
    TF_EXPECT_NEAR(sum, 1.0, 1e-5);  // output 0's softmax, inside the packed row
    ce -= std::log(static_cast<double>(row[labels[i]]));
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (row[c] > row[best]) best = c;
    hits += best == labels[i];
    for (int c = 0; c < 2; ++c) {
      const double e = row[3 + c] - targets[i * 2 + c];
      mse += e * e / 2;
      mae += std::fabs(e) / 2;
    }
  }
  TF_EXPECT_NEAR(r.metricSums[2], ce, 1e-3);
  TF_EXPECT_NEAR(r.metricSums[3], mse, 1e-4);
  TF_EXPECT_NEAR(r.metricSums[0], hits, 1e-9);
  TF_EXPECT_NEAR(r.metricSums[1], mae, 1e-4);
}

TF_TEST(several_outputs_train_a_chunk_and_report_each_output_per_batch) {
  tf::Graph g(spec(false));
  tf::Trainer t(g, {}, {lossOf(tf::LossKind::SparseCategoricalCrossentropy, 1.f), lossOf(tf::LossKind::MeanSquaredError, 1.f)});
  Lcg rng;
  for (float& v : g.params()) v = static_cast<float>(0.5 * rng.next());
  const int64_t n = 10;
  std::vector<float> x(n * 3), targets(n * 2);
  std::vector<int32_t> labels(n);
  for (float& v : x) v = static_cast<float>(rng.next());
  for (float& v : targets) v = static_cast<float>(rng.next());
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(i % 3);
  tf::Dataset d{x.data(), labels.data(), targets.data(), nullptr, n, 1};
  const tf::ChunkResult r = t.trainChunk(d, 4, 3, nullptr);
  // Per batch: each output's loss times the batch size (no metrics here).
  TF_EXPECT(r.batches == 3 && r.metricSums.size() == 6);
  for (int64_t b = 0; b < r.batches; ++b)
    TF_EXPECT_NEAR(r.loss[b] * r.sizes[b], r.metricSums[2 * b] + r.metricSums[2 * b + 1], 1e-4);
  // A label outside an output's classes is refused, naming the range.
  labels[6] = 3;
  bool refused = false;
  try {
    t.trainChunk(d, 4, 3, nullptr);
  } catch (const std::out_of_range& e) {
    refused = std::string(e.what()).find("[0, 3)") != std::string::npos;
  }
  TF_EXPECT(refused);
}

// Whether f throws std::invalid_argument whose message holds `part`.
template <typename F>
bool refusedWith(F&& f, const char* part) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return std::string(e.what()).find(part) != std::string::npos;
  }
  return false;
}

TF_TEST(several_outputs_refuse_wrong_counts_and_bad_structure) {
  tf::Graph g(spec(false));
  TF_EXPECT(refusedWith([&] { tf::Trainer(g, {}, {lossOf(tf::LossKind::MeanSquaredError, 1.f)}); }, "2 output(s) but 1 loss"));
  TF_EXPECT(refusedWith([&] { tf::Trainer(g, {}, {lossOf(tf::LossKind::MeanSquaredError, -1.f), lossOf(tf::LossKind::MeanSquaredError, 1.f)}); },
                        "loss weight"));
  // A node listed twice, and a node that feeds no output.
  for (int variant = 0; variant < 2; ++variant) {
    tf::GraphSpec s = spec(false);
    s.outputs = variant == 0 ? std::vector<int32_t>{1, 1, 2} : std::vector<int32_t>{1};
    TF_EXPECT(refusedWith([&] { tf::Graph bad(std::move(s)); }, variant == 0 ? "listed twice" : "node 2 does not feed"));
  }
}
