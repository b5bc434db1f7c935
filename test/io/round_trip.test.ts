// Save -> load round trips: predictions identical bit for bit, the compile
// configuration restored, training resuming exactly with includeOptimizer,
// and atomic writes (a save that fails midway leaves the previous model).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { fsOps } from '../../src/io/file_system';
import { cleanupDirs, data, rng, sameBits, tempDir, tfPredict } from './helpers';

afterAll(cleanupDirs);
const T = tf.layers;

function randomize(m: tf.Sequential, seed: number): void {
  const r = rng(seed);
  m.setWeights(m.weightSpecs().map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => (s.name.endsWith('moving_variance') ? 0.5 + r() : r() - 0.5)), s.shape);
  }));
}

const architectures: { name: string; inputShape: number[]; build: () => tf.Sequential }[] = [
  { name: 'dense relu -> softmax', inputShape: [6], build: () => tf.sequential([T.dense({ units: 8, activation: 'relu', inputShape: [6] }), T.dense({ units: 3, activation: 'softmax' })]) },
  {
    name: 'flatten, dropout, tanh, sigmoid', inputShape: [3, 4],
    build: () => tf.sequential([T.flatten({ inputShape: [3, 4] }), T.dense({ units: 7, activation: 'tanh' }), T.dropout({ rate: 0.25, seed: 3 }),
      T.dense({ units: 2, activation: 'sigmoid', useBias: false })]),
  },
  {
    name: 'every activation, batch and layer normalization', inputShape: [5],
    build: () => tf.sequential({
      name: 'kitchen_sink',
      layers: [
        T.dense({ units: 6, activation: 'elu', alpha: 0.5, inputShape: [5], kernelInitializer: 'heNormal', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
        T.dense({ units: 6, activation: 'leakyRelu', alpha: 0.3 }), T.dense({ units: 6, activation: 'selu', kernelInitializer: 'lecunNormal' }),
        T.dense({ units: 6, activation: 'softplus' }), T.dense({ units: 6, activation: 'softsign' }), T.dense({ units: 6, activation: 'gelu' }),
        T.dense({ units: 6, activation: 'gelu_new' }), T.dense({ units: 6, activation: 'silu' }), T.dense({ units: 6, activation: 'relu6' }),
        T.dense({ units: 6, activation: 'hardSigmoid' }), T.batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
        T.activation({ activation: 'leakyRelu', alpha: 0.05 }), T.activation({ activation: 'elu', alpha: 2 }), T.activation({ activation: 'tanh' }),
        T.layerNormalization({ center: false }), T.batchNormalization({ scale: false }), T.dense({ units: 4, activation: 'softmax' }),
      ],
    }),
  },
];

describe('round trip', () => {
  architectures.forEach((a, i) => {
    it(`${a.name}: directory, file:// URL and artifacts give bit-identical predictions`, async () => {
      const m = a.build();
      randomize(m, 10 + i);
      const x = data(20, a.inputShape, 20 + i);
      const want = tfPredict(m, x, a.inputShape);
      const dir = tempDir();
      await m.save(dir);
      expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.format).toBe('layers-model');
      expect(json.generatedBy).toMatch(/^tensorforge v/);
      expect(json.convertedBy).toBeNull();
      expect(json.modelTopology.class_name).toBe('Sequential');
      expect(json.modelTopology.backend).toBe('tensor_flow.js');
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(m.weightSpecs().map((s) => s.name));

      for (const loaded of [
        await tf.loadLayersModel(`file://${dir}/model.json`),
        await tf.loadLayersModel(dir),
        await tf.fromArtifacts(await m.toArtifacts()),
      ]) {
        expect(sameBits(tfPredict(loaded, x, a.inputShape), want)).toBe(true);
        expect(loaded.name).toBe(m.name);
        expect(loaded.layers.map((l) => [l.className, l.name])).toEqual(m.layers.map((l) => [l.className, l.name]));
        expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
        expect(loaded.compileConfig).toBeNull();
      }
    });
  });

  it('artifacts survive JSON storage (e.g. a database row plus a blob)', async () => {
    const m = architectures[0].build();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const a = await m.toArtifacts({ includeOptimizer: true });
    const { weightData, ...rest } = a;
    const stored = JSON.parse(JSON.stringify(rest));
    const blob = Buffer.from(weightData as ArrayBuffer);
    const back = await tf.fromArtifacts({ ...stored, weightData: blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength) });
    const x = data(5, [6], 1);
    expect(sameBits(tfPredict(back, x, [6]), tfPredict(m, x, [6]))).toBe(true);
    expect(back.compileConfig!.optimizer.name).toBe('adam');
  });

  it('saves a model whose input shape is known but which was never run; refuses one that cannot be built', async () => {
    const m = tf.sequential([T.dense({ units: 2, inputShape: [3] })]);
    const loaded = await tf.fromArtifacts(await m.toArtifacts());
    expect(loaded.inputs).toEqual([3]);
    const unbuilt = tf.sequential([T.dense({ units: 2 })]);
    await expect(unbuilt.save(tempDir())).rejects.toThrow(/save: model '.*' is not built yet/);
  });

  it('save while fit runs waits for the running training chunk and saves a consistent snapshot', async () => {
    const m = architectures[0].build();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const n = 2000;
    const x = tf.tensor2d(data(n, [6], 5), [n, 6]);
    const y = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i % 3));
    const snapshots: Promise<tf.ModelArtifacts>[] = [];
    const training = m.fit(x, y, {
      epochs: 3, batchSize: 16, verbose: 0,
      callbacks: { onBatchEnd: (b: number) => void (b === 5 && snapshots.push(m.toArtifacts({ includeOptimizer: true }))) },
    });
    const dir = tempDir();
    const saving = m.save(dir, { includeOptimizer: true });
    await Promise.all([training, saving]);
    expect(snapshots.length).toBe(3);
    for (const a of await Promise.all(snapshots)) expect((await tf.fromArtifacts(a)).getOptimizerState().iterations).toBeGreaterThan(0);
    expect((await tf.loadLayersModel(dir)).getWeights().length).toBe(4);
  });

  it('rejects bad save arguments', async () => {
    const m = architectures[0].build();
    await expect(m.save('http://example.com/model')).rejects.toThrow(/save: unsupported URL scheme 'http:\/\/'/);
    await expect(m.save(42 as never)).rejects.toThrow(TypeError);
    await expect(m.save(tempDir(), { includeOptimiser: true } as never)).rejects.toThrow(/unknown option 'includeOptimiser'/);
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(m.save(file)).rejects.toThrow(/exists and is not a directory/);
  });
});

