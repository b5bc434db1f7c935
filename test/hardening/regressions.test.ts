// Regression tests for the crashes and hazards the hardening work found
// (issue 8). Each program that once killed the process runs in a child
// process, so that a regression fails this test instead of the test runner.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { native } from '../../src/native';
import { Random } from '../../src/random';

const ROOT = path.resolve(__dirname, '../..');

/** Runs `body` (TypeScript, with `tf`, `native` and `gc` in scope) in a fresh node; returns its exit and output. */
function child(body: string): { status: number | null; signal: NodeJS.Signals | null; out: string } {
  const src = `
    import * as tf from '${ROOT}/src/index';
    import { native } from '${ROOT}/src/native';
    const gc = (globalThis as any).gc as () => void;
    const detach = (b: ArrayBuffer) => { structuredClone(b, { transfer: [b] }); };
    (async () => { ${body} })().then(() => console.log('child: ok'), (e) => { console.log('child: rejected', e?.constructor?.name, e?.message); });
  `;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-regression-'));
  const file = path.join(dir, 'child.ts');
  fs.writeFileSync(file, src);
  try {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: process.env,
    });
    return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectSurvives(r: ReturnType<typeof child>, expected: RegExp): void {
  expect(r.signal, r.out).toBeNull();
  expect(r.status, r.out).toBe(0);
  expect(r.out).toMatch(expected);
}

// A model and inputs large enough that the worker is still running when the
// caller's buffer is detached, and that the buffer is freed with munmap (a read
// after that faults at once instead of reading stale memory).
const SETUP = `
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 256, inputShape: [784], activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const n = 20000;
  const xs = () => tf.tensor(new Float32Array(n * 784).fill(0.5), [n, 784]);
  const ys = () => tf.tensor1d(new Int32Array(n).map((_, i) => i % 10), 'int32');
  const churn = () => { for (let i = 0; i < 8; i++) { new ArrayBuffer(1 << 24); gc(); } };
`;

describe('caller buffers detached while native work runs (was: segfault)', () => {
  it('predictAsync reads a private copy of x', () => {
    expectSurvives(child(`${SETUP}
      for (let k = 0; k < 3; k++) {
        const x = xs();
        const p = m.predictAsync(x, { batchSize: 32 });
        await new Promise((r) => setTimeout(r, 2));
        detach(x.values.buffer as ArrayBuffer);
        churn();
        const out = await p;
        if (out.shape[0] !== n || !Number.isFinite(out.dataSync()[0])) throw new Error('bad output');
      }
    `), /child: ok/);
  });

  // Surviving is the point; whether the call then resolves or rejects depends
  // on when the buffer goes (before the next native call, it is an Error).
  it('fit reads a private copy of each chunk of x and y', () => {
    expectSurvives(child(`${SETUP}
      const x = xs(), y = ys();
      let armed = false;
      // Fires while the chunk after the first one runs on the worker thread.
      const pull = { onBatchEnd: () => { if (!armed) { armed = true; setTimeout(() => { detach(x.values.buffer as ArrayBuffer); detach(y.values.buffer as ArrayBuffer); churn(); }, 5); } } };
      await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, callbacks: [pull] });
    `), /child: (ok|rejected RangeError fit: x has 0 elements)/);
  });

  it('evaluate reads a private copy of x and y', () => {
    expectSurvives(child(`${SETUP}
      const x = xs(), y = ys();
      const p = m.evaluate(x, y, { batchSize: 32 });
      // After the input check (tens of ms), while the worker evaluates (hundreds).
      await new Promise((r) => setTimeout(r, 120));
      detach(x.values.buffer as ArrayBuffer);
      detach(y.values.buffer as ArrayBuffer);
      churn();
      await p;
    `), /child: (ok|rejected Error evaluate: x was detached)/);
  });

  it('a resizable buffer shrunk to nothing during predictAsync', () => {
    expectSurvives(child(`${SETUP}
      const buf = new (ArrayBuffer as any)(n * 784 * 4, { maxByteLength: n * 784 * 4 });
      const v = new Float32Array(buf).fill(0.25);
      const p = m.predictAsync(tf.tensor(v, [n, 784]), { batchSize: 32 });
      await new Promise((r) => setTimeout(r, 2));
      buf.resize(0);
      churn();
      await p;
    `), /child: ok/);
  });
});

