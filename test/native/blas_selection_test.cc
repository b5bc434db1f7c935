// selectBlasKernels acts once per process, however many threads call it at
// once (each worker_thread loading the addon calls it; setenv must not race
// with other threads' getenv: 39ad94c).
#include <thread>
#include <vector>

#include "../../native/gemm.h"
#include "check.h"

TF_TEST(blas_kernel_selection_runs_once_across_threads) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([] { tf::selectBlasKernels(); });
  for (std::thread& t : threads) t.join();
  tf::selectBlasKernels();
  TF_EXPECT(tf::blasKernelSelections() == 1);
}
