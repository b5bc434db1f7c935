import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { expectEqual, randomShape, randomTensor, ravel, refTranspose, sizeOf, unravel } from './ref';

function randomPerm(r: Random, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

// Movement ops copy values: every comparison is exact.
describe('transpose', () => {
  const r = new Random(41);
  const shapes = [[], [0], [5], [3, 4], [1, 7], [7, 1], [0, 3], [2, 3, 4], [2, 1, 3, 1], [3, 0, 2], [67, 131], [2, 3, 2, 3, 2], [4, 33, 35]];
  for (let c = 0; c < 8; c++) shapes.push(randomShape(r, 1, 6, 1, 4));
  for (const dtype of ['float32', 'int32'] as const) {
    it(`${dtype}: random permutations of ${shapes.length} shapes`, () => {
      for (const shape of shapes) {
        const x = randomTensor(r, shape, dtype, -100, 100);
        for (let k = 0; k < 4; k++) {
          const perm = randomPerm(r, shape.length);
          const y = tf.transpose(x, perm);
          const ref = refTranspose(x.values, shape, perm);
          expect(y.shape).toEqual(ref.shape);
          expect(y.dtype).toBe(dtype);
          expectEqual(y.dataSync(), ref.values, `transpose(${JSON.stringify(shape)}, ${JSON.stringify(perm)})`);
        }
        const rev = shape.map((_, i) => shape.length - 1 - i);
        expectEqual(tf.transpose(x).dataSync(), refTranspose(x.values, shape, rev).values, `transpose(${JSON.stringify(shape)})`);
      }
    });
  }

  it('returns a new buffer even for the identity permutation', () => {
    const x = tf.tensor([[1, 2], [3, 4]]);
    const y = tf.transpose(x, [0, 1]);
    expect(y.dataSync()).not.toBe(x.dataSync());
    expectEqual(y.dataSync(), [1, 2, 3, 4]);
  });

  it('handles rank > 8 when the permutation merges to <= 8 strided dims, and rejects it otherwise', () => {
    const shape = new Array(10).fill(2);
    const x = randomTensor(r, shape);
    const perm = [1, 0, 2, 3, 4, 5, 6, 7, 9, 8];
    expectEqual(tf.transpose(x, perm).dataSync(), refTranspose(x.values, shape, perm).values);
    const full = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    expect(() => tf.transpose(x, full)).toThrow(RangeError);
    expect(() => tf.transpose(x, full)).toThrow('transpose: the view of [2,2,2,2,2,2,2,2,2,2] needs 10 strided dimensions after merging contiguous ones; at most 8 are supported');
  });

  it('rejects bad arguments', () => {
    const x = tf.zeros([2, 3]);
    expect(() => tf.transpose([1] as never)).toThrow('transpose: x must be a Tensor, got [1]');
    expect(() => tf.transpose(x, 'ab' as never)).toThrow("transpose: perm must be an array of integers, got 'ab'");
    expect(() => tf.transpose(x, [0])).toThrow(RangeError);
    expect(() => tf.transpose(x, [0])).toThrow('transpose: perm [0] has length 1 but x has rank 2 (shape [2,3])');
    expect(() => tf.transpose(x, [0, 0])).toThrow('transpose: perm [0,0] is not a permutation of 0..1');
    expect(() => tf.transpose(x, [0, 2])).toThrow('transpose: perm [0,2] is not a permutation of 0..1');
    expect(() => tf.transpose(x, [-1, 0])).toThrow(RangeError);
  });
});

function refSlice(x: tf.Tensor, begin: number[], size: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < sizeOf(size); i++) out.push(x.values[ravel(unravel(i, size).map((v, d) => v + begin[d]), x.shape)]);
  return out;
}

