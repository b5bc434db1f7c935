// Interop with the real peer, @tensorflow/tfjs (CPU backend, no tfjs-node):
// models built and saved by TensorFlow.js load into tensorforge, and models
// saved by tensorforge load into TensorFlow.js, with the same predictions.
// Tolerance: max |difference| <= 1e-5 (float32 arithmetic in different orders).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { captureTfjs, cleanupDirs, data, maxAbsDiff, rng, tempDir, tfPredict, tfjsLoadDir, tfjsPredict, writeSharded } from './helpers';

const TOL = 1e-5;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});
afterAll(cleanupDirs);

/** Random weights (moving variances positive), so nothing is at its initial value. */
function randomizeTfjs(m: tfjs.LayersModel, seed: number): void {
  const r = rng(seed);
  m.setWeights(m.weights.map((w) => {
    const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
    const vals = Float32Array.from({ length: n }, () => (w.name.includes('moving_variance') ? 0.5 + 1.5 * r() : r() - 0.5));
    return tfjs.tensor(vals, w.shape as number[]);
  }));
}

function randomizeTf(m: tf.Sequential, seed: number): void {
  const r = rng(seed);
  const specs = m.weightSpecs();
  m.setWeights(specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => (s.name.endsWith('moving_variance') ? 0.5 + 1.5 * r() : r() - 0.5)), s.shape);
  }));
}

const L = tfjs.layers;
interface TfjsCase {
  name: string;
  inputShape: number[];
  build: () => tfjs.LayersModel;
}

const tfjsCases: TfjsCase[] = [
  {
    name: 'dense stack relu -> softmax', inputShape: [8],
    build: () => tfjs.sequential({ layers: [L.dense({ units: 16, activation: 'relu', inputShape: [8] }), L.dense({ units: 4, activation: 'softmax' })] }),
  },
  {
    name: 'tanh, sigmoid', inputShape: [6],
    build: () => tfjs.sequential({ layers: [L.dense({ units: 10, activation: 'tanh', inputShape: [6] }), L.dense({ units: 5, activation: 'sigmoid' })] }),
  },
  {
    name: 'elu, selu, softplus, softsign', inputShape: [5],
    build: () => tfjs.sequential({
      layers: [L.dense({ units: 8, activation: 'elu', inputShape: [5] }), L.dense({ units: 8, activation: 'selu' }),
        L.dense({ units: 8, activation: 'softplus' }), L.dense({ units: 3, activation: 'softsign' })],
    }),
  },
  {
    name: 'relu6, swish, gelu, linear without bias', inputShape: [6],
    build: () => tfjs.sequential({
      layers: [L.dense({ units: 8, activation: 'relu6', inputShape: [6] }), L.dense({ units: 8, activation: 'swish' as Any }),
        L.dense({ units: 8, activation: 'gelu' as Any }), L.dense({ units: 3, useBias: false })],
    }),
  },
  {
    name: 'dropout + batchNormalization', inputShape: [7],
    build: () => tfjs.sequential({
      layers: [L.dense({ units: 12, activation: 'relu', inputShape: [7] }), L.dropout({ rate: 0.3 }), L.batchNormalization(),
        L.dense({ units: 6 }), L.batchNormalization({ center: false, epsilon: 0.01 }), L.dense({ units: 3, activation: 'softmax' })],
    }),
  },
  {
    name: 'flatten of [4,5] + Activation layers', inputShape: [4, 5],
    build: () => tfjs.sequential({
      layers: [L.flatten({ inputShape: [4, 5] }), L.dense({ units: 6 }), L.activation({ activation: 'relu' }), L.dense({ units: 6 }),
        L.activation({ activation: 'tanh' }), L.dense({ units: 3 }), L.activation({ activation: 'softmax' })],
    }),
  },
  {
    // (TensorFlow.js's ELU layer supports only alpha 1.)
    name: 'LeakyReLU, ELU, ReLU(maxValue 6), Softmax layers', inputShape: [5],
    build: () => tfjs.sequential({
      layers: [L.dense({ units: 8, inputShape: [5] }), L.leakyReLU({ alpha: 0.1 }), L.dense({ units: 8 }), L.elu(),
        L.dense({ units: 8 }), L.reLU({ maxValue: 6 }), L.dense({ units: 4 }), L.softmax()],
    }),
  },
  {
    name: 'layerNormalization', inputShape: [6],
    build: () => tfjs.sequential({ layers: [L.dense({ units: 10, inputShape: [6] }), L.layerNormalization(), L.dense({ units: 2, activation: 'sigmoid' })] }),
  },
  {
    name: 'functional Model, single chain', inputShape: [6],
    build: () => {
      const input = tfjs.input({ shape: [6] });
      let h = L.dense({ units: 9, activation: 'relu' }).apply(input) as tfjs.SymbolicTensor;
      h = L.batchNormalization().apply(h) as tfjs.SymbolicTensor;
      h = L.activation({ activation: 'sigmoid' }).apply(h) as tfjs.SymbolicTensor;
      const out = L.dense({ units: 3, activation: 'softmax' }).apply(h) as tfjs.SymbolicTensor;
      return tfjs.model({ inputs: input, outputs: out });
    },
  },
  {
    name: 'functional Model with Flatten', inputShape: [3, 4],
    build: () => {
      const input = tfjs.input({ shape: [3, 4] });
      const h = L.flatten().apply(input) as tfjs.SymbolicTensor;
      const out = L.dense({ units: 2, activation: 'tanh' }).apply(h) as tfjs.SymbolicTensor;
      return tfjs.model({ inputs: input, outputs: out });
    },
  },
];

