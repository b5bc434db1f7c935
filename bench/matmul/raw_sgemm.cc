// Raw cblas_sgemm, no Node, no N-API: the floor tensorforge's matMul is
// compared against. Built twice by bench/matmul (g++ -O2, no cmake):
//   -DUSE_BLIS     against /usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so
//   -DUSE_OPENBLAS against /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so
// The kernels are the library's own choice unless the harness sets
// BLIS_ARCH_TYPE / OPENBLAS_CORETYPE in the environment (systems.ts).
//
// It is a small line-protocol server so the harness can alternate systems run
// by run without paying a process start per run (the Node-side servers in
// server.ts speak the same protocol):
//   info                          -> info <name> <version> <config>
//   prep M N K ta tb threads minT -> ok <checksum> <reps> <estimate_s>
//        allocates row-major inputs (A is [K,M] when ta, B is [N,K] when tb),
//        fills them with the shared deterministic pattern, runs one warm-up
//        call, and picks reps so one timed run lasts ~minT seconds
//   run                           -> t <seconds_per_call>
//   quit
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#if defined(USE_BLIS)
#include <blis.h>
#include <cblas.h>
#elif defined(USE_OPENBLAS)
#include <cblas.h>
#else
#error "define USE_BLIS or USE_OPENBLAS"
#endif

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Must match fill() in server.ts.
void fill(std::vector<float>& v, int seed) {
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u + static_cast<uint32_t>(seed) * 40503u;
    x ^= x >> 15;
    v[i] = static_cast<float>(x % 2001u) / 1000.0f - 1.0f;
  }
}

void setThreads(int n) {
#if defined(USE_BLIS)
  bli_thread_set_num_threads(n);
#else
  openblas_set_num_threads(n);
#endif
}

struct Case {
  int M = 0, N = 0, K = 0;
  bool ta = false, tb = false;
  long reps = 1;
  std::vector<float> A, B, C;
  void call() {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f,
                A.data(), ta ? M : K, B.data(), tb ? K : N, 0.0f, C.data(), N);
  }
};

}  // namespace

int main() {
  Case c;
  std::string line;
  std::ios::sync_with_stdio(false);
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "quit") break;
    if (cmd == "info") {
#if defined(USE_BLIS)
      // BLIS initialises its kernel registry lazily; querying the architecture
      // before that aborts when BLIS_ARCH_TYPE is set.
      bli_init();
      printf("info BLIS %s %s\n", bli_info_get_version_str(), bli_arch_string(bli_arch_query_id()));
#else
      // openblas_get_config() has spaces; keep only the version token.
      std::string cfg = openblas_get_config();
      std::string ver = cfg.substr(0, cfg.find(' ', cfg.find(' ') + 1));
      for (auto& ch : ver) if (ch == ' ') ch = '-';
      printf("info OpenBLAS %s %s\n", ver.c_str(), openblas_get_corename());
#endif
    } else if (cmd == "prep") {
      int ta, tb, threads;
      double minT;
      in >> c.M >> c.N >> c.K >> ta >> tb >> threads >> minT;
      c.ta = ta != 0;
      c.tb = tb != 0;
      setThreads(threads);
      c.A.assign(static_cast<size_t>(c.M) * c.K, 0.f);
      c.B.assign(static_cast<size_t>(c.K) * c.N, 0.f);
      c.C.assign(static_cast<size_t>(c.M) * c.N, 0.f);
      fill(c.A, 1);
      fill(c.B, 2);
      c.call();  // warm-up: first-touch, BLAS init, thread start
      double sum = 0;
      for (float v : c.C) sum += v;
      // Estimate with a growing number of calls until it takes >= 10 ms.
      long n = 1;
      double t;
      for (;;) {
        double t0 = now();
        for (long i = 0; i < n; ++i) c.call();
        t = (now() - t0) / n;
        if (t * n >= 0.01 || n >= (1L << 24)) break;
        n *= 4;
      }
      c.reps = std::max(1L, static_cast<long>(std::llround(minT / t)));
      printf("ok %.9g %ld %.9g\n", sum, c.reps, t);
    } else if (cmd == "run") {
      double t0 = now();
      for (long i = 0; i < c.reps; ++i) c.call();
      printf("t %.9g\n", (now() - t0) / c.reps);
    } else {
      printf("error unknown command %s\n", cmd.c_str());
    }
    fflush(stdout);
  }
  return 0;
}
