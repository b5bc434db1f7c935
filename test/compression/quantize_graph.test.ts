// tf.quantization.quantize of convolutional and functional models (issue 20):
// the int8 Conv2D / Conv1D / Dense nodes against a float64 reference of the
// dequantized arithmetic (uint8 input as the native rounding gives it, exact
// int32 sums, dequantization and bias in float64), for odd sizes, strides,
// dilation and both paddings; a small CNN and a functional model with a skip
// connection against their float models (per channel and per tensor);
// save / load, determinism, report, refusals, the original model unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

const f32 = Math.fround;

/** The uint8 value native quantizeRowU8 gives x: float32 x * inv + zp, clamped, rounded half up. */
function quantU8(x: number, inv: number, zp: number): number {
  let r = f32(f32(x * inv) + zp);
  r = r > 0 ? r : 0;
  r = r < 255 ? r : 255;
  return Math.trunc(f32(r + 0.5));
}

/** x rounded to the nearest integer, ties to even (std::nearbyint in the default rounding mode). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Randomizes a built model's weights (deterministic). */
function randomize(m: tf.LayersModel, seed: number, scale = 0.5): void {
  const rng = new Rng(seed);
  m.setWeights(m.getWeights().map((w) => tf.tensor(rng.array(w.size, -scale, scale), w.shape)));
}

const data = (shape: number[], seed: number, lo = -1, hi = 1) => tf.tensor(new Rng(seed).array(shape.reduce((a, b) => a * b, 1), lo, hi), shape);

interface ConvCase { input: number[]; filters: number; kernelSize: number[]; strides: number[]; dilationRate: number[]; padding: 'same' | 'valid'; activation: 'linear' | 'relu'; useBias: boolean }

/** float64 reference of one quantized conv2d over x [n, h, w, c] -> [n, oh, ow, f], from the int8 weights the model holds. */
function convReference(c: ConvCase, x: Float32Array, n: number, info: tf.quantization.QuantizedLayerInfo, kernel: Float32Array, bias: Float32Array | null): Float64Array {
  const [H, W, C] = c.input;
  const [kh, kw] = c.kernelSize, [sh, sw] = c.strides, [dh, dw] = c.dilationRate, F = c.filters;
  const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
  let oh: number, ow: number, pt = 0, pl = 0;
  if (c.padding === 'same') {
    oh = Math.ceil(H / sh); ow = Math.ceil(W / sw);
    pt = Math.floor(Math.max((oh - 1) * sh + eh - H, 0) / 2);
    pl = Math.floor(Math.max((ow - 1) * sw + ew - W, 0) / 2);
  } else {
    oh = Math.ceil((H - eh + 1) / sh); ow = Math.ceil((W - ew + 1) / sw);
  }
  // The int8 kernel: what the per-channel (or per-tensor) scales give (native/int8_quantization.h: float32 quotient, ties to even).
  const q = kernel.map((v, i) => Math.min(127, Math.max(-127, roundHalfEven(f32(v / info.weightScales[i % F])))));
  const inv = f32(1 / info.inputScale), zp = info.inputZeroPoint;
  const out = new Float64Array(n * oh * ow * F);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let f = 0; f < F; f++) {
    let acc = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let ch = 0; ch < C; ch++) {
      const iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
      const u = iy < 0 || iy >= H || ix < 0 || ix >= W ? zp : quantU8(x[((b * H + iy) * W + ix) * C + ch], inv, zp);
      acc += (u - zp) * q[((ky * kw + kx) * C + ch) * F + f];
    }
    let y = info.inputScale * info.weightScales[f] * acc + (bias ? bias[f] : 0);
    if (c.activation === 'relu') y = Math.max(y, 0);
    out[((b * oh + oy) * ow + ox) * F + f] = y;
  }
  return out;
}

function expectClose(got: Float32Array, want: Float64Array, what: string): void {
  expect(got.length).toBe(want.length);
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  // Float32 rounding of the dequantization only: a few ulps of the largest output.
  expect(worst, what).toBeLessThanOrEqual(4e-6 * scale);
}

function cnn(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2], name: 'c1' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c2' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, activation: 'softmax', name: 'out' }),
    ],
  });
  m.build([10, 10, 2]);
  randomize(m, 3);
  return m;
}

