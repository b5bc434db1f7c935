// Functional models with several inputs (issue 16): `fit([xa, xb], y)` or
// `fit({ a: xa, b: xb }, y)`. The same two-input graph in tensorforge and
// TensorFlow.js with the same weights predicts the same and holds the same
// weights after a few SGD steps; both input forms train identically; every
// entry point (fit with validation, evaluate, predict, predictAsync,
// trainOnBatch, fitDataset) takes them; files round-trip both ways; and each
// malformed input names the input.
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { captureTfjs, cleanupDirs, data, maxAbsDiff, tempDir, tfjsLoadDir } from '../io/helpers';
import { copyWeights, randomizeTfjs } from './tfjs_twins';

afterAll(cleanupDirs);

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const TOL = 2e-5;
const N = 12;

/** image-like features [2, 3] and metadata [4] -> a class of 3 (a branch per input, joined). */
function build(lib: { input: Any; model: Any; layers: Any }): Any {
  const L = lib.layers;
  const image = lib.input({ shape: [2, 3], name: 'image' });
  const meta = lib.input({ shape: [4], name: 'meta' });
  const a = L.dense({ units: 5, activation: 'relu', name: 'img_dense' }).apply(L.flatten({ name: 'flat' }).apply(image));
  const b = L.dense({ units: 3, activation: 'tanh', name: 'meta_dense' }).apply(meta);
  const joined = L.concatenate({ name: 'joined' }).apply([a, b]);
  return lib.model({ inputs: [image, meta], outputs: L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined), name: 'two_inputs' });
}
const TF = { input: tf.input, model: tf.model, layers: tf.layers };
const TFJS = { input: tfjs.input, model: tfjs.model, layers: tfjs.layers };

const xs = (seed: number, n = N) => ({ image: data(n, [2, 3], seed), meta: data(n, [4], seed + 1) });
const ours = (x: ReturnType<typeof xs>, n = N) => [tf.tensor(x.image, [n, 2, 3]), tf.tensor(x.meta, [n, 4])];
const theirs = (x: ReturnType<typeof xs>, n = N) => [tfjs.tensor(x.image, [n, 2, 3]), tfjs.tensor(x.meta, [n, 4])];
const labels = (n = N) => tf.tensor1d(Array.from({ length: n }, (_, k) => k % 3), 'int32');

