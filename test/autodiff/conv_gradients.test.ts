// Gradients of tf.conv2d, tf.depthwiseConv2d, tf.conv1d, tf.maxPool and
// tf.avgPool on the tape: with respect to the input and the filter, against
// central differences of the float64 references (test/layers/conv_reference.ts)
// of loss = sum(op(x, f) * r), and against TensorFlow.js's tf.grads on the
// same programs. Odd shapes, stride 2, 'same' and 'valid', dilation 2,
// channel multiplier 2, rank-3 (rank-2 for conv1d) inputs, batches above 1;
// maxPool's ties; and a tiny conv net trained by a custom loop.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Geometry, conv2dRef, depthwiseConvRef, pool2dRef } from '../layers/conv_reference';
import { expectClose } from '../layers/harness';
import { Rng } from '../training/reference';
import { Tensor, trackTensors } from '../../src/tensor';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
// float32 analytic gradients against float64 differences (the ops are linear
// in each argument, so the differences are exact up to float64 rounding).
const FD_TOL = { rtol: 1e-4, atol: 2e-5 };
const TFJS_TOL = { rtol: 1e-4, atol: 1e-5 };
const H = 1e-3;

type Pair = [number, number];

/** A program: the op over (x, filter) in tensorforge, in TensorFlow.js and in float64 (rows of one sample each). */
interface Program {
  name: string;
  x: number[];
  f: number[] | null;
  run: (x: tf.Tensor, f: tf.Tensor | null) => tf.Tensor;
  tfjs: ((x: tfjs.Tensor, f: tfjs.Tensor | null) => tfjs.Tensor) | null;
  ref: (x: Float64Array, f: Float64Array | null) => number[];
  /** Input values: random, or distinct with gaps (max pooling: no window holds two values within 2H). */
  distinct?: boolean;
}

function rows(x: Float64Array, n: number): number[][] {
  const per = x.length / n;
  return Array.from({ length: n }, (_, b) => Array.from(x.subarray(b * per, (b + 1) * per)));
}

/** The batch of x: 1 for an unbatched input (rank 3, rank 2 for conv1d). */
function batchOf(x: number[], sampleRank: number): number {
  return x.length > sampleRank ? x[0] : 1;
}

function conv2dProgram(x: number[], f: number[], strides: Pair, pad: 'valid' | 'same', dilations: Pair = [1, 1]): Program {
  const sample = x.slice(-3);
  const g: Geometry = { input: sample, size: [f[0], f[1]], strides, dilation: dilations, same: pad === 'same' };
  return {
    name: `conv2d x ${x} filter ${f} strides ${strides} ${pad} dilations ${dilations}`,
    x, f,
    run: (a, b) => tf.conv2d(a, b as tf.Tensor, strides, pad, 'NHWC', dilations),
    tfjs: dilations[0] > 1 || dilations[1] > 1 ? null : (a, b) => tfjs.conv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, strides, pad),
    ref: (a, b) => conv2dRef(rows(a, batchOf(x, 3)), g, b as Float64Array, null, f[3]).flat(),
  };
}

function depthwiseProgram(x: number[], f: number[], strides: Pair, pad: 'valid' | 'same', dilations: Pair = [1, 1]): Program {
  const g: Geometry = { input: x.slice(-3), size: [f[0], f[1]], strides, dilation: dilations, same: pad === 'same' };
  return {
    name: `depthwiseConv2d x ${x} filter ${f} strides ${strides} ${pad} dilations ${dilations}`,
    x, f,
    run: (a, b) => tf.depthwiseConv2d(a, b as tf.Tensor, strides, pad, 'NHWC', dilations),
    // TensorFlow.js's depthwiseConv2d gradient refuses dilations above 1.
    tfjs: dilations[0] > 1 || dilations[1] > 1 ? null : (a, b) => tfjs.depthwiseConv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, strides, pad),
    ref: (a, b) => depthwiseConvRef(rows(a, batchOf(x, 3)), g, b as Float64Array, null, f[3]).flat(),
  };
}

function conv1dProgram(x: number[], f: number[], stride: number, pad: 'valid' | 'same', dilation = 1): Program {
  const [w, c] = x.slice(-2);
  const g: Geometry = { input: [1, w, c], size: [1, f[0]], strides: [1, stride], dilation: [1, dilation], same: pad === 'same' };
  return {
    name: `conv1d x ${x} filter ${f} stride ${stride} ${pad} dilation ${dilation}`,
    x, f,
    run: (a, b) => tf.conv1d(a, b as tf.Tensor, stride, pad, 'NWC', dilation),
    tfjs: dilation > 1 ? null : (a, b) => tfjs.conv1d(a as tfjs.Tensor3D, b as tfjs.Tensor3D, stride, pad),
    ref: (a, b) => conv2dRef(rows(a, batchOf(x, 2)), g, b as Float64Array, null, f[2]).flat(),
  };
}

