// Direct convolution for windows of tiny depth (K = kh * kw * channels at
// most kDirectDepth, e.g. the 3x3 kernel over a 1-channel image that starts a
// CNN): each output pixel gathers its K taps into registers and produces all
// its filters there, bias and relu included, so nothing but the input and the
// output crosses memory. Through the GEMM the same layer was memory passes:
// im2col writes K floats per pixel, the K = 9 product streams them back, and
// the bias + relu pass reads and writes the output again
// (bench/conv/RESULTS.md). Backward likewise masks by relu, sums the bias
// gradient and accumulates the kernel gradient in one pass over the output
// and its gradient, without writing the masked gradient back.
#pragma once
#include <cstdint>

#include "window2d.h"

namespace tf {

constexpr int64_t kDirectDepth = 16;

// y = act(taps · W + bias) over `batch` samples; W is the HWIO kernel as [K, F]
// (K <= kDirectDepth), bias may be null; relu or linear.
void convDirectForward(const Window2d& g, int64_t batch, const float* x, const float* W, const float* bias, int64_t F, bool relu,
                       float* y);

// The gradients of convDirectForward: dW (overwritten, when set), db (added
// to, when set) and dx (overwritten, when set), from dy and, for relu, the
// forward output y (y > 0 exactly where the pre-activation is).
void convDirectBackward(const Window2d& g, int64_t batch, const float* x, const float* y, const float* dy, const float* W, int64_t F,
                        bool relu, float* dW, float* db, float* dx);

}  // namespace tf