describe('raw binding', () => {
  const nm = () => new native.NativeModel([{ kind: 0, units: 3, activation: 0 }], 4);

  it('predictAsync rejects when its out array is detached before the result is copied in', async () => {
    const out = new Float32Array(6);
    const p = nm().predictAsync(new Float32Array(8), 2, 1, out);
    structuredClone(out.buffer, { transfer: [out.buffer] });
    await expect(p).rejects.toThrow(RangeError);
    await expect(p).rejects.toThrow(/out was detached or shrunk/);
  });

  it('layer fields outside an integer type are a TypeError, not an undefined cast', () => {
    for (const units of [NaN, 1e300, -1e300, 2 ** 40, 1.5]) {
      expect(() => new native.NativeModel([{ kind: 0, units }], 4)).toThrow(TypeError);
    }
    expect(() => new native.NativeModel([{ kind: 2, rate: 0.5, seed: 1e300 }], 4)).toThrow(/seed must be an integer/);
    const m = nm();
    expect(() => m.compile({ kind: 0, schedule: { kind: 0, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 }, [{ loss: { kind: 3 }, weight: 1, metrics: [{ kind: 5, k: 1e300 }] }])).toThrow(/k must be an integer/);
    // Float fields beyond float's range saturate instead.
    expect(() => new native.NativeModel([{ kind: 3, epsilon: 1e300, momentum: -1e300 }], 4)).not.toThrow();
  });
});

describe('a metric name the alias table inherits from Object.prototype (was: SIGSEGV in metricSum)', () => {
  // 'constructor' resolved to Object's constructor, so the metric got no kind,
  // the binding read the missing kind as 0 (sparse categorical accuracy), and
  // training with float targets read labels through a null pointer.
  const model = () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  };

  it('compile refuses inherited names for metrics, losses, optimizers, activations and initializers', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'CONSTRUCTOR']) {
      const m = model();
      expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: [name] }), name).toThrow(RangeError);
      expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: [name] }), name).toThrow(/^compile: unknown metric/);
      expect(() => m.compile({ optimizer: 'sgd', loss: name as never }), name).toThrow(/^compile: unknown loss/);
      expect(() => m.compile({ optimizer: name as never, loss: 'meanSquaredError' }), name).toThrow(/unknown optimizer/);
      expect(() => tf.layers.dense({ units: 1, activation: name as never }), name).toThrow(RangeError);
      expect(() => tf.layers.dense({ units: 1, kernelInitializer: name as never }), name).toThrow(RangeError);
    }
  });

  it('the refused compile leaves the model trainable with its previous configuration', async () => {
    const m = model();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['constructor'] })).toThrow(RangeError);
    const logs = await m.trainOnBatch(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[0.5, -0.5]]));
    expect(Object.keys(logs)).toEqual(['loss']);
    expect(Number.isFinite(logs.loss)).toBe(true);
  });

  it('a model whose native compile fails keeps the TypeScript configuration it had', async () => {
    // The model's native handle is private (#nm): build it from a binding class whose compile can be made to refuse.
    const holder = native as unknown as { NativeModel: new (...a: unknown[]) => { compile(...a: unknown[]): unknown } };
    const Real = holder.NativeModel;
    let refuse = false;
    holder.NativeModel = class extends Real {
      override compile(...a: unknown[]): unknown {
        if (refuse) throw new TypeError('compile: refused');
        return super.compile(...a);
      }
    };
    try {
      const m = model();
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
      m.predict(tf.tensor2d([[1, 2, 3]]));
      refuse = true;
      expect(() => m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mse'] })).toThrow(/refused/);
      refuse = false;
      expect(m.compileConfig!.optimizer.name).toBe('sgd');
      expect(m.compileConfig!.metrics.map((x) => x.key)).toEqual(['mae']);
    } finally {
      holder.NativeModel = Real;
    }
  });

  it('the binding refuses a metric without a kind, and data without what a metric reads', async () => {
    const nm = new native.NativeModel([{ kind: 0, units: 3, activation: 0 }], 2);
    const sgd = { kind: 0, schedule: { kind: 0, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 };
    const one = (loss: object, metrics: object[]) => [{ loss, weight: 1, metrics }];
    expect(() => nm.compile(sgd, one({ kind: 3 }, [{ k: 5, threshold: 0.5 }]))).toThrow(/kind is required/);
    expect(() => nm.compile(sgd, one({ kind: 3 }, [{ kind: 0 }]))).toThrow(/sparse metric needs integer labels/);
    expect(() => nm.compile(sgd, one({ kind: 0 }, [{ kind: 1 }]))).toThrow(/dense targets/);
    expect(() => nm.compile(sgd, one({}, []))).toThrow(/kind is required/);
    nm.compile(sgd, one({ kind: 0 }, [{ kind: 0 }]));
    const x = new Float32Array(4), targets = new Float32Array(6), order = new Int32Array([0, 1]);
    const dense = { x, labels: null, targets, weights: null, n: 2 };
    const chunk = { order, batchSize: 2, firstBatch: 0, count: 1 };
    expect(() => nm.trainChunk(dense, chunk)).toThrow(TypeError);
    expect(() => nm.trainChunk(dense, chunk)).toThrow(/needs integer labels/);
    expect(() => nm.evaluate(dense, 2)).toThrow(/needs integer labels/);
    const r = await nm.trainChunk({ x, labels: new Int32Array([0, 2]), targets: null, weights: null, n: 2 }, chunk);
    expect(r.batches).toBe(1);
  });
});

