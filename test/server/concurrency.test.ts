// The per-model concurrency contract (README, "Servers and concurrency"):
// fit holds the model, a second fit rejects; predictAsync/evaluate during fit
// wait for the running training chunk and read a consistent snapshot;
// setWeights during fit rejects; AbortSignal stops fit and predictAsync and
// leaves the model usable; many predictAsync calls at once are correct;
// different models train in parallel; all native jobs share one core budget.
// Data: the Fashion-MNIST subset bundled with tensorforge (10,000 + 2,000).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { Sequential, Tensor } from '../../src/index';
import { native } from '../../src/native';
import { allFinite, maxAbsDiff, rejection, rows, sameWeights, seedModel, untilTrainingChunk } from './helpers';

let train: { x: Tensor; y: Tensor };
let test: { x: Tensor; y: Tensor };
let probe: Tensor; // one image: the cheapest "is a chunk running" probe

beforeAll(async () => {
  const d = await tf.datasets.fashionMnist({ subset: true });
  train = d.train;
  test = d.test;
  probe = rows(test.x, 0, 1);
});

/** A second model with the same architecture holding `weights` (the oracle for a snapshot). */
function cloneWith(weights: Tensor[]): Sequential {
  const m = seedModel();
  m.setWeights(weights);
  return m;
}