describe('a functional model with two inputs', () => {
  it('predicts as TensorFlow.js with the same weights, given an array or an object by input name', () => {
    const t = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(t, 5);
    const m = build(TF) as tf.LayersModel;
    copyWeights(t, m);
    const x = xs(10);
    const want = (t.predict(theirs(x)) as tfjs.Tensor).dataSync() as Float32Array;
    const [image, meta] = ours(x);
    expect(maxAbsDiff(m.predict([image, meta]).values, want)).toBeLessThanOrEqual(TOL);
    expect(m.predict({ meta, image }).values).toEqual(m.predict([image, meta]).values);
    expect((m as tf.Functional).inputNames).toEqual(['image', 'meta']);
  });

  it('a few SGD steps give TensorFlow.js\'s weights; both input forms train identically', async () => {
    const start = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(start, 6);
    const x = xs(20, 16);
    const y = Float32Array.from(Array.from({ length: 16 }, (_, k) => [0, 1, 2].map((j) => (j === k % 3 ? 1 : 0))).flat());
    const twins = [build(TF), build(TF)] as tf.LayersModel[];
    for (const m of twins) {
      copyWeights(start, m);
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.2 }), loss: 'categoricalCrossentropy' });
    }
    const [image, meta] = ours(x, 16);
    const yt = tf.tensor(y, [16, 3]);
    await twins[0].fit([image, meta], yt, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    await twins[1].fit({ image, meta }, yt, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(twins[1].getWeights().map((w) => w.values)).toEqual(twins[0].getWeights().map((w) => w.values));

    const initial = start.getLayer('cls').getWeights()[0].dataSync().slice() as Float32Array;
    start.compile({ optimizer: tfjs.train.sgd(0.2), loss: 'categoricalCrossentropy' });
    await start.fit(theirs(x, 16), tfjs.tensor(y, [16, 3]), { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    for (const name of ['img_dense', 'meta_dense', 'cls']) {
      const a = twins[0].getLayer(name).getWeights().map((w) => w.values as Float32Array);
      const b = start.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array);
      a.forEach((w, k) => expect(maxAbsDiff(w, b[k]), `${name} weight ${k}`).toBeLessThanOrEqual(1e-5));
    }
    // Not vacuous: training moved the weights.
    expect(maxAbsDiff(twins[0].getLayer('cls').getWeights()[0].values, initial)).toBeGreaterThan(1e-3);
  });

  it('fit with validation data and split, evaluate, predictAsync, trainOnBatch and fitDataset take several inputs', async () => {
    const m = build(TF) as tf.LayersModel;
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = ours(xs(30));
    const h = await m.fit(x, labels(), { epochs: 2, batchSize: 4, validationData: [ours(xs(40)), labels()], verbose: 0 });
    expect(Object.keys(h.history)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy']));
    const split = await m.fit({ image: x[0], meta: x[1] }, labels(), { epochs: 1, batchSize: 4, validationSplit: 0.25, verbose: 0 });
    expect(split.history.val_loss).toHaveLength(1);
    const logs = await m.evaluate(x, labels(), { batchSize: 5 });
    expect(Number.isFinite(logs.loss)).toBe(true);
    expect((await m.predictAsync(x)).values).toEqual(m.predict(x).values);
    expect(Number.isFinite((await m.trainOnBatch(x, labels())).loss)).toBe(true);
    const raw = xs(30);
    const batches = tf.data.array([0, 1, 2]).map((k) => ({
      xs: { image: tf.tensor(raw.image.subarray(k * 24, (k + 1) * 24), [4, 2, 3]), meta: tf.tensor(raw.meta.subarray(k * 16, (k + 1) * 16), [4, 4]) },
      ys: tf.tensor1d([0, 1, 2, 0], 'int32'),
    }));
    const hd = await m.fitDataset(batches, { epochs: 2, verbose: 0 });
    expect(hd.history.loss).toHaveLength(2);
    expect(m.predict(x).shape).toEqual([N, 3]);
  });

  it('summary lists both inputs; getWeights and countParams cover both branches', () => {
    const m = build(TF) as tf.LayersModel;
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/image \(InputLayer\)\s+\[null,2,3\]/);
    expect(text).toMatch(/meta \(InputLayer\)\s+\[null,4\]/);
    expect(text).toMatch(/joined \(Concatenate\)\s+\[null,8\]\s+0\s+img_dense\[0\]\[0\]/);
    expect(m.countParams()).toBe(6 * 5 + 5 + 4 * 3 + 3 + 8 * 3 + 3);
  });

  it('saves and loads both ways with TensorFlow.js (input_layers lists both inputs)', async () => {
    const t = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(t, 7);
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(t)) as Any);
    const names = t.inputLayers.map((l) => l.name);
    expect(names).toHaveLength(2);
    expect((loaded as tf.Functional).inputNames).toEqual(names);
    const x = xs(50);
    const want = (t.predict(theirs(x)) as tfjs.Tensor).dataSync() as Float32Array;
    expect(maxAbsDiff(loaded.predict(ours(x)).values, want)).toBeLessThanOrEqual(TOL);
    const dir = tempDir();
    await loaded.save(`file://${dir}`);
    const back = await tfjsLoadDir(dir);
    expect(back.inputLayers.map((l) => l.name)).toEqual(names);
    expect(maxAbsDiff((back.predict(theirs(x)) as tfjs.Tensor).dataSync() as Float32Array, want)).toBeLessThanOrEqual(TOL);
    const again = await tf.fromArtifacts(await loaded.toArtifacts());
    expect(again.predict(ours(x)).values).toEqual(loaded.predict(ours(x)).values);
  });

  it('refuses malformed inputs, naming the input', async () => {
    const m = build(TF) as tf.LayersModel;
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const [image, meta] = ours(xs(60));
    expect(() => m.predict(image)).toThrow(TypeError);
    expect(() => m.predict(image)).toThrow("predict: the model has 2 inputs ('image', 'meta'): x must be an array of 2 tensors or an object keyed by input name, got one tensor of shape [12,2,3]");
    expect(() => m.predict([image])).toThrow("predict: x must hold 2 inputs ('image', 'meta'), got an array of 1");
    // An array with a hole (campaign seed 424242 case 13551: a raw "Cannot read properties of undefined").
    expect(() => m.predict(new Array(2) as never)).toThrow("predict: input 'image' is required");
    expect(() => m.predict({ image })).toThrow("predict: x is missing input 'meta' (the model's inputs are 'image', 'meta')");
    expect(() => m.predict({ image, meta, extra: meta })).toThrow("predict: x has no input named 'extra'; the model's inputs are 'image', 'meta'");
    expect(() => m.predict([image, tf.zeros([N, 5])])).toThrow(/^predict: input 'meta' has per-sample shape \[5\] \(5 features\) but the model expects \[4\]/);
    expect(() => m.predict([image, tf.zeros([N - 1, 4])])).toThrow(`predict: input 'meta' has ${N - 1} samples but input 'image' has ${N}`);
    await expect(m.fit([image, tf.tensor(new Float32Array(N * 4).fill(NaN), [N, 4])], labels(), { verbose: 0 })).rejects.toThrow("fit: input 'meta' contains NaN at sample 0, feature 0; clean or impute the data first");
    await expect(m.fit([image, meta], tf.tensor1d([1, 2], 'int32'), { verbose: 0 })).rejects.toThrow(`fit: x has ${N} samples but y has 2`);
    // Still usable.
    expect(m.predict([image, meta]).shape).toEqual([N, 3]);
  });
});
