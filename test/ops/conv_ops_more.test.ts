// tf.depthwiseConv2d and tf.conv1d against float64 references
// (test/layers/conv_reference.ts) and TensorFlow.js's ops on the same data:
// odd sizes, both paddings, strides, dilations, channel multipliers, batched
// and single inputs, batches larger than one native pass; and their argument
// checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Geometry, conv2dRef, depthwiseConvRef } from '../layers/conv_reference';
import { expectClose } from '../layers/harness';
import { Rng } from '../training/reference';

const TOL = { rtol: 1e-5, atol: 2e-6 };
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function rowsOf(x: Float32Array, n: number): number[][] {
  const per = x.length / n;
  return Array.from({ length: n }, (_, b) => Array.from(x.subarray(b * per, (b + 1) * per)));
}

describe('tf.depthwiseConv2d', () => {
  const cases: { x: number[]; f: number[]; strides: [number, number]; pad: 'valid' | 'same'; dilations?: [number, number] }[] = [
    { x: [2, 5, 6, 3], f: [3, 3, 3, 1], strides: [1, 1], pad: 'valid' },
    { x: [1, 6, 5, 2], f: [3, 2, 2, 2], strides: [2, 2], pad: 'same' },
    { x: [3, 7, 6, 2], f: [2, 2, 2, 3], strides: [1, 1], pad: 'same', dilations: [2, 2] },
    { x: [40, 3, 3, 1], f: [2, 2, 1, 2], strides: [1, 2], pad: 'valid' },  // more samples than one native pass
  ];
  cases.forEach((c, i) => {
    it(`x ${c.x.join('x')} filter ${c.f.join('x')} strides ${c.strides} ${c.pad}${c.dilations ? ` dilations ${c.dilations}` : ''}: the float64 reference and TensorFlow.js`, () => {
      const rng = new Rng(950 + i);
      const x = rng.array(size(c.x), -1, 1);
      const f = rng.array(size(c.f), -1, 1);
      const out = tf.depthwiseConv2d(tf.tensor(x, c.x), tf.tensor(f, c.f), c.strides, c.pad, 'NHWC', c.dilations);
      const g: Geometry = { input: c.x.slice(1), size: [c.f[0], c.f[1]], strides: c.strides, dilation: c.dilations ?? [1, 1], same: c.pad === 'same' };
      expectClose(out.values as Float32Array, depthwiseConvRef(rowsOf(x, c.x[0]), g, f, null, c.f[3]).flat(), TOL, 'reference');
      const theirs = tfjs.depthwiseConv2d(tfjs.tensor4d(x, c.x as never), tfjs.tensor4d(f, c.f as never), c.strides, c.pad, 'NHWC', c.dilations ?? 1);
      expect(out.shape).toEqual(theirs.shape);
      expectClose(out.values as Float32Array, theirs.dataSync(), TOL, 'TensorFlow.js');
    });
  });

  it('takes one image [h, w, c] and returns one', () => {
    const out = tf.depthwiseConv2d(tf.ones([4, 4, 2]), tf.ones([3, 3, 2, 2]), 1, 'valid');
    expect(out.shape).toEqual([2, 2, 4]);
    expect(Array.from(out.values as Float32Array).every((v) => v === 9)).toBe(true);
  });

  it('refuses bad arguments, naming the function and the values', () => {
    const x = tf.ones([1, 4, 4, 2]);
    expect(() => tf.depthwiseConv2d(x, tf.ones([3, 3, 3, 1]), 1, 'valid')).toThrow(new RangeError('depthwiseConv2d: filter [3,3,3,1] takes 3 input channels, x [1,4,4,2] has 2'));
    expect(() => tf.depthwiseConv2d(x, tf.ones([3, 3, 2]), 1, 'valid')).toThrow(/^depthwiseConv2d: filter must be of rank 4 \[h, w, inChannels, channelMultiplier\]/);
    expect(() => tf.depthwiseConv2d(x, tf.ones([5, 5, 2, 1]), 1, 'valid')).toThrow(/^depthwiseConv2d: x: window \[5,5\] is larger than its input \[4,4,2\]/);
    expect(() => tf.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 2, 'valid', 'NHWC', 2)).toThrow(/^depthwiseConv2d: strides \[2,2\] and dilations \[2,2\] cannot both be above 1/);
    expect(() => tf.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 0, 'valid')).toThrow(/^depthwiseConv2d: strides must hold positive integers/);
    expect(() => tf.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 1, 'full' as never)).toThrow(/^depthwiseConv2d: unknown padding 'full'/);
    expect(() => tf.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 1, undefined as never)).toThrow(TypeError);
    expect(() => tf.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 1, 'valid', 'NCHW' as never)).toThrow(/^depthwiseConv2d: unknown dataFormat 'NCHW'/);
    expect(() => tf.depthwiseConv2d(tf.ones([4, 4]), tf.ones([2, 2, 2, 1]), 1, 'valid')).toThrow(/^depthwiseConv2d: x must be of rank 3/);
    expect(() => tf.depthwiseConv2d(null as never, tf.ones([2, 2, 2, 1]), 1, 'valid')).toThrow(TypeError);
  });
});