describe('slice', () => {
  const r = new Random(42);
  it('random begin/size (including -1, empty and full slices) on random shapes', () => {
    const shapes = [[], [5], [0], [3, 4], [4, 1, 3], [2, 3, 4, 5], [1, 1], [40, 50]];
    for (let c = 0; c < 8; c++) shapes.push(randomShape(r, 1, 5, 1, 5));
    for (const dtype of ['float32', 'int32'] as const) {
      for (const shape of shapes) {
        const x = randomTensor(r, shape, dtype, -50, 50);
        for (let k = 0; k < 6; k++) {
          const begin = shape.map((d) => r.int(d + 1));
          const size = shape.map((d, i) => (r.uniform() < 0.25 ? -1 : r.int(d - begin[i] + 1)));
          const resolved = size.map((s, i) => (s === -1 ? shape[i] - begin[i] : s));
          const y = tf.slice(x, begin, size);
          const label = `slice(${JSON.stringify(shape)}, ${JSON.stringify(begin)}, ${JSON.stringify(size)})`;
          expect(y.shape, label).toEqual(resolved);
          expect(y.dtype).toBe(dtype);
          expectEqual(y.dataSync(), refSlice(x, begin, resolved), label);
        }
      }
    }
  });

  it('short forms: number begin/size, missing trailing entries, omitted size', () => {
    const x = tf.tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(tf.slice(x, 1).shape).toEqual([1, 3, 4]);
    expectEqual(tf.slice(x, 1).dataSync(), refSlice(x, [1, 0, 0], [1, 3, 4]));
    expectEqual(tf.slice(x, [0, 1]).dataSync(), refSlice(x, [0, 1, 0], [2, 2, 4]));
    expectEqual(tf.slice(x, 0, 1).dataSync(), refSlice(x, [0, 0, 0], [1, 3, 4]));
    expectEqual(tf.slice(x, [1, 2, 3], [1, 1, 1]).dataSync(), [23]);
    expect(tf.slice(x, [2, 3, 4]).shape).toEqual([0, 0, 0]);
    expectEqual(tf.slice(tf.scalar(7), []).dataSync(), [7]);
  });

  it('rejects bad arguments', () => {
    const x = tf.zeros([2, 3]);
    expect(() => tf.slice(x, [0, 4])).toThrow(RangeError);
    expect(() => tf.slice(x, [0, 4])).toThrow('slice: begin[1] must be in [0, 3], got 4');
    expect(() => tf.slice(x, [0, 1], [1, 3])).toThrow('slice: begin[1] + size[1] = 1 + 3 exceeds dimension 1 of shape [2,3] (3)');
    expect(() => tf.slice(x, [0, 0], [-2, 1])).toThrow('slice: size[0] must be -1 or an integer >= 0, got -2');
    expect(() => tf.slice(x, [0, 0, 0])).toThrow('slice: begin [0,0,0] has more entries than x has dimensions (shape [2,3])');
    expect(() => tf.slice(x, [0], [1, 1, 1])).toThrow('slice: size [1,1,1] has more entries than x has dimensions (shape [2,3])');
    expect(() => tf.slice(x, '0' as never)).toThrow(TypeError);
    expect(() => tf.slice(x, [0.5])).toThrow('slice: begin[0] must be an integer, got 0.5');
    expect(() => tf.slice(x, [0], ['1'] as never)).toThrow("slice: size[0] must be a number, got '1'");
    expect(() => tf.slice({} as never, [0])).toThrow('slice: x must be a Tensor, got [object Object]');
  });
});

describe('gather', () => {
  const r = new Random(43);
  it('random indices (any rank, duplicates, empty) along every axis', () => {
    const shapes = [[5], [4, 3], [3, 1, 4], [2, 3, 4, 2], [6, 0], [1]];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const shape of shapes) {
        const x = randomTensor(r, shape, dtype, -50, 50);
        for (let axis = -shape.length; axis < shape.length; axis++) {
          const ax = axis < 0 ? axis + shape.length : axis;
          for (const idxShape of [[], [0], [3], [2, 2]]) {
            if (shape[ax] === 0 && sizeOf(idxShape) > 0) continue;
            const idx = tf.tensor(Int32Array.from({ length: sizeOf(idxShape) }, () => r.int(shape[ax])), idxShape, 'int32');
            const y = tf.gather(x, idx, axis);
            const outShape = [...shape.slice(0, ax), ...idxShape, ...shape.slice(ax + 1)];
            const ref: number[] = [];
            for (let i = 0; i < sizeOf(outShape); i++) {
              const o = unravel(i, outShape);
              const k = idx.values[ravel(o.slice(ax, ax + idxShape.length), idxShape)];
              ref.push(x.values[ravel([...o.slice(0, ax), k, ...o.slice(ax + idxShape.length)], shape)]);
            }
            const label = `gather(${JSON.stringify(shape)}, ${JSON.stringify(Array.from(idx.values))} ${JSON.stringify(idxShape)}, ${axis})`;
            expect(y.shape, label).toEqual(outShape);
            expect(y.dtype).toBe(dtype);
            expectEqual(y.dataSync(), ref, label);
          }
        }
      }
    }
  });

  it('accepts plain (nested) arrays of indices', () => {
    const x = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    expectEqual(tf.gather(x, [2, 0, 2]).dataSync(), [5, 6, 1, 2, 5, 6]);
    expect(tf.gather(x, [[1], [0]] as never).shape).toEqual([2, 1, 2]);
    expectEqual(tf.gather(x, [1], 1).dataSync(), [2, 4, 6]);
  });

  it('rejects bad arguments, naming the offending index', () => {
    const x = tf.zeros([5, 2]);
    expect(() => tf.gather(x, [0, 5])).toThrow(RangeError);
    expect(() => tf.gather(x, [0, 5])).toThrow('gather: indices[1] = 5 is out of range [0, 5) for axis 0 of shape [5,2]');
    expect(() => tf.gather(x, tf.tensor([1, -1], [2], 'int32'))).toThrow('gather: indices[1] = -1 is out of range [0, 5) for axis 0 of shape [5,2]');
    expect(() => tf.gather(x, [2], 1)).toThrow('gather: indices[0] = 2 is out of range [0, 2) for axis 1 of shape [5,2]');
    expect(() => tf.gather(x, tf.tensor([0, 1]))).toThrow(TypeError);
    expect(() => tf.gather(x, tf.tensor([0, 1]))).toThrow('gather: indices must be an int32 tensor, got float32');
    expect(() => tf.gather(x, [0.5])).toThrow('gather: indices must be int32 integers, got 0.5 at flat position 0');
    expect(() => tf.gather(x, 1 as never)).toThrow('gather: indices must be an int32 Tensor or an array of integers, got 1');
    expect(() => tf.gather(x, [0], 2)).toThrow('gather: axis 2 is out of range for rank 2 (valid: [-2, 1])');
    expect(() => tf.gather(tf.scalar(1), [0])).toThrow('gather: x must have rank >= 1, got a scalar');
    expect(() => tf.gather('x' as never, [0])).toThrow(TypeError);
  });
});

