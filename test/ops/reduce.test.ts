import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { expectClose, expectEqual, randomShape, randomTensor, ravel, refTranspose, sizeOf, unravel } from './ref';

type ReduceName = 'sum' | 'mean' | 'prod' | 'max' | 'min';

interface Reducer {
  init: number;
  step: (acc: number, v: number) => number;
  finish: (acc: number, n: number) => number;
}
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

// float64 references (float32 results are compared after rounding).
const F64: Record<ReduceName, Reducer> = {
  sum: { init: 0, step: (a, v) => a + v, finish: (a) => a },
  mean: { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n },
  prod: { init: 1, step: (a, v) => a * v, finish: (a) => a },
  max: { init: -Infinity, step: nanMax, finish: (a) => a },
  min: { init: Infinity, step: nanMin, finish: (a) => a },
};
// Exact int32 references (wrapping like an Int32Array store); mean is float32.
const I32: Record<ReduceName, Reducer> = {
  sum: { init: 0, step: (a, v) => (a + v) | 0, finish: (a) => a },
  mean: F64.mean,
  prod: { init: 1, step: (a, v) => Math.imul(a, v), finish: (a) => a },
  max: { init: -(2 ** 31), step: Math.max, finish: (a) => a },
  min: { init: 2 ** 31 - 1, step: Math.min, finish: (a) => a },
};

/** Reference reduction: every input element is folded into its output position. */
function refReduce(red: Reducer, x: tf.Tensor, axes: number[], keepDims: boolean): { values: number[]; shape: number[] } {
  const reduced = new Set(axes);
  const keptShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const n = axes.reduce((a, i) => a * x.shape[i], 1);
  const acc = new Array<number>(sizeOf(keptShape)).fill(red.init);
  for (let i = 0; i < x.size; i++) {
    const o = ravel(unravel(i, x.shape).map((v, d) => (reduced.has(d) ? 0 : v)), keptShape);
    acc[o] = red.step(acc[o], x.values[i]);
  }
  const shape = keepDims ? keptShape : x.shape.filter((_, i) => !reduced.has(i));
  return { values: acc.map((a) => red.finish(a, n)), shape };
}

/** Axis arguments to try for a rank: all (undefined / null / full list), each single axis (+ and -), pairs, none ([]). */
function axisChoices(rank: number): { axis: tf.Axis | undefined; axes: number[] }[] {
  const all = Array.from({ length: rank }, (_, i) => i);
  const out: { axis: tf.Axis | undefined; axes: number[] }[] = [{ axis: undefined, axes: all }, { axis: null, axes: all }, { axis: [], axes: [] }];
  if (rank > 0) out.push({ axis: [...all].reverse(), axes: all });
  for (let i = 0; i < rank; i++) out.push({ axis: i, axes: [i] }, { axis: i - rank, axes: [i] });
  for (let i = 0; i < rank; i++) for (let j = i + 1; j < rank; j++) out.push({ axis: [j, i - rank], axes: [i, j] });
  if (rank >= 4) out.push({ axis: [0, 2, 3], axes: [0, 2, 3] }, { axis: [1, 3], axes: [1, 3] });
  return out;
}

function inputFor(r: Random, name: ReduceName, dtype: tf.DataType, shape: number[]): tf.Tensor {
  if (name === 'prod') return dtype === 'int32' ? randomTensor(r, shape, 'int32', -3, 3) : randomTensor(r, shape, 'float32', 0.5, 1.5);
  return dtype === 'int32' ? randomTensor(r, shape, 'int32', -1000, 1000) : randomTensor(r, shape, 'float32', -10, 10);
}

