// UpSampling2D (nearest) through the generic layer harness (its input
// gradient, the sum over each block, through a Dense probe in front; against
// a float64 reference and TensorFlow.js), and its option and shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, Matrix, runLayerTest } from './harness';

/** Output (y, x) reads input (floor(y / sh), floor(x / sw)). */
function upRef(x: Matrix, input: number[], size: [number, number]): Matrix {
  const [H, W, C] = input;
  return x.map((row) => {
    const y: number[] = [];
    for (let oy = 0; oy < H * size[0]; oy++) {
      for (let ox = 0; ox < W * size[1]; ox++) {
        for (let c = 0; c < C; c++) y.push(row[(Math.floor(oy / size[0]) * W + Math.floor(ox / size[1])) * C + c]);
      }
    }
    return y;
  });
}

function upCase(input: number[], size?: number | [number, number]): LayerCase {
  const pair: [number, number] = size === undefined ? [2, 2] : typeof size === 'number' ? [size, size] : size;
  const args = size === undefined ? {} : { size };
  return {
    name: `UpSampling2D ${input.join('x')} size ${pair.join('x')}`,
    make: () => tf.layers.upSampling2d(args),
    inputShape: input,
    outputShape: [input[0] * pair[0], input[1] * pair[1], input[2]],
    weights: [],
    reference: (x) => upRef(x, input, pair),
    config: { size: pair, interpolation: 'nearest', dataFormat: 'channels_last' },
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.upSampling2d({ size: pair }),
  };
}

[upCase([2, 3, 2]), upCase([3, 1, 1], [1, 3]), upCase([1, 2, 3], 3)].forEach((c, i) => runLayerTest(c, 4200 + i));

describe('UpSampling2D options and shapes', () => {
  it('names layers as Keras and defaults to size [2, 2], nearest', () => {
    const l = tf.layers.upSampling2d();
    expect(l.name).toMatch(/^up_sampling2d(_\d+)?$/);
    expect([l.size, l.interpolation]).toEqual([[2, 2], 'nearest']);
    expect(l.computeOutputShape([3, 5, 4])).toEqual([6, 10, 4]);
  });

  it('refuses bad options and inputs, naming the function, the layer and the value', () => {
    expect(() => tf.layers.upSampling2d({ size: 0 })).toThrow(/^upSampling2d: size must hold positive integers up to 1048576, got 0$/);
    expect(() => tf.layers.upSampling2d({ interpolation: 'bilinear' as never })).toThrow(new RangeError("upSampling2d: interpolation 'bilinear' is not supported yet (only 'nearest')"));
    expect(() => tf.layers.upSampling2d({ interpolation: 'cubic' as never })).toThrow(/^upSampling2d: unknown interpolation 'cubic'/);
    expect(() => tf.layers.upSampling2d({ scale: 2 } as never)).toThrow(/upSampling2d: unknown option 'scale'/);
    expect(() => tf.layers.upSampling2d({ name: 'u1' }).computeOutputShape([4])).toThrow(/^upSampling2d: layer 'u1' expects per-sample input \[height, width, channels\], got \[4\]$/);
    expect(() => tf.layers.upSampling2d({ size: 2 ** 20, name: 'u2' }).computeOutputShape([32, 1, 1])).toThrow(/^upSampling2d: layer 'u2': output \[33554432,1048576,1\] of input \[32,1,1\] is too large/);
  });
});
