// Numerical faults and the behaviour defined for each (README, "Numerical
// faults"): a diverging learning rate, NaN/Infinity in the data, all-zero
// inputs, a single-class batch, extremely large logits.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const allFinite = (ts: tf.Tensor[]) => ts.every((t) => Array.from(t.dataSync()).every(Number.isFinite));

function classifier(units = 3, activation: 'softmax' | 'linear' | 'sigmoid' = 'softmax', extra: tf.layers.Layer[] = []): tf.Sequential {
  tf.setSeed(7);
  return tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }), ...extra, tf.layers.dense({ units, activation })] });
}

const x = tf.randomNormal([64, 4], 0, 1, 'float32', 1);
const labels = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 3), 'int32');

describe('a diverging learning rate', () => {
  it('stops fit at the first non-finite loss or gradient, records it, and keeps the last finite weights', async () => {
    const m = classifier(1, 'linear');
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 10 }), loss: 'meanSquaredError' });
    const y = tf.randomNormal([64, 1], 0, 1000, 'float32', 2);
    const seen: number[] = [];
    const h = await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: (_b, logs) => { seen.push(logs!.loss); } } });
    // Stopped inside the first epoch; the last batch's loss is the bad one.
    expect(h.epoch).toEqual([0]);
    expect(seen.length).toBeLessThan(8);
    expect(Number.isFinite(seen[seen.length - 1])).toBe(false);
    expect(Number.isFinite(h.history.loss[0])).toBe(false);
    // The update of that batch was skipped: the weights are finite and usable.
    expect(allFinite(m.getWeights())).toBe(true);
    expect(allFinite([m.predict(x)])).toBe(true);
  });

  it('with a softmax classifier and SGD at 1e6 as well', async () => {
    const m = classifier();
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 1e6 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit(x, labels, { epochs: 5, batchSize: 8, verbose: 0 });
    expect(h.epoch.length).toBeLessThan(5);
    expect(allFinite(m.getWeights())).toBe(true);
  });

  it('an update that itself overflows (finite gradient, learning rate 1e38) stops fit at once', async () => {
    const m = classifier(1, 'linear');
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 1e38 }), loss: 'meanSquaredError' });
    const seen: number[] = [];
    await m.fit(x, tf.fill([64, 1], 100), { epochs: 3, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: (_b, logs) => { seen.push(logs!.loss); } } });
    expect(seen).toHaveLength(1);
  });

  it('terminateOnNaN sees the non-finite loss, as in Keras', async () => {
    const m = classifier(1, 'linear');
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 10 }), loss: 'meanSquaredError' });
    const h = await m.fit(x, tf.randomNormal([64, 1], 0, 1000, 'float32', 2), { epochs: 3, batchSize: 8, verbose: 0, callbacks: [tf.callbacks.terminateOnNaN()] });
    expect(h.epoch).toEqual([0]);
  });
});

