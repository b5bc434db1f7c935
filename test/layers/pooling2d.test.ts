// MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D and
// GlobalMaxPooling2D through the generic layer harness (their input gradient
// through a Dense probe in front; odd sizes, both paddings, strides other
// than the pool size, batch shapes TensorFlow.js computes the same), Flatten
// of their N-D outputs, and their option and shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Geometry, placement, pool2dRef, poolMaxGap } from './conv_reference';
import { LayerCase, runLayerTest } from './harness';

interface PoolOptions {
  max: boolean;
  input: number[];
  poolSize: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same';
}

function poolCase(o: PoolOptions): LayerCase {
  const strides = o.strides ?? o.poolSize;
  const g: Geometry = { input: o.input, size: o.poolSize, strides, dilation: [1, 1], same: o.padding === 'same' };
  const { out } = placement(g);
  const args = { poolSize: o.poolSize, strides: o.strides, padding: o.padding };
  return {
    name: `${o.max ? 'MaxPooling2D' : 'AveragePooling2D'} ${o.input.join('x')} pool ${o.poolSize.join('x')} strides ${strides.join('x')} ${o.padding ?? 'valid'}`,
    make: () => (o.max ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args)),
    inputShape: o.input,
    outputShape: [out[0], out[1], o.input[2]],
    weights: [],
    reference: (x) => pool2dRef(x, g, o.max),
    // Max pooling's kink: a window's two largest values swapping.
    kinkMargin: o.max ? (x) => poolMaxGap(x, g) / 2 : undefined,
    config: { poolSize: o.poolSize, strides, padding: o.padding ?? 'valid', dataFormat: 'channels_last' },
    probe: true,
    tail: true,
    tfjs: () => (o.max ? tfjs.layers.maxPooling2d(args) : tfjs.layers.averagePooling2d(args)),
  };
}

function globalCase(max: boolean, input: number[]): LayerCase {
  const P = input[0] * input[1];
  const C = input[2];
  return {
    name: `${max ? 'GlobalMaxPooling2D' : 'GlobalAveragePooling2D'} ${input.join('x')}`,
    make: () => (max ? tf.layers.globalMaxPooling2d() : tf.layers.globalAveragePooling2d()),
    inputShape: input,
    outputShape: [C],
    weights: [],
    reference: (x) => x.map((row) => Array.from({ length: C }, (_, c) => {
      const v = Array.from({ length: P }, (_, p) => row[p * C + c]);
      return max ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / P;
    })),
    kinkMargin: max ? (x) => Math.min(...x.flatMap((row) => Array.from({ length: C }, (_, c) => {
      const v = Array.from({ length: P }, (_, p) => row[p * C + c]).sort((a, b) => b - a);
      return (v[0] - v[1]) / 2;
    }))) : undefined,
    config: { dataFormat: 'channels_last' },
    probe: true,
    tfjs: () => (max ? tfjs.layers.globalMaxPooling2d({}) : tfjs.layers.globalAveragePooling2d({})),
  };
}

const cases: LayerCase[] = [
  poolCase({ max: true, input: [5, 4, 2], poolSize: [2, 2] }),
  poolCase({ max: true, input: [5, 5, 2], poolSize: [3, 2], strides: [2, 1], padding: 'same' }),
  // Windows that tile the input (the tiled max passes): leftover rows and columns, and 'same' without padding.
  poolCase({ max: true, input: [7, 5, 3], poolSize: [3, 2] }),
  poolCase({ max: true, input: [4, 6, 2], poolSize: [2, 3], padding: 'same' }),
  poolCase({ max: false, input: [5, 4, 2], poolSize: [2, 2] }),
  poolCase({ max: false, input: [5, 5, 1], poolSize: [3, 3], strides: [2, 2], padding: 'same' }),
  poolCase({ max: false, input: [4, 5, 2], poolSize: [2, 3], strides: [1, 2], padding: 'same' }),
  globalCase(true, [3, 4, 2]),
  globalCase(false, [3, 4, 2]),
  globalCase(false, [1, 1, 3]),
];
cases.forEach((c, i) => runLayerTest(c, 1850 + i));

describe('2-D pooling options and shapes', () => {
  it('names layers as Keras, strides default to the pool size, and one number serves both axes', () => {
    const l = tf.layers.maxPooling2d({ poolSize: 3 });
    expect(l.name).toMatch(/^max_pooling2d(_\d+)?$/);
    expect(tf.layers.globalAveragePooling2d().name).toMatch(/^global_average_pooling2d(_\d+)?$/);
    expect(l.strides).toEqual([3, 3]);
    expect(l.computeOutputShape([7, 9, 2])).toEqual([2, 3, 2]);
    expect(tf.layers.averagePooling2d().poolSize).toEqual([2, 2]);
    expect(tf.layers.averagePooling2d({ padding: 'same' }).computeOutputShape([7, 9, 2])).toEqual([4, 5, 2]);
  });

  it('refuses bad options and inputs, naming the function, the layer and the shapes', () => {
    expect(() => tf.layers.maxPooling2d({ poolSize: 0 })).toThrow(/maxPooling2d: poolSize must hold positive integers/);
    expect(() => tf.layers.averagePooling2d({ strides: [1, 2, 3] as never })).toThrow(/averagePooling2d: strides must be a positive integer or an array/);
    expect(() => tf.layers.maxPooling2d({ padding: 'full' as never })).toThrow(/maxPooling2d: unknown padding 'full'/);
    expect(() => tf.layers.maxPooling2d({ pool: 2 } as never)).toThrow(/maxPooling2d: unknown option 'pool'/);
    expect(() => tf.layers.globalMaxPooling2d({ dataFormat: 'channelsFirst' as never })).toThrow(/globalMaxPooling2d: dataFormat 'channelsFirst'/);
    const big = tf.layers.maxPooling2d({ poolSize: 4, name: 'p1' });
    expect(() => big.computeOutputShape([3, 8, 1])).toThrow(/maxPooling2d: layer 'p1': window \[4,4\] is larger than its input \[3,8,1\]/);
    expect(() => tf.layers.globalAveragePooling2d({ name: 'g1' }).computeOutputShape([4, 4])).toThrow(/globalAveragePooling2d: layer 'g1' expects per-sample input/);
    expect(() => tf.layers.GlobalMaxPooling2D.fromConfig({ keepdims: true })).toThrow(/keepdims true is not supported/);
  });

  it('flattens N-D outputs for a Dense head (Flatten of [h, w, c])', () => {
    const m = tf.sequential({ layers: [tf.layers.averagePooling2d({ inputShape: [4, 4, 3] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    m.build([4, 4, 3]);
    expect(m.layers[1].computeOutputShape([2, 2, 3])).toEqual([12]);
    expect(m.predict(tf.tensor(new Float32Array(2 * 48).fill(1), [2, 4, 4, 3])).shape).toEqual([2, 2]);
  });
});
