// Every metric's value against a float64 reference written from Keras 3's
// definitions (keras/src/metrics/accuracy_metrics.py, regression_metrics.py):
// the model is one Dense layer with an identity kernel and no bias, so its
// outputs are act(x) for data we choose, and evaluate()'s metrics can be
// computed here from x alone. Batches of 7 over 50 samples check that the
// batch values are combined as a mean over samples.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng, sigmoid } from './reference';

const N = 50;
const BATCH = 7;
const C = 8; // > k = 5, so top-5 is not trivially 1

type Act = 'linear' | 'softmax' | 'sigmoid';

/** Dense(C → C) with W = I, no bias: predictions are exactly act(x). */
function identityModel(act: Act, loss: tf.LossIdentifier | tf.Loss, metrics: string[], units = C): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [units], activation: act, useBias: false })] });
  m.compile({ optimizer: 'sgd', loss, metrics: metrics as tf.MetricIdentifier[] });
  const eye = new Float32Array(units * units);
  for (let i = 0; i < units; i++) eye[i * units + i] = 1;
  m.setWeights([tf.tensor(eye, [units, units])]);
  return m;
}

/** Rows of logits with no ties (ties make argmax / top-k ambiguous). */
function logits(seed: number, units = C): number[][] {
  const r = new Rng(seed);
  return Array.from({ length: N }, () => Array.from(r.array(units, -3, 3)));
}

const softmaxRow = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const argmax = (v: number[]) => v.indexOf(Math.max(...v));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

// Keras definitions, one sample at a time.
const ref = {
  sparseCategorical: (p: number[], label: number) => (argmax(p) === label ? 1 : 0),
  categorical: (p: number[], t: number[]) => (argmax(p) === argmax(t) ? 1 : 0),
  binary: (p: number[], t: number[]) => mean(p.map((v, c) => ((v > 0.5 ? 1 : 0) === t[c] ? 1 : 0))),
  /** in_top_k: the target's score is among the k largest. */
  topK: (p: number[], target: number, k = 5) => (p.filter((v) => v > p[target]).length < k ? 1 : 0),
  mse: (p: number[], t: number[]) => mean(p.map((v, c) => (v - t[c]) ** 2)),
  mae: (p: number[], t: number[]) => mean(p.map((v, c) => Math.abs(v - t[c]))),
};

const oneHot = (label: number, units = C) => Array.from({ length: units }, (_, c) => (c === label ? 1 : 0));
const x2d = (rows: number[][]) => tf.tensor2d(rows);

// Accuracies are counts / N, exact in float64. MSE and MAE: the outputs are
// float32 (act applied in float32, or the fused probability in float64 from
// float32 logits) against float64 here: ~1e-7 relative per value, 1e-6 overall.
const COUNT_TOL = 1e-12;
const VALUE_RTOL = 1e-6;

/** Labels that make accuracies neither 0 nor 1: the argmax for even rows, another class for odd ones. */
function labelsFor(z: number[][], r: Rng): number[] {
  return z.map((row, i) => (i % 2 === 0 ? argmax(row) : (argmax(row) + 1 + r.int(C - 1)) % C));
}

