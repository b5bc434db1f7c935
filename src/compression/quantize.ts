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
import { Sequential } from '../models/sequential';
import { NativeQuantizedLayerSpec, NativeQuantizedMlp, native } from '../native';
import type { IOHandler, SaveResult } from '../io/types';
import { Tensor, checkTensor, tensor } from '../tensor';
import { saveQuantized } from './quantized_io';

/** Options of {@link quantize}. */
export interface QuantizeArgs {
  /**
   * Representative inputs, [samples, features] (required): each layer's
   * input range is observed over them (min / max, widened to hold 0), which
   * sets its uint8 scale and zero point. A few hundred training samples do.
   */
  calibration: Tensor;
  /** Weights quantized per output channel (default true) or with one scale per layer (false). */
  perChannel?: boolean;
}

/** The int8 GEMM implementations; which run depends on the CPU (see {@link int8Paths}). */
export type Int8Path = 'portable' | 'avx2' | 'avx-vnni' | 'avx512-vnni';

/** Options of {@link QuantizedModel.predict}. */
export interface QuantizedPredictArgs {
  /** Which int8 GEMM to run (default: the widest this CPU runs). All give identical results; for comparisons. */
  path?: Int8Path;
}

/** Per-layer quantization parameters of a {@link QuantizedModel}. */
export interface QuantizedLayerInfo {
  /** The Dense layer's name in the original model. */
  name: string;
  /** Input features. */
  inputs: number;
  /** Output units. */
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
  const t = checkTensor(f, name, x);
  if (t.dtype !== 'float32') throw typeError(f, `${name} must be a float32 tensor, got ${t.dtype}`);
  if (t.shape.length !== 2) throw rangeError(f, `${name} must have shape [samples, ${features}], got ${show(t.shape)}`);
  if (t.shape[1] !== features) throw rangeError(f, `${name} has ${t.shape[1]} features per sample; the model takes ${features} (shape ${show(t.shape)})`);
  return { values: t.values as Float32Array, rows: t.shape[0] };
}

/**
 * An int8 inference model made by {@link quantize}: `predict` and
 * `predictAsync` as a LayersModel's, on [samples, features] float32 inputs.
 * It cannot be trained: train the float model and quantize it again.
 */
export class QuantizedModel {
  /** The original model's name. */
  readonly name: string;
  /** Features per sample. */
  readonly inputs: number;
  /** Outputs per sample. */
  readonly outputs: number;
  readonly #native: NativeQuantizedMlp;
  readonly #layers: QuantizedLayerMeta[];

  /** @internal Use {@link quantize} or `tf.quantization.load`. */
  constructor(name: string, nativeMlp: NativeQuantizedMlp, layers: QuantizedLayerMeta[]) {
    const ok = typeof name === 'string' && nativeMlp instanceof native.NativeQuantizedMlp && Array.isArray(layers) && layers.length > 0 &&
      layers.every((l) => l !== null && typeof l === 'object' && Number.isInteger(l.inputs) && Number.isInteger(l.units));
    if (!ok) throw typeError('QuantizedModel', 'is made by tf.quantization.quantize or tf.quantization.load, not constructed directly');
    this.name = name;
    this.#native = nativeMlp;
    this.#layers = layers;
    this.inputs = layers[0].inputs;
    this.outputs = layers[layers.length - 1].units;
  }

