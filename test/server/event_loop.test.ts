// The event loop stays free while fit trains the seed model on the 60,000
// Fashion-MNIST training images. No wall-clock bound here (it would be a
// verdict about the machine, not the code; `npm run bench:server` reports the
// event-loop delay percentiles): instead, a setImmediate loop in the same
// process probes, at every turn, whether a native training chunk is in
// flight, and must see the loop turn while each chunk runs (chunks are told
// apart by fit's batch events, which it replays between them).
//
// That probe sees the chunk's hold on the model, which is released on the
// JavaScript thread when the chunk's promise settles: a chunk computed on the
// JavaScript thread itself, before its promise was queued, would still show
// the loop turning "while it runs". The second test tells the two apart
// without a clock: an abort issued on such a turn must cut that very chunk
// short, which it can only do while the chunk is still computing.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { native } from '../../src/native';
import type { NativeChunkResult, NativeModel } from '../../src/native';
import { inTrainingChunk, rejection, rows, seedModel } from './helpers';

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

  it('a chunk computes while the loop turns, not before: an abort issued on such a turn cuts that chunk short', async () => {
    const { train, test } = await tf.datasets.fashionMnist({ subset: true });
    const probe = rows(test.x, 0, 1);
    // What fit asks of each native chunk (its batch count) and what the chunk
    // did, read at the binding's own method.
    const proto = (native.NativeModel as unknown as { prototype: NativeModel }).prototype;
    const original = proto.trainChunk;
    type Chunk = { count: number; result?: NativeChunkResult };
    let chunks: Chunk[] = [];
    proto.trainChunk = function (this: NativeModel, ...args: Parameters<NativeModel['trainChunk']>) {
      const chunk: Chunk = { count: args[1].count };
      chunks.push(chunk);
      const p = original.apply(this, args);
      p.then((r) => { chunk.result = r; }, () => undefined);
      return p;
    };
    const threads = tf.getNumThreads();
    const outcomes: string[] = [];
    let cutShort = false;
    try {
      // One core for the chunk, so this thread keeps the other. Batches of
      // one sample through a 784-256-256-10 model (270,000 weights, so each
      // Adam step moves ~4 MB): fit sizes its chunks to ~50 ms, which is many
      // steps on a fast host and still several on a slow one (or under a
      // sanitizer), and the 8 MB cap on a chunk's rows (2,670 samples) is
      // far off. The abort must arrive before the chunk's last step starts.
      // Rarely this thread is descheduled for that long between the chunk's
      // start and its next turn, so up to three tries; a chunk computed on
      // this thread before the loop turns can never be cut short.
      tf.setNumThreads(1);
      for (let attempt = 0; attempt < 3 && !cutShort; attempt++) {
        chunks = [];
        tf.setSeed(attempt + 1);
        const model = tf.sequential({ layers: [
          tf.layers.dense({ units: 256, inputShape: [784], activation: 'relu' }),
          tf.layers.dense({ units: 256, activation: 'relu' }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ] });
        model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
        const ac = new AbortController();
        const fitting = model.fit(train.x, train.y, { epochs: 1, batchSize: 1, verbose: 0, signal: ac.signal });
        let settled = false;
        void fitting.then(() => (settled = true), () => (settled = true));
        // The first chunk is a single step, timed with the thread hop and the
        // workspace set-up; the next ones grow as fit's per-step estimate (a
        // running mean) settles. From the eighth on they are ~50 ms long.
        while (!(chunks.length >= 8 && chunks[chunks.length - 1].count >= 4 && inTrainingChunk(model, probe))) {
          expect(settled, `fit ended before its eighth chunk, with 4 or more steps, was seen (${chunks.map((c) => c.count).join(', ')})`).toBe(false);
          await new Promise((r) => setImmediate(r));
        }
        const running = chunks[chunks.length - 1];
        ac.abort(new Error('stop now'));
        expect(((await rejection(fitting)) as Error).message).toBe('stop now');
        const r = running.result!;
        expect(r, 'the chunk settled').toBeDefined();
        outcomes.push(`${r.batches} of ${running.count} batches${r.cancelled ? ', cancelled' : ''}`);
        cutShort = r.cancelled && r.batches < running.count;
      }
    } finally {
      proto.trainChunk = original;
      tf.setNumThreads(threads);
    }
    console.log(`abort on a turn of the loop during a chunk: ${outcomes.join('; ')}`);
    expect(cutShort, `chunks aborted on a turn of the loop: ${outcomes.join('; ')}`).toBe(true);
  });
});
