// Validation and conversion of fit/evaluate/predict inputs into the flat
// buffers the native engine reads in place.
import { checkArray, rangeError, show, typeError } from '../errors';
import type { Loss, LossFunction } from '../losses';
import { Tensor, TensorLike, checkTensor, makeTensor } from '../tensor';
import { checkFinite } from './finite';
import { allocateUninitializedF32 } from '../ops/shapes';

/** Inputs: a float32 Tensor [N, ...features], or anything `tf.tensor` accepts. */
export type InputLike = Tensor | TensorLike;

/**
 * A model's inputs: one {@link InputLike} for a model of one input; for a
 * functional model of several, one per input as an array (in the order of
 * `inputs`) or an object keyed by input name (TensorFlow.js's
 * `Tensor | Tensor[] | { [inputName: string]: Tensor }`).
 */
export type ModelInputs = InputLike | InputLike[] | { [inputName: string]: InputLike };

/** @internal */
export interface Features {
  values: Float32Array;
  n: number;
  sampleShape: number[];
  /** Several inputs packed in each row (packInputs): their names and sizes, in row order. */
  inputs?: { names: string[]; widths: number[] };
}

/**
 * @internal Converts x to float32 [N, ...], checks its sample shape (when
 * known) and, when `finite`, that it holds no NaN or infinity. `onlyDuringCall`:
 * the caller reads the values synchronously and keeps no reference, so a
 * tensor's array is not marked handed out (its dispose() may still recycle
 * it); anything that runs on a worker thread must leave it false.
 */
export function toFeatures(fn: string, x: unknown, expected: number[] | null, finite: boolean, onlyDuringCall = false): Features {
  let t: Tensor;
  if (x instanceof Tensor) t = checkTensor(fn, 'x', x);
  else if (x === undefined || x === null) throw typeError(fn, 'x is required');
  else t = makeTensor(fn, x, undefined, undefined);
  if (t.rank < 2) throw rangeError(fn, `x must have shape [samples, ...features], got ${show(t.shape)}`);
  const array = onlyDuringCall ? t.backing.array : t.values;
  const values = t.dtype === 'float32' ? (array as Float32Array) : Float32Array.from(array);
  const sampleShape = t.shape.slice(1);
  if (expected && (sampleShape.length !== expected.length || sampleShape.some((d, i) => d !== expected[i]))) {
    const feat = (s: number[]) => s.reduce((a, b) => a * b, 1);
    throw rangeError(fn, `x has per-sample shape ${show(sampleShape)} (${feat(sampleShape)} features) but the model expects ${show(expected)} (${feat(expected)} features)`);
  }
  const features = { values, n: t.shape[0], sampleShape };
  if (finite) checkFinite(fn, features);
  return features;
}

/** @internal A model's inputs by name, in order, with their per-sample shapes. */
export interface InputSpec {
  names: string[];
  shapes: number[][];
}

/**
 * @internal The inputs of a model with several (Keras's `fit([xa, xb], y)`
 * or `fit({ a: xa, b: xb }, y)`) as one row per sample holding each input's
 * values one after another, the layout the native engine splits per batch.
 * Each input is checked as {@link toFeatures} checks one; the result's
 * sampleShape is the row: [sum of the inputs' sizes].
 */
