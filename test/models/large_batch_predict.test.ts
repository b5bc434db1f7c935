// A prediction whose batch would need a workspace over the kept size runs in
// smaller batches (native/model.h, inferenceBatch): each sample's output is
// what a small batch size gives (to float32 rounding: a GEMM may sum in
// another order for another number of rows), synchronously and on a worker.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

describe('predict at batch sizes over the kept workspace', () => {
  it('gives what a small batch size gives (a convnet: ~100 KB of workspace per sample)', async () => {
    tf.setSeed(3);
    const model = tf.sequential([
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    const x = tf.randomUniform([700, 28, 28, 1], 0, 1, 'float32', 5);
    const small = (model.predict(x, { batchSize: 16 }) as tf.Tensor).dataSync();
    const large = (model.predict(x, { batchSize: 700 }) as tf.Tensor).dataSync();
    const worker = (await model.predictAsync(x, { batchSize: 700 }) as tf.Tensor).dataSync();
    expect(large.length).toBe(small.length);
    for (let i = 0; i < small.length; i++) {
      expect(Math.abs(large[i] - small[i])).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(worker[i] - small[i])).toBeLessThanOrEqual(1e-6);
    }
  });
});
