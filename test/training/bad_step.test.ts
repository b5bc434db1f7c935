// README, "Numerical faults": when a batch's loss or gradient is not finite,
// fit stops after that batch and skips its update, "so the weights keep their
// last finite values". Checked bit for bit against the weights before the bad
// batch: a second model, from the same initial weights and optimizer, trained
// on only the batches before it. Two bad batches: one whose loss overflows,
// and one whose loss stays finite while part of one layer's gradient
// overflows (so a check of the loss alone, or of only some of the gradients,
// would let a partial or non-finite update through).
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from './reference';

const BATCH = 8;
const GOOD_BATCHES = 4;
/** The sample of the bad batch that carries the fault. */
const BAD_ROW = GOOD_BATCHES * BATCH + 3;

interface Data { x: Float32Array; y: Float32Array; n: number }

/** GOOD_BATCHES good batches, then one with a sample whose features are 1e30: its squared error overflows float32. */
function lossOverflows(): Data {
  const r = new Rng(41);
  const n = (GOOD_BATCHES + 2) * BATCH;
  const x = r.array(n * 3, -1, 1);
  const y = r.array(n, -1, 1);
  x.fill(1e30, BAD_ROW * 3, (BAD_ROW + 1) * 3);
  return { x, y, n };
}

/**
 * Feature 2 is 0 in every good batch and the first kernel's row for it is 0
 * (see `zeroRow`), so that row never trains; the bad sample has 3e38 there
 * and a target of 100. Its forward pass is finite (3e38 · 0 = 0) and so is
 * the loss, but that row's gradient, 3e38 times an error of ~25 pushed back
 * through the second kernel, overflows: the rest of the gradient is finite.
 */
function gradientOverflows(): Data {
  const r = new Rng(42);
  const n = (GOOD_BATCHES + 2) * BATCH;
  const x = r.array(n * 3, -1, 1);
  const y = r.array(n, -1, 1);
  for (let i = 0; i < n; i++) x[i * 3 + 2] = 0;
  x[BAD_ROW * 3 + 2] = 3e38;
  y[BAD_ROW] = 100;
  return { x, y, n };
}

/** The initial weights with the first kernel's row for feature 2 set to 0, and every second-kernel weight at least 0.2 away from 0. */
function zeroRow(ws: tf.Tensor[]): tf.Tensor[] {
  const [k1, b1, k2, b2] = ws.map((w) => w.dataSync().slice() as Float32Array);
  k1.fill(0, 2 * 4, 3 * 4);
  for (let i = 0; i < k2.length; i++) k2[i] = (k2[i] < 0 ? -0.2 : 0.2) + k2[i];
  return [tf.tensor(k1, [3, 4]), tf.tensor(b1, [4]), tf.tensor(k2, [4, 1]), tf.tensor(b2, [1])];
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
  const optimizers = [
    ['SGD', () => tf.optimizers.sgd({ learningRate: 0.1 })],
    ['Adam', () => tf.optimizers.adam({ learningRate: 0.01 })],
    ['RMSprop with momentum', () => tf.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.9 })],
  ] as const;
  const faults = [
    ['the loss overflows', lossOverflows, (ws: tf.Tensor[]) => ws, false],
    ['the loss is finite, part of one kernel\'s gradient overflows', gradientOverflows, zeroRow, true],
  ] as const;
  for (const [fault, data, prepare, finiteLoss] of faults) {
    for (const [name, optimizer] of optimizers) {
      it(`${name}: ${fault}`, async () => {
        const { x, y, n } = data();
        const init = prepare(model(optimizer, null).getWeights());

        // Reference: the same steps on the good batches only.
        const good = model(optimizer, init);
        const goodN = GOOD_BATCHES * BATCH;
        await good.fit(tf.tensor(x.subarray(0, goodN * 3), [goodN, 3]), tf.tensor(y.subarray(0, goodN), [goodN, 1]),
          { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
        const before = bits(good.getWeights());
        expect(before).not.toEqual(bits(init)); // the good batches did train
        if (finiteLoss) {
          // The bad batch's fault is where it is meant to be: a finite loss, and
          // a gradient that is finite except in the first kernel's row 2.
          const g = good.computeGradients(tf.tensor(x.subarray(goodN * 3, (goodN + BATCH) * 3), [BATCH, 3]),
            tf.tensor(y.subarray(goodN, goodN + BATCH), [BATCH, 1]));
          expect(Number.isFinite(g.loss)).toBe(true);
          const bad = Array.from(g.grads.keys()).filter((i) => !Number.isFinite(g.grads[i]));
          expect(bad.length).toBeGreaterThan(0);
          expect(bad.every((i) => i >= 8 && i < 12)).toBe(true); // kernel 1 is [3, 4], row-major: row 2 is 8..11
        }

        const m = model(optimizer, init);
        const losses: number[] = [];
        const h = await m.fit(tf.tensor(x, [n, 3]), tf.tensor(y, [n, 1]),
          { epochs: 3, batchSize: BATCH, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_b, l) => void losses.push(l!.loss) } });
        // Stopped after the bad batch (index GOOD_BATCHES), which is recorded.
        expect(losses).toHaveLength(GOOD_BATCHES + 1);
        expect(losses.slice(0, GOOD_BATCHES).every(Number.isFinite)).toBe(true);
        expect(Number.isFinite(losses[GOOD_BATCHES])).toBe(finiteLoss);
        expect(h.epoch).toEqual([0]);
        // Nothing of the bad step applied, to any layer.
        expect(bits(m.getWeights()), 'the weights after the bad batch vs after the good ones alone').toEqual(before);
        // And training can continue from there.
        await m.fit(tf.tensor(x.subarray(0, goodN * 3), [goodN, 3]), tf.tensor(y.subarray(0, goodN), [goodN, 1]), { epochs: 1, batchSize: BATCH, verbose: 0 });
        expect(bits(m.getWeights()).flat().every(Number.isFinite)).toBe(true);
      });
    }
  }
});
