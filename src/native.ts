// Loads the compiled addon: a prebuild for this platform if one is present,
// else the local cmake-js build (node-gyp-build's search order).
// TENSORFORGE_ADDON=/path/to/tensorforge.node loads that file instead (e.g.
// the AddressSanitizer build that scripts/sanitize.sh makes, or another
// build to benchmark against).
//
// The types below are the binding's contract (binding/*.cc). Every function
// re-checks its arguments natively; TypeScript validates first and names the
// public function in its errors.
import { packageRoot } from './package-root';

type F32 = Float32Array;
type I32 = Int32Array;
/** A Float32Array or an Int32Array (ops run on both; the binding dispatches on the type). */
type NumArray = Float32Array | Int32Array;

/**
 * Options of a layer, optimizer, schedule, loss or metric as the native engine
 * reads them (native/config.h): numbers, booleans, arrays of numbers, nested
 * option objects. Each native reader checks its own keys; codes come from
 * {@link NativeEnums}.
 */
export interface NativeOptions {
  readonly [key: string]: NativeOptionValue;
}
export type NativeOptionValue = number | boolean | readonly number[] | NativeOptions | null | undefined;

/** A layer: `kind` from `enums.layer`, then the kind's options (native/layers/<kind>.cc). */
export interface NativeLayerSpec extends NativeOptions {
  readonly kind: number;
}
/** A learning-rate schedule: `kind` from `enums.schedule` (native/optimizers.cc, optimizerConfigFrom). */
export interface NativeScheduleSpec extends NativeOptions {
  readonly kind: number;
  readonly initial: number;
}
/** An optimizer: `kind` from `enums.optimizer`, its schedule, and the rule's options (Keras names). */
export interface NativeOptimizerSpec extends NativeOptions {
  readonly kind: number;
  readonly schedule: NativeScheduleSpec;
}
/** A loss: `kind` from `enums.loss`. */
export interface NativeLossSpec extends NativeOptions {
  readonly kind: number;
  readonly fromLogits?: boolean;
  /** Huber's delta. */
  readonly delta?: number;
}
/** A metric: `kind` from `enums.metric`. */
/** One output's loss, its weight in the total and its metrics (models with several outputs). */
export interface NativeOutputLossSpec {
  loss: NativeLossSpec;
  weight: number;
  metrics: readonly NativeMetricSpec[];
}

export interface NativeMetricSpec extends NativeOptions {
  readonly kind: number;
  /** Top-k accuracy's k. */
  readonly k?: number;
  /** Binary accuracy's threshold. */
  readonly threshold?: number;
}

/** Where one weight lives in the model's arenas (Keras order per layer). */
export interface NativeSlot {
  /** Index of the native layer (graph node). */
  layer: number;
  name: string;
  /** Trainable weights live in the parameter arena, the rest (moving statistics) in the state arena. */
  trainable: boolean;
  offset: number;
  shape: number[];
  /** shape[0]. */
  rows: number;
  /** The product of the remaining dimensions; 0 for a vector. */
  cols: number;
}

/** Result of one native training chunk. */
export interface NativeChunkResult {
  batches: number;
  /** Stopped: the loss, a gradient or an updated weight became NaN or infinite. */
  nonFinite: boolean;
  cancelled: boolean;
  /** Per batch (with regularization). */
  loss: Float32Array;
  /** Per batch x metric, summed over the batch. */
  metricSums: Float64Array;
  /** Per batch sample count. */
  sizes: Int32Array;
}

export interface NativeEvalResult {
  /** Sum over samples of (batch loss x batch size). */
  lossSum: number;
  samples: number;
  metricSums: Float64Array;
}

export interface NativeOptimizerState {
  iterations: number;
  nadamMomentumProduct: number;
  slots: Float32Array[];
}

/**
 * A model's data as the native side reads it: `n` samples of `x` (row-major,
 * the input size per row), and the targets the loss reads: class indices
 * (`labels`) or rows of the output size (`targets`), optional sample weights.
 */
