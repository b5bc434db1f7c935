// tf.pruning.lowMagnitude (issue 20): magnitude pruning inside fit, run by
// the native trainer. Sparsity follows the schedule exactly (floor(s * size)
// zeros per kernel at the last mask update); the masked weights are the
// smallest in magnitude; pruned weights and their optimizer slots stay zero
// through further training and save / load until strip; bad options refused.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

const N = 40;
const data = () => {
  const rng = new Rng(5);
  return { x: tf.tensor(rng.array(N * 5, -1, 1), [N, 5]), y: tf.tensor1d(Array.from({ length: N }, (_, i) => i % 3), 'int32') };
};
function model(optimizer: tf.optimizers.Optimizer | string = 'adam'): tf.Sequential {
  tf.setSeed(3);
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [5], name: 'h' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  m.compile({ optimizer: optimizer as never, loss: 'sparseCategoricalCrossentropy' });
  return m;
}
const zeros = (t: tf.Tensor) => Array.from(t.dataSync()).filter((v) => v === 0).length;
const kernel = (m: tf.Sequential, name: string) => m.getLayer(name).getWeights()[0];

describe('tf.pruning.lowMagnitude', () => {
  it('follows the polynomial schedule: floor(s * size) zeros per kernel after the last mask update', async () => {
    const m = model();
    const { x, y } = data();
    const pruning = tf.pruning.lowMagnitude({ targetSparsity: 0.8, beginStep: 0, endStep: 20, frequency: 5 });
    await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [pruning] });
    expect(m.getOptimizerState().iterations).toBe(10);
    const s = pruning.sparsityAt(10)!;
    expect(s).toBeCloseTo(0.8 - 0.8 * 0.5 ** 3, 12);
    expect(pruning.sparsityAt(7)).toBeNull();
    expect(zeros(kernel(m, 'h'))).toBe(Math.floor(s * 40));
    expect(zeros(kernel(m, 'out'))).toBe(Math.floor(s * 24));
    // Biases are not pruned.
    const report = tf.pruning.sparsity(m);
    expect(report.kernels.zeros).toBe(Math.floor(s * 40) + Math.floor(s * 24));
    // Another epoch reaches the target at step 20.
    await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [pruning] });
    expect(zeros(kernel(m, 'h'))).toBe(Math.floor(0.8 * 40));
    expect(tf.pruning.sparsity(m).kernels.sparsity).toBeCloseTo((32 + Math.floor(0.8 * 24)) / 64, 12);
  });

  it('masks the smallest magnitudes (a zero learning rate keeps the weights as they started)', async () => {
    const m = model(tf.optimizers.sgd({ learningRate: 0 }));
    const { x, y } = data();
    m.build([5]);
    const before = Array.from(kernel(m, 'h').dataSync());
    await m.fit(x, y, { epochs: 1, batchSize: 40, verbose: 0, callbacks: [tf.pruning.lowMagnitude({ targetSparsity: 0.25, schedule: 'constant', frequency: 1, layers: ['h'] })] });
    const after = Array.from(kernel(m, 'h').dataSync());
    const order = [...before.keys()].sort((a, b) => Math.abs(before[a]) - Math.abs(before[b]));
    const pruned = new Set(order.slice(0, 10));
    after.forEach((v, i) => expect(v, `weight ${i}`).toBe(pruned.has(i) ? 0 : before[i]));
    expect(zeros(kernel(m, 'out'))).toBe(0); // not in `layers`
  });

  it('pruned weights and their optimizer slots stay zero through later fits and save / load; strip lets them move again', async () => {
    const m = model();
    const { x, y } = data();
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [tf.pruning.lowMagnitude({ targetSparsity: 0.5, schedule: 'constant', frequency: 10 })] });
    const mask = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v === 0);
    const pruned = mask(kernel(m, 'h'));
    expect(pruned.filter(Boolean)).toHaveLength(20);
    // Without the callback, the masks still hold (and the Adam slots of pruned weights stay zero).
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(mask(kernel(m, 'h'))).toEqual(pruned);
    const slots = m.getOptimizerState().slots;
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) pruned.forEach((p, i) => { if (p) expect(slot[i], `slot entry ${i}`).toBe(0); });
    const loaded = await tf.fromArtifacts(await m.toArtifacts());
    expect(mask(loaded.getLayer('h').getWeights()[0])).toEqual(pruned);
    expect(tf.pruning.strip(m)).toBe(m);
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(zeros(kernel(m, 'h'))).toBeLessThan(20);
  });

  it('refuses bad options and layers without kernels, naming the function', async () => {
    const lm = (a: unknown) => () => tf.pruning.lowMagnitude(a as tf.pruning.LowMagnitudeArgs);
    expect(lm({})).toThrow(/^pruning\.lowMagnitude: targetSparsity is required/);
    expect(lm({ targetSparsity: 1, endStep: 10 })).toThrow(/targetSparsity must be in \[0, 1\), got 1/);
    expect(lm({ targetSparsity: -0.1, endStep: 10 })).toThrow(RangeError);
    expect(lm({ targetSparsity: 0.5 })).toThrow("pruning.lowMagnitude: endStep is required for the 'polynomial' schedule");
    expect(lm({ targetSparsity: 0.5, beginStep: 10, endStep: 5 })).toThrow('pruning.lowMagnitude: beginStep 10 is after endStep 5');
    expect(lm({ targetSparsity: 0.5, endStep: 10, frequency: 0 })).toThrow(RangeError);
    expect(lm({ targetSparsity: 0.5, endStep: 10, schedule: 'cubic' })).toThrow(/schedule/);
    expect(lm({ targetSparsity: 0.5, endStep: 10, sparsity: 1 })).toThrow(/unknown option 'sparsity'/);
    expect(lm({ targetSparsity: 0.5, endStep: 10, layers: 'h' })).toThrow(/layers must be an array of layer names/);
    const m = model();
    const { x, y } = data();
    await expect(m.fit(x, y, { verbose: 0, callbacks: [tf.pruning.lowMagnitude({ targetSparsity: 0.5, endStep: 10, layers: ['nope'] })] }))
      .rejects.toThrow("pruning.lowMagnitude: layer 'nope' of model");
    expect(() => tf.pruning.strip(3 as never)).toThrow(/^pruning\.strip: model must be/);
    // The model's internal entry point chooses its own label (fuzz seed 1 case 8313: a junk label read '[object Object]: ...').
    const bare = tf.sequential([tf.layers.dense({ units: 1 })]);
    expect(() => bare.setPruning(new Map() as never, null, null)).toThrow(/^pruning\.lowMagnitude: model '\w+' is not built yet/);
    expect(() => m.setPruning({} as never, { schedule: 0 } as never, 3 as never)).toThrow(/^pruning\.lowMagnitude: layers must be an array of layer names, got 3/);
    expect(() => m.setPruning('x', 'junk' as never, null)).toThrow(TypeError);
  });
});
