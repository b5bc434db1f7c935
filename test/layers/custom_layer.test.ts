// Custom layers (tf.layers.Layer subclasses, TensorFlow.js's API): the model
// runs its built-in layers natively and a custom layer's call() on the
// gradient tape (src/models/custom_layer_calls.ts, native/host_layer.h).
// A custom Dense must train exactly as the built-in one; a custom layer must
// train as TensorFlow.js trains the same class; gradients of several inputs,
// shared and frozen custom layers against finite differences; save and load
// through tf.serialization.registerClass; clear errors for wrong shapes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

const rng = new Rng(11);
const N = 40;
const X = rng.array(N * 5, -1, 1);
const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + (X[i * 5] > 0 ? 1 : 0)) % 3);

type Shape = (number | null)[];

/** Dense with relu, written as a custom layer. */
class MyDense extends tf.layers.Layer {
  static override className = 'MyDense';
  readonly units: number;
  kernel!: tf.layers.LayerVariable;
  bias!: tf.layers.LayerVariable;
  constructor(config: tf.layers.LayerArgs & { units: number }) {
    super(config);
    this.units = config.units;
  }
  override build(inputShape: Shape): void {
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1] as number, this.units], 'float32', tf.initializers.glorotUniform({ seed: 1 }));
    this.bias = this.addWeight('bias', [this.units], 'float32', 'zeros');
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], this.units];
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.relu(tf.add(tf.matMul(x as tf.Tensor, this.kernel.read()), this.bias.read()));
  }
  override getConfig(): tf.layers.LayerConfig {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(MyDense);

/** tanh(x · K) ⊙ s: a layer no built-in has. */
class ScaledTanh extends tf.layers.Layer {
  static override className = 'ScaledTanh';
  readonly units: number;
  k!: tf.layers.LayerVariable;
  s!: tf.layers.LayerVariable;
  constructor(config: tf.layers.LayerArgs & { units: number }) {
    super(config);
    this.units = config.units;
  }
  override build(inputShape: Shape): void {
    this.k = this.addWeight('k', [inputShape[1] as number, this.units], undefined, tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }));
    this.s = this.addWeight('s', [this.units], undefined, tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 4 }));
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], this.units];
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(tf.tanh(tf.matMul(x as tf.Tensor, this.k.read())), this.s.read());
  }
  override getConfig(): tf.layers.LayerConfig {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(ScaledTanh);

/** The same layer for TensorFlow.js. */
class TjsScaledTanh extends tfjs.layers.Layer {
  static className = 'TjsScaledTanh';
  units: number;
  k!: tfjs.LayerVariable;
  s!: tfjs.LayerVariable;
  constructor(config: { units: number }) {
    super({});
    this.units = config.units;
  }
  override build(inputShape: tfjs.Shape | tfjs.Shape[]): void {
    const shape = inputShape as tfjs.Shape;
    this.k = this.addWeight('k', [shape[1] as number, this.units], 'float32', tfjs.initializers.zeros());
    this.s = this.addWeight('s', [this.units], 'float32', tfjs.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(s: tfjs.Shape | tfjs.Shape[]): tfjs.Shape {
    return [(s as tfjs.Shape)[0], this.units];
  }
  override call(x: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
    return tfjs.tidy(() => tfjs.mul(tfjs.tanh(tfjs.matMul(Array.isArray(x) ? x[0] : x, this.k.read())), this.s.read()));
  }
}

/** a ⊙ sigmoid(b · G): two inputs. */
class Gate extends tf.layers.Layer {
  static override className = 'Gate';
  g!: tf.layers.LayerVariable;
  override build(inputShape: Shape | Shape[]): void {
    const [a, b] = inputShape as Shape[];
    this.g = this.addWeight('g', [b[1] as number, a[1] as number], undefined, tf.initializers.randomNormal({ stddev: 0.7, seed: 5 }));
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape[])[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.mul(a, tf.sigmoid(tf.matMul(b, this.g.read())));
  }
}

/** x ⊙ w, per feature: applied twice below (shared weights). */
class Scale extends tf.layers.Layer {
  static override className = 'Scale';
  w!: tf.layers.LayerVariable;
  override build(inputShape: Shape): void {
    this.w = this.addWeight('w', [inputShape[1] as number], undefined, tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 6 }));
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(x as tf.Tensor, this.w.read());
  }
}

const flat = (ws: tf.Tensor[]): number[] => ws.flatMap((w) => Array.from(w.dataSync()));

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i])));
}

