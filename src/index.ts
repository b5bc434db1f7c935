// tensorforge public API.
export { Tensor, tensor, scalar, tensor1d, tensor2d, zeros, ones, fill } from './tensor';
export type { DataType, TypedArray, NestedArray, TensorLike } from './tensor';
export { setSeed, randomNormal, randomUniform } from './random';
export { matMul } from './ops/matmul';
export { backendInfo, setNumThreads, getNumThreads } from './backend';
export type { BackendInfo } from './backend';
export * as datasets from './datasets';