export interface NativeData {
  readonly x: F32;
  readonly labels: I32 | null;
  readonly targets: F32 | null;
  readonly weights: F32 | null;
  readonly n: number;
}

/** Which batches of an epoch one {@link NativeModel.trainChunk} call trains. */
export interface NativeChunkSpec {
  /** The epoch's sample order (a permutation of [0, n)); batch b is order[b * batchSize, ...). */
  readonly order: I32;
  readonly batchSize: number;
  /** Trains batches [firstBatch, firstBatch + count). */
  readonly firstBatch: number;
  readonly count: number;
  /**
   * With nextCount > 0 the rows of batches [nextFirst, nextFirst + nextCount)
   * are copied while this chunk trains, for the next call with the same epochId.
   */
  readonly nextFirst?: number;
  readonly nextCount?: number;
  readonly epochId?: number;
  /** This rank trains its share of each batch, gradients summed over the ranks (tf.distributed). */
  readonly distributed?: boolean;
}

/**
 * One model in the native engine (binding/network_binding.h). Calls that
 * overlap native work in flight throw "busy" instead of waiting.
 */
export interface NativeModel {
  slots(): NativeSlot[];
  readWeights(trainable: boolean, out: F32): void;
  writeWeights(trainable: boolean, values: F32): void;
  /** One `{ loss, weight, metrics }` per output, in output order. */
  compile(optimizer: NativeOptimizerSpec, outputs: readonly NativeOutputLossSpec[]): void;
  /** Trains the chunk's batches on a worker thread. */
  trainChunk(data: NativeData, chunk: NativeChunkSpec): Promise<NativeChunkResult>;
  evaluate(data: NativeData, batchSize: number): Promise<NativeEvalResult>;
  /** Synchronous, on the calling thread. */
  predict(x: F32, n: number, batchSize: number, out: F32): void;
  /** On a worker thread; stops between batches once cancel[0] != 0. */
  predictAsync(x: F32, n: number, batchSize: number, out: F32, cancel?: I32): Promise<void>;
  /** Stops the training chunk in flight at its next batch. */
  cancel(): void;
  learningRate(): number;
  setLearningRate(learningRate: number): void;
  optimizerState(): NativeOptimizerState;
  setOptimizerState(iterations: number, nadamMomentumProduct: number, slots: readonly F32[]): void;
  reseed(seed: number): void;
  /** Loss and gradients of one batch in training mode, into `grads` (tests). */
  computeGradients(data: NativeData, grads: F32): number;
  /** One optimizer step with the given gradients (tests). */
  applyGradients(grads: F32): void;
  /** A training forward pass of `rows` samples whose loss the tape computes: outputs [rows, outputSize]. */
  tapeForward(x: F32, rows: number, outputs: F32): void;
  /** Backward from dLoss/d(outputs) of the last tapeForward and the update; loss with regularization, applied false when skipped (non-finite). */
  tapeStep(dOutputs: F32, rows: number, loss: number): { loss: number; applied: boolean };
  /** The functions that compute the model's custom layers (binding/host_hooks.h). */
  setHostCallbacks(forward: HostForward, backward: HostBackward): void;
  /** The kernel regularizers' penalty at the current weights. */
  regularizationPenalty(): number;
  /** Magnitude pruning after every optimizer update from now on, or none (native/magnitude_pruning.h). */
  setPruning(options: NativePruningSpec | null): void;
}

/** Magnitude pruning as the native trainer runs it (native/magnitude_pruning.h). */
export interface NativePruningSpec {
  /** [offset, size] of each pruned weight in the trainable arena, increasing. */
  readonly ranges: readonly (readonly [number, number])[];
  /** 0 polynomial decay, 1 constant. */
  readonly schedule: 0 | 1;
  readonly initialSparsity: number;
  readonly targetSparsity: number;
  readonly beginStep: number;
  /** -1: none (constant schedule only). */
  readonly endStep: number;
  readonly frequency: number;
  readonly power: number;
}

/**
 * One node of a {@link NativeGraphSpec}: a layer applied to the outputs of
 * other nodes or to graph inputs (native/graph.h, GraphNode).
 */
