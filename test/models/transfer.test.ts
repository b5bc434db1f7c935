// Transfer learning (issue 16, point 2): layer.trainable, taking effect at
// compile as in Keras (frozen weights move to the non-trainable arena: no
// gradient, no optimizer slots, no update); a frozen BatchNormalization in
// inference mode; getLayer; Sequential.pop and add on a built model;
// trainable / non-trainable counts; trainable saved and loaded.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { expectClose, lossRef } from '../layers/harness';
import { Rng } from '../training/reference';

const summaryOf = (m: tf.LayersModel) => {
  const lines: string[] = [];
  m.summary(undefined, undefined, (l) => lines.push(l));
  return lines;
};
const values = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.values as Float32Array));

function data(rng: Rng, n: number, inDim: number, outDim: number) {
  return { x: tf.tensor(rng.array(n * inDim, -1, 1), [n, inDim]), y: tf.tensor(rng.array(n * outDim, -1, 1), [n, outDim]) };
}

describe('layer.trainable', () => {
  it('is a boolean option and property; a bad value is refused naming it', () => {
    expect(tf.layers.dense({ units: 2, trainable: false }).trainable).toBe(false);
    expect(tf.layers.dense({ units: 2 }).trainable).toBe(true);
    expect(() => tf.layers.dense({ units: 2, trainable: 'no' as never })).toThrow('dense: trainable must be a boolean, got \'no\'');
    const l = tf.layers.dense({ units: 2 });
    expect(() => { l.trainable = 0 as never; }).toThrow(TypeError);
    l.trainable = false;
    expect(l.trainable).toBe(false);
    expect(l.getConfig().trainable).toBe(false);
    expect(tf.layers.Dense.fromConfig({ ...l.getConfig() }).trainable).toBe(false);
  });

  it('a frozen Dense: its weights are non-trainable, get no gradient, no optimizer slots and no update', async () => {
    const rng = new Rng(1);
    const frozen = tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], trainable: false, name: 'base' });
    const head = tf.layers.dense({ units: 2, name: 'head' });
    const m = tf.sequential({ layers: [frozen, head] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build([3]);
    expect(m.weightSpecs().map((s) => [s.name, s.trainable])).toEqual([['base/kernel', false], ['base/bias', false], ['head/kernel', true], ['head/bias', true]]);
    expect(m.countParams()).toBe(16 + 10);
    const lines = summaryOf(m);
    expect(lines).toContain('Trainable params: 10');
    expect(lines).toContain('Non-trainable params: 16');
    // Adam's two slots per trainable weight, none for the frozen ones.
    expect(m.getOptimizerState().slots.map((s) => s.length)).toEqual([10, 10]);
    const before = values(m);
    const { x, y } = data(rng, 32, 3, 2);
    expect(m.computeGradients(x, y).grads.length).toBe(10);
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const after = values(m);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
  });

  it('a frozen Dense adds no regularization penalty (Keras counts trainable weights only)', () => {
    const rng = new Rng(2);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }), trainable: false })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = data(rng, 5, 3, 2);
    const pred = m.predict(x).values as Float32Array;
    const rowsOf = (a: ArrayLike<number>, n: number, f: number) => Array.from({ length: n }, (_, b) => Array.from(a).slice(b * f, (b + 1) * f));
    expectClose([m.computeGradients(x, y).loss], [lossRef('meanSquaredError', rowsOf(pred, 5, 2), rowsOf(y.values as Float32Array, 5, 2))], { rtol: 1e-5, atol: 1e-6 }, 'loss');
  });

  it('set on a built model, it takes effect at the next compile; the weights keep their values', async () => {
    const rng = new Rng(3);
    const base = tf.layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'base' });
    const m = tf.sequential({ layers: [base, tf.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = data(rng, 16, 3, 2);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    base.trainable = false;
    // summary counts as the layers are now; training still uses the compiled layout.
    expect(summaryOf(m)).toContain('Trainable params: 10');
    expect(m.weightSpecs()[0].trainable).toBe(true);
    const predicted = m.predict(x).values;
    const before = values(m);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(m.weightSpecs()[0].trainable).toBe(false);
    expect(values(m)).toEqual(before);
    expect(m.predict(x).values).toEqual(predicted);
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    const after = values(m);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toEqual(before[2]);
    // And back.
    base.trainable = true;
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(values(m)[0]).not.toEqual(after[0]);
  });

  it('a frozen BatchNormalization runs in inference mode: training loss as predict, moving statistics kept, gradient through it', async () => {
    const rng = new Rng(4);
    const bn = tf.layers.batchNormalization({ trainable: false, name: 'bn' });
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], name: 'in' }), bn, tf.layers.dense({ units: 2, name: 'out' })] });
    m.build([3]);
    const w = m.getWeights();
    // Non-trivial moving statistics: mean 0.3, variance 2.
    m.setWeights(w.map((t, i) => (i === 4 ? tf.fill(t.shape, 0.3) : i === 5 ? tf.fill(t.shape, 2) : i === 2 ? tf.fill(t.shape, 1.5) : t)));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(m.weightSpecs().map((s) => s.trainable)).toEqual([true, true, false, false, false, false, true, true]);
    const { x, y } = data(rng, 8, 3, 2);
    const pred = m.predict(x).values as Float32Array;
    const rowsOf = (a: ArrayLike<number>, f: number) => Array.from({ length: 8 }, (_, b) => Array.from(a).slice(b * f, (b + 1) * f));
    const { loss, grads } = m.computeGradients(x, y);
    expectClose([loss], [lossRef('meanSquaredError', rowsOf(pred, 2), rowsOf(y.values as Float32Array, 2))], { rtol: 1e-5, atol: 1e-6 }, 'loss in inference mode');
    // The first Dense's kernel gradient passes through the frozen BN's inference-mode backward:
    // against central differences of the model's own loss.
    const k0 = m.getWeights()[0];
    const kv = Float32Array.from(k0.values as Float32Array);
    const h = 1e-2;
    const lossAt = (delta: number, j: number) => {
      const v = Float32Array.from(kv);
      v[j] += delta;
      m.setWeights([tf.tensor(v, k0.shape), ...m.getWeights().slice(1)]);
      return m.computeGradients(x, y).loss;
    };
    for (let j = 0; j < kv.length; j++) {
      const numeric = (lossAt(h, j) - lossAt(-h, j)) / (2 * h);
      expect(Math.abs(grads[j] - numeric)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    }
    m.setWeights([tf.tensor(kv, k0.shape), ...m.getWeights().slice(1)]);
    const stats = values(m).slice(2, 6);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(values(m).slice(2, 6)).toEqual(stats);
  });

  it('a frozen LayerNormalization keeps gamma and beta', async () => {
    const rng = new Rng(5);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.layerNormalization({ trainable: false }), tf.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build([3]);
    m.setWeights(m.getWeights().map((t, i) => (i === 2 || i === 3 ? tf.tensor(rng.array(t.size, 0.5, 1.5), t.shape) : t)));
    const before = values(m);
    const { x, y } = data(rng, 16, 3, 2);
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    const after = values(m);
    expect(after.slice(2, 4)).toEqual(before.slice(2, 4));
    expect(after[0]).not.toEqual(before[0]);
  });

  it('a whole model frozen trains nothing, and says so', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], trainable: false })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = (m.build([3]), values(m));
    const { x, y } = data(new Rng(6), 8, 3, 2);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(values(m)).toEqual(before);
    expect(summaryOf(m)).toContain('Trainable params: 0');
  });
});

