// One generic layer test, as Keras's run_layer_test (keras/src/testing/test_case.py):
// every layer kind goes through the same checks, each against something the
// layer does not compute itself.
//
//   shapes      computeOutputShape against the expected shape and the shape predict returns
//   weights     weightSpecs / getWeights / countParams: count, names, shapes, trainable
//   forward     predict (inference) and the training-mode loss against a float64
//               reference written in the layer's test file
//   backward    every trainable gradient from model.computeGradients against central
//               differences of the float64 reference loss
//   config      getConfig -> fromConfig -> getConfig, through the registry and JSON
//   save/load   toArtifacts -> fromArtifacts: the same configs, weights and outputs, bit for bit
//   TensorFlow.js  (where it has the layer) the same weights give the same outputs
//
// A layer without weights still has its backward checked: a linear Dense
// "probe" in front of it receives its gradient through the layer's backward
// (the probe's own reference is written here). A layer the native engine does
// not run (Flatten) gets a linear Dense "tail" after it instead. Over N-D
// inputs the probe is a Dense and a Reshape to the input shape; before the
// tail, an N-D output is flattened (both only reorder nothing: row-major).
//
// Layers of several inputs (merges) go through runMergeLayerTest: a
// functional model whose one input feeds one Dense probe per merge input
// (reshaped to that input's shape), so every input's backward is checked.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { LayerClass } from '../../src/layers/registry';
import { deserializeLayer, serializeLayer } from '../../src/layers/registry';
import { Rng } from '../training/reference';

/** Rows are samples; each row is a sample's features in row-major order. */
export type Matrix = number[][];
/** A layer's weights by name ('kernel', 'gamma', ...), as float64 copies of the float32 values the model holds. */
export type Weights = Record<string, Float64Array>;
export type LossName = 'meanSquaredError' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** What one layer test needs to know. Everything else the harness works out. */
export interface LayerCase {
  /** Label of the describe block. */
  name: string;
  /** A fresh layer (a layer belongs to one model, and several are built). */
  make: () => tf.layers.Layer;
  /** Per-sample input shape. */
  inputShape: number[];
  /** Expected per-sample output shape. */
  outputShape: number[];
  /** Expected weights, in order. */
  weights: { name: string; shape: number[]; trainable: boolean }[];
  /**
   * Float64 forward of a batch (each row one sample, flattened) with the given
   * weights, in training or inference mode. Written in the test file, from
   * the layer's definition (Keras's, unless the test says otherwise).
   */
  reference: (x: Matrix, w: Weights, training: boolean) => Matrix;
  /**
   * Distance of the reference's nearest non-differentiable point (a ReLU's 0,
   * a hard sigmoid's ±3) for an input batch: data closer than 1e-3 is drawn
   * again, so float32 rounding and the finite-difference step stay on one side.
   */
  kinkMargin?: (x: Matrix, w: Weights) => number;
  /** Float64 penalty the layer adds to the training loss (kernel regularizers), from its weights. */
  penalty?: (w: Weights) => number;
  /** The class it is saved under, when not its className ({@link tf.layers.Layer.getClassName}). */
  savedClassName?: string;
  /** Expected values of some config keys (a subset of getConfig()). */
  config?: Record<string, unknown>;
  /** Loss of the training-mode checks (default 'meanSquaredError'); a cross-entropy after softmax / sigmoid takes the fused path. */
  loss?: LossName;
  /** Training draws random numbers (Dropout): the training-mode checks are the test file's own. */
  stochasticTraining?: boolean;
  /** Put a Dense probe in front (default: when the input is flat); over an N-D input it is followed by a Reshape. */
  probe?: boolean;
  /** Put a Dense tail after the layer (for layers the engine does not run, or N-D outputs: then after a Flatten). */
  tail?: boolean;
  /** Range of the inputs (default ±2). */
  inputRange?: number;
  /** Draws the layer's weight `name` (default by name: kernel ±[0.05, 1), gamma [0.5, 1.5), moving_variance [0.5, 2), others ±0.5). */
  drawWeight?: (name: string, n: number, rng: Rng) => Float32Array;
  /** The TensorFlow.js layer, to take the same weights and give the same outputs. */
  tfjs?: () => tfjs.layers.Layer;
}

