// Functional models with several outputs (issue 16): a loss per output with
// lossWeights, targets as an array or by output name, history keys as Keras
// names them, predict returning one tensor per output. The same two-output
// graph in tensorforge and TensorFlow.js with the same weights predicts the
// same, and holds the same weights and losses after a few SGD steps; every
// entry point takes the outputs; files round-trip both ways; each malformed
// argument names the output.
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { captureTfjs, cleanupDirs, data, maxAbsDiff, tempDir, tfjsLoadDir } from '../io/helpers';
import { copyWeights, randomizeTfjs } from './tfjs_twins';

afterAll(cleanupDirs);

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const TOL = 2e-5;
const N = 12;

/**
 * features [5] -> shared dense -> a class of 3 ('cls', softmax) and a score
 * ('score', linear); 'cls' also feeds a third output ('gate', sigmoid), so one
 * output is read by another layer as well as by its loss.
 */
function build(lib: { input: Any; model: Any; layers: Any }): Any {
  const L = lib.layers;
  const x = lib.input({ shape: [5], name: 'x' });
  const h = L.dense({ units: 6, activation: 'tanh', name: 'trunk' }).apply(x);
  const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
  const score = L.dense({ units: 2, name: 'score' }).apply(h);
  const gate = L.dense({ units: 1, activation: 'sigmoid', name: 'gate' }).apply(cls);
  return lib.model({ inputs: x, outputs: [cls, score, gate], name: 'three_outputs' });
}
const TF = { input: tf.input, model: tf.model, layers: tf.layers };
const TFJS = { input: tfjs.input, model: tfjs.model, layers: tfjs.layers };

const xs = (seed: number, n = N) => data(n, [5], seed);
const classes = (n = N) => Array.from({ length: n }, (_, k) => k % 3);
const scores = (seed: number, n = N) => data(n, [2], seed);
const gates = (n = N) => Float32Array.from({ length: n }, (_, k) => (k % 2));
const targets = (n = N, seed = 3) => ({
  cls: tf.tensor1d(classes(n), 'int32'), score: tf.tensor(scores(seed, n), [n, 2]), gate: tf.tensor(gates(n), [n, 1]),
});
const LOSS = { cls: 'sparseCategoricalCrossentropy', score: 'meanSquaredError', gate: 'binaryCrossentropy' };

