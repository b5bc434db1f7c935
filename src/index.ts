// tensorforge public API.
export { Tensor, tensor, scalar, tensor1d, tensor2d, zeros, ones, fill } from './tensor';
export type { DataType, TypedArray, NestedArray, TensorLike } from './tensor';
export { setSeed, randomNormal, randomUniform } from './random';
export { matMul } from './ops/matmul';
export { backendInfo, setNumThreads, getNumThreads } from './backend';
export type { BackendInfo } from './backend';
export * as datasets from './datasets';
export { add, sub, mul, div, maximum, minimum, pow, squaredDifference, neg, exp, log, sqrt, square, abs } from './ops/elementwise';
export { relu, relu6, leakyRelu, elu, selu, sigmoid, tanh, softplus, softsign, gelu, silu, swish, softmax, logSoftmax, activationBackward } from './ops/activations';
export type { ActivationOpName, ActivationBackwardOptions } from './ops/activations';
export { sum, mean, prod, max, min, argMax, argMin } from './ops/reduce';
export type { Axis } from './ops/reduce';
export { transpose, slice, gather, concat, stack, split, oneHot } from './ops/movement';
