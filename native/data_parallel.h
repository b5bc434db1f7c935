// Data-parallel training (issue 22): every rank holds the same model and the
// same data, walks the same shuffled order, and trains on its share of each
// global batch; one reduction over the gradient arena per step makes every
// rank apply the update of the whole batch. This header is what the trainer
// and the row staging need to know about it; the exchange between ranks is
// behind GradientSync (rank_agreement.h implements it over MPI; native tests
// with threads).
#pragma once
#include <cstdint>
#include <exception>

namespace tf {

// Rows [begin, end) of a batch of `rows` that rank `rank` of `ranks` trains
// on: as equal as possible (sizes differ by at most one), in rank order, so
// the ranks' shares put together are the batch.
struct RowShare {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
inline RowShare shareOfBatch(int64_t rows, int rank, int ranks) {
  return {rows * rank / ranks, rows * (rank + 1) / ranks};
}

// The exchange after each rank's backward pass. Every rank calls reduce once
// per step, in the same order.
class GradientSync {
 public:
  virtual ~GradientSync() = default;
  // Sums `grads` (n floats: this rank's gradient, already divided by the
  // global batch size) and `stats` (s doubles: loss and metric sums) over
  // the ranks, in place. `failure` is this rank's error from the step (null
  // when it went well): it is made known to every rank first, and then every
  // rank throws (this one its own exception, the others naming it). Throws
  // when the ranks cannot be reached in time.
  virtual void reduce(float* grads, int64_t n, double* stats, int64_t s, std::exception_ptr failure) = 0;
};

// A chunk of data-parallel training: the rows staged for this rank are its
// shares of the chunk's global batches, one after the other.
struct DataParallel {
  GradientSync* sync = nullptr;
  int rank = 0, ranks = 1;
  int64_t globalBatch = 0;  // fit's batchSize: the batch every step averages over
  int64_t globalRows = 0;   // rows of the chunk's global batches (the last may be short)
};

}  // namespace tf