const BATCH = 6;
const PROBE_OUT_TAIL = 3;
/** Step of the central differences of the float64 reference: truncation ~h² f''' ~ 1e-12, rounding ~1e-16 / h ~ 1e-10. */
const FD_STEP = 1e-6;
const KINK_DISTANCE = 1e-3;
// Tolerances, from the worst errors measured over every case (AMD EPYC,
// OpenBLAS): outputs and losses 5.8e-7 absolute (float32 products and
// activations against float64), gradients 4e-7 absolute and at most 6% of
// GRAD_TOL's allowance, TensorFlow.js 2.4e-7 absolute. Each leaves ~8x or more
// for other machines' kernels; a wrong formula is off by 1e-3 or more.
const FORWARD_TOL: Tolerance = { rtol: 1e-5, atol: 5e-6 };
const GRAD_TOL: Tolerance = { rtol: 1e-4, atol: 1e-6 };
const TFJS_TOL: Tolerance = { rtol: 1e-5, atol: 2e-6 };

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function defaultDraw(name: string, n: number, rng: Rng): Float32Array {
  if (name === 'kernel') return rng.array(n, -1, 1, 0.05);
  if (name === 'gamma') return rng.array(n, 0.5, 1.5);
  if (name === 'moving_variance') return rng.array(n, 0.5, 2);
  return rng.array(n, -0.5, 0.5);
}

/** A float64 matrix product `x · kernel + bias` (kernel [in, out], row-major): the probe's and the tail's reference. */
export function denseRef(x: Matrix, kernel: ArrayLike<number>, bias: ArrayLike<number> | null, units: number): Matrix {
  return x.map((row) => Array.from({ length: units }, (_, j) => {
    let s = bias ? bias[j] : 0;
    for (let i = 0; i < row.length; i++) s += row[i] * kernel[i * units + j];
    return s;
  }));
}

/** Keras's loss of a batch ("sum over batch size"), in float64. Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does. */
export function lossRef(loss: LossName, out: Matrix, y: Matrix | number[]): number {
  const clip = (p: number) => Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  let total = 0;
  out.forEach((o, b) => {
    const D = o.length;
    switch (loss) {
      case 'meanSquaredError':
        total += o.reduce((a, v, j) => a + (v - (y as Matrix)[b][j]) ** 2, 0) / D;
        break;
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy': {
        const t = loss === 'categoricalCrossentropy' ? (y as Matrix)[b] : o.map((_, j) => (j === (y as number[])[b] ? 1 : 0));
        const s = o.reduce((a, v) => a + v, 0);
        total -= o.reduce((a, v, j) => a + t[j] * Math.log(clip(v / s)), 0);
        break;
      }
      case 'binaryCrossentropy':
        total -= o.reduce((a, v, j) => a + (y as Matrix)[b][j] * Math.log(clip(v)) + (1 - (y as Matrix)[b][j]) * Math.log(1 - clip(v)), 0) / D;
        break;
    }
  });
  return total / out.length;
}

/** The training loss of the whole model in float64: the loss of its output plus the layer's penalty. */
function trainingLossRef(c: LayerCase, f: Fixture, v: ArrayLike<number>[], loss: LossName, y: Matrix | number[]): number {
  return lossRef(loss, f.forward(v, true), y) + (c.penalty ? c.penalty(weightsOf(c, v, f.parts.layer)) : 0);
}

/** The model a test runs: [probe?] + the layer + [tail?], its weights set, and the float64 mirror of the whole. */
interface Fixture {
  model: tf.Sequential;
  layer: tf.layers.Layer;
  /** Every layer's weights in model order, as the model holds them. */
  values: Float32Array[];
  /** Which entries of `values` belong to which part. */
  parts: { probe: number[]; layer: number[]; tail: number[] };
  x: Float32Array;
  xRows: Matrix;
  /** The float64 forward of the whole model with weights `v` (same layout as `values`). */
  forward: (v: ArrayLike<number>[], training: boolean) => Matrix;
  /** The per-sample shape the model reads (flat when a probe reads an N-D input). */
  modelInput: number[];
}

