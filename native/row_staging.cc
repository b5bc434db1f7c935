#include "row_staging.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "memory_limit.h"

namespace tf {

namespace {
// Keeps a reused buffer's capacity unless it is far larger than needed.
template <typename Vector>
void sizeTo(Vector& v, int64_t n) {
  if (v.capacity() > 4 * static_cast<size_t>(n) + 4096) Vector().swap(v);
  v.resize(static_cast<size_t>(n));
}

// Rows this far ahead of the copy are fetched early: each row starts at a
// random place in the caller's data, where the CPU's own prefetchers have no
// stream to follow (the large MLP's 8 MB chunk: ~25% less time in isolation).
constexpr int64_t kRowsAhead = 2;

void prefetchRow(const float* row, int64_t floats) {
#if defined(__GNUC__)
  const char* p = reinterpret_cast<const char*>(row);
  for (int64_t b = 0, bytes = floats * static_cast<int64_t>(sizeof(float)); b < bytes; b += 64) __builtin_prefetch(p + b);
#else
  (void)row;
  (void)floats;
#endif
}
}  // namespace

void copyRows(RowCopy& o, const Dataset& d, const int32_t* order, int64_t begin, int64_t end, int64_t in, int64_t out) {
  const int64_t rows = std::max<int64_t>(0, end - begin);
  const double perRow = static_cast<double>(sizeof(float)) *
                        static_cast<double>(in + (d.targets ? out : 0) + (d.weights ? 1 : 0) + (d.labels ? d.labelWidth : 0));
  const double bytes = perRow * static_cast<double>(rows);
  requireMemory("a private copy of the data for the worker thread", bytes >= 9.0e18 ? -1 : static_cast<int64_t>(bytes));
  sizeTo(o.x, rows * in);
  const int64_t lw = d.labelWidth;
  sizeTo(o.labels, d.labels ? rows * lw : 0);
  sizeTo(o.targets, d.targets ? rows * out : 0);
  sizeTo(o.weights, d.weights ? rows : 0);
  // std::copy_n, not memcpy: a width of 0 (no labels per row) leaves a
  // vector's data() null, and memcpy's pointers must not be null even for 0 bytes.
  if (!order && rows > 0) {
    std::copy_n(d.x + begin * in, rows * in, o.x.data());
    if (d.labels) std::copy_n(d.labels + begin * lw, rows * lw, o.labels.data());
    if (d.targets) std::copy_n(d.targets + begin * out, rows * out, o.targets.data());
    if (d.weights) std::copy_n(d.weights + begin, rows, o.weights.data());
  }
  for (int64_t r = 0; order && r < rows; ++r) {
    if (r + kRowsAhead < rows) prefetchRow(d.x + static_cast<int64_t>(order[begin + r + kRowsAhead]) * in, in);
    const int64_t src = order[begin + r];
    std::copy_n(d.x + src * in, in, o.x.data() + r * in);
    if (d.labels) std::copy_n(d.labels + src * lw, lw, o.labels.data() + r * lw);
    if (d.targets) std::copy_n(d.targets + src * out, out, o.targets.data() + r * out);
    if (d.weights) o.weights[r] = d.weights[src];
  }
  o.data.x = o.x.data();
  o.data.labels = d.labels ? o.labels.data() : nullptr;
  o.data.targets = d.targets ? o.targets.data() : nullptr;
  o.data.weights = d.weights ? o.weights.data() : nullptr;
  o.data.n = rows;
  o.data.labelWidth = lw;
}

std::shared_ptr<RowCopy> copyAllRows(const Dataset& d, int64_t in, int64_t out) {
  auto o = std::make_shared<RowCopy>();
  copyRows(*o, d, nullptr, 0, d.n, in, out);
  return o;
}

void copyChunkRows(RowCopy& o, const Dataset& d, const ChunkKey& key, int64_t in, int64_t out) {
  if (key.ranks <= 1 || !key.order) return copyRows(o, d, key.order, key.beginRow(), key.endRow(), in, out);
  // This rank's share of each batch, gathered through an order of its own.
  std::vector<int32_t> mine;
  for (int64_t start = key.beginRow(); start < key.endRow(); start += key.batchSize) {
    const RowShare s = shareOfBatch(std::min(key.batchSize, key.endRow() - start), key.rank, key.ranks);
    mine.insert(mine.end(), key.order + start + s.begin, key.order + start + s.end);
  }
  copyRows(o, d, mine.data(), 0, static_cast<int64_t>(mine.size()), in, out);
}

std::shared_ptr<const RowCopy> ChunkStager::take(const Dataset& d, const ChunkKey& key, int64_t in, int64_t out) {
  const bool hit = valid_ && key.epoch >= 0 && stagedKey_ == key;
  valid_ = false;
  if (hit) std::swap(current_, staged_);
  else copyChunkRows(*current_, d, key, in, out);
  return current_;
}

void ChunkStager::prefetch(const Dataset& d, const ChunkKey& key, int64_t in, int64_t out) noexcept {
  // NOTE: runs after the current chunk was queued, so it must not throw: a
  // prefetch that fails (memory limit, allocation) stages nothing, and the
  // next take() copies, and reports, by itself.
  try {
    copyChunkRows(*staged_, d, key, in, out);
    stagedKey_ = key;
    valid_ = true;
  } catch (const std::exception&) {
    valid_ = false;
  }
}

}  // namespace tf
