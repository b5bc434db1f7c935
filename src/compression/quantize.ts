// tf.quantization.quantize: post-training int8 quantization (issue 20), as
// PyTorch's static quantization and TFLite's full-integer conversion do it.
// A chain of Dense layers becomes an inference model whose products are
// uint8 x int8 GEMMs with int32 accumulation (native/int8_gemm.h: AVX-512
// VNNI, AVX2 or portable, picked at run time), each followed by one pass that
// dequantizes, adds the bias, applies the activation and requantizes for the
// next layer (native/quantized_mlp.h). Activations are quantized per tensor
// (asymmetric uint8, ranges observed on the calibration data), weights
// symmetric int8 per output channel or per tensor. The original model is not
// modified.
import { ACTIVATION_CODE, CanonicalActivation, activationParam } from '../activations';
import { checkBool, checkOptions, rangeError, show, typeError } from '../errors';
import { ActivationLayer } from '../layers/activation_layer';
import { Dense } from '../layers/dense';
import { Dropout } from '../layers/dropout';
import { LayersModel } from '../models/layers_model';
import { InputSpec, packInputs } from '../models/data';
import type { ModelGraph } from '../models/native_graph';
import { Sequential } from '../models/sequential';
import { NativeQuantizedLayerSpec, NativeQuantizedMlp, native } from '../native';
import type { IOHandler, SaveResult } from '../io/types';
import { Tensor, checkTensor, tensor } from '../tensor';
import { QuantizedGraph, quantizeGraph } from './quantize_graph';
import { saveQuantized } from './quantized_io';

/** Options of {@link quantize}. */
export interface QuantizeArgs {
  /**
   * Representative inputs, [samples, ...inputShape] (required; [samples,
   * features] for a Dense model): each quantized layer's input range is
   * observed over them (min / max, widened to hold 0), which sets its uint8
   * scale and zero point. A few hundred training samples do. A functional
   * model of several inputs takes one tensor per input, as an array or an
   * object keyed by input name.
   */
  calibration: Tensor | Tensor[] | Record<string, Tensor>;
  /** Weights quantized per output channel (default true) or with one scale per layer (false). */
  perChannel?: boolean;
}

/** The int8 GEMM implementations; which run depends on the CPU (see {@link int8Paths}). */
export type Int8Path = 'portable' | 'avx2' | 'avx-vnni' | 'avx512-vnni';

/** Options of {@link QuantizedModel.predict}. */
export interface QuantizedPredictArgs {
  /** Which int8 GEMM to run (default: the widest this CPU runs). All give identical results; for comparisons. */
  path?: Int8Path;
  /**
   * Samples per native batch for a convolutional or functional model (default
   * 32, as LayersModel.predict); a chain of Dense layers works in its own chunks.
   */
  batchSize?: number;
}

/** Per-layer quantization parameters of a {@link QuantizedModel}. */
export interface QuantizedLayerInfo {
  /** The layer's name in the original model. */
  name: string;
  /** Its class in the original model: 'Dense', 'Conv2D' or 'Conv1D'. */
  className: string;
  /** Inputs per output (a convolution's kh * kw * channels). */
  inputs: number;
  /** Output units (a convolution's filters). */
  units: number;
  /** Input activation: real = inputScale * (q - inputZeroPoint), q in [0, 255]. */
  inputScale: number;
  inputZeroPoint: number;
  /** Weight scale per output channel (all equal when per tensor): real = scale * q, q in [-127, 127]. */
  weightScales: Float32Array;
}

/** @internal What a QuantizedModel knows of each layer besides its native parameters. */
export interface QuantizedLayerMeta {
  /** The Dense layer's name. */
  name: string;
  /** Input features and output units. */
  inputs: number;
  units: number;
  /** Activation after the layer (an Activation layer after a linear Dense folded in) and its parameter. */
  activation: CanonicalActivation;
  activationParam: number;
}

const fn = 'quantization.quantize';
const PATHS: readonly Int8Path[] = ['portable', 'avx2', 'avx-vnni', 'avx512-vnni'];

/** The int8 GEMM paths this CPU runs, narrowest first; the last is the one used by default. */
export function int8Paths(): Int8Path[] {
  return [...native.int8Paths] as Int8Path[];
}

/** Float32 values of a [rows, features] tensor, checked. */
function matrix(f: string, name: string, x: unknown, features: number): { values: Float32Array; rows: number } {
  return samples(f, name, x, [features]);
}

