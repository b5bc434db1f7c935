// Threads and packing buffers of the AVX-512 SGEMM (gemm_avx512.h); the
// arithmetic is in gemm_avx512_kernel.cc.
#include "gemm_avx512.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <new>
#include <mutex>
#include <thread>
#include <vector>

#include "cpu_features.h"
#include "gemm.h"
#include "gemm_avx512_kernel.h"
#include "huge_page_buffer.h"

#if TF_GEMM_AVX512_BUILT
#include <immintrin.h>  // _mm_pause
#endif

namespace tf {

bool avx512GemmAvailable() {
#if TF_GEMM_AVX512_BUILT
  return cpuHasSkylakeXFeatures();
#else
  return false;
#endif
}

#if TF_GEMM_AVX512_BUILT
namespace {

using avx512::GemmArgs;

// Packing space of one thread, grown on demand and kept (a training step
// reuses it, so it maps memory only on its first product of a new size): the
// block of op(A), then op(B)'s panels, in one buffer on huge pages
// (huge_page_buffer.h).
struct PackBuffers {
  HugePageBuffer memory;

  void get(int64_t aFloats, int64_t bFloats, float*& a, float*& b) {
    const int64_t aLines = (aFloats + 15) / 16 * 16;  // op(B) starts on a 64-byte line
    a = static_cast<float*>(memory.reserve(static_cast<size_t>(aLines + bFloats) * sizeof(float)));
    b = a + aLines;
  }
};

PackBuffers& threadBuffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

// One part of a product. Plain: C rows [m0,m1) x columns [n0,n1), packing
// its own op(B). Task: fn(ctx, m0) of runOnGemmHelpers.
enum class PartKind { Plain, Task };
struct Part {
  int64_t m0, m1, n0, n1;
  PartKind kind = PartKind::Plain;
};

// The function of a product made of Task parts (runOnGemmHelpers).
struct Task {
  void (*fn)(void*, int) = nullptr;
  void* ctx = nullptr;
};

void runPart(const GemmArgs& g, const Part& p, const Task* task = nullptr) {
  if (p.kind == PartKind::Task) {
    task->fn(task->ctx, static_cast<int>(p.m0));
    return;
  }
  if (g.direct) {
    avx512::gemmBlockDirect(g, p.m0, p.m1, p.n0, p.n1);
    return;
  }
  // Columns in slices of at most kMaxPackedCols, so the packing space of a
  // thread stays bounded (~4 MiB) whatever N is; each element's sum over k
  // runs in the same order either way.
  constexpr int64_t kMaxPackedCols = 4096;
  PackBuffers& buf = threadBuffers();
  float *a, *b;
  buf.get(avx512::packedAFloats(g.kc), avx512::packedBFloats(std::min(p.n1 - p.n0, kMaxPackedCols), g.kc), a, b);
  for (int64_t n0 = p.n0; n0 < p.n1; n0 += kMaxPackedCols)
    avx512::gemmBlock(g, p.m0, p.m1, n0, std::min(p.n1, n0 + kMaxPackedCols), a, b);
}

// Helper threads for products split across cores. One product at a time
// uses them (a second caller meanwhile runs on its own thread alone). Parts
// are claimed, not assigned: the caller works through them too, so a helper
// that has no core at the moment (a shared machine) delays nothing; it finds
// the parts taken when it runs. A helper spins briefly after a product,
// since a training step issues them back to back, then sleeps. Callers pass
// threads from the core budget (threadsForGemm), so helpers never outnumber
// free cores.
class HelperPool {
 public:
  static HelperPool& get() {
    // Never destroyed: helpers may still be parked at process exit.
    static HelperPool* pool = new HelperPool(std::max(0, hardwareThreads() - 1));
    return *pool;
  }

  int helpers() const { return count_; }

  // Runs parts[0..n) on the calling thread and on helpers; returns false
  // without running anything when another product holds the pool.
  bool run(const GemmArgs& g, const Part* parts, int n, void (*task)(void*, int) = nullptr, void* ctx = nullptr) {
    // A part that issues work of its own (a row share of a training step
    // running its products) runs it alone: the pool is busy with its product.
    if (tInPart) return false;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    task_.fn = task;
    task_.ctx = ctx;
    // Helpers run the parts in the caller's floating-point mode (the trainer
    // flushes denormals): the same bits on any thread, and no slow subnormals.
    csr_.store(_mm_getcsr(), std::memory_order_relaxed);
    args_ = &g;
    parts_ = parts;
    failed_.store(false, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = (claim_.load(std::memory_order_relaxed) >> 32) + 1;
    claim_.store(gen << 32 | static_cast<uint64_t>(n) << 16, std::memory_order_release);  // publishes args_, parts_
    if (sleeping_.load(std::memory_order_acquire) > 0) {
      std::lock_guard<std::mutex> lock(m_);
      cv_.notify_all();
    }
    work(gen);
    for (unsigned spins = 0; done_.load(std::memory_order_acquire) < n; ++spins) {
      if (spins < 4096) _mm_pause();
      else std::this_thread::yield();
    }
    // A part that could not get its packing space (the only failure) is
    // reported here, on the caller's thread, once no helper uses the parts.
    if (failed_.load(std::memory_order_acquire)) throw std::bad_alloc();
    return true;
  }

 private:
  explicit HelperPool(int count) : count_(count) {
    for (int i = 0; i < count; ++i) std::thread([this] { loop(); }).detach();
  }

  // Claims and runs parts of product `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      int index;
      do {
        if ((c >> 32) != gen) return;
        index = static_cast<int>(c & 0xffff);
        if (index >= static_cast<int>(c >> 16 & 0xffff)) return;
      } while (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel));
      // The product cannot end (nor args_ change) before this part is done.
      tInPart = true;
      try {
        runPart(*args_, parts_[index], &task_);
      } catch (...) {
        failed_.store(true, std::memory_order_release);
      }
      tInPart = false;
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      uint64_t gen;
      for (unsigned i = 0; (gen = claim_.load(std::memory_order_acquire) >> 32) == seen; ++i) {
        _mm_pause();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lock(m_);
          sleeping_.fetch_add(1, std::memory_order_acq_rel);
          cv_.wait(lock, [&] { return (claim_.load(std::memory_order_acquire) >> 32) != seen; });
          sleeping_.fetch_sub(1, std::memory_order_acq_rel);
        }
      }
      seen = gen;
      const unsigned own = _mm_getcsr();
      _mm_setcsr(csr_.load(std::memory_order_relaxed));  // published with the generation, like args_
      work(gen);
      _mm_setcsr(own);
    }
  }

  static thread_local bool tInPart;  // this thread is running a part of a product
  const int count_;
  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<int> sleeping_{0};
  // The current product in one word: its generation (high 32 bits), its
  // number of parts (bits 16-31) and its next unclaimed part (bits 0-15).
  // The count lives in the same word so that a claim always checks an index
  // against its own product's count: when the count was a separate atomic, a
  // helper that read the last claim of one product could pair it with the
  // next product's larger count (stored just before the new generation) and
  // claim a part of that product, which then ran twice; the caller's count of
  // finished parts passed the total, and it waited forever.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> failed_{false};
  const GemmArgs* args_ = nullptr;
  const Part* parts_ = nullptr;
  std::atomic<unsigned> csr_{0x1f80};  // the caller's MXCSR
  Task task_;
};

