// Bad arguments to every public family (issue 24, first bullet): each case
// asserts the error class, that the message starts with the library's own
// function name followed by ': ', and that it names the offending value.
// Deterministic: no fuzzing, one table per family.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { HyperParameters } from '../../src/tuner';

type Call = () => unknown;
/** name of the case, the call, the error class, the function label, text naming the value. */
type Case = [string, Call, typeof TypeError | typeof RangeError | typeof Error, string, string];

/** Runs `call` (sync or async) and returns what it threw or rejected with. */
async function caught(call: Call): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

function runTable(cases: Case[]): void {
  for (const [name, call, cls, fn, value] of cases) {
    it(name, async () => {
      const e = await caught(call);
      expect(e, 'the call must refuse').toBeInstanceOf(cls);
      const message = (e as Error).message;
      expect(message.startsWith(`${fn}: `), `'${message}' must start with '${fn}: '`).toBe(true);
      expect(message).toContain(value);
    });
  }
}

const x = () => tf.tensor2d([[1, 2], [3, 4]]);
function model(): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
const evilProxy = new Proxy([1, 2], { get: (t, k) => (k === 'length' ? 2 ** 31 : Reflect.get(t, k)) });

describe('unknown option keys name the closest valid one (Keras: "Keyword argument not understood")', () => {
  // [case, call, label, misspelled key, suggested key]
  const typos: [string, Call, string, string, string | null][] = [
    ['dense', () => tf.layers.dense({ units: 3, activaton: 'relu' } as never), 'dense', 'activaton', 'activation'],
    ['dense (base option)', () => tf.layers.dense({ units: 3, input_shape: [2] } as never), 'dense', 'input_shape', 'inputShape'],
    ['activation', () => tf.layers.activation({ activation: 'relu', alhpa: 1 } as never), 'activation', 'alhpa', 'alpha'],
    ['dropout', () => tf.layers.dropout({ rate: 0.5, seeed: 1 } as never), 'dropout', 'seeed', 'seed'],
    ['flatten', () => tf.layers.flatten({ inputshape: [2, 2] } as never), 'flatten', 'inputshape', 'inputShape'],
    ['batchNormalization', () => tf.layers.batchNormalization({ momentun: 0.9 } as never), 'batchNormalization', 'momentun', 'momentum'],
    ['layerNormalization', () => tf.layers.layerNormalization({ epsilom: 1e-3 } as never), 'layerNormalization', 'epsilom', 'epsilon'],
    ['sequential', () => tf.sequential({ layer: [] } as never), 'sequential', 'layer', 'layers'],
    ['compile', () => model().compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never), 'compile', 'metric', 'metrics'],
    ['fit', () => model().fit(x(), x(), { batchsize: 64 } as never), 'fit', 'batchsize', 'batchSize'],
    ['evaluate', () => model().evaluate(x(), x(), { batch_size: 8 } as never), 'evaluate', 'batch_size', 'batchSize'],
    ['predict', () => model().predict(x(), { batchSise: 8 } as never), 'predict', 'batchSise', 'batchSize'],
    ['predictAsync', () => model().predictAsync(x(), { signl: undefined, sginal: 1 } as never), 'predictAsync', 'sginal', 'signal'],
    ['optimizers.adam', () => tf.optimizers.adam({ learningrate: 0.1 } as never), 'optimizers.adam', 'learningrate', 'learningRate'],
    ['optimizers.sgd', () => tf.optimizers.sgd({ nesterof: true } as never), 'optimizers.sgd', 'nesterof', 'nesterov'],
    ['exponentialDecay', () => tf.optimizers.schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5, stairCase: true } as never), 'exponentialDecay', 'stairCase', 'staircase'],
    ['cosineDecay', () => tf.optimizers.schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 1, warmup_steps: 2 } as never), 'cosineDecay', 'warmup_steps', 'warmupSteps'],
    ['regularizers.l1l2', () => tf.regularizers.l1l2({ l1: 0.1, l3: 0.1 } as never), 'regularizers.l1l2', 'l3', 'l1'],
    ['initializers.glorotUniform', () => tf.initializers.glorotUniform({ sed: 1 } as never), 'initializers.glorotUniform', 'sed', 'seed'],
    ['initializers.randomNormal', () => tf.initializers.randomNormal({ stdev: 1 } as never), 'initializers.randomNormal', 'stdev', 'stddev'],
    ['losses.huber', () => tf.losses.huber({ delat: 2 } as never), 'losses.huber', 'delat', 'delta'],
    ['callbacks.earlyStopping', () => tf.callbacks.earlyStopping({ patiance: 1 } as never), 'callbacks.earlyStopping', 'patiance', 'patience'],
    ['callbacks.reduceLROnPlateau', () => tf.callbacks.reduceLROnPlateau({ minLR: 0.1 } as never), 'callbacks.reduceLROnPlateau', 'minLR', 'minLr'],
    ['callbacks.modelCheckpoint', () => tf.callbacks.modelCheckpoint({ filepath: 'x', saveBestonly: true } as never), 'callbacks.modelCheckpoint', 'saveBestonly', 'saveBestOnly'],
    ['save', () => model().save(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-args-')), { includeOptimiser: true } as never), 'save', 'includeOptimiser', 'includeOptimizer'],
    ['toArtifacts', () => model().toArtifacts({ include_optimizer: true } as never), 'toArtifacts', 'include_optimizer', 'includeOptimizer'],
    ['datasets.fashionMnist', () => tf.datasets.fashionMnist({ subsett: true } as never), 'fashionMnist', 'subsett', 'subset'],
    ['tuner.randomSearch', () => tf.tuner.randomSearch({ runTrial: () => 1, maxTrial: 3 } as never), 'tuner.randomSearch', 'maxTrial', 'maxTrials'],
    ['tuner.hyperband', () => tf.tuner.hyperband({ runTrial: () => 1, factr: 3 } as never), 'tuner.hyperband', 'factr', 'factor'],
    ['tuner.medianPruner', () => tf.tuner.medianPruner({ nWarmupEpoch: 1 } as never), 'tuner.medianPruner', 'nWarmupEpoch', 'nWarmupEpochs'],
    ['hp.int', () => new HyperParameters().int('units', 1, 3, { stepp: 1 } as never), 'hp.int', 'stepp', 'step'],
    ['no close key', () => tf.layers.dense({ units: 3, zzzzzzzz: 1 } as never), 'dense', 'zzzzzzzz', null],
  ];
  for (const [name, call, fn, key, near] of typos) {
    it(name, async () => {
      const e = await caught(call);
      expect(e).toBeInstanceOf(TypeError);
      const message = (e as Error).message;
      expect(message.startsWith(`${fn}: unknown option '${key}'; `), message).toBe(true);
      if (near) expect(message).toContain(`did you mean '${near}'? valid options: `);
      else expect(message).not.toContain('did you mean');
    });
  }

  it('the example of issue 15, word for word', () => {
    expect(() => tf.layers.dense({ units: 3, activaton: 'relu' } as never))
      .toThrow(/^dense: unknown option 'activaton'; did you mean 'activation'\? valid options: name, inputShape, batchInputShape, trainable, units, activation,/);
  });

  it('keys the library passes itself, and documented keys, stay valid', async () => {
    // Every documented key at once, for the factories with the most options.
    expect(() => tf.layers.dense({
      units: 2, activation: 'leakyRelu', alpha: 0.1, useBias: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros',
      kernelRegularizer: 'l2', name: 'd_all', inputShape: [3], trainable: true,
    })).not.toThrow();
    expect(() => tf.layers.batchNormalization({
      axis: -1, epsilon: 1e-3, center: true, scale: true, momentum: 0.9, betaInitializer: 'zeros', gammaInitializer: 'ones',
      movingMeanInitializer: 'zeros', movingVarianceInitializer: 'ones', batchInputShape: [null, 3],
    })).not.toThrow();
    const m = model();
    const h = await m.fit(x(), x(), {
      epochs: 1, batchSize: 2, shuffle: false, validationSplit: 0, initialEpoch: 0, verbose: 0, callbacks: [], seed: 1,
      classWeight: undefined, validationData: [x(), x()], signal: new AbortController().signal,
    });
    expect(h.epoch).toEqual([0]);
    // A round trip rebuilds every layer kind from its Keras config (io/model_json.ts passes its own keys).
    const all = tf.sequential({ layers: [
      tf.layers.dense({ units: 4, inputShape: [3], activation: 'elu', alpha: 0.5, kernelRegularizer: tf.regularizers.l1l2({ l1: 0.1, l2: 0.1 }) }),
      tf.layers.batchNormalization(), tf.layers.layerNormalization(), tf.layers.dropout({ rate: 0.1, seed: 3 }),
      tf.layers.activation({ activation: 'leakyRelu', alpha: 0.3 }), tf.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    all.compile({ optimizer: tf.optimizers.adam({ learningRate: tf.optimizers.schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }) }), loss: 'categoricalCrossentropy' });
    all.build([3]);
    const back = await tf.fromArtifacts(await all.toArtifacts({ includeOptimizer: true }));
    expect(back.layers.map((l) => l.className)).toEqual(all.layers.map((l) => l.className));
  });
});

