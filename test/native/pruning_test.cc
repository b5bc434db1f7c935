// Magnitude pruning (native/magnitude_pruning.h): the schedule's sparsity at
// each step, the masks (exactly floor(s * size) smallest magnitudes per
// range, ties by position), the zeroing of weights and optimizer slots, and
// the option checks.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../native/magnitude_pruning.h"
#include "check.h"

namespace {
tf::Config options(std::vector<std::vector<double>> ranges, double target, int64_t begin, int64_t end, int64_t frequency,
                   int schedule = 0) {
  tf::Config c;
  c.setNumberLists("ranges", std::move(ranges));
  c.setNumber("targetSparsity", target);
  c.setNumber("beginStep", static_cast<double>(begin));
  c.setNumber("endStep", static_cast<double>(end));
  c.setNumber("frequency", static_cast<double>(frequency));
  c.setNumber("schedule", schedule);
  return c;
}

template <typename E, typename F>
bool refused(F f, const std::string& part) {
  try {
    f();
  } catch (const E& e) {
    return std::string(e.what()).find(part) != std::string::npos;
  } catch (...) {
    return false;
  }
  return false;
}
}  // namespace

TF_TEST(pruning_schedule_is_tfmot_polynomial_decay) {
  tf::PruningSchedule s;
  s.initialSparsity = 0.1;
  s.targetSparsity = 0.9;
  s.beginStep = 10;
  s.endStep = 50;
  s.frequency = 10;
  TF_EXPECT(s.sparsityAt(5) == -1 && s.sparsityAt(15) == -1 && s.sparsityAt(60) == -1);
  TF_EXPECT(std::fabs(s.sparsityAt(10) - 0.1) < 1e-12);
  TF_EXPECT(std::fabs(s.sparsityAt(30) - (0.9 + (0.1 - 0.9) * std::pow(0.5, 3))) < 1e-12);
  TF_EXPECT(std::fabs(s.sparsityAt(50) - 0.9) < 1e-12);
  s.kind = tf::PruningSchedule::Kind::Constant;
  s.endStep = -1;
  TF_EXPECT(s.sparsityAt(1000) == 0.9 && s.sparsityAt(1005) == -1);
}

TF_TEST(pruning_masks_the_smallest_magnitudes_and_zeroes_slots) {
  // Two ranges: [1, 6) and [8, 12) of 12 parameters; ties at |0.5|.
  std::vector<float> params = {9, -0.5f, 3, 0.5f, -4, 0.25f, 7, 8, -1, 2, -0.1f, 5};
  std::vector<std::vector<float>> slots(2, std::vector<float>(12, 1.0f));
  tf::MagnitudePruning p(options({{1, 5}, {8, 4}}, 0.5, 0, 100, 4, 1), params);
  p.afterStep(3, params.data(), slots);  // no update at step 3: nothing pruned yet
  TF_EXPECT(params[5] == 0.25f && slots[0][5] == 1.0f);
  p.afterStep(4, params.data(), slots);
  // Range 1 (5 values): floor(2.5) = 2 pruned, 0.25 then the first 0.5 by position (index 1).
  const std::vector<float> want = {9, 0, 3, 0.5f, -4, 0, 7, 8, -1, 2, 0, 5};
  // Range 2 (4 values): 2 pruned: -0.1 and -1.
  std::vector<float> want2 = want;
  want2[8] = 0;
  for (size_t i = 0; i < params.size(); ++i) TF_EXPECT(params[i] == want2[i]);
  for (const auto& slot : slots)
    for (size_t i = 0; i < slot.size(); ++i) TF_EXPECT(slot[i] == (want2[i] == 0 && i != 0 ? 0.0f : 1.0f));
  // A pruned weight the optimizer moves again is zeroed after every update until the next mask update.
  params[1] = 3;
  slots[1][1] = 2;
  p.afterStep(5, params.data(), slots);
  TF_EXPECT(params[1] == 0 && slots[1][1] == 0);
}

TF_TEST(pruning_starts_from_weights_already_zero) {
  std::vector<float> params = {0, 1, 2, 0};
  std::vector<std::vector<float>> slots;
  tf::MagnitudePruning p(options({{0, 4}}, 0.1, 0, -1, 1000, 1), params);
  params[0] = 5;
  p.afterStep(1, params.data(), slots);
  TF_EXPECT(params[0] == 0 && params[3] == 0 && params[1] == 1);
}

TF_TEST(pruning_options_are_checked) {
  std::vector<float> params(10, 1.0f);
  using IA = std::invalid_argument;
  using OR = std::out_of_range;
  TF_EXPECT(refused<OR>([&] { tf::MagnitudePruning(options({{0, 4}}, 1.0, 0, 10, 1), params); }, "targetSparsity must be in [0, 1)"));
  TF_EXPECT(refused<OR>([&] { tf::MagnitudePruning(options({{0, 4}}, 0.5, 5, 5, 1), params); }, "needs endStep > beginStep"));
  TF_EXPECT(refused<OR>([&] { tf::MagnitudePruning(options({{0, 4}}, 0.5, 5, 2, 1, 1), params); }, "endStep 2 is before beginStep 5"));
  TF_EXPECT(refused<OR>([&] { tf::MagnitudePruning(options({{0, 11}}, 0.5, 0, 10, 1), params); }, "inside the 10 parameters"));
  TF_EXPECT(refused<OR>([&] { tf::MagnitudePruning(options({{4, 2}, {0, 2}}, 0.5, 0, 10, 1), params); }, "increasing, non-overlapping"));
  TF_EXPECT(refused<IA>([&] { tf::MagnitudePruning(options({}, 0.5, 0, 10, 1), params); }, "at least one weight"));
  TF_EXPECT(refused<IA>([&] { tf::MagnitudePruning(options({{0, 1, 2}}, 0.5, 0, 10, 1), params); }, "[offset, size] pairs"));
  tf::Config extra = options({{0, 4}}, 0.5, 0, 10, 1);
  extra.setNumber("sparsity", 1);
  TF_EXPECT(refused<IA>([&] { tf::MagnitudePruning(extra, params); }, "unknown pruning option 'sparsity'"));
  TF_EXPECT(refused<IA>([&] { tf::MagnitudePruning(options({{0, 4}}, 0.5, 0, 10, 0), params); }, "frequency must be an integer"));
}
