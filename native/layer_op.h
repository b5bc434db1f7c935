// One window layer run as an op, outside any graph: tf.conv2d, tf.conv1d,
// tf.depthwiseConv2d, tf.maxPool and tf.avgPool (src/ops/convolution.ts)
// run the layer of the same name through this, forward and backward (the
// input and weight gradients of the gradient tape), on the caller's buffers
// and with the caller's weights: the layers' tested kernels, no second
// implementation. Scratch is kept between calls (a training loop calls the
// same op with the same shapes every step) and bounded: a large batch runs
// in passes of a few samples.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "config.h"
#include "layer.h"

namespace tf {

class LayerOp {
 public:
  // The layer a config describes over samples of `input`: one of the window
  // layers (conv2d, conv1d, depthwiseConv2d, the 1-D and 2-D max / average
  // poolings), with no "trainable" option (the op decides which gradients
  // it computes). Throws std::invalid_argument otherwise, or for a shape the
  // layer refuses. `passFloats`: the scratch floats a pass may keep, beyond
  // which a batch runs in passes of fewer samples (one at least).
  LayerOp(const Config& config, const Shape& input, int64_t passFloats = kPassFloats);

  int64_t inputSize() const { return inSize_; }    // floats per sample
  int64_t outputSize() const { return outSize_; }  // floats per sample
  int64_t weightSize() const { return weightSize_; }  // floats of every weight, one after another (Keras order)
  const Shape& outputShape() const { return layer_->outputShape(); }

  // out [n, outputSize()] = the layer over x [n, inputSize()] in inference
  // mode, with `weights` [weightSize()].
  void forward(const float* x, int64_t n, const float* weights, float* out);
  // The gradients of sum(dy * layer(x)): dx [n, inputSize()] and dWeights
  // [weightSize()], each overwritten, or not computed when null. dy is only
  // read. The forward pass is run again first (backward reads what it leaves
  // in scratch: conv2d's im2col rows, max pooling's winning taps).
  void backward(const float* x, int64_t n, const float* weights, const float* dy, float* dx, float* dWeights);

  // Bytes held between calls (scratch), for the caller's memory accounting.
  int64_t keptBytes() const { return (kept_ + static_cast<int64_t>(gradSum_.size())) * static_cast<int64_t>(sizeof(float)); }

  static constexpr int64_t kPassFloats = int64_t{1} << 22;  // 16 MB

 private:
  Config config_;
  std::unique_ptr<Layer> layer_;
  // The same layer with trainable false, made on first need: backward without
  // dWeights skips the weight gradient's arithmetic (conv2d's dKernel GEMM).
  std::unique_ptr<Layer> frozen_;
  std::vector<WeightSlot> slots_;
  int64_t passFloats_, inSize_ = 0, outSize_ = 0, weightSize_ = 0;
  int64_t perSample_ = 0;  // scratch floats per sample of a backward pass
  // Kept scratch, sized for `sized_` samples.
  int64_t sized_ = 0, kept_ = 0;
  std::vector<std::vector<float>> scratch_;
  std::vector<float*> scratchPtr_;
  std::vector<float> out_, dOut_, gradSum_;

  int64_t passOf(int64_t n) const;
  // Sizes the kept scratch for passes of `pass` samples, with backward's
  // buffers when `training` (checked against the memory limit first).
  void prepare(int64_t pass, bool training);
  Layer& frozen();
  NodeWeights weightsOf(const float* weights, float* grads) const;
};

}  // namespace tf
