// SeparableConv2D through the generic layer harness: depth multipliers 1 and
// 2, both paddings, strides, dilation, fused activations, both kernel
// regularizers; against a float64 reference (the depthwise convolution of
// conv_reference.ts, then a 1x1 product and the bias), central differences
// and TensorFlow.js with the same weights; and its option checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { ActName, KINKS, activateRow } from '../training/reference';
import { Geometry, depthwiseConvRef, placement } from './conv_reference';
import { LayerCase, Matrix, Weights, runLayerTest } from './harness';

interface SeparableOptions {
  input: number[];
  filters: number;
  kernelSize: [number, number];
  depthMultiplier?: number;
  strides?: [number, number];
  dilationRate?: [number, number];
  padding?: 'valid' | 'same';
  act?: ActName;
  l2?: [number, number];
}

/** Before the activation: the depthwise output per pixel times the pointwise kernel [cm, filters], plus the bias. */
function separableRef(x: Matrix, w: Weights, g: Geometry, M: number, F: number, act: ActName): Matrix {
  const CM = g.input[2] * M;
  return depthwiseConvRef(x, g, w.depthwise_kernel, null, M).map((d) => {
    const y: number[] = [];
    for (let p = 0; p < d.length / CM; p++) {
      const z = Array.from({ length: F }, (_, f) => {
        let s = w.bias[f];
        for (let j = 0; j < CM; j++) s += d[p * CM + j] * w.pointwise_kernel[j * F + f];
        return s;
      });
      y.push(...activateRow(act, z));
    }
    return y;
  });
}

function separableCase(o: SeparableOptions): LayerCase {
  const g: Geometry = { input: o.input, size: o.kernelSize, strides: o.strides ?? [1, 1], dilation: o.dilationRate ?? [1, 1], same: o.padding === 'same' };
  const M = o.depthMultiplier ?? 1;
  const { out } = placement(g);
  const act = o.act ?? 'linear';
  const kinks = KINKS[act] ?? [];
  const args = { filters: o.filters, kernelSize: o.kernelSize, depthMultiplier: o.depthMultiplier, strides: o.strides, dilationRate: o.dilationRate, padding: o.padding };
  const sq = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b * b, 0);
  return {
    name: `SeparableConv2D ${o.input.join('x')} kernel ${o.kernelSize.join('x')} multiplier ${M} strides ${g.strides.join('x')} dilation ${g.dilation.join('x')} ${o.padding ?? 'valid'} ${act}${o.l2 ? ' l2' : ''}`,
    make: () => tf.layers.separableConv2d({
      ...args, activation: o.act,
      depthwiseRegularizer: o.l2 ? tf.regularizers.l2({ l2: o.l2[0] }) : undefined, pointwiseRegularizer: o.l2 ? tf.regularizers.l2({ l2: o.l2[1] }) : undefined,
    }),
    inputShape: o.input,
    outputShape: [out[0], out[1], o.filters],
    weights: [
      { name: 'depthwise_kernel', shape: [o.kernelSize[0], o.kernelSize[1], o.input[2], M], trainable: true },
      { name: 'pointwise_kernel', shape: [1, 1, o.input[2] * M, o.filters], trainable: true },
      { name: 'bias', shape: [o.filters], trainable: true },
    ],
    reference: (x, w) => separableRef(x, w, g, M, o.filters, act),
    kinkMargin: kinks.length ? (x, w) => Math.min(...separableRef(x, w, g, M, o.filters, 'linear').flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    penalty: o.l2 ? (w) => o.l2![0] * sq(w.depthwise_kernel) + o.l2![1] * sq(w.pointwise_kernel) : undefined,
    // The two kernels are drawn as a Dense kernel is (±[0.05, 1)).
    drawWeight: (name, n, rng) => (name.endsWith('kernel') ? rng.array(n, -1, 1, 0.05) : rng.array(n, -0.5, 0.5)),
    config: { filters: o.filters, kernelSize: o.kernelSize, depthMultiplier: M, strides: g.strides, dilationRate: g.dilation, padding: o.padding ?? 'valid' },
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.separableConv2d({ ...args, activation: o.act as never }),
  };
}

const cases: LayerCase[] = [
  separableCase({ input: [4, 4, 2], filters: 3, kernelSize: [3, 3] }),
  separableCase({ input: [5, 4, 2], filters: 2, kernelSize: [3, 2], depthMultiplier: 2, strides: [2, 2], padding: 'same', act: 'relu' }),
  separableCase({ input: [5, 5, 1], filters: 2, kernelSize: [2, 2], dilationRate: [2, 2], act: 'tanh', l2: [0.01, 0.02] }),
  separableCase({ input: [3, 4, 3], filters: 1, kernelSize: [1, 3], depthMultiplier: 2, padding: 'same', act: 'sigmoid' }),
];
cases.forEach((c, i) => runLayerTest(c, 4700 + i));

describe('separableConv2d options and shapes', () => {
  it('names layers as Keras and writes both kernels in its config', () => {
    const l = tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthwiseRegularizer: 'l2' });
    expect(l.name).toMatch(/^separable_conv2d(_\d+)?$/);
    expect(l.computeOutputShape([7, 7, 3])).toEqual([5, 5, 4]);
    const c = l.getConfig();
    expect(c.depthwiseInitializer).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(c.pointwiseInitializer).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(c.depthwiseRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(c.pointwiseRegularizer).toBeNull();
  });

  it('refuses bad options and inputs, naming the function, the layer and the values', () => {
    expect(() => tf.layers.separableConv2d({ filters: 0, kernelSize: 3 })).toThrow(/^separableConv2d: filters must be in \[1, /);
    expect(() => tf.layers.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 0 })).toThrow(/^separableConv2d: depthMultiplier must be in \[1, /);
    expect(() => tf.layers.separableConv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/^separableConv2d: strides \[2,2\] and dilationRate \[2,2\] cannot both be above 1/);
    expect(() => tf.layers.separableConv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'zeros' } as never)).toThrow(/^separableConv2d: unknown option 'kernelInitializer'/);
    expect(() => tf.layers.separableConv2d({ filters: 2, kernelSize: 3, pointwiseRegularizer: 'l3' as never })).toThrow(/^separableConv2d: /);
    const l = tf.layers.separableConv2d({ filters: 2, kernelSize: 4, name: 's1' });
    expect(() => l.computeOutputShape([3, 8, 1])).toThrow(/^separableConv2d: layer 's1': window \[4,4\] is larger than its input \[3,8,1\] under 'valid' padding$/);
    expect(() => l.computeOutputShape([8, 8])).toThrow(/^separableConv2d: layer 's1' expects per-sample input \[height, width, channels\]/);
  });
});
