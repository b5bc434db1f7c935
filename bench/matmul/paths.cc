// bench/matmul/paths.cc — the GEMM paths tensorforge can take, timed side by
// side in ONE process on the same inputs (npm run bench:matmul -- --paths):
//   blas     cblas_sgemm of the linked BLAS, kernels as the environment picks
//            them (OPENBLAS_CORETYPE is honoured; Haswell = ymm on the AMD EPYC)
//   avx512   tensorforge's own AVX-512 kernel (native/gemm_avx512*.cc), its
//            layout chosen by shape; avx512-packed / avx512-direct force one
//   xsmm     libxsmm_sgemm (JIT for small shapes, the BLAS above beyond; built
//            with -DUSE_XSMM when libxsmm-dev is installed)
//   blis-skx BLIS 0.9's skylake-x kernels (static libblis.a, -DUSE_BLIS)
//   tf       tf::sgemm: whichever path gemm.cc picks for the shape
// For every shape and thread count the paths run in rotation (A B C, B C A,
// ...), each run repeating the call for ~min-time seconds; reported: median
// GFLOP/s per path and the median over runs of the per-run ratio to `blas`
// (a slowdown of the shared machine that spans a round cancels out), and
// GFLOP per CPU second of the process (on one thread: the rate on a core of
// its own, which the wall clock of a shared machine hides).
//
// Input lines "M N K ta tb threads label" on stdin; output one JSON object
// per line: {label,M,N,K,ta,tb,threads,paths:{id:{gflops,cpuGflops,ratio}}}.
#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gemm.h"
#include "gemm_avx512.h"
#ifdef USE_XSMM
#include <libxsmm.h>
#endif
#ifdef USE_BLIS
#include <blis.h>
extern "C" cntx_t* bli_gks_lookup_nat_cntx(arch_t id);  // in the static libblis.a only
#endif

extern "C" void openblas_set_num_threads(int);

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
// CPU seconds of the whole process: with one thread, flops per CPU second is
// what the path does on a core of its own, however busy the machine is.
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  double minTime = 0.05;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!strncmp(argv[i], "--runs=", 7)) runs = atoi(argv[i] + 7);
    else if (!strncmp(argv[i], "--min-time=", 11)) minTime = atof(argv[i] + 11);
    else if (!strncmp(argv[i], "--paths=", 8)) only = argv[i] + 8;
  }
  tf::selectBlasKernels();
#ifdef USE_XSMM
  libxsmm_init();
#endif
  struct Path {
    std::string id;
    std::function<void(bool, bool, int, int, int, const float*, int, const float*, int, float*, int, int)> fn;
  };
  std::vector<Path> paths;
  paths.push_back({"blas", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                              float* C, int ldc, int t) {
                     openblas_set_num_threads(t);
                     cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
                                 K, 1.f, A, lda, B, ldb, 0.f, C, ldc);
                   }});
  if (tf::avx512GemmAvailable())
    paths.push_back({"avx512", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B,
                                  int ldb, float* C, int ldc, int t) {
                       tf::sgemmAvx512(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, t);
                     }});
  if (tf::avx512GemmAvailable()) {
    // The same product kept on one thread: against "avx512" on a line with
    // threads 2, the gain of splitting it across two cores.
    paths.push_back({"avx512-1t", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B,
                                     int ldb, float* C, int ldc, int) {
                       tf::sgemmAvx512(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, 1);
                     }});
    paths.push_back({"avx512-packed", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda,
                                         const float* B, int ldb, float* C, int ldc, int t) {
                       tf::sgemmAvx512(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, t, tf::Avx512Layout::Packed);
                     }});
    paths.push_back({"avx512-direct", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda,
                                         const float* B, int ldb, float* C, int ldc, int t) {
                       tf::sgemmAvx512(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, t, tf::Avx512Layout::Direct);
                     }});
  }
#ifdef USE_BLIS
  // BLIS 0.9's skx kernels (Debian's has no zen4/zen5 configuration), through
  // its expert API with the context passed per call: no BLIS_ARCH_TYPE needed.
  bli_init();
  static cntx_t* skx = bli_gks_lookup_nat_cntx(BLIS_ARCH_SKX);
  if (skx && tf::avx512GemmAvailable())
    paths.push_back({"blis-skx", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B,
                                    int ldb, float* C, int ldc, int t) {
                       rntm_t rntm = BLIS_RNTM_INITIALIZER;
                       bli_rntm_set_num_threads(t, &rntm);
                       float one = 1.f, zero = 0.f;
                       bli_sgemm_ex(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, M, N,
                                    K, &one, const_cast<float*>(A), lda, 1, const_cast<float*>(B), ldb, 1, &zero, C, ldc,
                                    1, skx, &rntm);
                     }});
