// End-to-end training: the seed model on Fashion-MNIST, small problems with
// known answers (XOR, a linear regression), Keras's fit semantics
// (validationSplit, shuffle, initialEpoch, classWeight, partial batches),
// weights and summary, and the errors users hit. Everything but the
// Fashion-MNIST test runs on tiny data.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import type { Sequential, Tensor } from '../../src/index';

type Ctor = new (...args: never[]) => Error;

/** The error a call throws or a promise rejects with (fails the test when there is none). */
async function caught(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, got none');
}

/** Asserts the exact error class (not a subclass) and the message content. */
async function expectError(f: () => unknown, type: Ctor, message: RegExp): Promise<Error> {
  const e = await caught(f);
  expect(e.constructor).toBe(type);
  expect(e.message).toMatch(message);
  return e;
}

/** Three Gaussian blobs in `features` dimensions: an easy classification problem. */
function blobs(n: number, seed: number, features = 4, classes = 3): { x: Tensor; y: Tensor } {
  const r = new Random(seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = (f % classes === c ? 2 : 0) + 0.5 * r.normal();
  }
  return { x: tf.tensor(x, [n, features]), y: tf.tensor(y, [n], 'int32') };
}

/** Rows [start, end) of a tensor's first axis. */
function rows(t: Tensor, start: number, end: number): Tensor {
  const per = t.size / t.shape[0];
  return tf.tensor(t.values.slice(start * per, end * per) as Float32Array, [end - start, ...t.shape.slice(1)], t.dtype);
}

