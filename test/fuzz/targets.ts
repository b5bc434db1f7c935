// What the API fuzzer calls: every export of the package (and the raw native
// binding under it), with arguments from gen.ts. Targets with structure build
// almost-valid arguments so that calls get past the first check; the
// reflective targets call every exported function and every method of every
// object in the pool with junk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../../src/index';
import { native } from '../../src/native';
import { Sequential } from '../../src/models/sequential';
import { LayerClass, deserializeLayer, registeredLayerClasses } from '../../src/layers/registry';
import { Tensor } from '../../src/tensor';
import { EDGE_NUMBERS, FuzzThrow, Gen, detach, gc } from './gen';

/** State shared by the cases of one chunk: objects that later cases call methods on. */
export interface Pool {
  models: Sequential[];
  tensors: Tensor[];
  objects: object[];
  /** Work a case started and did not wait for (a fit that keeps a model "training"). */
  background: Promise<unknown>[];
  /** A private directory: the working directory of the run; every path the fuzzer writes is inside it. */
  dir: string;
}

export interface Ctx {
  g: Gen;
  pool: Pool;
}

export interface Target {
  name: string;
  weight: number;
  run(ctx: Ctx): unknown;
}

const ACTIVATIONS = ['relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'softsign', 'gelu', 'silu',
  'swish', 'softmax', 'linear', 'logSoftmax', 'gelu_new', 'hard_sigmoid', 'exponential'];
const LOSSES = ['sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError',
  'meanAbsoluteError', 'huber', 'mse', 'sparse_categorical_crossentropy', 'hinge'];
const METRICS = ['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mse', 'mae',
  'topKCategoricalAccuracy', 'sparse_top_k_categorical_accuracy', 'precision', 'crossentropy'];
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'];

/** Half the time the valid choice, else junk. */
function maybe<T>(g: Gen, valid: () => T, pJunk = 0.15): unknown {
  return g.chance(pJunk) ? g.junk() : valid();
}

function remember(pool: Pool, v: unknown): unknown {
  if (v instanceof Tensor && pool.tensors.length < 64) pool.tensors.push(v);
  else if (v instanceof Tensor) pool.tensors[(pool.tensors.length * 7919) % 64] = v;
  return v;
}

/** A tensor from the pool or a fresh one. */
function anyTensor(ctx: Ctx): unknown {
  const { g, pool } = ctx;
  if (pool.tensors.length > 0 && g.chance(0.3)) return g.pick(pool.tensors);
  return g.tensor();
}

function layerArgs(g: Gen, first: boolean, features: number[]): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (first && g.chance(0.7)) a.inputShape = g.chance(0.9) ? features : g.shape();
  if (g.chance(0.1)) a.name = maybe(g, () => `l${g.int(0, 5)}`);
  if (g.chance(0.05)) a.trainable = g.junk();
  if (g.chance(0.05)) a.batchInputShape = [null, ...(g.shape() as number[] ?? [])];
  return a;
}

/** A random layer (mostly valid). */
function makeLayer(g: Gen, first: boolean, features: number[], units?: number): unknown {
  const base = layerArgs(g, first, features);
  return g.weighted<unknown>([
    [8, () => tf.layers.dense({
      ...base, units: (g.chance(0.9) ? units ?? g.int(1, 6) : g.dim()) as number,
      activation: maybe(g, () => g.pick(ACTIVATIONS), 0.05) as 'relu',
      ...(g.chance(0.2) ? { useBias: maybe(g, () => g.chance(0.5)) as boolean } : {}),
      ...(g.chance(0.1) ? { kernelInitializer: maybe(g, () => g.pick(['zeros', 'ones', 'glorotNormal', 'heUniform', 'randomNormal'])) as 'zeros' } : {}),
      ...(g.chance(0.1) ? { kernelRegularizer: maybe(g, () => g.pick(['l1', 'l2', 'l1l2'])) as 'l1' } : {}),
      ...(g.chance(0.05) ? { alpha: g.edgeNumber() } : {}),
    })],
    [2, () => tf.layers.activation({ ...base, activation: maybe(g, () => g.pick(ACTIVATIONS), 0.1) as 'relu' })],
    [2, () => tf.layers.dropout({ ...base, rate: maybe(g, () => g.float() * 0.9, 0.2) as number, ...(g.chance(0.3) ? { seed: g.pick(EDGE_NUMBERS) } : {}) })],
    [1, () => tf.layers.flatten(base)],
    [1, () => tf.layers.batchNormalization({ ...base, ...(g.chance(0.3) ? { momentum: g.edgeNumber(), epsilon: g.edgeNumber() } : {}) })],
    [1, () => tf.layers.layerNormalization({ ...base, ...(g.chance(0.3) ? { epsilon: g.edgeNumber(), center: g.chance(0.5), scale: g.chance(0.5) } : {}) })],
  ]);
}

/** A model in some state: not built, built, compiled, with or without declared input shape. */
function makeModel(ctx: Ctx): Sequential {
  const { g } = ctx;
  const features = g.chance(0.8) ? [g.int(1, 6)] : [g.int(1, 3), g.int(1, 3)];
  const layers: unknown[] = [];
  const n = g.int(1, 4);
  if (features.length > 1 && g.chance(0.8)) layers.push(tf.layers.flatten({ inputShape: features }));
  for (let i = 0; i < n; i++) {
    try {
      layers.push(makeLayer(g, layers.length === 0, features, i === n - 1 ? g.int(1, 4) : undefined));
    } catch {
      // an invalid layer config: the constructor refused it
    }
  }
  const m = tf.sequential();
  for (const l of layers) {
    try {
      m.add(l as tf.layers.Layer);
    } catch {
      // refused (e.g. inputShape on a later layer)
    }
  }
  if (g.chance(0.5)) tryIt(() => m.build(features));
  if (g.chance(0.7)) tryIt(() => m.compile(compileArgs(g)));
  return m;
}

function tryIt(f: () => unknown): void {
  try {
    const r = f();
    if (r instanceof Promise) r.catch(() => undefined);
  } catch {
    // expected: the fuzzer only wants the side effects that succeed
  }
}

function compileArgs(g: Gen): unknown {
  return maybe(g, () => ({
    optimizer: g.weighted<unknown>([
      [5, () => g.pick(OPTIMIZERS)],
      [3, () => (tf.optimizers as unknown as Record<string, (a?: unknown) => unknown>)[g.pick(OPTIMIZERS)](optimizerArgs(g))],
      [1, () => g.junk()],
    ]),
    loss: g.weighted<unknown>([[6, () => g.pick(LOSSES)], [2, () => tf.losses.categoricalCrossentropy({ fromLogits: g.chance(0.5) })], [1, () => g.junk()]]),
    ...(g.chance(0.6) ? { metrics: g.chance(0.8) ? [g.pick(METRICS)] : g.junk() } : {}),
  }), 0.05);
}

function optimizerArgs(g: Gen): unknown {
  if (g.chance(0.3)) return undefined;
  return maybe(g, () => {
    const a: Record<string, unknown> = {};
    const keys = ['learningRate', 'momentum', 'beta1', 'beta2', 'epsilon', 'rho', 'clipNorm', 'clipValue', 'globalClipNorm',
      'weightDecay', 'amsgrad', 'nesterov', 'centered', 'initialAccumulatorValue'];
    for (let i = g.int(0, 3); i > 0; i--) {
      const k = g.pick(keys);
      a[k] = g.weighted<unknown>([[4, () => g.float()], [3, () => g.edgeNumber()], [1, () => g.chance(0.5)], [1, () => g.junk()]]);
    }
    if (g.chance(0.1)) a.learningRate = schedule(g);
    return a;
  });
}

function schedule(g: Gen): unknown {
  return g.weighted<unknown>([
    [1, () => tf.optimizers.exponentialDecay({ initialLearningRate: g.edgeNumber(), decaySteps: g.edgeNumber(), decayRate: g.edgeNumber(), staircase: g.chance(0.5) } as never)],
    [1, () => tf.optimizers.cosineDecay({ initialLearningRate: g.float(), decaySteps: g.edgeNumber(), alpha: g.edgeNumber(), warmupTarget: g.chance(0.5) ? g.edgeNumber() : undefined, warmupSteps: g.edgeNumber() } as never)],
    [1, () => tf.optimizers.piecewiseConstant({ boundaries: [g.edgeNumber(), g.edgeNumber()], values: Array.from({ length: g.int(0, 4) }, () => g.edgeNumber()) } as never)],
    [1, () => ({ at: () => g.edgeNumber(), native: g.junk(), className: 'X', getConfig: () => ({}) })],
  ]);
}

