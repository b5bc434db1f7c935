// tensorforge in several worker_threads at once (issue 23): each worker loads
// the addon, trains a seeded model and predicts, while the main thread trains
// the same model beside them; the core budget is shared by all. A seeded fit
// gives the same weights whether or not others run beside it (README), so
// every run must match a run made alone, bit for bit.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const INDEX = path.resolve(__dirname, '../../src/index.ts');

// Shared by the workers (as source) and the main thread (as a function).
const TRAIN = `
async function train(tf, seed) {
  tf.setSeed(seed);
  const n = 256;
  const x = tf.randomUniform([n, 20], -1, 1, 'float32', seed);
  const y = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % 4), 'int32');
  const model = tf.sequential({ layers: [
    tf.layers.dense({ units: 64, inputShape: [20], activation: 'relu' }),
    tf.layers.dense({ units: 4, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed });
  const prediction = Array.from(model.predict(tf.slice(x, [0, 0], [4, 20])).dataSync());
  const asyncPrediction = Array.from((await model.predictAsync(tf.slice(x, [0, 0], [4, 20]))).dataSync());
  return { weights: model.getWeights().map((w) => Array.from(w.dataSync())), prediction, asyncPrediction };
}`;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const train = new Function(`${TRAIN}; return train;`)() as (t: typeof tf, seed: number) => Promise<{ weights: number[][]; prediction: number[]; asyncPrediction: number[] }>;

function inWorker(seed: number): Promise<Awaited<ReturnType<typeof train>>> {
  const source = `require('tsx/cjs/api').register();
    const tf = require(${JSON.stringify(INDEX)});
    ${TRAIN}
    train(tf, ${seed}).then((r) => require('node:worker_threads').parentPort.postMessage(r));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true });
    w.once('message', (r) => {
      resolve(r);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`)); });
  });
}

describe('worker_threads', () => {
  it('train and predict in three workers and the main thread at once, each as it would alone', async () => {
    const seeds = [11, 12, 13];
    const alone: Record<number, Awaited<ReturnType<typeof train>>> = {};
    for (const s of [...seeds, 14]) alone[s] = await train(tf, s);
    const [w11, w12, w13, main14] = await Promise.all([...seeds.map(inWorker), train(tf, 14)]);
    for (const [s, r] of [[11, w11], [12, w12], [13, w13], [14, main14]] as const) {
      expect(r.weights, `seed ${s}`).toEqual(alone[s].weights);
      expect(r.prediction, `seed ${s}`).toEqual(alone[s].prediction);
      expect(r.asyncPrediction, `seed ${s}`).toEqual(alone[s].prediction);
    }
    // Different seeds really train different models (the comparison is not vacuous).
    expect(w11.weights).not.toEqual(w12.weights);
  }, 300_000);
});