describe('tensors and ops', () => {
  const t = () => tf.tensor1d([1, 2, 3]);
  runTable([
    ['tensor: a string', () => tf.tensor('x' as never), TypeError, 'tensor', "'x'"],
    ['tensor: a negative dimension', () => tf.tensor([1], [-1]), RangeError, 'tensor', '-1'],
    ['tensor: a detached buffer', () => {
      const a = new Float32Array(2);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return tf.tensor(a);
    }, TypeError, 'tensor', 'detached'],
    ['zeros: null shape', () => tf.zeros(null as never), TypeError, 'zeros', 'null'],
    ['fill: a symbol value', () => tf.fill([2], Symbol('v') as never), TypeError, 'fill', 'Symbol(v)'],
    ['scalar: a bigint', () => tf.scalar(3n as never), TypeError, 'scalar', '3n'],
    ['new Tensor: values of the wrong kind', () => new tf.Tensor([1, 2] as never, [2], 'float32'), TypeError, 'Tensor', '[1,2]'],
    ['new Tensor: no shape', () => new tf.Tensor(new Float32Array(2), undefined as never, 'float32'), TypeError, 'Tensor', 'undefined'],
    ['reshape: a symbol', () => t().reshape(Symbol('s') as never), TypeError, 'reshape', 'Symbol(s)'],
    ['reshape: a lying Proxy', () => t().reshape(evilProxy as never), TypeError, 'reshape', 'a Proxy'],
    ['cast: an unknown dtype', () => t().cast('float64' as never), RangeError, 'cast', "'float64'"],
    ['a tensor whose shape was replaced', () => {
      const a = t();
      (a as unknown as { shape: unknown }).shape = [Object.create(null)];
      return tf.add(a, a);
    }, TypeError, 'add', 'shape'],
    ['a Proxy of a tensor', () => tf.exp(new Proxy(t(), {})), TypeError, 'exp', 'a Proxy'],
    ['add: null', () => tf.add(t(), null as never), TypeError, 'add', 'null'],
    ['matMul: a string', () => tf.matMul(x(), 'b' as never), TypeError, 'matMul', "'b'"],
    ['sum: a string axis', () => tf.sum(t(), 'a' as never), TypeError, 'sum', "'a'"],
    ['transpose: not a permutation', () => tf.transpose(x(), [0, 0]), RangeError, 'transpose', '[0,0]'],
    ['gather: a Proxy of indices', () => tf.gather(t(), evilProxy as never), TypeError, 'gather', 'a Proxy'],
    ['oneHot: depth 0', () => tf.oneHot([1], 0), RangeError, 'oneHot', '0'],
    ['softmax: axis 5', () => tf.softmax(t(), 5), RangeError, 'softmax', '5'],
    ['oneHot: an int32 tensor whose shape was replaced', () => {
      const i = tf.tensor1d([0, 1], 'int32');
      (i as unknown as { shape: unknown }).shape = undefined;
      return tf.oneHot(i, 2);
    }, TypeError, 'oneHot', 'indices'],
    ['tensor: a Proxy inside nested arrays', () => tf.tensor([[1, 2], evilProxy] as never), TypeError, 'tensor', 'a Proxy'],
    ['dataSync: a frozen foreign state object', () => {
      const a = t();
      (a as unknown as { backing: unknown }).backing = Object.freeze({ array: 1 });
      return a.dataSync();
    }, TypeError, 'dataSync', 'well-formed'],
    ['keep: not a tensor', () => tf.keep(7 as never), TypeError, 'keep', '7'],
    ['tidy: not a function', () => tf.tidy(7 as never), TypeError, 'tidy', '7'],
    ['setNumThreads: 0', () => tf.setNumThreads(0), RangeError, 'setNumThreads', '0'],
    ['setSeed: a string', () => tf.setSeed('1' as never), TypeError, 'setSeed', "'1'"],
    ['randomUniform: maxval below minval', () => tf.randomUniform([2], 1, 0), RangeError, 'randomUniform', '0'],
  ]);
});

