// The callbacks inside a real fit: a one-unit dense model, SGD, MSE.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';

afterEach(() => vi.restoreAllMocks());
const dir = mkdtempSync(join(tmpdir(), 'tensorforge-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// y = 2 a - b + 0.5 on 8 samples.
const xs = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], [1, 2], [-1, 0.5], [0.5, -1]];
const x = tf.tensor2d(xs);
const y = tf.tensor2d(xs.map(([a, b]) => [2 * a - b + 0.5]));

function model(): tf.Sequential {
  const m = tf.sequential([tf.layers.dense({ units: 1, inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

const flat = (ws: tf.Tensor[]) => ws.flatMap((w) => Array.from(w.dataSync()));

/** Records the weights at every epoch end (place it before the callback under test). */
class WeightRecorder extends tf.Callback {
  readonly weights: number[][] = [];
  override onEpochEnd(): void {
    this.weights.push(flat(this.model!.getWeights()));
  }
}

describe('callbacks in fit', () => {
  it('a hook that is not a function is a TypeError naming fit, checked up front and again at each call (was: a raw "is not a function", fuzz seed 31337)', async () => {
    const m = model();
    await expect(m.fit(x, y, { verbose: 0, callbacks: [{ onTrainBegin: 3 } as never] })).rejects.toThrow('fit: callback hook onTrainBegin must be a function, got 3');
    // A getter that answers a function when fit checks it and a number when the hook is called.
    let reads = 0;
    const shifty = Object.defineProperty({}, 'onEpochEnd', { get: () => (++reads > 1 ? 'later' : () => undefined) });
    const err = await m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [shifty] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String((err as Error).message)).toBe("fit: callback hook onEpochEnd must be a function, got 'later'");
    const ds = tf.data.array([{ xs: x, ys: y }]);
    await expect(m.fitDataset(ds, { verbose: 0, callbacks: [{ onBatchEnd: {} } as never] })).rejects.toThrow(/^fitDataset: callback hook onBatchEnd must be a function/);
    // Still usable.
    expect((await m.fit(x, y, { epochs: 1, verbose: 0 })).history.loss).toHaveLength(1);
  });

  it('earlyStopping stops fit early', async () => {
    // A minDelta no epoch can reach: epoch 0 sets the best, epoch 1 exhausts patience 1.
    const h = await model().fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, callbacks: [tf.callbacks.earlyStopping({ monitor: 'loss', minDelta: 1e6, patience: 1 })] });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.loss.length).toBeLessThan(10);
  });

  it('earlyStopping on val_loss (the default monitor) with validationData', async () => {
    const es = tf.callbacks.earlyStopping({ minDelta: 1e6 });
    const h = await model().fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: es });
    expect(h.epoch).toEqual([0, 1]);
    expect(es.stoppedEpoch).toBe(1);
  });

  it('earlyStopping with restoreBestWeights leaves the best epoch\'s weights in the model', async () => {
    const m = model();
    const rec = new WeightRecorder();
    const es = tf.callbacks.earlyStopping({ monitor: 'loss', minDelta: 1e6, patience: 2, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, callbacks: [rec, es] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(rec.weights[2]).not.toEqual(rec.weights[0]);
    expect(flat(m.getWeights())).toEqual(rec.weights[0]);
  });

  it('earlyStopping without validation data warns once about val_loss and trains every epoch', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const h = await model().fit(x, y, { epochs: 3, verbose: 0, callbacks: [tf.callbacks.earlyStopping()] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/'val_loss' which is not available .*validationSplit/);
  });

  it('learningRateScheduler changes the model\'s learning rate', async () => {
    const m = model();
    expect(m.getLearningRate()).toBeCloseTo(0.01, 7);
    const seen: number[] = [];
    const h = await m.fit(x, y, {
      epochs: 3, verbose: 0,
      callbacks: tf.callbacks.learningRateScheduler((epoch, lr) => {
        seen.push(lr);
        return 0.05 * 0.5 ** epoch;
      }),
    });
    // Tolerance: the rate is stored in float32 (~6e-8 relative).
    expect(m.getLearningRate()).toBeCloseTo(0.0125, 8);
    expect(seen.length).toBe(3);
    [0.01, 0.05, 0.025].forEach((v, i) => expect(seen[i]).toBeCloseTo(v, 8));
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('reduceLROnPlateau reduces the model\'s learning rate', async () => {
    const m = model();
    const seen: number[] = [];
    const after = { onEpochEnd: (_e: number, logs?: tf.Logs) => void seen.push(logs!.learning_rate) };
    await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [tf.callbacks.reduceLROnPlateau({ monitor: 'loss', minDelta: 1e6, patience: 1, factor: 0.5 }), after] });
    // Epoch 0 improves on +Infinity; epochs 1 and 2 each halve the rate.
    expect(m.getLearningRate()).toBeCloseTo(0.0025, 8);
    [0.01, 0.01, 0.005].forEach((v, i) => expect(seen[i]).toBeCloseTo(v, 8));
  });

  it('csvLogger writes the epoch logs of fit, including learning_rate from a callback before it', async () => {
    const f = join(dir, 'fit.csv');
    await model().fit(x, y, {
      epochs: 3, verbose: 0, validationSplit: 0.25,
      callbacks: [tf.callbacks.reduceLROnPlateau({ monitor: 'val_loss' }), tf.callbacks.csvLogger(f)],
    });
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines[0]).toBe('epoch,learning_rate,loss,val_loss');
    expect(lines.length).toBe(5);
    expect(lines[4]).toBe('');
    for (let e = 0; e < 3; e++) {
      const cells = lines[e + 1].split(',').map(Number);
      expect(cells[0]).toBe(e);
      expect(cells[1]).toBeCloseTo(0.01, 8);
      expect(Number.isFinite(cells[2]) && Number.isFinite(cells[3])).toBe(true);
    }
  });

  it('terminateOnNaN runs in fit and stops on a non-finite loss', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    // float32 overflow: predictions ~1e20 square to +Infinity.
    const big = tf.tensor2d(xs.map(([a, b]) => [a * 1e20 + 1e20, b * 1e20]));
    const h = await model().fit(big, y, { epochs: 5, batchSize: 8, verbose: 0, callbacks: [tf.callbacks.terminateOnNaN()] });
    expect(h.epoch).toEqual([0]);
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('Batch 0: Invalid loss, terminating training');
  });
});