describe('concat, stack and split', () => {
  const r = new Random(44);
  it('concat along every axis with 1 to 4 inputs (some empty)', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const base of [[3], [2, 3], [2, 1, 4], [3, 2, 2, 2]]) {
        for (let axis = -base.length; axis < base.length; axis++) {
          const ax = axis < 0 ? axis + base.length : axis;
          const count = 1 + r.int(4);
          const parts = Array.from({ length: count }, () => randomTensor(r, base.map((d, i) => (i === ax ? r.int(4) : d)), dtype, -9, 9));
          const y = tf.concat(parts, axis);
          const outShape = [...base];
          outShape[ax] = parts.reduce((a, p) => a + p.shape[ax], 0);
          const ref: number[] = [];
          for (let i = 0; i < sizeOf(outShape); i++) {
            const o = unravel(i, outShape);
            let k = 0;
            let at = o[ax];
            while (at >= parts[k].shape[ax]) at -= parts[k++].shape[ax];
            ref.push(parts[k].values[ravel(o.map((v, d) => (d === ax ? at : v)), parts[k].shape)]);
          }
          const label = `concat(${parts.map((p) => JSON.stringify(p.shape)).join(' ')}, ${axis})`;
          expect(y.shape, label).toEqual(outShape);
          expect(y.dtype).toBe(dtype);
          expectEqual(y.dataSync(), ref, label);
        }
      }
    }
  });

  it('stack inserts a new axis; split undoes concat', () => {
    const a = randomTensor(r, [2, 3]);
    const b = randomTensor(r, [2, 3]);
    for (let axis = -3; axis < 3; axis++) {
      const s = tf.stack([a, b], axis);
      const ax = axis < 0 ? axis + 3 : axis;
      const shape = [2, 3];
      shape.splice(ax, 0, 2);
      expect(s.shape).toEqual(shape);
      for (let i = 0; i < s.size; i++) {
        const o = unravel(i, shape);
        const src = o[ax] === 0 ? a : b;
        expect(s.values[i]).toBe(src.values[ravel(o.filter((_, d) => d !== ax), [2, 3])]);
      }
    }
    expect(tf.stack([tf.scalar(1), tf.scalar(2)]).shape).toEqual([2]);
    const x = randomTensor(r, [4, 6, 2], 'int32', -9, 9);
    for (const [spec, axis, sizes] of [[2, 0, [2, 2]], [3, 1, [2, 2, 2]], [[1, -1, 2], 1, [1, 3, 2]], [[0, 2], -1, [0, 2]], [[4], 0, [4]]] as const) {
      const parts = tf.split(x, spec as never, axis);
      expect(parts.map((p) => p.shape[axis < 0 ? axis + 3 : axis])).toEqual(sizes);
      expectEqual(tf.concat(parts, axis).dataSync(), x.dataSync(), `split ${JSON.stringify(spec)}`);
      expect(parts.every((p) => p.dtype === 'int32')).toBe(true);
    }
  });

  it('rejects bad arguments', () => {
    const a = tf.zeros([2, 3]);
    expect(() => tf.concat([] as never)).toThrow('concat: tensors must contain at least one Tensor');
    expect(() => tf.concat(a as never)).toThrow(TypeError);
    expect(() => tf.concat([a, 1] as never)).toThrow('concat: tensors[1] must be a Tensor, got 1');
    expect(() => tf.concat([a, tf.zeros([2, 3], 'int32')])).toThrow('concat: tensors[1] has dtype int32 but tensors[0] has float32');
    expect(() => tf.concat([a, tf.zeros([3, 3])], 1)).toThrow(RangeError);
    expect(() => tf.concat([a, tf.zeros([3, 3])], 1)).toThrow("concat: tensors[1] has shape [3,3], which differs from tensors[0]'s [2,3] outside axis 1");
    expect(() => tf.concat([a, tf.zeros([6])])).toThrow(RangeError);
    expect(() => tf.concat([a], 2)).toThrow('concat: axis 2 is out of range for rank 2 (valid: [-2, 1])');
    expect(() => tf.concat([tf.scalar(1), tf.scalar(2)])).toThrow('concat: cannot concatenate scalars (use stack)');
    expect(() => tf.stack([a, tf.zeros([3, 2])])).toThrow('stack: tensors[1] has shape [3,2] but tensors[0] has [2,3]');
    expect(() => tf.stack([a], 3)).toThrow('stack: axis 3 is out of range for rank 3 (valid: [-3, 2])');
    expect(() => tf.split(a, 4, 1)).toThrow('split: dimension 1 of shape [2,3] (3) does not divide into 4 equal pieces');
    expect(() => tf.split(a, [1, 1], 1)).toThrow('split: numOrSizeSplits [1,1] does not add up to dimension 1 of shape [2,3] (3)');
    expect(() => tf.split(a, [-1, -1], 1)).toThrow('split: numOrSizeSplits [-1,-1] may contain -1 only once');
    expect(() => tf.split(a, [4, -1], 1)).toThrow(RangeError);
    expect(() => tf.split(a, 0)).toThrow('split: numOrSizeSplits must be in [1, 9007199254740991], got 0');
    expect(() => tf.split(a, '2' as never)).toThrow(TypeError);
    expect(() => tf.split(tf.scalar(1), 1)).toThrow('split: x must have rank >= 1, got a scalar');
  });
});

