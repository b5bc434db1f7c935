// The rows of the model contract (README, "Servers and concurrency") that
// start with readers in flight:
// - evaluate runs | setWeights (model or layer) → throws; the weights are never torn;
// - predictAsync/evaluate run | fit → its first chunk waits for them, and
//   predictions that arrive while that chunk is waiting queue behind it.
// Data: the bundled Fashion-MNIST subset.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { Tensor } from '../../src/index';
import { maxAbsDiff, rows, sameWeights, seedModel } from './helpers';

let train: { x: Tensor; y: Tensor };
let test: { x: Tensor; y: Tensor };

beforeAll(async () => {
  const d = await tf.datasets.fashionMnist({ subset: true });
  train = d.train;
  test = d.test;
});

describe('setWeights while evaluate is in flight', () => {
  it('throws for the model and for a layer; the evaluation reads the weights it started with', async () => {
    const model = seedModel(21);
    const w0 = model.getWeights();
    const other = seedModel(22).getWeights();
    const pending = model.evaluate(test.x, test.y, { batchSize: 1 }); // 2000 native steps
    expect(() => model.setWeights(other)).toThrow(/setWeights: model '.*' is running predictAsync\/evaluate; await that work/);
    expect(() => model.layers[0].setWeights(other.slice(0, 2))).toThrow(/running predictAsync\/evaluate/);
    const logs = await pending;
    // Nothing was written: the weights are w0, and the evaluation matches a clone holding w0.
    expect(sameWeights(model.getWeights(), w0)).toBe(true);
    const clone = seedModel(23);
    clone.setWeights(w0);
    const want = await clone.evaluate(test.x, test.y, { batchSize: 1 });
    expect(logs.loss).toBe(want.loss);
    expect(logs.accuracy).toBe(want.accuracy);
    // Once it is done, setWeights works.
    model.setWeights(other);
    expect(sameWeights(model.getWeights(), other)).toBe(true);
  });
});

describe('readers first, then fit', () => {
  it("fit's first chunk waits for the readers in flight; a prediction issued while it waits queues behind it", async () => {
    const model = seedModel(31);
    const w0 = model.getWeights();
    const probe = rows(test.x, 0, 16);
    const before = model.predict(probe);
    const events: string[] = [];

    // Long readers: batch-1 passes over the 10,000 training images.
    const early = [
      model.predictAsync(train.x, { batchSize: 1 }).then((p) => (events.push('early predictAsync'), p)),
      model.evaluate(train.x, train.y, { batchSize: 1 }).then((e) => (events.push('early evaluate'), e)),
      model.predictAsync(train.x, { batchSize: 1 }).then((p) => (events.push('early predictAsync'), p)),
    ];
    let late: Promise<Tensor> | null = null;
    let earlyDoneWhenLateIssued = -1;
    const fitX = rows(train.x, 0, 512);
    const fitY = rows(train.y, 0, 512);
    const fitting = model.fit(fitX, fitY, {
      epochs: 1, batchSize: 32, verbose: 0, shuffle: false,
      callbacks: {
        // fit takes its writer's place in the queue right after this callback
        // returns (no await in between); the late reader comes one macrotask later.
        onEpochBegin: () => {
          setImmediate(() => {
            earlyDoneWhenLateIssued = events.length;
            late = model.predictAsync(probe).then((p) => (events.push('late predictAsync'), p));
          });
        },
        onBatchEnd: (b) => void events.push(`batch ${b}`),
      },
    });
    const h = await fitting;
    const early0 = await early[0];
    const early1 = await early[1];
    const early2 = await early[2];
    const lateP = await late!;
    expect(h.history.loss).toHaveLength(1);

    // Precondition: the late prediction was issued while every early reader still ran.
    expect(earlyDoneWhenLateIssued).toBe(0);
    // The early readers finished before the first training batch, and saw the initial weights.
    const firstBatch = events.indexOf('batch 0');
    expect(firstBatch).toBeGreaterThanOrEqual(3);
    expect(events.slice(0, 3).sort()).toEqual(['early evaluate', 'early predictAsync', 'early predictAsync']);
    const clone = seedModel(32);
    clone.setWeights(w0);
    const want = await clone.predictAsync(train.x, { batchSize: 1 }); // same batch size: same arithmetic
    expect(maxAbsDiff(early0.values, want.values)).toBe(0);
    expect(maxAbsDiff(early2.values, want.values)).toBe(0);
    expect(early1.loss).toBe((await clone.evaluate(train.x, train.y, { batchSize: 1 })).loss);
    // The late prediction queued behind the waiting chunk: it saw trained
    // weights, not the initial ones (a reader that jumped the queue would
    // have run beside the early ones, on w0).
    expect(maxAbsDiff(lateP.values, before.values)).toBeGreaterThan(1e-4);
    expect(events.indexOf('late predictAsync')).toBeGreaterThan(firstBatch);
  });
});