/** Float32 values of a [rows, ...shape] tensor, checked. */
function samples(f: string, name: string, x: unknown, shape: readonly number[]): { values: Float32Array; rows: number } {
  const t = checkTensor(f, name, x);
  if (t.dtype !== 'float32') throw typeError(f, `${name} must be a float32 tensor, got ${t.dtype}`);
  const want = `[samples, ${shape.join(', ')}]`;
  if (t.shape.length !== shape.length + 1) throw rangeError(f, `${name} must have shape ${want}, got ${show(t.shape)}`);
  if (shape.length === 1 && t.shape[1] !== shape[0]) throw rangeError(f, `${name} has ${t.shape[1]} features per sample; the model takes ${shape[0]} (shape ${show(t.shape)})`);
  if (shape.some((d, i) => t.shape[i + 1] !== d)) throw rangeError(f, `${name} must have shape ${want}, got ${show(t.shape)}`);
  return { values: t.values as Float32Array, rows: t.shape[0] };
}

/**
 * An int8 inference model made by {@link quantize}: `predict` and
 * `predictAsync` as a LayersModel's, on float32 inputs [samples,
 * ...inputShape]. It cannot be trained: train the float model and quantize
 * it again.
 */
export class QuantizedModel {
  /** The original model's name. */
  readonly name: string;
  /** Values per sample (of every input, for a model of several). */
  readonly inputs: number;
  /** Per-sample input shape (the first input's, for a model of several). */
  readonly inputShape: number[];
  /** Per-sample shape of each input (one, but for a functional model of several). */
  readonly inputShapes: number[][];
  /** Names of the inputs of a model of several (predict's object keys); null for one. */
  readonly inputNames: string[] | null;
  /** Outputs per sample. */
  readonly outputs: number;
  readonly #native: NativeQuantizedMlp | null;
  readonly #graph: QuantizedGraph | null;
  readonly #layers: QuantizedLayerMeta[];

  /** @internal Use {@link quantize} or `tf.quantization.load`. */
  constructor(name: string, nativeMlp: NativeQuantizedMlp | QuantizedGraph, layers: QuantizedLayerMeta[]) {
    const ok = typeof name === 'string' && Array.isArray(layers) && (nativeMlp instanceof QuantizedGraph || (nativeMlp instanceof native.NativeQuantizedMlp && layers.length > 0 &&
      layers.every((l) => l !== null && typeof l === 'object' && Number.isInteger(l.inputs) && Number.isInteger(l.units))));
    if (!ok) throw typeError('QuantizedModel', 'is made by tf.quantization.quantize or tf.quantization.load, not constructed directly');
    this.name = name;
    if (nativeMlp instanceof QuantizedGraph) {
      this.#native = null;
      this.#graph = nativeMlp;
      this.#layers = [];
      this.inputShapes = nativeMlp.inputShapes.map((s) => [...s]);
      this.inputShape = [...this.inputShapes[0]];
      this.inputNames = this.inputShapes.length > 1 ? [...nativeMlp.inputNames] : null;
      this.inputs = this.inputShapes.reduce((a, s) => a + s.reduce((b, d) => b * d, 1), 0);
      this.outputs = nativeMlp.outputShape[0];
    } else {
      this.#native = nativeMlp;
      this.#graph = null;
      this.#layers = layers;
      this.inputs = layers[0].inputs;
      this.inputShape = [this.inputs];
      this.inputShapes = [[this.inputs]];
      this.inputNames = null;
      this.outputs = layers[layers.length - 1].units;
    }
  }

