// The trainer checks its own preconditions instead of trusting the caller
// (issue: a metric without a kind became a sparse metric, and training with
// float targets then read labels through a null pointer).
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