function skip(): tf.LayersModel {
  const input = tf.input({ shape: [8] });
  const h = tf.layers.dense({ units: 16, activation: 'relu', name: 'h' }).apply(input) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: 16, name: 'g' }).apply(h) as tf.SymbolicTensor;
  const s = tf.layers.add().apply([h, g]) as tf.SymbolicTensor;
  const n = tf.layers.batchNormalization({ name: 'bn' }).apply(s) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }).apply(n) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out, name: 'skip' });
  m.build([8]);
  randomize(m, 5);
  const bn = m.getLayer('bn');
  const rng = new Rng(6);
  bn.setWeights([tf.tensor(rng.array(16, 0.5, 1.5), [16]), tf.tensor(rng.array(16, -0.3, 0.3), [16]), tf.tensor(rng.array(16, -0.3, 0.3), [16]), tf.tensor(rng.array(16, 0.2, 2), [16])]);
  return m;
}

/** A custom layer (computed by its call() through the tape): refused by quantize. */
class Doubler extends tf.layers.Layer {
  static override className = 'Doubler';
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(x as tf.Tensor, 2);
  }
}

function argmaxAgreement(a: Float32Array, b: Float32Array, cols: number): number {
  const arg = (v: Float32Array, r: number) => {
    let k = 0;
    for (let c = 1; c < cols; c++) if (v[r * cols + c] > v[r * cols + k]) k = c;
    return k;
  };
  let same = 0;
  for (let r = 0; r < a.length / cols; r++) same += arg(a, r) === arg(b, r) ? 1 : 0;
  return same / (a.length / cols);
}