describe('TensorFlow.js -> tensorforge', () => {
  tfjsCases.forEach((c, i) => {
    it(`${c.name}: via tf.io.fromMemory`, async () => {
      const m = c.build();
      randomizeTfjs(m, 100 + i);
      const artifacts = await captureTfjs(m);
      const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(artifacts) as Any);
      const x = data(16, c.inputShape, 7 + i);
      expect(maxAbsDiff(tfPredict(loaded, x, c.inputShape), tfjsPredict(m, x, c.inputShape))).toBeLessThanOrEqual(TOL);
      expect(loaded.getWeights().length).toBe(m.getWeights().length);
    });
  });

  it('several weight shards in several groups, from a directory, a path and a file:// URL', async () => {
    for (const [k, c] of [tfjsCases[0], tfjsCases[4], tfjsCases[8]].entries()) {
      const m = c.build();
      randomizeTfjs(m, 200 + k);
      const dir = tempDir();
      const files = writeSharded(dir, await captureTfjs(m), 100, 2);
      expect(files.length).toBeGreaterThan(3);
      const x = data(8, c.inputShape, 300 + k);
      const want = tfjsPredict(m, x, c.inputShape);
      for (const where of [dir, `${dir}/model.json`, `file://${dir}/model.json`]) {
        const loaded = await tf.loadLayersModel(where);
        expect(maxAbsDiff(tfPredict(loaded, x, c.inputShape), want)).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it('keeps the training configuration and the Adam state saved with includeOptimizer', async () => {
    const m = tfjs.sequential({ layers: [L.dense({ units: 6, activation: 'relu', inputShape: [4] }), L.dense({ units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: tfjs.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = data(32, [4], 1);
    const y = Float32Array.from({ length: 32 }, (_, i) => i % 3);
    await m.fit(tfjs.tensor2d(x, [32, 4]), tfjs.tensor1d(y), { epochs: 2, batchSize: 8, verbose: 0 });
    const artifacts = await captureTfjs(m, true);
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(artifacts) as Any);
    const cc = loaded.compileConfig!;
    expect(cc.optimizer.name).toBe('adam');
    expect(cc.optimizer.config.learningRate).toBeCloseTo(0.01, 8);
    expect(cc.loss.name).toBe('sparseCategoricalCrossentropy');
    expect(cc.metrics.map((mm) => mm.key)).toEqual(['accuracy']);
    const state = loaded.getOptimizerState();
    const tfjsState = await m.optimizer.getWeights();
    expect(state.iterations).toBe((await tfjsState[0].tensor.data())[0]);
    expect(state.iterations).toBe(8);
    // Adam's m for the first kernel: tensorforge's slot 0 starts with it.
    const m0 = tfjsState.find((w) => w.name.endsWith('/kernel/m'))!;
    expect(Array.from(state.slots[0].subarray(0, 24))).toEqual(Array.from(await m0.tensor.data()));
    expect(maxAbsDiff(tfPredict(loaded, x, [4]), tfjsPredict(m, x, [4]))).toBeLessThanOrEqual(TOL);
    // Training continues from there.
    const h = await loaded.fit(tf.tensor2d(x, [32, 4]), tf.tensor1d(y), { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });
});

interface TfCase {
  name: string;
  inputShape: number[];
  build: () => tf.Sequential;
}
const T = tf.layers;
const tfCases: TfCase[] = [
  { name: 'dense stack relu -> softmax', inputShape: [8], build: () => tf.sequential([T.dense({ units: 16, activation: 'relu', inputShape: [8] }), T.dense({ units: 4, activation: 'softmax' })]) },
  { name: 'tanh, sigmoid', inputShape: [6], build: () => tf.sequential([T.dense({ units: 10, activation: 'tanh', inputShape: [6] }), T.dense({ units: 5, activation: 'sigmoid' })]) },
  {
    name: 'elu, selu, softplus, softsign, relu6', inputShape: [5],
    build: () => tf.sequential([T.dense({ units: 8, activation: 'elu', inputShape: [5] }), T.dense({ units: 8, activation: 'selu' }),
      T.dense({ units: 8, activation: 'softplus' }), T.dense({ units: 8, activation: 'relu6' }), T.dense({ units: 3, activation: 'softsign' })]),
  },
  {
    name: 'silu (as swish), gelu, linear without bias', inputShape: [6],
    build: () => tf.sequential([T.dense({ units: 8, activation: 'silu', inputShape: [6] }), T.dense({ units: 8, activation: 'gelu' }),
      T.dense({ units: 3, useBias: false })]),
  },
  {
    name: 'dropout + batchNormalization', inputShape: [7],
    build: () => tf.sequential([T.dense({ units: 12, activation: 'relu', inputShape: [7] }), T.dropout({ rate: 0.3 }), T.batchNormalization(),
      T.dense({ units: 6 }), T.batchNormalization({ center: false, epsilon: 0.01 }), T.dense({ units: 3, activation: 'softmax' })]),
  },
  {
    name: 'flatten of [4,5] + Activation layers', inputShape: [4, 5],
    build: () => tf.sequential([T.flatten({ inputShape: [4, 5] }), T.dense({ units: 6 }), T.activation({ activation: 'relu' }), T.dense({ units: 6 }),
      T.activation({ activation: 'tanh' }), T.dense({ units: 3 }), T.activation({ activation: 'softmax' })]),
  },
  {
    // (An ELU layer with alpha != 1 is written as Keras's ELU, which TensorFlow.js's ELU refuses.)
    name: 'leaky ReLU and ELU activation layers', inputShape: [5],
    build: () => tf.sequential([T.dense({ units: 8, inputShape: [5] }), T.activation({ activation: 'leakyRelu', alpha: 0.1 }), T.dense({ units: 8 }),
      T.activation({ activation: 'elu' }), T.dense({ units: 4 }), T.activation({ activation: 'sigmoid' })]),
  },
  {
    name: 'layerNormalization', inputShape: [6],
    build: () => tf.sequential([T.dense({ units: 10, inputShape: [6] }), T.layerNormalization(), T.dense({ units: 2, activation: 'sigmoid' })]),
  },
];

describe('tensorforge -> TensorFlow.js', () => {
  tfCases.forEach((c, i) => {
    it(`${c.name}: via tf.io.withSaveHandler and from the saved directory`, async () => {
      const m = c.build();
      randomizeTf(m, 400 + i);
      const x = data(16, c.inputShape, 500 + i);
      const want = tfPredict(m, x, c.inputShape);
      let captured: Any = null;
      const result = await m.save(tfjs.io.withSaveHandler(async (a) => {
        captured = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }) as Any);
      expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
      const viaHandler = await tfjs.loadLayersModel(tfjs.io.fromMemory(captured));
      expect(maxAbsDiff(tfjsPredict(viaHandler, x, c.inputShape), want)).toBeLessThanOrEqual(TOL);

      const dir = tempDir();
      await m.save(`file://${dir}`);
      const viaFiles = await tfjsLoadDir(dir);
      expect(maxAbsDiff(tfjsPredict(viaFiles, x, c.inputShape), want)).toBeLessThanOrEqual(TOL);
      expect(viaFiles.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    });
  });

  it('TensorFlow.js rebuilds the training config and Adam state (includeOptimizer)', async () => {
    const m = tf.sequential([T.dense({ units: 6, activation: 'relu', inputShape: [4] }), T.dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = data(24, [4], 3);
    const y = Float32Array.from({ length: 24 }, (_, i) => i % 3);
    await m.fit(tf.tensor2d(x, [24, 4]), tf.tensor1d(y), { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
    const a = await m.toArtifacts({ includeOptimizer: true });
    expect(a.trainingConfig?.optimizer_config.class_name).toBe('Adam');
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a as Any));
    expect(tm.optimizer.getClassName()).toBe('Adam');
    expect((tm.optimizer.getConfig() as Any).learningRate).toBeCloseTo(0.02, 8);
    const w = await tm.optimizer.getWeights();
    expect(w[0].name).toBe('iter');
    expect((await w[0].tensor.data())[0]).toBe(6);
    const state = m.getOptimizerState();
    const vKernel = w.find((e) => e.name === `${m.layers[0].name}/kernel/v`)!;
    expect(Array.from(await vKernel.tensor.data())).toEqual(Array.from(state.slots[1].subarray(0, 24)));
    expect(w.length).toBe(1 + 2 * 4);
    // TensorFlow.js can keep training the loaded model.
    const h = await tm.fit(tfjs.tensor2d(x, [24, 4]), tfjs.tensor1d(y), { epochs: 1, batchSize: 8, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
  });

  const tolerated: [string, () => tf.optimizers.Optimizer, string | null][] = [
    ['SGD', () => tf.optimizers.sgd({ learningRate: 0.05 }), 'SGD'],
    ['SGD with momentum', () => tf.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 'Momentum'],
    ['RMSprop without momentum', () => tf.optimizers.rmsprop(), 'RMSProp'],
    ['centered RMSprop with momentum', () => tf.optimizers.rmsprop({ momentum: 0.5, centered: true }), 'RMSProp'],
    ['Adagrad', () => tf.optimizers.adagrad(), 'Adagrad'],
    ['Adadelta', () => tf.optimizers.adadelta(), 'Adadelta'],
    ['Adamax (its state is not readable by TensorFlow.js)', () => tf.optimizers.adamax(), null],
    ['AdamW (no TensorFlow.js class)', () => tf.optimizers.adamw(), null],
    ['Nadam (no TensorFlow.js class)', () => tf.optimizers.nadam(), null],
    ['Adam with a learning-rate schedule', () => tf.optimizers.adam({ learningRate: tf.optimizers.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9 }) }), null],
  ];
  for (const [name, make, tfjsClass] of tolerated) {
    it(`TensorFlow.js loads a model compiled with ${name} and includeOptimizer`, async () => {
      const m = tf.sequential([T.dense({ units: 5, activation: 'tanh', inputShape: [3] }), T.dense({ units: 2 })]);
      m.compile({ optimizer: make(), loss: 'meanSquaredError', metrics: ['mae'] });
      const x = data(16, [3], 9);
      await m.fit(tf.tensor2d(x, [16, 3]), tf.tensor2d(data(16, [2], 10), [16, 2]), { epochs: 1, batchSize: 4, verbose: 0, seed: 2 });
      const a = await m.toArtifacts({ includeOptimizer: true });
      const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a as Any));
      expect(maxAbsDiff(tfjsPredict(tm, x, [3]), tfPredict(m, x, [3]))).toBeLessThanOrEqual(TOL);
      if (tfjsClass) {
        expect(tm.optimizer.getClassName()).toBe(tfjsClass);
        expect((await tm.optimizer.getWeights()).length).toBe(a.weightSpecs!.filter((s) => s.group === 'optimizer').length);
      } else {
        // Kept where Keras keeps it (modelTopology.training_config), which TensorFlow.js ignores.
        expect(a.trainingConfig).toBeUndefined();
        expect((a.modelTopology as Any).training_config.optimizer_config.class_name).toBeTypeOf('string');
        expect(tm.optimizer).toBeFalsy();
      }
    });
  }

  it('TensorFlow.js loads models whose loss it lacks (huber, from_logits)', async () => {
    for (const loss of [tf.losses.huber({ delta: 2 }), tf.losses.sparseCategoricalCrossentropy({ fromLogits: true })]) {
      const m = tf.sequential([T.dense({ units: 3, inputShape: [2] })]);
      m.compile({ optimizer: 'adam', loss });
      const a = await m.toArtifacts();
      expect(a.trainingConfig).toBeUndefined();
      const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a as Any));
      const x = data(4, [2], 1);
      expect(maxAbsDiff(tfjsPredict(tm, x, [2]), tfPredict(m, x, [2]))).toBeLessThanOrEqual(TOL);
    }
  });
});

describe('model.json written by Keras (through tensorflowjs_converter)', () => {
  // Float64 reference: softmax(relu(x W1 + b1) W2 + b2).
  function reference(x: Float32Array, w: Float32Array[]): Float64Array {
    const [w1, b1, w2, b2] = w;
    const n = x.length / 4;
    const out = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const h = Array.from({ length: 5 }, (_, j) => Math.max(0, b1[j] + [0, 1, 2, 3].reduce((s, k) => s + x[i * 4 + k] * w1[k * 5 + j], 0)));
      const z = Array.from({ length: 3 }, (_, j) => b2[j] + h.reduce((s, hk, k) => s + hk * w2[k * 3 + j], 0));
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => (out[i * 3 + j] = v / sum));
    }
    return out;
  }
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const dense = (name: string, units: number, activation: string) => ({
    module: 'keras.layers', class_name: 'Dense', registered_name: null,
    config: {
      name, trainable: true, dtype: policy, units, activation, use_bias: true,
      kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, lora_rank: null,
    },
  });
  const input = { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' } };
  const kerasTensor = (from: string, width: number) => ({ class_name: '__keras_tensor__', config: { shape: [null, width], dtype: 'float32', keras_history: [from, 0, 0] } });
  const trainingConfig = {
    loss: 'sparse_categorical_crossentropy', metrics: [['accuracy']], weighted_metrics: null, loss_weights: null,
    optimizer_config: {
      class_name: 'Adam',
      config: {
        name: 'adam', learning_rate: 0.0010000000474974513, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null,
        use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null,
        beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false,
      },
    },
  };

  function writeKerasModel(dir: string, modelConfig: object, names: string[], kerasVersion: string): Float32Array[] {
    const r = rng(77);
    const shapes = [[4, 5], [5], [5, 3], [3]];
    const w = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r() - 0.5));
    const bytes = Buffer.concat(w.map((a) => Buffer.from(a.buffer)));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, 50));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), bytes.subarray(50));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: `keras v${kerasVersion}`, convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { keras_version: kerasVersion, backend: 'tensorflow', model_config: modelConfig, training_config: trainingConfig },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: names.map((name, i) => ({ name, shape: shapes[i], dtype: 'float32' })) }],
    }));
    return w;
  }

  it('Keras 3 Sequential with an InputLayer, DTypePolicy dtypes and its training_config', async () => {
    const dir = tempDir();
    const w = writeKerasModel(dir, {
      class_name: 'Sequential',
      config: { name: 'sequential', trainable: true, dtype: policy, layers: [input, dense('dense', 5, 'relu'), dense('dense_1', 3, 'softmax')], build_input_shape: [null, 4] },
    }, ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias'], '3.5.0');
    const m = await tf.loadLayersModel(`file://${dir}/model.json`);
    const x = data(10, [4], 5);
    expect(maxAbsDiff(tfPredict(m, x, [4]), reference(x, w))).toBeLessThanOrEqual(TOL);
    expect(m.compileConfig!.optimizer.name).toBe('adam');
    expect(m.compileConfig!.optimizer.config.learningRate).toBeCloseTo(0.001, 9);
    expect(m.compileConfig!.metrics.map((k) => k.key)).toEqual(['accuracy']);
  });

  it('Keras 3 Functional chain (keras tensors in inbound_nodes, weights named by position)', async () => {
    const dir = tempDir();
    const layer = (l: object, name: string, from: string | null, width: number) => ({ ...l, name, inbound_nodes: from ? [{ args: [kerasTensor(from, width)], kwargs: {} }] : [] });
    const w = writeKerasModel(dir, {
      class_name: 'Functional',
      config: {
        name: 'functional', trainable: true,
        layers: [layer(input, 'input_layer', null, 4), layer(dense('dense', 5, 'relu'), 'dense', 'input_layer', 4), layer(dense('dense_1', 3, 'softmax'), 'dense_1', 'dense', 5)],
        input_layers: ['input_layer', 0, 0], output_layers: ['dense_1', 0, 0],
      },
    }, ['dense/0', 'dense/1', 'dense_1/0', 'dense_1/1'], '3.5.0');
    const m = await tf.loadLayersModel(dir);
    const x = data(10, [4], 6);
    expect(maxAbsDiff(tfPredict(m, x, [4]), reference(x, w))).toBeLessThanOrEqual(TOL);
    expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
  });

  it('Keras 2 Sequential (InputLayer with batch_input_shape, names with :0)', async () => {
    const dir = tempDir();
    const k2 = (l: ReturnType<typeof dense>) => ({ class_name: l.class_name, config: { ...l.config, dtype: 'float32' } });
    const w = writeKerasModel(dir, {
      class_name: 'Sequential',
      config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } }, k2(dense('dense', 5, 'relu')), k2(dense('dense_1', 3, 'softmax'))] },
    }, ['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0'], '2.15.0');
    const m = await tf.loadLayersModel(dir);
    const x = data(10, [4], 8);
    expect(maxAbsDiff(tfPredict(m, x, [4]), reference(x, w))).toBeLessThanOrEqual(TOL);
  });
});

