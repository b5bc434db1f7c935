// Losses and metrics written in code (compile({ loss: (yTrue, yPred) => ... })):
// fit runs the model natively and the loss on the gradient tape, one batch per
// native step (src/models/tape_training.ts). A built-in loss written as a
// function must train exactly as the fused native one does; a custom loss
// must train as TensorFlow.js trains it; metrics in code are logged by name.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from './reference';

const N = 48;
const rng = new Rng(7);
const X = rng.array(N * 5, -1, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (i * 7 + (X[i * 5] > 0 ? 1 : 0)) % 3);
const targets = rng.array(N * 3, -1, 1);

function model(activation: 'softmax' | 'linear', regularized = false): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [5], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        ...(regularized ? { kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) } : {}) }),
      tf.layers.dense({ units: 3, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
const mse = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.square(tf.sub(p, y)), -1);

describe('a loss written in code', () => {
  it('trains as the native loss it restates (MSE with an L2 penalty; same losses, same weights)', async () => {
    const fit = async (loss: 'meanSquaredError' | typeof mse) => {
      const m = model('linear', true);
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss });
      const h = await m.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]), { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
      return { loss: h.history.loss as number[], weights: weightsOf(m), evaluated: (await m.evaluate(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]))).loss };
    };
    const native = await fit('meanSquaredError');
    const tape = await fit(mse);
    expectClose(tape.loss, native.loss, 1e-5);
    expectClose(tape.weights, native.weights, 1e-5);
    expectClose([tape.evaluated], [native.evaluated], 1e-5);
  });

  it('built-in losses on the tape match the fused ones (a metric in code moves sparse cross-entropy to the tape)', async () => {
    const meanProbability = (y: tf.Tensor, p: tf.Tensor) => tf.max(p, -1);
    const fit = async (metrics: (string | typeof meanProbability)[]) => {
      const m = model('softmax');
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics });
      const h = await m.fit(tf.tensor2d(X, [N, 5]), tf.tensor1d(labels, 'int32'), { epochs: 2, batchSize: 12, shuffle: false, verbose: 0 });
      return { h: h.history, weights: weightsOf(m), m };
    };
    const native = await fit(['accuracy']);
    const tape = await fit(['accuracy', meanProbability]);
    expect(tape.m.compileConfig!.tape).toBe(true);
    expectClose(tape.h.loss as number[], native.h.loss as number[], 1e-5);
    expectClose(tape.h.acc as number[], native.h.acc as number[], 1e-6);
    expectClose(tape.weights, native.weights, 1e-4);
    // The metric's value: the epoch mean of each sample's largest probability, which lies in (1/3, 1].
    for (const v of tape.h.meanProbability as number[]) expect(v).toBeGreaterThan(1 / 3);
  });

  it('trains as TensorFlow.js trains the same custom loss (weights after SGD steps)', async () => {
    // A loss no built-in has: squared error weighted per output column.
    const columnWeights = [1, 2, 0.5];
    const ours = (y: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.sub(p, y)), tf.tensor1d(columnWeights)), -1);
    const theirs = (y: tfjs.Tensor, p: tfjs.Tensor) => tfjs.sum(tfjs.mul(tfjs.square(tfjs.sub(p, y)), tfjs.tensor1d(columnWeights)), -1);
    const m = model('linear');
    const twin = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 8, inputShape: [5], activation: 'tanh' }), tfjs.layers.dense({ units: 3 })] });
    twin.setWeights(m.getWeights().map((w) => tfjs.tensor(w.dataSync() as Float32Array, w.shape)));
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.05 }), loss: ours });
    twin.compile({ optimizer: tfjs.train.sgd(0.05), loss: theirs });
    const h = await m.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]), { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const ht = await twin.fit(tfjs.tensor2d(X, [N, 5]), tfjs.tensor2d(targets, [N, 3]), { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expectClose(h.history.loss as number[], ht.history.loss as number[], 1e-4);
    expectClose(weightsOf(m), twin.getWeights().flatMap((w) => Array.from(w.dataSync())), 1e-4);
  });

  it('reads y in any shape, with sample weights, a validation split, evaluate and trainOnBatch', async () => {
    // y of shape [N, 3, 1]: only the loss reads it.
    const y = tf.tensor(targets, [N, 3, 1]);
    const loss = (yt: tf.Tensor, p: tf.Tensor) => tf.mean(tf.abs(tf.sub(tf.reshape(yt, p.shape), p)), -1);
    const m = model('linear');
    m.compile({ optimizer: 'sgd', loss, metrics: ['mae'] });
    const h = await m.fit(tf.tensor2d(X, [N, 5]), y, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 0, sampleWeight: tf.ones([N]) });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    // With that loss, MAE is the loss itself.
    expectClose(h.history.val_loss as number[], h.history.val_mae as number[], 1e-6);
    const p = m.predict(tf.tensor2d(X, [N, 5])) as tf.Tensor;
    const expected = tf.mean(loss(y, p)).dataSync()[0];
    expectClose([(await m.evaluate(tf.tensor2d(X, [N, 5]), y, { batchSize: 7 })).loss], [expected], 1e-5);
    const logs = await m.trainOnBatch(tf.tensor2d(X, [N, 5]), y);
    expect(Number.isFinite(logs.loss)).toBe(true);
  });

  it('trains from a Dataset as fit does (fitDataset and evaluateDataset on the tape)', async () => {
    const batches = () => tf.data.array([0, 1, 2]).map((k) => ({
      xs: tf.tensor2d(X.subarray(k * 16 * 5, (k + 1) * 16 * 5), [16, 5]), ys: tf.tensor2d(targets.subarray(k * 16 * 3, (k + 1) * 16 * 3), [16, 3]),
    }));
    const run = async (loss: 'meanSquaredError' | typeof mse) => {
      const m = model('linear');
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss });
      const h = await m.fitDataset(batches(), { epochs: 2, verbose: 0 });
      return { loss: h.history.loss as number[], evaluated: (await m.evaluateDataset(batches())).loss as number };
    };
    const native = await run('meanSquaredError');
    const tape = await run(mse);
    expectClose(tape.loss, native.loss, 1e-5);
    expectClose([tape.evaluated], [native.evaluated], 1e-5);
  });

  it('saves under the function names; loads uncompiled (with a warning) and trains again once compiled with them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-custom-loss-'));
    try {
      const m = model('linear');
      m.compile({ optimizer: 'sgd', loss: function columnLoss(y: tf.Tensor, p: tf.Tensor) { return mse(y, p); } });
      await m.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]), { verbose: 0 });
      await m.save(`file://${dir}`);
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(saved.modelTopology.training_config.loss).toBe('columnLoss');
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
      expect(loaded.compileConfig).toBeNull();
      expect(warnings.join('\n')).toMatch(/unknown loss 'columnLoss'.*loaded uncompiled/);
      expectClose(weightsOf(loaded), weightsOf(m), 0);
      loaded.compile({ optimizer: 'sgd', loss: mse });
      await loaded.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]), { verbose: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what it cannot run, naming the function and the value', async () => {
    const x = tf.tensor2d(X, [N, 5]);
    const y = tf.tensor2d(targets, [N, 3]);
    const wrongShape = model('linear');
    wrongShape.compile({ optimizer: 'sgd', loss: (yt: tf.Tensor, p: tf.Tensor) => tf.sum(p, 0) });
    await expect(wrongShape.fit(x, y, { verbose: 0, batchSize: 16 })).rejects.toThrow(/^fit: the loss function must return one value per sample \(\[16\]\) or a scalar, got shape \[3\]/);
    const notTensor = model('linear');
    notTensor.compile({ optimizer: 'sgd', loss: (() => 1) as unknown as typeof mse });
    await expect(notTensor.fit(x, y, { verbose: 0 })).rejects.toThrow(/^fit: the loss function must return a Tensor, got 1/);
    // The model is still usable after a refused step.
    notTensor.compile({ optimizer: 'sgd', loss: mse });
    await notTensor.fit(x, y, { verbose: 0 });
    const badMetric = model('linear');
    badMetric.compile({ optimizer: 'sgd', loss: 'mse', metrics: [function broken() { return 'x'; } as unknown as typeof mse] });
    await expect(badMetric.evaluate(x, y)).rejects.toThrow(/^evaluate: the metric function 'broken' must return a Tensor/);
  });

  it('per output in a model with several (lossWeights, built-in beside code, history keys as Keras names them)', async () => {
    const build = () => {
      const inp = tf.input({ shape: [5] });
      const hidden = tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(inp) as tf.SymbolicTensor;
      const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(hidden) as tf.SymbolicTensor;
      const score = tf.layers.dense({ units: 3, name: 'score', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(hidden) as tf.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: [cls, score] });
    };
    const run = async (scoreLoss: 'meanSquaredError' | typeof mse) => {
      const m = build();
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: { cls: 'sparseCategoricalCrossentropy', score: scoreLoss },
        lossWeights: { cls: 1, score: 0.5 }, metrics: { cls: ['accuracy'] } });
      const h = await m.fit(tf.tensor2d(X, [N, 5]), { cls: tf.tensor1d(labels, 'int32'), score: tf.tensor2d(targets, [N, 3]) },
        { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
      const e = await m.evaluate(tf.tensor2d(X, [N, 5]), [tf.tensor1d(labels, 'int32'), tf.tensor2d(targets, [N, 3])]);
      return { h: h.history, weights: weightsOf(m), e, m };
    };
    const native = await run('meanSquaredError');
    const tape = await run(mse);
    expect(tape.m.compileConfig!.tape).toBe(true);
    expect(Object.keys(tape.h).sort()).toEqual(Object.keys(native.h).sort());
    for (const key of Object.keys(native.h)) expectClose(tape.h[key] as number[], native.h[key] as number[], 1e-5);
    expectClose(tape.weights, native.weights, 1e-5);
    for (const key of Object.keys(native.e)) expectClose([tape.e[key] as number], [native.e[key] as number], 1e-5);
  });
});
