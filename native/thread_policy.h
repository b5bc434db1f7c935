// How many threads a job gets, in one place: a job on a worker thread waits
// for one core token and takes up to what its graph can use
// (Graph::usefulThreads); work done inline on the JavaScript thread never
// waits and only borrows helpers that are free. Either way the BLAS is capped
// to the tokens held, so all pools together never exceed the cores
// (core_budget.h).
#pragma once
#include "core_budget.h"
#include "gemm.h"

namespace tf {

// For the scope of a worker-thread job.
class WorkerThreads {
 public:
  explicit WorkerThreads(int want) : lease_(CoreBudget::global(), want, CoreLease::Wait), cap_(lease_.count()) {}

 private:
  CoreLease lease_;
  ScopedBlasThreads cap_;
};

// For the scope of work on the JavaScript thread (not counted in the budget;
// its helpers are).
class InlineThreads {
 public:
  explicit InlineThreads(int want) : helpers_(CoreBudget::global(), want - 1, CoreLease::NoWait), cap_(1 + helpers_.count()) {}

 private:
  CoreLease helpers_;
  ScopedBlasThreads cap_;
};

}  // namespace tf
