// The ops added for custom code (issue 21's list): values and gradients equal
// TensorFlow.js's on the same inputs (its cpu backend, float32 like ours),
// gradients also against central differences, and bad input.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { expectClose } from '../ops/ref';

const rng = new Random(2121);
function values(shape: number[], lo = -2, hi = 2): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

type AnyOps = Record<string, (...a: never[]) => unknown>;
interface Case {
  name: string;
  inputs: { shape: number[]; lo?: number; hi?: number; data?: number[] }[];
  /** The program over either library; must return a tensor. */
  prog: (o: AnyOps, xs: unknown[]) => unknown;
  /** Differentiable in every input (else only values are compared). */
  grad?: boolean;
  /**
   * Gradients against central differences instead of TensorFlow.js's, where
   * it has none (Greater, TopK) or a wrong one (Cumsum on axis 0 with
   * reverse; Unpack when the caller reorders the returned array).
   */
  fd?: true;
  /** The inputs to differentiate (default all). */
  wrt?: number[];
}

const CASES: Case[] = [
  { name: 'log1p', inputs: [{ shape: [3, 4], lo: -0.5, hi: 2 }], prog: (o, [x]) => o.log1p(x as never), grad: true },
  { name: 'rsqrt', inputs: [{ shape: [5], lo: 0.3, hi: 3 }], prog: (o, [x]) => o.rsqrt(x as never), grad: true },
  { name: 'reciprocal', inputs: [{ shape: [2, 3], lo: 0.5, hi: 2 }], prog: (o, [x]) => o.reciprocal(x as never), grad: true },
  { name: 'sign', inputs: [{ shape: [7] }], prog: (o, [x]) => o.sign(x as never), grad: true },
  { name: 'floor', inputs: [{ shape: [7] }], prog: (o, [x]) => o.floor(x as never), grad: true },
  { name: 'ceil', inputs: [{ shape: [7] }], prog: (o, [x]) => o.ceil(x as never), grad: true },
  { name: 'round', inputs: [{ shape: [9], lo: -3, hi: 3 }], prog: (o, [x]) => o.round(x as never), grad: true },
  { name: 'clipByValue', inputs: [{ shape: [4, 3] }], prog: (o, [x]) => o.clipByValue(x as never, -0.7 as never, 1.1 as never), grad: true },
  { name: 'mod with broadcasting', inputs: [{ shape: [3, 4], lo: -5, hi: 5 }, { shape: [4], lo: 0.7, hi: 2 }], prog: (o, [a, b]) => o.mod(a as never, b as never), grad: true },
  { name: 'where(greater(a, b), a, b)', inputs: [{ shape: [3, 4] }, { shape: [4] }], prog: (o, [a, b]) => o.where(o.greater(a as never, b as never) as never, a as never, b as never), grad: true, fd: true },
  { name: 'where(lessEqual(...)) with a broadcast condition', inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [3] }], prog: (o, [a, b, c]) => o.where(o.lessEqual(c as never, o.zerosLike(c as never) as never) as never, a as never, b as never), grad: true, wrt: [0, 1] },
  { name: 'pad', inputs: [{ shape: [2, 3] }], prog: (o, [x]) => o.pad(x as never, [[1, 0], [2, 1]] as never, 0.5 as never), grad: true },
  { name: 'tile', inputs: [{ shape: [2, 3] }], prog: (o, [x]) => o.tile(x as never, [2, 3] as never), grad: true },
  { name: 'cumsum axis 1', inputs: [{ shape: [3, 4] }], prog: (o, [x]) => o.cumsum(x as never, 1 as never), grad: true },
  { name: 'cumsum exclusive reverse', inputs: [{ shape: [5, 2] }], prog: (o, [x]) => o.cumsum(x as never, 0 as never, true as never, true as never), grad: true, fd: true },
  // Values 0.1 apart: finite differences never change which entries are selected.
  { name: 'topk values', inputs: [{ shape: [3, 6], data: [5, 12, 0, 17, 3, 8, 1, 14, 9, 6, 16, 2, 11, 4, 15, 7, 10, 13].map((v) => v / 10 - 0.9) }], prog: (o, [x]) => (o.topk(x as never, 3 as never) as { values: unknown }).values, grad: true, fd: true },
  { name: 'expandDims + squeeze', inputs: [{ shape: [3, 1, 2] }], prog: (o, [x]) => o.expandDims(o.squeeze(x as never, [1] as never) as never, -1 as never), grad: true },
  { name: 'unstack then stack', inputs: [{ shape: [3, 4] }], prog: (o, [x]) => o.stack((o.unstack(x as never, 1 as never) as unknown[]).reverse() as never), grad: true, fd: true },
  { name: 'norm euclidean', inputs: [{ shape: [3, 4] }], prog: (o, [x]) => o.norm(x as never), grad: true },
  { name: 'norm 1 over axis 1', inputs: [{ shape: [3, 4] }], prog: (o, [x]) => o.norm(x as never, 1 as never, 1 as never), grad: true },
  { name: 'norm Infinity', inputs: [{ shape: [5] }], prog: (o, [x]) => o.norm(x as never, Infinity as never), grad: true },
  { name: 'moments variance axis 0', inputs: [{ shape: [4, 3] }], prog: (o, [x]) => (o.moments(x as never, 0 as never) as { variance: unknown }).variance, grad: true },
  { name: 'moments mean keepDims', inputs: [{ shape: [4, 3] }], prog: (o, [x]) => (o.moments(x as never, 1 as never, true as never) as { mean: unknown }).mean, grad: true },
  { name: 'logSumExp axis 1', inputs: [{ shape: [3, 5] }], prog: (o, [x]) => o.logSumExp(x as never, 1 as never), grad: true },
  { name: 'dot vector·matrix', inputs: [{ shape: [3] }, { shape: [3, 4] }], prog: (o, [a, b]) => o.dot(a as never, b as never), grad: true },
  { name: 'dot vector·vector', inputs: [{ shape: [5] }, { shape: [5] }], prog: (o, [a, b]) => o.dot(a as never, b as never), grad: true },
  { name: 'outerProduct', inputs: [{ shape: [3] }, { shape: [2] }], prog: (o, [a, b]) => o.outerProduct(a as never, b as never), grad: true },
  { name: 'reshape', inputs: [{ shape: [2, 6] }], prog: (o, [x]) => o.reshape(x as never, [4, -1] as never), grad: true },
];

