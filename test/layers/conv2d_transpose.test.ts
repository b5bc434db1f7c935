// Conv2DTranspose through the generic layer harness: 'valid' and 'same',
// strides below, equal to and above the kernel size, odd sizes, fused
// activations, a kernel regularizer; against a float64 reference written
// here (each input pixel scatters kernel-weighted copies into the output),
// central differences and TensorFlow.js with the same weights; and its
// option and shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { ActName, KINKS, activateRow } from '../training/reference';
import { LayerCase, Matrix, Weights, runLayerTest } from './harness';

interface TransposeOptions {
  input: number[];
  filters: number;
  kernelSize: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same';
  act?: ActName;
  l2?: number;
}

/** Output size and top / left padding (Keras's deconv_output_length; 'same' pads as the conv2d from the output back to the input). */
function geometry(o: TransposeOptions): { out: number[]; pad: number[] } {
  const s = o.strides ?? [1, 1];
  const out = [0, 1].map((k) => o.input[k] * s[k] + (o.padding === 'same' ? 0 : Math.max(o.kernelSize[k] - s[k], 0)));
  const pad = [0, 1].map((k) => (o.padding === 'same' ? Math.floor(Math.max((o.input[k] - 1) * s[k] + o.kernelSize[k] - out[k], 0) / 2) : 0));
  return { out, pad };
}

/** Before the activation: y[oy, ox, f] = bias[f] + sum over input pixels and taps landing there of x[iy, ix, c] * kernel[ky, kx, f, c]. */
function transposeRef(x: Matrix, w: Weights, o: TransposeOptions, act: ActName): Matrix {
  const [H, W, C] = o.input;
  const F = o.filters;
  const [kh, kw] = o.kernelSize;
  const s = o.strides ?? [1, 1];
  const { out, pad } = geometry(o);
  return x.map((row) => {
    const z = Array.from({ length: out[0] * out[1] * F }, (_, i) => w.bias[i % F]);
    for (let iy = 0; iy < H; iy++) {
      for (let ix = 0; ix < W; ix++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const oy = iy * s[0] - pad[0] + ky;
            const ox = ix * s[1] - pad[1] + kx;
            if (oy < 0 || oy >= out[0] || ox < 0 || ox >= out[1]) continue;
            for (let f = 0; f < F; f++) {
              for (let c = 0; c < C; c++) z[(oy * out[1] + ox) * F + f] += row[(iy * W + ix) * C + c] * w.kernel[((ky * kw + kx) * F + f) * C + c];
            }
          }
        }
      }
    }
    const y: number[] = [];
    for (let p = 0; p < out[0] * out[1]; p++) y.push(...activateRow(act, z.slice(p * F, (p + 1) * F)));
    return y;
  });
}

function transposeCase(o: TransposeOptions): LayerCase {
  const { out } = geometry(o);
  const act = o.act ?? 'linear';
  const kinks = KINKS[act] ?? [];
  const args = { filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, padding: o.padding };
  return {
    name: `Conv2DTranspose ${o.input.join('x')} kernel ${o.kernelSize.join('x')} strides ${(o.strides ?? [1, 1]).join('x')} ${o.padding ?? 'valid'} ${act}${o.l2 ? ` l2 ${o.l2}` : ''}`,
    make: () => tf.layers.conv2dTranspose({ ...args, activation: o.act, kernelRegularizer: o.l2 ? tf.regularizers.l2({ l2: o.l2 }) : undefined }),
    inputShape: o.input,
    outputShape: [out[0], out[1], o.filters],
    weights: [
      { name: 'kernel', shape: [o.kernelSize[0], o.kernelSize[1], o.filters, o.input[2]], trainable: true },
      { name: 'bias', shape: [o.filters], trainable: true },
    ],
    reference: (x, w) => transposeRef(x, w, o, act),
    kinkMargin: kinks.length ? (x, w) => Math.min(...transposeRef(x, w, o, 'linear').flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    penalty: o.l2 ? (w) => o.l2! * w.kernel.reduce((a, v) => a + v * v, 0) : undefined,
    config: { filters: o.filters, kernelSize: o.kernelSize, strides: o.strides ?? [1, 1], padding: o.padding ?? 'valid', dilationRate: [1, 1] },
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.conv2dTranspose({ ...args, activation: o.act as never }),
  };
}

const cases: LayerCase[] = [
  transposeCase({ input: [2, 3, 1], filters: 2, kernelSize: [3, 3], strides: [2, 2] }),
  transposeCase({ input: [3, 2, 1], filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'same', act: 'relu' }),
  transposeCase({ input: [2, 2, 2], filters: 2, kernelSize: [3, 2], padding: 'same', act: 'tanh', l2: 0.01 }),
  transposeCase({ input: [2, 3, 1], filters: 2, kernelSize: [1, 2], strides: [3, 3] }),
  transposeCase({ input: [3, 3, 2], filters: 1, kernelSize: [2, 2], strides: [3, 2], padding: 'same', act: 'sigmoid' }),
];
cases.forEach((c, i) => runLayerTest(c, 4600 + i));

describe('conv2dTranspose options and shapes', () => {
  it('names layers as Keras; output sizes as Keras computes them', () => {
    expect(tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3 }).name).toMatch(/^conv2d_transpose(_\d+)?$/);
    expect(tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2 }).computeOutputShape([7, 5, 3])).toEqual([15, 11, 4]);
    expect(tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([7, 5, 3])).toEqual([14, 10, 4]);
    expect(tf.layers.conv2dTranspose({ filters: 1, kernelSize: 1, strides: 3 }).computeOutputShape([2, 2, 1])).toEqual([6, 6, 1]);
  });

  it('refuses bad options and inputs, naming the function, the layer and the values', () => {
    expect(() => tf.layers.conv2dTranspose({ filters: 0, kernelSize: 3 })).toThrow(/^conv2dTranspose: filters must be in \[1, /);
    expect(() => tf.layers.conv2dTranspose({ filters: 2 } as never)).toThrow(/^conv2dTranspose: kernelSize is required/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: -1 })).toThrow(/^conv2dTranspose: kernelSize must hold positive integers/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 0 })).toThrow(/^conv2dTranspose: strides must hold positive integers/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, padding: 'causal' as never })).toThrow(/^conv2dTranspose: unknown padding 'causal'/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, dilationRate: 2 } as never)).toThrow(/^conv2dTranspose: unknown option 'dilationRate'/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, activation: 'swishy' as never })).toThrow(/^conv2dTranspose: unknown activation 'swishy'/);
    expect(() => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, name: 't1' }).computeOutputShape([4, 4])).toThrow(/^conv2dTranspose: layer 't1' expects per-sample input \[height, width, channels\], got \[4,4\]$/);
    expect(() => tf.layers.Conv2DTranspose.fromConfig({ filters: 2, kernelSize: [2, 2], dilationRate: [2, 2] })).toThrow(/^Conv2DTranspose\.fromConfig: dilationRate \[2,2\] is not supported/);
    expect(() => tf.layers.Conv2DTranspose.fromConfig({ filters: 2, kernelSize: [2, 2], outputPadding: [1, 1] })).toThrow(/^Conv2DTranspose\.fromConfig: outputPadding \[1,1\] is not supported/);
    expect(tf.layers.Conv2DTranspose.fromConfig({ filters: 2, kernelSize: [2, 2], dilationRate: [1, 1], outputPadding: null }).filters).toBe(2);
  });
});
