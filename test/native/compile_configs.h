// The Config objects Model::compile takes, built as the TypeScript layer
// builds them: every option of an optimizer's rule is required (the defaults
// live in TypeScript), and the learning rate is a schedule.
#pragma once
#include "../../native/config.h"
#include "../../native/losses.h"
#include "../../native/metrics.h"
#include "../../native/optimizers.h"

namespace tf_test {

inline tf::Config constantRate(double learningRate) {
  tf::Config schedule;
  schedule.setNumber("kind", 0);
  schedule.setNumber("initial", learningRate);
  return schedule;
}

// Adam with Keras's defaults.
inline tf::Config adamConfig(double learningRate) {
  tf::Config opt;
  opt.setNumber("kind", static_cast<int32_t>(tf::OptimizerKind::Adam));
  opt.setNumber("beta1", 0.9);
  opt.setNumber("beta2", 0.999);
  opt.setNumber("epsilon", 1e-7);
  opt.setBool("amsgrad", false);
  opt.setNumber("weightDecay", 0);
  opt.setObject("schedule", constantRate(learningRate));
  return opt;
}

// Plain SGD: no momentum.
inline tf::Config sgdConfig(double learningRate) {
  tf::Config opt;
  opt.setNumber("kind", static_cast<int32_t>(tf::OptimizerKind::SGD));
  opt.setNumber("momentum", 0);
  opt.setBool("nesterov", false);
  opt.setNumber("weightDecay", 0);
  opt.setObject("schedule", constantRate(learningRate));
  return opt;
}

inline tf::Config lossConfig(tf::LossKind kind) {
  tf::Config loss;
  loss.setNumber("kind", static_cast<int32_t>(kind));
  return loss;
}

inline tf::Config metricConfig(tf::MetricKind kind) {
  tf::Config metric;
  metric.setNumber("kind", static_cast<int32_t>(kind));
  return metric;
}

}  // namespace tf_test