export function packInputs(fn: string, x: unknown, inputs: InputSpec, finite: boolean): Features {
  const { names, shapes } = inputs;
  const list = names.map((n) => `'${n}'`).join(', ');
  let parts: unknown[];
  if (Array.isArray(x)) {
    parts = checkArray(fn, 'x', x, `an array of ${names.length} tensors`);
    if (parts.length !== names.length) throw rangeError(fn, `x must hold ${names.length} inputs (${list}), got an array of ${parts.length}`);
  } else if (x !== null && typeof x === 'object' && !(x instanceof Tensor) && !ArrayBuffer.isView(x)) {
    const given = Object.keys(x);
    const unknown = given.find((k) => !names.includes(k));
    if (unknown !== undefined) throw rangeError(fn, `x has no input named '${unknown}'; the model's inputs are ${list}`);
    parts = names.map((n) => {
      if (!(n in x)) throw rangeError(fn, `x is missing input '${n}' (the model's inputs are ${list})`);
      return (x as Record<string, unknown>)[n];
    });
  } else {
    throw typeError(fn, `the model has ${names.length} inputs (${list}): x must be an array of ${names.length} tensors or an object keyed by input name, got ${x instanceof Tensor ? `one tensor of shape ${show(x.shape)}` : show(x)}`);
  }
  // Index by index over the names: an array with holes or its own map cannot skip an input.
  const each = names.map((name, k) => {
    try {
      // Read once, here, into the packed copy: the tensors are not handed out.
      return toFeatures(fn, parts[k], shapes[k], finite, true);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(`${fn}: x `, `${fn}: input '${name}' `);
      throw e;
    }
  });
  const n = each[0].n;
  each.forEach((f, k) => {
    if (f.n !== n) throw rangeError(fn, `input '${names[k]}' has ${f.n} samples but input '${names[0]}' has ${n}`);
  });
  const widths = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const row = widths.reduce((a, b) => a + b, 0);
  const values = allocateUninitializedF32(n * row, fn, () => `the inputs packed into [${n}, ${row}]`);
  let offset = 0;
  each.forEach((f, k) => {
    const w = widths[k];
    for (let i = 0; i < n; i++) values.set(f.values.subarray(i * w, (i + 1) * w), i * row + offset);
    offset += w;
  });
  return { values, n, sampleShape: [row], inputs: { names, widths } };
}

/** @internal Targets in the form the loss needs: int32 labels or float32 [N, units]. */
export interface Targets {
  labels: Int32Array | null;
  targets: Float32Array | null;
  /** Several outputs: labels and target floats per sample (output_losses.ts packs them); else 1 and the output size. */
  labelWidth?: number;
  targetWidth?: number;
  /** A loss written in code: y's per-sample shape, as given (the targets hold y's values). */
  sampleShape?: number[];
  /**
   * Several outputs on the tape path (a loss or metric in code): where each
   * output's targets sit in a row, a column of the labels (`column` >= 0) or
   * `width` floats of the targets from `offset`, and their per-sample shape.
   */
  heads?: { column: number; offset: number; width: number; shape: number[] }[];
}

/** Throws a RangeError naming the first NaN or infinity of y. */
function requireFiniteTargets(fn: string, targets: Float32Array): void {
  for (let i = 0; i < targets.length; i++) {
    const v = targets[i];
    if (v - v !== 0) throw rangeError(fn, `y contains ${v} at index ${i}`);
  }
}

/** @internal */
export function toTargets(fn: string, y: unknown, n: number, units: number, loss: Loss | LossFunction): Targets {
  let t: Tensor;
  if (y instanceof Tensor) t = checkTensor(fn, 'y', y);
  else if (y === undefined || y === null) throw typeError(fn, 'y is required');
  else t = makeTensor(fn, y, undefined, undefined);
  if (t.shape[0] !== n || t.rank === 0) {
    throw rangeError(fn, `x has ${n} samples but y has ${t.rank === 0 ? 'a scalar' : t.shape[0]}`);
  }
  if (typeof loss === 'function') {
    // A loss in code reads y as given: any per-sample shape, float32, finite.
    const targets = Float32Array.from(t.values);
    requireFiniteTargets(fn, targets);
    const sampleShape = t.shape.slice(1);
    return { labels: null, targets, targetWidth: sampleShape.reduce((a, b) => a * b, 1), sampleShape };
  }
  if (loss.name === 'sparseCategoricalCrossentropy') {
    if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1))) {
      throw rangeError(fn, `sparseCategoricalCrossentropy needs integer labels of shape [${n}], got ${show(t.shape)} (one-hot targets go with categoricalCrossentropy)`);
    }
    let labels: Int32Array;
    if (t.dtype === 'int32') labels = t.values as Int32Array;
    else {
      labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = t.values[i];
        if (!Number.isInteger(v)) throw rangeError(fn, `labels must be integers, got ${v} at index ${i}`);
        labels[i] = v;
      }
    }
    for (let i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= units) {
        throw rangeError(fn, `label ${labels[i]} at index ${i} is outside [0, ${units}) for a model with ${units} outputs`);
      }
    }
    return { labels, targets: null };
  }
  const perSample = t.size / Math.max(n, 1);
  const shapeOk = (t.rank === 2 && t.shape[1] === units) || (t.rank === 1 && units === 1);
  if (!shapeOk) {
    throw rangeError(fn, `y must have shape [${n}, ${units}] for a model with ${units} outputs, got ${show(t.shape)}${perSample === 1 && units > 1 && loss.name === 'categoricalCrossentropy' ? ' (integer labels go with sparseCategoricalCrossentropy, or one-hot them with tf.oneHot)' : ''}`);
  }
  const targets = t.dtype === 'float32' ? (t.values as Float32Array) : Float32Array.from(t.values);
  requireFiniteTargets(fn, targets);
  return { labels: null, targets };
}