  #args(f: string, x: unknown, args: unknown): { values: Float32Array; rows: number; out: Float32Array; path?: Int8Path } {
    const o = checkOptions(f, args, ['path']) as QuantizedPredictArgs;
    if (o.path !== undefined && !PATHS.includes(o.path)) throw typeError(f, `path must be one of ${PATHS.join(', ')}, got ${show(o.path)}`);
    if (o.path !== undefined && !native.int8Paths.includes(o.path)) throw rangeError(f, `int8 path '${o.path}' does not run on this CPU (it runs ${native.int8Paths.join(', ')})`);
    const { values, rows } = matrix(f, 'x', x, this.inputs);
    return { values, rows, out: new Float32Array(rows * this.outputs), path: o.path };
  }

  /** Outputs [samples, outputs] for x [samples, features], through the int8 kernels on the calling thread. */
  predict(x: Tensor, args: QuantizedPredictArgs = {}): Tensor {
    const a = this.#args('predict', x, args);
    this.#native.predict(a.values, a.rows, a.out, a.path);
    return tensor(a.out, [a.rows, this.outputs]);
  }

  /** {@link QuantizedModel.predict} on a worker thread. */
  async predictAsync(x: Tensor, args: QuantizedPredictArgs = {}): Promise<Tensor> {
    const a = this.#args('predictAsync', x, args);
    await this.#native.predictAsync(a.values, a.rows, a.out, a.path);
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

  /** @internal The native chain and the layers' metadata (quantized_io.ts). */
  parts(): { native: NativeQuantizedMlp; layers: QuantizedLayerMeta[] } {
    return { native: this.#native, layers: this.#layers.map((l) => ({ ...l })) };
  }

  /** The quantization parameters of each Dense layer. */
  layerInfo(): QuantizedLayerInfo[] {
    const info = this.#native.info();
    return this.#layers.map((l, i) => ({
      name: l.name, inputs: l.inputs, units: l.units, inputScale: info.layers[i].inputScale, inputZeroPoint: info.layers[i].inputZeroPoint, weightScales: info.layers[i].weightScales,
    }));
  }

  /** Bytes of the int8 weights, float32 biases and scales (what a file of it would hold). */
  storedBytes(): number {
    return this.#native.info().storedBytes;
  }
}

/**
 * Post-training int8 quantization of a Sequential chain of Dense layers
 * (Activation and Dropout layers between them are folded in or dropped, as
 * at inference). Returns a {@link QuantizedModel}; the model is not modified.
 *
 * ```ts
 * const q = tf.quantization.quantize(model, { calibration: xTrain.slice([0, 0], [500, 784]) });
 * q.predict(xTest);
 * ```
 */
export function quantize(model: Sequential, args: QuantizeArgs): QuantizedModel {
  if (!(model instanceof Sequential)) throw typeError(fn, `model must be a tf.sequential model, got ${show(model)}`);
  const o = checkOptions(fn, args, ['calibration', 'perChannel'], true) as Partial<QuantizeArgs>;
  if (o.calibration === undefined) throw typeError(fn, 'options.calibration is required: representative inputs [samples, features] set the activation scales');
  const perChannel = o.perChannel === undefined ? true : checkBool(fn, 'perChannel', o.perChannel);
  if (!model.built) throw new Error(`${fn}: model '${model.name}' is not built yet; train it (or call build) first`);
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
    if (layer instanceof ActivationLayer && last && last.activation === ACTIVATION_CODE.linear) {
      last.activation = ACTIVATION_CODE[layer.activation];
      last.activationParam = layer.alpha ?? activationParam(fn, layer.activation);
      names[names.length - 1].activation = layer.activation;
      names[names.length - 1].activationParam = last.activationParam;
      continue;
    }
    throw rangeError(fn, `layer '${layer.name}' (${layer.className}) is not supported: only chains of Dense layers (with Activation after a linear Dense, and Dropout) are quantized so far`);
  }
  if (specs.length === 0) throw rangeError(fn, `model '${model.name}' has no Dense layer to quantize`);
  specs.forEach((s, i) => {
    if (s.activation === ACTIVATION_CODE.softmax && i !== specs.length - 1) {
      throw rangeError(fn, `layer '${names[i].name}' has a softmax activation; softmax is supported on the last layer only`);
    }
  });
  const { values, rows } = matrix(fn, 'calibration', o.calibration, specs[0].inputs);
  if (rows < 1) throw rangeError(fn, 'calibration has no samples');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw rangeError(fn, `calibration has a non-finite value ${values[i]} at index ${i}`);
  }
  return new QuantizedModel(model.name, new native.NativeQuantizedMlp(specs, perChannel, values, rows), names);
}
