#include "quantized_mlp.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#include "core_budget.h"
#include "gemm.h"

namespace tf {

namespace {

void floatLayer(const float* x, int64_t rows, int64_t K, int64_t N, const float* kernel, const float* bias, Activation act,
                float param, float* y) {
  sgemm(false, false, rows, N, K, 1.f, x, K, kernel, N, 0.f, y, N);
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t n = 0; n < N; ++n) y[m * N + n] += bias[n];
  if (act == Activation::Softmax) softmaxRows(y, y, rows, N);
  else activationForward(act, param, y, y, rows * N);
}

// The CPU the calling thread runs on, or -1 where that is not known.
int currentCpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

// One process-wide helper thread for int8 predicts, parked between calls.
// The caller and the helper claim chunks from a shared counter; the caller
// waits at the end only for chunks the helper has claimed, never for the
// helper to be scheduled: on a busy machine a thread started per call made
// a 0.3 ms predict wait milliseconds for its helper to get a core.
class ChunkHelper {
 public:
  static ChunkHelper& get() {
    // Never destroyed: the helper may still be parked at process exit.
    static ChunkHelper* h = new ChunkHelper();
    return *h;
  }

  // Runs task(c) for c in [0, chunks) on the calling thread and, when it is
  // free and wakes in time, on the helper, which runs helperTask instead
  // (its own workspace). Returns after every claimed chunk has run; the first
  // exception, from either thread, is rethrown here.
  template <class F, class G>
  void run(int64_t chunks, const F& task, const G& helperTask) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {  // another predict holds the helper: run alone
      for (int64_t c = 0; c < chunks; ++c) task(c);
      return;
    }
    std::atomic<int64_t> next{0};
    // The CPU the caller last ran a chunk on. A helper woken onto that same
    // CPU (the scheduler places a wakee beside its waker when no core is
    // idle) would only take turns with the caller: it claims nothing there.
    std::atomic<int> callerCpu{currentCpu()};
    std::exception_ptr failed;
    std::function<void()> work = [&]() {
      try {
        for (;;) {
          const int cpu = callerCpu.load(std::memory_order_relaxed);
          if (cpu >= 0 && cpu == currentCpu()) break;
          const int64_t c = next.fetch_add(1);
          if (c >= chunks) break;
          helperTask(c);
        }
      } catch (...) {
        failed = std::current_exception();
        next.store(chunks);
      }
    };
    {
      std::lock_guard<std::mutex> g(m_);
      job_ = &work;
    }
    wake_.notify_one();
    std::exception_ptr mine;
    try {
      for (int64_t c; (c = next.fetch_add(1)) < chunks;) {
        callerCpu.store(currentCpu(), std::memory_order_relaxed);
        task(c);
      }
    } catch (...) {
      mine = std::current_exception();
      next.store(chunks);
    }
    {
      // Withdraw the job; if the helper took it, wait for it to finish.
      std::unique_lock<std::mutex> g(m_);
      job_ = nullptr;
      idle_.wait(g, [&] { return !running_; });
    }
    if (mine) std::rethrow_exception(mine);
    if (failed) std::rethrow_exception(failed);
  }

 private:
  ChunkHelper() { std::thread([this] { loop(); }).detach(); }

  void loop() {
    std::unique_lock<std::mutex> g(m_);
    for (;;) {
      wake_.wait(g, [&] { return job_ != nullptr; });
      std::function<void()>* job = job_;
      job_ = nullptr;
      running_ = true;
      g.unlock();
      (*job)();
      g.lock();
      running_ = false;
      idle_.notify_all();
    }
  }

  std::mutex busy_, m_;
  std::condition_variable wake_, idle_;
  std::function<void()>* job_ = nullptr;
  bool running_ = false;
};

}  // namespace

