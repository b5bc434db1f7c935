// README, "Determinism": with the same seed and the same thread count, two
// runs give bit-identical weights — here with products large enough to be
// split across 2 BLAS threads. native/gemm.cc (threadsForGemm) gives a
// product one thread per 8 MFLOP with OpenBLAS, 32 MFLOP with BLIS; every
// product of the hidden layers below, at batch 256, is at least
// 2·256·512·512 = 134 MFLOP, so with a budget of 2 cores each runs on 2
// threads with either BLAS. On 2 threads, where the AVX-512 kernel's helper
// threads exist, the steps also split by rows (native/trainer.h,
// splitSteps): each half of a batch runs forward and backward on its own
// thread, with its own dropout generator, and the halves' gradients are
// summed. (No portable way to observe the splits from here: the sizing is
// the argument.)
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const initialThreads = tf.getNumThreads();
afterAll(() => tf.setNumThreads(initialThreads));

async function train(threads: number, seed: number): Promise<Float32Array[]> {
  tf.setNumThreads(threads);
  tf.setSeed(11);
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 512, inputShape: [784], activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([1024, 784], 0, 1, 'float32', 2);
  const y = tf.randomUniform([1024], 0, 10, 'int32', 3);
  await m.fit(x, y, { epochs: 2, batchSize: 256, verbose: 0, seed, validationSplit: 0.25 });
  return m.getWeights().map((w) => w.dataSync() as Float32Array);
}

const sameBits = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((w, i) => w.length === b[i].length && Buffer.compare(Buffer.from(w.buffer, w.byteOffset, w.byteLength), Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)) === 0);

describe('determinism with multi-threaded products', () => {
  it('two seeded fits on 2 threads give bit-identical weights (shuffle, dropout, Adam, validation split)', async () => {
    const a = await train(2, 5);
    const b = await train(2, 5);
    expect(sameBits(a, b)).toBe(true);
    // The seed matters: another one gives other weights (so equality above is not vacuous).
    const c = await train(2, 6);
    expect(sameBits(a, c)).toBe(false);
  });

  it('and on 1 thread, run after 2-thread runs in the same process', async () => {
    const a = await train(1, 5);
    await train(2, 5);
    const b = await train(1, 5);
    expect(sameBits(a, b)).toBe(true);
  });
});

// A convolutional model splits its steps the same way (conv2d, pooling,
// flatten and dense all treat samples independently): the same bits every
// run, and the weights of whole-batch steps up to float rounding. SGD, so a
// rounding difference in a near-zero gradient stays a rounding difference
// (Adam's m / sqrt(v) would blow it up to a whole learning-rate step).
async function trainConv(threads: number): Promise<Float32Array[]> {
  tf.setNumThreads(threads);
  tf.setSeed(4);
  const m = tf.sequential({
    layers: [
      // 2·64·12·12·32·72 = 42 MFLOP per forward product at batch 64: worth 2 threads.
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [14, 14, 8] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: tf.train.sgd(0.05), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomUniform([320, 14, 14, 8], 0, 1, 'float32', 8);
  const y = tf.randomUniform([320], 0, 10, 'int32', 9);
  await m.fit(x, y, { epochs: 2, batchSize: 64, verbose: 0, seed: 3 });
  return m.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('determinism with steps split by rows', () => {
  it('a convnet on 2 threads: the same bits twice, and the 1-thread weights to rounding', async () => {
    const a = await trainConv(2);
    const b = await trainConv(2);
    expect(sameBits(a, b)).toBe(true);
    const one = await trainConv(1);
    let worst = 0;
    one.forEach((w, i) => w.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - a[i][j])); }));
    expect(worst).toBeLessThan(1e-4);
  });
});
