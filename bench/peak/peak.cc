// bench/peak — what this CPU can actually do, measured (not read from
// /proc/cpuinfo, whose "cpu MHz" is the timer/nominal rate, not the clock the
// cores run at).
//
//   1. Real clock: a chain of dependent scalar integer adds. Each add needs the
//      previous result and has a latency of exactly 1 cycle on every x86 core
//      since the P6, so adds per second = cycles per second.
//   2. FMA throughput: NCHAINS independent FMA chains (acc[i] = acc[i]*m + a)
//      on 128-bit (xmm) and 256-bit (ymm) registers, and 512-bit (zmm) when
//      the CPU has AVX-512F. FMA latency is 4 cycles and there are up to two
//      FMA pipes, so at least 8 chains in flight are needed to saturate them;
//      we use 10 (independent of each other, so they can all be in flight).
//      Run on 1 thread and on all hardware threads at once.
//
// Only the kernels are compiled for AVX2/FMA (and AVX-512F) via
// __attribute__((target(...))); the program itself is built with plain -O2, so
// it runs (and reports simd "sse2") on any x86-64, and picks kernels at run time.
//
// Checked with `objdump -d --no-show-raw-insn bench/peak/build/peak` (g++ 12,
// -O2): the inner loop of fmaChainsYmm is 10 consecutive
//   vfmadd132ps %ymmK,%ymmM,%ymmN   (N = 10 distinct accumulators ymm0..ymm9)
// then `sub $1,%eax; jne` — every accumulator stays in its own register, no
// spill, no reduction inside the loop, so the 10 chains are independent.
// The same holds for the xmm and zmm versions. The clock loop is 200
// `add %rdx,%rax` on the same destination register (one dependent chain).
//
// On a shared machine the wall-clock figures fall with other people's load;
// "peak1Cpu" is the 1-thread rate per CPU second of this thread
// (CLOCK_THREAD_CPUTIME_ID), what the core does while it runs us. Compare
// it with benchmarks that also report flops per CPU second (bench/matmul
// --paths), never with wall-clock rates.
//
// Output: a human-readable summary, or with --json one JSON object:
//   {clockGHz, flopsPerCycle, peak1, peakAll, cores, cpuModel, simd, ...}
// where flopsPerCycle/peak1/peakAll are for the widest FMA the CPU has (see
// "simd"; zmm on AVX-512 CPUs, whose skylake-x BLAS kernels use it), and
// `variants` lists every width measured.
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int NCHAINS = 10;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ------------------------------------------------------------------ clock
// 200 dependent adds per iteration; loop overhead (add/cmp/jne) runs on other
// ports in parallel and does not lengthen the chain. The addend is a register
// (`add %reg,%reg`), NOT an immediate: Golden Cove-class cores (this machine's
// Sapphire Rapids) fold chains of `add $imm,%reg` in the renamer and retire
// ~6-7 of them per cycle, which reported a bogus ~17 GHz "clock". A register
// operand cannot be folded; it agrees with a 3-cycle `imul` chain to ~1%.
uint64_t addChain(uint64_t iters, uint64_t one) {
  uint64_t x = 0;
  for (uint64_t i = 0; i < iters; ++i) {
    asm volatile(".rept 200\n\tadd %1, %0\n\t.endr" : "+r"(x) : "r"(one));
  }
  return x;
}
constexpr double ADDS_PER_ITER = 200.0;

// ------------------------------------------------------------------ FMA kernels
// Each returns a value derived from every accumulator so nothing is dead code.
// m close to 1 and a small: acc converges to a/(1-m), no overflow, no denormals.