function classifier(inputs = 4, classes = 3, hidden = 16): Sequential {
  const m = tf.sequential([
    tf.layers.dense({ units: hidden, activation: 'relu', inputShape: [inputs] }),
    tf.layers.dense({ units: classes, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Bit-for-bit equality of two tensors' values (toEqual is slow on tens of thousands of elements). */
function sameBits(a: Tensor, b: Tensor): boolean {
  const va = a.dataSync();
  const vb = b.dataSync();
  return Buffer.from(va.buffer, va.byteOffset, va.byteLength).equals(Buffer.from(vb.buffer, vb.byteOffset, vb.byteLength));
}

function allFinite(ws: Tensor[]): boolean {
  return ws.every((w) => Array.from(w.values).every(Number.isFinite));
}

/** Per-sample sparse cross-entropy -ln p[label] from predicted probabilities (float64 oracle). */
function crossEntropies(p: Tensor, y: Tensor): number[] {
  const k = p.shape[1];
  return Array.from(y.values, (label, i) => -Math.log(p.values[i * k + label]));
}

describe('the seed model on Fashion-MNIST', () => {
  it('reaches >= 0.85 test accuracy in 5 epochs on the full dataset', async () => {
    // subset: false rejects when dataset-fashion-mnist is not installed (CI installs it).
    const { train, test } = await tf.datasets.fashionMnist({ subset: false });
    expect(train.x.shape).toEqual([60000, 784]);
    tf.setSeed(1234);
    const model = tf.sequential([
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.x, train.y, { epochs: 5, verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    // Training loss falls every epoch.
    const loss = history.history.loss;
    for (let e = 1; e < 5; e++) expect(loss[e]).toBeLessThan(loss[e - 1]);
    const result = await model.evaluate(test.x, test.y, { batchSize: 1000 });
    expect(result.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(model.countParams()).toBe(50890);
  });
});

describe('small problems with known answers', () => {
  it('learns XOR', async () => {
    tf.setSeed(3);
    const x = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tf.tensor2d([[0], [1], [1], [0]]);
    const model = tf.sequential([
      tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0, seed: 3 });
    const r = await model.evaluate(x, y);
    expect(r.accuracy).toBe(1);
    expect(r.loss).toBeLessThan(0.1);
    const p = model.predict(x).dataSync();
    [0, 1, 1, 0].forEach((t, i) => expect(Math.abs(p[i] - t)).toBeLessThan(0.5));
  });

  it('fits y = 3·x1 - 2·x2 + 1 + noise and recovers the coefficients', async () => {
    tf.setSeed(5);
    const r = new Random(11);
    const n = 256;
    const xs = new Float32Array(n * 2);
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      xs[2 * i] = 2 * r.uniform() - 1;
      xs[2 * i + 1] = 2 * r.uniform() - 1;
      ys[i] = 3 * xs[2 * i] - 2 * xs[2 * i + 1] + 1 + 0.01 * r.normal();
    }
    const x = tf.tensor(xs, [n, 2]);
    const y = tf.tensor(ys, [n, 1]);
    const model = tf.sequential([tf.layers.dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.05 }), loss: 'meanSquaredError', metrics: ['mae'] });
    const h = await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0, seed: 5 });
    expect(h.history.loss[59]).toBeLessThan(1e-3);
    expect(h.history.mae[59]).toBeLessThan(0.03);
    const [kernel, bias] = model.getWeights();
    // Noise sd 0.01 on 256 samples: the least-squares coefficients are within ~0.002 of the true ones.
    expect(kernel.dataSync()[0]).toBeCloseTo(3, 1);
    expect(kernel.dataSync()[1]).toBeCloseTo(-2, 1);
    expect(bias.dataSync()[0]).toBeCloseTo(1, 1);
  });
});

describe('determinism', () => {
  it('the same seed and thread count give bit-identical weights after fit', async () => {
    const { x, y } = blobs(200, 1, 8);
    const run = async () => {
      tf.setSeed(99);
      const m = tf.sequential([
        tf.layers.dense({ units: 32, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed: 7 });
      return { weights: m.getWeights(), loss: h.history.loss };
    };
    const a = await run();
    const b = await run();
    expect(b.loss).toEqual(a.loss);
    a.weights.forEach((w, i) => expect(sameBits(b.weights[i], w)).toBe(true));
  });
});

describe('validation', () => {
  // 100 samples; the last 20 come from a different rule (labels flipped), so
  // metrics on them differ clearly from metrics on any other 20.
  const data = () => {
    const { x, y } = blobs(100, 2);
    const labels = y.dataSync() as Int32Array;
    for (let i = 80; i < 100; i++) labels[i] = (labels[i] + 1) % 3;
    return { x, y: tf.tensor(labels, [100], 'int32') };
  };

  it('validationSplit holds out the LAST fraction of the data, before shuffling (as Keras)', async () => {
    tf.setSeed(8);
    const { x, y } = data();
    const model = classifier();
    model.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const params: { samples?: number; metrics?: string[] } = {};
    const cb = { onTrainBegin(this: { params: typeof params }) { Object.assign(params, this.params); } };
    const h = await model.fit(x, y, { epochs: 10, batchSize: 8, validationSplit: 0.2, verbose: 0, callbacks: cb, seed: 1 });
    expect(params.samples).toBe(80);
    expect(params.metrics).toEqual(['loss', 'accuracy', 'acc', 'val_loss', 'val_accuracy', 'val_acc']);
    // The last epoch's validation metrics are exactly evaluate() on samples 80..99.
    const tail = await model.evaluate(rows(x, 80, 100), rows(y, 80, 100), { batchSize: 8 });
    expect(h.history.val_loss[9]).toBeCloseTo(tail.loss, 6);
    expect(h.history.val_accuracy[9]).toBe(tail.accuracy);
    // Trained on the first 80 only, the model gets the relabelled last 20 wrong.
    expect(h.history.accuracy[9]).toBeGreaterThan(0.9);
    expect(tail.accuracy).toBeLessThan(0.2);
  });

  it('validationData is evaluated after every epoch and overrides validationSplit', async () => {
    tf.setSeed(9);
    const { x, y } = data();
    const v = blobs(30, 3);
    const model = classifier();
    const h = await model.fit(rows(x, 0, 80), rows(y, 0, 80), {
      epochs: 3, batchSize: 8, validationData: [v.x, v.y], validationSplit: 0.5, verbose: 0,
    });
    const r = await model.evaluate(v.x, v.y, { batchSize: 8 });
    expect(h.history.val_loss).toHaveLength(3);
    expect(h.history.val_loss[2]).toBeCloseTo(r.loss, 6);
    expect(h.history.val_accuracy[2]).toBe(r.accuracy);
  });

  it('history has loss/accuracy/val_loss/val_accuracy and the acc/val_acc aliases', async () => {
    tf.setSeed(10);
    const { x, y } = blobs(60, 4);
    const model = classifier();
    const h = await model.fit(x, y, { epochs: 3, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    for (const k of Object.keys(h.history)) expect(h.history[k]).toHaveLength(3);
    expect(h.history.acc).toEqual(h.history.accuracy);
    expect(h.history.val_acc).toEqual(h.history.val_accuracy);
    expect(h.epoch).toEqual([0, 1, 2]);
  });
});

describe('fit options', () => {
  it('shuffle: false visits samples in order (equal to trainOnBatch on consecutive slices), incl. the last partial batch', async () => {
    tf.setSeed(12);
    const { x, y } = blobs(25, 5);
    const model = classifier();
    const w0 = model.getWeights();
    const sizes: number[] = [];
    let steps = 0;
    const cb = {
      params: { steps: 0 },
      onTrainBegin() { steps = this.params.steps; },
      onBatchEnd(_b: number, logs?: Record<string, number>) { sizes.push(logs!.size); },
    };
    await model.fit(x, y, { epochs: 1, batchSize: 10, shuffle: false, verbose: 0, callbacks: cb });
    expect(steps).toBe(3);
    expect(sizes).toEqual([10, 10, 5]);
    const fitted = model.getWeights();

    model.setWeights(w0);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }); // fresh Adam state
    for (const [s, e] of [[0, 10], [10, 20], [20, 25]]) await model.trainOnBatch(rows(x, s, e), rows(y, s, e));
    model.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(fitted[i].dataSync()));
  });

  it('shuffle: false ignores the seed; shuffle: true depends on it', async () => {
    tf.setSeed(13);
    const { x, y } = blobs(64, 6);
    const model = classifier();
    const w0 = model.getWeights();
    const after = async (shuffle: boolean, seed: number) => {
      model.setWeights(w0);
      model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle, seed, verbose: 0 });
      return model.getWeights()[0].dataSync();
    };
    expect(await after(false, 1)).toEqual(await after(false, 2));
    expect(await after(true, 1)).toEqual(await after(true, 1));
    expect(await after(true, 1)).not.toEqual(await after(true, 2));
  });

  it('initialEpoch resumes counting: epochs 5 from 3 runs epochs 3 and 4', async () => {
    tf.setSeed(14);
    const { x, y } = blobs(30, 7);
    const model = classifier();
    const begun: number[] = [];
    const h = await model.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0, callbacks: { onEpochBegin: (e) => { begun.push(e); } } });
    expect(begun).toEqual([3, 4]);
    expect(h.epoch).toEqual([3, 4]);
    expect(h.history.loss).toHaveLength(2);
  });

  // With learning rate 0 the weights stay put, so the logged loss is the
  // loss of the initial model, checkable against predict().
  async function frozen(n: number) {
    tf.setSeed(15);
    const { x, y } = blobs(n, 8);
    const model = classifier();
    model.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ce = crossEntropies(model.predict(x), y);
    return { x, y, model, ce };
  }

  it('classWeight weights each sample loss by its class (Keras: sum over batch size)', async () => {
    const { x, y, model, ce } = await frozen(30);
    const plain = await model.fit(x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0 });
    const cw = { 0: 1, 1: 5, 2: 0.5 } as Record<number, number>;
    const weighted = await model.fit(x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0, classWeight: cw });
    const mean = ce.reduce((a, b) => a + b) / 30;
    const wmean = ce.reduce((a, l, i) => a + cw[y.values[i]] * l, 0) / 30;
    // Tolerance: float32 softmax/log vs the float64 oracle.
    expect(plain.history.loss[0]).toBeCloseTo(mean, 5);
    expect(weighted.history.loss[0]).toBeCloseTo(wmean, 5);
    expect(Math.abs(wmean - mean)).toBeGreaterThan(1e-2);
  });

  it('batchSize larger than the sample count gives one step over all samples', async () => {
    const { x, y, model, ce } = await frozen(25);
    const sizes: number[] = [];
    const h = await model.fit(x, y, { epochs: 1, batchSize: 1000, verbose: 0, callbacks: { onBatchEnd: (_b, l) => { sizes.push(l!.size); } } });
    expect(sizes).toEqual([25]);
    expect(h.history.loss[0]).toBeCloseTo(ce.reduce((a, b) => a + b) / 25, 5);
  });

  it('the last partial batch is weighted by its size in the epoch loss', async () => {
    const { x, y, model, ce } = await frozen(25);
    const losses: number[] = [];
    const h = await model.fit(x, y, { epochs: 1, batchSize: 10, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_b, l) => { losses.push(l!.loss); } } });
    expect(losses).toHaveLength(3);
    // Sample-weighted mean over all 25, not the mean of the three batch losses.
    expect(h.history.loss[0]).toBeCloseTo(ce.reduce((a, b) => a + b) / 25, 5);
    const last = ce.slice(20).reduce((a, b) => a + b) / 5;
    const batchLoss = (await model.trainOnBatch(rows(x, 20, 25), rows(y, 20, 25))).loss;
    expect(batchLoss).toBeCloseTo(last, 5);
  });
});

