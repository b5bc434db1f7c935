// tf.compression.report (issue 20): parameter, non-zero and FLOP counts by
// formula for a Dense chain (2 K N + N per Dense layer), bytes of each storage
// format, the same counts for the int8 model, pruned zeros counted, bad input.
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
});