export interface NativeGraphNode {
  /** The layer this node applies (`kind` from `enums.layer`, then its options). */
  readonly layer: NativeLayerSpec;
  /**
   * What feeds each of the layer's inputs, in order: a node index >= 0, or
   * graph input k as `-1 - k`. A node may read the same source more than once.
   */
  readonly inputs: readonly number[];
  /**
   * A node whose weights this one uses instead of its own (a layer applied
   * twice): the same kind of layer with the same weight shapes; its gradient
   * is the sum over both applications. That node must own its weights (not
   * share another's). Default: the node has its own weights.
   */
  readonly shareWeightsWith?: number;
}

/**
 * A model as a graph of layer nodes (native/graph_spec.h). Nodes may come in
 * any order (the executor sorts them); every node must feed the output and
 * every input must feed a node. Weight slots are reported per owning node.
 */
export interface NativeGraphSpec {
  /**
   * The per-sample shape of each graph input (batch axis left out). Only one
   * input is supported for now: training and prediction take one input array.
   */
  readonly inputs: readonly (readonly number[])[];
  readonly nodes: readonly NativeGraphNode[];
  /** The node whose output the model returns. Default: the last node. */
  readonly output?: number;
}

export interface NativeModelConstructor {
  /**
   * A chain of layers over inputs of `input` features (or that per-sample
   * shape). Each entry is a {@link NativeLayerSpec}; `unknown` is accepted
   * because the binding checks each one (TypeError "each layer must be an
   * object", then the layer's own option checks).
   */
  new (layers: readonly (NativeLayerSpec | unknown)[], input: number | readonly number[]): NativeModel;
  /**
   * A graph of layers. Native code checks it all (unknown keys, references,
   * cycles, shapes, shared weights) and throws a TypeError or RangeError
   * whose message starts with `NativeModel:` and names the node.
   */
  new (graph: NativeGraphSpec): NativeModel;
}

/** One Dense layer handed to {@link NativeQuantizedMlpConstructor}. */
export interface NativeQuantizedLayerSpec {
  inputs: number;
  units: number;
  /** [inputs, units] row-major. */
  kernel: F32;
  bias: F32 | null;
  /** A native.enums.activation code. */
  activation: number;
  activationParam: number;
}

/** A post-training int8 chain of Dense layers (binding/quantized_binding.cc, native/quantized_mlp.h). */
export interface NativeQuantizedMlp {
  /** out[rows, outputs] from x[rows, inputs] through the int8 kernels (`path` defaults to the widest this CPU runs). */
  predict(x: F32, rows: number, out: F32, path?: string): void;
  predictAsync(x: F32, rows: number, out: F32, path?: string): Promise<void>;
  /** The float32 forward it approximates. */
  predictFloat(x: F32, rows: number, out: F32): void;
  info(): { path: string; storedBytes: number; layers: { inputScale: number; inputZeroPoint: number; weightScales: Float32Array }[] };
  /** Each layer's int8 kernel [inputs * units], weight scales and bias, for saving. */
  exportLayers(): { kernel: Int8Array; weightScales: F32; bias: F32 }[];
}

/** A layer of a saved quantized chain, for {@link NativeQuantizedMlpConstructor}. */
export interface NativeSavedQuantizedLayer {
  inputs: number;
  units: number;
  kernel: Int8Array;
  weightScales: F32;
  bias: F32;
  inputScale: number;
  inputZeroPoint: number;
  activation: number;
  activationParam: number;
}

export interface NativeQuantizedMlpConstructor {
  /** Quantizes the layers, activation scales from `calibration` [rows, layers[0].inputs]. */
  new (layers: readonly NativeQuantizedLayerSpec[], perChannel: boolean, calibration: F32, rows: number): NativeQuantizedMlp;
  /** Rebuilds a saved quantized chain (no calibration). */
  new (saved: readonly NativeSavedQuantizedLayer[]): NativeQuantizedMlp;
}