/** @internal Per-sample loss weights from Keras's class_weight mapping. */
export function classWeights(fn: string, cw: unknown, t: Targets, n: number, units: number): Float32Array | null {
  if (cw === undefined || cw === null) return null;
  if (typeof cw !== 'object' || Array.isArray(cw)) throw typeError(fn, `classWeight must be an object {class: weight}, got ${show(cw)}`);
  const table = new Float64Array(Math.max(units, 2)).fill(1);
  for (const [k, v] of Object.entries(cw as Record<string, unknown>)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0 || c >= table.length) throw rangeError(fn, `classWeight has class ${show(k)} outside [0, ${table.length})`);
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw rangeError(fn, `classWeight[${k}] must be a finite number >= 0, got ${show(v)}`);
    table[c] = v;
  }
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (t.labels) cls = t.labels[i];
    else if (units === 1) cls = Math.round(t.targets![i]) > 0 ? 1 : 0;
    else {
      cls = 0;
      for (let c = 1; c < units; c++) if (t.targets![i * units + c] > t.targets![i * units + cls]) cls = c;
    }
    w[i] = table[cls];
  }
  return w;
}

/**
 * @internal Per-sample loss weights (Keras's sample_weight): a tensor, typed
 * array or array of n finite numbers >= 0, or null when not given.
 */
export function sampleWeights(fn: string, sw: unknown, n: number): Float32Array | null {
  if (sw === undefined || sw === null) return null;
  let t: Tensor;
  if (sw instanceof Tensor) t = checkTensor(fn, 'sampleWeight', sw);
  else if (Array.isArray(sw) || ArrayBuffer.isView(sw)) t = makeTensor(fn, sw as TensorLike, undefined, undefined);
  else throw typeError(fn, `sampleWeight must be a tensor or an array of ${n} numbers, got ${show(sw)}`);
  if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1)) || t.shape[0] !== n) {
    throw rangeError(fn, `sampleWeight must hold one weight per sample (shape [${n}]), got shape ${show(t.shape)}`);
  }
  const w = Float32Array.from(t.values);
  for (let i = 0; i < n; i++) {
    if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw rangeError(fn, `sampleWeight[${i}] must be a finite number >= 0, got ${show(t.values[i])}`);
  }
  return w;
}

/** @internal Class and sample weights together: their product per sample (either may be absent). */
export function combineWeights(a: Float32Array | null, b: Float32Array | null): Float32Array | null {
  if (!a || !b) return a ?? b;
  return a.map((v, i) => v * b[i]);
}

/** @internal A contiguous range of samples [start, end) as views (no copy). */
export function sliceSamples(f: Features, t: Targets, w: Float32Array | null, start: number, end: number, units: number) {
  const per = f.values.length / Math.max(f.n, 1);
  const lw = t.labelWidth ?? 1;
  const tw = t.targetWidth ?? units;
  return {
    x: { values: f.values.subarray(start * per, end * per), n: end - start, sampleShape: f.sampleShape, inputs: f.inputs } as Features,
    t: {
      labels: t.labels ? t.labels.subarray(start * lw, end * lw) : null,
      targets: t.targets ? t.targets.subarray(start * tw, end * tw) : null,
      labelWidth: t.labelWidth,
      targetWidth: t.targetWidth,
      sampleShape: t.sampleShape,
      heads: t.heads,
    } as Targets,
    w: w ? w.subarray(start, end) : null,
  };
}
