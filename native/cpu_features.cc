#include "cpu_features.h"

#include "simd.h"

namespace tf {

#if defined(__GNUC__) && defined(__x86_64__)
bool cpuHasSkylakeXFeatures() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return has;
}
bool cpuHasAvx512F() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
static bool cpuHasAvx2Fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#else
bool cpuHasSkylakeXFeatures() { return false; }
bool cpuHasAvx512F() { return false; }
[[maybe_unused]] static bool cpuHasAvx2Fma() { return false; }
#endif

std::string compiledSimd() {
#if defined(__AVX512F__)
  return "avx512";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__SSE2__) || defined(_M_X64)
  return "sse2";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

std::string kernelSimd() {
#if defined(TF_ADAM_AVX512)
  if (cpuHasAvx512F()) return "avx512";
#endif
#if defined(TF_HAS_SIMD_CLONES)
  if (cpuHasAvx2Fma()) return "avx2";
#endif
  return compiledSimd();
}

}  // namespace tf
