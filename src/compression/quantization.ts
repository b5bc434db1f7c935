// `tf.quantization`: post-training int8 quantization (issue 20). quantize
// turns a trained chain of Dense layers into an int8 inference model.
// Weight-only float16 / uint8 storage is model.save's `quantizeWeights`.
export { QuantizedModel, int8Paths, quantize } from './quantize';
export { QUANTIZED_FORMAT, loadQuantized as load } from './quantized_io';
export type { Int8Path, QuantizeArgs, QuantizedLayerInfo, QuantizedPredictArgs } from './quantize';
