// What this CPU offers the engine's kernels, detected once at run time: the
// addon is compiled for baseline x86-64 (or the target's baseline) and picks
// wider kernels per CPU.
#pragma once
#include <string>

namespace tf {

// AVX-512 F, DQ, BW and VL: what the skylake-x kernels of BLIS and OpenBLAS need.
bool cpuHasSkylakeXFeatures();
// AVX-512 F: what the engine's own AVX-512 kernel (the Adam step) needs.
bool cpuHasAvx512F();

// The widest SIMD the engine's own kernels use on this CPU: "avx512" (the
// Adam step), "avx2" (the AVX2+FMA clones of the elementwise loops), else
// what the addon was compiled for. BLAS kernels are reported by the BLAS.
std::string kernelSimd();
// The SIMD the addon was compiled for: "avx512", "avx2", "sse2", "neon" or "scalar".
std::string compiledSimd();

}  // namespace tf
