// fitDataset / evaluateDataset: training from a Dataset gives the same model as
// in-memory fit over the same batches, and bad data stops training cleanly.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const n = 50, features = 6, classes = 3;
const xAll = tf.randomUniform([n, features], -1, 1, 'float32', 5);
const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
const yAll = tf.tensor1d(labels, 'int32');
const rows = Array.from({ length: n }, (_, i) => ({ xs: Array.from(tf.slice(xAll, [i, 0], [1, features]).dataSync()), ys: labels[i] }));

function model() {
  tf.setSeed(3);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [features], activation: 'relu' }), tf.layers.dense({ units: classes, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  m.predict(tf.zeros([1, features]));
  return m;
}
const weightsOf = (m: tf.Sequential) => m.getWeights().map((w) => Array.from(w.dataSync()));
/** The batches as { xs, ys } tensors (the int32 labels stay int32). */
const batched = (size: number) => tf.data.array(rows).batch(size).map((b) => {
  const e = b as { xs: tf.Tensor; ys: tf.Tensor };
  return { xs: e.xs, ys: tf.tensor1d(Int32Array.from(e.ys.dataSync()), 'int32') };
});

describe('fitDataset', () => {
  it('gives the same weights and history as fit over the same batches (streaming = in memory)', async () => {
    const a = model(), b = model();
    const ha = await a.fit(xAll, yAll, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const hb = await b.fitDataset(batched(8), { epochs: 3, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(hb.history.accuracy).toEqual(ha.history.accuracy);
  });

  it('reads a generator afresh each epoch; batchesPerEpoch reads on across epochs and names a dataset that ends early', async () => {
    let passes = 0;
    const ds = tf.data.generator(function* () {
      passes++;
      for (let i = 0; i < n; i += 10) yield [tf.slice(xAll, [i, 0], [10, features]), tf.tensor1d(labels.slice(i, i + 10), 'int32')];
    });
    const m = model();
    const h = await m.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(passes).toBe(2);
    expect(h.history.loss).toHaveLength(2);
    const seen: number[] = [];
    passes = 0;
    await model().fitDataset(ds.repeat(), { epochs: 3, batchesPerEpoch: 3, verbose: 0, callbacks: { onBatchEnd: (b: number) => { seen.push(b); } } });
    expect(seen).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(passes).toBe(2); // 9 batches of a 5-batch dataset: one iterator, read on
    await expect(model().fitDataset(ds, { epochs: 1, batchesPerEpoch: 7, verbose: 0 })).rejects.toThrow(/^fitDataset: the dataset ended after 5 batches of epoch 0, but batchesPerEpoch is 7/);
  });

  it('validates on [x, y] tensors or a Dataset, and evaluateDataset equals evaluate', async () => {
    const m = model();
    const h = await m.fitDataset(batched(10), { epochs: 2, verbose: 0, validationData: batched(25) });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    const viaTensors = await m.fitDataset(batched(10), { epochs: 1, verbose: 0, validationData: [xAll, yAll] });
    expect(viaTensors.history.val_loss).toHaveLength(1);
    const e1 = await m.evaluate(xAll, yAll, { batchSize: 7 });
    const e2 = await m.evaluateDataset(batched(7));
    expect(e2.loss).toBeCloseTo(e1.loss, 6);
    expect(e2.accuracy).toBe(e1.accuracy);
    const firstTwo = await m.evaluateDataset(batched(7), { batches: 2 });
    expect(firstTwo.loss).toBeCloseTo((await m.evaluate(tf.slice(xAll, [0, 0], [14, features]), tf.tensor1d(labels.slice(0, 14), 'int32'))).loss, 6);
  });

  it('sample weights in the elements weight the loss as fit sampleWeight does', async () => {
    const w = Array.from({ length: n }, (_, i) => (i % 5) / 2);
    const a = model(), b = model();
    await a.fit(xAll, yAll, { epochs: 1, batchSize: 10, shuffle: false, verbose: 0, sampleWeight: w });
    const ds = tf.data.generator(function* () {
      for (let i = 0; i < n; i += 10) yield { xs: tf.slice(xAll, [i, 0], [10, features]), ys: tf.tensor1d(labels.slice(i, i + 10), 'int32'), sampleWeight: w.slice(i, i + 10) };
    });
    await b.fitDataset(ds, { epochs: 1, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
  });

  it('a throwing generator, a ragged batch or a non-batch element stops training with an error naming the batch; the model stays usable', async () => {
    const m = model();
    const before = weightsOf(m);
    const throwing = tf.data.generator(function* () {
      yield [tf.slice(xAll, [0, 0], [10, features]), tf.tensor1d(labels.slice(0, 10), 'int32')];
      throw new Error('source went away');
    });
    await expect(m.fitDataset(throwing, { epochs: 1, verbose: 0 })).rejects.toThrow('source went away');
    const wrongWidth = tf.data.array([[tf.zeros([4, features]), tf.tensor1d([0, 1, 2, 0], 'int32')], [tf.zeros([4, features + 1]), tf.tensor1d([0, 1, 2, 0], 'int32')]]);
    await expect(m.fitDataset(wrongWidth, { epochs: 1, verbose: 0 })).rejects.toThrow(/^fitDataset: batch 1: x has per-sample shape \[7\]/);
    await expect(m.fitDataset(tf.data.array([3]), { epochs: 1, verbose: 0 })).rejects.toThrow(/^fitDataset: batch 0: an element must be \{ xs, ys \} or \[xs, ys\]/);
    await expect(m.fitDataset(tf.data.array([[tf.fill([2, features], NaN), tf.tensor1d([0, 1], 'int32')]]), { epochs: 1, verbose: 0 })).rejects.toThrow(/^fitDataset: batch 0: x contains NaN/);
    await expect(m.fitDataset([] as never)).rejects.toThrow(/^fitDataset: dataset must be a tf.data Dataset/);
    await expect(m.fitDataset(batched(10), { epoch: 2 } as never)).rejects.toThrow(/unknown option 'epoch'; did you mean 'epochs'\?/);
    // The model trains again afterwards; the first (good) batch of the throwing run did train.
    expect(weightsOf(m)).not.toEqual(before);
    const h = await m.fitDataset(batched(10), { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('an abort stops it at a step boundary and rejects with the reason', async () => {
    const m = model();
    const controller = new AbortController();
    const forever = batched(5).repeat();
    const p = m.fitDataset(forever, { epochs: 1, batchesPerEpoch: 1_000_000, verbose: 0, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 50);
    await expect(p).rejects.toThrow('enough');
    const h = await m.fitDataset(batched(10), { epochs: 1, verbose: 0 });
    expect(h.history.loss).toHaveLength(1);
  });
});
