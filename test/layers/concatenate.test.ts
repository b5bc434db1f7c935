// Concatenate through the generic merge harness: along the last axis and an
// inner one, two and three inputs, against a float64 reference and
// TensorFlow.js.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Matrix, MergeCase, runMergeLayerTest } from './harness';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Float64 concatenation of row-major samples along per-sample axis `a` (0-based). */
function concatRef(shapes: number[][], a: number) {
  return (xs: Matrix[]): Matrix => xs[0].map((_, b) => {
    const outer = shapes[0].slice(0, a).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      xs.forEach((x, k) => {
        const width = size(shapes[k].slice(a));
        out.push(...x[b].slice(o * width, (o + 1) * width));
      });
    }
    return out;
  });
}

function concatCase(shapes: number[][], axis: number | undefined, sampleAxis: number): MergeCase {
  const out = [...shapes[0]];
  out[sampleAxis] = shapes.reduce((a, s) => a + s[sampleAxis], 0);
  return {
    name: `Concatenate ${JSON.stringify(shapes)} along axis ${axis ?? '(default -1)'}`,
    make: () => tf.layers.concatenate(axis === undefined ? undefined : { axis }),
    inputShapes: shapes,
    outputShape: out,
    reference: concatRef(shapes, sampleAxis),
    config: { axis: axis ?? -1 },
    tfjs: () => tfjs.layers.concatenate(axis === undefined ? undefined : { axis }),
  };
}

[
  concatCase([[3], [2]], undefined, 0),
  concatCase([[2], [1], [3]], -1, 0),
  concatCase([[2, 3], [1, 3]], 1, 0),
  concatCase([[2, 3], [2, 1]], -1, 1),
  concatCase([[2, 2, 2], [2, 1, 2]], 2, 1),
].forEach((c, i) => runMergeLayerTest(c, 7100 + i));

describe('Concatenate refusals', () => {
  it('the batch axis, an axis outside the inputs, shapes that differ elsewhere', () => {
    expect(() => tf.layers.concatenate({ axis: 0 })).toThrow('concatenate: axis 0 is the batch axis; samples cannot be concatenated with each other');
    expect(() => tf.layers.concatenate({ axis: '1' as never })).toThrow(TypeError);
    expect(() => tf.layers.concatenate({ axis: 1.5 })).toThrow(RangeError);
    expect(() => tf.layers.concatenate({ axis: 3, name: 'c3' }).computeOutputShape([[2], [2]])).toThrow("concatenate: layer 'c3': axis 3 is outside inputs of 2 dimensions (with the batch)");
    expect(() => tf.layers.concatenate({ name: 'cj' }).computeOutputShape([[2, 3], [3, 3]])).toThrow("concatenate: layer 'cj' (Concatenate) cannot join inputs of shapes [2,3] and [3,3] along axis -1");
    expect(() => tf.layers.concatenate().computeOutputShape([[2, 3], [3]])).toThrow(RangeError);
    expect(tf.layers.concatenate({ axis: 1 }).computeOutputShape([[2, 3], [3, 3]])).toEqual([5, 3]);
  });
});