/** Whether 'same' pads the input of a window (size, stride) at all. */
function padded(input: number[], size: Pair, strides: Pair): boolean {
  return [0, 1].some((k) => (Math.ceil(input[k] / strides[k]) - 1) * strides[k] + size[k] > input[k]);
}

function poolProgram(max: boolean, x: number[], filterSize: Pair, strides: Pair, pad: 'valid' | 'same'): Program {
  const g: Geometry = { input: x.slice(-3), size: filterSize, strides, dilation: [1, 1], same: pad === 'same' };
  // TensorFlow.js 4.22's avgPool gradient divides every window by its full
  // size, also where 'same' padding leaves fewer taps than that, which its
  // own forward divides by: not the derivative of its forward. tensorforge's
  // is (as TensorFlow's AvgPoolGrad), checked against the differences.
  const tfjsAgrees = max || pad === 'valid' || !padded(x.slice(-3), filterSize, strides);
  return {
    name: `${max ? 'maxPool' : 'avgPool'} x ${x} window ${filterSize} strides ${strides} ${pad}`,
    x, f: null, distinct: max,
    run: (a) => (max ? tf.maxPool : tf.avgPool)(a, filterSize, strides, pad),
    tfjs: tfjsAgrees ? (a) => (max ? tfjs.maxPool : tfjs.avgPool)(a as tfjs.Tensor4D, filterSize, strides, pad) : null,
    ref: (a) => pool2dRef(rows(a, batchOf(x, 3)), g, max).flat(),
  };
}

const PROGRAMS: Program[] = [
  conv2dProgram([2, 5, 7, 3], [3, 3, 3, 2], [1, 1], 'valid'),  // depth 27: im2col and the GEMM
  conv2dProgram([2, 6, 5, 2], [3, 2, 2, 3], [2, 2], 'same'),  // depth 12: the direct kernels
  conv2dProgram([3, 7, 6, 2], [2, 3, 2, 2], [1, 1], 'same', [2, 2]),
  conv2dProgram([5, 5, 3], [3, 3, 3, 2], [1, 2], 'same'),  // one image
  conv2dProgram([2, 3, 4, 3], [1, 1, 3, 2], [1, 1], 'valid'),  // 1x1: x read as the im2col rows
  depthwiseProgram([2, 5, 6, 3], [3, 3, 3, 1], [1, 1], 'valid'),
  depthwiseProgram([2, 6, 5, 2], [3, 2, 2, 2], [2, 2], 'same'),  // channel multiplier 2
  depthwiseProgram([3, 7, 6, 2], [2, 2, 2, 2], [1, 1], 'same', [2, 2]),
  depthwiseProgram([5, 4, 3], [2, 3, 3, 2], [2, 1], 'valid'),  // one image
  conv1dProgram([2, 9, 3], [3, 3, 2], 2, 'same'),
  conv1dProgram([3, 10, 2], [3, 2, 3], 1, 'valid', 2),
  conv1dProgram([7, 2], [2, 2, 3], 1, 'same'),  // one sequence
  poolProgram(true, [2, 5, 7, 3], [2, 2], [2, 2], 'valid'),  // windows tile the input
  poolProgram(true, [2, 5, 6, 2], [3, 3], [2, 2], 'same'),
  poolProgram(true, [6, 5, 2], [2, 3], [1, 2], 'same'),  // one image, overlapping windows
  poolProgram(false, [2, 5, 7, 3], [2, 2], [2, 2], 'valid'),
  poolProgram(false, [2, 5, 6, 2], [3, 3], [2, 2], 'same'),
  poolProgram(false, [6, 5, 2], [2, 3], [1, 2], 'same'),
  poolProgram(false, [2, 6, 4, 3], [2, 2], [2, 2], 'same'),  // 'same' without padding: TensorFlow.js agrees
];

