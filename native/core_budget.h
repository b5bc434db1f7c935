// One process-wide budget of "core tokens" shared by every native job, so that
// worker threads plus BLAS helper threads never outnumber the cores.
// NOTE: oversubscription is not a mild slowdown: BLAS threads spin at their
// barriers, so one that loses its core stalls the others (two thread pools on
// two cores made PyTorch 4x slower here). A job on a worker thread holds one
// token for its own thread and one per BLAS helper it may use; the size of
// the budget follows setNumThreads (default: the cores).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tf {

class CoreBudget {
 public:
  explicit CoreBudget(int total);
  CoreBudget(const CoreBudget&) = delete;
  CoreBudget& operator=(const CoreBudget&) = delete;

  // The process-wide budget (all addon instances, all worker_threads).
  static CoreBudget& global();

  // n >= 1. Tokens held when the budget shrinks are returned as usual; new
  // jobs wait until the tokens in use fall below the new size.
  void setTotal(int n);
  int total() const;
  int inUse() const;
  // Most tokens in use at once since the last resetPeak (for tests).
  int peak() const;
  void resetPeak();

  // Blocks until a token is free, then takes as many as are free, up to `want` (>= 1).
  int acquire(int want);
  // Takes up to `want` free tokens without waiting; may return 0.
  int tryAcquire(int want);
  void release(int n);

 private:
  int takeLocked(int want);

  mutable std::mutex m_;
  std::condition_variable freed_;
  int total_;
  int used_ = 0;
  int peak_ = 0;
};

// Tokens held for a scope. `Wait` blocks for at least one token (worker
// threads only: the JavaScript thread must never wait); `NoWait` takes only
// what is free, possibly none (for helpers of work done inline).
class CoreLease {
 public:
  enum Mode { Wait, NoWait };
  CoreLease(CoreBudget& budget, int want, Mode mode);
  ~CoreLease();
  CoreLease(const CoreLease&) = delete;
  CoreLease& operator=(const CoreLease&) = delete;
  int count() const { return n_; }

 private:
  CoreBudget& budget_;
  int n_;
};

}  // namespace tf
