// README, "Numerical faults": when a batch's loss or gradient is not finite,
// fit stops after that batch and skips its update, "so the weights keep their
// last finite values". Checked bit for bit against the weights before the bad
// batch: a second model, from the same initial weights and optimizer, trained
// on only the batches before it.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from './reference';

const BATCH = 8;
const GOOD_BATCHES = 4;

/** x: GOOD_BATCHES good batches, then one batch with a sample whose features are 1e30 (its squared error overflows float32). */
function data(): { x: Float32Array; y: Float32Array; n: number } {
  const r = new Rng(41);
  const n = (GOOD_BATCHES + 2) * BATCH;
  const x = r.array(n * 3, -1, 1);
  const y = r.array(n, -1, 1);
  x.fill(1e30, (GOOD_BATCHES * BATCH + 3) * 3, (GOOD_BATCHES * BATCH + 4) * 3);
  return { x, y, n };
}

function model(optimizer: () => tf.Optimizer, init: tf.Tensor[] | null): tf.Sequential {
  tf.setSeed(5);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'linear' }), tf.layers.dense({ units: 1 })] });
  m.compile({ optimizer: optimizer(), loss: 'meanSquaredError' });
  if (init) m.setWeights(init);
  return m;
}

const bits = (ws: tf.Tensor[]) => ws.map((w) => Array.from(w.dataSync()));

describe('a non-finite batch leaves the weights of the batch before it', () => {
  for (const [name, optimizer] of [
    ['SGD', () => tf.optimizers.sgd({ learningRate: 0.1 })],
    ['Adam', () => tf.optimizers.adam({ learningRate: 0.01 })],
    ['RMSprop with momentum', () => tf.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.9 })],
  ] as const) {
    it(name, async () => {
      const { x, y, n } = data();
      const init = model(optimizer, null).getWeights();

      // Reference: the same steps on the good batches only.
      const good = model(optimizer, init);
      const goodN = GOOD_BATCHES * BATCH;
      await good.fit(tf.tensor(x.subarray(0, goodN * 3), [goodN, 3]), tf.tensor(y.subarray(0, goodN), [goodN, 1]),
        { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
      const before = bits(good.getWeights());
      expect(before).not.toEqual(bits(init)); // the good batches did train

      const m = model(optimizer, init);
      const losses: number[] = [];
      const h = await m.fit(tf.tensor(x, [n, 3]), tf.tensor(y, [n, 1]),
        { epochs: 3, batchSize: BATCH, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_b, l) => void losses.push(l!.loss) } });
      // Stopped after the bad batch (index GOOD_BATCHES), which is recorded.
      expect(losses).toHaveLength(GOOD_BATCHES + 1);
      expect(losses.slice(0, GOOD_BATCHES).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(losses[GOOD_BATCHES])).toBe(false);
      expect(h.epoch).toEqual([0]);
      // Nothing of the bad step applied, to any layer.
      expect(bits(m.getWeights())).toEqual(before);
      // And training can continue from there.
      await m.fit(tf.tensor(x.subarray(0, goodN * 3), [goodN, 3]), tf.tensor(y.subarray(0, goodN), [goodN, 1]), { epochs: 1, batchSize: BATCH, verbose: 0 });
      expect(bits(m.getWeights()).flat().every(Number.isFinite)).toBe(true);
    });
  }
});