  #args(f: 'predict' | 'predictAsync', x: unknown, args: unknown): { values: Float32Array; rows: number; out: Float32Array; path?: Int8Path; batchSize: number } {
    const o = checkOptions(f, args, ['path', 'batchSize']) as QuantizedPredictArgs;
    if (o.path !== undefined && !PATHS.includes(o.path)) throw typeError(f, `path must be one of ${PATHS.join(', ')}, got ${show(o.path)}`);
    if (o.path !== undefined && !native.int8Paths.includes(o.path)) throw rangeError(f, `int8 path '${o.path}' does not run on this CPU (it runs ${native.int8Paths.join(', ')})`);
    const batchSize = o.batchSize === undefined ? 32 : o.batchSize;
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2 ** 31 - 1) throw rangeError(f, `batchSize must be an integer in [1, 2^31 - 1], got ${show(o.batchSize)}`);
    const { values, rows } = this.inputNames
      ? (({ values: v, n }) => ({ values: v, rows: n }))(packInputs(f, x, { names: this.inputNames, shapes: this.inputShapes }, false))
      : samples(f, 'x', x, this.inputShape);
    return { values, rows, out: new Float32Array(rows * this.outputs), path: o.path, batchSize };
  }

  /**
   * Outputs [samples, outputs] for x [samples, ...inputShape] (a model of
   * several inputs: an array of tensors or an object keyed by input name, as
   * LayersModel.predict), through the int8 kernels on the calling thread.
   */
  predict(x: Tensor | Tensor[] | Record<string, Tensor>, args: QuantizedPredictArgs = {}): Tensor {
    const a = this.#args('predict', x, args);
    if (this.#graph) {
      if (a.rows > 0) this.#graph.native('predict', this.name, a.path).predict(a.values, a.rows, Math.min(a.batchSize, a.rows), a.out);
    } else {
      this.#native!.predict(a.values, a.rows, a.out, a.path);
    }
    return tensor(a.out, [a.rows, this.outputs]);
  }

  /** {@link QuantizedModel.predict} on a worker thread. */
  async predictAsync(x: Tensor | Tensor[] | Record<string, Tensor>, args: QuantizedPredictArgs = {}): Promise<Tensor> {
    const a = this.#args('predictAsync', x, args);
    if (this.#graph) {
      if (a.rows > 0) await this.#graph.native('predictAsync', this.name, a.path).predictAsync(a.values, a.rows, Math.min(a.batchSize, a.rows), a.out);
    } else {
      await this.#native!.predictAsync(a.values, a.rows, a.out, a.path);
    }
    return tensor(a.out, [a.rows, this.outputs]);
  }

  /** Refuses: a quantized model is for inference. */
  fit(..._args: unknown[]): never {
    throw new Error(`fit: quantized model '${this.name}' is for inference only; train the float model and quantize it again`);
  }

  /**
   * Saves the int8 model: a directory (file:// URL or path) with model.json
   * (`format: 'tensorforge-int8'`) and weights.bin, or through an IO
   * handler's save(). Read it back with `tf.quantization.load`.
   */
  async save(handlerOrURL: string | IOHandler): Promise<SaveResult> {
    return saveQuantized(this, handlerOrURL);
  }

  /** @internal The native chain and the layers' metadata (quantized_io.ts); null for a graph model. */
  parts(): { native: NativeQuantizedMlp; layers: QuantizedLayerMeta[] } | null {
    if (!this.#native) return null;
    return { native: this.#native, layers: this.#layers.map((l) => ({ ...l })) };
  }

  /** @internal The quantized graph of a convolutional or functional model; null for a chain of Dense layers. */
  graph(): QuantizedGraph | null {
    return this.#graph;
  }

  /** The quantization parameters of each int8 layer (Dense, Conv2D, Conv1D), in graph order. */
  layerInfo(): QuantizedLayerInfo[] {
    if (this.#graph) {
      return this.#graph.nodes.filter((n) => n.quantized).map((n) => ({
        name: n.layer.name, className: n.layer.className, inputs: n.quantized!.inputs, units: n.quantized!.units,
        inputScale: n.quantized!.inputScale, inputZeroPoint: n.quantized!.inputZeroPoint, weightScales: Float32Array.from(n.quantized!.weightScales),
      }));
    }
    const info = this.#native!.info();
    return this.#layers.map((l, i) => ({
      name: l.name, className: 'Dense', inputs: l.inputs, units: l.units, inputScale: info.layers[i].inputScale, inputZeroPoint: info.layers[i].inputZeroPoint, weightScales: info.layers[i].weightScales,
    }));
  }

  /** Bytes of the int8 weights, float32 biases and scales, and the float32 weights of the layers kept in float (what a file of it holds). */
  storedBytes(): number {
    if (this.#graph) {
      let bytes = 0;
      for (const n of this.#graph.nodes) if (n.quantized) bytes += n.quantized.kernel.length + 4 * n.quantized.units * (n.quantized.bias ? 2 : 1);
      for (const w of this.#graph.floatWeights.values()) for (const v of w) bytes += 4 * v.length;
      return bytes;
    }
    return this.#native!.info().storedBytes;
  }
}

/**
 * Post-training int8 quantization. Returns a {@link QuantizedModel}; the
 * model is not modified.
 *
 * - A Sequential chain of Dense layers (Activation layers after a linear
 *   Dense folded in, Dropout dropped, as at inference) becomes a native int8
 *   chain that requantizes between layers without leaving uint8.
 * - Any other Sequential or functional model (one output; several inputs
 *   are given as LayersModel.predict takes them) made of
 *   built-in layers runs through the graph executor as the float model does,
 *   with every Dense, Conv2D and Conv1D replaced by an int8 node: its float
 *   input quantized to uint8 (im2col of the uint8 input for a convolution;
 *   strides, padding and dilation as the float layer's), multiplied by the
 *   int8 kernel with int32 accumulation, dequantized with the bias, then the
 *   activation. Every other layer (pooling, batch normalization, merges,
 *   reshapes...) runs in float32. Recurrent and custom layers are refused.
 *
 * Activations are quantized per tensor (asymmetric uint8, the range of each
 * int8 layer's input observed by running the float model on `calibration`),
 * weights symmetric int8 per output channel (`perChannel`, default) or per
 * tensor.
 *
 * ```ts
 * const q = tf.quantization.quantize(model, { calibration: xTrain.slice([0, 0], [500, 784]) });
 * q.predict(xTest);
 * ```
 */
export function quantize(model: LayersModel, args: QuantizeArgs): QuantizedModel {
  if (!(model instanceof LayersModel)) throw typeError(fn, `model must be a tf.sequential or tf.model model, got ${show(model)}`);
  const o = checkOptions(fn, args, ['calibration', 'perChannel'], true) as Partial<QuantizeArgs>;
  if (o.calibration === undefined) throw typeError(fn, 'options.calibration is required: representative inputs [samples, ...inputShape] set the activation scales');
  const perChannel = o.perChannel === undefined ? true : checkBool(fn, 'perChannel', o.perChannel);
  if (!model.built) throw new Error(`${fn}: model '${model.name}' is not built yet; train it (or call build) first`);
  if (!(model instanceof Sequential) || !isDenseChain(model)) return quantizeAsGraph(model, o.calibration, perChannel);
  const specs: NativeQuantizedLayerSpec[] = [];
  const names: QuantizedLayerMeta[] = [];
  for (const layer of model.layers) {
    if (layer instanceof Dense) {
      const w = layer.getWeights();
      const kernel = w[0].dataSync() as Float32Array;
      const inputs = w[0].shape[0];
      if (inputs > 65536) throw rangeError(fn, `layer '${layer.name}' has ${inputs} inputs; int8 layers take at most 65536 (255 x 127 x inputs must fit the int32 sums)`);
      specs.push({
        inputs, units: layer.units, kernel, bias: layer.useBias ? (w[1].dataSync() as Float32Array) : null,
        activation: ACTIVATION_CODE[layer.activation], activationParam: layer.alpha,
      });
      names.push({ name: layer.name, inputs, units: layer.units, activation: layer.activation, activationParam: layer.alpha });
      continue;
    }
    if (layer instanceof Dropout) continue;
    const last = specs[specs.length - 1];
    // isDenseChain admitted only Activation layers after a linear Dense here.
    const act = layer as ActivationLayer;
    last.activation = ACTIVATION_CODE[act.activation];
    last.activationParam = act.alpha ?? activationParam(fn, act.activation);
    names[names.length - 1].activation = act.activation;
    names[names.length - 1].activationParam = last.activationParam;
  }
  const { values, rows } = matrix(fn, 'calibration', o.calibration, specs[0].inputs);
  if (rows < 1) throw rangeError(fn, 'calibration has no samples');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw rangeError(fn, `calibration has a non-finite value ${values[i]} at index ${i}`);
  }
  return new QuantizedModel(model.name, new native.NativeQuantizedMlp(specs, perChannel, values, rows), names);
}