QuantizedMlp::QuantizedMlp(const std::vector<DenseLayerSpec>& specs, bool perChannel, const float* calibration,
                           int64_t rows) {
  static const char* fn = "QuantizedMlp";
  if (specs.empty()) throw std::invalid_argument(std::string(fn) + ": no layers");
  if (rows <= 0 || calibration == nullptr) throw std::invalid_argument(std::string(fn) + ": calibration data needs at least one row");
  for (size_t l = 0; l < specs.size(); ++l) {
    const DenseLayerSpec& s = specs[l];
    if (s.inputs <= 0 || s.units <= 0 || s.kernel == nullptr) throw std::invalid_argument(std::string(fn) + ": bad layer " + std::to_string(l));
    if (l > 0 && s.inputs != specs[l - 1].units) {
      throw std::invalid_argument(std::string(fn) + ": layer " + std::to_string(l) + " takes " + std::to_string(s.inputs) +
                                  " inputs but the layer before gives " + std::to_string(specs[l - 1].units));
    }
    if (s.activation == Activation::Softmax && l + 1 != specs.size()) {
      throw std::invalid_argument(std::string(fn) + ": softmax is supported on the last layer only");
    }
  }
  for (int64_t i = 0; i < rows * specs[0].inputs; ++i) {
    if (!std::isfinite(calibration[i])) throw std::invalid_argument(std::string(fn) + ": calibration data has a non-finite value at " + std::to_string(i));
  }
  for (const DenseLayerSpec& s : specs) {
    Layer L;
    const int64_t K = s.inputs, N = s.units;
    L.kernel.assign(s.kernel, s.kernel + K * N);
    L.bias.assign(static_cast<size_t>(N), 0.f);
    if (s.bias) std::copy(s.bias, s.bias + N, L.bias.begin());
    for (float v : L.kernel)
      if (!std::isfinite(v)) throw std::invalid_argument(std::string(fn) + ": a kernel has a non-finite weight");
    for (float v : L.bias)
      if (!std::isfinite(v)) throw std::invalid_argument(std::string(fn) + ": a bias has a non-finite value");
    L.sw.assign(static_cast<size_t>(N), 0.f);
    std::vector<int8_t> q(static_cast<size_t>(K * N));
    quantizeKernelInt8(L.kernel.data(), K, N, perChannel, q.data(), L.sw.data());
    L.w = packInt8Weights(q.data(), K, N);
    L.q = std::move(q);
    L.act = s.activation;
    L.actParam = s.activationParam;
    maxWidth_ = std::max({maxWidth_, L.w.Kp, L.w.Np});
    layers_.push_back(std::move(L));
  }
  // Calibration: each layer's input range over the data, through the float layers.
  std::vector<float> a(calibration, calibration + rows * specs[0].inputs), b;
  for (Layer& L : layers_) {
    auto [lo, hi] = std::minmax_element(a.begin(), a.end());
    L.xq = uint8QuantFromRange(*lo, *hi);
    finishLayer(L);
    b.assign(static_cast<size_t>(rows * L.w.N), 0.f);
    floatLayer(a.data(), rows, L.w.K, L.w.N, L.kernel.data(), L.bias.data(), L.act, L.actParam, b.data());
    a.swap(b);
  }
}

void QuantizedMlp::finishLayer(Layer& L) {
  L.alpha.resize(static_cast<size_t>(L.w.N));
  L.corr.resize(static_cast<size_t>(L.w.N));
  for (int64_t n = 0; n < L.w.N; ++n) {
    L.alpha[n] = L.xq.scale * L.sw[n];
    L.corr[n] = -L.xq.zeroPoint * L.w.colSum[n];
  }
}

QuantizedMlp::QuantizedMlp(const std::vector<QuantizedDenseSpec>& specs) {
  static const std::string fn = "QuantizedMlp";
  if (specs.empty()) throw std::invalid_argument(fn + ": no layers");
  for (size_t l = 0; l < specs.size(); ++l) {
    const QuantizedDenseSpec& s = specs[l];
    const std::string at = fn + ": layer " + std::to_string(l);
    if (s.inputs <= 0 || s.units <= 0 || !s.kernel || !s.weightScales || !s.bias) throw std::invalid_argument(at + " is incomplete");
    if (l > 0 && s.inputs != specs[l - 1].units) throw std::invalid_argument(at + " does not take the previous layer's outputs");
    if (s.activation == Activation::Softmax && l + 1 != specs.size()) throw std::invalid_argument(at + ": softmax is supported on the last layer only");
    if (!(s.input.scale > 0.f) || !std::isfinite(s.input.scale) || s.input.zeroPoint < 0 || s.input.zeroPoint > 255) {
      throw std::invalid_argument(at + ": input scale must be finite and > 0, zero point in [0, 255]");
    }
    Layer L;
    const int64_t K = s.inputs, N = s.units;
    L.sw.assign(s.weightScales, s.weightScales + N);
    for (float v : L.sw)
      if (!(v > 0.f) || !std::isfinite(v)) throw std::invalid_argument(at + ": weight scales must be finite and > 0");
    L.bias.assign(s.bias, s.bias + N);
    for (float v : L.bias)
      if (!std::isfinite(v)) throw std::invalid_argument(at + ": a bias has a non-finite value");
    L.q.assign(s.kernel, s.kernel + K * N);
    L.w = packInt8Weights(L.q.data(), K, N);  // throws on -128
    L.kernel.resize(static_cast<size_t>(K * N));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) L.kernel[k * N + n] = L.sw[n] * static_cast<float>(L.q[k * N + n]);
    L.xq = s.input;
    L.act = s.activation;
    L.actParam = s.activationParam;
    finishLayer(L);
    maxWidth_ = std::max({maxWidth_, L.w.Kp, L.w.Np});
    layers_.push_back(std::move(L));
  }
}

int64_t QuantizedMlp::storedBytes() const {
  int64_t bytes = 0;
  for (const Layer& L : layers_) bytes += L.w.K * L.w.N + 4 * (L.w.N + L.w.N) + 8;
  return bytes;
}

void QuantizedMlp::predictFloat(const float* x, int64_t rows, float* out) const {
  std::vector<float> a(x, x + rows * inputs()), b;
  for (const Layer& L : layers_) {
    b.assign(static_cast<size_t>(rows * L.w.N), 0.f);
    floatLayer(a.data(), rows, L.w.K, L.w.N, L.kernel.data(), L.bias.data(), L.act, L.actParam, b.data());
    a.swap(b);
  }
  std::copy(a.begin(), a.end(), out);
}