describe('tf.quantization.quantize: convolutions', () => {
  const cases: ConvCase[] = [
    { input: [7, 9, 3], filters: 5, kernelSize: [3, 2], strides: [2, 1], dilationRate: [1, 1], padding: 'same', activation: 'linear', useBias: true },
    { input: [7, 9, 3], filters: 5, kernelSize: [3, 2], strides: [2, 3], dilationRate: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
    { input: [8, 7, 2], filters: 3, kernelSize: [3, 3], strides: [1, 1], dilationRate: [2, 2], padding: 'same', activation: 'linear', useBias: false },
    { input: [8, 7, 2], filters: 17, kernelSize: [2, 3], strides: [1, 1], dilationRate: [2, 1], padding: 'valid', activation: 'relu', useBias: true },
    { input: [5, 5, 1], filters: 2, kernelSize: [5, 5], strides: [1, 1], dilationRate: [1, 1], padding: 'same', activation: 'linear', useBias: true },
  ];
  cases.forEach((c, k) => it(`the int8 conv2d matches a float64 reference of its arithmetic (case ${k})`, () => {
    const { input, ...options } = c;
    const m = tf.sequential({ layers: [tf.layers.conv2d({ ...options, inputShape: input, name: 'conv' }), tf.layers.flatten()] });
    m.build(c.input);
    randomize(m, 10 + k);
    for (const perChannel of [true, false]) {
      const q = tf.quantization.quantize(m, { calibration: data([20, ...c.input], 1, -1.5, 2), perChannel });
      const [info] = q.layerInfo();
      expect(info.className).toBe('Conv2D');
      expect(info.inputs).toBe(c.kernelSize[0] * c.kernelSize[1] * c.input[2]);
      const w = m.getWeights().map((t) => t.dataSync() as Float32Array);
      for (const n of [1, 4]) {
        const x = data([n, ...c.input], 20 + n, -2, 2.5);  // beyond the calibrated range: clamped as the reference does
        const want = convReference(c, x.dataSync() as Float32Array, n, info, w[0], c.useBias ? w[1] : null);
        for (const path of tf.quantization.int8Paths()) expectClose(q.predict(x, { path }).dataSync() as Float32Array, want, `${path} n=${n} perChannel=${perChannel}`);
      }
    }
  }));

  it('conv1d runs int8 too (causal padding), against the reference as one row of pixels', () => {
    const m = tf.sequential({ layers: [tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', inputShape: [9, 2], name: 'c' }), tf.layers.flatten()] });
    m.build([9, 2]);
    randomize(m, 4);
    const q = tf.quantization.quantize(m, { calibration: data([10, 9, 2], 1) });
    const [info] = q.layerInfo();
    expect(info.className).toBe('Conv1D');
    const x = data([3, 9, 2], 2);
    // Causal: the reference's 'valid' over the input with 2 zeros (real 0) in front.
    const xs = x.dataSync() as Float32Array;
    const padded = new Float32Array(3 * 11 * 2);
    for (let b = 0; b < 3; b++) padded.set(xs.subarray(b * 18, b * 18 + 18), b * 22 + 4);
    const w = m.getWeights().map((t) => t.dataSync() as Float32Array);
    const c: ConvCase = { input: [1, 11, 2], filters: 3, kernelSize: [1, 3], strides: [1, 1], dilationRate: [1, 1], padding: 'valid', activation: 'linear', useBias: true };
    expectClose(q.predict(x).dataSync() as Float32Array, convReference(c, padded, 3, info, w[0], w[1]), 'conv1d');
  });

  it('a small CNN predicts what the float model predicts within the quantization error; the model is unchanged', async () => {
    const m = cnn();
    const before = m.getWeights().map((w) => Float32Array.from(w.dataSync()));
    const x = data([200, 10, 10, 2], 7);
    const expected = m.predict(x).dataSync() as Float32Array;
    for (const perChannel of [true, false]) {
      const q = tf.quantization.quantize(m, { calibration: data([100, 10, 10, 2], 8), perChannel });
      expect(q.inputShape).toEqual([10, 10, 2]);
      expect(q.outputs).toBe(5);
      expect(q.layerInfo().map((l) => l.className)).toEqual(['Conv2D', 'Conv2D', 'Dense']);
      const got = q.predict(x).dataSync() as Float32Array;
      // Each layer's input is off by at most half a step (scale / 2) per value and the weights by half
      // theirs; through 3 layers of softmax outputs in [0, 1] that stays well under 0.05 (measured ~0.01).
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(0.05);
      expect(argmaxAgreement(got, expected, 5)).toBeGreaterThanOrEqual(0.93);
      // Deterministic, and the same on a worker thread.
      expect(q.predict(x).dataSync()).toEqual(got);
      expect((await q.predictAsync(x)).dataSync()).toEqual(got);
      const again = tf.quantization.quantize(m, { calibration: data([100, 10, 10, 2], 8), perChannel });
      expect(again.predict(x).dataSync()).toEqual(got);
    }
    m.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(before[i]));
    expect(m.predict(x).dataSync()).toEqual(expected);
  });

  it('a functional model with a skip connection and batch normalization, per channel and per tensor', () => {
    const m = skip();
    const x = data([300, 8], 9, -2, 2);
    const expected = m.predict(x).dataSync() as Float32Array;
    for (const perChannel of [true, false]) {
      const q = tf.quantization.quantize(m, { calibration: data([200, 8], 10, -2, 2), perChannel });
      expect(q.layerInfo().map((l) => l.name)).toEqual(['h', 'g', 'out']);
      const got = q.predict(x).dataSync() as Float32Array;
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(0.05);
      expect(argmaxAgreement(got, expected, 4)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('a layer applied twice: each application calibrated on its own input; save and load', async () => {
    const input = tf.input({ shape: [6] });
    const shared = tf.layers.dense({ units: 6, activation: 'tanh', name: 'shared' });
    const once = shared.apply(input) as tf.SymbolicTensor;
    const twice = shared.apply(once) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, name: 'out' }).apply(twice) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    m.build([6]);
    randomize(m, 40);
    const x = data([30, 6], 41, -4, 4);
    const q = tf.quantization.quantize(m, { calibration: data([30, 6], 42, -4, 4) });
    const info = q.layerInfo();
    expect(info.map((l) => l.name)).toEqual(['shared', 'shared', 'out']);
    expect(info[0].inputScale).toBeGreaterThan(info[1].inputScale);  // [-4, 4] vs tanh's (-1, 1)
    const got = q.predict(x).dataSync() as Float32Array, want = m.predict(x).dataSync() as Float32Array;
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(0.05);
    expect(tf.compression.report(q, { print: false }).parameters).toBe(6 * 6 + 6 + 6 * 3 + 3);
    const dir = mkdtempSync(join(tmpdir(), 'tf-int8-shared-'));
    try {
      await q.save(dir);
      expect((await tf.quantization.load(dir)).predict(x).dataSync()).toEqual(got);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a functional CNN whose convolution adds its input back (Conv + Add) and global pooling', () => {
    const input = tf.input({ shape: [6, 6, 3] });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c' }).apply(input) as tf.SymbolicTensor;
    const s = tf.layers.add().apply([input, c]) as tf.SymbolicTensor;
    const p = tf.layers.globalAveragePooling2d({}).apply(s) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, name: 'out' }).apply(p) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    m.build([6, 6, 3]);
    randomize(m, 12);
    const x = data([50, 6, 6, 3], 13);
    const expected = m.predict(x).dataSync() as Float32Array;
    const q = tf.quantization.quantize(m, { calibration: data([50, 6, 6, 3], 14) });
    const got = q.predict(x).dataSync() as Float32Array;
    let worst = 0, size = 0;
    for (let i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      size = Math.max(size, Math.abs(expected[i]));
    }
    expect(worst).toBeLessThanOrEqual(0.03 * size + 0.01);
  });

  it('a functional model of two inputs: calibration and x as arrays or objects keyed by input name; save and load', async () => {
    const a = tf.input({ shape: [4, 4, 2], name: 'img' }), b = tf.input({ shape: [5], name: 'meta' });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', name: 'c' }).apply(a) as tf.SymbolicTensor;
    const f = tf.layers.flatten().apply(c) as tf.SymbolicTensor;
    const d = tf.layers.dense({ units: 6, activation: 'tanh', name: 'd' }).apply(b) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(tf.layers.concatenate().apply([f, d]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [a, b], outputs: out });
    m.build([4, 4, 2]);
    randomize(m, 21);
    const xa = data([60, 4, 4, 2], 22), xb = data([60, 5], 23, -3, 3);
    const expected = m.predict([xa, xb]) as tf.Tensor;
    const q = tf.quantization.quantize(m, { calibration: [data([40, 4, 4, 2], 24), data([40, 5], 25, -3, 3)] });
    expect(q.inputShapes).toEqual([[4, 4, 2], [5]]);
    expect(q.inputNames).toEqual(['img', 'meta']);
    const got = q.predict([xa, xb]).dataSync() as Float32Array;
    expect(q.predict({ meta: xb, img: xa }).dataSync()).toEqual(got);
    const want = expected.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(0.05);
    // The dense layer reading input 'meta' directly is calibrated on that input's columns only.
    const info = q.layerInfo().find((l) => l.name === 'd')!;
    expect(info.inputScale).toBeCloseTo(6 / 255, 2);
    expect(() => q.predict(xa)).toThrow(/the model has 2 inputs/);
    const dir = mkdtempSync(join(tmpdir(), 'tf-int8-two-'));
    try {
      await q.save(dir);
      const back = await tf.quantization.load(dir);
      expect(back.predict([xa, xb]).dataSync()).toEqual(got);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saves and loads: identical predictions, report counts the int8 layers', async () => {
    const m = cnn();
    const q = tf.quantization.quantize(m, { calibration: data([50, 10, 10, 2], 8) });
    const x = data([20, 10, 10, 2], 7);
    const dir = mkdtempSync(join(tmpdir(), 'tf-int8-graph-'));
    try {
      await q.save(dir);
      const back = await tf.quantization.load(dir);
      expect(back.inputShape).toEqual([10, 10, 2]);
      expect(back.predict(x).dataSync()).toEqual(q.predict(x).dataSync());
      expect(back.storedBytes()).toBe(q.storedBytes());
      expect(back.layerInfo()).toEqual(q.layerInfo());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = tf.compression.report(q, { print: false });
    const f = tf.compression.report(m, { print: false });
    expect(r.kind).toBe('int8');
    expect(r.layers.map((l) => l.className)).toEqual(['Conv2D (int8)', 'MaxPooling2D', 'Conv2D (int8)', 'Flatten', 'Dense (int8)']);
    expect(r.flopsPerSample).toBe(f.flopsPerSample);
    expect(r.parameters).toBe(f.parameters);
    expect(r.bytes.int8).toBeLessThan(f.bytes.float32! / 3);
  });

  it('loading checks the topology and the manifest before decoding', async () => {
    const q = tf.quantization.quantize(cnn(), { calibration: data([20, 10, 10, 2], 8) });
    let saved: any = null;
    await q.save({ save: async (a: unknown) => { saved = a; return { modelArtifactsInfo: {} } as never; } } as never);
    const load = (edit: (a: any) => void) => {
      const a = structuredClone(saved);
      edit(a);
      return tf.quantization.load({ load: async () => a } as never);
    };
    expect((await load(() => {})).predict(data([2, 10, 10, 2], 1)).shape).toEqual([2, 5]);
    await expect(load((a) => { a.modelTopology.config.nodes[1].inputs = [5]; })).rejects.toThrow(/node 1: inputs must be an array of integers in \[-1, 0\]/);
    await expect(load((a) => { a.modelTopology.config.nodes[0].quantized.units = 7; })).rejects.toThrow(/do not match layer 'c1' kernel/);
    await expect(load((a) => { a.weightSpecs.pop(); })).rejects.toThrow(/the manifest has 8 weights; the topology needs 9/);
    await expect(load((a) => { a.weightSpecs[0].shape = [4, 18]; })).rejects.toThrow(/weight 0 is '0:c1\/kernel' \[4, ?18\]; expected '0:c1\/kernel' \[18, ?4\]/);
    await expect(load((a) => { a.weightData = a.weightData.slice(0, 100); })).rejects.toThrow(/bytes but the manifest describes/);
    await expect(load((a) => { a.modelTopology.config.layers[1] = { class_name: 'LSTM', config: { units: 2, name: 'l' } }; })).rejects.toThrow(/\(LSTM\) is not supported/);
    await expect(load((a) => { a.modelTopology.config.nodes[0].quantized.input_zero_point = 300; })).rejects.toThrow(/input_zero_point/);
  });

  it('refuses recurrent and custom layers, several outputs, calibration of the wrong shape and bad predict input', () => {
    const r = tf.sequential({ layers: [tf.layers.lstm({ units: 3, inputShape: [4, 2], name: 'rnn' }), tf.layers.dense({ units: 2 })] });
    r.build([4, 2]);
    expect(() => tf.quantization.quantize(r, { calibration: data([5, 4, 2], 1) })).toThrow(/layer 'rnn' \(LSTM\) is not supported/);
    expect(() => tf.quantization.quantize(r, { calibration: data([5, 4, 2], 1) })).toThrow(RangeError);
    const custom = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), new Doubler({ name: 'twice' }), tf.layers.dense({ units: 2 })] });
    custom.build([4]);
    expect(() => tf.quantization.quantize(custom, { calibration: data([5, 4], 1) })).toThrow(/layer 'twice' \(Doubler\) is not supported/);
    const a = tf.input({ shape: [3], name: 'a' }), b = tf.input({ shape: [3], name: 'b' });
    const two = tf.model({ inputs: [a, b], outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor) as tf.SymbolicTensor });
    two.build([3]);
    expect(() => tf.quantization.quantize(two, { calibration: data([5, 3], 1) })).toThrow(/the model has 2 inputs/);
    expect(() => tf.quantization.quantize(two, { calibration: [data([5, 3], 1), data([4, 3], 1)] })).toThrow(/input 'b' has 4 samples/);
    const h = tf.layers.dense({ units: 2, name: 'h2' }).apply(a) as tf.SymbolicTensor;
    const twoOut = tf.model({ inputs: a, outputs: [h, tf.layers.dense({ units: 1 }).apply(h) as tf.SymbolicTensor] });
    twoOut.build([3]);
    expect(() => tf.quantization.quantize(twoOut, { calibration: data([5, 3], 1) })).toThrow(/has 2 outputs; int8 models have one/);
    const m = cnn();
    expect(() => tf.quantization.quantize(m, { calibration: data([5, 10, 10], 1) })).toThrow(/calibration must have shape \[samples, 10, 10, 2\]/);
    expect(() => tf.quantization.quantize(m, { calibration: data([5, 10, 10, 3], 1) })).toThrow(RangeError);
    expect(() => tf.quantization.quantize(m, { calibration: tf.tensor(new Float32Array(200).fill(NaN), [1, 10, 10, 2]) })).toThrow(/non-finite/);
    const q = tf.quantization.quantize(m, { calibration: data([5, 10, 10, 2], 1) });
    expect(() => q.predict(data([2, 100, 2], 1))).toThrow(/x must have shape \[samples, 10, 10, 2\]/);
    expect(() => q.predict(data([2, 10, 10, 2], 1), { batchSize: 0 })).toThrow(RangeError);
    expect(() => q.fit()).toThrow(/inference only/);
    expect(q.predict(data([0, 10, 10, 2], 1)).shape).toEqual([0, 5]);
  });
});
