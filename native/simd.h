// Function multiversioning for the elementwise hot loops (fused optimizer
// steps, activations): the compiler emits an AVX2+FMA clone next to the
// baseline x86-64 one and the loader picks per CPU, so one binary is fast
// everywhere without -march=native.
// NOTE: the clone is named by feature level (x86-64-v3: AVX2, FMA, BMI2),
// not by CPU: GCC's resolver for "arch=haswell" tests for the Haswell model
// itself, so every AMD CPU and every later Intel one ran the baseline (SSE2)
// clone. "arch=x86-64-v3" is resolved by the CPU's features (GCC 12+).
#pragma once

#if defined(__GNUC__) && __GNUC__ >= 12 && defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && !defined(TF_SANITIZE_BUILD)
#define TF_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define TF_HAS_SIMD_CLONES 1
#else
#define TF_SIMD_CLONES
#endif

// Hand-written AVX-512 kernels (the Adam step), chosen at run time.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(TF_SANITIZE_BUILD)
#define TF_ADAM_AVX512 1
#endif

// Elementwise loops whose output may be one of their inputs (in place) but
// never a shifted view of it: no loop-carried dependence, so the compiler may
// vectorise without a run-time overlap check (which in-place calls fail).
#if defined(__GNUC__) && !defined(__clang__)
#define TF_IVDEP _Pragma("GCC ivdep")
#else
#define TF_IVDEP
#endif