describe('getLayer, pop, add on a built model', () => {
  it('getLayer by name and by index; unknown names and bad indices are refused', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'first' }), tf.layers.dense({ units: 1, name: 'second' })] });
    expect(m.getLayer('second').name).toBe('second');
    expect(m.getLayer(0).name).toBe('first');
    expect(() => m.getLayer('third')).toThrow("getLayer: model '" + m.name + "' has no layer named 'third'; its layers: first, second");
    expect(() => m.getLayer(2)).toThrow(RangeError);
    expect(() => m.getLayer(-1)).toThrow(/^getLayer: index must be an integer in \[0, 1\]/);
    expect(() => m.getLayer(null as never)).toThrow(TypeError);
  });

  it('pop removes the head, the base keeps its weights; a new head is added, compiled and trained', async () => {
    const rng = new Rng(7);
    const base = tf.layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'base' });
    const oldHead = tf.layers.dense({ units: 5, name: 'old_head' });
    const m = tf.sequential({ layers: [base, oldHead] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    m.build([3]);
    const baseWeights = base.getWeights().map((t) => Array.from(t.values as Float32Array));
    m.pop();
    expect(m.layers.map((l) => l.name)).toEqual(['base']);
    expect(m.outputShape).toEqual([4]);
    expect(base.getWeights().map((t) => Array.from(t.values as Float32Array))).toEqual(baseWeights);
    expect(m.compileConfig).toBeNull();
    expect(() => oldHead.getWeights()).toThrow(/not built/);
    base.trainable = false;
    m.add(tf.layers.dense({ units: 2, name: 'new_head' }));
    expect(m.outputShape).toEqual([2]);
    expect(base.getWeights().map((t) => Array.from(t.values as Float32Array))).toEqual(baseWeights);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = data(rng, 16, 3, 2);
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(base.getWeights().map((t) => Array.from(t.values as Float32Array))).toEqual(baseWeights);
    // The popped layer may go into another model.
    const other = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] }), oldHead] });
    expect(other.predict(tf.zeros([1, 2])).shape).toEqual([1, 5]);
  });

  it('pop of the last layer unbuilds; pop of an empty model is refused; an add that does not fit leaves the model as it was', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    m.build([3]);
    m.pop();
    expect(m.built).toBe(false);
    expect(() => m.pop()).toThrow(TypeError);
    expect(() => m.pop()).toThrow(/^pop: model '\w+' has no layers/);
    const n = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    n.build([3]);
    const before = values(n);
    expect(() => n.add(tf.layers.repeatVector({ n: 2 }))).toThrow(/the last layer must output flat features/);
    expect(n.layers.length).toBe(1);
    expect(values(n)).toEqual(before);
    expect(n.predict(tf.zeros([1, 3])).shape).toEqual([1, 2]);
  });

  it('pop and add are refused while fit runs', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [3] }), tf.layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = data(new Rng(8), 64, 3, 2);
    let refused: unknown = null;
    await m.fit(x, y, {
      epochs: 1, batchSize: 8, verbose: 0,
      callbacks: { onBatchEnd: () => { try { m.pop(); } catch (e) { refused = e; } } },
    });
    expect(String(refused)).toMatch(/^Error: pop: model '\w+' is training/);
    expect(m.layers.length).toBe(2);
  });

  it('trainable is saved and loaded', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], trainable: false }), tf.layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.build([3]);
    const loaded = await tf.fromArtifacts(await m.toArtifacts({ includeOptimizer: true }));
    expect(loaded.layers.map((l) => l.trainable)).toEqual([false, true]);
    expect(loaded.weightSpecs().map((s) => s.trainable)).toEqual([false, false, true, true]);
    expect(loaded.getWeights().map((t) => t.values)).toEqual(m.getWeights().map((t) => t.values));
  });
});
