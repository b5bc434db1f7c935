// Functional models (tf.input, layer.apply, tf.model): outputs and gradients
// against float64 references written here, shared layers (one set of
// weights, the gradient summed over both applications), the native plan
// (Sequential keeps NativeModel's chain form; Flatten maps references or
// becomes a reshape), and every refusal, each naming its function.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { chainGraph, planNativeModel } from '../../src/models/native_graph';
import { modelGraphOf } from '../../src/models/functional';
import { native } from '../../src/native';
import { Matrix, denseRef, expectClose, lossRef } from '../layers/harness';
import { Rng } from '../training/reference';

const TOL = { rtol: 1e-5, atol: 5e-6 };
const GRAD_TOL = { rtol: 1e-4, atol: 1e-6 };
const FD_STEP = 1e-6;

const relu = (m: Matrix) => m.map((r) => r.map((v) => Math.max(0, v)));
const addM = (a: Matrix, b: Matrix) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
const rows = (x: Float32Array, n: number, f: number): Matrix => Array.from({ length: n }, (_, b) => Array.from(x.subarray(b * f, (b + 1) * f)));

/** x -> relu(dense a) -> dense b (shared, applied twice with a skip connection around it) -> dense out. */
function residual(width: number, outUnits: number) {
  const x = tf.input({ shape: [width] });
  const a = tf.layers.dense({ units: width, activation: 'relu', name: 'a' });
  const b = tf.layers.dense({ units: width, name: 'b' });
  const h = a.apply(x);
  const s1 = tf.layers.add({ name: 's1' }).apply([b.apply(h), h]);
  const s2 = tf.layers.add({ name: 's2' }).apply([b.apply(s1), s1]);
  const out = tf.layers.dense({ units: outUnits, name: 'out' }).apply(s2);
  return tf.model({ inputs: x, outputs: out, name: 'residual' });
}

/** The same model in float64, weights in getWeights order (a/kernel, a/bias, b/kernel, b/bias, out/kernel, out/bias). */
function residualRef(x: Matrix, w: ArrayLike<number>[], width: number, outUnits: number): Matrix {
  const h = relu(denseRef(x, w[0], w[1], width));
  const s1 = addM(denseRef(h, w[2], w[3], width), h);
  const s2 = addM(denseRef(s1, w[2], w[3], width), s1);
  return denseRef(s2, w[4], w[5], outUnits);
}

function randomize(m: tf.LayersModel, rng: Rng): Float32Array[] {
  const values = m.getWeights().map((t) => rng.array(t.size, -0.6, 0.6, 0.05));
  m.setWeights(values.map((v, i) => tf.tensor(v, m.getWeights()[i].shape)));
  return values;
}