describe('reductions', () => {
  const r = new Random(31);
  const shapes = [[], [1], [7], [0], [3, 4], [4, 1], [1, 5], [0, 3], [3, 0], [2, 3, 4], [2, 1, 3], [3, 2, 2, 5], [2, 0, 3, 1], [300, 3], [3, 300], [2, 600, 3]];
  for (let c = 0; c < 6; c++) shapes.push(randomShape(r, 1, 5, 1, 4));
  for (const name of ['sum', 'mean', 'prod', 'max', 'min'] as const) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`${name} ${dtype} over every axis choice of ${shapes.length} shapes, with and without keepDims`, () => {
        for (const shape of shapes) {
          const x = inputFor(r, name, dtype, shape);
          for (const { axis, axes } of axisChoices(shape.length)) {
            const n = axes.reduce((a, i) => a * shape[i], 1);
            if ((name === 'max' || name === 'min') && n === 0 && sizeOf(shape.filter((_, i) => !axes.includes(i))) > 0) continue; // an error, tested below
            for (const keepDims of [false, true]) {
              const y = tf[name](x, axis, keepDims);
              const exact = dtype === 'int32' && name !== 'mean';
              const ref = refReduce(exact ? I32[name] : F64[name], x, axes, keepDims);
              const label = `${name}(${JSON.stringify(shape)}, ${JSON.stringify(axis)}, ${keepDims})`;
              expect(y.shape, label).toEqual(ref.shape);
              expect(y.dtype, label).toBe(name === 'mean' ? 'float32' : dtype);
              // Tolerance: sums and products accumulate in float64 like the reference and are rounded
              // once (rtol 2^-23 for a different summation order); max/min are exact.
              if (exact) expectEqual(y.dataSync(), ref.values, label);
              else expectClose(y.dataSync(), ref.values.map(Math.fround), name === 'max' || name === 'min' ? 0 : 1.2e-7, 1e-12, label);
            }
          }
        }
      });
    }
  }

  it('reduce transposed (non-contiguous source) inputs', () => {
    const x = randomTensor(r, [3, 4, 5]);
    const perm = [2, 0, 1];
    const t = refTranspose(x.values, x.shape, perm);
    const xt = tf.transpose(x, perm);
    for (const name of ['sum', 'max', 'min', 'mean'] as const) {
      for (const { axis, axes } of axisChoices(3)) {
        const ref = refReduce(F64[name], tf.tensor(t.values, t.shape), axes, false);
        expectClose(tf[name](xt, axis).dataSync(), ref.values.map(Math.fround), name === 'max' || name === 'min' ? 0 : 1.2e-7, 1e-12, `${name} ${JSON.stringify(axis)}`);
      }
    }
  });

  it('empty reductions: sum 0, prod 1, mean NaN; max/min of an empty axis is an error', () => {
    const e = tf.zeros([0, 3]);
    expectEqual(tf.sum(e, 0).dataSync(), [0, 0, 0]);
    expectEqual(tf.prod(e, 0).dataSync(), [1, 1, 1]);
    expectEqual(tf.mean(e, 0).dataSync(), [NaN, NaN, NaN]);
    expectEqual(tf.sum(e).dataSync(), [0]);
    expect(tf.max(e, 1).shape).toEqual([0]);
    expect(() => tf.max(e, 0)).toThrow(RangeError);
    expect(() => tf.max(e, 0)).toThrow('max: cannot reduce shape [0,3] over empty axis [0] (no identity for max)');
    expect(() => tf.min(e)).toThrow('min: cannot reduce shape [0,3] over empty axis [0,1] (no identity for min)');
    expect(() => tf.argMax(e, 0)).toThrow('argMax: cannot reduce shape [0,3] over empty axis 0');
    expect(tf.argMax(e, 1).shape).toEqual([0]);
  });

  it('max and min propagate NaN; float sums keep float64 accuracy', () => {
    const x = tf.tensor([[1, NaN, 3], [4, 5, 6]]);
    expectEqual(tf.max(x, 1).dataSync(), [NaN, 6]);
    expectEqual(tf.min(x, 1).dataSync(), [NaN, 4]);
    expectEqual(tf.max(x, 0).dataSync(), [4, NaN, 6]);
    // 1e8 + 1 (x 1000) - 1e8: float32 accumulation would lose every 1.
    const v = new Float32Array(1002);
    v[0] = 1e8;
    v.fill(1, 1, 1001);
    v[1001] = -1e8;
    expectEqual(tf.sum(tf.tensor(v)).dataSync(), [1000]);
    expectEqual(tf.mean(tf.tensor(v)).dataSync(), [Math.fround(1000 / 1002)]);
  });

  it('int32 sums and products wrap; the mean of int32 is float32', () => {
    const x = tf.tensor([2 ** 31 - 1, 1, 65536, 65536], [2, 2], 'int32');
    expectEqual(tf.sum(x, 1).dataSync(), [-(2 ** 31), 131072]);
    expectEqual(tf.prod(x, 1).dataSync(), [2 ** 31 - 1, 0]);
    const m = tf.mean(tf.tensor([1, 2], [2], 'int32'));
    expect(m.dtype).toBe('float32');
    expectEqual(m.dataSync(), [1.5]);
  });
});

function refArg(x: tf.Tensor, axis: number, isMin: boolean): { values: number[]; shape: number[] } {
  const shape = x.shape.filter((_, i) => i !== axis);
  const out: number[] = [];
  for (let o = 0; o < sizeOf(shape); o++) {
    const idx = unravel(o, shape);
    let best = 0;
    for (let k = 0; k < x.shape[axis]; k++) {
      const full = [...idx.slice(0, axis), k, ...idx.slice(axis)];
      const v = x.values[ravel(full, x.shape)];
      const b = x.values[ravel([...idx.slice(0, axis), best, ...idx.slice(axis)], x.shape)];
      if (Number.isNaN(b)) break;
      if (Number.isNaN(v) || (isMin ? v < b : v > b)) best = k;
    }
    out.push(best);
  }
  return { values: out, shape };
}

