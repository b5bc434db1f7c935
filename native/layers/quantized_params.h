// What the inference-only int8 nodes (quantized_dense.cc, quantized_conv2d.cc)
// are given at construction by tf.quantization.quantize or a saved quantized
// model: the int8 kernel [K, N] (values in [-127, 127]), a weight scale per
// output channel, the float32 bias, and the uint8 quantization of the node's
// input (scale and zero point observed on calibration data). Everything is
// checked and packed once here; forward only reads it.
#pragma once
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../config.h"
#include "../int8_gemm.h"

namespace tf {

struct Int8NodeParams {
  Int8PackedWeights w;
  std::vector<float> alpha;   // inputScale * weightScale[n]
  std::vector<int32_t> corr;  // -inputZeroPoint * colSum[n]
  std::vector<float> bias;    // N (zeros without bias)
  float inputScale = 1.f, inv = 1.f, zp = 0.f;
  Int8Path path = Int8Path::Portable;

  // Reads and checks kernel (K * N integers in [-127, 127]), weightScales (N,
  // finite, > 0), bias (N finite values, or absent / empty with useBias false),
  // inputScale (finite, > 0), inputZeroPoint (integer in [0, 255]) and the
  // optional int8 path code (default the widest this CPU runs).
  Int8NodeParams(const Config& c, const std::string& layer, int64_t K, int64_t N) {
    if (K < 1 || K > kInt8MaxK) throw std::invalid_argument(layer + ": " + std::to_string(K) + " inputs per output; int8 layers take 1 to 65536");
    if (N < 1 || N > (int64_t{1} << 24)) throw std::invalid_argument(layer + ": output channels out of range");
    const std::vector<double> kernel = c.numbers("kernel");
    if (static_cast<int64_t>(kernel.size()) != K * N)
      throw std::invalid_argument(layer + ": kernel must hold " + std::to_string(K * N) + " int8 values, got " + std::to_string(kernel.size()));
    std::vector<int8_t> q(kernel.size());
    for (size_t i = 0; i < kernel.size(); ++i) {
      const double v = kernel[i];
      if (!(v >= -127 && v <= 127) || std::floor(v) != v)
        throw std::invalid_argument(layer + ": kernel values must be integers in [-127, 127], got " + std::to_string(v) + " at " + std::to_string(i));
      q[i] = static_cast<int8_t>(v);
    }
    const std::vector<double> scales = c.numbers("weightScales");
    if (static_cast<int64_t>(scales.size()) != N) throw std::invalid_argument(layer + ": weightScales must hold " + std::to_string(N) + " values");
    for (double s : scales)
      if (!(s > 0) || !std::isfinite(static_cast<float>(s))) throw std::invalid_argument(layer + ": weightScales must be finite and > 0");
    const std::vector<double> b = c.numbers("bias");
    if (c.flag("useBias", true) ? static_cast<int64_t>(b.size()) != N : !b.empty())
      throw std::invalid_argument(layer + ": bias must hold " + std::to_string(N) + " values with useBias (none without)");
    bias.assign(static_cast<size_t>(N), 0.f);
    for (size_t n = 0; n < b.size(); ++n) {
      bias[n] = static_cast<float>(b[n]);
      if (!std::isfinite(bias[n])) throw std::invalid_argument(layer + ": bias has a non-finite value");
    }
    inputScale = c.real("inputScale", 0);
    if (!(inputScale > 0) || !std::isfinite(inputScale) || !std::isfinite(1.f / inputScale))
      throw std::invalid_argument(layer + ": inputScale must be finite and > 0");
    zp = static_cast<float>(c.integer("inputZeroPoint", -1, 0, 255));
    inv = 1.f / inputScale;
    path = int8BestPath();
    if (c.has("path")) {
      path = static_cast<Int8Path>(c.integer("path", 0, 0, 3));
      if (!int8PathAvailable(path)) throw std::invalid_argument(layer + ": int8 path " + int8PathName(path) + " does not run on this CPU");
    }
    w = packInt8Weights(q.data(), K, N);
    alpha.resize(static_cast<size_t>(N));
    corr.resize(static_cast<size_t>(N));
    for (int64_t n = 0; n < N; ++n) {
      alpha[n] = inputScale * static_cast<float>(scales[n]);
      corr[n] = -static_cast<int32_t>(zp) * w.colSum[n];
    }
  }

  // The epilogue writing y[m, n] = alpha[n] * (acc + corr[n]) + bias[n], rows of ld floats.
  Int8Epilogue floatEpilogue(float* y, int64_t ld) const {
    Int8Epilogue e;
    e.kind = Int8Epilogue::Kind::Float;
    e.y = y;
    e.ld = ld;
    e.alpha = alpha.data();
    e.corr = corr.data();
    e.bias = bias.data();
    return e;
  }
};

// Float scratch holding `bytes` uint8 values (scratch buffers are floats).
inline int64_t floatsForBytes(int64_t bytes) { return (bytes + 3) / 4; }

}  // namespace tf