describe('predict, evaluate, trainOnBatch', () => {
  it('predict and predictAsync return the same tensor', async () => {
    tf.setSeed(16);
    const { x } = blobs(70, 9);
    const model = classifier();
    const a = model.predict(x, { batchSize: 16 });
    const b = await model.predictAsync(x);
    expect(a.shape).toEqual([70, 3]);
    expect(b.shape).toEqual([70, 3]);
    expect(b.dataSync()).toEqual(a.dataSync());
    for (let i = 0; i < 70; i++) expect(a.values[3 * i] + a.values[3 * i + 1] + a.values[3 * i + 2]).toBeCloseTo(1, 5);
  });

  it('evaluate returns {loss, accuracy} matching predict()', async () => {
    tf.setSeed(17);
    const { x, y } = blobs(50, 10);
    const model = classifier();
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    const r = await model.evaluate(x, y);
    expect(r).toHaveProperty('loss');
    expect(r).toHaveProperty('accuracy');
    const p = model.predict(x);
    const ce = crossEntropies(p, y);
    expect(r.loss).toBeCloseTo(ce.reduce((a, b) => a + b) / 50, 5);
    let correct = 0;
    for (let i = 0; i < 50; i++) {
      const row = Array.from(p.values.slice(3 * i, 3 * i + 3));
      if (row.indexOf(Math.max(...row)) === y.values[i]) correct++;
    }
    expect(r.accuracy).toBeCloseTo(correct / 50, 10);
  });

  it('trainOnBatch reports the batch loss before the update and changes the weights', async () => {
    tf.setSeed(18);
    const { x, y } = blobs(20, 11);
    const model = classifier();
    const before = await model.evaluate(x, y, { batchSize: 20 });
    const w0 = model.getWeights()[0].dataSync().slice();
    const r = await model.trainOnBatch(x, y);
    expect(Object.keys(r).sort()).toEqual(['acc', 'accuracy', 'loss']);
    expect(r.loss).toBeCloseTo(before.loss, 5);
    expect(r.accuracy).toBeCloseTo(before.accuracy, 10);
    expect(model.getWeights()[0].dataSync()).not.toEqual(w0);
  });
});

