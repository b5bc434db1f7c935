// The elementwise merge layers through the generic merge harness: two and
// three inputs, flat and N-D, against float64 references (Keras's
// definitions), finite differences through every input, and TensorFlow.js
// (which has no Subtract).
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Matrix, MergeCase, runMergeLayerTest } from './harness';

type Op = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';

const COMBINE: Record<Op, (v: number[]) => number> = {
  add: (v) => v.reduce((a, b) => a + b, 0),
  subtract: (v) => v[0] - v[1],
  multiply: (v) => v.reduce((a, b) => a * b, 1),
  average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  maximum: (v) => Math.max(...v),
  minimum: (v) => Math.min(...v),
};

const CLASS: Record<Op, string> = { add: 'Add', subtract: 'Subtract', multiply: 'Multiply', average: 'Average', maximum: 'Maximum', minimum: 'Minimum' };

/** Elementwise over the inputs' rows. */
const elementwise = (op: Op) => (xs: Matrix[]): Matrix => xs[0].map((row, b) => row.map((_, j) => COMBINE[op](xs.map((x) => x[b][j]))));

/** Maximum and minimum are not differentiable where two inputs tie. */
const tieMargin = (xs: Matrix[]) => {
  let m = Infinity;
  xs[0].forEach((row, b) => row.forEach((_, j) => {
    const v = xs.map((x) => x[b][j]).sort((p, q) => p - q);
    for (let k = 1; k < v.length; k++) m = Math.min(m, v[k] - v[k - 1]);
  }));
  return m;
};

function mergeCase(op: Op, inputs: number, shape: number[]): MergeCase {
  const tfjsMake = op === 'subtract' ? undefined : () => (tfjs.layers as unknown as Record<string, () => tfjs.layers.Layer>)[op]();
  return {
    name: `${CLASS[op]} of ${inputs} inputs of shape ${JSON.stringify(shape)}`,
    make: () => (tf.layers[op] as () => tf.layers.Layer)(),
    inputShapes: Array.from({ length: inputs }, () => shape),
    outputShape: shape,
    reference: elementwise(op),
    kinkMargin: op === 'maximum' || op === 'minimum' ? tieMargin : undefined,
    tfjs: tfjsMake,
  };
}

const OPS: Op[] = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'];
let seed = 7000; // eslint-disable-line prefer-const
for (const op of OPS) {
  runMergeLayerTest(mergeCase(op, 2, [4]), seed++);
  if (op !== 'subtract') runMergeLayerTest(mergeCase(op, 3, [2, 3]), seed++);
}

/** Per output element, the element of an input of `shape` that broadcasts to it (shapes right-aligned, 1 stretched). */
function broadcastIndex(shape: number[], out: number[], j: number): number {
  let index = 0;
  let stride = 1;
  let rest = j;
  for (let d = out.length - 1; d >= 0; d--) {
    const coord = rest % out[d];
    rest = Math.floor(rest / out[d]);
    const i = d - (out.length - shape.length);
    if (i < 0) continue;
    if (shape[i] !== 1) index += coord * stride;
    stride *= shape[i];
  }
  return index;
}

/** Inputs of different shapes, broadcast as Keras does (and TensorFlow.js, where it has the layer). */
function broadcastCase(op: Op, shapes: number[][], out: number[]): MergeCase {
  const size = out.reduce((a, b) => a * b, 1);
  return {
    ...mergeCase(op, shapes.length, out),
    name: `${CLASS[op]} broadcasting ${shapes.map((x) => JSON.stringify(x)).join(' and ')} to ${JSON.stringify(out)}`,
    inputShapes: shapes,
    reference: (xs: Matrix[]) => xs[0].map((_, b) => Array.from({ length: size }, (__, j) => COMBINE[op](xs.map((x, k) => x[b][broadcastIndex(shapes[k], out, j)])))),
    kinkMargin: op === 'maximum' || op === 'minimum' ? (xs: Matrix[]) => {
      let m = Infinity;
      xs[0].forEach((_, b) => {
        for (let j = 0; j < size; j++) {
          const v = xs.map((x, k) => x[b][broadcastIndex(shapes[k], out, j)]).sort((p, q) => p - q);
          for (let k = 1; k < v.length; k++) m = Math.min(m, v[k] - v[k - 1]);
        }
      });
      return m;
    } : undefined,
  };
}

runMergeLayerTest(broadcastCase('add', [[2, 3], [3]], [2, 3]), seed++);
runMergeLayerTest(broadcastCase('subtract', [[1, 3], [2, 1]], [2, 3]), seed++);
runMergeLayerTest(broadcastCase('multiply', [[2, 3], [1, 3], [2, 1]], [2, 3]), seed++);
runMergeLayerTest(broadcastCase('average', [[3, 1], [4]], [3, 4]), seed++);
runMergeLayerTest(broadcastCase('maximum', [[4], [1]], [4]), seed++);
runMergeLayerTest(broadcastCase('minimum', [[2, 2, 1], [2, 3]], [2, 2, 3]), seed++);

describe('merge layers: refusals and configs', () => {
  it('shapes must agree; subtract takes exactly two inputs; a merge needs several', () => {
    expect(() => tf.layers.add({ name: 'sum' }).computeOutputShape([[8], [16]])).toThrow("add: layer 'sum' (Add) cannot merge inputs of shapes [8] and [16]");
    expect(() => tf.layers.multiply().computeOutputShape([[2, 3], [3, 2]])).toThrow(RangeError);
    expect(() => tf.layers.subtract({ name: 'diff' }).computeOutputShape([[3], [3], [3]])).toThrow("subtract: layer 'diff' (Subtract) takes exactly 2 inputs, got 3");
    expect(() => tf.layers.average({ name: 'avg' }).computeOutputShape([[3]])).toThrow("average: layer 'avg' (Average) takes at least 2 inputs, got 1");
    expect(() => tf.layers.maximum({ name: 'mx' }).computeOutputShape([3, 3] as never)).toThrow(/^maximum: layer 'mx' \(Maximum\) merges several inputs: give the shape of each/);
    expect(() => tf.layers.minimum({ units: 3 } as never)).toThrow(TypeError);
    // In a Sequential model a merge has one input: refused when the model is built.
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), tf.layers.add({ name: 'lonely' })] });
    expect(() => m.build([3])).toThrow(/add: layer 'lonely' \(Add\) takes at least 2 inputs, got 1/);
  });

  it('Keras configs are read (name, trainable, dtype float32 only)', () => {
    const a = tf.layers.Add.fromConfig({ name: 'k_add', trainable: true, dtype: 'float32' });
    expect(a.name).toBe('k_add');
    expect(a.getConfig()).toEqual({ name: 'k_add', trainable: true });
    expect(() => tf.layers.Multiply.fromConfig({ name: 'm', dtype: 'float64' })).toThrow(/^Multiply.fromConfig: dtype 'float64' is not supported/);
  });
});