describe('accuracy metrics', () => {
  it('sparseCategoricalAccuracy and sparse top-5 (the topK form with integer labels)', async () => {
    const z = logits(1);
    const labels = labelsFor(z, new Rng(2));
    const m = identityModel('softmax', 'sparseCategoricalCrossentropy', ['sparseCategoricalAccuracy', 'topK', 'sparse_top_k_categorical_accuracy']);
    const logs = await m.evaluate(x2d(z), tf.tensor1d(labels, 'int32'), { batchSize: BATCH });
    const p = z.map(softmaxRow);
    const acc = mean(p.map((row, i) => ref.sparseCategorical(row, labels[i])));
    const top5 = mean(p.map((row, i) => ref.topK(row, labels[i])));
    expect(acc).toBeGreaterThan(0.3);
    expect(top5).toBeGreaterThan(acc);
    expect(top5).toBeLessThan(1);
    expect(Math.abs(logs.sparseCategoricalAccuracy - acc)).toBeLessThan(COUNT_TOL);
    expect(Math.abs(logs.topK - top5)).toBeLessThan(COUNT_TOL);
    expect(Math.abs(logs.sparse_top_k_categorical_accuracy - top5)).toBeLessThan(COUNT_TOL);
  });

  it('categoricalAccuracy and top-5 with one-hot targets', async () => {
    const z = logits(3);
    const labels = labelsFor(z, new Rng(4));
    const m = identityModel('softmax', 'categoricalCrossentropy', ['categoricalAccuracy', 'topK']);
    const t = labels.map((l) => oneHot(l));
    const logs = await m.evaluate(x2d(z), x2d(t), { batchSize: BATCH });
    const p = z.map(softmaxRow);
    const acc = mean(p.map((row, i) => ref.categorical(row, t[i])));
    const top5 = mean(p.map((row, i) => ref.topK(row, argmax(t[i]))));
    expect(top5).toBeGreaterThan(acc);
    expect(Math.abs(logs.categoricalAccuracy - acc)).toBeLessThan(COUNT_TOL);
    expect(Math.abs(logs.topK - top5)).toBeLessThan(COUNT_TOL);
  });

  it('binaryAccuracy thresholds each output at 0.5 and averages over outputs, then samples', async () => {
    const z = logits(5);
    const r = new Rng(6);
    // Targets agree with the prediction about 60% of the time, per output.
    const t = z.map((row) => row.map((v) => ((v > 0) === (r.uniform() < 0.6) ? 1 : 0)));
    const m = identityModel('sigmoid', 'binaryCrossentropy', ['binaryAccuracy']);
    const logs = await m.evaluate(x2d(z), x2d(t), { batchSize: BATCH });
    const want = mean(z.map((row, i) => ref.binary(row.map(sigmoid), t[i])));
    expect(want).toBeGreaterThan(0.4);
    expect(want).toBeLessThan(0.8);
    expect(Math.abs(logs.binaryAccuracy - want)).toBeLessThan(COUNT_TOL);
  });
});

describe("'accuracy' picks its form from the loss (Keras)", () => {
  // Multi-hot targets where the binary and categorical forms differ.
  const z = logits(7);
  const r = new Rng(8);
  const multiHot = z.map((row) => row.map((v) => ((v > 0) === (r.uniform() < 0.7) ? 1 : 0)));
  const labels = labelsFor(z, new Rng(9));
  const categoricalOf = (p: number[][], t: number[][]) => mean(p.map((row, i) => ref.categorical(row, t[i])));
  const binaryOf = (p: number[][], t: number[][]) => mean(p.map((row, i) => ref.binary(row, t[i])));

  it('sparseCategoricalCrossentropy → sparse categorical accuracy', async () => {
    const logs = await identityModel('softmax', 'sparseCategoricalCrossentropy', ['accuracy']).evaluate(x2d(z), tf.tensor1d(labels, 'int32'), { batchSize: BATCH });
    const want = mean(z.map((row, i) => ref.sparseCategorical(row, labels[i])));
    expect(Math.abs(logs.accuracy - want)).toBeLessThan(COUNT_TOL);
    expect(logs.acc).toBe(logs.accuracy);
  });

  it('categoricalCrossentropy → categorical accuracy (not binary)', async () => {
    const p = z.map(softmaxRow);
    expect(Math.abs(categoricalOf(p, multiHot) - binaryOf(p, multiHot))).toBeGreaterThan(0.05);
    const logs = await identityModel('softmax', 'categoricalCrossentropy', ['accuracy']).evaluate(x2d(z), x2d(multiHot), { batchSize: BATCH });
    expect(Math.abs(logs.accuracy - categoricalOf(p, multiHot))).toBeLessThan(COUNT_TOL);
  });

  it('binaryCrossentropy → binary accuracy (not categorical), even with several outputs', async () => {
    const p = z.map((row) => row.map(sigmoid));
    expect(Math.abs(categoricalOf(p, multiHot) - binaryOf(p, multiHot))).toBeGreaterThan(0.05);
    const logs = await identityModel('sigmoid', 'binaryCrossentropy', ['accuracy']).evaluate(x2d(z), x2d(multiHot), { batchSize: BATCH });
    expect(Math.abs(logs.accuracy - binaryOf(p, multiHot))).toBeLessThan(COUNT_TOL);
  });

  it('another loss: binary accuracy for one output, categorical for several', async () => {
    // Linear outputs in (0, 1), so the 0.5 threshold splits them.
    const one = z.map((row) => [sigmoid(row[0])].map(Math.fround));
    const oneT = z.map((row, i) => [(row[0] > 0) === (i % 3 !== 0) ? 1 : 0]);
    const logs1 = await identityModel('linear', 'meanSquaredError', ['accuracy'], 1).evaluate(x2d(one), x2d(oneT), { batchSize: BATCH });
    expect(Math.abs(logs1.accuracy - binaryOf(one, oneT))).toBeLessThan(COUNT_TOL);
    const pz = z.map((row) => row.map((v) => Math.fround(sigmoid(v))));
    expect(Math.abs(categoricalOf(pz, multiHot) - binaryOf(pz, multiHot))).toBeGreaterThan(0.05);
    const logsC = await identityModel('linear', 'meanSquaredError', ['accuracy']).evaluate(x2d(pz), x2d(multiHot), { batchSize: BATCH });
    expect(Math.abs(logsC.accuracy - categoricalOf(pz, multiHot))).toBeLessThan(COUNT_TOL);
  });
});