describe('weights and structure', () => {
  it('getWeights/setWeights round-trip, per model and per layer, in Keras order (kernel [in, out], then bias)', async () => {
    tf.setSeed(19);
    const model = tf.sequential([
      tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    const ws = model.getWeights();
    expect(ws.map((w) => w.shape)).toEqual([[784, 64], [64], [64, 10], [10]]);
    const bumped = ws.map((w) => tf.tensor(Float32Array.from(w.values, (v, i) => v + i * 1e-3), [...w.shape]));
    model.setWeights(bumped);
    model.getWeights().forEach((w, i) => expect(sameBits(w, bumped[i])).toBe(true));

    const [l0, l1] = model.layers;
    expect(l0.getWeights().map((w, i) => sameBits(w, bumped[i]))).toEqual([true, true]);
    expect(l1.getWeights().map((w, i) => sameBits(w, bumped[2 + i]))).toEqual([true, true]);
    l1.setWeights([tf.zeros([64, 10]), tf.ones([10])]);
    const now = model.getWeights();
    expect(sameBits(now[0], bumped[0])).toBe(true);
    expect(Array.from(now[2].dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(now[3].dataSync()).every((v) => v === 1)).toBe(true);
    expect(await caught(() => model.setWeights(ws.slice(0, 3)))).toBeInstanceOf(RangeError);
    await expectError(() => model.setWeights([ws[0], ws[1], ws[3], ws[2]]), RangeError, /weights\[2\].*shape \[64,10\], got \[10\]/);
  });

  it('kernel layout: predict(x) = x · kernel + bias with kernel[i][j] at i * out + j', () => {
    const model = tf.sequential([tf.layers.dense({ units: 3, inputShape: [2] })]);
    model.setWeights([tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor1d([0.5, -0.5, 0])]);
    const p = model.predict(tf.tensor2d([[1, 0], [0, 1], [2, 3]])).arraySync();
    expect(p).toEqual([[1.5, 1.5, 3], [4.5, 4.5, 6], [14.5, 18.5, 24]]);
  });

  it('summary() prints layers, output shapes and parameter counts; countParams 784-64-10 is 50890', () => {
    const model = tf.sequential({
      name: 'seed',
      layers: [
        tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }),
        tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
      ],
    });
    const lines: string[] = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines[0]).toBe('Model: "seed"');
    expect(lines.find((l) => l.startsWith('hidden (Dense)'))).toMatch(/^hidden \(Dense\)\s+\[null,64\]\s+50240$/);
    expect(lines.find((l) => l.startsWith('out (Dense)'))).toMatch(/^out \(Dense\)\s+\[null,10\]\s+650$/);
    expect(lines).toContain('Total params: 50890');
    expect(lines).toContain('Trainable params: 50890');
    expect(lines).toContain('Non-trainable params: 0');
    expect(model.countParams()).toBe(50890);
    expect(model.layers.map((l) => l.countParams())).toEqual([50240, 650]);
  });

  it('inputShape given fixes the input before any data; without it the first data decides', async () => {
    const given = tf.sequential();
    given.add(tf.layers.dense({ units: 8, inputShape: [6] }));
    given.add(tf.layers.dense({ units: 4 }));
    expect(given.inputs).toEqual([6]);
    expect(given.countParams()).toBe(56 + 36); // builds from the declared shape
    expect(given.built).toBe(true);
    expect(given.getWeights().map((w) => w.shape)).toEqual([[6, 8], [8], [8, 4], [4]]);
    given.compile({ optimizer: 'sgd', loss: 'mse' });
    await expectError(() => given.fit(tf.zeros([5, 7]), tf.zeros([5, 4]), { verbose: 0 }), RangeError, /per-sample shape \[7\].*expects \[6\]/);
    const lazy = tf.sequential([tf.layers.dense({ units: 4, inputShape: [6] })]);
    await expectError(() => lazy.predict(tf.zeros([2, 5])), RangeError, /predict: x has per-sample shape \[5\] \(5 features\) but the model expects \[6\]/);
    expect(lazy.predict(tf.zeros([2, 6])).shape).toEqual([2, 4]);

    const inferred = tf.sequential([tf.layers.dense({ units: 4 })]);
    expect(inferred.built).toBe(false);
    await expectError(() => inferred.summary(), Error, /not built yet/);
    await expectError(() => inferred.countParams(), Error, /not built yet/);
    inferred.compile({ optimizer: 'sgd', loss: 'mse' });
    await inferred.fit(tf.zeros([5, 6]), tf.zeros([5, 4]), { verbose: 0 });
    expect(inferred.built).toBe(true);
    expect(inferred.inputs).toEqual([6]);
    expect(inferred.outputShape).toEqual([4]);
    expect(inferred.countParams()).toBe(28);
  });

  it('flatten takes [N, 28, 28] input', async () => {
    tf.setSeed(20);
    const r = new Random(21);
    const n = 40;
    const x = tf.tensor(Float32Array.from({ length: n * 28 * 28 }, () => r.uniform()), [n, 28, 28]);
    const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
    const model = tf.sequential([tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' })]);
    const declared = tf.sequential([tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 10 })]);
    expect(declared.countParams()).toBe(7850);
    const unflattened = tf.sequential([tf.layers.dense({ units: 10, inputShape: [28, 28] })]);
    await expectError(() => unflattened.countParams(), RangeError, /expects flat input \[batch, features\], got per-sample shape \[28,28\]; add tf.layers.flatten\(\) before it/);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0 });
    expect(model.inputs).toEqual([28, 28]);
    expect(model.countParams()).toBe(7850);
    expect(h.history.loss[19]).toBeLessThan(h.history.loss[0]);
    expect(model.predict(x).shape).toEqual([n, 10]);
    await expectError(() => model.predict(tf.zeros([2, 784])), RangeError, /per-sample shape \[784\].*expects \[28,28\]/);
  });

  it('models with dropout and batchNormalization train', async () => {
    const { x, y } = blobs(120, 12, 6);
    for (const extra of [() => tf.layers.dropout({ rate: 0.25 }), () => tf.layers.batchNormalization()]) {
      tf.setSeed(22);
      const model = tf.sequential([
        tf.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
        extra(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
      expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
      const r = await model.evaluate(x, y);
      expect(r.accuracy).toBeGreaterThan(0.9);
      // Inference mode: no dropout, moving statistics; the same input gives the same output.
      expect(model.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
    }
  });

  it('batchNormalization keeps moving statistics as non-trainable weights, updated by fit', async () => {
    tf.setSeed(23);
    const { x, y } = blobs(64, 13, 6);
    const bn = tf.layers.batchNormalization();
    const model = tf.sequential([tf.layers.dense({ units: 8, inputShape: [6] }), bn, tf.layers.dense({ units: 3, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expect(bn.getWeights().map((w) => w.shape)).toEqual([[8], [8], [8], [8]]);
    const lines: string[] = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines).toContain(`Non-trainable params: 16`);
    expect(model.countParams()).toBe(56 + 32 + 27);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    const [, , movingMean, movingVar] = bn.getWeights();
    expect(Array.from(movingMean.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(movingVar.dataSync()).some((v) => v !== 1)).toBe(true);
  });
});

describe('bad input gives clear errors', () => {
  const compiled = () => classifier(2, 3, 4);

  it('x/y length mismatch', async () => {
    await expectError(() => compiled().fit(tf.zeros([10, 2]), tf.zeros([9], 'int32'), { verbose: 0 }), RangeError, /x has 10 samples but y has 9/);
    await expectError(() => compiled().evaluate(tf.zeros([10, 2]), tf.zeros([11], 'int32')), RangeError, /evaluate: x has 10 samples but y has 11/);
  });

  it('labels outside [0, units)', async () => {
    const x = tf.zeros([4, 2]);
    await expectError(() => compiled().fit(x, tf.tensor1d([0, 1, 3, 2], 'int32'), { verbose: 0 }), RangeError, /label 3 at index 2 is outside \[0, 3\)/);
    await expectError(() => compiled().fit(x, tf.tensor1d([0, -1, 1, 2], 'int32'), { verbose: 0 }), RangeError, /label -1 at index 1 is outside \[0, 3\)/);
    await expectError(() => compiled().fit(x, tf.tensor1d([0, 1.5, 1, 2]), { verbose: 0 }), RangeError, /labels must be integers, got 1.5 at index 1/);
  });

  it('NaN or Infinity in x', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const xs = new Float32Array(8);
      xs[5] = bad;
      await expectError(() => compiled().fit(tf.tensor(xs, [4, 2]), tf.zeros([4], 'int32'), { verbose: 0 }), RangeError,
        new RegExp(`x contains ${bad} at sample 2, feature 1`));
    }
  });

  it('a diverging loss stops fit, history shows the non-finite loss and the weights stay finite', async () => {
    tf.setSeed(24);
    const r = new Random(25);
    const xs = Float32Array.from({ length: 64 * 2 }, () => 10 * r.normal());
    const ys = Float32Array.from({ length: 64 }, (_, i) => 3 * xs[2 * i] - 2 * xs[2 * i + 1] + 1);
    const model = tf.sequential([tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2] }), tf.layers.dense({ units: 1 })]);
    model.compile({ optimizer: tf.optimizers.sgd({ learningRate: 1e6 }), loss: 'mse' });
    const batches: number[] = [];
    const h = await model.fit(tf.tensor(xs, [64, 2]), tf.tensor(ys, [64, 1]), {
      epochs: 5, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: (b) => { batches.push(b); } },
    });
    expect(h.epoch).toEqual([0]);
    expect(batches.length).toBeLessThan(8);
    expect(Number.isFinite(h.history.loss[0])).toBe(false);
    expect(allFinite(model.getWeights())).toBe(true);
  });

  it('wrong feature count for a built model', async () => {
    const m = compiled();
    await expectError(() => m.fit(tf.zeros([4, 3]), tf.zeros([4], 'int32'), { verbose: 0 }), RangeError, /fit: x has per-sample shape \[3\] \(3 features\) but the model expects \[2\] \(2 features\)/);
    await expectError(() => m.predict(tf.zeros([4, 5])), RangeError, /predict: .*\[5\].*expects \[2\]/);
    await expectError(() => m.evaluate(tf.zeros([4, 1]), tf.zeros([4], 'int32')), RangeError, /evaluate: .*expects \[2\]/);
  });

  it('fit, evaluate and trainOnBatch before compile', async () => {
    const m = tf.sequential([tf.layers.dense({ units: 1, inputShape: [2] })]);
    await expectError(() => m.fit(tf.zeros([4, 2]), tf.zeros([4, 1])), Error, /fit: call model.compile\(\{optimizer, loss\}\) first/);
    await expectError(() => m.evaluate(tf.zeros([4, 2]), tf.zeros([4, 1])), Error, /evaluate: call model.compile/);
    await expectError(() => m.trainOnBatch(tf.zeros([4, 2]), tf.zeros([4, 1])), Error, /trainOnBatch: call model.compile/);
  });

  it('unknown loss, optimizer, activation and metric names list the valid ones', async () => {
    const m = tf.sequential([tf.layers.dense({ units: 3, inputShape: [2] })]);
    await expectError(() => m.compile({ optimizer: 'adam', loss: 'crossentropy' }), RangeError,
      /unknown loss 'crossentropy'; valid values: .*sparseCategoricalCrossentropy.*sparse_categorical_crossentropy/);
    await expectError(() => m.compile({ optimizer: 'adamm', loss: 'mse' }), RangeError, /unknown optimizer 'adamm'; valid values: sgd, adam, adamw, rmsprop/);
    await expectError(() => tf.layers.dense({ units: 3, activation: 'rectifier' as never }), RangeError, /dense: unknown activation 'rectifier'; valid values: linear, relu, .*softmax/);
    await expectError(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['precision'] }), RangeError, /compile: unknown metric 'precision'; valid values: accuracy, .*meanSquaredError/);
    expect(m.compileConfig).toBeNull();
  });

  it('batchSize <= 0, non-integer epochs, validationSplit out of range', async () => {
    const x = tf.zeros([10, 2]);
    const y = tf.zeros([10], 'int32');
    const m = compiled();
    for (const batchSize of [0, -4]) await expectError(() => m.fit(x, y, { batchSize, verbose: 0 }), RangeError, new RegExp(`batchSize must be in \\[1, \\d+\\], got ${batchSize}`));
    await expectError(() => m.fit(x, y, { batchSize: 2.5, verbose: 0 }), RangeError, /batchSize must be an integer, got 2.5/);
    await expectError(() => m.evaluate(x, y, { batchSize: 0 }), RangeError, /evaluate: batchSize must be in/);
    await expectError(() => m.fit(x, y, { epochs: 1.5, verbose: 0 }), RangeError, /fit: epochs must be an integer, got 1.5/);
    await expectError(() => m.fit(x, y, { epochs: '3' as never, verbose: 0 }), TypeError, /epochs must be a number, got '3'/);
    await expectError(() => m.fit(x, y, { validationSplit: 1, verbose: 0 }), RangeError, /validationSplit must be < 1, got 1/);
    await expectError(() => m.fit(x, y, { validationSplit: 1.5, verbose: 0 }), RangeError, /validationSplit must be in \[0, 1\], got 1.5/);
    await expectError(() => m.fit(x, y, { validationSplit: -0.1, verbose: 0 }), RangeError, /validationSplit must be in \[0, 1\], got -0.1/);
    await expectError(() => m.fit(x, y, { validationSplit: 0.99, verbose: 0 }), RangeError, /validationSplit 0.99 leaves no training samples out of 10/);
  });

  it('a second fit while one is running rejects; setWeights during fit rejects', async () => {
    tf.setSeed(26);
    const { x, y } = blobs(2000, 14);
    const m = classifier();
    const w = m.getWeights();
    const running = m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    await expectError(() => m.fit(x, y, { verbose: 0 }), Error, /fit: model '.*' is already training; wait for the running fit to finish/);
    await expectError(() => m.setWeights(w), Error, /setWeights: model '.*' is training/);
    await expectError(() => m.layers[0].setWeights(w.slice(0, 2)), Error, /setWeights: model '.*' is training/);
    await expectError(() => m.trainOnBatch(x, y), Error, /trainOnBatch: model '.*' is training/);
    const h = await running;
    expect(h.epoch).toEqual([0, 1, 2]);
    m.setWeights(w); // allowed again once fit is done
    await m.fit(x, y, { epochs: 1, verbose: 0 });
  });
});