describe('functional model: a residual MLP with a shared layer', () => {
  const W = 5;
  const OUT = 3;
  const N = 7;

  it('has each layer once, shares the applied-twice layer\'s weights, and predicts as the float64 reference', () => {
    const m = residual(W, OUT);
    expect(m).toBeInstanceOf(tf.LayersModel);
    expect(m).toBeInstanceOf(tf.Functional);
    expect(m.layers.map((l) => l.name)).toEqual(['a', 'b', 's1', 's2', 'out']);
    expect(m.outputShape).toEqual([OUT]);
    expect(m.inputs).toEqual([W]);
    expect(m.weightSpecs().map((s) => s.name)).toEqual(['a/kernel', 'a/bias', 'b/kernel', 'b/bias', 'out/kernel', 'out/bias']);
    expect(m.countParams()).toBe(2 * (W * W + W) + W * OUT + OUT);
    const rng = new Rng(11);
    const w = randomize(m, rng);
    const x = rng.array(N * W, -1, 1);
    const got = m.predict(tf.tensor(x, [N, W])).values as Float32Array;
    expectClose(got, residualRef(rows(x, N, W), w, W, OUT).flat(), TOL, 'predict');
  });

  it('computeGradients: every weight against central differences of the float64 loss (the shared kernel sums both applications)', () => {
    const m = residual(W, OUT);
    const rng = new Rng(12);
    const w = randomize(m, rng);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = rng.array(N * W, -1, 1);
    const y = rng.array(N * OUT, -1, 1);
    const xr = rows(x, N, W);
    const yr = rows(y, N, OUT);
    // Keep the ReLU away from its kink so the differences stay on one side.
    const pre = denseRef(xr, w[0], w[1], W).flat();
    expect(Math.min(...pre.map(Math.abs))).toBeGreaterThan(1e-3);
    const { loss, grads } = m.computeGradients(tf.tensor(x, [N, W]), tf.tensor(y, [N, OUT]));
    const v = w.map((a) => Float64Array.from(a));
    const lossOf = () => lossRef('meanSquaredError', residualRef(xr, v, W, OUT), yr);
    expectClose([loss], [lossOf()], TOL, 'loss');
    const numeric: number[] = [];
    v.forEach((arr) => {
      for (let j = 0; j < arr.length; j++) {
        const keep = arr[j];
        arr[j] = keep + FD_STEP;
        const plus = lossOf();
        arr[j] = keep - FD_STEP;
        const minus = lossOf();
        arr[j] = keep;
        numeric.push((plus - minus) / (2 * FD_STEP));
      }
    });
    expectClose(grads, numeric, GRAD_TOL, 'gradient');
    expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(1e-2);
  });

  it('trains: fit lowers the loss, and the shared layer stays one set of weights', async () => {
    const m = residual(W, OUT);
    const rng = new Rng(13);
    randomize(m, rng);
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const x = tf.tensor(rng.array(64 * W, -1, 1), [64, W]);
    const y = tf.tensor(rng.array(64 * OUT, -0.5, 0.5), [64, OUT]);
    const h = await m.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0, seed: 1 });
    const losses = h.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(m.getWeights().length).toBe(6);
    expect(m.getLayer('b').getWeights().map((t) => t.shape)).toEqual([[W, W], [W]]);
  });

  it('summary lists each layer with what feeds every application, Keras\'s "Connected to"', () => {
    const m = residual(W, OUT);
    m.build();
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines[2]).toMatch(/^Layer \(type\) +Output shape +Param # +Connected to$/);
    const text = lines.join('\n');
    expect(text).toContain('input_');
    expect(lines.find((l) => l.startsWith('b (Dense)'))).toMatch(/\[null,5\] +30 +a\[0\]\[0\]$/);
    const bRow = lines.findIndex((l) => l.startsWith('b (Dense)'));
    expect(lines[bRow + 1].trim()).toBe('s1[0][0]');
    expect(lines.find((l) => l.startsWith('s2 (Add)'))).toMatch(/b\[1\]\[0\]$/);
    expect(lines).toContain(`Total params: ${m.countParams()}`);
  });
});

describe('native plan', () => {
  it('a Sequential model is still NativeModel\'s chain form, its input flat where Flatten reads it', () => {
    const layers = [tf.layers.flatten(), tf.layers.dense({ units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })];
    const plan = planNativeModel('build', 's', chainGraph(layers), [[2, 3]]);
    expect('chain' in plan.native).toBe(true);
    if (!('chain' in plan.native)) return;
    expect(plan.native.input).toBe(6);
    expect(plan.native.chain.length).toBe(2);
    expect(plan.placed.map((p) => p.nativeNode)).toEqual([-1, 0, 1]);
    expect(plan.shapes).toEqual([[6], [4], [2]]);
  });

  it('a functional chain is the chain form too; a skip connection or a shared layer is the graph form', () => {
    const x = tf.input({ shape: [4] });
    const chain = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.dense({ units: 3 }).apply(x)) });
    const p1 = planNativeModel('build', 'c', modelGraphOf((chain as unknown as { functionalGraph(): never }).functionalGraph()), [[4]]);
    expect('chain' in p1.native).toBe(true);
    const m = residual(4, 2);
    const p2 = planNativeModel('build', 'r', modelGraphOf((m as unknown as { functionalGraph(): never }).functionalGraph()), [[4]]);
    expect('graph' in p2.native).toBe(true);
    if (!('graph' in p2.native)) return;
    expect(p2.native.graph.nodes.map((n) => n.inputs)).toEqual([[-1], [0], [1, 0], [2], [3, 2], [4]]);
    expect(p2.native.graph.nodes.map((n) => n.shareWeightsWith)).toEqual([undefined, undefined, undefined, 1, undefined, undefined]);
    expect(p2.native.graph.output).toBe(5);
  });

  it('Flatten of an N-D tensor a layer made becomes a native reshape; of a flat one, it maps the reference', () => {
    const x = tf.input({ shape: [2, 3] });
    const p = tf.layers.permute({ dims: [2, 1] }).apply(x);
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(p));
    const m = tf.model({ inputs: x, outputs: out });
    const plan = planNativeModel('build', 'p', modelGraphOf((m as unknown as { functionalGraph(): never }).functionalGraph()), [[2, 3]]);
    expect('chain' in plan.native).toBe(true);
    if (!('chain' in plan.native)) return;
    expect(plan.native.input).toEqual([2, 3]);
    expect(plan.native.chain.map((s) => s.kind)).toEqual([tf_enum('permute'), tf_enum('reshape'), tf_enum('dense')]);
    // Values: the permuted sample flattened row-major, times the kernel.
    m.setWeights([tf.tensor([1, 10, 100, 1000, 10000, 100000], [6, 1]), tf.tensor([0.5], [1])]);
    expect(Array.from(m.predict(tf.tensor([1, 2, 3, 4, 5, 6], [1, 2, 3])).values)).toEqual([1 + 40 + 200 + 5000 + 30000 + 600000 + 0.5]);
    // Flatten of a flat tensor: nothing native.
    const y = tf.input({ shape: [3] });
    const m2 = tf.model({ inputs: y, outputs: tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(tf.layers.dense({ units: 2 }).apply(y))) });
    const plan2 = planNativeModel('build', 'q', modelGraphOf((m2 as unknown as { functionalGraph(): never }).functionalGraph()), [[3]]);
    expect('chain' in plan2.native && plan2.native.chain.length).toBe(2);
  });
});

