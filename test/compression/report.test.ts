// tf.compression.report (issue 20): parameter, non-zero and FLOP counts by
// formula for a Dense chain (2 K N + N per Dense layer), bytes of each storage
// format, the same counts for the int8 model, pruned zeros counted, the
// convolutions' FLOPs by formula, latency / throughput / accuracy with data,
// bad input.
import { describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

function model(): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [5], activation: 'relu', name: 'a' }), tf.layers.dropout({ rate: 0.5, name: 'd' }),
    tf.layers.dense({ units: 3, useBias: false, name: 'b' })] });
  m.build([5]);
  const rng = new Rng(5);
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(rng.array(w.size, -1, 1).map((v, k) => (i === 0 && k < 10 ? 0 : v)), w.shape)));
  return m;
}

describe('tf.compression.report', () => {
  it('counts parameters, non-zeros, bytes and FLOPs of a float model and of its int8 model', () => {
    const m = model();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const r = tf.compression.report(m);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toMatch(/model '.*' \(float32\); weight bytes as stored: float32 288, float16 144, uint8 72/);
    log.mockRestore();
    expect(r.layers.map((l) => [l.name, l.parameters, l.nonzeros, l.flops])).toEqual([['a', 48, 38, 2 * 5 * 8 + 8], ['d', 0, 0, 0], ['b', 24, 24, 2 * 8 * 3]]);
    expect([r.parameters, r.nonzeros, r.flopsPerSample, r.uncounted]).toEqual([72, 62, 136, []]);
    const q = tf.quantization.quantize(m, { calibration: tf.tensor(new Rng(1).array(20, -1, 1), [4, 5]) });
    const r8 = tf.compression.report(q, { print: false });
    expect(r8.kind).toBe('int8');
    expect(r8.layers.map((l) => [l.name, l.parameters, l.flops])).toEqual([['a', 48, 88], ['b', 27, 51]]);
    expect(r8.nonzeros).toBeLessThanOrEqual(r8.parameters - 10);
    expect(r8.bytes.int8).toBe(q.storedBytes());
  });

  it('marks layers it cannot count and refuses bad input', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.layerNormalization({ name: 'ln' })] });
    m.build([3]);
    const r = tf.compression.report(m, { print: false });
    expect(r.uncounted).toEqual(['ln']);
    expect(() => tf.compression.report({} as never)).toThrow(/^compression.report: model must be a LayersModel or a tf.quantization model/);
    expect(() => tf.compression.report(m, { prnt: false } as never)).toThrow(/unknown option 'prnt'; did you mean 'print'/);
    expect(() => tf.compression.report(m, { print: 1 } as never)).toThrow(TypeError);
  });

  it('counts the convolutions: every kernel at every output position (input position for a transposed one), biases per output value', () => {
    const m = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, name: 'c' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }),
      tf.layers.separableConv2d({ filters: 5, kernelSize: 3, useBias: false, name: 'sep' }),
      tf.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, name: 'tr' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.flatten({ name: 'f' }),
    ] });
    m.build([9, 9, 2]);
    const r = tf.compression.report(m, { print: false });
    const flops = Object.fromEntries(r.layers.map((l) => [l.name, l.flops]));
    // conv 3x3x2->4 valid: 7x7 outputs; depthwise 3x3, 4 channels x2, same: 7x7; separable valid: 5x5 outputs,
    // depthwise 3x3x8x1 then pointwise 1x1x8x5; transpose 2x2, 5 in -> 3 out at each of 5x5 input positions, 10x10x3 outputs.
    expect(flops.c).toBe(2 * 3 * 3 * 2 * 4 * 49 + 49 * 4);
    expect(flops.dw).toBe(2 * 3 * 3 * 4 * 2 * 49 + 49 * 8);
    expect(flops.sep).toBe(2 * (3 * 3 * 8 * 1 + 8 * 5) * 25);
    expect(flops.tr).toBe(2 * 2 * 2 * 3 * 5 * 25 + 100 * 3);
    expect([flops.pool, flops.f]).toEqual([null, 0]);
    expect(r.uncounted).toEqual(['pool']);
  });

  it('with x and y: predict latency, throughput and accuracy (float and int8 alike)', () => {
    const m = model();
    const x = tf.tensor(new Rng(3).array(40 * 5, -1, 1), [40, 5]);
    const p = m.predict(x) as tf.Tensor;
    const pv = p.dataSync();
    const labels = Int32Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? [0, 1, 2].reduce((b, c) => (pv[i * 3 + c] > pv[i * 3 + b] ? c : b), 0) : (i % 3)));
    let expected = 0;
    labels.forEach((l, i) => { expected += [0, 1, 2].reduce((b, c) => (pv[i * 3 + c] > pv[i * 3 + b] ? c : b), 0) === l ? 1 : 0; });
    const r = tf.compression.report(m, { x, y: tf.tensor1d(labels, 'int32'), print: false });
    expect(r.accuracy).toBeCloseTo(expected / 40, 10);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
    // One-hot targets score the same.
    const oneHot = tf.oneHot(Array.from(labels), 3, 1, 0, 'float32');
    expect(tf.compression.report(m, { x, y: oneHot, print: false }).accuracy).toBeCloseTo(expected / 40, 10);
    const q = tf.quantization.quantize(m, { calibration: x });
    expect(tf.compression.report(q, { x, y: tf.tensor1d(labels, 'int32'), print: false }).accuracy).toBeGreaterThan(0);
    expect(() => tf.compression.report(m, { y: oneHot } as never)).toThrow(/^compression.report: y scores the predictions of x: give x too/);
    expect(() => tf.compression.report(m, { x, y: tf.zeros([40, 2]), print: false })).toThrow(/^compression.report: y must hold a class label per sample \(\[40\]\) or one-hot targets \(\[40, 3\]\)/);
    expect(() => tf.compression.report(m, { x: 'x' as never })).toThrow(TypeError);
  });
});
