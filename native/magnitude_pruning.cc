#include "magnitude_pruning.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <string>

#include "memory_limit.h"

namespace tf {

double PruningSchedule::sparsityAt(int64_t step) const {
  if (step < beginStep || (endStep >= 0 && step > endStep) || (step - beginStep) % frequency != 0) return -1;
  if (kind == Kind::Constant) return targetSparsity;
  const double p = std::clamp(static_cast<double>(step - beginStep) / static_cast<double>(endStep - beginStep), 0.0, 1.0);
  return targetSparsity + (initialSparsity - targetSparsity) * std::pow(1.0 - p, power);
}

MagnitudePruning::MagnitudePruning(const Config& o, const std::vector<float>& params) {
  static const char* const kKeys[] = {"ranges", "schedule", "initialSparsity", "targetSparsity", "beginStep", "endStep", "frequency", "power"};
  for (const std::string& key : o.keys())
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) == std::end(kKeys))
      throw std::invalid_argument("unknown pruning option '" + key + "'");
  const int64_t n = static_cast<int64_t>(params.size());
  const int32_t kind = static_cast<int32_t>(o.integer("schedule", 0, 0, 1));
  schedule_.kind = kind == 0 ? PruningSchedule::Kind::Polynomial : PruningSchedule::Kind::Constant;
  auto fraction = [&](const char* key, double def) {
    const double v = o.number(key, def);
    if (!(v >= 0 && v < 1)) throw std::out_of_range(std::string(key) + " must be in [0, 1), got " + std::to_string(v));
    return v;
  };
  schedule_.initialSparsity = fraction("initialSparsity", 0);
  schedule_.targetSparsity = fraction("targetSparsity", 0.5);
  schedule_.beginStep = o.integer("beginStep", 0, 0, int64_t{1} << 53);
  schedule_.endStep = o.integer("endStep", -1, -1, int64_t{1} << 53);
  schedule_.frequency = o.integer("frequency", 100, 1, int64_t{1} << 53);
  schedule_.power = o.number("power", 3);
  if (!(schedule_.power > 0 && std::isfinite(schedule_.power))) throw std::out_of_range("power must be a positive number");
  if (schedule_.kind == PruningSchedule::Kind::Polynomial && schedule_.endStep <= schedule_.beginStep)
    throw std::out_of_range("a polynomial schedule needs endStep > beginStep, got beginStep " + std::to_string(schedule_.beginStep) +
                            " and endStep " + std::to_string(schedule_.endStep));
  if (schedule_.endStep >= 0 && schedule_.endStep < schedule_.beginStep)
    throw std::out_of_range("endStep " + std::to_string(schedule_.endStep) + " is before beginStep " + std::to_string(schedule_.beginStep));
  int64_t total = 0, widest = 0, end = 0;
  for (const std::vector<double>& r : o.numberLists("ranges")) {
    if (r.size() != 2) throw std::invalid_argument("ranges must hold [offset, size] pairs");
    const double off = r[0], size = r[1];
    if (!(off >= static_cast<double>(end) && size >= 1 && off + size <= static_cast<double>(n)) || std::floor(off) != off ||
        std::floor(size) != size)
      throw std::out_of_range("ranges must be increasing, non-overlapping [offset, size] pairs inside the " + std::to_string(n) +
                              " parameters");
    ranges_.emplace_back(static_cast<int64_t>(off), static_cast<int64_t>(size));
    end = static_cast<int64_t>(off + size);
    total += static_cast<int64_t>(size);
    widest = std::max(widest, static_cast<int64_t>(size));
  }
  if (ranges_.empty()) throw std::invalid_argument("ranges must name at least one weight to prune");
  requireMemory("the pruning masks", total + widest * static_cast<int64_t>(sizeof(float)));
  mask_.resize(static_cast<size_t>(total));
  magnitudes_.resize(static_cast<size_t>(widest));
  size_t m = 0;
  for (const auto& [off, size] : ranges_)
    for (int64_t e = 0; e < size; ++e) mask_[m++] = params[static_cast<size_t>(off + e)] != 0.0f;
}

// Each range keeps its largest-magnitude weights: exactly floor(sparsity *
// size) are masked, the smallest first (ties broken by position).
void MagnitudePruning::updateMasks(double sparsity, const float* params) {
  size_t m = 0;
  for (const auto& [off, size] : ranges_) {
    const auto k = static_cast<int64_t>(std::floor(sparsity * static_cast<double>(size)));
    uint8_t* mask = mask_.data() + m;
    m += static_cast<size_t>(size);
    if (k <= 0) {
      std::fill(mask, mask + size, uint8_t{1});
      continue;
    }
    float* mag = magnitudes_.data();
    for (int64_t e = 0; e < size; ++e) mag[e] = std::fabs(params[off + e]);
    std::nth_element(mag, mag + (k - 1), mag + size);
    const float threshold = mag[k - 1];
    int64_t below = 0;
    for (int64_t e = 0; e < size; ++e) below += std::fabs(params[off + e]) < threshold;
    int64_t atThreshold = k - below;  // how many weights equal to the threshold go too
    for (int64_t e = 0; e < size; ++e) {
      const float a = std::fabs(params[off + e]);
      bool pruned = a < threshold;
      if (!pruned && a == threshold && atThreshold > 0) {
        pruned = true;
        --atThreshold;
      }
      mask[e] = !pruned;
    }
  }
}

void MagnitudePruning::afterStep(int64_t iterations, float* params, std::vector<std::vector<float>>& slots) {
  const double s = schedule_.sparsityAt(iterations);
  if (s >= 0) updateMasks(s, params);
  size_t m = 0;
  for (const auto& [off, size] : ranges_) {
    const uint8_t* mask = mask_.data() + m;
    m += static_cast<size_t>(size);
    for (int64_t e = 0; e < size; ++e) {
      if (mask[e]) continue;
      params[off + e] = 0.0f;
      for (std::vector<float>& slot : slots) slot[static_cast<size_t>(off + e)] = 0.0f;
    }
  }
}

}  // namespace tf