/** Name -> code tables generated from the one native list of each enum (native/enum_table.h). */
export interface NativeEnums {
  readonly layer: Readonly<Record<string, number>>;
  readonly activation: Readonly<Record<string, number>>;
  readonly loss: Readonly<Record<string, number>>;
  readonly metric: Readonly<Record<string, number>>;
  readonly optimizer: Readonly<Record<string, number>>;
  readonly schedule: Readonly<Record<string, number>>;
}

export interface NativeBackendInfo {
  blas: string;
  blasVersion: string;
  blasConfig: string;
  threads: number;
  hardwareThreads: number;
  allocator: string;
  simd: string;
  compiledSimd: string;
}

/**
 * The raw N-API surface. Internal: every public function validates before
 * calling it. Typed-array arguments of the ops are NumArray: the binding
 * checks each one's element type (Float32Array for float-only kernels,
 * Int32Array for shapes, strides and indices) and throws a TypeError otherwise.
 */
/**
 * One window layer (conv2d, conv1d, depthwiseConv2d, the max / average
 * poolings) run as an op (native/layer_op.h): forward, and backward for the
 * gradient tape. Weights are the layer's, one after another (Keras order).
 */
export interface NativeLayerOp {
  /** [input floats per sample, output floats per sample, weight floats]. */
  sizes(): number[];
  /** out [n, output] = the layer over x [n, input] (inference mode). */
  forward(x: F32, n: number, weights: F32, out: F32): void;
  /** The gradients of sum(dy * layer(x)) into dx [n, input] and dWeights, each overwritten; null: not computed. */
  backward(x: F32, n: number, weights: F32, dy: F32, dx: F32 | null, dWeights: F32 | null): void;
  /** Bytes of scratch the op keeps between calls (it grows with the largest pass). */
  keptBytes(): number;
}

/** Builds a {@link NativeLayerOp}; throws a TypeError naming `LayerOp` for a layer that is not a window layer or a shape it refuses. */
export interface NativeLayerOpConstructor {
  new (layer: NativeLayerSpec, inputShape: readonly number[]): NativeLayerOp;
}