void QuantizedMlp::predict(const float* x, int64_t rows, float* out, Int8Path path) const {
  if (rows < 0) throw std::invalid_argument("QuantizedMlp.predict: negative rows");
  if (!int8PathAvailable(path)) throw std::invalid_argument(std::string("QuantizedMlp.predict: path ") + int8PathName(path) + " does not run on this CPU");
  const int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  // A helper only with a core token to spare (and setNumThreads above 1):
  // the core budget keeps all of the engine's threads within the cores.
  CoreBudget& budget = CoreBudget::global();
  CoreLease helper(budget, chunks >= 2 && budget.total() >= 2 ? 1 : 0, CoreLease::NoWait);
  if (helper.count() == 0) {
    predictChunks(x, rows, out, path, 0, chunks, mutex_, kept_);
    return;
  }
  // Each thread takes its workspace once, at its first chunk.
  auto chunkOn = [&](std::mutex& m, Workspace& kept) {
    return [this, x, rows, out, path, &m, &kept, lock = std::make_shared<std::unique_lock<std::mutex>>(), local = std::make_shared<Workspace>()](int64_t c) {
      if (!lock->owns_lock() && local->qa.empty()) *lock = std::unique_lock<std::mutex>(m, std::try_to_lock);
      Workspace& ws = lock->owns_lock() ? kept : *local;
      const int64_t m0 = c * kChunkRows;
      predictChunk(x + m0 * inputs(), std::min(kChunkRows, rows - m0), out + m0 * outputs(), path, ready(ws));
    };
  };
  ChunkHelper::get().run(chunks, chunkOn(mutex_, kept_), chunkOn(helperMutex_, helperKept_));
}

QuantizedMlp::Workspace& QuantizedMlp::ready(Workspace& ws) const {
  const size_t cells = static_cast<size_t>(kChunkRows * maxWidth_);
  if (ws.qa.size() < cells) {
    // Zeroed once: a padding column (k >= K) meets zero weights, so whatever
    // another layer's stride left there adds nothing, and nothing is uninitialized.
    ws.qa.assign(cells, 0);
    ws.qb.assign(cells, 0);
    ws.fl.assign(cells, 0.f);
  }
  return ws;
}

void QuantizedMlp::predictChunks(const float* x, int64_t rows, float* out, Int8Path path, int64_t c0, int64_t c1,
                                 std::mutex& m, Workspace& kept) const {
  std::unique_lock<std::mutex> lock(m, std::try_to_lock);
  Workspace local;
  Workspace& ws = ready(lock.owns_lock() ? kept : local);
  for (int64_t c = c0; c < c1; ++c) {
    const int64_t m0 = c * kChunkRows;
    const int64_t n = std::min(kChunkRows, rows - m0);
    predictChunk(x + m0 * inputs(), n, out + m0 * outputs(), path, ws);
  }
}

void QuantizedMlp::predictChunk(const float* x, int64_t rows, float* out, Int8Path path, Workspace& ws) const {
  uint8_t* in = ws.qa.data();
  uint8_t* next = ws.qb.data();
  float* fl = ws.fl.data();
  {
    const Layer& L0 = layers_.front();
    for (int64_t m = 0; m < rows; ++m)
      quantizeRowU8(x + m * L0.w.K, L0.w.K, 1.f / L0.xq.scale, static_cast<float>(L0.xq.zeroPoint), 0.f, in + m * L0.w.Kp);
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    const int64_t N = L.w.N;
    const Layer* nx = l + 1 < layers_.size() ? &layers_[l + 1] : nullptr;
    // Linear and relu between layers: the GEMM's store dequantizes and
    // requantizes straight into the next layer's uint8 input (relu is the
    // clamp at the next zero point); otherwise it stores float rows.
    const bool fused = nx && (L.act == Activation::Linear || L.act == Activation::Relu);
    Int8Epilogue e;
    e.alpha = L.alpha.data();
    e.corr = L.corr.data();
    e.bias = L.bias.data();
    float* y = nx ? fl : out;
    if (fused) {
      const float zn = static_cast<float>(nx->xq.zeroPoint);
      e.kind = Int8Epilogue::Kind::Uint8;
      e.q = next;
      e.ld = nx->w.Kp;
      e.inv = 1.f / nx->xq.scale;
      e.zp = zn;
      e.lo = L.act == Activation::Relu ? zn : 0.f;
    } else {
      e.kind = Int8Epilogue::Kind::Float;
      e.y = y;
      e.ld = N;
    }
    int8GemmFused(path, in, rows, L.w.Kp, L.w, e);
    if (!fused) {
      if (L.act == Activation::Softmax) softmaxRows(y, y, rows, N);
      else activationForward(L.act, L.actParam, y, y, rows * N);
      if (nx) {
        for (int64_t m = 0; m < rows; ++m)
          quantizeRowU8(y + m * N, N, 1.f / nx->xq.scale, static_cast<float>(nx->xq.zeroPoint), 0.f, next + m * nx->w.Kp);
      }
    }
    std::swap(in, next);
  }
}

}  // namespace tf
