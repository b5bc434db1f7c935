// Private copies of a caller's samples for work on another thread, and the
// prefetch of a training chunk's rows. JavaScript can detach, transfer or
// shrink a caller's ArrayBuffer while a worker runs (a pinned reference
// keeps the object alive, not its memory), so async work never reads caller
// memory after it has been queued: the caller's thread copies what the
// worker reads. fit's copy gathers the rows in the epoch's shuffled order,
// so training reads batches contiguously; the next chunk's copy is made
// while the current chunk trains, so the copy overlaps the arithmetic.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "data_parallel.h"
#include "huge_page_buffer.h"
#include "trainer.h"

namespace tf {

struct RowCopy {
  // The inputs, megabytes per chunk, on huge pages: their first touch is a fit's first epoch's.
  std::vector<float, HugePageAllocator<float>> x;
  std::vector<float> targets, weights;
  std::vector<int32_t> labels;
  Dataset data;  // views of the vectors above
};

// Rows order[begin..end) of d (rows begin..end when order is null), in that
// order, into `o` (whose buffers are reused). inDim / outDim: floats per row
// of x / targets (labels: d.labelWidth per row). Throws std::length_error over the memory limit.
void copyRows(RowCopy& o, const Dataset& d, const int32_t* order, int64_t begin, int64_t end, int64_t inDim, int64_t outDim);
std::shared_ptr<RowCopy> copyAllRows(const Dataset& d, int64_t inDim, int64_t outDim);

// The rows of a run of training batches: batches [first, first + count) of
// batchSize rows over an epoch's order of n samples. `epoch` is the
// caller's id for one shuffled order (pointers alone can be reused); < 0
// never matches. With ranks > 1, only rank `rank`'s share of each batch
// (data_parallel.h), the shares one after the other.
struct ChunkKey {
  int64_t first = 0, count = 0, batchSize = 0, n = 0;
  const void* x = nullptr;
  const int32_t* order = nullptr;
  double epoch = -1;
  int rank = 0, ranks = 1;
  int64_t beginRow() const { return std::min(first * batchSize, n); }
  int64_t endRow() const { return beginRow() + std::min(count * batchSize, n - beginRow()); }
  bool operator==(const ChunkKey& o) const {
    return first == o.first && count == o.count && batchSize == o.batchSize && n == o.n && x == o.x && order == o.order &&
           epoch == o.epoch && rank == o.rank && ranks == o.ranks;
  }
};

// The rows of `key` (this rank's shares when key.ranks > 1) into `o`.
void copyChunkRows(RowCopy& o, const Dataset& d, const ChunkKey& key, int64_t inDim, int64_t outDim);

// Two buffers that alternate: one a worker trains on, one being filled with
// the next chunk. Not thread-safe: the caller's thread uses it, one chunk in
// flight at a time.
class ChunkStager {
 public:
  // The chunk's rows: the prefetched copy when `key` is what was staged,
  // else a fresh copy.
  std::shared_ptr<const RowCopy> take(const Dataset& d, const ChunkKey& key, int64_t inDim, int64_t outDim);
  // Copies the rows of `key` for the next take(); never throws.
  void prefetch(const Dataset& d, const ChunkKey& key, int64_t inDim, int64_t outDim) noexcept;

 private:
  std::shared_ptr<RowCopy> current_ = std::make_shared<RowCopy>();
  std::shared_ptr<RowCopy> staged_ = std::make_shared<RowCopy>();
  ChunkKey stagedKey_;
  bool valid_ = false;
};

}  // namespace tf