describe('many predictAsync calls at once', () => {
  it('200 concurrent predictAsync calls equal the synchronous predictions', async () => {
    const model = seedModel();
    await model.fit(rows(train.x, 0, 2000), rows(train.y, 0, 2000), { epochs: 1, verbose: 0, seed: 3 });
    // 200 requests of 1..64 images from different places of the test set.
    const inputs = Array.from({ length: 200 }, (_, i) => {
      const start = (i * 37) % 1900;
      return rows(test.x, start, start + 1 + (i % 64));
    });
    const expected = inputs.map((x) => model.predict(x));
    const got = await Promise.all(inputs.map((x) => model.predictAsync(x)));
    got.forEach((p, i) => {
      expect(p.shape).toEqual(expected[i].shape);
      // Same kernels on the same rows; the tolerance only covers a different BLAS thread split.
      expect(maxAbsDiff(p.values, expected[i].values)).toBeLessThanOrEqual(1e-6);
    });
  });

  it('the workspace a model keeps between predictions carries nothing from one call to the next', async () => {
    const model = seedModel();
    await model.fit(rows(train.x, 0, 1000), rows(train.y, 0, 1000), { epochs: 1, verbose: 0, seed: 4 });
    const oracle = cloneWith(model.getWeights());
    const big = rows(test.x, 0, 1000);
    const small = rows(test.x, 1000, 1003);
    // Reference: each call on a fresh model, whose workspace is new.
    const expectBig = cloneWith(model.getWeights()).predict(big, { batchSize: 1000 });
    const expectSmall = oracle.predict(small, { batchSize: 3 });
    // Large then small and back, sync and async, on the one model (one kept workspace each).
    for (let round = 0; round < 2; round++) {
      expect(maxAbsDiff(model.predict(big, { batchSize: 1000 }).values, expectBig.values)).toBe(0);
      expect(maxAbsDiff(model.predict(small, { batchSize: 3 }).values, expectSmall.values)).toBe(0);
      const [a, b, c] = await Promise.all([
        model.predictAsync(big, { batchSize: 1000 }),
        model.predictAsync(small, { batchSize: 3 }),
        model.predictAsync(big, { batchSize: 1000 }),
      ]);
      expect(maxAbsDiff(a.values, expectBig.values)).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(b.values, expectSmall.values)).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(c.values, expectBig.values)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('sync predict runs alongside predictAsync calls in flight (they only read)', async () => {
    const model = seedModel();
    const x = rows(test.x, 0, 500);
    const pending = Array.from({ length: 20 }, () => model.predictAsync(x));
    const sync = model.predict(x);
    for (const p of await Promise.all(pending)) expect(maxAbsDiff(p.values, sync.values)).toBeLessThanOrEqual(1e-6);
  });
});

describe('fit holds the model', () => {
  it('a second fit on a training model rejects with a clear Error; the first completes; then fit works again', async () => {
    const model = seedModel();
    const first = model.fit(train.x, train.y, { epochs: 2, verbose: 0 });
    const e = (await rejection(model.fit(train.x, train.y, { epochs: 1, verbose: 0 }))) as Error;
    expect(e.constructor).toBe(Error);
    expect(e.message).toMatch(/fit: model '.*' is already training; wait for the running fit to finish/);
    await expect(model.trainOnBatch(rows(train.x, 0, 32), rows(train.y, 0, 32))).rejects.toThrow(/trainOnBatch: .* is training/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(/compile: the model is training/);
    const h = await first;
    expect(h.history.loss).toHaveLength(2);
    const again = await model.fit(rows(train.x, 0, 500), rows(train.y, 0, 500), { epochs: 1, verbose: 0 });
    expect(Number.isFinite(again.history.loss[0])).toBe(true);
  });

  it('setWeights during fit rejects (from outside and from a callback); getWeights and predict work between chunks', async () => {
    const model = seedModel();
    const w0 = model.getWeights();
    const fromCallback: Error[] = [];
    let predictedInCallback: Tensor | null = null;
    const fitting = model.fit(train.x, train.y, {
      epochs: 3, verbose: 0,
      callbacks: {
        onBatchEnd: (batch) => {
          if (batch !== 5) return;
          expect(model.getWeights()).toHaveLength(4);
          predictedInCallback = model.predict(probe);
          try {
            model.setWeights(w0);
          } catch (e) {
            fromCallback.push(e as Error);
          }
        },
      },
    });
    await untilTrainingChunk(model, probe, fitting);
    expect(() => model.setWeights(w0)).toThrow(/setWeights: model '.*' is training; set weights before or after fit/);
    expect(() => model.layers[0].setWeights(w0.slice(0, 2))).toThrow(/setWeights: model '.*' is training/);
    expect(() => model.predict(probe)).toThrow(/predict: model '.*' is running native work \(training\); use predictAsync\(\)/);
    await fitting;
    expect(fromCallback.length).toBeGreaterThan(0);
    expect(fromCallback[0].message).toMatch(/is training/);
    expect(predictedInCallback).not.toBeNull();
    model.setWeights(w0);
    expect(sameWeights(model.getWeights(), w0)).toBe(true);
  });

  it('setWeights while predictAsync is in flight rejects instead of tearing the weights', async () => {
    const model = seedModel();
    const w0 = model.getWeights();
    const pending = model.predictAsync(test.x, { batchSize: 1 });
    expect(() => model.setWeights(w0)).toThrow(/setWeights: model '.*' is running predictAsync\/evaluate; await that work/);
    await pending;
    model.setWeights(w0);
  });
});

describe('readers during fit', () => {
  it('predictAsync and evaluate during fit wait for the running chunk and see one consistent snapshot of the weights', async () => {
    const model = seedModel();
    const px = rows(test.x, 0, 300);
    const py = rows(test.y, 0, 300);
    // Every distinct weight state fit goes through, recorded between chunks.
    const snapshots: Tensor[][] = [model.getWeights()];
    const record = () => {
      const w = model.getWeights();
      if (!sameWeights(w, snapshots[snapshots.length - 1])) snapshots.push(w);
    };
    const fitting = model.fit(train.x, train.y, { epochs: 6, verbose: 0, callbacks: { onBatchEnd: record } });
    let finished = false;
    void fitting.finally(() => (finished = true));
    const readers: { p: Promise<Tensor>; e: Promise<tf.Logs>; duringChunk: boolean }[] = [];
    while (!finished && readers.length < 60) {
      await untilTrainingChunk(model, probe, fitting).catch(() => undefined);
      if (finished) break;
      // Issued while a native training chunk is in flight: both must wait for it.
      readers.push({ p: model.predictAsync(px), e: model.evaluate(px, py), duringChunk: true });
      await new Promise((r) => setTimeout(r, 2));
    }
    await fitting;
    record();
    expect(readers.length).toBeGreaterThan(3);
    expect(snapshots.length).toBeGreaterThan(3);

    // The oracle: each snapshot's predictions and loss, computed by a clone.
    const oracle = snapshots.map((w) => {
      const c = cloneWith(w);
      return { p: c.predict(px), e: c.evaluate(px, py) };
    });
    const oracleLoss = await Promise.all(oracle.map((o) => o.e));
    for (const r of readers) {
      const p = await r.p;
      const e = await r.e;
      const k = oracle.findIndex((o) => maxAbsDiff(o.p.values, p.values) <= 1e-6);
      expect(k).toBeGreaterThanOrEqual(0); // some consistent snapshot, never a half-updated mix
      expect(Math.abs(e.loss - oracleLoss[k].loss)).toBeLessThanOrEqual(1e-6 * Math.abs(oracleLoss[k].loss));
      expect(k).toBeGreaterThan(0); // it waited for at least the chunk that was running
    }
  });

  it('a steady stream of predictAsync does not starve training', async () => {
    const model = seedModel();
    let stop = false;
    let served = 0;
    const x = rows(test.x, 0, 8);
    const streams = [0, 1, 2].map(async () => {
      while (!stop) {
        await model.predictAsync(x);
        served++;
      }
    });
    const h = await model.fit(train.x, train.y, { epochs: 2, verbose: 0 });
    stop = true;
    await Promise.all(streams);
    expect(h.history.loss).toHaveLength(2);
    expect(served).toBeGreaterThan(0);
  });
});

describe('AbortSignal', () => {
  it('abort during a native chunk: fit rejects with signal.reason (AbortError) mid-epoch; weights finite; fit works again', async () => {
    const model = seedModel();
    const ac = new AbortController();
    let batches = 0;
    const fitting = model.fit(train.x, train.y, { epochs: 3, batchSize: 32, verbose: 0, signal: ac.signal, callbacks: { onBatchEnd: () => void batches++ } });
    await untilTrainingChunk(model, probe, fitting);
    ac.abort();
    const e = await rejection(fitting);
    expect(e).toBe(ac.signal.reason);
    expect((e as Error).name).toBe('AbortError');
    expect(batches).toBeLessThan(3 * Math.ceil(10000 / 32));
    const w = model.getWeights();
    expect(allFinite(w)).toBe(true);
    // Usable: predict, predictAsync, another fit.
    expect(allFinite([model.predict(rows(test.x, 0, 10))])).toBe(true);
    const h = await model.fit(rows(train.x, 0, 1000), rows(train.y, 0, 1000), { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    expect(allFinite(model.getWeights())).toBe(true);
  });

  it('the native chunk stops at the next step: abort mid-epoch of a long chunk ends that epoch early', async () => {
    const model = seedModel();
    const ac = new AbortController();
    const seen: number[] = [];
    const steps = Math.ceil(10000 / 8);
    const fitting = model.fit(train.x, train.y, { epochs: 1, batchSize: 8, verbose: 0, signal: ac.signal, callbacks: { onBatchEnd: (b) => void seen.push(b) } });
    // Wait for the second chunk (the first is one batch, to time the rest) and abort inside it.
    while (seen.length === 0) await new Promise((r) => setImmediate(r));
    await untilTrainingChunk(model, probe, fitting);
    ac.abort(new Error('stop now'));
    const e = await rejection(fitting);
    expect((e as Error).message).toBe('stop now');
    expect(seen.length).toBeLessThan(steps);
    expect(allFinite(model.getWeights())).toBe(true);
  });

  it('an abort between chunks (from a callback) is not lost', async () => {
    const model = seedModel();
    const ac = new AbortController();
    const seen: number[] = [];
    const fitting = model.fit(train.x, train.y, {
      epochs: 5, verbose: 0, signal: ac.signal,
      callbacks: { onBatchEnd: (b) => { seen.push(b); if (seen.length === 1) ac.abort(); } },
    });
    expect(await rejection(fitting)).toBe(ac.signal.reason);
    expect(seen).toEqual([0]); // the first chunk is one batch; nothing ran after the abort
  });

  it('an already aborted signal rejects before any step and leaves the weights untouched', async () => {
    const model = seedModel();
    const w0 = model.getWeights();
    const reason = new Error('cancelled by the caller');
    await expect(model.fit(train.x, train.y, { verbose: 0, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(model.predictAsync(probe, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(sameWeights(model.getWeights(), w0)).toBe(true);
  });

  it('predictAsync: abort rejects at once with the reason, while computing or while waiting for a training chunk', async () => {
    const model = seedModel();
    // Computing: 10,000 images one by one.
    const ac1 = new AbortController();
    const big = model.predictAsync(train.x, { batchSize: 1, signal: ac1.signal });
    ac1.abort();
    const e1 = await rejection(big);
    expect((e1 as Error).name).toBe('AbortError');
    // Waiting for a chunk of a running fit.
    const fitting = model.fit(train.x, train.y, { epochs: 2, verbose: 0 });
    await untilTrainingChunk(model, probe, fitting);
    const ac2 = new AbortController();
    const waiting = model.predictAsync(rows(test.x, 0, 100), { signal: ac2.signal });
    ac2.abort();
    expect(await rejection(waiting)).toBe(ac2.signal.reason);
    await fitting;
    // Still usable and correct.
    const x = rows(test.x, 0, 50);
    expect(maxAbsDiff((await model.predictAsync(x)).values, model.predict(x).values)).toBeLessThanOrEqual(1e-6);
    expect(native.coreBudget().inUse).toBeLessThanOrEqual(native.coreBudget().total);
  });

  it('rejects a signal that is not an AbortSignal', async () => {
    const model = seedModel();
    await expect(model.fit(train.x, train.y, { verbose: 0, signal: {} as AbortSignal })).rejects.toThrow(TypeError);
    await expect(model.predictAsync(probe, { signal: 'x' as unknown as AbortSignal })).rejects.toThrow(/signal must be an AbortSignal/);
  });
});

describe('different models', () => {
  it('train in parallel without interfering: the same seed gives the same weights as training alone', async () => {
    const x = rows(train.x, 0, 3000);
    const y = rows(train.y, 0, 3000);
    const w0 = seedModel(99).getWeights();
    const alone = cloneWith(w0);
    await alone.fit(x, y, { epochs: 2, verbose: 0, seed: 5 });
    const a = cloneWith(w0);
    const b = cloneWith(w0);
    const c = seedModel(7); // a different model training at the same time
    await Promise.all([
      a.fit(x, y, { epochs: 2, verbose: 0, seed: 5 }),
      b.fit(x, y, { epochs: 2, verbose: 0, seed: 5 }),
      c.fit(x, y, { epochs: 2, verbose: 0, seed: 6 }),
      ...Array.from({ length: 50 }, () => c.predictAsync(rows(test.x, 0, 20))),
    ]);
    // Single-threaded GEMMs at batch 32 (threadsForGemm), so runs are bit-identical.
    expect(sameWeights(a.getWeights(), alone.getWeights())).toBe(true);
    expect(sameWeights(b.getWeights(), alone.getWeights())).toBe(true);
  });
});

describe('thread policy: one core budget for all native jobs', () => {
  it('jobs never hold more core tokens than setNumThreads allows, and give them all back', async () => {
    const original = tf.getNumThreads();
    try {
      for (const n of [1, original]) {
        tf.setNumThreads(n);
        expect(native.coreBudget(true).total).toBe(n);
        const m1 = seedModel(1);
        const m2 = seedModel(2);
        const x = rows(train.x, 0, 2000);
        const y = rows(train.y, 0, 2000);
        const preds = Array.from({ length: 100 }, (_, i) => m1.predictAsync(rows(test.x, i, i + 64), { batchSize: 64 }));
        await Promise.all([m1.fit(x, y, { epochs: 1, verbose: 0, batchSize: 256 }), m2.fit(x, y, { epochs: 1, verbose: 0 }), ...preds, m2.evaluate(test.x, test.y)]);
        const b = native.coreBudget();
        expect(b.peak).toBeGreaterThanOrEqual(1);
        expect(b.peak).toBeLessThanOrEqual(n);
        expect(b.inUse).toBe(0);
      }
    } finally {
      tf.setNumThreads(original);
    }
    expect(tf.getNumThreads()).toBe(original);
    expect(tf.backendInfo().threads).toBe(original);
  });
});
