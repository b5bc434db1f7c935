// classWeight reaches the gradients, not only the logged loss: one SGD step
// at learning rate 0.5 on a single Dense layer, compared with the update
// computed here in float64 from Keras's definition (each sample's loss times
// its class weight, summed and divided by the batch size).
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng, sigmoid } from './reference';

const N = 24;
const IN = 5;
const LR = 0.5;

/** Dense(IN → units) with fixed weights, SGD at LR. */
function model(units: number, act: 'softmax' | 'sigmoid', loss: tf.LossIdentifier, W: Float32Array, b: Float32Array): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [IN], activation: act })] });
  m.compile({ optimizer: tf.optimizers.sgd({ learningRate: LR }), loss });
  m.setWeights([tf.tensor(W, [IN, units]), tf.tensor(b, [units])]);
  return m;
}

/** W' = W - LR·Xᵀ·dZ and b' = b - LR·Σ dZ, for the given dL/dz rows (float64). */
function sgdStep(x: Float32Array, W: Float32Array, b: Float32Array, dZ: number[][], units: number): { W: number[]; b: number[] } {
  const W2 = Array.from(W, Number);
  const b2 = Array.from(b, Number);
  for (let i = 0; i < N; i++) {
    for (let u = 0; u < units; u++) {
      b2[u] -= LR * dZ[i][u];
      for (let f = 0; f < IN; f++) W2[f * units + u] -= LR * x[i * IN + f] * dZ[i][u];
    }
  }
  return { W: W2, b: b2 };
}

/** Logits z = xW + b, float64. */
function logitsOf(x: Float32Array, W: Float32Array, b: Float32Array, units: number): number[][] {
  return Array.from({ length: N }, (_, i) => Array.from({ length: units }, (_, u) => {
    let s = b[u];
    for (let f = 0; f < IN; f++) s += x[i * IN + f] * W[f * units + u];
    return s;
  }));
}

// The model computes in float32: the update of ~0.1 per weight carries
// ~1e-7 relative error per operation over ~24-term sums, so 2e-6 absolute;
// a class weight lost on the way to the gradients changes updates by >= 1e-2.
const ATOL = 2e-6;

function expectWeights(m: tf.Sequential, want: { W: number[]; b: number[] }): void {
  const [W, b] = m.getWeights().map((t) => Array.from(t.dataSync()));
  W.forEach((v, i) => expect(Math.abs(v - want.W[i]), `W[${i}]`).toBeLessThanOrEqual(ATOL));
  b.forEach((v, i) => expect(Math.abs(v - want.b[i]), `b[${i}]`).toBeLessThanOrEqual(ATOL));
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe('classWeight and the update', () => {
  it('sparse categorical cross-entropy with softmax: dL/dz_i = cw[y_i]·(p_i - onehot(y_i)) / N', async () => {
    const C = 3;
    const r = new Rng(31);
    const x = r.array(N * IN, -1, 1);
    const W = r.array(IN * C, -0.5, 0.5);
    const b = r.array(C, -0.1, 0.1);
    const y = Int32Array.from({ length: N }, (_, i) => i % C);
    const cw: Record<number, number> = { 0: 1, 1: 4, 2: 0 }; // class 2 contributes nothing
    const z = logitsOf(x, W, b, C);
    const dZ = (weights: (c: number) => number) => z.map((row, i) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      return e.map((v, c) => (weights(y[i]) * (v / s - (c === y[i] ? 1 : 0))) / N);
    });
    const weighted = sgdStep(x, W, b, dZ((c) => cw[c]), C);
    const plain = sgdStep(x, W, b, dZ(() => 1), C);
    expect(maxDiff(weighted.W, plain.W)).toBeGreaterThan(1e-2); // the weights matter for this data

    const m = model(C, 'softmax', 'sparseCategoricalCrossentropy', W, b);
    await m.fit(tf.tensor(x, [N, IN]), tf.tensor(y, [N], 'int32'), { epochs: 1, batchSize: N, shuffle: false, verbose: 0, classWeight: cw });
    expectWeights(m, weighted);

    const m2 = model(C, 'softmax', 'sparseCategoricalCrossentropy', W, b);
    await m2.fit(tf.tensor(x, [N, IN]), tf.tensor(y, [N], 'int32'), { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    expectWeights(m2, plain);
  });

  it('binary cross-entropy with one sigmoid output: the class is the rounded target', async () => {
    const r = new Rng(32);
    const x = r.array(N * IN, -1, 1);
    const W = r.array(IN, -0.5, 0.5);
    const b = r.array(1, -0.1, 0.1);
    const t = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const cw: Record<number, number> = { 0: 0.25, 1: 3 };
    const z = logitsOf(x, W, b, 1);
    // Keras BCE on a sigmoid output: dL/dz = (p - t) per sample, before weighting and /N.
    const dZ = z.map(([v], i) => [(cw[t[i]] * (sigmoid(v) - t[i])) / N]);
    const want = sgdStep(x, W, b, dZ, 1);
    const m = model(1, 'sigmoid', 'binaryCrossentropy', W, b);
    await m.fit(tf.tensor(x, [N, IN]), tf.tensor(t, [N, 1]), { epochs: 1, batchSize: N, shuffle: false, verbose: 0, classWeight: cw });
    expectWeights(m, want);
  });

  it('with Adam the weighted and unweighted runs part after one step', async () => {
    // Adam normalises the gradient's scale away, so a uniform weight would not
    // show; a non-uniform one changes the gradient's direction.
    const r = new Rng(33);
    const x = tf.tensor(r.array(N * IN, -1, 1), [N, IN]);
    const y = tf.tensor(Int32Array.from({ length: N }, (_, i) => i % 3), [N], 'int32');
    const W = r.array(IN * 3, -0.5, 0.5);
    const b = new Float32Array(3);
    const run = async (classWeight?: Record<number, number>) => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [IN], activation: 'softmax' })] });
      m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      m.setWeights([tf.tensor(W, [IN, 3]), tf.tensor(b, [3])]);
      await m.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0, classWeight });
      return Array.from(m.getWeights()[0].dataSync());
    };
    const plain = await run();
    const uniform = await run({ 0: 2, 1: 2, 2: 2 });
    const skewed = await run({ 0: 1, 1: 10, 2: 0.1 });
    // Adam's first step is lr·g/(|g| + ε): doubling every weight changes it
    // only through ε = 1e-7 (lr·ε/(2|g|), ~1e-6 for the smallest gradients
    // here), while skewed weights flip signs of some updates (2·lr = 0.02).
    expect(maxDiff(plain, uniform)).toBeLessThan(1e-5);
    expect(maxDiff(plain, skewed)).toBeGreaterThan(1e-3);
  });
});