describe('layers', () => {
  runTable([
    ['dense: null options', () => tf.layers.dense(null as never), TypeError, 'dense', 'null'],
    ['dense: no options', () => tf.layers.dense(undefined as never), TypeError, 'dense', 'undefined'],
    ['dense: units -1', () => tf.layers.dense({ units: -1 }), RangeError, 'dense', '-1'],
    ['dense: alpha a string', () => tf.layers.dense({ units: 1, activation: 'elu', alpha: 'x' as never }), TypeError, 'dense', "'x'"],
    ['dense: an unknown activation', () => tf.layers.dense({ units: 1, activation: 'rectifier' as never }), RangeError, 'dense', "'rectifier'"],
    ['dense: a forged initializer', () => tf.layers.dense({ units: 1, kernelInitializer: { className: 'X', fill() {} } as never }), TypeError, 'dense', '[object Object]'],
    ['dense: a forged regularizer', () => tf.layers.dense({ units: 1, kernelRegularizer: { l1: 'a', l2: 0 } as never }), TypeError, 'dense', "'a'"],
    ['activation: a symbol', () => tf.layers.activation({ activation: Symbol('relu') as never }), TypeError, 'activation', 'Symbol(relu)'],
    ['dropout: rate 1', () => tf.layers.dropout({ rate: 1 }), RangeError, 'dropout', '1'],
    ['dropout: a string', () => tf.layers.dropout('0.5' as never), TypeError, 'dropout', "'0.5'"],
    ['flatten: inputShape not an array', () => tf.layers.flatten({ inputShape: 5 as never }), TypeError, 'flatten', '5'],
    ['batchNormalization: axis 0', () => tf.layers.batchNormalization({ axis: 0 }), RangeError, 'batchNormalization', '0'],
    ['layerNormalization: epsilon 0', () => tf.layers.layerNormalization({ epsilon: 0 }), RangeError, 'layerNormalization', '0'],
    ['computeOutputShape: a Proxy', () => tf.layers.dense({ units: 1 }).computeOutputShape(evilProxy as never), TypeError, 'dense', 'a Proxy'],
    ['computeOutputShape: null', () => tf.layers.flatten().computeOutputShape(null as never), TypeError, 'computeOutputShape', 'null'],
    ['Layer itself', () => Reflect.construct(tf.layers.Layer, ['evil', 'X', {}]), TypeError, 'Layer', 'abstract'],
  ]);
});