#endif
#ifdef USE_XSMM
  paths.push_back({"xsmm", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                              float* C, int ldc, int t) {
                     openblas_set_num_threads(t);  // its fallback for large shapes
                     // Column-major: C^T = op(B)^T op(A)^T.
                     const char tra = tb ? 'T' : 'N', trb = ta ? 'T' : 'N';
                     const libxsmm_blasint m = N, n = M, k = K, la = ldb, lb = lda, lc = ldc;
                     const float one = 1.f, zero = 0.f;
                     libxsmm_sgemm(&tra, &trb, &m, &n, &k, &one, B, &la, A, &lb, &zero, C, &lc);
                   }});
#endif
  paths.push_back({"tf", [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                            float* C, int ldc, int t) {
                     tf::setBlasThreads(t);
                     tf::sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc);
                   }});
  if (!only.empty()) {
    std::vector<Path> keep;
    for (auto& p : paths)
      if (("," + only + ",").find("," + p.id + ",") != std::string::npos) keep.push_back(p);
    paths = keep;
  }
  {
    std::ostringstream info;
    info << "{\"info\":{\"avx512\":" << (tf::avx512GemmAvailable() ? "true" : "false") << ",\"blasConfig\":\""
         << tf::blasInfo().config << "\"";
#ifdef USE_XSMM
    info << ",\"xsmmTarget\":\"" << libxsmm_get_target_arch() << "\"";
#endif
    info << "}}";
    std::cout << info.str() << std::endl;
  }

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    int M, N, K, ta, tb, threads;
    std::string label;
    if (!(in >> M >> N >> K >> ta >> tb >> threads)) continue;
    std::getline(in, label);
    label.erase(0, label.find_first_not_of(' '));
    const int lda = ta ? M : K, ldb = tb ? K : N;
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N);
    for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>((i * 7) % 13) * 0.125f - 0.75f;
    for (size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>((i * 5) % 11) * 0.125f - 0.625f;
    const size_t np = paths.size();
    std::vector<std::vector<float>> C(np, std::vector<float>(static_cast<size_t>(M) * N));
    const double flops = 2.0 * M * N * K;
    std::vector<long> reps(np);
    for (size_t p = 0; p < np; ++p) {  // warm up, calibrate
      auto& f = paths[p].fn;
      f(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C[p].data(), N, threads);
      long r = 1;
      for (;;) {
        const double t0 = now();
        for (long i = 0; i < r; ++i) f(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C[p].data(), N, threads);
        const double t = now() - t0;
        if (t > minTime / 4 || r > (1L << 24)) {
          reps[p] = std::max(1L, static_cast<long>(r * minTime / std::max(t, 1e-9)));
          break;
        }
        r *= 2;
      }
    }
    double maxDiff = 0;
    for (size_t p = 1; p < np; ++p)
      for (size_t i = 0; i < C[0].size(); ++i)
        maxDiff = std::max(maxDiff, static_cast<double>(std::fabs(C[p][i] - C[0][i])) / (1.0 + std::fabs(C[0][i])));
    std::vector<std::vector<double>> t(np), cpu(np);
    for (int r = 0; r < runs; ++r)
      for (size_t q = 0; q < np; ++q) {
        const size_t p = (q + r) % np;
        auto& f = paths[p].fn;
        const double t0 = now(), c0 = cpuNow();
        for (long i = 0; i < reps[p]; ++i) f(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C[p].data(), N, threads);
        t[p].push_back((now() - t0) / reps[p]);
        cpu[p].push_back((cpuNow() - c0) / reps[p]);
      }
    std::ostringstream out;
    out << "{\"label\":\"" << label << "\",\"M\":" << M << ",\"N\":" << N << ",\"K\":" << K << ",\"ta\":" << ta
        << ",\"tb\":" << tb << ",\"threads\":" << threads << ",\"maxRelDiff\":" << maxDiff << ",\"paths\":{";
    for (size_t p = 0; p < np; ++p) {
      std::vector<double> ratio;
      for (int r = 0; r < runs; ++r) ratio.push_back(t[0][r] / t[p][r]);
      out << (p ? "," : "") << "\"" << paths[p].id << "\":{\"gflops\":" << flops / median(t[p]) / 1e9
          << ",\"cpuGflops\":" << flops / median(cpu[p]) / 1e9 << ",\"ratio\":" << median(ratio) << "}";
    }
    out << "}}";
    std::cout << out.str() << std::endl;
  }
  return 0;
}