const tf_enum = (name: string): number => native.enums.layer[name];

describe('refusals', () => {
  it('tf.input checks its options', () => {
    expect(() => tf.input({ shape: [0] })).toThrow(RangeError);
    expect(() => tf.input({ shape: [0] })).toThrow(/^input: shape must be a non-empty array of positive integers/);
    expect(() => tf.input({} as never)).toThrow(/^input: shape is required/);
    expect(() => tf.input({ shape: [3], shap: [3] } as never)).toThrow(TypeError);
    expect(() => tf.input({ shape: [3], dtype: 'int32' as never })).toThrow(/^input: dtype must be 'float32'/);
    expect(() => tf.input({ batchShape: [8, 3] })).toThrow(/^input: the batch dimension of batchShape must be null/);
    expect(tf.input({ batchShape: [null, 3, 2], name: 'pixels' }).shape).toEqual([null, 3, 2]);
    expect(() => new (tf.SymbolicTensor as unknown as new (...a: unknown[]) => unknown)('x', [3], null)).toThrow(/^SymbolicTensor: is made by tf.input/);
  });

  it('apply: inputs that are not symbolic, merges of incompatible shapes, a layer applied to another feature size', () => {
    const x = tf.input({ shape: [8] });
    const y = tf.input({ shape: [16] });
    expect(() => tf.layers.dense({ units: 2 }).apply(tf.tensor([1, 2], [1, 2]) as never)).toThrow(/^apply: layer 'dense\w*' was given a Tensor/);
    expect(() => tf.layers.dense({ units: 2 }).apply([1, 2] as never)).toThrow(TypeError);
    // An array Proxy without an iterator (campaign seed 55555 case 146498: a raw 'inputs is not iterable').
    const hostile = new Proxy([], { get: (t, k) => (k === Symbol.iterator ? undefined : k === 'length' ? 2 ** 31 : 7) });
    expect(() => tf.layers.add({ name: 'p' }).apply(hostile as never)).toThrow(/^apply: layer 'p': inputs must be a symbolic tensor or an array of them, got/);
    const add = tf.layers.add({ name: 'join' });
    expect(() => add.apply([x, y])).toThrow(RangeError);
    expect(() => add.apply([x, y])).toThrow("apply: layer 'join' (Add) cannot merge inputs of shapes [8] and [16]");
    expect(() => add.apply(x)).toThrow(/^apply: layer 'join' \(Add\) takes at least 2 inputs, got 1/);
    expect(() => tf.layers.dense({ units: 2, name: 'single' }).apply([x, x])).toThrow(/^apply: layer 'single' \(Dense\) takes one input, got 2/);
    const d = tf.layers.dense({ units: 4, name: 'shared' });
    d.apply(x);
    expect(() => d.apply(y)).toThrow(RangeError);
    expect(() => d.apply(y)).toThrow(/^apply: layer 'shared' was first applied to inputs of shape \[8\] \(kernel \[8,4\], bias \[4\]\); .* inputs of shape \[16\] would need kernel \[16,4\]/);
    // A weightless layer may be applied to any shape.
    const act = tf.layers.activation({ activation: 'relu' });
    act.apply(x);
    expect(act.apply(y).shape).toEqual([null, 16]);
    // An N-D tensor where the layer needs flat features: refused where it is wired.
    expect(() => tf.layers.dense({ units: 2, name: 'flatOnly' }).apply(tf.input({ shape: [2, 2] }))).toThrow(/^apply: layer 'flatOnly' expects flat input/);
  });

  it('tf.model: outputs that need an input not listed, an input no output uses, inputs that are not inputs', () => {
    const a = tf.input({ shape: [3], name: 'a' });
    const b = tf.input({ shape: [3], name: 'b' });
    const fromB = tf.layers.dense({ units: 2 }).apply(b);
    expect(() => tf.model({ inputs: a, outputs: fromB })).toThrow(RangeError);
    expect(() => tf.model({ inputs: a, outputs: fromB })).toThrow("model: the outputs depend on input 'b', which is not in inputs");
    expect(() => tf.model({ inputs: [a, b], outputs: fromB })).toThrow("model: input 'a' is not used by any output");
    expect(() => tf.model({ inputs: fromB, outputs: fromB })).toThrow(/^model: inputs \('dense\w*'\) is the output of layer/);
    expect(() => tf.model({ inputs: a, outputs: a })).toThrow(/^model: output 'a' is a model input/);
    expect(() => tf.model({ inputs: [b, b], outputs: fromB })).toThrow("model: input 'b' is listed twice");
    expect(() => tf.model({ inputs: b, outputs: fromB, nme: 'x' } as never)).toThrow(TypeError);
    expect(() => tf.model({ outputs: fromB } as never)).toThrow(/^model: inputs is required/);
    expect(() => tf.model({ inputs: b, outputs: [] })).toThrow(/^model: outputs must be a symbolic tensor or a non-empty array/);
    expect(() => tf.model({ inputs: b, outputs: 3 as never })).toThrow(TypeError);
  });

  it('tf.model: names must be unique; a layer belongs to one model; one tensor is not two outputs', () => {
    const x = tf.input({ shape: [3], name: 'x' });
    const twin = tf.layers.dense({ units: 3, name: 'twin' }).apply(tf.layers.dense({ units: 3, name: 'twin' }).apply(x));
    expect(() => tf.model({ inputs: x, outputs: twin })).toThrow("model: layer 'twin' has the name of another layer (Dense); names must be unique within a model");
    expect(() => tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3, name: 'x' }).apply(x) })).toThrow(/^model: layer 'x' has the name of input 'x'/);
    const d = tf.layers.dense({ units: 2, name: 'owned' });
    const out = d.apply(x);
    tf.model({ inputs: x, outputs: out, name: 'first' });
    expect(() => tf.model({ inputs: x, outputs: out })).toThrow("model: layer 'owned' is already in model 'first'; a layer's weights belong to one model");
    const o1 = tf.layers.dense({ units: 2 }).apply(x);
    const o2 = tf.layers.dense({ units: 2 }).apply(x);
    const two = tf.model({ inputs: x, outputs: [o1, o2] });
    expect((two as tf.Functional).outputNames).toHaveLength(2);
    const o3 = tf.layers.dense({ units: 2 }).apply(x);
    const same = tf.model({ inputs: x, outputs: [o3, o3] });
    expect(() => same.build([3])).toThrow(/^build: model '\w+' returns one tensor as two outputs/);
  });

  it('build and fit refuse another input shape, and the model stays usable', async () => {
    const x = tf.input({ shape: [3] });
    const m = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2 }).apply(x) });
    expect(() => m.build([4])).toThrow(/^build: model '\w+' takes inputs of shape \[3\]/);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(m.fit(tf.zeros([4, 4]), tf.zeros([4, 2]), { verbose: 0 })).rejects.toThrow(/^fit: /);
    const h = await m.fit(tf.zeros([4, 3]), tf.zeros([4, 2]), { verbose: 0 });
    expect(h.history.loss.length).toBe(1);
  });
});