describe('optimizers, schedules, regularizers, initializers, losses', () => {
  runTable([
    ['optimizers.adam: a string rate', () => tf.optimizers.adam({ learningRate: 'fast' as never }), TypeError, 'optimizers.adam', "'fast'"],
    ['optimizers.sgd: momentum 2', () => tf.optimizers.sgd({ momentum: 2 }), RangeError, 'optimizers.sgd', '2'],
    ['optimizers.rmsprop: null', () => tf.optimizers.rmsprop(null as never), TypeError, 'optimizers.rmsprop', 'null'],
    ['optimizers.adam: a forged schedule', () => tf.optimizers.adam({ learningRate: { at: () => 1, native: 7, className: 'X', getConfig: () => ({}) } as never }), TypeError, 'optimizers.adam', '[object Object]'],
    ['optimizers.get: a typo', () => tf.optimizers.get('adamm'), RangeError, 'optimizers.get', "'adamm'"],
    ['new Optimizer', () => new tf.optimizers.Optimizer('adam', {}, null), TypeError, 'Optimizer', 'factories'],
    ['exponentialDecay: null', () => tf.optimizers.schedules.exponentialDecay(null as never), TypeError, 'exponentialDecay', 'null'],
    ['cosineDecay: decaySteps 0', () => tf.optimizers.schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 0 }), RangeError, 'cosineDecay', '0'],
    ['piecewiseConstant: a Proxy', () => tf.optimizers.schedules.piecewiseConstant({ boundaries: evilProxy as never, values: [1] }), TypeError, 'piecewiseConstant', 'a Proxy'],
    ['schedule.at: a symbol', () => tf.optimizers.schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 }).at(Symbol('s') as never), TypeError, 'ExponentialDecay.at', 'Symbol(s)'],
    ['regularizers.l1: negative', () => tf.regularizers.l1({ l1: -1 }), RangeError, 'regularizers.l1', '-1'],
    ['regularizers.l2: null', () => tf.regularizers.l2(null as never), TypeError, 'regularizers.l2', 'null'],
    ['initializers.varianceScaling: a mode', () => tf.initializers.varianceScaling({ mode: 'fanOut2' as never }), RangeError, 'initializers.varianceScaling', "'fanOut2'"],
    ['initializers.constant: no options', () => tf.initializers.constant(undefined as never), TypeError, 'initializers.constant', 'undefined'],
    ['initializers.heNormal: seed -1', () => tf.initializers.heNormal({ seed: -1 }), RangeError, 'initializers.heNormal', '-1'],
    ['initializers.randomNormal: null', () => tf.initializers.randomNormal(null as never), TypeError, 'initializers.randomNormal', 'null'],
    ['losses.binaryCrossentropy: fromLogits a string', () => tf.losses.binaryCrossentropy({ fromLogits: 'yes' as never }), TypeError, 'losses.binaryCrossentropy', "'yes'"],
    ['losses.huber: null', () => tf.losses.huber(null as never), TypeError, 'losses.huber', 'null'],
  ]);
});

