// The trainer checks its own preconditions instead of trusting the caller
// (issue: a metric without a kind became a sparse metric, and training with
// float targets then read labels through a null pointer).
#include <stdexcept>
#include <vector>

#include "../../native/trainer.h"
#include "check.h"

namespace {
tf::Network smallNet() {
  tf::LayerSpec d;
  d.kind = tf::LayerKind::Dense;
  d.units = 3;
  return tf::Network({d}, 2);
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
  tf::Network net = smallNet();
  for (tf::MetricKind m : {tf::MetricKind::SparseCategoricalAccuracy, tf::MetricKind::SparseTopKCategoricalAccuracy})
    TF_EXPECT(throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::MeanSquaredError), {metricOf(m)}); }));
  for (tf::MetricKind m : {tf::MetricKind::CategoricalAccuracy, tf::MetricKind::BinaryAccuracy, tf::MetricKind::TopKCategoricalAccuracy})
    TF_EXPECT(throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(m)}); }));
  // Regression metrics read one-hot labels or targets: both losses may carry them.
  TF_EXPECT(!throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(tf::MetricKind::MeanSquaredError)}); }));
  TF_EXPECT(!throwsInvalid([&] { tf::Trainer(net, {}, lossOf(tf::LossKind::Huber), {metricOf(tf::MetricKind::MeanAbsoluteError)}); }));
}

TF_TEST(trainer_refuses_data_without_what_loss_and_metrics_read) {
  tf::Network net = smallNet();
  std::vector<float> x(8, 0.5f), targets(12, 0.f);
  std::vector<int32_t> labels{0, 1, 2, 0};
  tf::Dataset floatData{x.data(), nullptr, targets.data(), nullptr, 4};
  tf::Dataset labelData{x.data(), labels.data(), nullptr, nullptr, 4};

  tf::Trainer sparse(net, {}, lossOf(tf::LossKind::SparseCategoricalCrossentropy), {metricOf(tf::MetricKind::SparseCategoricalAccuracy)});
  TF_EXPECT(throwsInvalid([&] { sparse.trainChunk(floatData, 2, 0, 2, nullptr); }));
  TF_EXPECT(throwsInvalid([&] { sparse.computeGradients(floatData); }));
  tf::Workspace ws;
  TF_EXPECT(throwsInvalid([&] { sparse.evaluate(floatData, 2, nullptr, ws); }));
  TF_EXPECT(sparse.trainChunk(labelData, 2, 0, 2, nullptr).batches == 2);

  tf::Trainer dense(net, {}, lossOf(tf::LossKind::MeanSquaredError), {metricOf(tf::MetricKind::MeanAbsoluteError)});
  TF_EXPECT(throwsInvalid([&] { dense.trainChunk(labelData, 2, 0, 2, nullptr); }));
  TF_EXPECT(dense.trainChunk(floatData, 2, 0, 2, nullptr).batches == 2);

  tf::Dataset noInputs{nullptr, labels.data(), nullptr, nullptr, 4};
  TF_EXPECT(throwsInvalid([&] { sparse.trainChunk(noInputs, 2, 0, 2, nullptr); }));
}
