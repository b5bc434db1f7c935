#include "core_budget.h"

#include <algorithm>

#include "gemm.h"

namespace tf {

CoreBudget::CoreBudget(int total) : total_(std::max(1, total)) {}

CoreBudget& CoreBudget::global() {
  static CoreBudget budget(hardwareThreads());
  return budget;
}

void CoreBudget::setTotal(int n) {
  {
    std::lock_guard<std::mutex> g(m_);
    total_ = std::max(1, n);
  }
  freed_.notify_all();
}

int CoreBudget::total() const {
  std::lock_guard<std::mutex> g(m_);
  return total_;
}

int CoreBudget::inUse() const {
  std::lock_guard<std::mutex> g(m_);
  return used_;
}

int CoreBudget::peak() const {
  std::lock_guard<std::mutex> g(m_);
  return peak_;
}

void CoreBudget::resetPeak() {
  std::lock_guard<std::mutex> g(m_);
  peak_ = used_;
}

int CoreBudget::takeLocked(int want) {
  const int n = std::max(0, std::min(want, total_ - used_));
  used_ += n;
  peak_ = std::max(peak_, used_);
  return n;
}

int CoreBudget::acquire(int want) {
  std::unique_lock<std::mutex> g(m_);
  freed_.wait(g, [&] { return used_ < total_; });
  return takeLocked(std::max(1, want));
}

int CoreBudget::tryAcquire(int want) {
  if (want <= 0) return 0;
  std::lock_guard<std::mutex> g(m_);
  return takeLocked(want);
}

void CoreBudget::release(int n) {
  if (n <= 0) return;
  {
    std::lock_guard<std::mutex> g(m_);
    used_ -= n;
  }
  freed_.notify_all();
}

CoreLease::CoreLease(CoreBudget& budget, int want, Mode mode)
    : budget_(budget), n_(mode == Wait ? budget.acquire(want) : budget.tryAcquire(want)) {}

CoreLease::~CoreLease() { budget_.release(n_); }

}  // namespace tf