describe('callbacks', () => {
  runTable([
    ['earlyStopping: patience 1.5', () => tf.callbacks.earlyStopping({ patience: 1.5 }), RangeError, 'callbacks.earlyStopping', '1.5'],
    ['earlyStopping: null', () => tf.callbacks.earlyStopping(null as never), TypeError, 'callbacks.earlyStopping', 'null'],
    ['reduceLROnPlateau: factor 2', () => tf.callbacks.reduceLROnPlateau({ factor: 2 }), RangeError, 'callbacks.reduceLROnPlateau', '2'],
    ['csvLogger: a symbol file', () => tf.callbacks.csvLogger(Symbol('f') as never), TypeError, 'callbacks.csvLogger', 'Symbol(f)'],
    ['learningRateScheduler: not a function', () => tf.callbacks.learningRateScheduler(5 as never), TypeError, 'callbacks.learningRateScheduler', '5'],
    ['modelCheckpoint: filepath a number', () => tf.callbacks.modelCheckpoint({ filepath: 5 as never }), TypeError, 'callbacks.modelCheckpoint', '5'],
    ['History.onEpochEnd: logs a string', () => new tf.History().onEpochEnd(0, 'x' as never), TypeError, 'History.onEpochEnd', "'x'"],
    ['EarlyStopping.onEpochEnd: epoch a symbol', () => tf.callbacks.earlyStopping().onEpochEnd(Symbol('e') as never), TypeError, 'EarlyStopping.onEpochEnd', 'Symbol(e)'],
  ]);
});

