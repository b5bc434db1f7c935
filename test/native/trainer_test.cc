// The trainer checks its own preconditions instead of trusting the caller
// (issue: a metric without a kind became a sparse metric, and training with
// float targets then read labels through a null pointer).
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../../native/model.h"
#include "check.h"

namespace {
// Dense(3, softmax) over 2 features. NOTE: softmax, so that the sparse loss
// fuses it: a linear output of zero weights is 0 / 0 for the probability
// form of the loss, a NaN that stopped the chunk after one batch.
std::unique_ptr<tf::Model> smallModel() {
  tf::Config d;
  d.setNumber("kind", 0);
  d.setNumber("units", 3);
  d.setNumber("activation", static_cast<int32_t>(tf::Activation::Softmax));
  return std::make_unique<tf::Model>(std::vector<tf::Config>{d}, tf::Shape{2});
}
tf::LossConfig lossOf(tf::LossKind k) {
  tf::LossConfig l;
  l.kind = k;
  return l;
}
tf::MetricSpec metricOf(tf::MetricKind k) {
  tf::MetricSpec m;
  m.kind = k;
  return m;
}
template <typename F>
bool throwsInvalid(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}
}  // namespace

TF_TEST(trainer_refuses_metrics_the_loss_cannot_feed) {
  auto model = smallModel();
  tf::Graph& net = model->graph();
  for (tf::MetricKind m : {tf::MetricKind::SparseCategoricalAccuracy, tf::MetricKind::SparseTopKCategoricalAccuracy})
    TF_EXPECT(throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::MeanSquaredError), {metricOf(m)}); }));
  for (tf::MetricKind m : {tf::MetricKind::CategoricalAccuracy, tf::MetricKind::BinaryAccuracy, tf::MetricKind::TopKCategoricalAccuracy})
    TF_EXPECT(throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(m)}); }));
  // Regression metrics read one-hot labels or targets: both losses may carry them.
  TF_EXPECT(!throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(tf::MetricKind::MeanSquaredError)}); }));
  TF_EXPECT(!throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::Huber), {metricOf(tf::MetricKind::MeanAbsoluteError)}); }));
}

TF_TEST(trainer_refuses_data_without_what_loss_and_metrics_read) {
  auto model = smallModel();
  tf::Graph& net = model->graph();
  std::vector<float> x(8, 0.5f), targets(12, 0.f);
  std::vector<int32_t> labels{0, 1, 2, 0};
  tf::Dataset floatData{x.data(), nullptr, targets.data(), nullptr, 4};
  tf::Dataset labelData{x.data(), labels.data(), nullptr, nullptr, 4};

  tf::Trainer sparse(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(tf::MetricKind::SparseCategoricalAccuracy)});
  TF_EXPECT(throwsInvalid([&] { sparse.trainChunk(floatData, 2, 2, nullptr); }));
  TF_EXPECT(throwsInvalid([&] { sparse.computeGradients(floatData); }));
  tf::Workspace ws;
  TF_EXPECT(throwsInvalid([&] { sparse.evaluate(floatData, 2, nullptr, ws); }));
  TF_EXPECT(sparse.trainChunk(labelData, 2, 2, nullptr).batches == 2);

  tf::Trainer dense(net, {}, lossOf(tf::LossKind::MeanSquaredError), {metricOf(tf::MetricKind::MeanAbsoluteError)});
  TF_EXPECT(throwsInvalid([&] { dense.trainChunk(labelData, 2, 2, nullptr); }));
  TF_EXPECT(dense.trainChunk(floatData, 2, 2, nullptr).batches == 2);

  tf::Dataset noInputs{nullptr, labels.data(), nullptr, nullptr, 4};
  TF_EXPECT(throwsInvalid([&] { sparse.trainChunk(noInputs, 2, 2, nullptr); }));
}

// A step whose loss the caller computes (custom losses: the tape) must update
// the weights exactly as the native loss does when the caller's gradient is
// that loss's: here MSE, dL/dp = 2 (p - y) / (batch x outputs).
TF_TEST(tape_step_updates_as_the_native_loss_does) {
  tf::Config d;
  d.setNumber("kind", 0);
  d.setNumber("units", 3);
  tf::Model a(std::vector<tf::Config>{d}, tf::Shape{2}), b(std::vector<tf::Config>{d}, tf::Shape{2});
  for (size_t i = 0; i < a.graph().params().size(); ++i) a.graph().params()[i] = 0.1f * static_cast<float>(i) - 0.3f;
  b.graph().params() = a.graph().params();
  tf::Trainer native(a.graph(), {}, lossOf(tf::LossKind::MeanSquaredError), {});
  tf::Trainer tape(b.graph(), {}, lossOf(tf::LossKind::MeanSquaredError), {});
  std::vector<float> x{0.5f, -1.f, 2.f, 0.25f, -0.75f, 1.5f, 1.f, 1.f};
  std::vector<float> y{0.f, 1.f, -1.f, 0.5f, 0.5f, 0.f, 2.f, -2.f, 1.f, 0.f, 0.f, 0.f};
  const double nativeLoss = native.computeGradients(tf::Dataset{x.data(), nullptr, y.data(), nullptr, 4});
  native.applyGradients();

  std::vector<float> out(12), grad(12);
  // Its refusal first: a step without the forward pass of its rows.
  bool applied = true;
  TF_EXPECT([&] {
    try {
      tape.tapeStep(grad.data(), 4, 0.0, &applied);
    } catch (const std::logic_error&) {
      return true;
    }
    return false;
  }());
  tape.tapeForward(x.data(), 4, out.data());
  double loss = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const double e = out[i] - y[i];
    loss += e * e / 12.0;
    grad[i] = static_cast<float>(2.0 * e / 12.0);
  }
  const double reported = tape.tapeStep(grad.data(), 4, loss, &applied);
  TF_EXPECT(applied);
  TF_EXPECT(std::abs(reported - nativeLoss) < 1e-6);
  for (size_t i = 0; i < a.graph().params().size(); ++i) TF_EXPECT(std::abs(a.graph().params()[i] - b.graph().params()[i]) < 1e-6f);
}
