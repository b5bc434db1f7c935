// The depthwise convolution kernels over NHWC samples (depthwise_conv2d.cc),
// shared by depthwiseConv2d and separableConv2d: each input channel c
// convolved with its own M filters, kernel [kh, kw, channels, M], output
// channel c * M + m, windows placed by window2d.h.
#pragma once
#include <cstdint>

#include "window2d.h"

namespace tf {

// z = bias (may be null) + depthwise convolution of x, over the batch.
void depthwiseForward(const Window2d& g, int64_t M, int64_t batch, const float* x, const float* k, const float* bias, float* z);
// dK (+=, when set) and dX (+=, when set) from dZ.
void depthwiseBackward(const Window2d& g, int64_t M, int64_t batch, const float* x, const float* k, const float* dz, float* dk, float* dx);

}  // namespace tf