/**
 * Whether the native int8 chain runs the model: Dense layers over flat
 * features, Activation only after a linear Dense, Dropout, softmax on the
 * last Dense only.
 */
function isDenseChain(model: Sequential): boolean {
  const layers = model.layers;
  if (model.inputs?.length !== 1) return false;
  let linear = false;
  let dense = 0;
  for (const layer of layers) {
    if (layer instanceof Dense) {
      dense++;
      linear = layer.activation === 'linear';
    } else if (layer instanceof ActivationLayer && linear) {
      linear = layer.activation === 'linear';
    } else if (!(layer instanceof Dropout)) {
      return false;
    }
  }
  if (dense === 0) return false;
  // Softmax (as a Dense's activation or the Activation after it) only on the last Dense.
  let seenSoftmax = false;
  for (const layer of layers) {
    if (layer instanceof Dense && seenSoftmax) return false;
    if ((layer instanceof Dense || layer instanceof ActivationLayer) && layer.activation === 'softmax') seenSoftmax = true;
  }
  return true;
}

/** A convolutional or functional model through the graph executor (quantize_graph.ts). */
function quantizeAsGraph(model: LayersModel, calibration: unknown, perChannel: boolean): QuantizedModel {
  // The topology and inputs are LayersModel's internal view of the model.
  const internal = model as unknown as { topology(): ModelGraph; inputShapesFor(s: number[]): number[][]; multipleInputs(): InputSpec | null };
  const inputShapes = internal.inputShapesFor(model.inputs!).map((s) => [...s]);
  const several = internal.multipleInputs();
  let values: Float32Array, rows: number;
  if (several) {
    // As fit and predict take them: an array of tensors or an object keyed by input name, packed per sample.
    const f = packInputs(fn, calibration, several, false);
    values = f.values;
    rows = f.n;
  } else {
    ({ values, rows } = samples(fn, 'calibration', calibration, inputShapes[0]));
  }
  if (rows < 1) throw rangeError(fn, 'calibration has no samples');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw rangeError(fn, `calibration has a non-finite value ${values[i]} at index ${i}`);
  }
  const names = several ? [...several.names] : ['input'];
  return new QuantizedModel(model.name, quantizeGraph(fn, model.name, internal.topology(), inputShapes, names, values, rows, perChannel), []);
}
