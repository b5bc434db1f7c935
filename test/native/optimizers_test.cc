// The optimizer rows of native/optimizers.cc: every kind reads its options
// from the config (each one it reads is required; TypeScript holds the
// defaults), keeps the slot arrays its row plans, and steps. The update rules
// themselves are checked against Keras's formulas in
// test/training/optimizers.test.ts.
#include <cmath>
#include <limits>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/denormals.h"
#include "../../native/gemm.h"
#include "../../native/optimizers.h"
#include "check.h"

namespace {
// Every option any optimizer reads, with valid values.
tf::Config fullConfig(tf::OptimizerKind kind) {
  tf::Config c, schedule;
  c.setNumber("kind", static_cast<int32_t>(kind));
  schedule.setNumber("kind", static_cast<int32_t>(tf::ScheduleKind::Constant));
  schedule.setNumber("initial", 0.01);
  c.setObject("schedule", schedule);
  for (const char* k : {"beta1", "rho"}) c.setNumber(k, 0.9);
  c.setNumber("beta2", 0.999);
  c.setNumber("epsilon", 1e-7);
  c.setNumber("momentum", 0);
  c.setNumber("initialAccumulatorValue", 0.1);
  c.setNumber("weightDecay", 0);
  for (const char* k : {"nesterov", "amsgrad", "centered"}) c.setBool(k, false);
  return c;
}
const char* const kOptionKeys[] = {"beta1", "beta2", "epsilon", "momentum", "rho", "initialAccumulatorValue",
                                   "weightDecay", "nesterov", "amsgrad", "centered"};

// The message optimizerConfigFrom throws, or "" when it accepts the config.
std::string refusal(const tf::Config& c) {
  try {
    tf::optimizerConfigFrom(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TF_TEST(optimizer_rows_require_the_options_they_read) {
  for (int32_t k = 0; k < tf::enumCount(tf::OptimizerKind{}); ++k) {
    const auto kind = static_cast<tf::OptimizerKind>(k);
    TF_EXPECT(refusal(fullConfig(kind)).empty());
    int required = 0;
    for (const char* key : kOptionKeys) {
      tf::Config c = fullConfig(kind);
      c.setMissing(key);
      const std::string why = refusal(c);
      // Either the kind does not read the key, or its absence is named.
      TF_EXPECT(why.empty() || why == std::string(key) + " is required for " + tf::enumName(kind));
      required += !why.empty();
    }
    TF_EXPECT(required >= 2);  // weightDecay and at least one option of the rule
  }
}

TF_TEST(optimizer_rows_plan_slots_and_step) {
  struct Case {
    tf::OptimizerKind kind;
    const char* flag;      // set to true, or nullptr
    double momentum;
    int slots;
  };
  const Case cases[] = {
      {tf::OptimizerKind::SGD, nullptr, 0, 0},        {tf::OptimizerKind::SGD, "nesterov", 0.5, 1},
      {tf::OptimizerKind::Adam, nullptr, 0, 2},       {tf::OptimizerKind::Adam, "amsgrad", 0, 3},
      {tf::OptimizerKind::AdamW, "amsgrad", 0, 3},    {tf::OptimizerKind::RMSprop, nullptr, 0, 1},
      {tf::OptimizerKind::RMSprop, "centered", 0, 2}, {tf::OptimizerKind::RMSprop, "centered", 0.5, 3},
      {tf::OptimizerKind::Adagrad, nullptr, 0, 1},    {tf::OptimizerKind::Adadelta, nullptr, 0, 2},
      {tf::OptimizerKind::Adamax, nullptr, 0, 2},     {tf::OptimizerKind::Nadam, nullptr, 0, 2},
  };
  const int64_t n = 5;
  for (const Case& k : cases) {
    tf::Config c = fullConfig(k.kind);
    if (k.flag) c.setBool(k.flag, true);
    c.setNumber("momentum", k.momentum);
    const tf::OptimizerConfig cfg = tf::optimizerConfigFrom(c);
    TF_EXPECT(tf::optimizerSlotCount(cfg) == k.slots);
    tf::Optimizer opt(cfg, n);
    TF_EXPECT(static_cast<int>(opt.slots().size()) == k.slots);
    for (const auto& s : opt.slots()) TF_EXPECT(static_cast<int64_t>(s.size()) == n);
    // Adagrad's accumulators start at initialAccumulatorValue, every other slot at 0.
    if (k.kind == tf::OptimizerKind::Adagrad) TF_EXPECT(opt.slots()[0][0] == 0.1f);
    else if (k.slots > 0) TF_EXPECT(opt.slots()[0][0] == 0.f);

    std::vector<float> w(n, 0.5f), g{0.1f, -0.2f, 0.3f, -0.4f, 0.5f};
    const std::vector<std::pair<int64_t, int64_t>> segments{{0, n}};
    for (int step = 0; step < 3; ++step) {
      std::vector<float> gs = g;
      TF_EXPECT(opt.step(w.data(), gs.data(), n, segments));
    }
    TF_EXPECT(opt.iterations() == 3);
    TF_EXPECT(w[0] < 0.5f && w[1] > 0.5f);  // every rule steps against the gradient's sign
  }
}

TF_TEST(optimizer_without_a_valid_kind_is_refused) {
  tf::Config c = fullConfig(tf::OptimizerKind::Adam);
  c.setNumber("kind", tf::enumCount(tf::OptimizerKind{}));
  TF_EXPECT(refusal(c) == "kind is not a valid code");
  tf::OptimizerConfig bad;
  bad.kind = tf::OptimizerKind::Count;
  bool threw = false;
  try {
    tf::Optimizer opt(bad, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  TF_EXPECT(threw);
}

// From 2^17 parameters the Adam step is split across the thread budget (the
// AVX-512 GEMM's helpers claim parts of it). Every element's update is its
// own, so 1 and 2 threads give the same bits, also when the moments are
// subnormal under the trainer's flush-to-zero (the helpers take the caller's
// floating-point mode), and an overflowing update in any part is reported.
TF_TEST(adam_split_across_threads_is_bit_identical) {
  const int64_t n = (int64_t{1} << 17) + 37;
  const tf::OptimizerConfig cfg = tf::optimizerConfigFrom(fullConfig(tf::OptimizerKind::Adam));
  const std::vector<std::pair<int64_t, int64_t>> segments{{0, n}};
  const int saved = tf::getBlasThreads();
  std::vector<std::vector<float>> result;
  for (int threads : {1, 2}) {
    tf::setBlasThreads(threads);
    tf::ScopedFlushDenormals ftz;
    tf::Optimizer opt(cfg, n);
    std::vector<float> w(n);
    for (int64_t i = 0; i < n; ++i) w[i] = 0.001f * static_cast<float>(i % 997) - 0.5f;
    for (int step = 0; step < 4; ++step) {
      std::vector<float> g(n);
      // Gradients down to 1e-38 (subnormal squares and moments), some zero.
      for (int64_t i = 0; i < n; ++i) g[i] = (i % 7 == 0) ? 0.f : std::ldexp(1.f, -static_cast<int>(i % 127)) * (i % 2 ? 1.f : -1.f);
      TF_EXPECT(opt.step(w.data(), g.data(), n, segments));
    }
    result.push_back(w);
    // An update that overflows in the last part is reported.
    std::vector<float> g(n, 0.f);
    g[n - 1] = std::numeric_limits<float>::infinity();
    TF_EXPECT(!opt.step(w.data(), g.data(), n, segments));
  }
  tf::setBlasThreads(saved);
  TF_EXPECT(std::memcmp(result[0].data(), result[1].data(), sizeof(float) * n) == 0);
}