thread_local bool HelperPool::tInPart = false;

constexpr int kMaxParts = 128;
static_assert(kMaxParts <= 0xffff, "a product's part count and next part share HelperPool's claim word, 16 bits each");

// Splits the product into n parts of whole tiles: by rows when there are
// enough row tiles for a fair split (each part then packs all of op(B) for
// itself), else by columns in whole zmm registers. One part per thread, each
// packing its own op(B): an op(B) packed once and shared by the threads ran
// 6-27% slower on every shape measured on the AMD EPYC (Zen 5; 512^3 to
// 2048^3, 256 x 512 x 784, every transpose; bench/RESULTS.md), since half of
// it then comes from the other core's cache; four parts per two threads, 4-10%
// slower (op(B) packed twice more).
int splitParts(const GemmArgs& g, int n, Part* parts) {
  const int64_t rowTiles = (g.M + kAvx512TileRows - 1) / kAvx512TileRows;
  const int64_t colVecs = (g.N + 15) / 16;
  if (rowTiles >= 4 * n || rowTiles >= colVecs) {
    n = static_cast<int>(std::min<int64_t>(n, rowTiles));
    for (int i = 0; i < n; ++i) {
      const int64_t t0 = rowTiles * i / n, t1 = rowTiles * (i + 1) / n;
      parts[i] = {t0 * kAvx512TileRows, std::min(g.M, t1 * kAvx512TileRows), 0, g.N};
    }
  } else {
    n = static_cast<int>(std::min<int64_t>(n, colVecs));
    for (int i = 0; i < n; ++i) {
      const int64_t v0 = colVecs * i / n, v1 = colVecs * (i + 1) / n;
      parts[i] = {0, g.M, v0 * 16, std::min(g.N, v1 * 16)};
    }
  }
  return n;
}

// Packing pays when a packed panel is reused many times: op(B)'s over the
// rows of C, op(A)'s over its columns. Measured on the AMD EPYC (Zen 5;
// bench/matmul --paths, bench/RESULTS.md): unpacked was 1.4-3x faster for
// products with at most 128 rows or columns (batch 1-128 against any width,
// the 10-wide output layers, the seed model), packed 1.1-1.7x faster for
// larger squares and the 512-wide products of the large MLP (rows of op(B)
// 2-4 KiB apart alias in L1).
bool useDirect(int64_t M, int64_t N) { return M <= 128 || N <= 128; }

}  // namespace

void sgemmAvx512(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, int threads,
                 Avx512Layout layout) {
  const int64_t blocks = (K + avx512::kMaxBlockK - 1) / avx512::kMaxBlockK;
  bool direct = false;
  if (!transB) direct = layout == Avx512Layout::Direct || (layout == Avx512Layout::Auto && useDirect(M, N));
  const GemmArgs g{transA, transB, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, (K + blocks - 1) / blocks, direct};
  HelperPool* pool = threads > 1 ? &HelperPool::get() : nullptr;
  if (pool) threads = std::min(threads, 1 + pool->helpers());
  if (threads > 1) {
    Part parts[kMaxParts];
    const int n = splitParts(g, std::min(threads, 64), parts);
    if (n > 1 && pool->run(g, parts, n)) return;
  }
  runPart(g, Part{0, M, 0, N});
}

bool runOnGemmHelpers(void (*fn)(void*, int), void* ctx, int parts) {
  if (parts < 2 || parts > kMaxParts || !avx512GemmAvailable()) return false;
  HelperPool& pool = HelperPool::get();
  if (pool.helpers() < 1) return false;
  Part list[kMaxParts];
  for (int i = 0; i < parts; ++i) list[i] = {i, 0, 0, 0, PartKind::Task};
  const GemmArgs none{};
  return pool.run(none, list, parts, fn, ctx);
}

bool gemmHelpersAvailable() { return avx512GemmAvailable() && HelperPool::get().helpers() > 0; }

#else

bool runOnGemmHelpers(void (*)(void*, int), void*, int) { return false; }
bool gemmHelpersAvailable() { return false; }

void sgemmAvx512(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t, float,
                 float*, int64_t, int, Avx512Layout) {}

#endif

}  // namespace tf