/** At most this many generated values in x or y, so that the generator stays small. */
const MAX_GENERATED_VALUES = 1 << 18;

/** Training data for a model: x [n, ...inputs] and y fitting its loss (mostly). */
function trainingData(ctx: Ctx, m: Sequential): [unknown, unknown] {
  const { g } = ctx;
  const inputs = m.inputs ?? (g.chance(0.5) ? [g.int(1, 6)] : [g.int(1, 3), g.int(1, 3)]);
  const wanted = g.weighted([[8, () => g.int(1, 40)], [1, () => 0], [1, () => g.int(41, 300)]]);
  // A model built with a huge input (a junk build) would make the generated
  // data gigabytes of JavaScript values: the fuzzer's heap, not the library's.
  const perSample = inputs.reduce((a, b) => a * b, 1);
  const outputs = m.outputShape?.[0] ?? 1;
  const n = Math.min(wanted, Math.floor(MAX_GENERATED_VALUES / Math.max(1, perSample, outputs)));
  const x: unknown = g.weighted<unknown>([
    [12, () => g.features(n, inputs)],
    [1, () => g.nested([n, ...inputs])],
    [1, () => anyTensor(ctx)],
    [1, () => g.junk()],
  ]);
  const units = m.outputShape?.[0] ?? g.int(1, 4);
  const loss = m.compileConfig?.loss.name;
  const y: unknown = g.weighted<unknown>([
    [10, () => {
      if (loss === 'sparseCategoricalCrossentropy') {
        const labels = new Int32Array(n).map(() => (g.chance(0.98) ? g.int(0, units - 1) : g.pick([-1, units, 2 ** 31 - 1])));
        return g.chance(0.8) ? tf.tensor1d(labels, 'int32') : tf.tensor1d(Float32Array.from(labels));
      }
      const t = new Float32Array(n * units).map(() => (g.chance(0.995) ? g.float() : g.edgeNumber()));
      return new Tensor(t, [n, units], 'float32');
    }],
    [1, () => g.features(Math.max(0, n + g.int(-1, 1)), [units])],
    [1, () => anyTensor(ctx)],
    [1, () => g.junk()],
  ]);
  return [x, y];
}

function pickModel(ctx: Ctx): Sequential {
  const { g, pool } = ctx;
  if (pool.models.length < 3 || g.chance(0.08)) {
    const m = makeModel(ctx);
    if (pool.models.length >= 8) pool.models.splice(g.int(0, pool.models.length - 1), 1);
    pool.models.push(m);
    return m;
  }
  return g.pick(pool.models);
}

/** A signal that aborts soon, or one already aborted, or none, or junk. */
function signal(g: Gen): unknown {
  return g.weighted<unknown>([
    [6, () => undefined],
    [3, () => AbortSignal.timeout(g.int(0, 30))],
    [1, () => (g.chance(0.5) ? AbortSignal.abort(new FuzzThrow('abort reason')) : AbortSignal.abort())],
    [1, () => g.junk()],
  ]);
}

function fitArgs(g: Gen): unknown {
  return maybe(g, () => {
    const a: Record<string, unknown> = { verbose: g.chance(0.97) ? 0 : g.junk() };
    const hugeEpochs = g.chance(0.03);
    if (g.chance(0.7)) a.epochs = hugeEpochs ? 2 ** 31 - 1 : g.weighted<unknown>([[8, () => g.int(0, 3)], [1, () => g.edgeNumber()], [1, () => g.junk()]]);
    if (g.chance(0.6)) a.batchSize = g.weighted<unknown>([[6, () => g.int(1, 16)], [2, () => g.edgeNumber()], [1, () => 2 ** 31 - 1], [1, () => g.junk()]]);
    if (g.chance(0.2)) a.shuffle = maybe(g, () => g.chance(0.5));
    if (g.chance(0.2)) a.validationSplit = g.weighted<unknown>([[3, () => g.float()], [1, () => g.edgeNumber()], [1, () => g.junk()]]);
    if (g.chance(0.1)) a.validationData = g.chance(0.5) ? [g.tensor(), g.tensor()] : g.junk();
    if (g.chance(0.1)) a.initialEpoch = g.chance(0.7) ? g.int(0, 3) : g.junk();
    if (g.chance(0.1)) a.classWeight = maybe(g, () => ({ [g.pick([0, 1, 2, -1, 1.5, 99] as number[])]: g.edgeNumber() }));
    if (g.chance(0.1)) a.seed = g.chance(0.7) ? g.int(0, 100) : g.junk();
    if (g.chance(0.15)) a.callbacks = callbacks(g);
    // A valid but long fit (epochs: 1e6 from the edge numbers) is legitimate
    // work, not a hang: give every long one a deadline, as a server would.
    const long = hugeEpochs || (typeof a.epochs === 'number' && a.epochs > 3);
    a.signal = long ? AbortSignal.timeout(g.int(1, 40)) : signal(g);
    return a;
  }, 0.05);
}

function callbacks(g: Gen): unknown {
  const one = () => g.weighted<unknown>([
    [2, () => tf.callbacks.earlyStopping({ patience: g.int(0, 2) })],
    [1, () => tf.callbacks.terminateOnNaN()],
    [1, () => tf.callbacks.reduceLROnPlateau({ patience: 0 })],
    [2, () => ({ onBatchEnd: () => { if (g.chance(0.2)) throw new FuzzThrow('callback'); } })],
    [1, () => ({ onEpochEnd: async () => { await new Promise((r) => setTimeout(r, 1)); } })],
    [1, () => ({ onBatchEnd(this: { model?: Sequential }) { if (this.model && g.chance(0.5)) this.model.stopTraining = true; } })],
    [1, () => g.junk()],
  ]);
  return g.chance(0.7) ? [one(), one()] : one();
}

/** Awaits a call, swallowing nothing: the runner classifies what it throws. */
function call(f: () => unknown): unknown {
  return f();
}

// ---------------------------------------------------------------- targets

const TENSOR_FACTORIES: Target = {
  name: 'tensor factories', weight: 8,
  run: ({ g, pool }) => {
    const shape = g.chance(0.7) ? g.smallShape() : g.shape();
    const size = Array.isArray(shape) && shape.every((d) => typeof d === 'number' && d >= 0 && d < 1e4) ? shape.reduce((a: number, b: number) => a * b, 1) : g.int(0, 8);
    const dtype = maybe(g, () => g.pick(['float32', 'int32']), 0.1);
    return remember(pool, g.weighted<unknown>([
      [4, () => tf.tensor(g.flatValues(size) as number[], shape as number[], dtype as 'float32')],
      [2, () => tf.tensor(g.nested(Array.isArray(shape) ? (shape as number[]).map((d) => (typeof d === 'number' && d < 5 && d >= 0 ? d : 2)) : [2]) as number[], undefined, dtype as 'float32')],
      [1, () => tf.scalar(g.chance(0.8) ? g.value() : (g.junk() as number), dtype as 'float32')],
      [1, () => tf.tensor1d(g.flatValues(g.int(0, 6)) as number[], dtype as 'float32')],
      [1, () => tf.tensor2d(g.chance(0.5) ? (g.nested([g.int(0, 3), g.int(0, 3)]) as number[][]) : (g.flatValues(size) as number[]), (g.chance(0.5) ? shape : undefined) as [number, number], dtype as 'float32')],
      [2, () => tf.zeros(shape as number[], dtype as 'float32')],
      [1, () => tf.ones(shape as number[], dtype as 'float32')],
      [2, () => tf.fill(shape as number[], g.chance(0.8) ? g.edgeNumber() : (g.junk() as number), dtype as 'float32')],
      [2, () => tf.randomNormal(shape as number[], maybe(g, () => g.edgeNumber()) as number, maybe(g, () => g.float()) as number, dtype as 'float32', maybe(g, () => g.int(0, 9)) as number)],
      [2, () => tf.randomUniform(shape as number[], maybe(g, () => g.edgeNumber()) as number, maybe(g, () => g.edgeNumber()) as number, dtype as 'float32', g.junk() as number)],
      [1, () => new Tensor(g.typedArray() as Float32Array, shape as number[], dtype as 'float32')],
    ]));
  },
};

