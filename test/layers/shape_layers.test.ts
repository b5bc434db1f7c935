// Reshape, Permute and RepeatVector through the generic layer harness: a
// Dense probe in front (reshaped for N-D inputs) checks their backward, a
// Flatten + Dense tail after N-D outputs; float64 references, configs,
// save / load and TensorFlow.js.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, Matrix, runLayerTest } from './harness';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function reshapeCase(inputShape: number[], targetShape: number[], outputShape: number[]): LayerCase {
  return {
    name: `Reshape ${JSON.stringify(inputShape)} -> ${JSON.stringify(targetShape)}`,
    make: () => tf.layers.reshape({ targetShape }),
    inputShape,
    outputShape,
    weights: [],
    // Row-major values are kept as they are.
    reference: (x) => x.map((r) => [...r]),
    config: { targetShape },
    probe: true,
    tail: outputShape.length > 1,
    tfjs: () => tfjs.layers.reshape({ targetShape }),
  };
}

/** Float64 permutation of row-major samples of `shape`: output axis i is input axis dims[i] - 1. */
function permuteRef(shape: number[], dims: number[]) {
  const out = dims.map((d) => shape[d - 1]);
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  return (x: Matrix): Matrix => x.map((row) => Array.from({ length: size(out) }, (_, flat) => {
    let rest = flat;
    let src = 0;
    for (let i = out.length - 1; i >= 0; i--) {
      const idx = rest % out[i];
      rest = Math.floor(rest / out[i]);
      src += idx * strides[dims[i] - 1];
    }
    return row[src];
  }));
}

function permuteCase(inputShape: number[], dims: number[]): LayerCase {
  return {
    name: `Permute ${JSON.stringify(inputShape)} by ${JSON.stringify(dims)}`,
    make: () => tf.layers.permute({ dims }),
    inputShape,
    outputShape: dims.map((d) => inputShape[d - 1]),
    weights: [],
    reference: permuteRef(inputShape, dims),
    config: { dims },
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.permute({ dims }),
  };
}

function repeatCase(features: number, n: number): LayerCase {
  return {
    name: `RepeatVector ${n} of ${features} features`,
    make: () => tf.layers.repeatVector({ n }),
    inputShape: [features],
    outputShape: [n, features],
    weights: [],
    reference: (x) => x.map((r) => Array.from({ length: n }, () => r).flat()),
    config: { n },
    tail: true,
    tfjs: () => tfjs.layers.repeatVector({ n }),
  };
}

[
  reshapeCase([6], [2, 3], [2, 3]),
  reshapeCase([2, 3], [-1, 2], [3, 2]),
  reshapeCase([2, 3], [6], [6]),
  permuteCase([2, 3], [2, 1]),
  permuteCase([2, 3, 2], [3, 1, 2]),
  permuteCase([3, 2], [1, 2]),
  repeatCase(3, 4),
  repeatCase(1, 2),
].forEach((c, i) => runLayerTest(c, 7200 + i));

describe('shape layers: refusals', () => {
  it('Reshape: the target shape, and an element count that does not fit', () => {
    expect(() => tf.layers.reshape({} as never)).toThrow(/^reshape: targetShape is required/);
    expect(() => tf.layers.reshape({ targetShape: [-1, -1] })).toThrow(/^reshape: targetShape must be a non-empty array of positive integers, one of them possibly -1/);
    expect(() => tf.layers.reshape({ targetShape: [0, 2] })).toThrow(RangeError);
    expect(() => tf.layers.reshape({ targetShape: 6 as never })).toThrow(TypeError);
    expect(() => tf.layers.reshape({ targetShape: [4], name: 'r4' }).computeOutputShape([2, 3])).toThrow("reshape: layer 'r4' cannot reshape inputs of shape [2,3] (6 elements) to [4]");
    expect(() => tf.layers.reshape({ targetShape: [-1, 4] }).computeOutputShape([6])).toThrow(RangeError);
  });

  it('Permute: dims must be a permutation of 1 .. n matching the input', () => {
    expect(() => tf.layers.permute({ dims: [0, 1] })).toThrow(/^permute: dims must be a permutation of 1 \.\. n/);
    expect(() => tf.layers.permute({ dims: [1, 1] })).toThrow(RangeError);
    expect(() => tf.layers.permute({ dims: [{ valueOf: () => 1 }, 2] as never })).toThrow(RangeError);
    expect(() => tf.layers.permute({} as never)).toThrow(/^permute: dims is required/);
    expect(() => tf.layers.permute({ dims: [2, 1], name: 'p' }).computeOutputShape([4])).toThrow("permute: layer 'p' permutes 2 axes (dims [2,1]) but its inputs have shape [4]");
  });

  it('RepeatVector: n, and flat inputs only', () => {
    expect(() => tf.layers.repeatVector({ n: 0 })).toThrow(RangeError);
    expect(() => tf.layers.repeatVector({} as never)).toThrow(/^repeatVector: n is required/);
    expect(() => tf.layers.repeatVector({ n: 2, name: 'rv' }).computeOutputShape([2, 2])).toThrow("repeatVector: layer 'rv' takes flat features [batch, features], got per-sample shape [2,2]");
  });
});
