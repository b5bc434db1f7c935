// Functional models and TensorFlow.js (issue 16, points 1 and 3): the same
// graph built in both with the same weights predicts the same and, after a
// few SGD steps, holds the same weights; saved by one and loaded by the
// other, both ways (in memory and through directories); shared layers,
// branches and merges; Keras 3's inbound-node form; tensorforge's own round
// trip bit for bit.
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { captureTfjs, cleanupDirs, data, maxAbsDiff, tempDir, tfjsLoadDir } from '../io/helpers';
import { Rng } from '../training/reference';

afterAll(cleanupDirs);

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
/** Predictions agree to float32 rounding of the same arithmetic in another order. */
const TOL = 2e-5;

const predictTf = (m: tf.LayersModel, x: Float32Array, shape: number[]) => m.predict(tf.tensor(x, [x.length / shape.reduce((a, b) => a * b, 1), ...shape])).values as Float32Array;
const predictTfjs = (m: tfjs.LayersModel, x: Float32Array, shape: number[]) =>
  (m.predict(tfjs.tensor(x, [x.length / shape.reduce((a, b) => a * b, 1), ...shape])) as tfjs.Tensor).dataSync() as Float32Array;

/**
 * One graph, written once for both libraries (their functional APIs share
 * names): residual blocks around a shared Dense, a branch joined by
 * concatenate, multiply, average, subtract-free (TensorFlow.js has none),
 * reshape / permute / flatten, repeatVector, batch and layer normalization.
 */
interface Lib {
  input: (a: { shape: number[] }) => Any;
  model: (a: { inputs: Any; outputs: Any; name?: string }) => Any;
  layers: Any;
}
const TF: Lib = { input: (a) => tf.input(a), model: (a) => tf.model(a), layers: tf.layers };
const TFJS: Lib = { input: (a) => tfjs.input(a), model: (a) => tfjs.model(a), layers: tfjs.layers };

interface GraphCase {
  name: string;
  inputShape: number[];
  outputUnits: number;
  build: (lib: Lib) => Any;
}

const CASES: GraphCase[] = [
  {
    name: 'residual MLP with a shared block', inputShape: [6], outputUnits: 3,
    build: ({ input, model, layers: L }) => {
      const x = input({ shape: [6] });
      const h = L.dense({ units: 8, activation: 'relu', name: 'stem' }).apply(x);
      const block = L.dense({ units: 8, activation: 'tanh', name: 'block' });
      const r1 = L.add({ name: 'skip1' }).apply([block.apply(h), h]);
      const r2 = L.add({ name: 'skip2' }).apply([block.apply(r1), r1]);
      return model({ inputs: x, outputs: L.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(r2), name: 'residual' });
    },
  },
  {
    name: 'two branches: concatenate, multiply, average, maximum, normalizations', inputShape: [5], outputUnits: 2,
    build: ({ input, model, layers: L }) => {
      const x = input({ shape: [5] });
      const a = L.dense({ units: 4, activation: 'sigmoid', name: 'a' }).apply(x);
      const b = L.dense({ units: 4, name: 'b' }).apply(L.batchNormalization({ name: 'bn' }).apply(x));
      const c = L.concatenate({ name: 'cat' }).apply([a, b]);
      const m = L.multiply({ name: 'mul' }).apply([a, b]);
      const avg = L.average({ name: 'avg' }).apply([a, b, m]);
      const mx = L.maximum({ name: 'max' }).apply([avg, L.layerNormalization({ name: 'ln' }).apply(b)]);
      const joined = L.concatenate({ axis: -1, name: 'cat2' }).apply([c, mx]);
      return model({ inputs: x, outputs: L.dense({ units: 2, name: 'out' }).apply(joined) });
    },
  },
  {
    name: 'shape layers: reshape, permute, flatten, repeatVector', inputShape: [2, 3], outputUnits: 4,
    build: ({ input, model, layers: L }) => {
      const x = input({ shape: [2, 3] });
      const p = L.permute({ dims: [2, 1], name: 'perm' }).apply(x);
      const f = L.flatten({ name: 'flat' }).apply(p);
      const d = L.dense({ units: 3, name: 'd' }).apply(f);
      const rep = L.repeatVector({ n: 2, name: 'rep' }).apply(d);
      const back = L.reshape({ targetShape: [6], name: 'back' }).apply(rep);
      const sum = L.add({ name: 'sum' }).apply([back, f]);
      return model({ inputs: x, outputs: L.dense({ units: 4, activation: 'tanh', name: 'out' }).apply(sum) });
    },
  },
];

/** Random weights into a TensorFlow.js model; moving variances kept positive. */
function randomizeTfjs(m: tfjs.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  m.setWeights(m.weights.map((w) => {
    const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
    const v = /variance|gamma/.test(w.name) ? rng.array(n, 0.5, 1.5) : rng.array(n, -0.7, 0.7);
    return tfjs.tensor(v, w.shape as number[]);
  }));
}