export interface NativeAddon {
  NativeModel: NativeModelConstructor;
  LayerOp: NativeLayerOpConstructor;
  NativeQuantizedMlp: NativeQuantizedMlpConstructor;
  /** The int8 GEMM paths this CPU runs, narrowest first ('portable', 'avx2', 'avx-vnni', 'avx512-vnni'). */
  int8Paths: readonly string[];
  /**
   * Symmetric int8 weights of kernel [inputs, units] (binding/int8_quantization_binding.cc,
   * native/int8_quantization.h): a scale per output channel (or one for all), values in
   * [-127, 127], rounded half to even in float32. Throws a TypeError on a non-finite weight.
   */
  int8QuantizeKernel(kernel: F32, inputs: number, units: number, perChannel: boolean): { kernel: Int8Array; weightScales: F32 };
  /** The uint8 quantization of a range [lo, hi] (finite), widened to hold 0 so zero is exact. */
  uint8QuantFromRange(lo: number, hi: number): { scale: number; zeroPoint: number };
  enums: NativeEnums;
  backendInfo(): NativeBackendInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** The process-wide core budget (tests, diagnostics); `resetPeak` clears the peak after reading it. */
  coreBudget(resetPeak?: boolean): { total: number; inUse: number; peak: number };
  setMemoryLimit(bytes: number): void;
  getMemoryLimit(): number;
  matMul(a: NumArray, b: NumArray, out: NumArray, batch: number, M: number, N: number, K: number, transposeA: boolean, transposeB: boolean): void;
  binary(op: number, a: NumArray, aStrides: NumArray, b: NumArray, bStrides: NumArray, out: NumArray, shape: NumArray): void;
  unary(op: number, x: NumArray, out: NumArray): void;
  activation(kind: number, param: number, x: NumArray, out: NumArray): void;
  activationGrad(kind: number, param: number, x: NumArray, y: NumArray, dy: NumArray, dx: NumArray): void;
  softmax(x: NumArray, out: NumArray, rows: number, cols: number, log: boolean): void;
  softmaxGrad(y: NumArray, dy: NumArray, dx: NumArray, rows: number, cols: number, log: boolean): void;
  reduce(op: number, x: NumArray, out: NumArray, outer: number, n: number, inner: number): void;
  argReduce(isMin: boolean, x: NumArray, out: NumArray, outer: number, n: number, inner: number): void;
  stridedCopy(x: NumArray, offset: number, shape: NumArray, strides: NumArray, out: NumArray): void;
  gather(x: NumArray, indices: NumArray, out: NumArray, outer: number, axisDim: number, inner: number): void;
  concat(inputs: readonly NumArray[], widths: NumArray, out: NumArray, outer: number): void;
  oneHot(indices: NumArray, out: NumArray, depth: number, on: number, off: number): void;
  /** MPI, opened at run time (binding/distributed_binding.cc). */
  distributedInit(): { rank: number; size: number; localRank: number; library: string };
  distributedBroadcast(data: F32, root: number): void;
  distributedAllreduceMean(data: F32): void;
  distributedAllreduceSum(data: Float64Array): void;
  distributedBarrier(): void;
  distributedFinalize(): void;
  /** Seconds a collective waits for the other ranks before failing. */
  distributedSetTimeout(seconds: number): void;
  /** A control round (a failure on any rank throws on every rank), then `values` reduced in place. */
  distributedExchange(values: Float64Array, op: 'sum' | 'max'): void;
  distributedExchangeAsync(values: Float64Array, op: 'sum' | 'max'): Promise<void>;
  /** Tells the other ranks this one failed (unless they know already); whether a control round ran. */
  distributedReportFailure(message: string): boolean;
  distributedClearFailure(): void;
  /** In place: rank r's counts[r] floats, at the sum of the counts before it, to every rank. */
  distributedAllgather(data: F32, counts: Float64Array): void;
  /** Why MPI became unusable in this process, or ''. */
  distributedBroken(): string;
  /** Point-to-point messages, non-blocking and polled (native/mpi_runtime.h; the distributed tuner). */
  distributedSend(dest: number, tag: number, data: Uint8Array): void;
  distributedPoll(): { source: number; tag: number; data: Uint8Array } | null;
  distributedPendingSends(): number;
  distributedTimeout(): number;
  /** Time the data-parallel steps spent in their control rounds and gradient reductions (benchmarks). */
  /** One training step's exchange of `grads` and `stats` (summed in place), as fit makes it (benchmarks). */
  distributedStepExchange(grads: F32, stats: Float64Array): void;
  distributedSyncTimes(reset: boolean): { steps: number; bytes: number; controlSeconds: number; reduceSeconds: number; reduceCpuSeconds: number };
  /** An optimizer's state over a parameter arena of `size` floats, for applyGradients (binding/optimizer_binding.cc). */
  optimizerCreate(config: NativeOptimizerSpec, size: number): NativeOptimizerStepper;
}

/** One optimizer's slots and step counter over a packed parameter arena. */
export interface NativeOptimizerStepper {
  /** One fused update; `segments` holds (offset, length) per variable. False when an updated weight is not finite. */
  step(params: F32, grads: F32, segments: I32): boolean;
  iterations(): number;
  learningRate(): number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild: (dir: string) => unknown = require('node-gyp-build');

function load(): NativeAddon {
  const override = process.env.TENSORFORGE_ADDON;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (override ? require(override) : nodeGypBuild(packageRoot())) as NativeAddon;
}

export const native: NativeAddon = load();

/** @internal Computes a custom layer's output for the native engine (binding/host_hooks.h); `weights` is null when unchanged since the arrays of the last call. */
export type HostForward = (hostId: number, training: boolean, batch: number, inputs: Float32Array[], weights: Float32Array[] | null) => Float32Array;
/** @internal The gradients of a custom layer's last training call, for dOut. */
export type HostBackward = (hostId: number, batch: number, dOut: Float32Array, needed: boolean[]) => { dInputs: (Float32Array | null)[]; dWeights: (Float32Array | null)[] };
