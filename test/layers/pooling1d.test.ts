// MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and
// GlobalMaxPooling1D through the generic layer harness (their input gradient
// through a Dense probe in front; odd lengths, both paddings, strides other
// than the pool size; against float64 references and TensorFlow.js), and
// their option and shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Geometry, placement, pool2dRef, poolMaxGap } from './conv_reference';
import { LayerCase, runLayerTest } from './harness';

interface PoolOptions {
  max: boolean;
  steps: number;
  channels: number;
  poolSize?: number;
  strides?: number;
  padding?: 'valid' | 'same';
}

function poolCase(o: PoolOptions): LayerCase {
  const size = o.poolSize ?? 2;
  const strides = o.strides ?? size;
  // A 1-D pooling is the 2-D one over a single row of pixels.
  const g: Geometry = { input: [1, o.steps, o.channels], size: [1, size], strides: [1, strides], dilation: [1, 1], same: o.padding === 'same' };
  const args = { poolSize: o.poolSize, strides: o.strides, padding: o.padding };
  return {
    name: `${o.max ? 'MaxPooling1D' : 'AveragePooling1D'} ${o.steps}x${o.channels} pool ${size} strides ${strides} ${o.padding ?? 'valid'}`,
    make: () => (o.max ? tf.layers.maxPooling1d(args) : tf.layers.averagePooling1d(args)),
    inputShape: [o.steps, o.channels],
    outputShape: [placement(g).out[1], o.channels],
    weights: [],
    reference: (x) => pool2dRef(x, g, o.max),
    kinkMargin: o.max ? (x) => poolMaxGap(x, g) / 2 : undefined,
    config: { poolSize: [size], strides: [strides], padding: o.padding ?? 'valid', dataFormat: 'channels_last' },
    probe: true,
    tail: true,
    tfjs: () => (o.max ? tfjs.layers.maxPooling1d({ poolSize: size, strides, padding: o.padding }) : tfjs.layers.averagePooling1d({ poolSize: size, strides, padding: o.padding })),
  };
}

function globalCase(max: boolean, steps: number, channels: number): LayerCase {
  return {
    name: `${max ? 'GlobalMaxPooling1D' : 'GlobalAveragePooling1D'} ${steps}x${channels}`,
    make: () => (max ? tf.layers.globalMaxPooling1d() : tf.layers.globalAveragePooling1d()),
    inputShape: [steps, channels],
    outputShape: [channels],
    weights: [],
    reference: (x) => x.map((row) => Array.from({ length: channels }, (_, c) => {
      const v = Array.from({ length: steps }, (_, t) => row[t * channels + c]);
      return max ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / steps;
    })),
    kinkMargin: max ? (x) => Math.min(...x.flatMap((row) => Array.from({ length: channels }, (_, c) => {
      const v = Array.from({ length: steps }, (_, t) => row[t * channels + c]).sort((a, b) => b - a);
      return (v[0] - v[1]) / 2;
    }))) : undefined,
    config: { dataFormat: 'channels_last' },
    probe: true,
    tfjs: () => (max ? tfjs.layers.globalMaxPooling1d({}) : tfjs.layers.globalAveragePooling1d({})),
  };
}

const cases: LayerCase[] = [
  poolCase({ max: true, steps: 7, channels: 2 }),
  poolCase({ max: true, steps: 7, channels: 2, poolSize: 3, strides: 2, padding: 'same' }),
  poolCase({ max: false, steps: 5, channels: 3, poolSize: 2, strides: 1 }),
  poolCase({ max: false, steps: 7, channels: 1, poolSize: 3, strides: 2, padding: 'same' }),
  globalCase(true, 5, 3),
  globalCase(false, 4, 2),
];
cases.forEach((c, i) => runLayerTest(c, 4400 + i));

describe('1-D pooling options and shapes', () => {
  it('names layers as Keras; poolSize defaults to 2 and strides to the pool size; n and [n] are the same', () => {
    const l = tf.layers.maxPooling1d();
    expect(l.name).toMatch(/^max_pooling1d(_\d+)?$/);
    expect(tf.layers.globalAveragePooling1d().name).toMatch(/^global_average_pooling1d(_\d+)?$/);
    expect([l.poolSize, l.strides]).toEqual([2, 2]);
    expect(tf.layers.averagePooling1d({ poolSize: [3] }).computeOutputShape([10, 4])).toEqual([3, 4]);
    expect(tf.layers.averagePooling1d({ poolSize: 3, padding: 'same' }).computeOutputShape([10, 4])).toEqual([4, 4]);
    expect(tf.layers.globalMaxPooling1d().computeOutputShape([10, 4])).toEqual([4]);
  });

  it('refuses bad options and inputs, naming the function, the layer and the shapes', () => {
    expect(() => tf.layers.maxPooling1d({ poolSize: 0 })).toThrow(/^maxPooling1d: poolSize must be in \[1, /);
    expect(() => tf.layers.averagePooling1d({ strides: [1, 2] as never })).toThrow(/^averagePooling1d: strides must be a positive integer or an array \[n\]/);
    expect(() => tf.layers.maxPooling1d({ padding: 'causal' as never })).toThrow(/maxPooling1d: unknown padding 'causal'/);
    expect(() => tf.layers.maxPooling1d({ pool: 2 } as never)).toThrow(/maxPooling1d: unknown option 'pool'/);
    expect(() => tf.layers.maxPooling1d({ poolSize: 4, name: 'p1' }).computeOutputShape([3, 2])).toThrow(/^maxPooling1d: layer 'p1': window \[1,4\] is larger than its input \[1,3,2\]/);
    expect(() => tf.layers.maxPooling1d({ name: 'p2' }).computeOutputShape([3, 3, 2])).toThrow(/^maxPooling1d: layer 'p2' expects per-sample input \[steps, channels\], got \[3,3,2\]$/);
    expect(() => tf.layers.globalMaxPooling1d({ name: 'g1' }).computeOutputShape([4, 4, 1])).toThrow(/^globalMaxPooling1d: layer 'g1' expects per-sample input \[steps, channels\]/);
    expect(() => tf.layers.GlobalAveragePooling1D.fromConfig({ keepdims: true })).toThrow(/keepdims true is not supported/);
  });

  it('runs after a conv1d on sequences, with a Dense head', () => {
    const m = tf.sequential({ layers: [tf.layers.conv1d({ filters: 3, kernelSize: 2, inputShape: [9, 2] }), tf.layers.maxPooling1d(), tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: 2 })] });
    expect(m.predict(tf.ones([4, 9, 2])).shape).toEqual([4, 2]);
  });
});