__attribute__((target("avx2,fma"), noinline)) float fmaChainsXmm(uint64_t iters, float m, float a) {
  __m128 vm = _mm_set1_ps(m), va = _mm_set1_ps(a);
  __m128 c0 = _mm_set1_ps(0.f), c1 = _mm_set1_ps(.1f), c2 = _mm_set1_ps(.2f), c3 = _mm_set1_ps(.3f),
         c4 = _mm_set1_ps(.4f), c5 = _mm_set1_ps(.5f), c6 = _mm_set1_ps(.6f), c7 = _mm_set1_ps(.7f),
         c8 = _mm_set1_ps(.8f), c9 = _mm_set1_ps(.9f);
  for (uint64_t i = 0; i < iters; ++i) {
    c0 = _mm_fmadd_ps(c0, vm, va); c1 = _mm_fmadd_ps(c1, vm, va);
    c2 = _mm_fmadd_ps(c2, vm, va); c3 = _mm_fmadd_ps(c3, vm, va);
    c4 = _mm_fmadd_ps(c4, vm, va); c5 = _mm_fmadd_ps(c5, vm, va);
    c6 = _mm_fmadd_ps(c6, vm, va); c7 = _mm_fmadd_ps(c7, vm, va);
    c8 = _mm_fmadd_ps(c8, vm, va); c9 = _mm_fmadd_ps(c9, vm, va);
  }
  __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(c0, c1), _mm_add_ps(c2, c3)),
                        _mm_add_ps(_mm_add_ps(_mm_add_ps(c4, c5), _mm_add_ps(c6, c7)), _mm_add_ps(c8, c9)));
  float out[4];
  _mm_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3];
}

__attribute__((target("avx2,fma"), noinline)) float fmaChainsYmm(uint64_t iters, float m, float a) {
  __m256 vm = _mm256_set1_ps(m), va = _mm256_set1_ps(a);
  __m256 c0 = _mm256_set1_ps(0.f), c1 = _mm256_set1_ps(.1f), c2 = _mm256_set1_ps(.2f), c3 = _mm256_set1_ps(.3f),
         c4 = _mm256_set1_ps(.4f), c5 = _mm256_set1_ps(.5f), c6 = _mm256_set1_ps(.6f), c7 = _mm256_set1_ps(.7f),
         c8 = _mm256_set1_ps(.8f), c9 = _mm256_set1_ps(.9f);
  for (uint64_t i = 0; i < iters; ++i) {
    c0 = _mm256_fmadd_ps(c0, vm, va); c1 = _mm256_fmadd_ps(c1, vm, va);
    c2 = _mm256_fmadd_ps(c2, vm, va); c3 = _mm256_fmadd_ps(c3, vm, va);
    c4 = _mm256_fmadd_ps(c4, vm, va); c5 = _mm256_fmadd_ps(c5, vm, va);
    c6 = _mm256_fmadd_ps(c6, vm, va); c7 = _mm256_fmadd_ps(c7, vm, va);
    c8 = _mm256_fmadd_ps(c8, vm, va); c9 = _mm256_fmadd_ps(c9, vm, va);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)),
                                         _mm256_add_ps(c8, c9)));
  float out[8];
  _mm256_storeu_ps(out, s);
  float r = 0;
  for (float v : out) r += v;
  return r;
}

__attribute__((target("avx512f"), noinline)) float fmaChainsZmm(uint64_t iters, float m, float a) {
  __m512 vm = _mm512_set1_ps(m), va = _mm512_set1_ps(a);
  __m512 c0 = _mm512_set1_ps(0.f), c1 = _mm512_set1_ps(.1f), c2 = _mm512_set1_ps(.2f), c3 = _mm512_set1_ps(.3f),
         c4 = _mm512_set1_ps(.4f), c5 = _mm512_set1_ps(.5f), c6 = _mm512_set1_ps(.6f), c7 = _mm512_set1_ps(.7f),
         c8 = _mm512_set1_ps(.8f), c9 = _mm512_set1_ps(.9f);
  for (uint64_t i = 0; i < iters; ++i) {
    c0 = _mm512_fmadd_ps(c0, vm, va); c1 = _mm512_fmadd_ps(c1, vm, va);
    c2 = _mm512_fmadd_ps(c2, vm, va); c3 = _mm512_fmadd_ps(c3, vm, va);
    c4 = _mm512_fmadd_ps(c4, vm, va); c5 = _mm512_fmadd_ps(c5, vm, va);
    c6 = _mm512_fmadd_ps(c6, vm, va); c7 = _mm512_fmadd_ps(c7, vm, va);
    c8 = _mm512_fmadd_ps(c8, vm, va); c9 = _mm512_fmadd_ps(c9, vm, va);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                           _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)),
                                         _mm512_add_ps(c8, c9)));
  float out[16];  // (not _mm512_reduce_add_ps: GCC 12's header trips -Wuninitialized)
  _mm512_storeu_ps(out, s);
  float r = 0;
  for (float v : out) r += v;
  return r;
}

