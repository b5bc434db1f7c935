// tf.pruning.shrinkUnits and tf.pruning.sparsity (issue 20): the shrunk
// model computes exactly what the original computes with the removed units'
// outputs zeroed (the next layer's kernel rows for them set to zero); the
// kept units are the ones each criterion ranks highest; parameter counts
// drop; batch normalization after a shrunk layer follows it; the original is
// untouched; the copy fine-tunes; bad input is refused.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

const IN = 6;
const N = 9;

function model(withBatchNorm = false): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [IN], name: 'h1' }),
      ...(withBatchNorm ? [tf.layers.batchNormalization({ name: 'bn' })] : []),
      tf.layers.dropout({ rate: 0.1, name: 'drop' }),
      tf.layers.dense({ units: 6, activation: 'sigmoid', name: 'h2' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  m.build([IN]);
  const rng = new Rng(7);
  m.setWeights(m.getWeights().map((w, i) => {
    const values = rng.array(w.size, -1, 1);
    // Moving variances positive.
    if (m.weightSpecs()[i].name.endsWith('moving_variance')) values.forEach((v, k) => (values[k] = 0.5 + Math.abs(v)));
    return tf.tensor(values, w.shape);
  }));
  return m;
}

const x = () => tf.tensor(new Rng(3).array(N * IN, -2, 2), [N, IN]);
const columnNorms = (kernel: tf.Tensor, p: 1 | 2) => {
  const [rows, cols] = kernel.shape;
  const v = kernel.dataSync();
  return Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => (p === 1 ? Math.abs(v[r * cols + c]) : v[r * cols + c] ** 2)).reduce((a, b) => a + b, 0));
};
const topK = (score: number[], k: number) => [...score.keys()].sort((a, b) => score[b] - score[a]).slice(0, k).sort((a, b) => a - b);

/** The original with the outputs of every unit not in `kept[layer]` cut: the next Dense layer's kernel rows for them zeroed. */
function zeroedReference(m: tf.Sequential, kept: Record<string, number[]>, next: Record<string, string>): Float32Array {
  const saved = m.getWeights();
  for (const [layer, units] of Object.entries(kept)) {
    const after = m.getLayer(next[layer]);
    const [kernel, ...rest] = after.getWeights();
    const [rows, cols] = kernel.shape;
    const v = Float32Array.from(kernel.dataSync());
    for (let r = 0; r < rows; r++) if (!units.includes(r)) v.fill(0, r * cols, (r + 1) * cols);
    after.setWeights([tf.tensor(v, [rows, cols]), ...rest]);
  }
  const out = m.predict(x()).dataSync() as Float32Array;
  m.setWeights(saved);
  return out;
}

