// Every layer kind, listed once: X(Identifier, "name"). The list gives the
// LayerKind enum and its name table (exported to TypeScript as
// native.enums.layer), and makeLayer() calls make<Identifier>Layer(config),
// which the layer's own file defines. Adding a layer is its file plus one
// line here (docs/architecture.md, "Adding a layer").
#pragma once
#include <memory>

#include "../config.h"
#include "../layer.h"

namespace tf {

#define TF_LAYER_KINDS(X)                          \
  X(Dense, "dense")                                \
  X(Activation, "activation")                      \
  X(Dropout, "dropout")                            \
  X(BatchNorm, "batchNormalization")               \
  X(LayerNorm, "layerNormalization")               \
  X(Add, "add")                                    \
  X(Subtract, "subtract")                          \
  X(Multiply, "multiply")                          \
  X(Average, "average")                            \
  X(Maximum, "maximum")                            \
  X(Minimum, "minimum")                            \
  X(Concatenate, "concatenate")                    \
  X(Reshape, "reshape")                            \
  X(Permute, "permute")                            \
  X(RepeatVector, "repeatVector")                  \
  X(Lstm, "lstm")                                  \
  X(Gru, "gru")                                    \
  X(SimpleRnn, "simpleRNN")                        \
  X(Embedding, "embedding")                      \
  X(Masking, "masking")                            \
  X(Conv2d, "conv2d")                              \
  X(Conv1d, "conv1d")                              \
  X(DepthwiseConv2d, "depthwiseConv2d")            \
  X(MaxPooling2d, "maxPooling2d")                  \
  X(AveragePooling2d, "averagePooling2d")          \
  X(GlobalMaxPooling2d, "globalMaxPooling2d")      \
  X(GlobalAveragePooling2d, "globalAveragePooling2d") \
  X(Bidirectional, "bidirectional")                \
  X(TimeDistributed, "timeDistributed")              \
  X(ZeroPadding2d, "zeroPadding2d")                \
  X(Cropping2d, "cropping2d")                      \
  X(UpSampling2d, "upSampling2d")                  \
  X(SpatialDropout2d, "spatialDropout2d")          \
  X(MaxPooling1d, "maxPooling1d")                  \
  X(AveragePooling1d, "averagePooling1d")          \
  X(GlobalMaxPooling1d, "globalMaxPooling1d")      \
  X(GlobalAveragePooling1d, "globalAveragePooling1d") \
  X(Conv2dTranspose, "conv2dTranspose")            \
  X(SeparableConv2d, "separableConv2d")          \
  X(Host, "host")                                  \
  X(OutputPart, "outputPart")                      \
  X(QuantizedDense, "quantizedDense")              \
  X(QuantizedConv2d, "quantizedConv2d")            \
  X(QuantizedConv1d, "quantizedConv1d")

TF_DEFINE_ENUM(LayerKind, TF_LAYER_KINDS)

// The layer a config describes ("kind" plus the kind's own options);
// throws std::invalid_argument for a bad kind or option.
std::unique_ptr<Layer> makeLayer(const Config& config);

#define TF_DECLARE_LAYER_MAKER(id, name) std::unique_ptr<Layer> make##id##Layer(const Config& config);
TF_LAYER_KINDS(TF_DECLARE_LAYER_MAKER)
#undef TF_DECLARE_LAYER_MAKER

}  // namespace tf