/** Copies a TensorFlow.js model's weights into ours layer by layer, by name. */
function copyWeights(from: tfjs.LayersModel, to: tf.LayersModel): void {
  for (const layer of to.layers) {
    const theirs = from.getLayer(layer.name).getWeights();
    const ours = layer.getWeights();
    expect(theirs.map((t) => t.shape)).toEqual(ours.map((t) => t.shape));
    layer.setWeights(theirs.map((t) => tf.tensor(t.dataSync() as Float32Array, t.shape as number[])));
  }
}

function layerWeights(m: tf.LayersModel | tfjs.LayersModel, name: string): Float32Array[] {
  return (m as Any).getLayer(name).getWeights().map((t: Any) => Float32Array.from(t.values ?? t.dataSync()));
}

describe('the same functional graph in tensorforge and TensorFlow.js', () => {
  CASES.forEach((c, i) => {
    it(`${c.name}: same weights, same predictions`, () => {
      const theirs = c.build(TFJS) as tfjs.LayersModel;
      randomizeTfjs(theirs, 300 + i);
      const ours = c.build(TF) as tf.LayersModel;
      expect(ours.layers.map((l) => l.name).sort()).toEqual(theirs.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name).sort());
      copyWeights(theirs, ours);
      const x = data(12, c.inputShape, 40 + i);
      expect(maxAbsDiff(predictTf(ours, x, c.inputShape), predictTfjs(theirs, x, c.inputShape))).toBeLessThanOrEqual(TOL);
    });
  });

  it('a few SGD steps from the same weights give the same weights (shared layer and skip connections included)', async () => {
    const c = CASES[0];
    const theirs = c.build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(theirs, 321);
    const ours = c.build(TF) as tf.LayersModel;
    copyWeights(theirs, ours);
    const x = data(16, c.inputShape, 9);
    const labels = Array.from({ length: 16 }, (_, k) => k % 3);
    const onehot = Float32Array.from(labels.flatMap((l) => [0, 1, 2].map((j) => (j === l ? 1 : 0))));
    theirs.compile({ optimizer: tfjs.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    ours.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    await theirs.fit(tfjs.tensor(x, [16, 6]), tfjs.tensor(onehot, [16, 3]), { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    await ours.fit(tf.tensor(x, [16, 6]), tf.tensor(onehot, [16, 3]), { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    for (const name of ['stem', 'block', 'head']) {
      const a = layerWeights(ours, name);
      const b = layerWeights(theirs, name);
      a.forEach((w, k) => expect(maxAbsDiff(w, b[k]), `${name} weight ${k}`).toBeLessThanOrEqual(1e-5));
    }
    // Not vacuous: training moved the shared block.
    const fresh = c.build(TFJS) as tfjs.LayersModel;
    randomizeTfjs(fresh, 321);
    expect(maxAbsDiff(layerWeights(ours, 'block')[0], layerWeights(fresh, 'block')[0])).toBeGreaterThan(1e-3);
  });
});

describe('saving and loading functional models', () => {
  CASES.forEach((c, i) => {
    it(`${c.name}: TensorFlow.js -> tensorforge (in memory) and tensorforge -> TensorFlow.js (a directory)`, async () => {
      const theirs = c.build(TFJS) as tfjs.LayersModel;
      randomizeTfjs(theirs, 400 + i);
      const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(theirs)) as Any);
      expect(loaded).toBeInstanceOf(tf.Functional);
      const x = data(10, c.inputShape, 60 + i);
      expect(maxAbsDiff(predictTf(loaded, x, c.inputShape), predictTfjs(theirs, x, c.inputShape))).toBeLessThanOrEqual(TOL);
      expect(loaded.getWeights().length).toBe(theirs.getWeights().length);

      const dir = tempDir();
      await loaded.save(`file://${dir}`);
      const back = await tfjsLoadDir(dir);
      expect(back.layers.length).toBe(theirs.layers.length);
      expect(maxAbsDiff(predictTfjs(back, x, c.inputShape), predictTfjs(theirs, x, c.inputShape))).toBeLessThanOrEqual(TOL);
    });
  });

  it('what tensorforge writes: TensorFlow.js\'s Model topology (InputLayer, inbound_nodes per application, input_layers, output_layers)', async () => {
    const m = CASES[0].build(TF) as tf.LayersModel;
    m.build([6]);
    const t = (await m.toArtifacts()).modelTopology as Any;
    expect(t.class_name).toBe('Model');
    expect(t.config.name).toBe('residual');
    const layers = t.config.layers as Any[];
    expect(layers[0]).toEqual({ name: layers[0].name, class_name: 'InputLayer', config: { batch_input_shape: [null, 6], dtype: 'float32', sparse: false, name: layers[0].name }, inbound_nodes: [] });
    const input = layers[0].name;
    const byName = (n: string) => layers.find((l) => l.name === n);
    expect(byName('stem').inbound_nodes).toEqual([[[input, 0, 0, {}]]]);
    expect(byName('block').inbound_nodes).toEqual([[['stem', 0, 0, {}]], [['skip1', 0, 0, {}]]]);
    expect(byName('skip2').inbound_nodes).toEqual([[['block', 1, 0, {}], ['skip1', 0, 0, {}]]]);
    expect(byName('block').config.batch_input_shape).toBeUndefined();
    expect(t.config.input_layers).toEqual([[input, 0, 0]]);
    expect(t.config.output_layers).toEqual([['head', 0, 0]]);
  });

  it('tensorforge -> tensorforge: the graph, the weights and the outputs bit for bit, with the optimizer state', async () => {
    const m = CASES[1].build(TF) as tf.LayersModel;
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = data(20, [5], 3);
    const y = data(20, [2], 4);
    await m.fit(tf.tensor(x, [20, 5]), tf.tensor(y, [20, 2]), { epochs: 2, batchSize: 5, verbose: 0 });
    const loaded = await tf.fromArtifacts(await m.toArtifacts({ includeOptimizer: true }));
    expect(loaded).toBeInstanceOf(tf.Functional);
    expect(loaded.layers.map((l) => [l.name, l.className])).toEqual(m.layers.map((l) => [l.name, l.className]));
    expect(loaded.getWeights().map((w) => w.values)).toEqual(m.getWeights().map((w) => w.values));
    expect(loaded.predict(tf.tensor(x, [20, 5])).values).toEqual(m.predict(tf.tensor(x, [20, 5])).values);
    const summary = (model: tf.LayersModel) => {
      const lines: string[] = [];
      model.summary(undefined, undefined, (l) => lines.push(l));
      return lines.slice(1).join('\n').replace(/input_\d+/g, 'input');
    };
    expect(summary(loaded)).toEqual(summary(m));
    // Training resumes identically.
    await m.fit(tf.tensor(x, [20, 5]), tf.tensor(y, [20, 2]), { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    await loaded.fit(tf.tensor(x, [20, 5]), tf.tensor(y, [20, 2]), { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    expect(loaded.getWeights().map((w) => w.values)).toEqual(m.getWeights().map((w) => w.values));
  });

  it('a frozen layer of a functional model stays frozen through TensorFlow.js', async () => {
    const x = tf.input({ shape: [3] });
    const frozen = tf.layers.dense({ units: 4, trainable: false, name: 'frozen' });
    const m = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2, name: 'top' }).apply(frozen.apply(x)) });
    m.build();
    const theirs = await tfjs.loadLayersModel(tfjs.io.fromMemory(await m.toArtifacts() as Any));
    expect(theirs.getLayer('frozen').trainable).toBe(false);
    const back = await tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(theirs)) as Any);
    expect(back.getLayer('frozen').trainable).toBe(false);
    expect(back.weightSpecs().map((s) => s.trainable)).toEqual([false, false, true, true]);
  });

  it('Keras 3 functional JSON: keras tensors with node indices (a shared layer), several arguments (add)', async () => {
    const kt = (from: string, node: number, width: number) => ({ class_name: '__keras_tensor__', config: { shape: [null, width], dtype: 'float32', keras_history: [from, node, 0] } });
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const dense = (name: string, units: number) => ({
      module: 'keras.layers', class_name: 'Dense', registered_name: null, name,
      config: { name, trainable: true, dtype: policy, units, activation: 'linear', use_bias: true, kernel_initializer: null, bias_initializer: null },
    });
    const topology = {
      keras_version: '3.5.0', backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'functional', trainable: true,
          layers: [
            { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: 'input_layer', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer' }, inbound_nodes: [] },
            { ...dense('shared', 3), inbound_nodes: [{ args: [kt('input_layer', 0, 3)], kwargs: {} }, { args: [kt('shared', 0, 3)], kwargs: {} }] },
            { module: 'keras.layers', class_name: 'Add', registered_name: null, name: 'add', config: { name: 'add', trainable: true, dtype: policy }, inbound_nodes: [{ args: [[kt('shared', 1, 3), kt('input_layer', 0, 3)]], kwargs: {} }] },
          ],
          input_layers: ['input_layer', 0, 0], output_layers: ['add', 0, 0],
        },
      },
    };
    const rng = new Rng(5);
    const kernel = rng.array(9, -1, 1);
    const bias = rng.array(3, -1, 1);
    const weightData = new Float32Array([...kernel, ...bias]).buffer;
    const m = await tf.fromArtifacts({ modelTopology: topology, format: 'layers-model', weightSpecs: [{ name: 'shared/0', shape: [3, 3], dtype: 'float32' }, { name: 'shared/1', shape: [3], dtype: 'float32' }], weightData } as Any);
    const xs = [0.5, -1, 2];
    const dense1 = (v: number[]) => [0, 1, 2].map((j) => bias[j] + v.reduce((a, vi, i) => a + vi * kernel[i * 3 + j], 0));
    const expected = dense1(dense1(xs)).map((v, j) => v + xs[j]);
    expect(maxAbsDiff(m.predict(tf.tensor([xs], [1, 3])).values as Float32Array, expected)).toBeLessThanOrEqual(1e-5);
    expect(m.layers.map((l) => l.name)).toEqual(['shared', 'add']);
  });
});
