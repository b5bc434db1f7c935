// Flush-to-zero / denormals-are-zero for the calling thread while in scope
// (ScopedKeepDenormals: neither, for host-language code a native pass calls).
// NOTE: Adam's moment estimates decay geometrically for weights whose gradient
// is mostly zero (e.g. always-blank pixels), reaching the subnormal range after
// a few hundred steps; each subnormal operation costs ~100 cycles, which made
// the fused Adam step 20x slower. TensorFlow and PyTorch flush them too. The
// previous mode is restored, since worker threads are shared with libuv.
#pragma once

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#define TF_HAVE_MXCSR 1
#endif

namespace tf {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() {
#ifdef TF_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
  }
  ~ScopedFlushDenormals() {
#ifdef TF_HAVE_MXCSR
    _mm_setcsr(saved_);
#endif
  }
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

// IEEE behaviour (no flush-to-zero) while in scope: JavaScript that a native
// pass calls back (a custom layer, host_layer.h) computes as it would alone.
class ScopedKeepDenormals {
 public:
  ScopedKeepDenormals() {
#ifdef TF_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ & ~0x8040u);
#endif
  }
  ~ScopedKeepDenormals() {
#ifdef TF_HAVE_MXCSR
    _mm_setcsr(saved_);
#endif
  }
  ScopedKeepDenormals(const ScopedKeepDenormals&) = delete;
  ScopedKeepDenormals& operator=(const ScopedKeepDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

}  // namespace tf
