// ZeroPadding2D and Cropping2D through the generic layer harness (their input
// gradient through a Dense probe in front; every margin form, odd sizes,
// against a float64 reference and TensorFlow.js), and their option and shape
// checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, Matrix, runLayerTest } from './harness';

type Margins = [[number, number], [number, number]];

/** The inner [h, w] rectangle of an outer image at (top, left), per row of x: embedded in zeros (pad) or extracted (crop). */
function borderRef(x: Matrix, input: number[], m: Margins, crop: boolean): Matrix {
  const [H, W, C] = input;
  const [[top, bottom], [left, right]] = m;
  const outH = crop ? H - top - bottom : H + top + bottom;
  const outW = crop ? W - left - right : W + left + right;
  return x.map((row) => {
    const y: number[] = [];
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        // Where output (oy, ox) comes from in the input, if anywhere.
        const iy = crop ? oy + top : oy - top;
        const ix = crop ? ox + left : ox - left;
        for (let c = 0; c < C; c++) y.push(iy >= 0 && iy < H && ix >= 0 && ix < W ? row[(iy * W + ix) * C + c] : 0);
      }
    }
    return y;
  });
}

function borderCase(crop: boolean, input: number[], given: number | [number, number] | Margins | undefined, m: Margins): LayerCase {
  const [[top, bottom], [left, right]] = m;
  const sign = crop ? -1 : 1;
  const key = crop ? 'cropping' : 'padding';
  const args = given === undefined ? {} : { [key]: given };
  return {
    name: `${crop ? 'Cropping2D' : 'ZeroPadding2D'} ${input.join('x')} ${key} ${JSON.stringify(given ?? 'default')}`,
    make: () => (crop ? tf.layers.cropping2d(args) : tf.layers.zeroPadding2d(args)),
    inputShape: input,
    outputShape: [input[0] + sign * (top + bottom), input[1] + sign * (left + right), input[2]],
    weights: [],
    reference: (x) => borderRef(x, input, m, crop),
    config: { [key]: m, dataFormat: 'channels_last' },
    probe: true,
    tail: true,
    tfjs: () => (crop ? tfjs.layers.cropping2D({ cropping: given ?? 0 } as never) : tfjs.layers.zeroPadding2d(args as never)),
  };
}

const cases: LayerCase[] = [
  borderCase(false, [3, 2, 2], undefined, [[1, 1], [1, 1]]),
  borderCase(false, [2, 3, 1], [2, 1], [[2, 2], [1, 1]]),
  borderCase(false, [3, 3, 2], [[0, 2], [1, 0]], [[0, 2], [1, 0]]),
  borderCase(true, [5, 4, 2], 1, [[1, 1], [1, 1]]),
  borderCase(true, [5, 6, 1], [[2, 0], [1, 3]], [[2, 0], [1, 3]]),
  borderCase(true, [3, 3, 2], [0, 1], [[0, 0], [1, 1]]),
];
cases.forEach((c, i) => runLayerTest(c, 4100 + i));

describe('ZeroPadding2D and Cropping2D options and shapes', () => {
  it('names layers as Keras and reads every margin form', () => {
    expect(tf.layers.zeroPadding2d().name).toMatch(/^zero_padding2d(_\d+)?$/);
    expect(tf.layers.cropping2d().name).toMatch(/^cropping2d(_\d+)?$/);
    expect(tf.layers.zeroPadding2d({ padding: 2 }).padding).toEqual([[2, 2], [2, 2]]);
    expect(tf.layers.cropping2D({ cropping: [1, 0] }).cropping).toEqual([[1, 1], [0, 0]]);
    expect(tf.layers.cropping2d().computeOutputShape([4, 5, 3])).toEqual([4, 5, 3]);
    expect(tf.layers.zeroPadding2d({ padding: [[0, 3], [2, 0]] }).computeOutputShape([1, 1, 1])).toEqual([4, 3, 1]);
  });

  it('refuses bad options and inputs, naming the function, the layer, the value and the shapes', () => {
    expect(() => tf.layers.zeroPadding2d({ padding: -1 })).toThrow(new RangeError('zeroPadding2d: padding must hold integers in [0, 16777216], got -1'));
    expect(() => tf.layers.zeroPadding2d({ padding: 1.5 })).toThrow(RangeError);
    expect(() => tf.layers.zeroPadding2d({ padding: [1, 2, 3] as never })).toThrow(/^zeroPadding2d: padding must be a non-negative integer, \[height, width\] or \[\[top, bottom\], \[left, right\]\], got \[1,2,3\]$/);
    expect(() => tf.layers.zeroPadding2d({ padding: [[1], [2, 3]] as never })).toThrow(TypeError);
    expect(() => tf.layers.zeroPadding2d({ padding: 'same' as never })).toThrow(TypeError);
    expect(() => tf.layers.cropping2d({ cropping: [['a', 1], [0, 0]] as never })).toThrow(/^cropping2d: cropping must be/);
    expect(() => tf.layers.cropping2d({ crop: 1 } as never)).toThrow(/cropping2d: unknown option 'crop'/);
    expect(() => tf.layers.zeroPadding2d({ dataFormat: 'channelsFirst' as never })).toThrow(/zeroPadding2d: dataFormat 'channelsFirst' is not supported/);
    const c = tf.layers.cropping2d({ cropping: [[2, 1], [0, 0]], name: 'c1' });
    expect(() => c.computeOutputShape([3, 4, 1])).toThrow(new RangeError("cropping2d: layer 'c1': cropping [[2,1],[0,0]] leaves nothing of its input [3,4,1]"));
    expect(() => tf.layers.zeroPadding2d({ name: 'z1' }).computeOutputShape([4, 4])).toThrow(/^zeroPadding2d: layer 'z1' expects per-sample input \[height, width, channels\], got \[4,4\]$/);
    expect(() => tf.sequential({ layers: [tf.layers.cropping2d({ cropping: 2, inputShape: [4, 9, 1] })] }).build([4, 9, 1])).toThrow(/leaves nothing/);
  });

  it('reads Keras configs (snake_case through load is the loader\'s; here the tuple forms)', () => {
    expect(tf.layers.ZeroPadding2D.fromConfig({ padding: [[1, 2], [3, 4]], dataFormat: 'channels_last' }).padding).toEqual([[1, 2], [3, 4]]);
    expect(tf.layers.Cropping2D.fromConfig({ cropping: [[0, 1], [1, 0]] }).cropping).toEqual([[0, 1], [1, 0]]);
    expect(() => tf.layers.Cropping2D.fromConfig({ cropping: -2 })).toThrow(/^cropping2d: cropping must hold integers/);
  });
});
