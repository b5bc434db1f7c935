// Magnitude pruning during training (issue 20), as TensorFlow Model
// Optimization's prune_low_magnitude does it: at scheduled steps the
// smallest-magnitude weights of each pruned tensor are masked out until the
// tensor reaches the schedule's sparsity, and after every optimizer update
// the masked weights, and their optimizer slots, are set back to zero, so a
// pruned weight stays exactly zero and its slots stop moving. The mask is an
// arena at the parameters' offsets; nothing crosses into JavaScript per step
// and nothing is allocated per step.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "config.h"

namespace tf {

struct PruningSchedule {
  enum class Kind { Polynomial, Constant } kind = Kind::Polynomial;
  double initialSparsity = 0, targetSparsity = 0.5;
  int64_t beginStep = 0, endStep = -1, frequency = 100;
  double power = 3;
  // The sparsity the masks take after update `step` (counted from 1), or -1
  // when the masks are not updated at that step. Polynomial (TFMOT's
  // PolynomialDecay): target + (initial - target) * (1 - p)^power, p the
  // progress from beginStep to endStep. Constant: target at every update
  // from beginStep (to endStep, or for ever with endStep -1).
  double sparsityAt(int64_t step) const;
};

class MagnitudePruning {
 public:
  // Options (checked; std::invalid_argument / std::out_of_range naming
  // them): ranges ([offset, size] pairs inside a parameter arena of
  // `paramCount` floats, not overlapping), schedule ('polynomial' 0 or
  // 'constant' 1), initialSparsity, targetSparsity in [0, 1), beginStep,
  // endStep (-1: none, for constant), frequency >= 1, power > 0.
  // Weights already exactly zero start masked (pruning resumed).
  MagnitudePruning(const Config& options, const std::vector<float>& params);

  // After the optimizer update that made `iterations` updates in all.
  void afterStep(int64_t iterations, float* params, std::vector<std::vector<float>>& slots);

  const PruningSchedule& schedule() const { return schedule_; }
  const std::vector<std::pair<int64_t, int64_t>>& ranges() const { return ranges_; }
  // 1 kept, 0 pruned, per float of each range in turn.
  const std::vector<uint8_t>& mask() const { return mask_; }

 private:
  void updateMasks(double sparsity, const float* params);

  PruningSchedule schedule_;
  std::vector<std::pair<int64_t, int64_t>> ranges_;
  std::vector<uint8_t> mask_;
  std::vector<float> magnitudes_;  // scratch: one range's |w|, sized once
};

}  // namespace tf