struct Variant {
  const char* name;  // "xmm-fma", ...
  int lanes;         // floats per register
  float (*fn)(uint64_t, float, float);
  bool supported;
};

// ------------------------------------------------------------------ runners
void pinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  // best effort
}

std::atomic<double> gSink{0};

// Runs `body(iters)` on `threads` threads simultaneously (after a barrier) and
// returns the wall time of the slowest, i.e. of the whole parallel region.
template <class F>
double timeParallel(int threads, F body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> t0(threads), t1(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      pinTo(t % std::max(1, (int)std::thread::hardware_concurrency()));
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      t0[t] = now();
      double s = body();
      t1[t] = now();
      gSink = gSink + s;
    });
  }
  while (ready.load() < threads) {
  }
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  return *std::max_element(t1.begin(), t1.end()) - *std::min_element(t0.begin(), t0.end());
}

// Best (max) of `reps` rates, each a run of about `target` seconds.
double measureClockGHz(double target, int reps) {
  volatile uint64_t oneV = 1;
  const uint64_t one = oneV;
  uint64_t iters = 1000;
  for (;;) {  // calibrate
    double t = now();
    gSink = gSink + (double)addChain(iters, one);
    t = now() - t;
    if (t > 0.02) {
      iters = (uint64_t)(iters * target / t) + 1;
      break;
    }
    iters *= 4;
  }
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double t = now();
    gSink = gSink + (double)addChain(iters, one);
    t = now() - t;
    best = std::max(best, iters * ADDS_PER_ITER / t / 1e9);
  }
  return best;
}

double threadCpuNow() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// GFLOP per CPU second of one variant on this thread (median of reps).
double measureFmaCpu(const Variant& v, double target, int reps) {
  const double flopsPerIter = 2.0 * NCHAINS * v.lanes;
  volatile float vm = 0.9999999f, va = 1e-7f;
  uint64_t iters = 10000;
  for (;;) {
    double t = threadCpuNow();
    gSink = gSink + v.fn(iters, vm, va);
    t = threadCpuNow() - t;
    if (t > 0.02) {
      iters = (uint64_t)(iters * target / t) + 1;
      break;
    }
    iters *= 4;
  }
  std::vector<double> r;
  for (int i = 0; i < reps; ++i) {
    double t = threadCpuNow();
    gSink = gSink + v.fn(iters, vm, va);
    r.push_back(flopsPerIter * iters / (threadCpuNow() - t) / 1e9);
  }
  std::sort(r.begin(), r.end());
  return r[r.size() / 2];
}

// GFLOP/s of one variant on `threads` threads (best of reps).
double measureFma(const Variant& v, int threads, double target, int reps) {
  const double flopsPerIter = 2.0 * NCHAINS * v.lanes;
  volatile float vm = 0.9999999f, va = 1e-7f;  // volatile: not constant-folded
  uint64_t iters = 10000;
  for (;;) {
    double t = now();
    gSink = gSink + v.fn(iters, vm, va);
    t = now() - t;
    if (t > 0.02) {
      iters = (uint64_t)(iters * target / t) + 1;
      break;
    }
    iters *= 4;
  }
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double t = timeParallel(threads, [&] { return (double)v.fn(iters, vm, va); });
    best = std::max(best, flopsPerIter * iters * threads / t / 1e9);
  }
  return best;
}