describe('NaN and Infinity in the data', () => {
  const bad = (v: number, at: number) => {
    const d = x.dataSync().slice();
    d[at] = v;
    return tf.tensor2d(d, [64, 4]);
  };

  it('fit, evaluate and trainOnBatch reject them with the sample and feature, before any training', async () => {
    const m = classifier();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    m.build([4]);
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    for (const v of [NaN, Infinity, -Infinity]) {
      await expect(m.fit(bad(v, 5 * 4 + 2), labels, { verbose: 0 })).rejects.toThrow(new RegExp(`^fit: x contains ${v} at sample 5, feature 2`));
      await expect(m.evaluate(bad(v, 63 * 4), labels)).rejects.toThrow(/^evaluate: x contains .* at sample 63, feature 0/);
      await expect(m.trainOnBatch(bad(v, 0), labels)).rejects.toThrow(RangeError);
    }
    const y = tf.zeros([64, 1]);
    y.dataSync()[9] = NaN;
    const r = classifier(1, 'linear');
    r.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(r.fit(x, y, { verbose: 0 })).rejects.toThrow(/^fit: y contains NaN at index 9/);
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('predict lets them through row by row: no other sample is affected', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
    const clean = m.predict(x).arraySync() as number[][];
    const out = m.predict(bad(NaN, 5 * 4 + 2)).arraySync() as number[][];
    out.forEach((row, i) => {
      if (i === 5) expect(row.every(Number.isNaN)).toBe(true);
      else expect(row).toEqual(clean[i]);
    });
  });
});

describe('all-zero inputs', () => {
  it('train to finite values, also through BatchNormalization and LayerNormalization (zero variance)', async () => {
    const m = classifier(3, 'softmax', [tf.layers.batchNormalization(), tf.layers.layerNormalization()]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(tf.zeros([64, 4]), labels, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(allFinite(m.getWeights())).toBe(true);
    const p = m.predict(tf.zeros([2, 4])).dataSync();
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
  });
});

describe('a single-class batch', () => {
  it('trains with finite losses for sparse, one-hot and binary targets', async () => {
    const sparse = classifier();
    sparse.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const a = await sparse.fit(x, tf.zeros([64], 'int32'), { epochs: 3, batchSize: 8, verbose: 0 });
    expect(a.history.loss.every(Number.isFinite)).toBe(true);
    expect(a.history.loss[2]).toBeLessThan(a.history.loss[0]);

    const onehot = classifier();
    onehot.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const b = await onehot.fit(x, tf.oneHot(tf.fill([64], 2, 'int32'), 3, 1, 0, 'float32'), { epochs: 2, verbose: 0 });
    expect(b.history.loss.every(Number.isFinite)).toBe(true);

    const binary = classifier(1, 'sigmoid');
    binary.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const c = await binary.fit(x, tf.ones([64, 1]), { epochs: 2, verbose: 0 });
    expect(c.history.loss.every(Number.isFinite)).toBe(true);
  });
});

describe('extremely large logits', () => {
  // Last-layer kernel of 1e30: logits of ~1e33, far beyond exp's float range.
  async function withHugeLogits(activation: 'softmax' | 'sigmoid' | 'linear', loss: unknown, y: tf.Tensor) {
    const m = classifier(3, activation);
    m.compile({ optimizer: 'sgd', loss: loss as 'mse', metrics: ['accuracy'] });
    const w = m.getWeights();
    w[2] = tf.fill([8, 3], 1e30);
    m.setWeights(w);
    const xs = tf.fill([64, 4], 100);
    const logs = await m.evaluate(xs, y);
    const p = m.predict(xs);
    return { logs, p: Array.from(p.dataSync()), m, xs };
  }

  it('softmax + cross-entropy stays finite (log-sum-exp), and probabilities stay in [0, 1]', async () => {
    for (const [loss, y] of [['sparseCategoricalCrossentropy', labels], ['categoricalCrossentropy', tf.oneHot(labels, 3, 1, 0, 'float32')]] as const) {
      const { logs, p, m, xs } = await withHugeLogits('softmax', loss, y);
      expect(Number.isFinite(logs.loss)).toBe(true);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      const h = await m.fit(xs, y, { epochs: 1, verbose: 0 });
      expect(h.history.loss.every(Number.isFinite)).toBe(true);
    }
  });

  it('fromLogits losses and sigmoid + binary cross-entropy stay finite', async () => {
    const ones = tf.ones([64, 3]);
    for (const [act, loss, y] of [
      ['linear', tf.losses.sparseCategoricalCrossentropy({ fromLogits: true }), labels],
      ['linear', tf.losses.binaryCrossentropy({ fromLogits: true }), ones],
      ['sigmoid', 'binaryCrossentropy', ones],
    ] as const) {
      const { logs } = await withHugeLogits(act, loss, y);
      expect(Number.isFinite(logs.loss)).toBe(true);
    }
  });

  it('the softmax ops saturate instead of overflowing', () => {
    const logits = tf.tensor2d([[1e30, -1e30, 0], [3e38, 3e38, -3e38]]);
    const p = tf.softmax(logits).arraySync() as number[][];
    expect(p[0]).toEqual([1, 0, 0]);
    expect(p[1][0]).toBeCloseTo(0.5);
    expect(p[1][2]).toBe(0);
    expect(Array.from(tf.logSoftmax(logits).dataSync()).filter((v) => !Number.isFinite(v) && v !== -Infinity)).toEqual([]);
  });
});