describe('tf.pruning.shrinkUnits', () => {
  it('keeps the units with the largest L1 (or L2) kernel columns and computes the original with the others cut', () => {
    for (const criterion of ['l1', 'l2'] as const) {
      const m = model();
      const before = m.getWeights().map((w) => w.dataSync().slice());
      const small = tf.pruning.shrinkUnits(m, { keep: 0.5, criterion });
      const p = criterion === 'l1' ? 1 : 2;
      const kept = { h1: topK(columnNorms(m.getLayer('h1').getWeights()[0], p), 4), h2: topK(columnNorms(m.getLayer('h2').getWeights()[0], p), 3) };
      expect(small.layers.map((l) => (l as { units?: number }).units ?? l.className)).toEqual([4, 'Dropout', 3, 3]);
      const want = zeroedReference(m, kept, { h1: 'h2', h2: 'out' });
      const got = small.predict(x()).dataSync();
      got.forEach((v, i) => expect(Math.abs(v - want[i]), `${criterion} output ${i}`).toBeLessThan(1e-6));
      // The kept columns themselves, in order.
      const k1 = small.layers[0].getWeights()[0].dataSync();
      const orig = m.getLayer('h1').getWeights()[0].dataSync();
      for (let r = 0; r < IN; r++) kept.h1.forEach((c, j) => expect(k1[r * 4 + j]).toBe(orig[r * 8 + c]));
      // Fewer parameters; the original untouched.
      expect(small.countParams()).toBe(IN * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3);
      expect(m.countParams()).toBe(IN * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
      expect(m.getWeights().map((w) => w.dataSync())).toEqual(before);
    }
  });

  it('a batchNormalization after a shrunk layer keeps the same features; bnGamma ranks units by |gamma|', () => {
    const m = model(true);
    const small = tf.pruning.shrinkUnits(m, { keep: 0.25, criterion: 'bnGamma', layers: ['h1'] });
    const gamma = Array.from(m.getLayer('bn').getWeights()[0].dataSync(), Math.abs);
    const kept = topK(gamma, 2);
    expect(small.layers.map((l) => l.className)).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense', 'Dense']);
    const bnWeights = small.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
    m.getLayer('bn').getWeights().forEach((w, j) => expect(bnWeights[j]).toEqual(kept.map((k) => w.dataSync()[k])));
    const want = zeroedReference(m, { h1: kept }, { h1: 'h2' });
    small.predict(x()).dataSync().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
  });

  it('copies the compile settings, and the smaller model fine-tunes', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const small = tf.pruning.shrinkUnits(m, { keep: 0.5 });
    expect(small.compileConfig?.loss.name).toBe('sparseCategoricalCrossentropy');
    const y = tf.tensor1d(Array.from({ length: N }, (_, i) => i % 3), 'int32');
    const h = await small.fit(x(), y, { epochs: 3, batchSize: 3, verbose: 0 });
    expect(h.history.loss).toHaveLength(3);
    expect(h.history.accuracy).toHaveLength(3);
  });

  it('refuses bad input, naming the function', () => {
    const m = model();
    expect(() => tf.pruning.shrinkUnits(m, { keep: 0 })).toThrow(/^pruning\.shrinkUnits: keep must be a number in \(0, 1\], got 0/);
    expect(() => tf.pruning.shrinkUnits(m, { keep: 1.5 })).toThrow(RangeError);
    expect(() => tf.pruning.shrinkUnits(m, { keep: 0.01 })).toThrow("pruning.shrinkUnits: keep 0.01 of the 8 units of layer 'h1' leaves none");
    expect(() => tf.pruning.shrinkUnits(m, { criterion: 'l3' as never })).toThrow(/criterion/);
    expect(() => tf.pruning.shrinkUnits(m, { criterion: 'bnGamma' })).toThrow(/needs a batchNormalization with scale after layer 'h1'/);
    expect(() => tf.pruning.shrinkUnits(m, { layers: ['out'] })).toThrow("pruning.shrinkUnits: layer 'out' is the output layer: its units are the model's outputs");
    expect(() => tf.pruning.shrinkUnits(m, { layers: ['drop'] })).toThrow(/layer 'drop' is a Dropout; only Dense, Conv1D and Conv2D layers are shrunk/);
    expect(() => tf.pruning.shrinkUnits(m, { layers: ['nope'] })).toThrow(/has no layer named 'nope'/);
    expect(() => tf.pruning.shrinkUnits(m, { kep: 0.5 } as never)).toThrow(/unknown option 'kep'; did you mean 'keep'\?/);
    expect(() => tf.pruning.shrinkUnits({} as never)).toThrow(TypeError);
    expect(() => tf.pruning.shrinkUnits(tf.sequential([tf.layers.dense({ units: 2 }), tf.layers.dense({ units: 1 })]))).toThrow(/is not built yet/);
    const mixed = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] }), tf.layers.layerNormalization(), tf.layers.dense({ units: 1 })] });
    mixed.build([2]);
    expect(() => tf.pruning.shrinkUnits(mixed)).toThrow(/\(LayerNormalization\), which mixes features/);
  });
});