describe('oneHot', () => {
  const r = new Random(45);
  it('random indices of rank 0..2, out-of-range indices give all-off rows', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const shape of [[], [0], [5], [3, 4]]) {
        const depth = 1 + r.int(6);
        const idx = tf.tensor(Int32Array.from({ length: sizeOf(shape) }, () => r.int(depth + 3) - 2), shape, 'int32');
        const [on, off] = dtype === 'int32' ? [7, -2] : [0.5, -0.25];
        const y = tf.oneHot(idx, depth, on, off, dtype);
        expect(y.shape).toEqual([...shape, depth]);
        expect(y.dtype).toBe(dtype);
        const ref = Array.from(idx.values).flatMap((k) => Array.from({ length: depth }, (_, j) => (j === k ? on : off)));
        expectEqual(y.dataSync(), ref, `oneHot(${JSON.stringify(Array.from(idx.values))}, ${depth})`);
      }
    }
  });

  it('defaults to on 1, off 0, int32 (as tfjs) and accepts arrays', () => {
    const y = tf.oneHot([1, 0], 3);
    expect(y.dtype).toBe('int32');
    expectEqual(y.dataSync(), [0, 1, 0, 1, 0, 0]);
    expectEqual(tf.oneHot(tf.tensor([2], [1], 'int32'), 3, 1, 0, 'float32').dataSync(), [0, 0, 1]);
  });

  it('rejects bad arguments', () => {
    const idx = tf.tensor([0, 1], [2], 'int32');
    expect(() => tf.oneHot(idx, 0)).toThrow(RangeError);
    expect(() => tf.oneHot(idx, 0)).toThrow('oneHot: depth must be in [1, 2147483647], got 0');
    expect(() => tf.oneHot(idx, 2.5)).toThrow('oneHot: depth must be an integer, got 2.5');
    expect(() => tf.oneHot(tf.tensor([0, 1]), 2)).toThrow('oneHot: indices must be an int32 tensor, got float32');
    expect(() => tf.oneHot(idx, 2, 0.5)).toThrow('oneHot: onValue must be an int32 integer for an int32 result, got 0.5');
    expect(() => tf.oneHot(idx, 2, 1, NaN, 'float32')).toThrow(RangeError);
    expect(() => tf.oneHot(idx, 2, 1, 0, 'float64' as never)).toThrow("oneHot: unknown dtype 'float64'; valid values: float32, int32");
    expect(() => tf.oneHot(idx, 2, '1' as never)).toThrow("oneHot: onValue must be a number, got '1'");
    expect(() => tf.oneHot(idx, 2 ** 31, 1, 0)).toThrow(RangeError);
  });
});

describe('gather index arrays nested past any tensor rank', () => {
  it('an array that holds itself is a RangeError naming gather, not a stack overflow', () => {
    const cyclic: unknown[] = [0];
    cyclic.push(cyclic);
    expect(() => tf.gather(tf.tensor1d([1, 2, 3]), cyclic as never)).toThrow(/^gather: indices are nested more than 1024 levels deep/);
  });
});
