// The event loop stays free while fit trains the seed model on the 60,000
// Fashion-MNIST training images. No wall-clock bound here (it would be a
// verdict about the machine, not the code; `npm run bench:server` reports the
// event-loop delay percentiles): instead, a setImmediate loop in the same
// process probes, at every turn, whether a native training chunk is in
// flight, and must see the loop turn while each chunk runs (chunks are told
// apart by fit's batch events, which it replays between them).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { inTrainingChunk, rows, seedModel } from './helpers';

describe('event loop during fit', () => {
  it('fit on the full Fashion-MNIST training set leaves the event loop turning while native chunks run', async () => {
    // subset: false rejects when dataset-fashion-mnist is not installed (CI installs it).
    const { train } = await tf.datasets.fashionMnist({ subset: false });
    expect(train.x.shape).toEqual([60000, 784]);
    const model = seedModel();
    const probe = rows(train.x, 0, 1);

    let done = false;
    let turns = 0;
    let turnsInChunk = 0;
    // A chunk's batch events are replayed together when it ends: each run of
    // onBatchEnd calls with no turn of the loop between them is one chunk.
    let bursts = 0;
    let burstsAfterTurnInChunk = 0; // chunks during which the loop turned while the chunk ran
    let turnedInChunk = false;
    let lastEvent: 'turn' | 'batch' = 'turn';
    const onBatchEnd = () => {
      if (lastEvent === 'turn') {
        bursts++;
        if (turnedInChunk) burstsAfterTurnInChunk++;
        turnedInChunk = false;
      }
      lastEvent = 'batch';
    };
    const spin = () => {
      if (done) return;
      turns++;
      lastEvent = 'turn';
      if (inTrainingChunk(model, probe)) {
        turnsInChunk++;
        turnedInChunk = true;
      }
      setImmediate(spin);
    };
    // Diagnostic only: the delay distribution, printed, not asserted.
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    setImmediate(spin);
    let history: tf.History;
    try {
      history = await model.fit(train.x, train.y, {
        epochs: 1, batchSize: 32, verbose: 0,
        callbacks: { onBatchEnd },
      });
    } finally {
      done = true;
      histogram.disable();
    }
    console.log(`event loop during fit: ${turns} turns, ${turnsInChunk} while a native chunk ran; ${bursts} chunks, ${burstsAfterTurnInChunk} of them with a turn while they ran; ` +
      `delay p50 ${(histogram.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms (not asserted)`);
    expect(history.history.loss).toHaveLength(1);
    expect(history.history.acc[0]).toBeGreaterThan(0.7); // it really trained
    // 1875 batches arrive in several chunks, and the loop turned while each
    // ran: native training does not hold the JavaScript thread. (The first
    // chunk is a single batch, sized before any timing is known, and may end
    // before the loop's next turn: it is not counted.)
    expect(bursts).toBeGreaterThanOrEqual(2);
    expect(burstsAfterTurnInChunk).toBeGreaterThanOrEqual(bursts - 1);
  });
});
