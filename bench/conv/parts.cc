// Where a training step of the example CNN (examples/cnn.ts) spends its time,
// layer by layer, and how much of each convolution is the GEMM: each conv
// layer's forward and backward against its GEMMs alone on the same shapes
// (the rest is im2col, col2im, the bias and the activation; the first
// layer, of depth 9, skips the GEMM for the direct kernels). Process CPU
// time, so a loaded machine does not inflate the figures.
//
//   g++ -std=c++17 -O2 -march=native bench/conv/parts.cc build/libtf_native.a -lopenblas -lpthread -o /tmp/parts && /tmp/parts 32
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "../../native/gemm.h"
#include "../../native/layers/registry.h"

namespace {

double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Best of 5 runs of `reps` calls, in ms per call.
double timeMs(int reps, const std::function<void()>& f) {
  f();
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double t0 = cpuSeconds();
    for (int i = 0; i < reps; ++i) f();
    best = std::min(best, (cpuSeconds() - t0) / reps * 1e3);
  }
  return best;
}

template <typename E>
int32_t codeOf(const char* name) {
  for (int32_t i = 0; i < tf::enumCount(E{}); ++i)
    if (std::string(tf::enumNames(E{})[i]) == name) return i;
  std::abort();
}

struct Bench {
  std::unique_ptr<tf::Layer> layer;
  std::vector<float> x, out, dOut, dx, params, grads;
  std::vector<std::vector<float>> scratch;
  std::vector<float*> sp;
  std::vector<tf::WeightSlot> slots;
};

Bench make(tf::Config c, tf::Shape in, int64_t batch) {
  Bench b;
  b.layer = tf::makeLayer(c);
  tf::Shape out = b.layer->computeOutputShape({in});
  b.layer->setShapes({in}, out);
  b.x.assign(batch * tf::elementsOf(in), 0.5f);
  for (size_t i = 0; i < b.x.size(); ++i) b.x[i] = float((i * 7919) % 101) / 101.f - 0.3f;
  b.out.assign(batch * tf::elementsOf(out), 0.f);
  b.dOut.assign(b.out.size(), 0.01f);
  b.dx.assign(b.x.size(), 0.f);
  int64_t offset = 0;
  for (auto& w : b.layer->weights()) {
    b.slots.push_back({0, w.name, true, offset, w.shape});
    offset += tf::elementsOf(w.shape);
  }
  b.params.assign(offset, 0.01f);
  b.grads.assign(offset, 0.f);
  for (int64_t n : b.layer->scratchSizes(batch)) b.scratch.emplace_back(n);
  for (auto& s : b.scratch) b.sp.push_back(s.data());
  return b;
}

void report(const char* name, tf::Config c, tf::Shape in, int64_t batch, bool needDx, int reps) {
  Bench b = make(c, in, batch);
  tf::NodeWeights w;
  w.slots = b.slots.data();
  w.params = b.params.data();
  w.grads = b.grads.data();
  const float* ins[] = {b.x.data()};
  float* dIns[] = {needDx ? b.dx.data() : nullptr};
  const double fwd = timeMs(reps, [&] { b.layer->forwardTraining({batch, ins, b.out.data(), b.sp.data(), false}, w, nullptr); });
  const double bwd = timeMs(reps, [&] {
    std::copy(b.dOut.begin(), b.dOut.end(), b.out.begin());  // dOut is overwritten by the activation's gradient
    b.layer->backward({batch, ins, b.out.data(), b.out.data(), dIns, b.sp.data(), false}, w);
  });
  std::printf("%-28s forward %7.3f ms  backward %7.3f ms\n", name, fwd, bwd);
}

void gemms(const char* name, int64_t M, int64_t N, int64_t K, bool needDx, int reps) {
  std::vector<float> A(M * K, 0.1f), B(K * N, 0.1f), C(M * N), dB(K * N), dA(M * K);
  const double f = timeMs(reps, [&] { tf::sgemm(false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 1.f, C.data(), N); });
  const double w = timeMs(reps, [&] { tf::sgemm(true, false, K, N, M, 1.f, A.data(), K, C.data(), N, 0.f, dB.data(), N); });
  const double x = needDx ? timeMs(reps, [&] { tf::sgemm(false, true, M, K, N, 1.f, C.data(), N, B.data(), N, 0.f, dA.data(), K); }) : 0;
  const double gflop = 2.0 * M * N * K * 1e-9;
  std::printf("%-28s GEMM forward %7.3f ms (%5.1f GFLOP/s)  dW %7.3f ms (%5.1f)  dX %7.3f ms (%5.1f)   [%s %s %s]\n", name, f, gflop / f * 1e3,
              w, gflop / w * 1e3, x, needDx ? gflop / x * 1e3 : 0.0, tf::gemmPathFor(false, false, M, N, K).c_str(),
              tf::gemmPathFor(true, false, K, N, M).c_str(), tf::gemmPathFor(false, true, M, K, N).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 32;
  const int reps = std::max<int>(1, int(640 / batch));
  tf::setBlasThreads(1);
  auto conv = [](int filters) {
    tf::Config c;
    c.setNumber("kind", codeOf<tf::LayerKind>("conv2d"));
    c.setNumber("filters", filters);
    c.setNumbers("kernelSize", {3, 3});
    c.setNumber("activation", codeOf<tf::Activation>("relu"));
    return c;
  };
  tf::Config pool;
  pool.setNumber("kind", codeOf<tf::LayerKind>("maxPooling2d"));
  pool.setNumbers("poolSize", {2, 2});
  std::printf("batch %lld, one thread, ms per call (process CPU time, best of 5)\n", (long long)batch);
  report("conv2d 28x28x1 -> 32", conv(32), {28, 28, 1}, batch, false, reps);
  // The first conv (depth 9) runs conv2d_direct.h's kernels, not these: the products its im2col path would issue.
  gemms("  im2col-path GEMMs (M,32,9)", batch * 26 * 26, 32, 9, false, reps);
  report("maxPooling2d 26x26x32", pool, {26, 26, 32}, batch, true, reps);
  report("conv2d 13x13x32 -> 64", conv(64), {13, 13, 32}, batch, true, reps);
  gemms("  its GEMMs (M, 64, 288)", batch * 11 * 11, 64, 288, true, reps);
  report("maxPooling2d 11x11x64", pool, {11, 11, 64}, batch, true, reps);
  return 0;
}
