// BLIS's haswell and skx kernel sets side by side, in ONE process, on the
// same shapes (npm run bench:matmul -- --blis-contexts).
//
// Why: on AVX-512 CPUs tensorforge selects BLIS's skx kernels (native
// selectBlasKernels). They are ~1.8x faster on large products, but BLIS 0.9's
// skx configuration has no "sup" (small/unpacked) kernels, so small and
// skinny products — the GEMMs of a batch-32 training step — are 2-4x slower
// than with the haswell configuration. BLIS's expert API takes a context per
// call, so an engine can pick the kernel set per shape. This program checks
// that both contexts coexist in one process and times each shape with each.
//
// Links the static libblis.a: bli_gks_lookup_nat_cntx() is not exported from
// Debian's libblis.so (the static prebuild can use it).
//
// Input: lines "M N K transA transB" on stdin; output one line per shape:
//   M N K ta tb haswell_us skx_us     (medians of 7 alternating runs, 1 thread)
#include <blis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

extern "C" cntx_t* bli_gks_lookup_nat_cntx(arch_t id);

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

int main() {
  bli_init();
  cntx_t* ctx[2] = {bli_gks_lookup_nat_cntx(BLIS_ARCH_HASWELL), bli_gks_lookup_nat_cntx(BLIS_ARCH_SKX)};
  if (!ctx[0] || !ctx[1]) {
    fprintf(stderr, "blis_contexts: this BLIS lacks the haswell or skx configuration\n");
    return 1;
  }
  int M, N, K, ta, tb;
  while (std::cin >> M >> N >> K >> ta >> tb) {
    std::vector<float> A(static_cast<size_t>(M) * K), B(static_cast<size_t>(K) * N), C(static_cast<size_t>(M) * N);
    for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>(i % 7) * 0.25f - 0.75f;
    for (size_t i = 0; i < B.size(); ++i) B[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;
    const double flops = 2.0 * M * N * K;
    const long reps = std::max(3L, std::min(20000L, static_cast<long>(5e7 / flops)));
    auto call = [&](cntx_t* cx) {
      rntm_t rntm = BLIS_RNTM_INITIALIZER;
      bli_rntm_set_num_threads(1, &rntm);
      float a = 1.f, b = 0.f;
      bli_sgemm_ex(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, M, N, K, &a,
                   A.data(), ta ? M : K, 1, B.data(), tb ? K : N, 1, &b, C.data(), N, 1, cx, &rntm);
    };
    call(ctx[0]);
    call(ctx[1]);
    std::vector<double> t[2];
    for (int r = 0; r < 7; ++r) {
      for (int w = 0; w < 2; ++w) {
        const int which = (r + w) % 2;  // alternate which goes first
        const double t0 = now();
        for (long i = 0; i < reps; ++i) call(ctx[which]);
        t[which].push_back((now() - t0) / reps * 1e6);
      }
    }
    for (auto& v : t) std::sort(v.begin(), v.end());
    printf("%d %d %d %d %d %.3f %.3f\n", M, N, K, ta, tb, t[0][3], t[1][3]);
    fflush(stdout);
  }
  return 0;
}