std::string cpuModel() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) {
        std::string s = line.substr(p + 1);
        s.erase(0, s.find_first_not_of(" \t"));
        return s;
      }
    }
  }
  return "unknown";
}

std::string jsonEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if ((unsigned char)c >= 0x20) o += c;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, quick = false;
  std::string simdArg = "auto";
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--json")) json = true;
    else if (!strcmp(argv[i], "--quick")) quick = true;
    else if (!strncmp(argv[i], "--simd=", 7)) simdArg = argv[i] + 7;
    else {
      fprintf(stderr, "usage: peak [--json] [--quick] [--simd=auto|xmm|ymm|zmm]\n");
      return 2;
    }
  }
  __builtin_cpu_init();
  const bool hasFma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool hasAvx512 = __builtin_cpu_supports("avx512f");
  int cores = (int)std::thread::hardware_concurrency();
  if (cores <= 0) cores = 1;
  const double target = quick ? 0.1 : 0.2;
  const int reps = quick ? 3 : 7;

  pinTo(0);
  // The clock drifts by several % from second to second on this VM (turbo,
  // host load): measure it before and after the FMA runs and keep the higher.
  double ghz = measureClockGHz(target, reps);

  Variant variants[] = {
      {"xmm-fma", 4, fmaChainsXmm, hasFma},
      {"ymm-fma", 8, fmaChainsYmm, hasFma},
      {"zmm-fma", 16, fmaChainsZmm, hasAvx512},
  };
  struct Res { const Variant* v; double p1, pAll, p1Cpu; };
  std::vector<Res> res;
  for (auto& v : variants) {
    if (!v.supported) continue;
    res.push_back({&v, measureFma(v, 1, target, reps), measureFma(v, cores, target, reps), measureFmaCpu(v, target, reps)});
  }
  ghz = std::max(ghz, measureClockGHz(target, reps));
  if (res.empty()) {
    fprintf(stderr, "peak: this CPU has no AVX2/FMA; nothing to measure\n");
    return 1;
  }

  // Headline figure: the widest FMA the CPU has (zmm with AVX-512F, else
  // ymm) — the BLAS kernels tensorforge selects use it (skylake-x kernels on
  // AVX-512 CPUs); --simd=ymm|xmm picks another width.
  const Res* head = &res.back();
  if (simdArg != "auto")
    for (auto& r : res)
      if (std::string(r.v->name).rfind(simdArg, 0) == 0) head = &r;

  const double fpc = head->p1 / ghz;
  if (json) {
    printf("{\"clockGHz\":%.3f,\"flopsPerCycle\":%.2f,\"peak1\":%.2f,\"peakAll\":%.2f,\"peak1Cpu\":%.2f,\"cores\":%d,"
           "\"cpuModel\":\"%s\",\"simd\":\"%s\",\"chains\":%d,\"variants\":[",
           ghz, fpc, head->p1, head->pAll, head->p1Cpu, cores, jsonEscape(cpuModel()).c_str(), head->v->name, NCHAINS);
    for (size_t i = 0; i < res.size(); ++i) {
      printf("%s{\"simd\":\"%s\",\"flopsPerCycle\":%.2f,\"peak1\":%.2f,\"peakAll\":%.2f,\"peak1Cpu\":%.2f}",
             i ? "," : "", res[i].v->name, res[i].p1 / ghz, res[i].p1, res[i].pAll, res[i].p1Cpu);
    }
    printf("]}\n");
  } else {
    printf("CPU:    %s, %d hardware threads\n", cpuModel().c_str(), cores);
    printf("Clock:  %.3f GHz (dependent add chain, 1 add/cycle)\n", ghz);
    for (auto& r : res) {
      printf("%-8s %5.2f FLOP/cycle  1 thread %6.2f GFLOP/s   %d threads %6.2f GFLOP/s   per CPU second %6.2f%s\n",
             r.v->name, r.p1 / ghz, r.p1, cores, r.pAll, r.p1Cpu, &r == head ? "   <- peak" : "");
    }
  }
  return gSink.load() == 12345.678 ? 1 : 0;  // keep results observable
}