function weightsOf(c: LayerCase, v: ArrayLike<number>[], indices: number[]): Weights {
  const w: Weights = {};
  indices.forEach((k, i) => {
    w[c.weights[i].name] = Float64Array.from(v[k]);
  });
  return w;
}

function fixture(c: LayerCase, seed: number): Fixture {
  const rng = new Rng(seed);
  const flatIn = c.inputShape.length === 1;
  const useProbe = c.probe ?? flatIn;
  const features = size(c.inputShape);
  const layer = c.make();
  const layers: tf.layers.Layer[] = [];
  if (useProbe) layers.push(tf.layers.dense({ units: features }));
  if (useProbe && !flatIn) layers.push(tf.layers.reshape({ targetShape: c.inputShape }));
  layers.push(layer);
  if (c.tail && c.outputShape.length > 1) layers.push(tf.layers.flatten());
  if (c.tail) layers.push(tf.layers.dense({ units: PROBE_OUT_TAIL }));
  const model = tf.sequential({ layers });
  // Over an N-D input the probe reads it flat and a Reshape gives it its shape.
  const modelInput = useProbe && !flatIn ? [features] : c.inputShape;
  model.build(modelInput);
  const specs = model.weightSpecs();
  const parts = { probe: [] as number[], layer: [] as number[], tail: [] as number[] };
  specs.forEach((s, k) => {
    const owner = s.name.split('/')[0];
    (owner === layer.name ? parts.layer : useProbe && owner === layers[0].name ? parts.probe : parts.tail).push(k);
  });
  const draw = c.drawWeight ?? defaultDraw;
  for (let attempt = 0; ; attempt++) {
    const values = specs.map((s) => draw(s.name.split('/')[1], size(s.shape), rng));
    const x = rng.array(BATCH * features, -(c.inputRange ?? 2), c.inputRange ?? 2);
    const xRows = Array.from({ length: BATCH }, (_, b) => Array.from(x.subarray(b * features, (b + 1) * features)));
    const layerInput = (v: ArrayLike<number>[]) => (useProbe ? denseRef(xRows, v[parts.probe[0]], v[parts.probe[1]], features) : xRows);
    const forward = (v: ArrayLike<number>[], training: boolean) => {
      const out = c.reference(layerInput(v), weightsOf(c, v, parts.layer), training);
      return c.tail ? denseRef(out, v[parts.tail[0]], v[parts.tail[1]], PROBE_OUT_TAIL) : out;
    };
    if (c.kinkMargin && c.kinkMargin(layerInput(values), weightsOf(c, values, parts.layer)) < KINK_DISTANCE) {
      if (attempt > 200) throw new Error(`${c.name}: no data away from the reference's kinks`);
      continue;
    }
    model.setWeights(values.map((v, k) => tf.tensor(v, specs[k].shape)));
    return { model, layer, values, parts, x, xRows, forward, modelInput };
  }
}

/** Targets for a loss over outputs of `width` features, fixed by `rng`. */
function targets(loss: LossName, width: number, rng: Rng): { rows: Matrix | number[]; tensor: tf.Tensor } {
  if (loss === 'sparseCategoricalCrossentropy') {
    const labels = Array.from({ length: BATCH }, () => rng.int(width));
    return { rows: labels, tensor: tf.tensor(labels, [BATCH]) };
  }
  const rows = Array.from({ length: BATCH }, () => {
    if (loss === 'meanSquaredError') return Array.from(rng.array(width, -1, 1));
    if (loss === 'binaryCrossentropy') return Array.from(rng.array(width, 0, 1));
    const raw = Array.from(rng.array(width, 0.1, 1));
    const s = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => Math.fround(v / s));
  });
  return { rows, tensor: tf.tensor(Float32Array.from(rows.flat()), [BATCH, width]) };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (tol.atol + tol.rtol * Math.abs(expected[i]));
    if (!(excess <= worst) || Number.isNaN(actual[i])) {
      worst = Number.isNaN(actual[i]) ? Infinity : excess;
      at = i;
    }
  }
  if (worst > 0) expect.fail(`${label}[${at}]: got ${actual[at]}, expected ${expected[at]} (rtol ${tol.rtol}, atol ${tol.atol})`);
}

