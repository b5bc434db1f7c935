// tf.conv2d, tf.maxPool and tf.avgPool against float64 references
// (test/layers/conv_reference.ts) and TensorFlow.js's ops on the same data:
// odd sizes, both paddings, strides, dilations, rank-3 and rank-4 inputs,
// batches larger than one native pass; and their argument checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Geometry, conv2dRef, pool2dRef } from '../layers/conv_reference';
import { expectClose } from '../layers/harness';
import { Rng } from '../training/reference';

const TOL = { rtol: 1e-5, atol: 2e-6 };

function rowsOf(x: Float32Array, n: number): number[][] {
  const per = x.length / n;
  return Array.from({ length: n }, (_, b) => Array.from(x.subarray(b * per, (b + 1) * per)));
}

describe('tf.conv2d', () => {
  const cases: { x: number[]; f: number[]; strides: [number, number]; pad: 'valid' | 'same'; dilations?: [number, number] }[] = [
    { x: [2, 5, 7, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'valid' },
    { x: [1, 6, 5, 2], f: [3, 2, 2, 3], strides: [2, 2], pad: 'same' },
    { x: [3, 7, 6, 2], f: [2, 2, 2, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
    { x: [40, 4, 4, 1], f: [1, 1, 1, 2], strides: [2, 1], pad: 'valid' },  // more samples than one native pass
  ];
  cases.forEach((c, i) => {
    it(`x ${c.x.join('x')} filter ${c.f.join('x')} strides ${c.strides} ${c.pad}${c.dilations ? ` dilations ${c.dilations}` : ''}: the float64 reference and TensorFlow.js`, () => {
      const rng = new Rng(900 + i);
      const x = rng.array(c.x.reduce((a, b) => a * b, 1), -1, 1);
      const f = rng.array(c.f.reduce((a, b) => a * b, 1), -1, 1);
      const out = tf.conv2d(tf.tensor(x, c.x), tf.tensor(f, c.f), c.strides, c.pad, 'NHWC', c.dilations);
      const g: Geometry = { input: c.x.slice(1), size: [c.f[0], c.f[1]], strides: c.strides, dilation: c.dilations ?? [1, 1], same: c.pad === 'same' };
      expectClose(out.values as Float32Array, conv2dRef(rowsOf(x, c.x[0]), g, f, null, c.f[3]).flat(), TOL, 'reference');
      const theirs = tfjs.conv2d(tfjs.tensor4d(x, c.x as never), tfjs.tensor4d(f, c.f as never), c.strides, c.pad, 'NHWC', c.dilations ?? 1);
      expect(out.shape).toEqual(theirs.shape);
      expectClose(out.values as Float32Array, theirs.dataSync(), TOL, 'TensorFlow.js');
    });
  });

  it('takes one image [h, w, c] and returns one', () => {
    const out = tf.conv2d(tf.ones([4, 4, 2]), tf.ones([3, 3, 2, 1]), 1, 'valid');
    expect(out.shape).toEqual([2, 2, 1]);
    expect(Array.from(out.values)).toEqual([18, 18, 18, 18]);
  });

  it('refuses bad arguments, naming the function and the value', () => {
    const x = tf.ones([1, 4, 4, 2]);
    const f = tf.ones([3, 3, 2, 1]);
    expect(() => tf.conv2d(tf.ones([4, 4]), f, 1, 'valid')).toThrow(/conv2d: x must be of rank 3 \[h, w, c\] or 4/);
    expect(() => tf.conv2d(x, tf.ones([3, 3, 3, 1]), 1, 'valid')).toThrow(/conv2d: filter \[3,3,3,1\] takes 3 input channels, x \[1,4,4,2\] has 2/);
    expect(() => tf.conv2d(x, tf.ones([3, 3, 2]), 1, 'valid')).toThrow(/conv2d: filter must be of rank 4/);
    expect(() => tf.conv2d(x, tf.ones([5, 5, 2, 1]), 1, 'valid')).toThrow(/conv2d: x: window \[5,5\] is larger than its input \[4,4,2\]/);
    expect(() => tf.conv2d(x, f, 0, 'valid')).toThrow(/conv2d: strides must hold positive integers/);
    expect(() => tf.conv2d(x, f, 2, 'valid', 'NHWC', 2)).toThrow(/conv2d: strides \[2,2\] and dilations \[2,2\]/);
    expect(() => tf.conv2d(x, f, 1, 'full' as never)).toThrow(/conv2d: unknown padding 'full'/);
    expect(() => tf.conv2d(x, f, 1, undefined as never)).toThrow(/conv2d: pad is required/);
    expect(() => tf.conv2d(x, f, 1, 'valid', 'NCHW' as never)).toThrow(/conv2d: unknown dataFormat 'NCHW'/);
    expect(() => tf.conv2d(x, f, 1, 'valid', 'NHWC', 1, 'round' as never)).toThrow(/conv2d: dimRoundingMode is not supported/);
    expect(() => tf.conv2d([1, 2] as never, f, 1, 'valid')).toThrow(TypeError);
  });
});

describe('tf.maxPool and tf.avgPool', () => {
  const cases: { x: number[]; size: [number, number]; strides: [number, number]; pad: 'valid' | 'same' }[] = [
    { x: [2, 5, 7, 3], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [1, 5, 6, 2], size: [3, 3], strides: [2, 2], pad: 'same' },
    { x: [3, 6, 5, 2], size: [2, 3], strides: [1, 2], pad: 'same' },
  ];
  for (const max of [true, false]) {
    cases.forEach((c, i) => {
      it(`${max ? 'maxPool' : 'avgPool'} x ${c.x.join('x')} window ${c.size} strides ${c.strides} ${c.pad}: the float64 reference and TensorFlow.js`, () => {
        const rng = new Rng(950 + i);
        const x = rng.array(c.x.reduce((a, b) => a * b, 1), -1, 1);
        const op = max ? tf.maxPool : tf.avgPool;
        const out = op(tf.tensor(x, c.x), c.size, c.strides, c.pad);
        const g: Geometry = { input: c.x.slice(1), size: c.size, strides: c.strides, dilation: [1, 1], same: c.pad === 'same' };
        expectClose(out.values as Float32Array, pool2dRef(rowsOf(x, c.x[0]), g, max).flat(), TOL, 'reference');
        const theirs = (max ? tfjs.maxPool : tfjs.avgPool)(tfjs.tensor4d(x, c.x as never), c.size, c.strides, c.pad);
        expect(out.shape).toEqual(theirs.shape);
        expectClose(out.values as Float32Array, theirs.dataSync(), TOL, 'TensorFlow.js');
      });
    });
  }

  it('refuses bad arguments, naming the function and the value', () => {
    const x = tf.ones([1, 4, 4, 2]);
    expect(() => tf.maxPool(x, 5, 1, 'valid')).toThrow(/maxPool: x: window \[5,5\] is larger than its input \[4,4,2\]/);
    expect(() => tf.avgPool(x, [2, 0], 1, 'valid')).toThrow(/avgPool: filterSize must hold positive integers/);
    expect(() => tf.avgPool(tf.ones([2, 2]), 2, 1, 'valid')).toThrow(/avgPool: x must be of rank 3/);
    expect(() => tf.maxPool(x, 2, 2, 'causal' as never)).toThrow(/maxPool: unknown padding 'causal'/);
    expect(() => tf.maxPool(tf.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32'), 2, 2, 'valid')).toThrow(/maxPool: x must be float32/);
  });
});