describe('argMax and argMin', () => {
  const r = new Random(32);
  const shapes = [[1], [7], [3, 4], [4, 1], [1, 5], [2, 3, 4], [3, 0, 2], [2, 5, 1, 3], [300, 3], [3, 300]];
  for (const isMin of [false, true]) {
    const name = isMin ? 'argMin' : 'argMax';
    for (const dtype of ['float32', 'int32'] as const) {
      it(`${name} ${dtype} along every axis (ties -> first index)`, () => {
        for (const shape of shapes) {
          // A small int range forces ties.
          const x = dtype === 'int32' ? randomTensor(r, shape, 'int32', -3, 3) : tf.tensor(Float32Array.from({ length: sizeOf(shape) }, () => r.int(7) - 3 + (r.uniform() < 0.5 ? 0 : 0.5)), shape);
          for (let axis = -shape.length; axis < shape.length; axis++) {
            const ax = axis < 0 ? axis + shape.length : axis;
            if (shape[ax] === 0) continue;
            const y = tf[name](x, axis);
            const ref = refArg(x, ax, isMin);
            expect(y.dtype).toBe('int32');
            expect(y.shape).toEqual(ref.shape);
            expectEqual(y.dataSync(), ref.values, `${name}(${JSON.stringify(shape)}, ${axis})`);
          }
        }
      });
    }
  }

  it('default axis is 0; NaN counts as the extreme (first NaN wins)', () => {
    const x = tf.tensor([[1, 9], [5, 2], [5, NaN]]);
    expectEqual(tf.argMax(x).dataSync(), [1, 2]);
    expectEqual(tf.argMin(x).dataSync(), [0, 2]);
    expectEqual(tf.argMax(tf.tensor([3, NaN, 7, NaN])).dataSync(), [1]);
    expectEqual(tf.argMin(tf.tensor([NaN, -1])).dataSync(), [0]);
    expectEqual(tf.argMax(tf.tensor([-Infinity, -Infinity])).dataSync(), [0]);
  });

  it('works on transposed inputs', () => {
    const x = randomTensor(r, [4, 6]);
    const xt = tf.transpose(x);
    const t = refTranspose(x.values, x.shape, [1, 0]);
    expectEqual(tf.argMax(xt, 1).dataSync(), refArg(tf.tensor(t.values, t.shape), 1, false).values);
  });
});

describe('reduction argument checks', () => {
  const x = tf.zeros([2, 3]);
  for (const name of ['sum', 'mean', 'prod', 'max', 'min'] as const) {
    it(`${name} rejects bad axes and inputs`, () => {
      const op = tf[name] as (x: unknown, axis?: unknown, keepDims?: unknown) => tf.Tensor;
      expect(() => op([1, 2])).toThrow(TypeError);
      expect(() => op([1, 2])).toThrow(`${name}: x must be a Tensor, got [1,2]`);
      expect(() => op(x, 2)).toThrow(RangeError);
      expect(() => op(x, 2)).toThrow(`${name}: axis 2 is out of range for rank 2 (valid: [-2, 1])`);
      expect(() => op(x, [0, -3])).toThrow(`${name}: axis -3 is out of range for rank 2`);
      expect(() => op(x, 1.5)).toThrow(`${name}: axis 1.5 is out of range for rank 2`);
      expect(() => op(x, [1, -1])).toThrow(`${name}: axis [1,-1] names dimension 1 more than once`);
      expect(() => op(x, '0')).toThrow(TypeError);
      expect(() => op(x, '0')).toThrow(`${name}: axis must be an integer or an array of integers, got '0'`);
      expect(() => op(x, ['0'])).toThrow(`${name}: axis must be an integer, got '0'`);
      expect(() => op(x, 0, 1)).toThrow(`${name}: keepDims must be a boolean, got 1`);
      expect(() => op(tf.scalar(1), 0)).toThrow(`${name}: axis 0 is out of range for rank 0 (valid: none)`);
    });
  }
  for (const name of ['argMax', 'argMin'] as const) {
    it(`${name} rejects bad axes and inputs`, () => {
      const op = tf[name] as (x: unknown, axis?: unknown) => tf.Tensor;
      expect(() => op(null)).toThrow(`${name}: x must be a Tensor, got null`);
      expect(() => op(x, 2)).toThrow(`${name}: axis 2 is out of range for rank 2 (valid: [-2, 1])`);
      expect(() => op(x, [0])).toThrow(TypeError);
      expect(() => op(tf.scalar(1))).toThrow(`${name}: axis 0 is out of range for rank 0 (valid: none)`);
    });
  }
});