describe('a functional model with several outputs', () => {
  it('predicts one tensor per output, as TensorFlow.js with the same weights', async () => {
    const t = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(t, 5);
    const m = build(TF) as tf.Functional;
    copyWeights(t, m);
    const x = xs(10);
    const want = (t.predict(tfjs.tensor(x, [N, 5])) as tfjs.Tensor[]).map((p) => p.dataSync() as Float32Array);
    const got = m.predict(tf.tensor(x, [N, 5])) as tf.Tensor[];
    expect(got.map((p) => p.shape)).toEqual([[N, 3], [N, 2], [N, 1]]);
    got.forEach((p, k) => expect(maxAbsDiff(p.values as Float32Array, want[k]), `output ${k}`).toBeLessThanOrEqual(TOL));
    const async = (await m.predictAsync(tf.tensor(x, [N, 5]))) as tf.Tensor[];
    async.forEach((p, k) => expect(p.values).toEqual(got[k].values));
    expect(m.outputNames).toEqual(['cls', 'score', 'gate']);
    expect(m.outputShapes).toEqual([[3], [2], [1]]);
  });

  it('a few SGD steps give TensorFlow.js\'s weights and per-output losses; targets as an array or by name train alike', async () => {
    const start = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(start, 6);
    const n = 16;
    const x = xs(20, n);
    const twins = [build(TF), build(TF)] as tf.LayersModel[];
    for (const m of twins) {
      copyWeights(start, m);
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.2 }), loss: LOSS });
    }
    const y = targets(n);
    const h = await twins[0].fit(tf.tensor(x, [n, 5]), [y.cls, y.score, y.gate], { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    await twins[1].fit(tf.tensor(x, [n, 5]), { gate: y.gate, cls: y.cls, score: y.score }, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(twins[1].getWeights().map((w) => w.values)).toEqual(twins[0].getWeights().map((w) => w.values));

    const initial = start.getLayer('trunk').getWeights()[0].dataSync().slice() as Float32Array;
    start.compile({ optimizer: tfjs.train.sgd(0.2), loss: LOSS });
    const ht = await start.fit(tfjs.tensor(x, [n, 5]), {
      cls: tfjs.tensor1d(classes(n), 'float32'), score: tfjs.tensor(scores(3, n), [n, 2]), gate: tfjs.tensor(gates(n), [n, 1]),
    }, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    for (const name of ['trunk', 'cls', 'score', 'gate']) {
      const a = twins[0].getLayer(name).getWeights().map((w) => w.values as Float32Array);
      const b = start.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array);
      a.forEach((w, k) => expect(maxAbsDiff(w, b[k]), `${name} weight ${k}`).toBeLessThanOrEqual(1e-5));
    }
    for (const key of ['loss', 'cls_loss', 'score_loss', 'gate_loss']) {
      expect(h.history[key], key).toHaveLength(3);
      h.history[key].forEach((v, e) => expect(v, `${key} epoch ${e}`).toBeCloseTo(ht.history[key][e] as number, 4));
    }
    // Not vacuous: training moved the shared weights.
    expect(maxAbsDiff(twins[0].getLayer('trunk').getWeights()[0].values, initial)).toBeGreaterThan(1e-3);
  });

  it('lossWeights scale each output\'s share of the gradient (TensorFlow.js ignores them, so exact identities instead)', async () => {
    const start = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(start, 8);
    const n = 8;
    const x = tf.tensor(xs(21, n), [n, 5]);
    const y = targets(n);
    const trained = async (lr: number, lossWeights?: Record<string, number>) => {
      const m = build(TF) as tf.LayersModel;
      copyWeights(start, m);
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: lr }), loss: LOSS, ...(lossWeights ? { lossWeights } : {}) });
      const h = await m.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
      return { m, h };
    };
    // Every weight doubled is the learning rate doubled (SGD is linear in the gradient).
    const doubled = await trained(0.1, { cls: 2, score: 2, gate: 2 });
    const fast = await trained(0.2);
    doubled.m.getWeights().forEach((w, k) => expect(maxAbsDiff(w.values as Float32Array, fast.m.getWeights()[k].values as Float32Array)).toBeLessThanOrEqual(1e-6));
    expect(doubled.h.history.loss[0]).toBeCloseTo(2 * fast.h.history.loss[0], 5);
    // A weight of 0 takes the output out of training: its layer keeps its weights.
    const zero = await trained(0.2, { score: 0 });
    const before = start.getLayer('score').getWeights().map((w) => w.dataSync() as Float32Array);
    zero.m.getLayer('score').getWeights().forEach((w, k) => expect(w.values).toEqual(before[k]));
    expect(zero.h.history.loss[0]).toBeCloseTo(zero.h.history.cls_loss[0] + zero.h.history.gate_loss[0], 5);
    expect(zero.h.history.score_loss[0]).toBeGreaterThan(0);
  });

  it('history and evaluate use Keras\'s keys; the total is the weighted sum of the outputs\' losses', async () => {
    const m = build(TF) as tf.LayersModel;
    m.compile({ optimizer: 'adam', loss: LOSS, metrics: { cls: ['accuracy'], gate: 'binaryAccuracy' }, lossWeights: [1, 0.5, 2] });
    const x = tf.tensor(xs(30), [N, 5]);
    const y = targets();
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, validationData: [tf.tensor(xs(31), [N, 5]), targets(N, 4)], verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual([
      'cls_acc', 'cls_accuracy', 'cls_loss', 'gate_binaryAccuracy', 'gate_loss', 'loss', 'score_loss',
      'val_cls_acc', 'val_cls_accuracy', 'val_cls_loss', 'val_gate_binaryAccuracy', 'val_gate_loss', 'val_loss', 'val_score_loss',
    ]);
    const logs = await m.evaluate(x, y, { batchSize: 5 });
    expect(logs.loss).toBeCloseTo(logs.cls_loss + 0.5 * logs.score_loss + 2 * logs.gate_loss, 5);
    // Each output's loss against its own definition over the predictions.
    const [pc, ps, pg] = (m.predict(x) as tf.Tensor[]).map((t) => t.values as Float32Array);
    const sc = scores(3);
    let ce = 0;
    let mse = 0;
    let bce = 0;
    let hits = 0;
    for (let i = 0; i < N; i++) {
      ce -= Math.log(pc[i * 3 + classes()[i]]);
      hits += pc.subarray(i * 3, i * 3 + 3).indexOf(Math.max(...pc.subarray(i * 3, i * 3 + 3))) === classes()[i] ? 1 : 0;
      for (let c = 0; c < 2; c++) mse += (ps[i * 2 + c] - sc[i * 2 + c]) ** 2 / 2;
      const g = gates()[i];
      bce -= g * Math.log(pg[i]) + (1 - g) * Math.log(1 - pg[i]);
    }
    expect(logs.cls_loss).toBeCloseTo(ce / N, 4);
    expect(logs.score_loss).toBeCloseTo(mse / N, 5);
    expect(logs.gate_loss).toBeCloseTo(bce / N, 4);
    expect(logs.cls_accuracy).toBeCloseTo(hits / N, 6);
    const split = await m.fit(x, [y.cls, y.score, y.gate], { epochs: 1, batchSize: 4, validationSplit: 0.25, verbose: 0 });
    expect(split.history.val_score_loss).toHaveLength(1);
    const step = await m.trainOnBatch(x, y);
    expect(Object.keys(step)).toEqual(expect.arrayContaining(['loss', 'cls_loss', 'score_loss', 'gate_loss', 'cls_accuracy']));
    const batches = tf.data.array([0, 1, 2]).map((k) => ({
      xs: tf.tensor(xs(40 + k, 4), [4, 5]),
      ys: { cls: tf.tensor1d([0, 1, 2, 0], 'int32'), score: tf.tensor(scores(k, 4), [4, 2]), gate: tf.tensor([0, 1, 1, 0], [4, 1]) },
    }));
    const hd = await m.fitDataset(batches, { epochs: 2, verbose: 0 });
    expect(hd.history.gate_loss).toHaveLength(2);
  });

  it('saves and loads both ways with TensorFlow.js, with its training configuration', async () => {
    const t = build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(t, 7);
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(t)) as Any) as tf.Functional;
    expect(loaded.outputNames).toEqual(['cls', 'score', 'gate']);
    const x = xs(50);
    const want = (t.predict(tfjs.tensor(x, [N, 5])) as tfjs.Tensor[]).map((p) => p.dataSync() as Float32Array);
    const got = loaded.predict(tf.tensor(x, [N, 5])) as tf.Tensor[];
    got.forEach((p, k) => expect(maxAbsDiff(p.values as Float32Array, want[k])).toBeLessThanOrEqual(TOL));
    loaded.compile({ optimizer: 'sgd', loss: LOSS, lossWeights: { score: 0.25 }, metrics: { cls: 'accuracy' } });
    const dir = tempDir();
    await loaded.save(`file://${dir}`);
    const back = await tfjsLoadDir(dir);
    expect(back.outputNames).toEqual(['cls', 'score', 'gate']);
    const theirs = back.predict(tfjs.tensor(x, [N, 5])) as tfjs.Tensor[];
    theirs.forEach((p, k) => expect(maxAbsDiff(p.dataSync() as Float32Array, want[k])).toBeLessThanOrEqual(TOL));
    const again = await tf.fromArtifacts(await loaded.toArtifacts()) as tf.Functional;
    const c = again.compileConfig!;
    expect(c.outputs!.names).toEqual(['cls', 'score', 'gate']);
    expect(c.outputs!.weights).toEqual([1, 0.25, 1]);
    expect(c.outputs!.losses.map((l) => l.name)).toEqual(['sparseCategoricalCrossentropy', 'meanSquaredError', 'binaryCrossentropy']);
    expect(c.outputs!.metrics.map((ms) => ms.map((mm) => mm.key))).toEqual([['accuracy'], [], []]);
  });

  it('refuses malformed losses, weights and targets, naming the output, and stays usable', async () => {
    const m = build(TF) as tf.LayersModel;
    expect(() => m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'meanSquaredError'] })).toThrow("compile: loss must hold one entry per output (3: 'cls', 'score', 'gate'), got 2");
    expect(() => m.compile({ optimizer: 'sgd', loss: { cls: 'meanSquaredError', scor: 'meanSquaredError' } })).toThrow("compile: loss names output 'scor', which the model does not have; its outputs are 'cls', 'score', 'gate'");
    expect(() => m.compile({ optimizer: 'sgd', loss: { cls: 'meanSquaredError' } })).toThrow("compile: loss has no entry for output 'score'; every output needs a loss");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: [1, 2] })).toThrow('compile: lossWeights must hold one entry per output (3');
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: { score: -1 } })).toThrow("compile: lossWeights for output 'score' must be a finite number >= 0, got -1");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: 2 as Any })).toThrow(/^compile: lossWeights must be an array/);
    expect(() => m.compile({ optimizer: 'sgd', loss: LOSS, metrics: { gat: ['accuracy'] } })).toThrow("compile: metrics names output 'gat'");
    m.compile({ optimizer: 'sgd', loss: LOSS });
    const x = tf.tensor(xs(60), [N, 5]);
    const y = targets();
    await expect(m.fit(x, y.cls, { verbose: 0 })).rejects.toThrow("fit: the model has 3 outputs ('cls', 'score', 'gate'): y must be an array of 3 target tensors or an object keyed by output name, got one tensor of shape [12]");
    await expect(m.fit(x, [y.cls, y.score], { verbose: 0 })).rejects.toThrow('fit: y must hold one entry per output (3');
    await expect(m.fit(x, { cls: y.cls, score: y.score, gate: y.gate, extra: y.gate }, { verbose: 0 })).rejects.toThrow("fit: y names output 'extra'");
    await expect(m.fit(x, { cls: y.cls, score: y.score }, { verbose: 0 })).rejects.toThrow("fit: y is missing the targets of output 'gate'");
    await expect(m.fit(x, { ...y, score: tf.zeros([N, 3]) }, { verbose: 0 })).rejects.toThrow("fit: output 'score': y must have shape [12, 2]");
    await expect(m.fit(x, { ...y, cls: tf.tensor1d(classes().map((c) => c + 1), 'int32') }, { verbose: 0 })).rejects.toThrow("fit: output 'cls': label 3 at index 2 is outside [0, 3)");
    await expect(m.fit(x, y, { verbose: 0, classWeight: { 0: 2 } })).rejects.toThrow("fit: classWeight weighs the classes of one output; model 'three_outputs' has 3 (use sampleWeight)");
    const h = await m.fit(x, y, { verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);

    const one = tf.sequential([tf.layers.dense({ units: 2, inputShape: [3] })]);
    expect(() => one.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: [1] })).toThrow(/^compile: lossWeights weighs the losses of a model with several outputs/);
  });
});