describe('regression metrics', () => {
  const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(VALUE_RTOL * Math.abs(want));

  it('mse and mae on a linear output: mean over outputs, then over samples', async () => {
    const z = logits(10);
    const r = new Rng(11);
    const t = z.map((row) => row.map(() => r.range(-2, 2)));
    const logs = await identityModel('linear', 'meanAbsoluteError', ['mse', 'mae', 'mean_squared_error']).evaluate(x2d(z), x2d(t), { batchSize: BATCH });
    const mse = mean(z.map((row, i) => ref.mse(row, t[i])));
    const mae = mean(z.map((row, i) => ref.mae(row, t[i])));
    close(logs.mse, mse);
    close(logs.mae, mae);
    close(logs.mean_squared_error, mse);
    close(logs.loss, mae); // the MAE loss and the mae metric agree
  });

  it('mse and mae on softmax probabilities against one-hot labels (sparse loss)', async () => {
    const z = logits(12);
    const labels = labelsFor(z, new Rng(13));
    const logs = await identityModel('softmax', 'sparseCategoricalCrossentropy', ['mse', 'mae']).evaluate(x2d(z), tf.tensor1d(labels, 'int32'), { batchSize: BATCH });
    const p = z.map(softmaxRow);
    close(logs.mse, mean(p.map((row, i) => ref.mse(row, oneHot(labels[i])))));
    close(logs.mae, mean(p.map((row, i) => ref.mae(row, oneHot(labels[i])))));
  });

  it('mse on sigmoid outputs with binary targets', async () => {
    const z = logits(14);
    const r = new Rng(15);
    const t = z.map((row) => row.map(() => (r.uniform() < 0.5 ? 1 : 0)));
    const logs = await identityModel('sigmoid', 'binaryCrossentropy', ['mse']).evaluate(x2d(z), x2d(t), { batchSize: BATCH });
    close(logs.mse, mean(z.map((row, i) => ref.mse(row.map(sigmoid), t[i]))));
  });
});

describe('metrics logged by fit are the same metrics on the training batches', () => {
  it('with a zero learning rate, one epoch logs the evaluate reference', async () => {
    const z = logits(16);
    const labels = labelsFor(z, new Rng(17));
    const m = identityModel('softmax', 'sparseCategoricalCrossentropy', ['accuracy', 'topK', 'mse']);
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'topK', 'mse'] });
    const h = await m.fit(x2d(z), tf.tensor1d(labels, 'int32'), { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
    const p = z.map(softmaxRow);
    expect(Math.abs(h.history.accuracy[0] - mean(p.map((row, i) => ref.sparseCategorical(row, labels[i]))))).toBeLessThan(COUNT_TOL);
    expect(Math.abs(h.history.topK[0] - mean(p.map((row, i) => ref.topK(row, labels[i]))))).toBeLessThan(COUNT_TOL);
    const mse = mean(p.map((row, i) => ref.mse(row, oneHot(labels[i]))));
    expect(Math.abs(h.history.mse[0] - mse)).toBeLessThanOrEqual(VALUE_RTOL * mse);
  });
});