describe('model methods', () => {
  runTable([
    ['sequential: a number', () => tf.sequential(5 as never), TypeError, 'sequential', '5'],
    ['sequential: layers a Proxy', () => tf.sequential({ layers: evilProxy as never }), TypeError, 'sequential', 'a Proxy'],
    ['add: an object made from the prototype', () => tf.sequential().add(Object.create(tf.layers.Dense.prototype)), TypeError, 'add', '[object Object]'],
    ['build: a Proxy', () => tf.sequential({ layers: [tf.layers.dense({ units: 1 })] }).build(evilProxy as never), TypeError, 'build', 'a Proxy'],
    ['build: a zero dimension', () => tf.sequential({ layers: [tf.layers.dense({ units: 1 })] }).build([0]), RangeError, 'build', '[0]'],
    ['compile: null', () => tf.sequential().compile(null as never), TypeError, 'compile', 'null'],
    ['compile: a forged loss', () => tf.sequential().compile({ optimizer: 'sgd', loss: { name: 'crossentropy', fromLogits: false } as never }), RangeError, 'compile', "'crossentropy'"],
    ['compile: a forged optimizer', () => tf.sequential().compile({ optimizer: Object.create(tf.optimizers.Optimizer.prototype), loss: 'mse' }), TypeError, 'compile', '[object Object]'],
    ['fit: null options', () => model().fit(x(), x(), null as never), TypeError, 'fit', 'null'],
    ['fit: callbacks a Proxy', () => model().fit(x(), x(), { callbacks: evilProxy as never }), TypeError, 'fit', 'a Proxy'],
    ['fit: validationData a number', () => model().fit(x(), x(), { validationData: 3 as never, verbose: 0 }), TypeError, 'fit', '3'],
    ['evaluate: batchSize 0', () => model().evaluate(x(), x(), { batchSize: 0 }), RangeError, 'evaluate', '0'],
    ['predict: a string', () => model().predict('x' as never), TypeError, 'predict', "'x'"],
    ['predictAsync: signal a number', () => model().predictAsync(x(), { signal: 1 as never }), TypeError, 'predictAsync', '1'],
    ['setWeights: a Proxy', () => model().setWeights(evilProxy as never), TypeError, 'setWeights', 'a Proxy'],
    ['setLearningRate: a symbol', () => model().setLearningRate(Symbol('lr') as never), TypeError, 'setLearningRate', 'Symbol(lr)'],
    ['summary: printFn a number', () => model().summary(undefined, undefined, 5 as never), TypeError, 'summary', '5'],
    ['summary: positions with objects', () => model().summary(60, [Object.create(null), 1, 1], () => undefined), RangeError, 'summary', 'positions'],
    ['setOptimizerState: null', () => model().setOptimizerState(null as never), TypeError, 'setOptimizerState', 'null'],
    ['applyGradients: an array', () => model().applyGradients([1, 2] as never), TypeError, 'applyGradients', '[1,2]'],
    ['save: a number', () => model().save(5 as never), TypeError, 'save', '5'],
  ]);
});