/** Values for x: uniform in [-1, 1), or (distinct) a shuffle of values 0.01 apart. */
function inputValues(rng: Rng, n: number, distinct: boolean): Float32Array {
  if (!distinct) return rng.array(n, -1, 1);
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

/** Central differences of sum(ref(x, f) * r) with respect to every element of `which`. */
function differences(p: Program, x: Float64Array, f: Float64Array | null, r: Float32Array, which: 'x' | 'f'): Float64Array {
  const loss = () => p.ref(x, f).reduce((s, v, i) => s + v * r[i], 0);
  const t = (which === 'x' ? x : f) as Float64Array;
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const keep = t[i];
    t[i] = keep + H;
    const up = loss();
    t[i] = keep - H;
    const down = loss();
    t[i] = keep;
    out[i] = (up - down) / (2 * H);
  }
  return out;
}

describe('gradients of the convolution and pooling ops', () => {
  PROGRAMS.forEach((p, k) => {
    it(`${p.name}: input and filter gradients against float64 differences${p.tfjs ? ' and TensorFlow.js' : ''}`, () => {
      const rng = new Rng(2100 + k);
      const xv = inputValues(rng, size(p.x), p.distinct === true);
      const fv = p.f === null ? null : rng.array(size(p.f), -1, 1);
      const x = tf.tensor(xv, p.x);
      const f = fv === null ? null : tf.tensor(fv, p.f as number[]);
      const outShape = p.run(x, f).shape;
      const rv = rng.array(size(outShape), -1, 1);
      const r = tf.tensor(rv, outShape);
      const program = (a: tf.Tensor, b: tf.Tensor | null) => tf.sum(tf.mul(p.run(a, b), r));
      const grads = f === null ? [tf.grad((a: tf.Tensor) => program(a, null))(x)] : tf.grads((a: tf.Tensor, b: tf.Tensor) => program(a, b))([x, f]);
      expect(grads[0].shape).toEqual(p.x);
      if (f !== null) expect(grads[1].shape).toEqual(p.f);

      const x64 = Float64Array.from(xv), f64 = fv === null ? null : Float64Array.from(fv);
      expectClose(grads[0].dataSync(), differences(p, x64, f64, rv, 'x'), FD_TOL, 'dx against float64 differences');
      if (f !== null) expectClose(grads[1].dataSync(), differences(p, x64, f64, rv, 'f'), FD_TOL, 'dFilter against float64 differences');

      if (p.tfjs === null) return;
      const theirR = tfjs.tensor(rv, outShape);
      const theirs = tfjs.tidy(() => {
        const tx = tfjs.tensor(xv, p.x);
        if (fv === null) return [tfjs.grad((a: tfjs.Tensor) => tfjs.sum(tfjs.mul((p.tfjs as NonNullable<Program['tfjs']>)(a, null), theirR)))(tx)];
        return tfjs.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tfjs.sum(tfjs.mul((p.tfjs as NonNullable<Program['tfjs']>)(a, b), theirR)))(
          [tx, tfjs.tensor(fv, p.f as number[])]);
      });
      theirs.forEach((t, i) => {
        expect(grads[i].shape).toEqual(t.shape);
        expectClose(grads[i].dataSync(), t.dataSync(), TFJS_TOL, `gradient ${i} against TensorFlow.js`);
      });
      tfjs.dispose([...theirs, theirR]);
    });
  });

  it('a gradient with respect to the filter alone, and through a composition of ops', () => {
    const rng = new Rng(2150);
    const xv = rng.array(2 * 6 * 6 * 2, -1, 1), fv = rng.array(3 * 3 * 2 * 3, -1, 1), dv = rng.array(3 * 3 * 3 * 2, -1, 1);
    const x = tf.tensor(xv, [2, 6, 6, 2]);
    // relu(conv2d) -> maxPool -> depthwiseConv2d -> avgPool ('valid': see poolProgram), squared: every op's gradient chained.
    const net = (f: tf.Tensor, d: tf.Tensor, a: tf.Tensor) =>
      tf.sum(tf.square(tf.avgPool(tf.depthwiseConv2d(tf.maxPool(tf.relu(tf.conv2d(a, f, 1, 'same')), 2, 1, 'valid'), d, 1, 'same'), 2, 2, 'valid')));
    const d = tf.tensor(dv, [3, 3, 3, 2]);
    const gf = tf.grad((f: tf.Tensor) => net(f, d, x))(tf.tensor(fv, [3, 3, 2, 3]));
    const [tgf] = tfjs.tidy(() => {
      const tx = tfjs.tensor4d(xv, [2, 6, 6, 2]), td = tfjs.tensor4d(dv, [3, 3, 3, 2]);
      return [tfjs.grad((f: tfjs.Tensor) => tfjs.sum(tfjs.square(tfjs.avgPool(tfjs.depthwiseConv2d(
        tfjs.maxPool(tfjs.relu(tfjs.conv2d(tx, f as tfjs.Tensor4D, 1, 'same')), 2, 1, 'valid'), td, 1, 'same'), 2, 2, 'valid'))))(
        tfjs.tensor4d(fv, [3, 3, 2, 3]))];
    });
    expectClose(gf.dataSync(), tgf.dataSync(), { rtol: 1e-4, atol: 1e-4 }, 'dFilter of the chain against TensorFlow.js');
    tgf.dispose();
  });

  it('maxPool: a tie sends the gradient to the first maximum of the window (row-major), as TensorFlow does', () => {
    // Every window of 2x2 holds the same value four times, except one window whose later taps tie above the rest.
    const xv = new Float32Array(16).fill(1);
    xv[2 * 4 + 3] = 5;  // window (1, 1): taps (2,2)=1 (2,3)=5 (3,2)=5 (3,3)=1
    xv[3 * 4 + 2] = 5;
    const x = tf.tensor(xv, [1, 4, 4, 1]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a, 2, 2, 'valid')))(x);
    const expected = new Float32Array(16);
    expected[0] = expected[2] = expected[2 * 4] = 1;  // each tied window's first tap
    expected[2 * 4 + 3] = 1;  // the first of the two 5s, row-major
    expect(Array.from(g.dataSync())).toEqual(Array.from(expected));
    const theirs = tfjs.tidy(() => tfjs.grad((a: tfjs.Tensor) => tfjs.sum(tfjs.maxPool(a as tfjs.Tensor4D, 2, 2, 'valid')))(tfjs.tensor4d(xv, [1, 4, 4, 1])));
    expect(Array.from(g.dataSync())).toEqual(Array.from(theirs.dataSync()));
    theirs.dispose();
  });

  it('a gradient of a gradient through a convolution stops with an error naming the op', () => {
    const f = tf.ones([2, 2, 1, 1]);
    const dx = (x: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a, f, 1, 'valid'))))(x);
    expect(() => tf.grad((x: tf.Tensor) => tf.sum(dx(x)))(tf.ones([1, 3, 3, 1]))).toThrow(/gradient of Conv2D, which cannot be differentiated/);
  });

  it('a custom loop of a tiny conv net (variableGrads + applyGradients) lowers its loss, with no tensor left behind', () => {
    // Two classes of 8x8 images: a bright 3x3 blob in the left half or in the right half, on noise.
    const rng = new Rng(2160);
    const n = 32;
    const xs = new Float32Array(n * 64), ys = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const right = i % 2;
      for (let p = 0; p < 64; p++) xs[i * 64 + p] = rng.range(0, 0.3);
      const cy = 1 + rng.int(5), cx = (right ? 4 : 0) + 1 + rng.int(2);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) xs[i * 64 + (cy + dy) * 8 + cx + dx] += 1;
      ys[i * 2 + right] = 1;
    }
    const x = tf.tensor(xs, [n, 8, 8, 1]), y = tf.tensor(ys, [n, 2]);
    const w1 = tf.variable(tf.tensor(rng.array(3 * 3 * 1 * 4, -0.5, 0.5), [3, 3, 1, 4]), true, 'convnet-w1');
    const w2 = tf.variable(tf.tensor(rng.array(2 * 2 * 4 * 2, -0.5, 0.5), [2, 2, 4, 2]), true, 'convnet-w2');
    const w3 = tf.variable(tf.tensor(rng.array(4 * 2 * 2, -0.3, 0.3), [4 * 2, 2]), true, 'convnet-w3');
    const logits = () => {
      const h = tf.maxPool(tf.relu(tf.conv2d(x, w1, 1, 'same')), 2, 2, 'valid');  // [n, 4, 4, 4]
      const d = tf.avgPool(tf.depthwiseConv2d(h, w2, 1, 'same'), 2, 2, 'valid');  // [n, 2, 2, 8]
      return tf.matMul(tf.mean(d, [1, 2]), w3);
    };
    const lossOf = () => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits())), -1)));
    const opt = tf.optimizers.adam({ learningRate: 0.05 });
    const losses: number[] = [];
    const created: Tensor[] = [];
    const outer = trackTensors(created);
    try {
      for (let step = 0; step < 40; step++) {
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(lossOf, [w1, w2, w3]);
          opt.applyGradients(grads);
          return value;
        });
        losses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      // Every tensor the steps made is disposed.
      expect(created.filter((t) => !t.isDisposed)).toEqual([]);
    } finally {
      trackTensors(outer);
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    [x, y, w1, w2, w3].forEach((t) => t.dispose());
  });
});
