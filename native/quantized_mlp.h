// A post-training int8 quantized chain of Dense layers (issue 20):
// activations asymmetric uint8 per tensor, scales from calibration data
// (min/max of each layer's input over it, the range widened to hold 0, as
// PyTorch's MinMaxObserver); weights symmetric int8 per output channel or per
// tensor (max |w| / 127), both by the rules of int8_quantization.h. Each
// layer is an int8 GEMM with int32 accumulation (int8_gemm.h) whose store
// dequantizes
//   y[m, n] = sx * sw[n] * (acc[m, n] - zx * colSum[n]) + bias[n]
// and, between layers, requantizes y straight into the next layer's uint8
// input (linear and relu fused there; other activations through a float row).
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "activations.h"
#include "int8_gemm.h"
#include "int8_quantization.h"

namespace tf {

// One Dense layer as given (float weights, read during construction only).
struct DenseLayerSpec {
  int64_t inputs = 0, units = 0;
  const float* kernel = nullptr;  // [inputs, units] row-major
  const float* bias = nullptr;    // [units] or null
  Activation activation = Activation::Linear;
  float activationParam = 0.f;
};

// One layer already quantized (a saved QuantizedMlp), read during construction only.
struct QuantizedDenseSpec {
  int64_t inputs = 0, units = 0;
  const int8_t* kernel = nullptr;        // [inputs, units], values in [-127, 127]
  const float* weightScales = nullptr;   // [units], > 0
  const float* bias = nullptr;           // [units]
  Uint8Quant input;                      // scale > 0, zeroPoint in [0, 255]
  Activation activation = Activation::Linear;
  float activationParam = 0.f;
};

class QuantizedMlp {
 public:
  // Rebuilds a quantized chain from its saved parameters (predictFloat then
  // runs the dequantized weights). Throws std::invalid_argument on bad values.
  explicit QuantizedMlp(const std::vector<QuantizedDenseSpec>& layers);

  // Quantizes the layers with `calibration` [rows, layers[0].inputs] (rows > 0,
  // finite). Throws std::invalid_argument on bad shapes, chains or data.
  QuantizedMlp(const std::vector<DenseLayerSpec>& layers, bool perChannel, const float* calibration, int64_t rows);

  int64_t inputs() const { return layers_.front().w.K; }
  int64_t outputs() const { return layers_.back().w.N; }
  int64_t layerCount() const { return static_cast<int64_t>(layers_.size()); }

  // out[rows, outputs()] from x[rows, inputs()], through `path` (must run here).
  // Rows are processed in chunks of kChunkRows with a workspace kept between
  // calls (safe from several threads at once). With two chunks or more and a
  // core token free (core_budget.h), a parked helper thread claims chunks
  // beside the caller while it runs on another CPU: rows are independent, so
  // the output is the same bit for bit on any number of threads.
  void predict(const float* x, int64_t rows, float* out, Int8Path path) const;

  // The float forward the quantized one approximates (float32 weights as
  // given, kept for tests and calibration).
  void predictFloat(const float* x, int64_t rows, float* out) const;

  // Introspection for tests and reports.
  const Uint8Quant& inputQuant(int64_t layer) const { return layers_.at(static_cast<size_t>(layer)).xq; }
  const std::vector<float>& weightScales(int64_t layer) const { return layers_.at(static_cast<size_t>(layer)).sw; }
  // The int8 kernel [K, N] and float32 bias of a layer (for saving).
  const std::vector<int8_t>& kernelInt8(int64_t layer) const { return layers_.at(static_cast<size_t>(layer)).q; }
  const std::vector<float>& bias(int64_t layer) const { return layers_.at(static_cast<size_t>(layer)).bias; }
  // Bytes of the quantized weights, scales, biases.
  int64_t storedBytes() const;

 private:
  struct Layer {
    Int8PackedWeights w;
    std::vector<float> sw;      // per output channel (all equal per tensor)
    std::vector<float> bias;    // N (zeros when none)
    std::vector<float> kernel;  // float copy [K, N] for predictFloat
    std::vector<int8_t> q;      // int8 kernel [K, N], unpacked, for saving
    Uint8Quant xq;              // this layer's input quantization
    std::vector<float> alpha;   // xq.scale * sw[n]
    std::vector<int32_t> corr;  // -xq.zeroPoint * colSum[n]
    Activation act = Activation::Linear;
    float actParam = 0.f;
  };
  std::vector<Layer> layers_;
  int64_t maxWidth_ = 0;  // widest padded layer (inputs or outputs)

  // Workspace for `kChunkRows` rows: two uint8 activation buffers, a float
  // row block (the int32 sums stay in registers: int8GemmFused). One is kept between calls; a call that
  // finds it in use (predict during a predictAsync) makes its own rather
  // than block the JavaScript thread.
  static constexpr int64_t kChunkRows = 256;
  struct Workspace {
    std::vector<uint8_t> qa, qb;
    std::vector<float> fl;
  };
  mutable std::mutex mutex_, helperMutex_;
  mutable Workspace kept_, helperKept_;

  // The per-channel dequantization factors of a layer whose scales are set.
  void finishLayer(Layer& L);
  void predictChunk(const float* x, int64_t rows, float* out, Int8Path path, Workspace& ws) const;
  // `ws` sized for a chunk of the widest layer.
  Workspace& ready(Workspace& ws) const;
  // Chunks [c0, c1) of a predict, on a kept workspace when it is free.
  void predictChunks(const float* x, int64_t rows, float* out, Int8Path path, int64_t c0, int64_t c1, std::mutex& m,
                     Workspace& kept) const;
};

}  // namespace tf