describe('tf.pruning.shrinkUnits on convolutions', () => {
  // Conv2D 8 -> batchNorm -> maxPool -> Conv2D 6 -> flatten -> Dense 5 -> Dense 3; and Conv1D 4 -> global pooling -> Dense.
  const H = 7;
  const C = 2;
  const cnn = (): tf.Sequential => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, H, C], name: 'c1' }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
        tf.layers.conv2d({ filters: 6, kernelSize: 2, activation: 'tanh', name: 'c2' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 5, activation: 'relu', name: 'd1' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
      ],
    });
    const rng = new Rng(11);
    m.setWeights(m.getWeights().map((w, i) => {
      const values = rng.array(w.size, -1, 1);
      if (m.weightSpecs()[i].name.endsWith('moving_variance')) values.forEach((v, k) => (values[k] = 0.5 + Math.abs(v)));
      return tf.tensor(values, w.shape);
    }));
    return m;
  };
  const images = () => tf.tensor(new Rng(5).array(4 * H * H * C, -1, 1), [4, H, H, C]);
  /** Filter norms of a kernel whose last axis holds the filters. */
  const filterNorms = (kernel: tf.Tensor) => {
    const out = kernel.shape.at(-1)!;
    const v = kernel.dataSync();
    return Array.from({ length: out }, (_, c) => v.reduce((a, x, i) => (i % out === c ? a + Math.abs(x) : a), 0));
  };
  /** The model's prediction with the consumer's inputs (second-to-last kernel axis) outside `keepIn` zeroed. */
  function cutInputs(m: tf.Sequential, x: tf.Tensor, cuts: Record<string, (input: number) => boolean>): Float32Array {
    const saved = m.getWeights();
    for (const [name, kept] of Object.entries(cuts)) {
      const layer = m.getLayer(name);
      const [kernel, ...rest] = layer.getWeights();
      const [ins, outs] = kernel.shape.slice(-2);
      const v = Float32Array.from(kernel.dataSync());
      v.forEach((_, i) => { if (!kept(Math.floor(i / outs) % ins)) v[i] = 0; });
      layer.setWeights([tf.tensor(v, kernel.shape), ...rest]);
    }
    const out = m.predict(x).dataSync() as Float32Array;
    m.setWeights(saved);
    return out;
  }

  it('removes the weakest filters; the next convolution loses their input channels, the Dense after a flatten their rows at every position', () => {
    const m = cnn();
    const small = tf.pruning.shrinkUnits(m, { keep: 0.5 });
    expect(small.layers.map((l) => (l as { filters?: number; units?: number }).filters ?? (l as { units?: number }).units ?? l.className))
      .toEqual([4, 'BatchNormalization', 'MaxPooling2D', 3, 'Flatten', 3, 3]);
    const k1 = topK(filterNorms(m.getLayer('c1').getWeights()[0]), 4);
    const k2 = topK(filterNorms(m.getLayer('c2').getWeights()[0]), 3);
    const k3 = topK(filterNorms(m.getLayer('d1').getWeights()[0]), 3);
    // The batch normalization keeps the same channels as c1.
    m.getLayer('bn').getWeights().forEach((w, j) => expect(Array.from(small.layers[1].getWeights()[j].dataSync())).toEqual(k1.map((c) => w.dataSync()[c])));
    const want = cutInputs(m, images(), { c2: (i) => k1.includes(i), d1: (i) => k2.includes(i % 6), out: (i) => k3.includes(i) });
    small.predict(images()).dataSync().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    // Fewer parameters and fewer FLOPs per sample.
    expect(small.countParams()).toBeLessThan(m.countParams() / 2);
    expect(small.countParams()).toBe(3 * 3 * C * 4 + 4 + 4 * 4 + 2 * 2 * 4 * 3 + 3 + 2 * 2 * 3 * 3 + 3 + 3 * 3 + 3);
  });

  it('a Conv1D before global pooling, a named Conv2D alone, and what cannot be cut', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [9, 2], name: 'c' }),
        tf.layers.globalAveragePooling1d({ name: 'gap' }),
        tf.layers.dense({ units: 2, name: 'out' }),
      ],
    });
    m.build([9, 2]);
    const x1 = tf.tensor(new Rng(9).array(3 * 9 * 2, -1, 1), [3, 9, 2]);
    const small = tf.pruning.shrinkUnits(m, { keep: 0.5 });
    const kept = topK(filterNorms(m.getLayer('c').getWeights()[0]), 2);
    const want = cutInputs(m, x1, { out: (i) => kept.includes(i) });
    small.predict(x1).dataSync().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));

    const only = tf.pruning.shrinkUnits(cnn(), { keep: 0.5, layers: ['c2'] });
    expect(only.layers.map((l) => (l as { filters?: number }).filters ?? null).filter((f) => f !== null)).toEqual([8, 3]);
    // A depthwise convolution reads each channel with its own kernel: cutting its inputs is not supported.
    const dw = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 1], name: 'c' }),
        tf.layers.depthwiseConv2d({ kernelSize: 2, name: 'dw' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    dw.build([6, 6, 1]);
    expect(() => tf.pruning.shrinkUnits(dw, { layers: ['c'] })).toThrow("pruning.shrinkUnits: layer 'c' is followed by 'dw' (DepthwiseConv2D), which mixes features");
  });
});

describe('tf.pruning.sparsity', () => {
  it('counts exact zeros per weight, over the kernels and in total', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });
    m.build([3]);
    m.setWeights([tf.tensor([[0, 1], [0, 0], [2, 0]]), tf.tensor([0, 5])]);
    const r = tf.pruning.sparsity(m);
    expect(r.weights).toEqual([
      { name: 'd/kernel', trainable: true, size: 6, zeros: 4, sparsity: 4 / 6 },
      { name: 'd/bias', trainable: true, size: 2, zeros: 1, sparsity: 0.5 },
    ]);
    expect(r.kernels).toEqual({ size: 6, zeros: 4, sparsity: 4 / 6 });
    expect(r.total).toEqual({ size: 8, zeros: 5, sparsity: 5 / 8 });
    expect(() => tf.pruning.sparsity(3 as never)).toThrow(/^pruning\.sparsity: model must be/);
  });
});