describe('custom layers', () => {
  it('a custom Dense predicts, trains, evaluates and predicts asynchronously as the built-in Dense', async () => {
    const mine = tf.sequential({ layers: [new MyDense({ units: 8, inputShape: [5] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    const builtin = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [5] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    mine.build([5]);
    builtin.build([5]);
    builtin.setWeights(mine.getWeights());
    const x = tf.tensor2d(X, [N, 5]);
    const y = tf.tensor1d(labels, 'int32');
    expectClose((mine.predict(x) as tf.Tensor).dataSync(), (builtin.predict(x) as tf.Tensor).dataSync(), 1e-6);
    for (const m of [mine, builtin]) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h1 = await mine.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, validationSplit: 0.25 });
    const h2 = await builtin.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(h1.history).sort()).toEqual(Object.keys(h2.history).sort());
    expectClose(h1.history.loss as number[], h2.history.loss as number[], 1e-5);
    expectClose(h1.history.val_loss as number[], h2.history.val_loss as number[], 1e-5);
    expectClose(flat(mine.getWeights()), flat(builtin.getWeights()), 1e-5);
    const e1 = await mine.evaluate(x, y);
    const e2 = await builtin.evaluate(x, y);
    expect(e1.loss).toBeCloseTo(e2.loss as number, 5);
    expectClose((await mine.predictAsync(x) as tf.Tensor).dataSync(), (builtin.predict(x) as tf.Tensor).dataSync(), 1e-5);
    // trainOnBatch and the variable's read() see the model's current weights.
    await mine.trainOnBatch(x, y);
    const layer = mine.layers[0] as MyDense;
    expectClose(layer.kernel.read().dataSync(), mine.getWeights()[0].dataSync(), 0);
  });

  it('trains as TensorFlow.js trains the same custom layer (weights after SGD steps)', async () => {
    const ours = tf.sequential({ layers: [
      tf.layers.dense({ units: 6, inputShape: [5], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
      new ScaledTanh({ units: 4 }), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) })] });
    ours.build([5]);
    const twin = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 6, inputShape: [5], activation: 'tanh' }), new TjsScaledTanh({ units: 4 }), tfjs.layers.dense({ units: 3 })] });
    twin.setWeights(ours.getWeights().map((w) => tfjs.tensor(w.dataSync() as Float32Array, w.shape)));
    const targets = rng.array(N * 3, -1, 1);
    ours.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    twin.compile({ optimizer: tfjs.train.sgd(0.1), loss: 'meanSquaredError' });
    const h = await ours.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(targets, [N, 3]), { epochs: 2, batchSize: 10, shuffle: false, verbose: 0 });
    const ht = await twin.fit(tfjs.tensor2d(X, [N, 5]), tfjs.tensor2d(targets, [N, 3]), { epochs: 2, batchSize: 10, shuffle: false, verbose: 0 });
    expectClose(h.history.loss as number[], ht.history.loss as number[], 1e-5);
    expectClose(flat(ours.getWeights()), twin.getWeights().flatMap((w) => Array.from(w.dataSync())), 1e-5);
  });

  it('gradients of a two-input custom layer and a shared one (applied twice) match finite differences', async () => {
    const a = tf.input({ shape: [4] });
    const b = tf.input({ shape: [3] });
    const gate = new Gate({});
    const scale = new Scale({});
    const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) })
      .apply(scale.apply(scale.apply(gate.apply([a, b]))));
    const m = tf.model({ inputs: [a, b], outputs: out });
    const xa = tf.tensor2d(rng.array(12 * 4, -1, 1), [12, 4]);
    const xb = tf.tensor2d(rng.array(12 * 3, -1, 1), [12, 3]);
    const y = tf.tensor2d(rng.array(12 * 2, -1, 1), [12, 2]);
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 1 }), loss: 'meanSquaredError' });
    const w0 = m.getWeights().map((w) => Float64Array.from(w.dataSync()));
    const lossAt = async (ws: Float64Array[]): Promise<number> => {
      m.setWeights(ws.map((w, k) => tf.tensor(Float32Array.from(w), m.getWeights()[k].shape)));
      return (await m.evaluate([xa, xb], y, { batchSize: 12 })).loss as number;
    };
    await m.trainOnBatch([xa, xb], y);
    const grads = m.getWeights().map((w, k) => Float64Array.from(w.dataSync(), (v, i) => w0[k][i] - v));
    // The custom weights: gate.g (k = 0) and scale.w (k = 1, shared by both applications).
    const eps = 1e-2;
    for (const k of [0, 1]) {
      for (let i = 0; i < w0[k].length; i += 2) {
        const up = w0.map((w) => w.slice());
        const down = w0.map((w) => w.slice());
        up[k][i] += eps;
        down[k][i] -= eps;
        const fd = ((await lossAt(up)) - (await lossAt(down))) / (2 * eps);
        expect(Math.abs(grads[k][i] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('a frozen custom layer keeps its weights; the rest trains', async () => {
    const custom = new ScaledTanh({ units: 4, inputShape: [5] });
    const m = tf.sequential({ layers: [custom, tf.layers.dense({ units: 3 })] });
    m.build([5]);
    custom.trainable = false;
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    await m.fit(tf.tensor2d(X, [N, 5]), tf.tensor2d(rng.array(N * 3, -1, 1), [N, 3]), { epochs: 2, verbose: 0 });
    const after = m.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
    expect(m.countParams()).toBe(5 * 4 + 4 + 4 * 3 + 3);
  });

  it('saves and loads Sequential and functional models with registered custom layers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-custom-'));
    try {
      const seq = tf.sequential({ layers: [new MyDense({ units: 6, inputShape: [5] }), new ScaledTanh({ units: 3 })] });
      const inp = tf.input({ shape: [5] });
      const fun = tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 2 }).apply(new ScaledTanh({ units: 4 }).apply(inp)) });
      const x = tf.tensor2d(X, [N, 5]);
      for (const [name, m] of [['seq', seq], ['fun', fun]] as const) {
        const before = (m.predict(x) as tf.Tensor).dataSync();
        await m.save(`file://${dir}/${name}`);
        const back = await tf.loadLayersModel(`file://${dir}/${name}/model.json`);
        expect(back.layers.map((l) => l.className)).toEqual(m.layers.map((l) => l.className));
        expectClose((back.predict(x) as tf.Tensor).dataSync(), before, 0);
        const cfg = back.layers.find((l) => l.className === 'ScaledTanh')!.getConfig();
        expect(cfg.units).toBe(name === 'seq' ? 3 : 4);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a call that returns the wrong shape, dtype or no tensor, naming the layer', () => {
    class Wrong extends tf.layers.Layer {
      static override className = 'Wrong';
      constructor(readonly mode: string) {
        super({});
      }
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        const t = x as tf.Tensor;
        if (this.mode === 'shape') return tf.concat([t, t], 1);
        if (this.mode === 'dtype') return t.cast('int32');
        return 'nope' as unknown as tf.Tensor;
      }
    }
    const x = tf.tensor2d(X, [N, 5]);
    for (const [mode, message] of [['shape', /layer 'wrong(_\d+)?' returned shape \[32,10\], but computeOutputShape gives \[null,5\]/],
      ['dtype', /must return a float32 tensor, got int32/], ['none', /must return a Tensor/]] as const) {
      const m = tf.sequential({ layers: [new Wrong(mode), tf.layers.dense({ units: 2 })] });
      m.build([5]);
      expect(() => m.predict(x)).toThrow(TypeError);
      expect(() => m.predict(x)).toThrow(message);
    }
  });

  it('rejects bad addWeight and registerClass arguments, and a layer that calls its own model', () => {
    class Bad extends tf.layers.Layer {
      static override className = 'Bad';
      constructor(readonly what: string) {
        super({});
      }
      override build(): void {
        if (this.what === 'regularizer') this.addWeight('w', [2], 'float32', 'zeros', tf.regularizers.l2());
        if (this.what === 'shape') this.addWeight('w', [0, 2]);
        if (this.what === 'dtype') this.addWeight('w', [2], 'int32' as 'float32');
        if (this.what === 'twice') {
          this.addWeight('w', [2]);
          this.addWeight('w', [2]);
        }
      }
    }
    for (const [what, message] of [['regularizer', /regularizer is not supported/], ['shape', /shape must be a non-empty array of positive integers/],
      ['dtype', /dtype must be 'float32'/], ['twice', /already has a weight named 'w'/]] as const) {
      expect(() => tf.sequential({ layers: [new Bad(what)] }).build([2])).toThrow(message);
    }
    expect(() => tf.layers.dense({ units: 2 }).addWeight('w', [2])).toThrow(/built-in layer/);
    expect(() => tf.serialization.registerClass({} as never)).toThrow(TypeError);
    class Unnamed extends tf.layers.Layer {}
    Object.defineProperty(Unnamed, 'className', { value: undefined });
    expect(() => tf.serialization.registerClass(Unnamed)).toThrow(/static className/);
    expect(() => tf.serialization.registerClass(MyDense)).toThrow(/already registered/);

    let model: tf.LayersModel | null = null;
    class Recursive extends tf.layers.Layer {
      static override className = 'Recursive';
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        model!.predict(x as tf.Tensor);
        return x as tf.Tensor;
      }
    }
    model = tf.sequential({ layers: [new Recursive({ inputShape: [5] }), tf.layers.dense({ units: 2 })] });
    expect(() => model!.predict(tf.tensor2d(X, [N, 5]))).toThrow(/custom layer cannot call its own model/);
  });

  it('passes training: true inside fit only, and frees what its calls create', async () => {
    const seen: boolean[] = [];
    const made: tf.Tensor[] = [];
    class Noted extends tf.layers.Layer {
      static override className = 'Noted';
      override call(x: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor {
        seen.push(kwargs.training === true);
        const factor = tf.scalar(kwargs.training ? 0.5 : 1);
        const y = tf.mul(x as tf.Tensor, factor);
        made.push(x as tf.Tensor, factor, y);
        return y;
      }
    }
    const m = tf.sequential({ layers: [new Noted({ inputShape: [5] }), tf.layers.dense({ units: 3 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d(X, [N, 5]);
    const y = tf.tensor2d(rng.array(N * 3, -1, 1), [N, 3]);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    (m.predict(x) as tf.Tensor).dispose();
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((t) => !t.isDisposed)).toEqual([]);
    expect(seen[0]).toBe(true);
    expect(seen[seen.length - 1]).toBe(false);
  });
});
