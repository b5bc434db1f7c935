// sampleWeight in fit and evaluate (Keras's sample_weight): a per-sample
// factor on the loss, multiplied with classWeight, normalised by the number of
// samples ('sum_over_batch_size'), metrics unweighted.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

function model(seed = 1) {
  tf.setSeed(seed);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
  m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  m.predict(tf.zeros([1, 4])); // builds now, from this seed: every model starts from the same weights
  return m;
}
const n = 12;
const x = tf.randomUniform([n, 4], -1, 1, 'float32', 9);
const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
const y = tf.tensor1d(labels, 'int32');
const weightsOf = (m: tf.Sequential) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('sampleWeight', () => {
  it('evaluate: the loss is sum(w_i * loss_i) / n over per-sample losses (float64 reference), metrics unweighted', async () => {
    const m = model();
    const w = Array.from({ length: n }, (_, i) => (i % 4) * 0.5);
    const perSample: number[] = [];
    for (let i = 0; i < n; i++) {
      perSample.push((await m.evaluate(tf.slice(x, [i, 0], [1, 4]), tf.tensor1d([labels[i]], 'int32'))).loss);
    }
    const expected = perSample.reduce((a, l, i) => a + w[i] * l, 0) / n;
    const plain = await m.evaluate(x, y);
    const weighted = await m.evaluate(x, y, { sampleWeight: w, batchSize: 5 });
    expect(weighted.loss).toBeCloseTo(expected, 5); // float32 losses summed in float64: ~1e-6
    expect(weighted.accuracy).toBe(plain.accuracy);
  });

  it('fit: the same step as the equivalent classWeight, and the product of both where both are given', async () => {
    const cw = { 0: 2, 1: 0.5, 2: 1 };
    const asSamples = Array.from(labels, (c) => cw[c as 0 | 1 | 2]);
    const a = model(), b = model(), c = model(), d = model();
    await a.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, classWeight: cw });
    await b.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, sampleWeight: tf.tensor1d(asSamples) });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    // Both: classWeight x sampleWeight = asSamples^2 (a sample weight of 1 changes nothing).
    await c.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, classWeight: cw, sampleWeight: asSamples });
    await d.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, sampleWeight: asSamples.map((v) => v * v) });
    expect(weightsOf(c)).toEqual(weightsOf(d));
    expect(weightsOf(c)).not.toEqual(weightsOf(a));
    const e = model();
    await e.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, sampleWeight: new Float32Array(n).fill(1) });
    const f = model();
    await f.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    expect(weightsOf(e)).toEqual(weightsOf(f));
  });

  it('zero weights remove samples from the gradient: training on the rest with their weights scaled to the same n', async () => {
    // Weights w with zeros on the odd samples equal, in sum(w*l)/n, the even
    // samples alone weighted by w * (n_even / n): same gradient.
    const even = Array.from({ length: n / 2 }, (_, k) => 2 * k);
    const a = model(), b = model();
    await a.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, sampleWeight: Array.from({ length: n }, (_, i) => (i % 2 ? 0 : 1)) });
    const xe = tf.gather(x, tf.tensor1d(even, 'int32')), ye = tf.tensor1d(even.map((i) => labels[i]), 'int32');
    await b.fit(xe, ye, { epochs: 1, batchSize: n / 2, shuffle: false, verbose: 0, sampleWeight: even.map(() => 0.5) });
    weightsOf(a).forEach((w, k) => w.forEach((v, j) => expect(v).toBeCloseTo(weightsOf(b)[k][j], 6)));
  });

  it('bad weights name the function and the value', async () => {
    const m = model();
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: [1, 2] })).rejects.toThrow(/^fit: sampleWeight must hold one weight per sample \(shape \[12\]\), got shape \[2\]/);
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: new Array(n).fill(1).map((v, i) => (i === 3 ? -1 : v)) })).rejects.toThrow(/^fit: sampleWeight\[3\] must be a finite number >= 0, got -1/);
    await expect(m.evaluate(x, y, { sampleWeight: new Array(n).fill(NaN) })).rejects.toThrow(/^evaluate: sampleWeight\[0\] must be a finite number >= 0, got NaN/);
    await expect(m.evaluate(x, y, { sampleWeight: 'heavy' as never })).rejects.toThrow(TypeError);
    await expect(m.evaluate(x, y, { sample_weight: [] } as never)).rejects.toThrow(/unknown option 'sample_weight'; did you mean 'sampleWeight'\?/);
  });
});