describe('an initializer handed a fake array (was: V8 heap out of memory)', () => {
  // The fuzzer called fill on an initializer object with a Proxy whose length
  // claimed billions of elements; the loop wrote them one by one into the heap.
  it('fill refuses anything but a Float32Array matching the shape, before writing', () => {
    const huge = new Proxy({}, { get: (_t, k) => (k === 'length' ? 2 ** 31 : undefined) });
    for (const init of [tf.initializers.glorotUniform(), tf.initializers.heNormal(), tf.initializers.zeros(), tf.initializers.randomNormal()]) {
      expect(() => init.fill(huge as Float32Array, [2 ** 31], new Random(1))).toThrow(TypeError);
      expect(() => init.fill(huge as Float32Array, [2 ** 31], new Random(1))).toThrow(new RegExp(`^${init.className}\\.fill: out must be a Float32Array`));
      expect(() => init.fill(new Float32Array(4), [3], new Random(1))).toThrow(/holds 4 values, but shape \[3\] has 3/);
      expect(() => init.fill(new Float32Array(4), 'x' as never, new Random(1))).toThrow(TypeError);
    }
    const out = new Float32Array(6);
    tf.initializers.glorotUniform({ seed: 1 }).fill(out, [2, 3], new Random(1));
    expect(out.some((v) => v !== 0)).toBe(true);
  });
});

describe('a batchSize larger than the data (was: a workspace sized by batchSize)', () => {
  afterEach(() => tf.setMemoryLimit(null));

  it('fit, evaluate and predict size their work by the samples, not by batchSize', async () => {
    // 2^31 - 1 rows of workspace would be gigabytes; 4 samples fit in a 16 MiB limit.
    tf.setMemoryLimit(16 * 2 ** 20);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 1, 0]]);
    const y = tf.tensor2d([[1], [2], [3], [4]]);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 2 ** 31 - 1, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
    expect(Number.isFinite((await m.evaluate(x, y, { batchSize: 2 ** 31 - 1 })).loss)).toBe(true);
    expect(m.predict(x, { batchSize: 2 ** 31 - 1 }).shape).toEqual([4, 1]);
    expect((await m.predictAsync(x, { batchSize: 2 ** 31 - 1 })).shape).toEqual([4, 1]);
  });
});