/** The configs of a layer and its copy agree, and the copy is the same kind of layer. */
function expectSameLayer(copy: tf.layers.Layer, original: tf.layers.Layer, extra: Record<string, unknown> = {}): void {
  expect(copy.constructor).toBe(original.constructor);
  expect(copy.className).toBe(original.className);
  expect(copy.getClassName()).toBe(original.getClassName());
  expect(copy.getConfig()).toEqual({ ...original.getConfig(), ...extra });
}

/** Registers the describe block of one layer case. */
export function runLayerTest(c: LayerCase, seed: number): void {
  const loss = c.loss ?? 'meanSquaredError';
  describe(c.name, () => {
    it('shapes: computeOutputShape and the shape predict returns', () => {
      const f = fixture(c, seed);
      expect(f.layer.computeOutputShape([...c.inputShape])).toEqual(c.outputShape);
      if (!c.tail) expect(f.model.outputShape).toEqual(c.outputShape);
      expect(f.model.predict(tf.tensor(f.x, [BATCH, ...f.modelInput])).shape).toEqual([BATCH, ...(c.tail ? [PROBE_OUT_TAIL] : c.outputShape)]);
    });

    it('weights: count, names, shapes and trainability, as declared and as built', () => {
      const f = fixture(c, seed);
      expect(f.layer.weightSpecs([...c.inputShape]).map((w) => ({ name: w.name, shape: w.shape, trainable: w.trainable }))).toEqual(c.weights);
      const specs = f.model.weightSpecs();
      expect(f.parts.layer.map((k) => specs[k])).toEqual(c.weights.map((w) => ({ ...w, name: `${f.layer.name}/${w.name}` })));
      const got = f.layer.getWeights();
      expect(got.map((t) => t.shape)).toEqual(c.weights.map((w) => w.shape));
      got.forEach((t, i) => expect(t.values).toEqual(f.values[f.parts.layer[i]]));
      expect(f.layer.countParams()).toBe(c.weights.reduce((a, w) => a + size(w.shape), 0));
    });

    it('forward (inference): predict against the float64 reference', () => {
      const f = fixture(c, seed);
      const out = f.model.predict(tf.tensor(f.x, [BATCH, ...f.modelInput])).values as Float32Array;
      expectClose(out, f.forward(f.values, false).flat(), FORWARD_TOL, 'output');
    });

    if (!c.stochasticTraining) {
      it(`forward (training): the ${loss} loss of computeGradients against the float64 reference`, () => {
        const f = fixture(c, seed);
        f.model.compile({ optimizer: 'sgd', loss });
        const out = f.forward(f.values, true);
        const y = targets(loss, out[0].length, new Rng(seed + 1));
        const { loss: got } = f.model.computeGradients(tf.tensor(f.x, [BATCH, ...f.modelInput]), y.tensor);
        expectClose([got], [trainingLossRef(c, f, f.values, loss, y.rows)], FORWARD_TOL, 'loss');
      });

      it('backward: every trainable gradient against central differences of the float64 reference loss', () => {
        const f = fixture(c, seed);
        f.model.compile({ optimizer: 'sgd', loss });
        const width = f.forward(f.values, true)[0].length;
        const y = targets(loss, width, new Rng(seed + 1));
        const { grads } = f.model.computeGradients(tf.tensor(f.x, [BATCH, ...f.modelInput]), y.tensor);
        const specs = f.model.weightSpecs();
        const numeric: number[] = [];
        const labels: string[] = [];
        const v = f.values.map((a) => Float64Array.from(a));
        specs.forEach((s, k) => {
          if (!s.trainable) return;
          for (let j = 0; j < v[k].length; j++) {
            const w = v[k][j];
            v[k][j] = w + FD_STEP;
            const plus = trainingLossRef(c, f, v, loss, y.rows);
            v[k][j] = w - FD_STEP;
            const minus = trainingLossRef(c, f, v, loss, y.rows);
            v[k][j] = w;
            numeric.push((plus - minus) / (2 * FD_STEP));
            labels.push(`${s.name}[${j}]`);
          }
        });
        expect(grads.length).toBe(numeric.length);
        for (let i = 0; i < numeric.length; i++) {
          if (!(Math.abs(grads[i] - numeric[i]) <= GRAD_TOL.atol + GRAD_TOL.rtol * Math.abs(numeric[i]))) {
            expect.fail(`gradient of ${labels[i]}: computeGradients ${grads[i]}, central difference ${numeric[i]} (rtol ${GRAD_TOL.rtol}, atol ${GRAD_TOL.atol})`);
          }
        }
        // Not vacuous: the loss depends on the weights (the layer's own ones too, if it has trainable ones).
        expect(Math.max(...numeric.map(Math.abs)), 'largest gradient').toBeGreaterThan(1e-3);
        const own = f.parts.layer.filter((k) => specs[k].trainable).flatMap((k) => {
          const first = specs.slice(0, k).filter((s) => s.trainable).reduce((a, s) => a + size(s.shape), 0);
          return numeric.slice(first, first + size(specs[k].shape));
        });
        if (own.length > 0) expect(Math.max(...own.map(Math.abs)), "largest gradient of the layer's own weights").toBeGreaterThan(1e-3);
      });
    }

    it('config: getConfig -> fromConfig -> getConfig, through the registry and through JSON', () => {
      const layer = c.make();
      const config = layer.getConfig();
      if (c.config) expect(config).toMatchObject(c.config);
      expect(layer.getClassName()).toBe(c.savedClassName ?? layer.className);
      const s = serializeLayer(layer);
      expect(s).toEqual({ className: layer.getClassName(), config });
      expectSameLayer(deserializeLayer(s), layer);
      expectSameLayer(deserializeLayer(JSON.parse(JSON.stringify(s))), layer);
      if (layer.getClassName() === layer.className) {
        expectSameLayer((layer.constructor as unknown as LayerClass).fromConfig(config), layer);
      }
    });

    it('save / load: toArtifacts -> fromArtifacts keeps the config, the weights and the outputs bit for bit', async () => {
      const f = fixture(c, seed);
      const loaded = await tf.fromArtifacts(await f.model.toArtifacts());
      const i = f.model.layers.indexOf(f.layer);
      // The model's input shape is written on its first layer.
      expectSameLayer(loaded.layers[i], f.layer, i === 0 ? { batchInputShape: [null, ...f.modelInput] } : {});
      expect(loaded.getWeights().map((t) => t.values)).toEqual(f.model.getWeights().map((t) => t.values));
      const x = tf.tensor(f.x, [BATCH, ...f.modelInput]);
      expect(loaded.predict(x).values).toEqual(f.model.predict(x).values);
    });

    const tfjsLayer = c.tfjs;
    if (tfjsLayer) {
      it('TensorFlow.js: the same weights give the same outputs', () => {
        const rng = new Rng(seed + 2);
        const layer = c.make();
        // An N-D output is compared flattened (row-major: the same order).
        const model = tf.sequential({ layers: c.outputShape.length > 1 ? [layer, tf.layers.flatten()] : [layer] });
        model.build(c.inputShape);
        const values = model.weightSpecs().map((s) => (c.drawWeight ?? defaultDraw)(s.name.split('/')[1], size(s.shape), rng));
        layer.setWeights(values.map((v, k) => tf.tensor(v, c.weights[k].shape)));
        const x = rng.array(BATCH * size(c.inputShape), -(c.inputRange ?? 2), c.inputRange ?? 2);
        const tl = tfjsLayer();
        tl.build([null, ...c.inputShape]);
        tl.setWeights(values.map((v, k) => tfjs.tensor(v, c.weights[k].shape)));
        const theirs = (tl.apply(tfjs.tensor(x, [BATCH, ...c.inputShape]), { training: false }) as tfjs.Tensor).dataSync();
        expectClose(model.predict(tf.tensor(x, [BATCH, ...c.inputShape])).values as Float32Array, theirs, TFJS_TOL, 'output');
      });
    }
  });
}