const TENSOR_METHODS: Target = {
  name: 'tensor methods', weight: 6,
  run: (ctx) => {
    const { g, pool } = ctx;
    const t = anyTensor(ctx) as Tensor;
    const m = g.pick(['reshape', 'cast', 'clone', 'dataSync', 'data', 'arraySync', 'array', 'toString', 'print', 'rank', 'isDisposed', 'dispose']);
    if (m === 'isDisposed') return t.isDisposed;
    if (m === 'rank') return (t as unknown as { rank: number }).rank;
    if (m === 'reshape') return remember(pool, t.reshape((g.chance(0.5) ? g.shape() : [-1, g.int(1, 3)]) as number[]));
    if (m === 'cast') return remember(pool, t.cast(maybe(g, () => g.pick(['float32', 'int32'])) as 'float32'));
    return (t as unknown as Record<string, () => unknown>)[m]();
  },
};

const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'squaredDifference'] as const;
const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'square', 'abs'] as const;

/** Two tensors whose shapes broadcast (mostly). */
function broadcastPair(ctx: Ctx): [unknown, unknown] {
  const { g } = ctx;
  if (g.chance(0.2)) return [anyTensor(ctx), anyTensor(ctx)];
  const shape = g.smallShape(5, 4);
  const other = shape.slice(g.int(0, shape.length)).map((d) => (g.chance(0.3) ? 1 : g.chance(0.05) ? d + 1 : d));
  const dtype = g.chance(0.8) ? 'float32' : 'int32';
  return g.chance(0.5) ? [g.tensor(0, shape, dtype), g.tensor(0, other, dtype)] : [g.tensor(0, other, dtype), g.tensor(0, shape, dtype)];
}

const ELEMENTWISE: Target = {
  name: 'elementwise ops', weight: 8,
  run: (ctx) => {
    const { g, pool } = ctx;
    const ops = tf as unknown as Record<string, (...a: unknown[]) => unknown>;
    if (g.chance(0.6)) {
      const [a, b] = broadcastPair(ctx);
      return remember(pool, ops[g.pick(BINARY_OPS)](a, b));
    }
    return remember(pool, ops[g.pick(UNARY_OPS)](anyTensor(ctx)));
  },
};