/** A tfjs result as plain numbers (bool as 0/1). */
const numbers = (t: { dataSync(): ArrayLike<number | boolean> }) => Array.from(t.dataSync(), Number);

describe('new ops: values and gradients equal TensorFlow.js', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const data = c.inputs.map((i) => (i.data ? Float32Array.from(i.data) : values(i.shape, i.lo, i.hi)));
      const ours = data.map((d, k) => tf.tensor(d, c.inputs[k].shape));
      const theirs = data.map((d, k) => tfjs.tensor(d, c.inputs[k].shape));
      const y = c.prog(tf as unknown as AnyOps, ours) as tf.Tensor;
      const yj = c.prog(tfjs as unknown as AnyOps, theirs) as tfjs.Tensor;
      expect(y.shape).toEqual(yj.shape);
      expectClose(y.dataSync(), numbers(yj), 1e-5, 1e-6, 'value');
      if (!c.grad) return;
      const w = values(y.shape);
      const wrt = c.wrt ?? ours.map((_, k) => k);
      const withArgs = <T>(xs: T[], all: T[]) => all.map((t, k) => (wrt.includes(k) ? xs[wrt.indexOf(k)] : t));
      const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(c.prog(tf as unknown as AnyOps, withArgs(xs, ours)) as tf.Tensor, tf.tensor(w, y.shape)));
      const g = tf.grads(loss)(wrt.map((k) => ours[k]));
      if (c.fd) {
        g.forEach((gk, j) => {
          const base = ours[wrt[j]].dataSync();
          const numeric = Array.from(base, (_, i) => {
            const at = (d: number) => {
              const moved = Float32Array.from(base);
              moved[i] += d;
              const xs = wrt.map((k, q) => (q === j ? tf.tensor(moved, c.inputs[k].shape) : ours[k]));
              return loss(...xs).dataSync()[0];
            };
            return (at(1e-2) - at(-1e-2)) / 2e-2;
          });
          expectClose(gk.dataSync(), numeric, 1e-2, 2e-3, `gradient ${wrt[j]} against finite differences`);
        });
        return;
      }
      const gj = tfjs.grads((...xs: tfjs.Tensor[]) => tfjs.sum(tfjs.mul(c.prog(tfjs as unknown as AnyOps, withArgs(xs, theirs)) as tfjs.Tensor, tfjs.tensor(w, yj.shape))))(wrt.map((k) => theirs[k]));
      g.forEach((gk, k) => expectClose(gk.dataSync(), gj[k].dataSync(), 1e-4, 1e-5, `gradient ${wrt[k]}`));
    });
  }

  it('comparisons and logical ops give int32 0/1 where TensorFlow.js gives bool', () => {
    const a = values([3, 4]), b = values([4]);
    for (const name of ['greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] as const) {
      const ours = tf[name](tf.tensor(a, [3, 4]), tf.tensor(b, [4]));
      expect(ours.dtype).toBe('int32');
      expect(Array.from(ours.dataSync())).toEqual(numbers(tfjs[name](tfjs.tensor(a, [3, 4]), tfjs.tensor(b, [4]))));
    }
    const p = tf.tensor([1, 0, 1, 0], [4], 'int32'), q = tf.tensor([1, 1, 0, 0], [4], 'int32');
    expect(Array.from(tf.logicalAnd(p, q).dataSync())).toEqual([1, 0, 0, 0]);
    expect(Array.from(tf.logicalOr(p, q).dataSync())).toEqual([1, 1, 1, 0]);
    expect(Array.from(tf.logicalNot(p).dataSync())).toEqual([0, 1, 0, 1]);
    expect(Array.from(tf.equal(tf.tensor([NaN]), tf.tensor([NaN])).dataSync())).toEqual([0]);
  });

  it('topk indices, creation ops', () => {
    const x = tf.tensor2d([[1, 5, 3, 5], [0, -1, 2, 7]]);
    const { values: v, indices } = tf.topk(x, 2);
    expect(v.arraySync()).toEqual([[5, 5], [7, 2]]);
    expect(indices.arraySync()).toEqual([[1, 3], [3, 2]]);
    expect(indices.dtype).toBe('int32');
    expectClose(tf.linspace(0, 1, 5).dataSync(), numbers(tfjs.linspace(0, 1, 5)), 1e-7, 0);
    expect(Array.from(tf.range(0, 10, 3).dataSync())).toEqual(numbers(tfjs.range(0, 10, 3)));
    expect(Array.from(tf.range(5, 1, -1.5).dataSync())).toEqual(numbers(tfjs.range(5, 1, -1.5)));
    expect(tf.eye(2, 3).arraySync()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(tf.onesLike(tf.tensor([1, 2], [2], 'int32')).dtype).toBe('int32');
    expect(Array.from(tf.round(tf.tensor1d([0.5, 1.5, 2.5, -0.5, -1.5])).dataSync())).toEqual([0, 2, 2, -0, -2]);
  });

  it('gradients against central differences', () => {
    const x = tf.tensor2d([[0.3, -1.2, 2.1], [0.7, 1.4, -0.2]]);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(tf.tile(tf.pad(t, [[0, 1], [1, 0]], 0.2), [1, 2]), 1), tf.cumsum(tf.tensor1d([0.5, -1, 2]), 0)));
    const g = tf.grad(f)(x).dataSync();
    const v = x.dataSync();
    for (let i = 0; i < v.length; i++) {
      const at = (d: number) => {
        const c = Float32Array.from(v);
        c[i] += d;
        return f(tf.tensor(c, [2, 3])).dataSync()[0];
      };
      const h = 1e-2;
      expectClose([g[i]], [(at(h) - at(-h)) / (2 * h)], 2e-2, 2e-3, `element ${i}`);
    }
  });

  it('bad input names the function', () => {
    const x = tf.tensor1d([1, 2]);
    expect(() => tf.clipByValue(x, 2, 1)).toThrow(/^clipByValue: clipValueMin \(2\) must be <= clipValueMax \(1\)/);
    expect(() => tf.where(x, x, x)).toThrow(/^where: condition must be an int32 tensor/);
    expect(() => tf.pad(x, [[1, 2], [0, 0]])).toThrow(/^pad: paddings has 2 entries but x has rank 1/);
    expect(() => tf.tile(x, [-1])).toThrow(RangeError);
    expect(() => tf.squeeze(x, [0])).toThrow(/^squeeze: cannot squeeze axis 0/);
    expect(() => tf.topk(x, 3)).toThrow(RangeError);
    expect(() => tf.range(0, 1, 0)).toThrow(/^range: step must not be 0/);
    expect(() => tf.dot(x, tf.tensor1d([1, 2, 3]))).toThrow(/^dot: inner dimensions differ/);
    expect(() => tf.norm(x, 'max' as never)).toThrow(/^norm: ord must be/);
    expect(() => tf.mod(x, tf.tensor1d([1, 2], 'int32'))).toThrow(/^mod: a and b must have the same dtype/);
  });
});