describe('io, datasets, tuner', () => {
  runTable([
    ['loadLayersModel: a number', () => tf.loadLayersModel(5 as never), TypeError, 'loadLayersModel', '5'],
    ['fromArtifacts: null', () => tf.fromArtifacts(null as never), TypeError, 'fromArtifacts', 'null'],
    ['fromArtifacts: weightData a Proxy', async () => {
      const a = await model().toArtifacts();
      return tf.fromArtifacts({ ...a, weightData: evilProxy as never });
    }, TypeError, 'fromArtifacts', 'a Proxy'],
    ['loadLayersModel: a NUL in the path', () => tf.loadLayersModel('model\0.json'), TypeError, 'loadLayersModel', 'NUL'],
    ['save: a NUL in the path', () => model().save('dir\0x'), TypeError, 'save', 'NUL'],
    ['loadIdx: a NUL in the path', () => tf.datasets.loadIdx('a\0b'), TypeError, 'loadIdx', 'NUL'],
    ['loadIdx: a number', () => tf.datasets.loadIdx(42 as never), TypeError, 'loadIdx', '42'],
    ['loadIdxSync: a symbol', () => tf.datasets.loadIdxSync(Symbol('p') as never), TypeError, 'loadIdxSync', 'Symbol(p)'],
    ['fashionMnist: dir a number', () => tf.datasets.fashionMnist({ dir: 3 as never }), TypeError, 'fashionMnist', '3'],
    ['tuner.randomSearch: null', () => tf.tuner.randomSearch(null as never), TypeError, 'tuner.randomSearch', 'null'],
    ['tuner.tpe: seed -1', () => tf.tuner.tpe({ runTrial: () => 1, seed: -1 }), RangeError, 'tuner.tpe', '-1'],
    ['new Tuner with a caller\'s label', () => new tf.tuner.Tuner(new tf.tuner.RandomSearch(), { runTrial: () => 1 }, 'http://127.0.0.1:9/x', null), TypeError, 'Tuner', 'factories'],
    ['new Strategy with a caller\'s label', () => Reflect.construct(tf.tuner.Strategy, ['[object Promise]', {}]), TypeError, 'Strategy', 'abstract'],
    ['hp.int: a name that looks like a label', () => new HyperParameters().int('x: y', 3, 1), RangeError, 'hp.int', "'x: y'"],
    ['hp.choice: values a number', () => new HyperParameters().choice('c', 3 as never), TypeError, 'hp.choice', '3'],
    ['search: null options', () => tf.tuner.randomSearch({ runTrial: () => 1 }).search(undefined, undefined, null as never), TypeError, 'search', 'null'],
    ['defaultMlpSpace: classes 1', () => tf.tuner.defaultMlpSpace({ classes: 1 }), RangeError, 'defaultMlpSpace', '1'],
  ]);
});