describe('raw errors the 200,000-case campaign found (seed 20261206)', () => {
  const model = () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  };
  const lying = <T extends object>(target: T) => new Proxy(target, { get: (t, k) => (k === Symbol.iterator ? 3 : Reflect.get(t, k)) });

  it('compile refuses a Proxy for metrics (was: "list is not iterable")', () => {
    expect(() => model().compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: lying(['mse']) })).toThrow(/^compile: metrics must be a string, a function or an array of them/);
  });

  it('fromArtifacts refuses detached weightData (was: "Cannot perform Construct on a detached ArrayBuffer")', async () => {
    const a = await model().toArtifacts();
    const data = a.weightData as ArrayBuffer;
    structuredClone(data, { transfer: [data] });
    await expect(tf.fromArtifacts(a)).rejects.toThrow(/weightData was detached or is out of range/);
  });

  it('HyperParameters refuses null options (was: "reading \'space\'")', () => {
    expect(() => new tf.tuner.HyperParameters({}, null as never)).toThrow(/^HyperParameters: options must be an object, got null/);
  });

  it('a frozen callback object is called without being given model and params (was: "object is not extensible")', async () => {
    let epochs = 0;
    const cb = Object.freeze({ onEpochEnd: () => { epochs++; } });
    await model().fit(tf.zeros([4, 3]), tf.zeros([4, 2]), { epochs: 2, verbose: 0, callbacks: [cb] });
    expect(epochs).toBe(2);
  });

  it('tf.data.array refuses a Proxy (was: "items.slice is not a function")', () => {
    expect(() => tf.data.array(lying([1, 2]))).toThrow(/^data\.array: items must be an array/);
  });
});

describe('split of an empty dimension into 2^31 - 1 pieces (was: a hang, seed 20261206 case 143655)', () => {
  it('is refused up front; a few empty pieces are still fine', () => {
    const empty = tf.zeros([0, 3]);
    expect(() => tf.split(empty, 2 ** 31 - 1)).toThrow(/^split: numOrSizeSplits 2147483647 would make 2147483647 empty tensors/);
    expect(tf.split(empty, 4).map((t) => t.shape)).toEqual([[0, 3], [0, 3], [0, 3], [0, 3]]);
  });
});

describe('gather with a nested array claiming 2^32 entries (was: a raw "Invalid array length", seed 20261207)', () => {
  it('is an error naming gather (a Proxy is refused at once)', () => {
    const huge = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 + 5 : k in t ? Reflect.get(t, k) : 0), has: () => true });
    expect(() => tf.gather(tf.tensor1d([1, 2, 3]), [huge] as never)).toThrow(/^gather: indices must be \(nested\) arrays of integers, got a Proxy at depth 1/);
  });
});

describe('Proxies the campaign passed where arrays or objects belong (seed 20261208)', () => {
  const broken = <T extends object>(target: T) => new Proxy(target, { ownKeys: () => [], get: () => 3 });
  it('tf.data.zip and a model topology refuse them with the function name', async () => {
    expect(() => tf.data.zip(broken([tf.data.array([1])]) as never)).toThrow(/^data\.zip: datasets must be an array or an object of datasets/);
    const a = await tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] }).toArtifacts();
    const topology = a.modelTopology as { config: { layers: unknown[] } };
    topology.config.layers = broken(topology.config.layers);
    await expect(tf.fromArtifacts(a)).rejects.toThrow(/modelTopology\.config\.layers must be an array/);
  });
});

describe('a monitor callback compared against a junk value (was: raw "Cannot convert object to primitive value", seed 20261211)', () => {
  it('is a TypeError naming the method', () => {
    const cb = tf.callbacks.earlyStopping() as unknown as { isImprovement(v: unknown, r: unknown): boolean };
    expect(() => cb.isImprovement(Object.create(null), 1)).toThrow(/^Callback\.isImprovement: value and reference must be numbers/);
    expect(cb.isImprovement(0.5, 1)).toBe(true);
  });
});