/** A layer of several inputs (a merge layer) and what its test needs. */
export interface MergeCase {
  /** Label of the describe block. */
  name: string;
  /** A fresh layer. */
  make: () => tf.layers.Layer;
  /** Per-sample shape of each input. */
  inputShapes: number[][];
  /** Expected per-sample output shape. */
  outputShape: number[];
  /** Float64 forward of a batch: per input, each row one sample (flattened row-major); the output rows flattened the same way. */
  reference: (xs: Matrix[]) => Matrix;
  /** Distance of the inputs from the reference's nearest non-differentiable point (a tie of maximum's inputs); below 1e-3 the data is drawn again. */
  kinkMargin?: (xs: Matrix[]) => number;
  /** Expected values of some config keys (a subset of getConfig()). */
  config?: Record<string, unknown>;
  /** The TensorFlow.js layer, to give the same outputs for the same inputs. */
  tfjs?: () => tfjs.layers.Layer;
}

/** Width of the model input the probes read. */
const MERGE_IN = 3;

/** A merge model: input [MERGE_IN] -> one Dense probe per merge input (reshaped to its shape) -> the layer [-> Flatten]. */
function mergeFixture(c: MergeCase, seed: number) {
  const rng = new Rng(seed);
  const layer = c.make();
  const x = tf.input({ shape: [MERGE_IN] });
  const probes = c.inputShapes.map((s) => {
    const p = tf.layers.dense({ units: size(s) }).apply(x);
    return s.length > 1 ? tf.layers.reshape({ targetShape: s }).apply(p) : p;
  });
  let out = layer.apply(probes);
  if (c.outputShape.length > 1) out = tf.layers.flatten().apply(out);
  const model = tf.model({ inputs: x, outputs: out });
  const specs = model.weightSpecs();
  for (let attempt = 0; ; attempt++) {
    const values = specs.map((sp) => defaultDraw(sp.name.split('/')[1], size(sp.shape), rng));
    const xv = rng.array(BATCH * MERGE_IN, -2, 2);
    const xRows = Array.from({ length: BATCH }, (_, b) => Array.from(xv.subarray(b * MERGE_IN, (b + 1) * MERGE_IN)));
    // Weights in model order: each probe's kernel and bias, in input order.
    const inputsOf = (v: ArrayLike<number>[]) => c.inputShapes.map((s, k) => denseRef(xRows, v[2 * k], v[2 * k + 1], size(s)));
    const forward = (v: ArrayLike<number>[]) => c.reference(inputsOf(v));
    if (c.kinkMargin && c.kinkMargin(inputsOf(values)) < KINK_DISTANCE) {
      if (attempt > 200) throw new Error(`${c.name}: no data away from the reference's kinks`);
      continue;
    }
    model.setWeights(values.map((v, k) => tf.tensor(v, specs[k].shape)));
    return { model, layer, values, x: tf.tensor(xv, [BATCH, MERGE_IN]), forward };
  }
}

