// DepthwiseConv2D through the generic layer harness: depth multipliers 1
// and 2, both paddings, strides, dilation, a fused activation, against a
// float64 reference written here and TensorFlow.js with the same weights;
// and its option checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { ActName, KINKS, Rng, activateRow } from '../training/reference';
import { Geometry, depthwiseConvRef, placement } from './conv_reference';
import { LayerCase, Matrix, Weights, expectClose, runLayerTest } from './harness';

interface DepthwiseOptions {
  input: number[];
  kernelSize: [number, number];
  depthMultiplier?: number;
  strides?: [number, number];
  dilationRate?: [number, number];
  padding?: 'valid' | 'same';
  act?: ActName;
}

/** TensorFlow's depthwise convolution in float64 (conv_reference.ts), with the layer's weights. */
function depthwiseRef(x: Matrix, w: Weights, g: Geometry, M: number): Matrix {
  return depthwiseConvRef(x, g, w.depthwise_kernel, w.bias, M);
}

function depthwiseCase(o: DepthwiseOptions): LayerCase {
  const g: Geometry = { input: o.input, size: o.kernelSize, strides: o.strides ?? [1, 1], dilation: o.dilationRate ?? [1, 1], same: o.padding === 'same' };
  const M = o.depthMultiplier ?? 1;
  const { out } = placement(g);
  const CM = o.input[2] * M;
  const act = o.act ?? 'linear';
  const activate = (rows: Matrix) => rows.map((r) => Array.from({ length: r.length / CM }, (_, p) => activateRow(act, r.slice(p * CM, (p + 1) * CM))).flat());
  const kinks = KINKS[act] ?? [];
  const args = { kernelSize: o.kernelSize, depthMultiplier: o.depthMultiplier, strides: o.strides, dilationRate: o.dilationRate, padding: o.padding };
  return {
    name: `DepthwiseConv2D ${o.input.join('x')} kernel ${o.kernelSize.join('x')} multiplier ${M} strides ${g.strides.join('x')} dilation ${g.dilation.join('x')} ${o.padding ?? 'valid'} ${act}`,
    make: () => tf.layers.depthwiseConv2d({ ...args, activation: act }),
    inputShape: o.input,
    outputShape: [out[0], out[1], CM],
    weights: [
      { name: 'depthwise_kernel', shape: [o.kernelSize[0], o.kernelSize[1], o.input[2], M], trainable: true },
      { name: 'bias', shape: [CM], trainable: true },
    ],
    reference: (x, w) => activate(depthwiseRef(x, w, g, M)),
    kinkMargin: kinks.length ? (x, w) => Math.min(...depthwiseRef(x, w, g, M).flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    drawWeight: (name, n, rng) => (name === 'depthwise_kernel' ? rng.array(n, -1, 1, 0.05) : rng.array(n, -0.5, 0.5)),
    config: { kernelSize: o.kernelSize, depthMultiplier: M, padding: o.padding ?? 'valid', dataFormat: 'channels_last' },
    probe: true,
    tail: true,
    // TensorFlow.js's DepthwiseConv2D layer drops dilationRate (it calls its op with null dilations):
    // dilated cases are compared with its depthwiseConv2d op below instead.
    tfjs: g.dilation.some((d) => d > 1) ? undefined : () => tfjs.layers.depthwiseConv2d({ ...args, activation: act as never }),
  };
}

const cases: LayerCase[] = [
  depthwiseCase({ input: [5, 4, 3], kernelSize: [3, 3], act: 'relu' }),
  depthwiseCase({ input: [5, 5, 2], kernelSize: [3, 2], depthMultiplier: 2, strides: [2, 2], padding: 'same', act: 'tanh' }),
  depthwiseCase({ input: [4, 5, 2], kernelSize: [2, 2], depthMultiplier: 3, padding: 'same' }),
  depthwiseCase({ input: [5, 4, 2], kernelSize: [2, 2], dilationRate: [2, 1], padding: 'same' }),
];
cases.forEach((c, i) => runLayerTest(c, 1950 + i));

describe('depthwiseConv2d options and shapes', () => {
  it("dilated: the same outputs as TensorFlow.js's depthwiseConv2d op with the same weights", () => {
    for (const [dilation, padding] of [[[2, 1], 'same'], [[2, 2], 'valid']] as const) {
      const layer = tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, dilationRate: [...dilation], padding });
      // A model's output is flat: compared flattened (row-major, the same order).
      const model = tf.sequential({ layers: [layer, tf.layers.flatten()] });
      model.build([6, 5, 2]);
      const rng = new Rng(31);
      const kernel = rng.array(2 * 2 * 2 * 2, -1, 1);
      const bias = rng.array(4, -0.5, 0.5);
      layer.setWeights([tf.tensor(kernel, [2, 2, 2, 2]), tf.tensor(bias, [4])]);
      const x = rng.array(3 * 6 * 5 * 2, -1, 1);
      const theirs = tfjs.add(tfjs.depthwiseConv2d(tfjs.tensor4d(x, [3, 6, 5, 2]), tfjs.tensor4d(kernel, [2, 2, 2, 2]), 1, padding, 'NHWC', [...dilation] as [number, number]), tfjs.tensor1d(bias));
      const ours = model.predict(tf.tensor(x, [3, 6, 5, 2]));
      expect(ours.shape).toEqual([3, theirs.size / 3]);
      expectClose(ours.values as Float32Array, theirs.dataSync(), { rtol: 1e-5, atol: 2e-6 }, `dilation ${dilation} ${padding}`);
    }
  });

  it('names layers as Keras and refuses bad options and inputs, naming the function, the layer and the values', () => {
    expect(tf.layers.depthwiseConv2d({ kernelSize: 3 }).name).toMatch(/^depthwise_conv2d(_\d+)?$/);
    expect(() => tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 })).toThrow(/depthwiseConv2d: depthMultiplier must be in \[1/);
    expect(() => tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/depthwiseConv2d: strides \[2,2\] and dilationRate \[2,2\]/);
    expect(() => tf.layers.depthwiseConv2d({ kernelSize: 3, kernelInitializer: 'zeros' } as never)).toThrow(/depthwiseConv2d: unknown option 'kernelInitializer'/);
    const l = tf.layers.depthwiseConv2d({ kernelSize: 4, name: 'd1' });
    expect(() => l.computeOutputShape([3, 5, 2])).toThrow(/depthwiseConv2d: layer 'd1': window \[4,4\] is larger than its input \[3,5,2\]/);
    expect(() => l.computeOutputShape([5, 5])).toThrow(/depthwiseConv2d: layer 'd1' expects per-sample input \[height, width, channels\]/);
    expect(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }).computeOutputShape([5, 5, 3])).toEqual([5, 5, 6]);
  });
});