describe('an empty int32 tensor whose buffer was transferred (was: raw "Cannot perform %TypedArray%.prototype.values on a detached ArrayBuffer", seed 20261221 case 152448)', () => {
  it('is a TypeError naming the method, for predict and fit alike', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d(new Int32Array(0), [0, 3], 'int32');
    // A live empty tensor passes; its detached twin must be refused, not copied from.
    expect(model.predict(x).shape).toEqual([0, 2]);
    const buffer = (x.values as Int32Array).buffer;
    structuredClone(buffer, { transfer: [buffer] });
    expect(() => model.predict(x)).toThrow(/^predict: x's buffer was detached or resized/);
    await expect(model.fit(x, tf.zeros([0, 2]))).rejects.toThrow(/^fit: x's buffer was detached or resized/);
  });
});

describe('a junk label passed to a model method reachable from JavaScript (was: "[object Map]: model ... is training", seed 20261232 case 72276)', () => {
  it('layersChanged labels its errors itself', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const training = model.fit(tf.zeros([64, 3]), tf.zeros([64, 2]), { epochs: 2, batchSize: 8, verbose: 0 });
    const changed = (model as unknown as { layersChanged(fn: unknown): void }).layersChanged;
    expect(() => changed.call(model, new Map())).toThrow(/^add: model '.*' is training/);
    await training;
  });
});

describe('index arrays that claim more entries than they hold (was: V8 "Fatal JavaScript invalid size error", seed 101 case 10184)', () => {
  it('refuses a sparse array and a Proxy lying about its length at their first bad entry', () => {
    // In a child: were the regression back, V8 would end the process rather than throw.
    expectSurvives(child(`
      for (const indices of [new Array(2 ** 31), [1, 2, , 3], new Proxy([], { get: (_t, k) => (k === 'length' ? 2 ** 31 : 7) })]) {
        for (const call of [() => tf.oneHot(indices as number[], 3), () => tf.gather(tf.zeros([4]), indices as number[])]) {
          try { call(); console.log('child: accepted'); } catch (e) { console.log('child: refused', (e as Error).constructor.name, (e as Error).message.split(':')[0]); }
        }
      }
    `), /^(?!.*accepted)(?=[\s\S]*child: refused RangeError oneHot)(?=[\s\S]*child: refused TypeError gather)[\s\S]*child: ok/);
  });
});

describe('labels given to a model whose loss reads none (was: UBSan "null pointer passed as argument 1" in the row copy, seed 101 case 8399)', () => {
  it('evaluates through the raw binding without touching the empty label buffer', async () => {
    const nm = new native.NativeModel([{ kind: native.enums.layer.dense, units: 2 }], 3);
    nm.compile({ kind: native.enums.optimizer.sgd, schedule: { kind: native.enums.schedule.constant, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 },
      [{ loss: { kind: native.enums.loss.meanSquaredError }, weight: 1, metrics: [] }]);
    const r = await nm.evaluate({ x: new Float32Array(12), labels: new Int32Array(4), targets: new Float32Array(8), weights: null, n: 4 }, 2);
    expect(r.samples).toBe(4);
  });
});

describe('a loss in code with a batch size far above the data (was: raw "Invalid typed array length: 6442450941", seed 17485 case 78768)', () => {
  it('sizes the batch buffers by the rows there are: fit and evaluate run', async () => {
    const model = tf.sequential([tf.layers.dense({ units: 3, inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.square(tf.sub(yTrue, yPred))) });
    const x = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tf.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const h = await model.fit(x, y, { batchSize: 2 ** 31 - 1, epochs: 2, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    const logs = await model.evaluate(x, y, { batchSize: 2 ** 31 - 1 });
    expect(Number.isFinite(logs.loss)).toBe(true);
  });
});