describe('tf.data, fitDataset, the TensorBoard callback, the other tuners, distributed', () => {
  const ds = () => tf.data.array([1, 2, 3]);
  const batches = () => tf.data.array([{ xs: [1, 2], ys: [1, 2] }]).batch(1);
  runTable([
    ['data.array: null', () => tf.data.array(null as never), TypeError, 'data.array', 'null'],
    ['data.generator: a number', () => tf.data.generator(3 as never), TypeError, 'data.generator', '3'],
    ['data.csv: a number path', () => tf.data.csv(5 as never), TypeError, 'data.csv', '5'],
    ['data.csv: null options', () => tf.data.csv('x.csv', null as never), TypeError, 'data.csv', 'null'],
    ['data.zip: a number', () => tf.data.zip(5 as never), TypeError, 'data.zip', '5'],
    ['Dataset.batch: a string', () => ds().batch('2' as never), TypeError, 'Dataset.batch', "'2'"],
    ['Dataset.batch: 0', () => ds().batch(0), RangeError, 'Dataset.batch', '0'],
    ['Dataset.shuffle: seed -1', () => ds().shuffle(2, -1), RangeError, 'Dataset.shuffle', '-1'],
    ['Dataset.map: a number', () => ds().map(3 as never), TypeError, 'Dataset.map', '3'],
    ['Dataset.filter: a number', () => ds().filter(3 as never), TypeError, 'Dataset.filter', '3'],
    ['Dataset.take: 1.5', () => ds().take(1.5), RangeError, 'Dataset.take', '1.5'],
    ['Dataset.skip: -1', () => ds().skip(-1), RangeError, 'Dataset.skip', '-1'],
    ['Dataset.repeat: -2', () => ds().repeat(-2), RangeError, 'Dataset.repeat', '-2'],
    ['Dataset.prefetch: -1', () => ds().prefetch(-1), RangeError, 'Dataset.prefetch', '-1'],
    ['Dataset.forEachAsync: a number', () => ds().forEachAsync(3 as never), TypeError, 'Dataset.forEachAsync', '3'],
    ['fitDataset: null', () => model().fitDataset(null as never), TypeError, 'fitDataset', 'null'],
    ['fitDataset: batchesPerEpoch -1', () => model().fitDataset(batches(), { batchesPerEpoch: -1, verbose: 0 }), RangeError, 'fitDataset', '-1'],
    ['evaluateDataset: a number', () => model().evaluateDataset(3 as never), TypeError, 'evaluateDataset', '3'],
    ['callbacks.tensorBoard: a number logdir', () => tf.callbacks.tensorBoard(3 as never), TypeError, 'callbacks.tensorBoard', '3'],
    ['callbacks.tensorBoard: histogramFreq -1', () => tf.callbacks.tensorBoard('d', { histogramFreq: -1 }), RangeError, 'callbacks.tensorBoard', '-1'],
    ['tuner.gridSearch: null', () => tf.tuner.gridSearch(null as never), TypeError, 'tuner.gridSearch', 'null'],
    ['tuner.hyperband: factor 1', () => tf.tuner.hyperband({ runTrial: () => 1, factor: 1 }), RangeError, 'tuner.hyperband', '1'],
    ['distributed.allreduceMean before init', () => tf.distributed.allreduceMean(3 as never), Error, 'distributed.allreduceMean', 'init()'],
  ]);
});

describe('configuration cannot be changed behind the checks', () => {
  it('layer, optimizer, schedule, initializer and loss fields are read-only', () => {
    const objects: [object, string, unknown][] = [
      [tf.layers.dense({ units: 3 }), 'units', 3],
      [tf.optimizers.adam(), 'schedule', null],
      [tf.optimizers.schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 }), 'native', undefined],
      [tf.initializers.glorotUniform(), 'className', 'GlorotUniform'],
      [tf.losses.huber(), 'delta', 1],
      [tf.callbacks.earlyStopping(), 'patience', 0],
    ];
    for (const [o, key, before] of objects) {
      const was = (o as Record<string, unknown>)[key];
      if (before !== undefined) expect(was).toEqual(before);
      // Test files are ES modules (strict mode): writing a read-only field throws.
      expect(() => { (o as Record<string, unknown>)[key] = 'junk'; }).toThrow(TypeError);
      expect((o as Record<string, unknown>)[key]).toBe(was);
    }
  });

  it("a model's internal state and helpers are not reachable as properties", () => {
    const m = model();
    const names = [...Object.getOwnPropertyNames(m), ...Object.getOwnPropertyNames(tf.Sequential.prototype)];
    for (const hidden of ['nm', 'compiled', 'stack', 'slots', 'requireCompiled', 'ensureBuilt', 'writeSlots', 'predictInputs']) {
      expect(names).not.toContain(hidden);
    }
    expect('intact' in tf.tensor([1])).toBe(false);
  });
});