/** Registers the describe block of one merge layer case: shapes, forward, backward through every input, config, TensorFlow.js. */
export function runMergeLayerTest(c: MergeCase, seed: number): void {
  describe(c.name, () => {
    it('shapes: computeOutputShape of the input shapes, the symbolic output and predict', () => {
      const f = mergeFixture(c, seed);
      expect(f.layer.computeOutputShape(c.inputShapes.map((s) => [...s]) as never)).toEqual(c.outputShape);
      expect(c.make().apply(c.inputShapes.map((s) => tf.input({ shape: s }))).shape).toEqual([null, ...c.outputShape]);
      expect(f.model.predict(f.x).shape).toEqual([BATCH, size(c.outputShape)]);
      expect(f.layer.countParams()).toBe(0);
      expect(f.layer.getWeights()).toEqual([]);
    });

    it('forward (inference): predict against the float64 reference', () => {
      const f = mergeFixture(c, seed);
      expectClose(f.model.predict(f.x).values as Float32Array, f.forward(f.values).flat(), FORWARD_TOL, 'output');
    });

    it('backward: every probe gradient (through each input) against central differences of the float64 reference loss', () => {
      const f = mergeFixture(c, seed);
      f.model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const y = targets('meanSquaredError', size(c.outputShape), new Rng(seed + 1));
      const { loss, grads } = f.model.computeGradients(f.x, y.tensor);
      const v = f.values.map((a) => Float64Array.from(a));
      const lossOf = () => lossRef('meanSquaredError', f.forward(v), y.rows);
      expectClose([loss], [lossOf()], FORWARD_TOL, 'loss');
      const numeric: number[] = [];
      v.forEach((arr) => {
        for (let j = 0; j < arr.length; j++) {
          const w = arr[j];
          arr[j] = w + FD_STEP;
          const plus = lossOf();
          arr[j] = w - FD_STEP;
          const minus = lossOf();
          arr[j] = w;
          numeric.push((plus - minus) / (2 * FD_STEP));
        }
      });
      expect(grads.length).toBe(numeric.length);
      for (let i = 0; i < numeric.length; i++) {
        if (!(Math.abs(grads[i] - numeric[i]) <= GRAD_TOL.atol + GRAD_TOL.rtol * Math.abs(numeric[i]))) {
          expect.fail(`gradient ${i}: computeGradients ${grads[i]}, central difference ${numeric[i]} (rtol ${GRAD_TOL.rtol}, atol ${GRAD_TOL.atol})`);
        }
      }
      // Not vacuous: every input's probe reaches the loss.
      let at = 0;
      f.values.forEach((a, k) => {
        const part = numeric.slice(at, at + a.length);
        at += a.length;
        if (k % 2 === 0) expect(Math.max(...part.map(Math.abs)), `largest gradient of probe ${k / 2}'s kernel`).toBeGreaterThan(1e-4);
      });
    });

    it('config: getConfig -> fromConfig -> getConfig, through the registry and through JSON', () => {
      const layer = c.make();
      const config = layer.getConfig();
      if (c.config) expect(config).toMatchObject(c.config);
      const s = serializeLayer(layer);
      expect(s).toEqual({ className: layer.className, config });
      expectSameLayer(deserializeLayer(s), layer);
      expectSameLayer(deserializeLayer(JSON.parse(JSON.stringify(s))), layer);
      expectSameLayer((layer.constructor as unknown as LayerClass).fromConfig(config), layer);
    });

    const tfjsLayer = c.tfjs;
    if (tfjsLayer) {
      it('TensorFlow.js: the same inputs give the same outputs', () => {
        const rng = new Rng(seed + 2);
        const xs = c.inputShapes.map((s) => rng.array(BATCH * size(s), -2, 2));
        // A tensorforge model has one input: the merge inputs are slices of it, through linear Dense layers set to pick them.
        const total = c.inputShapes.reduce((a, s) => a + size(s), 0);
        const x = tf.input({ shape: [total] });
        let offset = 0;
        const picks = c.inputShapes.map((s) => {
          const n = size(s);
          const kernel = new Float32Array(total * n);
          for (let j = 0; j < n; j++) kernel[(offset + j) * n + j] = 1;
          offset += n;
          const d = tf.layers.dense({ units: n, useBias: false });
          const p = d.apply(x);
          return { d, kernel, t: s.length > 1 ? tf.layers.reshape({ targetShape: s }).apply(p) : p };
        });
        let out = c.make().apply(picks.map((p) => p.t));
        if (c.outputShape.length > 1) out = tf.layers.flatten().apply(out);
        const model = tf.model({ inputs: x, outputs: out });
        picks.forEach((p) => p.d.setWeights([tf.tensor(p.kernel, [total, p.kernel.length / total])]));
        const joined = new Float32Array(BATCH * total);
        for (let b = 0; b < BATCH; b++) {
          let at = 0;
          xs.forEach((v, k) => {
            const n = size(c.inputShapes[k]);
            joined.set(v.subarray(b * n, (b + 1) * n), b * total + at);
            at += n;
          });
        }
        const ours = model.predict(tf.tensor(joined, [BATCH, total])).values as Float32Array;
        const theirs = (tfjsLayer().apply(xs.map((v, k) => tfjs.tensor(v, [BATCH, ...c.inputShapes[k]]))) as tfjs.Tensor).dataSync();
        expectClose(ours, theirs, TFJS_TOL, 'output');
      });
    }
  });
}