describe('tf.conv1d', () => {
  const cases: { x: number[]; f: number[]; stride: number; pad: 'valid' | 'same'; dilation?: number }[] = [
    { x: [2, 9, 3], f: [3, 3, 4], stride: 1, pad: 'valid' },
    { x: [1, 8, 2], f: [4, 2, 3], stride: 3, pad: 'same' },
    { x: [3, 10, 2], f: [3, 2, 2], stride: 1, pad: 'same', dilation: 2 },
    { x: [40, 5, 1], f: [2, 1, 2], stride: 2, pad: 'valid' },  // more samples than one native pass
  ];
  cases.forEach((c, i) => {
    it(`x ${c.x.join('x')} filter ${c.f.join('x')} stride ${c.stride} ${c.pad}${c.dilation ? ` dilation ${c.dilation}` : ''}: the float64 reference and TensorFlow.js`, () => {
      const rng = new Rng(970 + i);
      const x = rng.array(size(c.x), -1, 1);
      const f = rng.array(size(c.f), -1, 1);
      const out = tf.conv1d(tf.tensor(x, c.x), tf.tensor(f, c.f), c.stride, c.pad, 'NWC', c.dilation);
      // A [width, c] sequence is a [1, width, c] image under a [1, k] window.
      const g: Geometry = { input: [1, c.x[1], c.x[2]], size: [1, c.f[0]], strides: [1, c.stride], dilation: [1, c.dilation ?? 1], same: c.pad === 'same' };
      expectClose(out.values as Float32Array, conv2dRef(rowsOf(x, c.x[0]), g, f, null, c.f[2]).flat(), TOL, 'reference');
      const theirs = tfjs.conv1d(tfjs.tensor3d(x, c.x as never), tfjs.tensor3d(f, c.f as never), c.stride, c.pad, 'NWC', c.dilation ?? 1);
      expect(out.shape).toEqual(theirs.shape);
      expectClose(out.values as Float32Array, theirs.dataSync(), TOL, 'TensorFlow.js');
    });
  });

  it('takes one sequence [width, c] and returns one', () => {
    const out = tf.conv1d(tf.ones([5, 2]), tf.ones([3, 2, 4]), 1, 'valid');
    expect(out.shape).toEqual([3, 4]);
    expect(Array.from(out.values as Float32Array).every((v) => v === 6)).toBe(true);
  });

  it('refuses bad arguments, naming the function and the values', () => {
    const x = tf.ones([1, 6, 2]);
    expect(() => tf.conv1d(x, tf.ones([3, 3, 1]), 1, 'valid')).toThrow(new RangeError('conv1d: filter [3,3,1] takes 3 input channels, x [1,6,2] has 2'));
    expect(() => tf.conv1d(x, tf.ones([3, 2, 1, 1]), 1, 'valid')).toThrow(/^conv1d: filter must be of rank 3 \[width, inChannels, outChannels\]/);
    expect(() => tf.conv1d(x, tf.ones([7, 2, 1]), 1, 'valid')).toThrow(/^conv1d: x: window \[1,7\] is larger than its input \[1,6,2\]/);
    expect(() => tf.conv1d(x, tf.ones([2, 2, 1]), 2, 'valid', 'NWC', 2)).toThrow(new RangeError('conv1d: stride 2 and dilation 2 cannot both be above 1'));
    expect(() => tf.conv1d(x, tf.ones([2, 2, 1]), 0, 'valid')).toThrow(/^conv1d: stride must be in \[1, /);
    expect(() => tf.conv1d(x, tf.ones([2, 2, 1]), 1, 'causal' as never)).toThrow(/^conv1d: unknown padding 'causal'/);
    expect(() => tf.conv1d(x, tf.ones([2, 2, 1]), 1, 'valid', 'NCW' as never)).toThrow(/^conv1d: unknown dataFormat 'NCW'/);
    expect(() => tf.conv1d(tf.ones([1, 2, 6, 2]), tf.ones([2, 2, 1]), 1, 'valid')).toThrow(/^conv1d: x must be of rank 2 \[width, c\] or 3 \[batch, width, c\], got shape \[1,2,6,2\]$/);
    expect(() => tf.conv1d(tf.tensor([1, 2], [1, 2], 'int32'), tf.ones([1, 2, 1]), 1, 'valid')).toThrow(/^conv1d: x must be float32, got int32$/);
    expect(() => tf.conv1d(x, 'f' as never, 1, 'valid')).toThrow(TypeError);
  });
});
