// Ranks that fail together. Every exchange of a distributed operation (fit,
// evaluate, predict) starts with a control round: one number per rank,
// max-reduced, that is zero unless a rank failed, and then names the lowest
// rank that failed. A rank that fails anywhere -- a bad label in a training
// step, an exception in a callback, a bad argument -- joins the next control
// round with its failure; the others, which are always at a control round
// when they next wait for it, receive its message and throw too. So a
// failure on one rank is an error on every rank at once, not a hang (the
// timeout of mpi_runtime.h remains for a rank that stops talking altogether).
#pragma once
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

#include "data_parallel.h"
#include "mpi_runtime.h"

namespace tf::mpi {

// Another rank failed; the message names it and gives its error.
struct RankFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The control round. Returns when no rank failed. Otherwise every rank
// learns the lowest failing rank's message, and this one throws: its own
// `failure` when it has one, else RankFailure.
void agree(std::exception_ptr failure);

// A control round, then `values` reduced in place with `op` over the ranks.
void exchange(double* values, int64_t n, Op op);

// This rank failed outside native code (JavaScript): makes it known in a
// control round, with `message` for the other ranks. Does nothing when the
// failure has already been agreed on (it came out of agree() or exchange()),
// or when MPI is unusable. Returns whether a control round ran.
bool reportFailure(const std::string& message);

// Forgets a failure agreed on and not reported back, at the start and end
// of an operation: a later failure must reach the other ranks.
void clearAgreedFailure();

// The GradientSync of data-parallel training over MPI: a control round, then
// the gradients and the step's sums in one pair of reductions.
GradientSync& gradientSync();

// What gradientSync() has spent since the last reset, for benchmarks: the
// control rounds (which also wait for slower ranks) and the reductions of
// the gradients themselves, in wall and thread CPU seconds.
struct SyncTimes {
  int64_t steps = 0;
  int64_t bytes = 0;  // reduced per rank, gradients and sums
  double controlSeconds = 0, reduceSeconds = 0, reduceCpuSeconds = 0;
};
SyncTimes syncTimes(bool reset);

}  // namespace tf::mpi
