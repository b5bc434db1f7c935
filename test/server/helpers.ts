// Shared pieces of the server/concurrency suites: the seed model, data slices,
// comparisons, and a probe for "a native training chunk is running now".
import * as tf from '../../src/index';
import type { Sequential, Tensor } from '../../src/index';

/** The seed model of the issue: 784-64-10, relu/softmax, adam, sparse cross-entropy. */
export function seedModel(seed = 1234): Sequential {
  tf.setSeed(seed);
  const model = tf.sequential([
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.build([784]);
  return model;
}

/** Rows [start, end) of a tensor's first axis (a copy). */
export function rows(t: Tensor, start: number, end: number): Tensor {
  const per = t.size / t.shape[0];
  return tf.tensor(t.values.slice(start * per, end * per) as Float32Array, [end - start, ...t.shape.slice(1)], t.dtype);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function allFinite(ws: Tensor[]): boolean {
  return ws.every((w) => Array.from(w.values).every(Number.isFinite));
}

export function sameWeights(a: Tensor[], b: Tensor[]): boolean {
  return a.length === b.length && a.every((w, i) => maxAbsDiff(w.values, b[i].values) === 0);
}

/**
 * True while a native training chunk of `model` is in flight: the synchronous
 * predict refuses exactly then (it cannot wait without blocking the event loop).
 */
export function inTrainingChunk(model: Sequential, probe: Tensor): boolean {
  try {
    model.predict(probe);
    return false;
  } catch (e) {
    if (/predictAsync/.test((e as Error).message)) return true;
    throw e;
  }
}

/** Resolves on the first turn of the event loop at which a training chunk is in flight. */
export async function untilTrainingChunk(model: Sequential, probe: Tensor, training: Promise<unknown>): Promise<void> {
  let done = false;
  void training.then(() => (done = true), () => (done = true));
  while (!inTrainingChunk(model, probe)) {
    if (done) throw new Error('fit finished before a training chunk was seen');
    await new Promise((r) => setImmediate(r));
  }
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, got none');
}
