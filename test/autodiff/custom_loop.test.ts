// A custom training loop of the seed model (784-64-10, relu then softmax,
// sparse categorical crossentropy, Adam) on the bundled Fashion-MNIST subset:
// tf.variableGrads + optimizer.applyGradients per batch must reach the test
// accuracy fit reaches with the same data, epochs and batch size (loose
// bound: the two differ in initialisation draws and shuffling), and hold no
// more tensors or memory after each epoch than after the first.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { Tensor, trackTensors } from '../../src/tensor';

const EPOCHS = 2;
const BATCH = 32;

function glorot(fanIn: number, fanOut: number): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform([fanIn, fanOut], -limit, limit);
}

function accuracy(logits: tf.Tensor, labels: tf.Tensor): number {
  const p = tf.argMax(logits, 1).dataSync();
  const y = labels.dataSync();
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) hits++;
  return hits / y.length;
}

describe('custom training loop of the seed model', () => {
  it('variableGrads + applyGradients reaches fit\'s accuracy, with no tensor left behind', async () => {
    const { train, test } = await tf.datasets.fashionMnist({ subset: true });
    const n = train.x.shape[0];
    tf.setSeed(21);

    // fit, the fused native path.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: EPOCHS, batchSize: BATCH, verbose: 0, seed: 21 });
    const fitAccuracy = (await model.evaluate(test.x, test.y, { batchSize: 1000 })).accuracy;

    // The same model as variables and ops.
    const w1 = tf.variable(glorot(784, 64), true, 'loop-w1');
    const b1 = tf.variable(tf.zeros([64]), true, 'loop-b1');
    const w2 = tf.variable(glorot(64, 10), true, 'loop-w2');
    const b2 = tf.variable(tf.zeros([10]), true, 'loop-b2');
    const vars = [w1, b1, w2, b2];
    const logits = (x: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
    const opt = tf.optimizers.adam();
    const created: Tensor[] = [];
    const outer = trackTensors(created);
    const rng = new Random(21);
    const rss: number[] = [];
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        const order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        let sum = 0;
        for (let start = 0; start < n; start += BATCH) {
          const loss = tf.tidy(() => {
            const idx = order.slice(start, start + BATCH);
            const xb = tf.gather(train.x, idx);
            const yb = tf.oneHot(tf.gather(train.y, idx), 10, 1, 0, 'float32');
            const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(tf.sum(tf.mul(yb, tf.logSoftmax(logits(xb))), -1))), vars);
            opt.applyGradients(grads);
            return value;
          });
          sum += loss.dataSync()[0];
          loss.dispose();
        }
        losses.push(sum / Math.ceil(n / BATCH));
        // Every tensor the epoch made is disposed.
        expect(created.filter((t) => !t.isDisposed)).toEqual([]);
        created.length = 0;
        rss.push(process.memoryUsage().rss);
      }
    } finally {
      trackTensors(outer);
    }
    const loopAccuracy = tf.tidy(() => accuracy(logits(test.x), test.y));
    expect(losses[EPOCHS - 1]).toBeLessThan(losses[0]);
    expect(fitAccuracy).toBeGreaterThan(0.75);
    expect(loopAccuracy).toBeGreaterThan(fitAccuracy - 0.03);
    // RSS after the last epoch within 32 MB of the first (313 steps per epoch: a per-step leak of 100 KB would exceed it).
    expect(rss[EPOCHS - 1] - rss[0]).toBeLessThan(32 * 2 ** 20);
    vars.forEach((v) => v.dispose());
  }, 60_000);
});