describe('training configuration and optimizer state', () => {
  const x = data(48, [5], 99);
  const y = Float32Array.from({ length: 48 }, (_, i) => (i * 7) % 3);
  const build = () => tf.sequential([
    T.dense({ units: 8, activation: 'relu', inputShape: [5] }), T.dropout({ rate: 0.2 }), T.batchNormalization(),
    T.dense({ units: 3, activation: 'softmax' }),
  ]);
  const fit = (m: tf.Sequential, epochs: number, seed: number) =>
    m.fit(tf.tensor2d(x, [48, 5]), tf.tensor1d(y), { epochs, batchSize: 8, seed, verbose: 0 });

  const optimizers: [string, () => tf.optimizers.Optimizer, boolean][] = [
    ['sgd', () => tf.optimizers.sgd({ learningRate: 0.1 }), true],
    ['sgd + nesterov momentum', () => tf.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), true],
    ['adam', () => tf.optimizers.adam({ learningRate: 0.01 }), true],
    ['adam + amsgrad + clipNorm', () => tf.optimizers.adam({ learningRate: 0.01, amsgrad: true, clipNorm: 1 }), false],
    ['adam + exponential decay schedule', () => tf.optimizers.adam({ learningRate: tf.optimizers.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.5 }) }), false],
    ['adamw', () => tf.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 }), false],
    ['rmsprop', () => tf.optimizers.rmsprop({ learningRate: 0.01 }), true],
    ['rmsprop centered + momentum', () => tf.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }), true],
    ['adagrad', () => tf.optimizers.adagrad({ learningRate: 0.05 }), true],
    ['adadelta', () => tf.optimizers.adadelta({ learningRate: 1 }), true],
    ['adamax', () => tf.optimizers.adamax({ learningRate: 0.01 }), false],
    ['nadam', () => tf.optimizers.nadam({ learningRate: 0.01 }), false],
  ];

  for (const [name, make, topLevel] of optimizers) {
    it(`${name}: training continues identically after save + load with includeOptimizer`, async () => {
      const a = build();
      a.compile({ optimizer: make(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      await fit(a, 2, 1);
      const dir = tempDir();
      await a.save(`file://${dir}`, { includeOptimizer: true });
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      // Where the config went: top level when TensorFlow.js can rebuild it (with Adamax only without its state).
      expect(json.trainingConfig !== undefined).toBe(topLevel);
      expect(json.modelTopology.training_config !== undefined).toBe(!topLevel);
      const b = await tf.loadLayersModel(dir);
      const ca = a.compileConfig!;
      const cb = b.compileConfig!;
      expect(cb.optimizer.name).toBe(ca.optimizer.name);
      expect(cb.optimizer.config).toEqual(ca.optimizer.config);
      expect(cb.optimizer.schedule?.getConfig()).toEqual(ca.optimizer.schedule?.getConfig());
      expect(cb.loss).toEqual(ca.loss);
      expect(cb.metrics.map((m) => m.key)).toEqual(['accuracy']);
      const sa = a.getOptimizerState();
      const sb = b.getOptimizerState();
      expect(sb.iterations).toBe(sa.iterations);
      expect(sb.nadamMomentumProduct).toBe(sa.nadamMomentumProduct);
      sa.slots.forEach((s, k) => expect(sameBits(sb.slots[k], s)).toBe(true));

      const ha = await fit(a, 1, 5);
      const hb = await fit(b, 1, 5);
      expect(hb.history.loss).toEqual(ha.history.loss);
      const wa = a.getWeights();
      b.getWeights().forEach((w, k) => expect(sameBits(w.values as Float32Array, wa[k].values as Float32Array)).toBe(true));
    });
  }

  it('without includeOptimizer the optimizer starts afresh (so the state above is what made the difference)', async () => {
    const a = build();
    a.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await fit(a, 2, 1);
    const art = await a.toArtifacts();
    expect(art.weightSpecs!.some((s) => s.group === 'optimizer')).toBe(false);
    const b = await tf.fromArtifacts(art);
    expect(b.getOptimizerState().iterations).toBe(0);
    await fit(a, 1, 5);
    await fit(b, 1, 5);
    expect(sameBits(b.getWeights()[0].values as Float32Array, a.getWeights()[0].values as Float32Array)).toBe(false);
  });

  it('restores losses and metrics TensorFlow.js lacks (huber delta, from_logits, top-k)', async () => {
    const m = tf.sequential([T.dense({ units: 3, inputShape: [2] })]);
    for (const [loss, metrics] of [
      [tf.losses.huber({ delta: 2.5 }), ['mae', 'meanSquaredError']],
      [tf.losses.sparseCategoricalCrossentropy({ fromLogits: true }), ['sparseCategoricalAccuracy', 'sparse_top_k_categorical_accuracy']],
      [tf.losses.categoricalCrossentropy({ fromLogits: true }), ['topKCategoricalAccuracy', 'categorical_accuracy']],
      ['binary_crossentropy', ['binaryAccuracy']],
    ] as [tf.Loss | string, string[]][]) {
      m.compile({ optimizer: 'sgd', loss, metrics });
      const b = await tf.fromArtifacts(await m.toArtifacts());
      expect(b.compileConfig!.loss).toEqual(m.compileConfig!.loss);
      expect(b.compileConfig!.metrics.map((x) => x.native)).toEqual(m.compileConfig!.metrics.map((x) => x.native));
    }
  });
});

describe('atomic save', () => {
  const saved = { ...fsOps };
  afterEach(() => Object.assign(fsOps, saved));

  async function twoModels() {
    const a = architectures[0].build();
    const b = architectures[0].build();
    randomize(a, 1);
    randomize(b, 2);
    const dir = tempDir();
    await a.save(dir);
    const before = { json: fs.readFileSync(path.join(dir, 'model.json')), bin: fs.readFileSync(path.join(dir, 'weights.bin')) };
    return { a, b, dir, before };
  }

  async function expectOldModel(dir: string, a: tf.Sequential, before: { json: Buffer; bin: Buffer }) {
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);  // no temporary files left
    expect(fs.readFileSync(path.join(dir, 'model.json')).equals(before.json)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(before.bin)).toBe(true);
    const x = data(4, [6], 3);
    expect(sameBits(tfPredict(await tf.loadLayersModel(dir), x, [6]), tfPredict(a, x, [6]))).toBe(true);
  }

  it('a failure while writing the weights (disk full after half of them) leaves the old model', async () => {
    const { a, b, dir, before } = await twoModels();
    fsOps.writeFile = async (file, bytes) => {
      fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(b.save(dir)).rejects.toThrow(/save: saving to .* failed, the previous model \(if any\) is unchanged: ENOSPC/);
    await expectOldModel(dir, a, before);
  });

  it('a failure when model.json is put in place puts the old weights back', async () => {
    const { a, b, dir, before } = await twoModels();
    fsOps.rename = async (from, to) => {
      if (to.endsWith('model.json')) throw new Error('EIO: i/o error, rename');
      return saved.rename(from, to);
    };
    await expect(b.save(dir)).rejects.toThrow(/EIO/);
    await expectOldModel(dir, a, before);
  });

  it('a failed first save leaves nothing behind', async () => {
    const m = architectures[0].build();
    const dir = path.join(tempDir(), 'new-model');
    fsOps.rename = async (from, to) => {
      if (to.endsWith('model.json')) throw new Error('EIO: i/o error, rename');
      return saved.rename(from, to);
    };
    await expect(m.save(dir)).rejects.toThrow(/EIO/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a successful save replaces the old model', async () => {
    const { b, dir } = await twoModels();
    await b.save(dir);
    const x = data(4, [6], 3);
    expect(sameBits(tfPredict(await tf.loadLayersModel(dir), x, [6]), tfPredict(b, x, [6]))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
  });
});