const ACTIVATION_OPS: Target = {
  name: 'activation ops', weight: 6,
  run: (ctx) => {
    const { g, pool } = ctx;
    const ops = tf as unknown as Record<string, (...a: unknown[]) => unknown>;
    const x = anyTensor(ctx);
    return remember(pool, g.weighted<unknown>([
      [6, () => ops[g.pick(['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'softsign', 'silu', 'swish'])](x)],
      [1, () => tf.leakyRelu(x as Tensor, maybe(g, () => g.edgeNumber()) as number)],
      [1, () => tf.gelu(x as Tensor, maybe(g, () => g.chance(0.5)) as boolean)],
      [3, () => ops[g.pick(['softmax', 'logSoftmax'])](x, maybe(g, () => g.int(-3, 3)))],
      [3, () => {
        const t = x as Tensor;
        const dy = g.chance(0.8) && t instanceof Tensor && Array.isArray(t.shape) ? g.tensor(0, [...t.shape] as number[]) : anyTensor(ctx);
        return tf.activationBackward(g.chance(0.9) ? g.pick(ACTIVATIONS) as 'relu' : g.junk() as 'relu', x as Tensor, dy as Tensor,
          maybe(g, () => ({ ...(g.chance(0.5) ? { axis: g.int(-3, 3) } : {}), ...(g.chance(0.3) ? { alpha: g.edgeNumber() } : {}), ...(g.chance(0.3) ? { approximate: g.chance(0.5) } : {}) })) as object);
      }],
    ]));
  },
};

/**
 * A copy of a pooled tensor's shape to generate arguments from, or null when
 * earlier cases broke it (the library refuses such tensors; the harness must
 * not build arrays from a shape whose length was set to 2^32 - 1).
 */
function usableShape(x: unknown): number[] | null {
  if (!(x instanceof Tensor) || !Array.isArray(x.shape) || x.shape.length > 64) return null;
  return [...x.shape];
}

function axisArg(g: Gen, rank: number): unknown {
  return g.weighted<unknown>([
    [3, () => undefined],
    [4, () => g.int(-rank - 1, rank)],
    [2, () => Array.from({ length: g.int(0, rank + 1) }, () => g.int(-rank, rank))],
    [1, () => g.junk()],
  ]);
}

const REDUCTIONS: Target = {
  name: 'reductions', weight: 5,
  run: (ctx) => {
    const { g, pool } = ctx;
    const x = anyTensor(ctx) as Tensor;
    const rank = usableShape(x)?.length ?? 2;
    const ops = tf as unknown as Record<string, (...a: unknown[]) => unknown>;
    if (g.chance(0.3)) return remember(pool, ops[g.pick(['argMax', 'argMin'])](x, maybe(g, () => g.int(-rank, rank - 1))));
    return remember(pool, ops[g.pick(['sum', 'mean', 'prod', 'max', 'min'])](x, axisArg(g, rank), maybe(g, () => g.chance(0.5), 0.1)));
  },
};

const MOVEMENT: Target = {
  name: 'movement ops', weight: 8,
  run: (ctx) => {
    const { g, pool } = ctx;
    const x = anyTensor(ctx) as Tensor;
    const shape: number[] = usableShape(x) ?? [2, 2];
    const rank = shape.length;
    const perm = () => {
      const p = Array.from({ length: rank }, (_, i) => i);
      for (let i = rank - 1; i > 0; i--) {
        const j = g.int(0, i);
        [p[i], p[j]] = [p[j], p[i]];
      }
      if (g.chance(0.1) && rank > 0) p[g.int(0, rank - 1)] = g.pick([-1, rank, 0, 1.5]);
      return p;
    };
    const indices = (dim: number) => g.weighted<unknown>([
      [5, () => Array.from({ length: g.int(0, 5) }, () => (g.chance(0.95) ? g.int(0, Math.max(0, dim - 1)) : g.pick([-1, dim, 2 ** 31, 1.5])))],
      [2, () => g.tensor(0, [g.int(0, 4)], 'int32')],
      [1, () => g.nested([g.int(0, 2), g.int(0, 2)])],
      [1, () => g.junk()],
    ]);
    return remember(pool, g.weighted<unknown>([
      [3, () => tf.transpose(x, maybe(g, perm, 0.2) as number[])],
      [3, () => tf.slice(x, maybe(g, () => shape.map((d) => g.int(0, d))) as number[],
        maybe(g, () => shape.map((d) => (g.chance(0.2) ? -1 : g.int(0, d)))) as number[])],
      [3, () => tf.gather(x, indices(shape[0] ?? 1) as number[], maybe(g, () => g.int(-rank, rank - 1), 0.1) as number)],
      [3, () => {
        const list = Array.from({ length: g.int(0, 4) }, () => {
          if (g.chance(0.2)) return anyTensor(ctx);
          const s = [...shape];
          if (rank > 0) s[0] = g.int(0, 3);
          return g.tensor(0, s, x instanceof Tensor ? x.dtype : 'float32');
        });
        return g.chance(0.5) ? tf.concat(list as Tensor[], maybe(g, () => g.int(-rank, rank - 1)) as number)
          : tf.stack(list.map((t) => (g.chance(0.8) ? x : t)) as Tensor[], maybe(g, () => g.int(-rank - 1, rank)) as number);
      }],
      [2, () => tf.split(x, maybe(g, () => (g.chance(0.5) ? g.int(0, 4) : [g.int(0, 2), -1, g.int(0, 2)])) as number,
        maybe(g, () => g.int(-rank, rank - 1)) as number)],
      [2, () => tf.oneHot(indices(5) as number[], maybe(g, () => g.int(0, 6)) as number, maybe(g, () => g.edgeNumber()) as number,
        maybe(g, () => g.edgeNumber()) as number, maybe(g, () => g.pick(['float32', 'int32'])) as 'int32')],
    ]));
  },
};

const MATMUL: Target = {
  name: 'matMul', weight: 4,
  run: (ctx) => {
    const { g, pool } = ctx;
    const batched = g.chance(0.3);
    const [m, k, n] = [g.int(0, 5), g.int(0, 5), g.int(0, 5)];
    const b = g.int(0, 3);
    const ta = g.chance(0.3);
    const tb = g.chance(0.3);
    const sa = ta ? [k, m] : [m, k];
    const sb = tb ? [n, k] : [k, n];
    const fix = (s: number[]) => (g.chance(0.1) ? s.map((d) => d + g.int(-1, 1)) : s);
    const a = g.chance(0.85) ? g.tensor(0, fix(batched ? [b, ...sa] : sa), 'float32') : anyTensor(ctx);
    const c = g.chance(0.85) ? g.tensor(0, fix(batched ? [b, ...sb] : sb), 'float32') : anyTensor(ctx);
    return remember(pool, tf.matMul(a as Tensor, c as Tensor, maybe(g, () => ta, 0.05) as boolean, maybe(g, () => tb, 0.05) as boolean));
  },
};

const BACKEND: Target = {
  name: 'backend and limits', weight: 2,
  run: ({ g }) => g.weighted<unknown>([
    [1, () => tf.backendInfo()],
    [1, () => tf.getNumThreads()],
    [2, () => tf.setNumThreads(g.chance(0.5) ? g.int(1, 4) : (g.junk() as number))],
    [2, () => tf.setSeed(g.chance(0.5) ? g.int(0, 99) : (g.junk() as number))],
    [2, () => tf.setMemoryLimit(g.chance(0.5) ? g.pick([1, 1024, 2 ** 20, 2 ** 40, null]) as number : (g.junk() as number))],
    [1, () => tf.getMemoryLimit()],
  ]),
};

const LAYERS: Target = {
  name: 'layers', weight: 4,
  run: ({ g, pool }) => {
    const l = g.chance(0.8) ? makeLayer(g, g.chance(0.5), [g.int(1, 4)]) : (tf.layers as unknown as Record<string, (a: unknown) => unknown>)[g.pick(['dense', 'activation', 'dropout', 'flatten', 'batchNormalization', 'layerNormalization'])](g.junk());
    if (pool.objects.length < 40) pool.objects.push(l as object);
    const layer = l as tf.layers.Layer;
    return g.weighted<unknown>([
      [2, () => layer.getConfig()],
      [1, () => layer.computeOutputShape(g.shape() as number[])],
      [1, () => layer.toNative(g.shape() as number[])],
      [1, () => layer.weightSpecs(g.shape() as number[])],
      [1, () => layer.countParams()],
      [1, () => layer.getWeights()],
      [1, () => layer.setWeights(g.junk() as Tensor[])],
      // The registry reads configs from files: a real config with one key junked, or junk whole.
      [1, () => deserializeLayer({ className: g.chance(0.8) ? g.pick(registeredLayerClasses()) : g.junk(), config: junkedConfig(g, layer) } as never)],
      [1, () => (layer.constructor as unknown as LayerClass).fromConfig((g.chance(0.7) ? junkedConfig(g, layer) : g.junk()) as never)],
      [1, () => deserializeLayer(g.junk() as never)],
    ]);
  },
};

/** A layer's config with one key (present or not) set to junk. */
function junkedConfig(g: Gen, layer: tf.layers.Layer): Record<string, unknown> {
  const config: Record<string, unknown> = { ...(layer.getConfig() as Record<string, unknown>) };
  const keys = Object.keys(config);
  const key = keys.length > 0 && g.chance(0.8) ? g.pick(keys) : g.pick(['units', 'activation', 'rate', 'axis', 'name', '__proto__', 'constructor']);
  config[key] = g.junk();
  return config;
}

const CONFIG_OBJECTS: Target = {
  name: 'optimizers, schedules, losses, initializers, regularizers, callbacks', weight: 4,
  run: ({ g, pool }) => {
    const o = g.weighted<unknown>([
      [4, () => (tf.optimizers as unknown as Record<string, (a?: unknown) => unknown>)[g.pick(OPTIMIZERS)](optimizerArgs(g))],
      [1, () => tf.optimizers.get(maybe(g, () => g.pick(OPTIMIZERS)) as 'adam', optimizerArgs(g) as object)],
      [2, () => schedule(g)],
      [1, () => (tf.losses as unknown as Record<string, (a?: unknown) => unknown>)[g.pick(Object.keys(tf.losses))](g.chance(0.5) ? { fromLogits: g.junk(), delta: g.edgeNumber() } : g.junk())],
      [2, () => (tf.initializers as unknown as Record<string, (a?: unknown) => unknown>)[g.pick(Object.keys(tf.initializers))](
        g.chance(0.5) ? { seed: g.edgeNumber(), value: g.edgeNumber(), scale: g.edgeNumber(), mode: g.junk(), distribution: g.junk(), mean: g.edgeNumber(), stddev: g.edgeNumber(), minval: g.edgeNumber(), maxval: g.edgeNumber() } : g.junk())],
      [1, () => (tf.regularizers as unknown as Record<string, (a?: unknown) => unknown>)[g.pick(Object.keys(tf.regularizers))](g.chance(0.5) ? { l1: g.edgeNumber(), l2: g.edgeNumber() } : g.junk())],
      [2, () => g.weighted<unknown>([
        [1, () => tf.callbacks.earlyStopping(g.chance(0.5) ? { monitor: g.junk(), patience: g.edgeNumber(), minDelta: g.edgeNumber(), mode: g.junk(), baseline: g.edgeNumber(), restoreBestWeights: g.junk() } as never : g.junk() as never)],
        [1, () => tf.callbacks.reduceLROnPlateau(g.chance(0.5) ? { factor: g.edgeNumber(), patience: g.edgeNumber(), minLR: g.edgeNumber(), cooldown: g.edgeNumber() } as never : g.junk() as never)],
        [1, () => tf.callbacks.csvLogger(g.chance(0.5) ? `log${g.int(0, 3)}.csv` : (g.junk() as string), g.junk() as never)],
        [1, () => tf.callbacks.learningRateScheduler(g.chance(0.5) ? ((e: number) => g.edgeNumber() + e) as never : g.junk() as never, g.junk() as never)],
        [1, () => tf.callbacks.terminateOnNaN()],
      ])],
    ]);
    if (o !== null && typeof o === 'object' && pool.objects.length < 40) pool.objects.push(o);
    const obj = o as Record<string, unknown>;
    if (obj && typeof obj.getConfig === 'function') return (obj.getConfig as () => unknown)();
    if (obj && typeof obj.toNative === 'function') return (obj.toNative as () => unknown)();
    if (obj && typeof obj.at === 'function') return (obj.at as (s: unknown) => unknown)(g.chance(0.5) ? g.edgeNumber() : g.junk());
    return o;
  },
};

const MODEL_CREATE: Target = {
  name: 'sequential()', weight: 2,
  run: (ctx) => {
    const { g, pool } = ctx;
    const m = g.weighted<unknown>([
      [4, () => makeModel(ctx)],
      [1, () => tf.sequential(g.junk() as never)],
      [1, () => tf.sequential({ layers: g.chance(0.5) ? [makeLayer(g, true, [2]), g.junk()] : g.junk(), name: g.junk() } as never)],
      [1, () => new tf.Sequential(g.junk() as never)],
    ]);
    if (m instanceof Sequential) {
      if (pool.models.length >= 8) pool.models.shift();
      pool.models.push(m);
    }
    return m;
  },
};

const MODEL_METHODS: Target = {
  name: 'model methods', weight: 16,
  run: (ctx) => {
    const { g, pool } = ctx;
    const m = pickModel(ctx);
    const [x, y] = trainingData(ctx, m);
    return g.weighted<unknown>([
      [1, () => m.add(g.chance(0.7) ? makeLayer(g, false, [2]) as tf.layers.Layer : g.junk() as tf.layers.Layer)],
      [2, () => m.build(maybe(g, () => m.inputs ?? [g.int(1, 5)]) as number[])],
      [3, () => m.compile(compileArgs(g) as never)],
      [8, () => m.fit(x as Tensor, y as Tensor, fitArgs(g) as never)],
      [3, () => m.evaluate(x as Tensor, y as Tensor, maybe(g, () => ({ batchSize: g.chance(0.7) ? g.int(1, 50) : g.edgeNumber() })) as never)],
      [5, () => remember(pool, m.predict(x as Tensor, maybe(g, () => ({ batchSize: g.chance(0.7) ? g.int(1, 50) : g.edgeNumber() })) as never))],
      [5, () => m.predictAsync(x as Tensor, maybe(g, () => ({ batchSize: g.chance(0.7) ? g.int(1, 50) : g.edgeNumber(), signal: signal(g) })) as never)],
      [3, () => m.trainOnBatch(x as Tensor, y as Tensor)],
      [2, () => m.getWeights().map((t) => remember(pool, t))],
      [2, () => {
        let w: unknown;
        try {
          w = m.getWeights().map((t) => (g.chance(0.9) ? t : g.tensor()));
        } catch {
          w = g.junk();
        }
        if (Array.isArray(w) && g.chance(0.2)) w.pop();
        return m.setWeights(w as Tensor[]);
      }],
      [1, () => m.getLearningRate()],
      [1, () => m.setLearningRate(g.chance(0.5) ? g.float() : (g.junk() as number))],
      [1, () => m.countParams()],
      [1, () => m.summary(maybe(g, () => g.int(10, 100)) as number, g.junk() as number[], () => undefined)],
      [1, () => m.getOptimizerState()],
      [1, () => {
        let s: unknown;
        try {
          const st = m.getOptimizerState();
          s = { ...st, slots: st.slots.map((a) => (g.chance(0.8) ? a : new Float32Array(g.int(0, 4)))), iterations: g.chance(0.5) ? st.iterations : g.edgeNumber(), nadamMomentumProduct: g.edgeNumber() };
        } catch {
          s = g.junk();
        }
        return m.setOptimizerState(s as never);
      }],
      [1, () => m.computeGradients(x as Tensor, y as Tensor)],
      [1, () => m.applyGradients(g.chance(0.7) ? new Float32Array(g.chance(0.8) ? m.countParams() : g.int(0, 9)).map(() => g.value()) : (g.junk() as Float32Array))],
      [1, () => m.toArtifacts(g.junk() as never)],
      [1, () => m.save(g.chance(0.7) ? `saved/m${g.int(0, 3)}` : (g.junk() as string), g.junk() as never)],
      [1, () => [m.layers, m.built, m.inputs, m.outputShape, m.compileConfig]],
    ]);
  },
};

/** Starts a fit that keeps running while later cases call the same model ("training" state). */
const BACKGROUND_FIT: Target = {
  name: 'background fit', weight: 3,
  run: (ctx) => {
    const { g, pool } = ctx;
    const m = pickModel(ctx);
    const [x, y] = trainingData(ctx, m);
    const p = m.fit(x as Tensor, y as Tensor, { epochs: 100000, batchSize: g.int(1, 8), verbose: 0, signal: AbortSignal.timeout(g.int(1, 150)) });
    p.catch(() => undefined);
    pool.background.push(p);
    return undefined;
  },
};

/**
 * Detaches the caller's buffers while native work reads them. The data is
 * large enough (freed with munmap) and the model wide enough that the worker
 * is still running when the buffer goes; the detach comes right after the
 * native call was queued, or after a random delay.
 */
const DETACH_DURING_ASYNC: Target = {
  name: 'detach during async work', weight: 1,
  run: async ({ g }) => {
    const features = g.int(32, 96);
    const n = g.int(1000, 3000);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 128, inputShape: [features], activation: 'relu' }), tf.layers.dense({ units: 4, activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    // Finite data: the input check must pass for native work to start.
    const x = new Tensor(new Float32Array(n * features).map(() => g.float() * 2 - 1), [n, features], 'float32');
    const y = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % 4), 'int32');
    const pull = () => {
      detach(x.values.buffer as ArrayBuffer);
      if (g.chance(0.5)) detach(y.values.buffer as ArrayBuffer);
      // Collect the clones that now own the memory, so that it is freed while the worker runs.
      for (let i = 0; i < 8; i++) {
        new ArrayBuffer(1 << 24);
        gc();
      }
    };
    const delay = g.chance(0.5) ? 0 : g.int(1, 30);
    const later = () => (delay === 0 ? pull() : setTimeout(pull, delay));
    let p: Promise<unknown>;
    switch (g.int(0, 3)) {
      case 0:
        p = m.predictAsync(x, { batchSize: g.int(8, 64) });
        later();
        break;
      case 1:
        p = m.trainOnBatch(x, y);
        later();
        break;
      case 2:
        p = m.evaluate(x, y, { batchSize: g.int(8, 64) });
        setTimeout(pull, g.int(0, 30));
        break;
      default: {
        let armed = false;
        p = m.fit(x, y, { epochs: 1, batchSize: g.int(16, 64), verbose: 0, callbacks: { onBatchEnd: () => { if (!armed) { armed = true; setTimeout(pull, g.int(0, 10)); } } } });
      }
    }
    p.catch(() => undefined);
    return p;
  },
};

const IO: Target = {
  name: 'save/load', weight: 3,
  run: async (ctx) => {
    const { g } = ctx;
    return g.weighted<unknown>([
      [2, () => tf.loadLayersModel(g.chance(0.5) ? `saved/m${g.int(0, 3)}` : (g.junk() as string))],
      [1, () => tf.loadLayersModel({ load: async () => g.junk() } as never)],
      [3, async () => {
        const m = pickModel(ctx);
        const a = await m.toArtifacts(g.chance(0.3) ? { includeOptimizer: true } : undefined);
        mutateObject(g, a as unknown as Record<string, unknown>, 0);
        return tf.fromArtifacts(a);
      }],
      [1, () => tf.fromArtifacts(g.junk() as never)],
    ]);
  },
};

/** Replaces, deletes or corrupts a few fields anywhere in a JSON-like object, in place. */
export function mutateObject(g: Gen, o: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(o);
  if (keys.length === 0 || depth > 8) return;
  for (let i = g.int(1, 2); i > 0; i--) {
    const k = g.pick(keys);
    const v = o[k];
    if (v !== null && typeof v === 'object' && !(v instanceof ArrayBuffer) && g.chance(0.7)) {
      mutateObject(g, v as Record<string, unknown>, depth + 1);
      continue;
    }
    g.weighted<void>([
      [3, () => { o[k] = g.junk(); }],
      [1, () => { delete o[k]; }],
      [2, () => { if (typeof v === 'number') o[k] = g.edgeNumber(); else o[k] = g.junk(); }],
      [1, () => { if (v instanceof ArrayBuffer) o[k] = v.slice(0, g.int(0, v.byteLength)); else o[k] = g.junk(); }],
      [1, () => { if (Array.isArray(v)) v.push(g.chance(0.5) ? v[0] : g.junk()); else o[k] = g.junk(); }],
    ]);
  }
}

const DATASETS: Target = {
  name: 'datasets', weight: 2,
  run: async ({ g, pool }) => {
    const file = path.join(pool.dir, `f${g.int(0, 3)}.idx`);
    if (g.chance(0.5)) {
      const bytes = new Uint8Array(g.int(0, 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = g.chance(0.5) ? g.int(0, 3) : g.int(0, 255);
      if (bytes.length > 3 && g.chance(0.6)) bytes.set([0, 0, g.pick([8, 9, 0x0b, 0x0c, 0x0d, 0x0e, 7]), g.int(0, 4)]);
      fs.writeFileSync(file, bytes);
    }
    return g.weighted<unknown>([
      [3, () => tf.datasets.loadIdx(g.chance(0.8) ? file : (g.junk() as string))],
      [3, () => tf.datasets.loadIdxSync(g.chance(0.8) ? file : (g.junk() as string))],
      [1, () => tf.datasets.fashionMnist(g.chance(0.7) ? { dir: g.chance(0.5) ? pool.dir : (g.junk() as string) } : (g.junk() as never))],
    ]);
  },
};

/** Every exported function, with junk arguments. */
const EXPORTS: { name: string; fn: (...a: unknown[]) => unknown; isClass: boolean }[] = [];
function collectExports(ns: Record<string, unknown>, prefix: string, depth: number): void {
  for (const [k, v] of Object.entries(ns)) {
    // fashionMnist reads 50 MB; the datasets target calls it with bounded arguments.
    if (k === 'fashionMnist' || k === 'default') continue;
    if (typeof v === 'function') {
      EXPORTS.push({ name: `${prefix}${k}`, fn: v as (...a: unknown[]) => unknown, isClass: /^class\b/.test(Function.prototype.toString.call(v)) });
    } else if (v !== null && typeof v === 'object' && depth < 2 && !ArrayBuffer.isView(v)) {
      collectExports(v as Record<string, unknown>, `${prefix}${k}.`, depth + 1);
    }
  }
}
collectExports(tf as unknown as Record<string, unknown>, 'tf.', 0);

const REFLECT_EXPORTS: Target = {
  name: 'every export, junk arguments', weight: 6,
  run: ({ g }) => {
    const e = g.pick(EXPORTS);
    const args = Array.from({ length: g.int(0, 4) }, () => g.junk());
    return e.isClass ? Reflect.construct(e.fn, args) : e.fn(...args);
  },
};

/** Every method (and getter) of every object in the pool, with junk arguments. */
const REFLECT_METHODS: Target = {
  name: 'every method, junk arguments', weight: 6,
  run: (ctx) => {
    const { g, pool } = ctx;
    const objs: object[] = [...pool.models, ...pool.tensors, ...pool.objects];
    if (objs.length === 0) return undefined;
    const o = g.pick(objs);
    const names = new Set<string>();
    for (let p = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor') names.add(n);
    }
    const name = g.pick([...names]);
    // Writing anything but the listed paths stays inside pool.dir (the working directory).
    const v = (o as Record<string, unknown>)[name];
    if (typeof v !== 'function') {
      if (g.chance(0.3)) (o as Record<string, unknown>)[name] = g.junk();
      return v;
    }
    return (v as (...a: unknown[]) => unknown).apply(o, Array.from({ length: g.int(0, 4) }, () => g.junk()));
  },
};

// ------------------------------------------------------- raw native binding

/** Structure-aware arguments for the raw binding: sizes near the buffers' real lengths. */
function nativeArgs(g: Gen, fname: string): unknown[] {
  const ta = (k?: string, n?: number) => g.typedArray(k, n ?? g.int(0, 24));
  const small = () => g.weighted<unknown>([[10, () => g.int(0, 6)], [1, () => g.edgeNumber()], [1, () => g.junk()]]);
  const dims = (rank = g.int(0, 9)) => (g.chance(0.9) ? Int32Array.from({ length: rank }, () => (g.chance(0.95) ? g.int(0, 4) : g.pick([-1, 2 ** 31 - 1, 2 ** 30]))) : g.junk());
  const f32 = () => (g.chance(0.85) ? ta('Float32Array') : ta());
  const i32 = () => (g.chance(0.85) ? ta('Int32Array') : ta());
  switch (fname) {
    case 'binary': { const t = g.chance(0.5) ? 'Float32Array' : 'Int32Array'; return [g.int(-1, 9), ta(t), dims(), ta(t), dims(), ta(t), dims()]; }
    case 'unary': return [g.int(-1, 7), f32(), f32()];
    case 'activation': return [g.int(-1, 16), g.edgeNumber(), f32(), f32()];
    case 'activationGrad': return [g.int(-1, 16), g.edgeNumber(), f32(), f32(), f32(), f32()];
    case 'softmax': return [f32(), f32(), small(), small(), g.chance(0.5)];
    case 'softmaxGrad': return [f32(), f32(), f32(), small(), small(), g.chance(0.5)];
    case 'reduce': return [g.int(-1, 6), f32(), f32(), small(), small(), small()];
    case 'argReduce': return [g.chance(0.5), f32(), i32(), small(), small(), small()];
    case 'stridedCopy': return [f32(), small(), dims(), dims(), f32()];
    case 'gather': return [f32(), i32(), f32(), small(), small(), small()];
    case 'concat': return [Array.from({ length: g.int(0, 4) }, () => f32()), i32(), f32(), small()];
    case 'oneHot': return [i32(), f32(), small(), g.edgeNumber(), g.edgeNumber()];
    case 'matMul': return [f32(), f32(), f32(), small(), small(), small(), small(), g.chance(0.5), g.chance(0.5)];
    case 'int8QuantizeKernel': { const k = small(), n = small(); const len = typeof k === 'number' && typeof n === 'number' && k * n <= 64 && g.chance(0.8) ? k * n : g.int(0, 24);
      return [g.chance(0.85) ? g.typedArray('Float32Array', len) : ta(), k, n, g.chance(0.95) ? g.chance(0.5) : g.junk()]; }
    case 'uint8QuantFromRange': return [g.chance(0.9) ? g.value() : g.junk(), g.chance(0.9) ? g.value() : g.junk()];
    case 'setNumThreads': return [g.chance(0.5) ? g.int(0, 3) : g.junk()];
    case 'setMemoryLimit': return [g.junk()];
    default: return Array.from({ length: g.int(0, 6) }, () => (g.chance(0.5) ? ta() : g.junk()));
  }
}

function nativeLayerSpec(g: Gen): unknown {
  if (g.chance(0.1)) return g.junk();
  if (g.chance(0.15)) {
    // A custom layer's host node: its shapes come from JavaScript, so the engine checks them.
    const dims = (): unknown => (g.chance(0.85) ? Array.from({ length: g.int(1, 2) }, () => (g.chance(0.9) ? g.int(1, 6) : g.edgeNumber())) : g.junk());
    const count = g.int(0, 2);
    return {
      kind: native.enums.layer.host, hostId: g.chance(0.9) ? g.int(0, 2) : g.edgeNumber(), outputShape: dims(),
      weightShapes: g.chance(0.9) ? Array.from({ length: count }, dims) : g.junk(),
      weightTrainable: g.chance(0.9) ? Array.from({ length: g.chance(0.9) ? count : g.int(0, 3) }, () => g.int(0, 1)) : g.junk(),
      ...(g.chance(0.2) ? { trainable: g.chance(0.5) } : {}),
    };
  }
  const o: Record<string, unknown> = {
    kind: g.weighted<unknown>([[10, () => g.int(0, 4)], [1, () => g.edgeNumber()]]),
    units: g.weighted<unknown>([[10, () => g.int(1, 6)], [1, () => g.edgeNumber()], [1, () => g.junk()]]),
    activation: g.weighted<unknown>([[10, () => g.int(0, 13)], [1, () => g.edgeNumber()]]),
  };
  for (const k of ['useBias', 'activationParam', 'rate', 'seed', 'epsilon', 'momentum', 'center', 'scale', 'l1', 'l2']) {
    if (g.chance(0.2)) o[k] = g.chance(0.5) ? g.edgeNumber() : g.junk();
  }
  return o;
}

/** A window layer's native options (the layers LayerOp runs), mostly valid; now and then another kind, an option it refuses, or junk. */
function windowLayerSpec(g: Gen): unknown {
  if (g.chance(0.05)) return g.junk();
  const L = native.enums.layer;
  const kind = g.weighted<unknown>([
    [10, () => g.pick([L.conv2d, L.conv1d, L.depthwiseConv2d, L.maxPooling2d, L.averagePooling2d, L.maxPooling1d, L.averagePooling1d])],
    [1, () => g.int(0, 40)], [1, () => g.edgeNumber()],
  ]);
  const pair = (lo: number, hi: number) => (g.chance(0.9) ? [g.int(lo, hi), g.int(lo, hi)] : g.chance(0.5) ? [1, g.int(lo, hi)] : g.junk());
  const conv1d = kind === L.conv1d || kind === L.maxPooling1d || kind === L.averagePooling1d;
  const size = conv1d && g.chance(0.9) ? [1, g.int(1, 3)] : pair(1, 3);
  const o: Record<string, unknown> = {
    kind, kernelSize: size, poolSize: size, strides: conv1d && g.chance(0.9) ? [1, g.int(1, 2)] : pair(1, 2), same: g.chance(0.5),
    filters: g.chance(0.9) ? g.int(1, 4) : g.edgeNumber(), depthMultiplier: g.chance(0.9) ? g.int(1, 3) : g.edgeNumber(), useBias: g.chance(0.3),
  };
  if (g.chance(0.2)) o.dilationRate = pair(1, 2);
  if (g.chance(0.1)) o.activation = g.chance(0.8) ? g.int(0, 13) : g.edgeNumber();
  if (g.chance(0.05)) o.trainable = g.chance(0.5);
  if (g.chance(0.05)) o[g.pick(['kernelSize', 'strides', 'filters', 'same'])] = g.junk();
  return o;
}

const layerOps: { op: Record<string, (...a: unknown[]) => unknown>; sizes: number[] }[] = [];

/** native.LayerOp: built from window layer specs and shapes, then forward / backward with buffers of about the right lengths, overlapping, detached or junk. */
function layerOpCase(g: Gen): unknown {
  if (layerOps.length < 3 || g.chance(0.25)) {
    const shape = g.chance(0.9) ? Array.from({ length: g.chance(0.8) ? 3 : g.int(1, 4) }, () => (g.chance(0.95) ? g.int(1, 6) : g.edgeNumber())) : g.junk();
    const op = new native.LayerOp(windowLayerSpec(g) as never, shape as number[]) as unknown as Record<string, (...a: unknown[]) => unknown>;
    const sizes = op.sizes() as number[];
    if (layerOps.length >= 6) layerOps.shift();
    layerOps.push({ op, sizes });
    return op;
  }
  const { op, sizes: [inSize, outSize, weightSize] } = g.pick(layerOps);
  const n = g.chance(0.9) ? g.int(0, 4) : g.edgeNumber();
  const rows = typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 4 ? n : 1;
  // An op built for a huge sample (an edge-number dimension) gets short
  // buffers, which it refuses: a right-sized one would take gigabytes.
  const buf = (len: number) => (len > 2 ** 24 ? g.typedArray('Float32Array', g.int(0, 12))
    : g.chance(0.9) ? g.typedArray(g.chance(0.95) ? 'Float32Array' : undefined, Math.max(0, len + (g.chance(0.85) ? 0 : g.int(-2, 2)))) : g.junk());
  const x = buf(rows * inSize), w = buf(weightSize), dy = buf(rows * outSize);
  // An output that is a view of an input (refused), or a fresh one.
  const output = (len: number) => (g.chance(0.1) && ArrayBuffer.isView(x) ? new Float32Array((x as Float32Array).buffer) : buf(len));
  if (g.chance(0.3)) return op[g.pick(['sizes', 'forward', 'backward', 'keptBytes'])](...Array.from({ length: g.int(0, 6) }, () => g.junk()));
  if (g.chance(0.4)) return op.forward(x, n, w, output(rows * outSize));
  return op.backward(x, n, w, dy, g.chance(0.2) ? null : output(rows * inSize), g.chance(0.3) ? null : output(weightSize));
}

const nativeModels: unknown[] = [];
const EVERY_OPTIMIZER_OPTION = (): Record<string, unknown> =>
  Object.assign({}, ...Object.keys(native.enums.optimizer).map((n) => tf.optimizers.get(n).toNative()));

const NATIVE_RAW: Target = {
  name: 'raw native binding', weight: 8,
  run: ({ g }) => {
    const fns = Object.keys(native).filter((k) => typeof native[k] === 'function' && k !== 'NativeModel' && k !== 'LayerOp');
    if (g.chance(0.15)) return layerOpCase(g);
    if (g.chance(0.7)) {
      const f = g.pick(fns);
      return native[f](...nativeArgs(g, f));
    }
    if (nativeModels.length < 4 || g.chance(0.2)) {
      const inputs = g.chance(0.9) ? g.int(1, 6) : g.edgeNumber();
      const nm = new native.NativeModel(g.chance(0.95) ? Array.from({ length: g.int(0, 4) }, () => nativeLayerSpec(g)) : g.junk(), inputs);
      if (g.chance(0.8)) {
        // Every option any optimizer requires (the engine has no defaults), so that compiles get past the first check.
        const opt = { ...EVERY_OPTIMIZER_OPTION(), kind: g.int(0, 7), schedule: { kind: g.int(0, 3), initial: g.float(), boundaries: [1], values: [0.1, 0.01] } } as Record<string, unknown>;
        if (g.chance(0.3)) opt[g.pick(['beta1', 'epsilon', 'momentum', 'clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay'])] = g.edgeNumber();
        tryIt(() => nm.compile(opt, [{ loss: { kind: g.int(0, 5), fromLogits: g.chance(0.5), delta: g.edgeNumber() }, weight: g.chance(0.8) ? 1 : g.edgeNumber(), metrics: g.chance(0.5) ? [{ kind: g.int(0, 6), k: g.edgeNumber() }] : [] }]));
      }
      if (nativeModels.length >= 6) nativeModels.shift();
      nativeModels.push(nm);
      return nm;
    }
    const nm = g.pick(nativeModels) as Record<string, (...a: unknown[]) => unknown>;
    const n = g.int(0, 10);
    const rows = () => (g.chance(0.9) ? n : g.edgeNumber());
    const made: unknown[] = [];
    const buf = (k: string, len: number) => {
      const b = g.typedArray(g.chance(0.9) ? k : undefined, Math.max(0, len + (g.chance(0.8) ? 0 : g.int(-3, 3))));
      made.push(b);
      return b;
    };
    const inSize = g.int(1, 6);
    const outSize = g.int(1, 6);
    const orNull = (v: () => unknown) => (g.chance(0.3) ? null : v());
    // Sometimes one property is a getter that detaches every other buffer of
    // the call, in this object or the other: the binding reads all properties
    // before taking any pointer.
    const withHostileGetter = (o: Record<string, unknown>): Record<string, unknown> => {
      if (!g.chance(0.1)) return o;
      const key = g.pick(Object.keys(o));
      const value = o[key];
      return Object.defineProperty({ ...o }, key, {
        enumerable: true,
        get: () => {
          for (const v of made) if (v !== value && ArrayBuffer.isView(v)) detach(v.buffer as ArrayBuffer);
          return value;
        },
      });
    };
    const data = (withWeights: boolean): unknown => (g.chance(0.95) ? withHostileGetter({
      x: buf('Float32Array', n * inSize), labels: orNull(() => buf('Int32Array', n)), targets: orNull(() => buf('Float32Array', n * outSize)),
      weights: withWeights ? orNull(() => buf('Float32Array', n)) : null, n: rows(),
    }) : g.junk());
    const method = g.pick(['slots', 'readWeights', 'writeWeights', 'compile', 'trainChunk', 'evaluate', 'predict', 'predictAsync', 'cancel',
      'learningRate', 'setLearningRate', 'optimizerState', 'setOptimizerState', 'reseed', 'computeGradients', 'applyGradients', 'setPruning',
      'tapeForward', 'tapeStep', 'regularizationPenalty', 'setHostCallbacks']);
    const args: Record<string, () => unknown[]> = {
      readWeights: () => [g.chance(0.5), buf('Float32Array', g.int(0, 60))],
      writeWeights: () => [g.chance(0.5), buf('Float32Array', g.int(0, 60))],
      trainChunk: () => [data(true), g.chance(0.95) ? withHostileGetter({
        order: g.chance(0.9) ? Int32Array.from({ length: n }, () => (g.chance(0.97) ? g.int(0, Math.max(0, n - 1)) : g.pick([-1, n]))) : g.junk(),
        batchSize: g.chance(0.8) ? g.int(1, 8) : g.edgeNumber(), firstBatch: g.chance(0.8) ? g.int(0, 3) : g.edgeNumber(),
        count: g.chance(0.8) ? g.int(0, 4) : g.edgeNumber(),
        ...(g.chance(0.3) ? { nextFirst: g.chance(0.8) ? g.int(0, 3) : g.edgeNumber(), nextCount: g.chance(0.8) ? g.int(0, 3) : g.edgeNumber(),
          epochId: g.chance(0.8) ? g.int(-1, 3) : g.edgeNumber() } : {}),
      }) : g.junk()],
      evaluate: () => [data(true), g.chance(0.8) ? g.int(1, 8) : g.edgeNumber()],
      predict: () => [buf('Float32Array', n * inSize), rows(), g.chance(0.8) ? g.int(1, 8) : g.edgeNumber(), buf('Float32Array', n * outSize)],
      predictAsync: () => [buf('Float32Array', n * inSize), rows(), g.chance(0.8) ? g.int(1, 8) : g.edgeNumber(), buf('Float32Array', n * outSize), g.chance(0.5) ? new Int32Array(1) : g.junk()],
      setLearningRate: () => [g.edgeNumber()],
      setOptimizerState: () => [g.edgeNumber(), g.edgeNumber(), Array.from({ length: g.int(0, 3) }, () => buf('Float32Array', g.int(0, 40)))],
      reseed: () => [g.edgeNumber()],
      computeGradients: () => [data(false), buf('Float32Array', g.int(0, 60))],
      applyGradients: () => [buf('Float32Array', g.int(0, 60))],
      tapeForward: () => [buf('Float32Array', n * inSize), rows(), buf('Float32Array', n * outSize)],
      tapeStep: () => [buf('Float32Array', n * outSize), rows(), g.chance(0.8) ? g.float() : g.edgeNumber()],
      setPruning: () => [g.weighted<unknown>([
        [4, () => ({ ranges: Array.from({ length: g.int(0, 3) }, () => [g.chance(0.8) ? g.int(0, 40) : g.edgeNumber(), g.chance(0.8) ? g.int(1, 20) : g.edgeNumber()]),
          schedule: g.chance(0.8) ? g.int(0, 1) : g.edgeNumber(), targetSparsity: g.chance(0.8) ? g.float() : g.edgeNumber(), beginStep: g.int(0, 5),
          endStep: g.chance(0.8) ? g.int(-1, 20) : g.edgeNumber(), frequency: g.chance(0.8) ? g.int(1, 5) : g.edgeNumber(), ...(g.chance(0.2) ? { junk: g.junk() } : {}) })],
        [1, () => null],
        [1, () => g.junk()],
      ])],
      compile: () => [g.chance(0.8) ? { kind: g.edgeNumber(), schedule: g.junk() } : g.junk(), g.junk(), g.junk()],
      // Callbacks that answer anything: arrays of the wrong length or type, junk, a throw, or buffers they detach.
      setHostCallbacks: () => {
        const answer = (size: number): unknown => g.weighted<unknown>([
          [6, () => new Float32Array(size)], [1, () => new Float32Array(Math.max(0, size + g.int(-2, 2)))], [1, () => g.junk()],
          [1, () => { throw new Error('custom layer failed'); }],
        ]);
        const forward = (_id: number, _training: boolean, batch: number, inputs: Float32Array[], weights: Float32Array[] | null) => {
          if (g.chance(0.1)) for (const a of [...inputs, ...(weights ?? [])]) detach(a.buffer as ArrayBuffer);
          return answer(batch * g.int(1, 6));
        };
        const backward = (_id: number, batch: number, dOut: Float32Array, needed: boolean[]) => (g.chance(0.9)
          ? { dInputs: needed.map(() => answer(batch * g.int(1, 6))), dWeights: Array.from({ length: g.int(0, 2) }, () => answer(g.int(0, 12))) }
          : g.junk());
        return g.chance(0.9) ? [forward, backward] : [g.junk(), g.junk()];
      },
    };
    const a = args[method]?.() ?? [];
    const r = nm[method](...a);
    if (r instanceof Promise && (method === 'trainChunk' || method === 'predictAsync' || method === 'evaluate') && g.chance(0.3)) {
      // The caller's buffers go away while the worker runs.
      const views = a.flatMap((v) => (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) ? Object.values(v as object) : [v]));
      for (const v of views) if (ArrayBuffer.isView(v)) detach(v.buffer as ArrayBuffer);
      gc();
    }
    return r;
  },
};

/**
 * dispose/tidy/keep: tensors disposed while the pool still holds them (later
 * cases use them), tidy bodies that run ops, tamper with tensors, throw or
 * return junk containers, and recycled memory handed to the next outputs.
 */
const MEMORY: Target = {
  name: 'dispose, tidy, keep', weight: 4,
  run: (ctx) => {
    const { g, pool } = ctx;
    const action = g.pick(['dispose', 'tf.dispose', 'keep', 'tidy', 'tidy junk']);
    if (action === 'dispose') return (anyTensor(ctx) as Tensor).dispose();
    if (action === 'tf.dispose') return tf.dispose((g.chance(0.5) ? [anyTensor(ctx), { t: anyTensor(ctx) }, g.junk()] : g.junk()) as tf.TensorContainer);
    if (action === 'keep') return tf.keep(anyTensor(ctx) as Tensor);
    if (action === 'tidy junk') return tf.tidy(g.junk() as () => void, g.chance(0.5) ? (g.junk() as () => void) : undefined);
    return tf.tidy(() => {
      const a = anyTensor(ctx) as Tensor;
      const b = anyTensor(ctx) as Tensor;
      const made: unknown[] = [];
      for (let i = g.int(1, 4); i > 0; i--) {
        const step = g.pick(['add', 'matMul', 'relu', 'neg', 'tamper', 'keep', 'dispose', 'throw']);
        if (step === 'add') made.push(tf.add(a, b));
        else if (step === 'matMul') made.push(tf.matMul(a, b));
        else if (step === 'relu') made.push(tf.relu(a));
        else if (step === 'neg') made.push(remember(pool, tf.neg(b)));
        else if (step === 'tamper') (tf.ones([2]) as unknown as Record<string, unknown>)[g.pick(['backing', 'shape'])] = g.junk();
        else if (step === 'keep') made.push(tf.keep(tf.ones([g.int(0, 9)])));
        else if (step === 'dispose') a.dispose();
        else throw new FuzzThrow('tidy body');
      }
      return (g.chance(0.5) ? made : g.chance(0.5) ? { made, junk: g.junk() } : g.junk()) as tf.TensorContainer;
    });
  },
};

/**
 * Functional models of one to three inputs (branches joined by a merge):
 * data given as an array, an object by input name, one tensor or junk, with
 * wrong counts, names, shapes and sample counts now and then.
 */
const FUNCTIONAL: Target = {
  name: 'functional models, several inputs', weight: 3,
  run: (ctx) => {
    const { g, pool } = ctx;
    const count = g.int(1, 3);
    const shapes = Array.from({ length: count }, () => (g.chance(0.8) ? [g.int(1, 5)] : [g.int(1, 3), g.int(1, 3)]));
    const inputs = shapes.map((shape, k) => tf.input({ shape, name: `in${k}` }));
    const width = g.int(1, 4);
    const branches = inputs.map((x, k) => {
      const flat = shapes[k].length > 1 ? tf.layers.flatten().apply(x) : x;
      return tf.layers.dense({ units: width, activation: g.pick(['relu', 'tanh', 'linear']) }).apply(flat);
    });
    const merged = branches.length === 1 ? branches[0]
      : g.chance(0.5) ? tf.layers.concatenate().apply(branches) : tf.layers.add().apply(branches);
    const units = g.int(1, 4);
    const m = tf.model({ inputs: g.chance(0.5) && count === 1 ? inputs[0] : inputs, outputs: tf.layers.dense({ units, activation: 'softmax' }).apply(merged) });
    if (g.chance(0.8)) tryIt(() => m.compile(compileArgs(g)));
    const n = g.weighted([[8, () => g.int(1, 20)], [1, () => 0]]);
    const part = (k: number) => g.weighted<unknown>([
      [12, () => g.features(n, shapes[k])],
      [1, () => g.features(Math.max(0, n + g.int(-2, 2)), shapes[k])],
      [1, () => g.features(n, [shapes[k][0] + 1])],
      [1, () => g.junk()],
    ]);
    const x = g.weighted<unknown>([
      [6, () => shapes.map((_, k) => part(k))],
      [4, () => Object.fromEntries(shapes.map((_, k) => [g.chance(0.95) ? `in${k}` : g.pick(['in9', '', 'constructor']), part(k)]))],
      [1, () => shapes.slice(0, g.int(0, count)).map((_, k) => part(k))],
      [1, () => part(0)],
      [1, () => g.junk()],
    ]);
    const y = g.weighted<unknown>([
      [6, () => tf.tensor1d(Int32Array.from({ length: n }, () => g.int(0, units - 1)), 'int32')],
      [3, () => g.features(n, [units])],
      [1, () => g.junk()],
    ]);
    return g.weighted<unknown>([
      [4, () => m.fit(x as Tensor, y as Tensor, fitArgs(g) as never)],
      [2, () => m.evaluate(x as Tensor, y as Tensor)],
      [3, () => remember(pool, m.predict(x as Tensor))],
      [2, () => m.predictAsync(x as Tensor)],
      [2, () => m.trainOnBatch(x as Tensor, y as Tensor)],
      [1, () => m.computeGradients(x as Tensor, y as Tensor)],
      [1, () => m.summary(undefined, undefined, () => undefined)],
    ]);
  },
};

export const TARGETS: Target[] = [
  MEMORY, TENSOR_FACTORIES, TENSOR_METHODS, ELEMENTWISE, ACTIVATION_OPS, REDUCTIONS, MOVEMENT, MATMUL, BACKEND, LAYERS, CONFIG_OBJECTS,
  MODEL_CREATE, MODEL_METHODS, BACKGROUND_FIT, DETACH_DURING_ASYNC, IO, DATASETS, REFLECT_EXPORTS, REFLECT_METHODS, NATIVE_RAW, FUNCTIONAL,
];

/** Picks the target of a case (weighted). */
export function pickTarget(g: Gen, targets: Target[] = TARGETS): Target {
  return g.weighted(targets.map((t) => [t.weight, () => t] as [number, () => Target]));
}

export { call };