describe('quantized weights (tensorflowjs_converter --quantize_uint8 / uint16 / float16)', () => {
  it('dequantizes value = q * scale + min, and float16', async () => {
    const m = tfjs.sequential({ layers: [L.dense({ units: 4, inputShape: [3], activation: 'tanh' }), L.dense({ units: 2 })] });
    randomizeTfjs(m, 900);
    const a = await captureTfjs(m);
    const src = new Float32Array(a.weightData as ArrayBuffer);
    const specs = a.weightSpecs!;
    const parts: Buffer[] = [];
    const expected: Float32Array[] = [];
    let off = 0;
    const kinds = ['uint8', 'uint16', 'float16', null];
    specs.forEach((s, i) => {
      const n = s.shape.reduce((x, y) => x * y, 1);
      const v = src.subarray(off, off + n);
      off += n;
      const kind = kinds[i % kinds.length];
      if (kind === 'uint8' || kind === 'uint16') {
        const levels = kind === 'uint8' ? 255 : 65535;
        const min = Math.min(...v);
        const scale = (Math.max(...v) - min) / levels || 1;
        const q = Array.from(v, (x) => Math.round((x - min) / scale));
        s.quantization = { dtype: kind, scale, min };
        parts.push(kind === 'uint8' ? Buffer.from(Uint8Array.from(q)) : Buffer.from(Uint16Array.from(q).buffer));
        expected.push(Float32Array.from(q, (x) => x * scale + min));
      } else if (kind === 'float16') {
        s.quantization = { dtype: 'float16' };
        // Values representable in float16 exactly: multiples of 2^-10 in [-1, 1).
        const h = Array.from(v, (x) => Math.round(x * 1024) / 1024);
        const bits = h.map((x) => {
          if (x === 0) return 0;
          const sign = x < 0 ? 0x8000 : 0;
          const e = Math.floor(Math.log2(Math.abs(x)));
          const mant = Math.round((Math.abs(x) / 2 ** e - 1) * 1024);
          return sign | ((e + 15) << 10) | mant;
        });
        parts.push(Buffer.from(Uint16Array.from(bits).buffer));
        expected.push(Float32Array.from(h));
      } else {
        parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
        expected.push(Float32Array.from(v));
      }
    });
    const data2 = Buffer.concat(parts);
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory({ ...a, weightSpecs: specs, weightData: data2.buffer.slice(data2.byteOffset, data2.byteOffset + data2.byteLength) }) as Any);
    const got = loaded.getWeights();
    expected.forEach((e, i) => expect(maxAbsDiff(got[i].values, e)).toBeLessThanOrEqual(1e-6));
    // TensorFlow.js decodes the same bytes to the same model.
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory({ ...a, weightSpecs: specs, weightData: data2.buffer.slice(data2.byteOffset, data2.byteOffset + data2.byteLength) }));
    const x = data(6, [3], 4);
    expect(maxAbsDiff(tfPredict(loaded, x, [3]), tfjsPredict(tm, x, [3]))).toBeLessThanOrEqual(TOL);
  });
});
