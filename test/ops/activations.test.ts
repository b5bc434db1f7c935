import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { erf, expectClose, randomShape, randomTensor, ravel, sizeOf, unravel } from './ref';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const sig = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

interface Case {
  name: string;
  op: (x: tf.Tensor) => tf.Tensor;
  grad: tf.ActivationOpName;
  options?: tf.ActivationBackwardOptions;
  ref: (x: number) => number; // float64
  kinks: number[]; // points where f' jumps: finite differences stay away from them
}

function leaky(alpha: number): (x: number) => number {
  return (x) => (x > 0 ? x : alpha * x);
}

const CASES: Case[] = [
  { name: 'relu', op: tf.relu, grad: 'relu', ref: (x) => Math.max(x, 0), kinks: [0] },
  { name: 'relu6', op: tf.relu6, grad: 'relu6', ref: (x) => Math.min(Math.max(x, 0), 6), kinks: [0, 6] },
  { name: 'leakyRelu (default alpha 0.2)', op: (x) => tf.leakyRelu(x), grad: 'leakyRelu', ref: leaky(0.2), kinks: [0] },
  { name: 'leakyRelu alpha 0.01', op: (x) => tf.leakyRelu(x, 0.01), grad: 'leakyRelu', options: { alpha: 0.01 }, ref: leaky(0.01), kinks: [0] },
  { name: 'elu', op: tf.elu, grad: 'elu', ref: (x) => (x > 0 ? x : Math.expm1(x)), kinks: [0] },
  { name: 'selu', op: tf.selu, grad: 'selu', ref: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), kinks: [0] },
  { name: 'sigmoid', op: tf.sigmoid, grad: 'sigmoid', ref: sig, kinks: [] },
  { name: 'tanh', op: tf.tanh, grad: 'tanh', ref: Math.tanh, kinks: [] },
  { name: 'softplus', op: tf.softplus, grad: 'softplus', ref: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), kinks: [] },
  { name: 'softsign', op: tf.softsign, grad: 'softsign', ref: (x) => x / (1 + Math.abs(x)), kinks: [0] },
  { name: 'gelu', op: (x) => tf.gelu(x), grad: 'gelu', ref: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), kinks: [] },
  {
    name: 'gelu approximate', op: (x) => tf.gelu(x, true), grad: 'gelu', options: { approximate: true },
    ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), kinks: [],
  },
  { name: 'silu', op: tf.silu, grad: 'silu', ref: (x) => x * sig(x), kinks: [] },
  { name: 'swish', op: tf.swish, grad: 'swish', ref: (x) => x * sig(x), kinks: [] },
];

// Inputs where the float32 kernels meet overflow / underflow of exp, tanh, erf and x³.
const EXTREMES = [-3e38, -1e30, -1000, -100, -88, -30, -1e-3, -1e-30, 0, 1e-30, 1e-3, 30, 88, 100, 1000, 1e30, 3e38];

/** Uniform values in [-8, 8) at least `gap` away from every kink. */
function awayFromKinks(r: Random, n: number, kinks: number[], gap: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = Math.fround(-8 + 16 * r.uniform());
    while (kinks.some((k) => Math.abs(v - k) < gap));
    out[i] = v;
  }
  return out;
}

describe('activation ops', () => {
  const r = new Random(21);
  for (const c of CASES) {
    it(`${c.name}: forward matches the float64 reference`, () => {
      // Tolerance: float32 transcendentals (expf, tanhf, erff, log1pf) are within a few ulp,
      // compounded over at most 3 operations: rtol 2e-6; atol 1e-7 where the value is ~0.
      for (const shape of [[], [0], [1], [5], [3, 0], [4, 1, 3], [200]]) {
        const x = randomTensor(r, shape, 'float32', -8, 8);
        const y = c.op(x);
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe('float32');
        expectClose(y.dataSync(), Array.from(x.values, (v) => Math.fround(c.ref(v))), 2e-6, 1e-7, `${c.name} ${JSON.stringify(shape)}`);
      }
      const y = c.op(tf.tensor(EXTREMES)).dataSync();
      expect(Array.from(y).some(Number.isNaN), `${c.name} of extreme inputs has no NaN`).toBe(false);
      expectClose(y, EXTREMES.map((v) => Math.fround(c.ref(Math.fround(v)))), 2e-6, 1e-7, `${c.name} extremes`);
    });

    it(`${c.name}: activationBackward matches central finite differences`, () => {
      // dx = dy * f'(x) against dy * (f(x+h) - f(x-h)) / 2h in float64 with h = 1e-4
      // (truncation error ~h²·f'''/6 < 1e-8). Tolerance covers the float32 kernel:
      // rtol 2e-5, atol 2e-6.
      const n = 400;
      const xv = awayFromKinks(r, n, c.kinks, 1e-3);
      const dyv = Float32Array.from({ length: n }, () => r.normal());
      const x = tf.tensor(xv, [20, 20]);
      const dy = tf.tensor(dyv, [20, 20]);
      const dx = tf.activationBackward(c.grad, x, dy, c.options);
      expect(dx.shape).toEqual([20, 20]);
      const h = 1e-4;
      const expected = Array.from(xv, (v, i) => (dyv[i] * (c.ref(v + h) - c.ref(v - h))) / (2 * h));
      expectClose(dx.dataSync(), expected, 2e-5, 2e-6, `${c.name}'`);
      // No NaN where the forward pass saturates. NOTE: the tanh-approximate GELU gradient
      // kernel (native/activations.cc) computes 0 * inf = NaN once v*v overflows float32
      // (|x| > 1.8e19), so that case is checked only up to 1e19.
      const ext = tf.tensor(c.options?.approximate ? EXTREMES.filter((v) => Math.abs(v) <= 1e19).concat([1e19, -1e19]) : EXTREMES);
      const g = tf.activationBackward(c.grad, ext, tf.ones([ext.size]), c.options).dataSync();
      expect(Array.from(g).some(Number.isNaN), `${c.name}' of extreme inputs has no NaN`).toBe(false);
    });
  }

  it('relu, leakyRelu and relu6 use one-sided derivatives at their kinks', () => {
    const x = tf.tensor([0, 6]);
    const dy = tf.ones([2]);
    expectClose(tf.activationBackward('relu', x, dy).dataSync(), [0, 1], 0, 0);
    expectClose(tf.activationBackward('relu6', x, dy).dataSync(), [0, 0], 0, 0);
    expectClose(tf.activationBackward('leakyRelu', x, dy, { alpha: 0.5 }).dataSync(), [0.5, 1], 0, 0);
  });

  it('accepts int32 input and returns float32', () => {
    const y = tf.relu(tf.tensor([-2, 3], [2], 'int32'));
    expect(y.dtype).toBe('float32');
    expectClose(y.dataSync(), [0, 3], 0, 0);
  });
});

/** float64 softmax / logSoftmax of `values` (shape) along `axis`. */
function refSoftmax(values: ArrayLike<number>, shape: number[], axis: number, log: boolean): number[] {
  const n = sizeOf(shape);
  const out = new Array<number>(n);
  const len = shape[axis];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    if (idx[axis] !== 0) continue;
    const at = (k: number) => ravel(idx.map((v, d) => (d === axis ? k : v)), shape);
    let m = -Infinity;
    for (let k = 0; k < len; k++) m = Math.max(m, values[at(k)]);
    let s = 0;
    for (let k = 0; k < len; k++) s += Math.exp(values[at(k)] - m);
    for (let k = 0; k < len; k++) out[at(k)] = log ? values[at(k)] - m - Math.log(s) : Math.exp(values[at(k)] - m) / s;
  }
  return out;
}

describe('softmax and logSoftmax', () => {
  const r = new Random(22);
  const shapes = [[1], [5], [3, 4], [4, 1], [1, 6], [2, 3, 4], [3, 0, 2], [2, 1, 3, 2], [37, 10]];
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    const op = log ? tf.logSoftmax : tf.softmax;
    it(`${name} along every axis of random shapes`, () => {
      // Tolerance: expf within 2 ulp, float32 sums of <= 40 terms: softmax rtol 1e-5
      // atol 1e-7; logSoftmax atol 1e-6 (values are O(10)).
      for (const shape of shapes) {
        const x = randomTensor(r, shape, 'float32', -10, 10);
        for (let axis = -shape.length; axis < shape.length; axis++) {
          const y = op(x, axis);
          expect(y.shape).toEqual(shape);
          const ref = refSoftmax(x.values, shape, axis < 0 ? axis + shape.length : axis, log);
          expectClose(y.dataSync(), ref, 1e-5, log ? 1e-6 : 1e-7, `${name}(${JSON.stringify(shape)}, ${axis})`);
        }
        expectClose(op(x).dataSync(), refSoftmax(x.values, shape, shape.length - 1, log), 1e-5, log ? 1e-6 : 1e-7, `${name} default axis`);
      }
    });

    it(`${name} stays finite for very large and very small logits`, () => {
      const rows = [
        [1e4, 1e4 + 1, 1e4 - 50, -1e4],
        [3e38, 3e38, -3e38, 0],
        [-1e30, -1e30, -1e30, -1e30],
        [88, 89, 100, 1000],
        [-1000, 0, -1e-30, 1e-30],
      ];
      const x = tf.tensor(rows);
      const y = op(x).dataSync();
      expect(Array.from(y).some((v) => Number.isNaN(v) || v === Infinity), `${name} has no NaN / +Inf`).toBe(false);
      // logSoftmax: the result is x - lse rounded at the logits' magnitude: atol 2 ulp(max |x|) = 2.4e-7 * max|x|.
      // Rounded to float32, -3e38 - lse(3e38, ...) = -6e38 is -Infinity (row 1): the only non-finite value.
      const ref = refSoftmax(x.values, [5, 4], 1, log).map(Math.fround);
      rows.forEach((row, i) => {
        const scale = Math.max(...row.map(Math.abs));
        expectClose(Array.from(y.slice(i * 4, i * 4 + 4)), ref.slice(i * 4, i * 4 + 4), 1e-5, log ? 1e-6 + 2.4e-7 * scale : 1e-7, `${name} row ${i}`);
      });
      if (log) expect(Array.from(y).filter((v) => v === -Infinity).length, 'only -3e38 - 6e38 overflows').toBe(1);
    });

    it(`${name} backward matches finite differences along every axis`, () => {
      // VJP reference: dL/dx_i for L(x) = Σ dy · f(x), central differences in float64 with
      // h = 1e-5. Tolerance for the float32 kernel: rtol 2e-5, atol 2e-6.
      for (const shape of [[6], [3, 4], [2, 3, 4], [1, 5], [4, 1]]) {
        const x = randomTensor(r, shape, 'float32', -3, 3);
        const dy = randomTensor(r, shape, 'float32', -1, 1);
        for (let axis = -shape.length; axis < shape.length; axis++) {
          const ax = axis < 0 ? axis + shape.length : axis;
          const dx = tf.activationBackward(name, x, dy, { axis });
          const xv = Array.from(x.values);
          const L = (v: number[]) => refSoftmax(v, shape, ax, log).reduce((s, yi, i) => s + yi * dy.values[i], 0);
          const h = 1e-5;
          const expected = xv.map((_, i) => {
            const p = [...xv];
            const m = [...xv];
            p[i] += h;
            m[i] -= h;
            return (L(p) - L(m)) / (2 * h);
          });
          expectClose(dx.dataSync(), expected, 2e-5, 2e-6, `${name}'(${JSON.stringify(shape)}, axis ${axis})`);
        }
      }
    });
  }

  it('softmax of int32 input is float32; empty tensors give empty results', () => {
    const y = tf.softmax(tf.tensor([[0, 0]], [1, 2], 'int32'));
    expect(y.dtype).toBe('float32');
    expectClose(y.dataSync(), [0.5, 0.5], 0, 0);
    expect(tf.softmax(tf.zeros([0, 3])).shape).toEqual([0, 3]);
    expect(tf.logSoftmax(tf.zeros([2, 0]), 1).shape).toEqual([2, 0]);
    expect(tf.activationBackward('softmax', tf.zeros([0, 3]), tf.zeros([0, 3])).shape).toEqual([0, 3]);
  });

  it('softmax gives 0 to -Infinity logits and NaN to rows without a softmax, as TensorFlow.js does', () => {
    // TensorFlow.js 4.22 (cpu) gives these 12 values for the same rows.
    const y = tf.softmax(tf.tensor([[0, -Infinity, 0], [Infinity, 1, 2], [-Infinity, -Infinity, -Infinity], [1, NaN, 0]])).dataSync();
    expect(Array.from(y.slice(0, 3))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(y.slice(3)).every(Number.isNaN)).toBe(true);
    // Wide rows (the pass runs over whole vectors and a tail): one masked entry, the rest equal.
    const wide = new Float32Array(37).fill(2);
    wide[5] = -Infinity;
    const w = tf.softmax(tf.tensor(wide, [1, 37])).dataSync();
    expect(w[5]).toBe(0);
    expectClose(Array.from(w).filter((_, i) => i !== 5), new Array(36).fill(1 / 36), 1e-6, 0);
  });
});

describe('activation argument checks', () => {
  const ops: [string, (x: unknown) => tf.Tensor][] = [
    ['relu', tf.relu as never], ['relu6', tf.relu6 as never], ['leakyRelu', tf.leakyRelu as never], ['elu', tf.elu as never],
    ['selu', tf.selu as never], ['sigmoid', tf.sigmoid as never], ['tanh', tf.tanh as never], ['softplus', tf.softplus as never],
    ['softsign', tf.softsign as never], ['gelu', tf.gelu as never], ['silu', tf.silu as never], ['swish', tf.swish as never],
    ['softmax', tf.softmax as never], ['logSoftmax', tf.logSoftmax as never],
  ];
  for (const [name, op] of ops) {
    it(`${name} rejects non-tensors`, () => {
      expect(() => op([1, 2])).toThrow(TypeError);
      expect(() => op(3)).toThrow(`${name}: x must be a Tensor, got 3`);
    });
  }

  it('checks parameters', () => {
    const x = tf.zeros([2, 3]);
    expect(() => tf.leakyRelu(x, 'a' as never)).toThrow(TypeError);
    expect(() => tf.leakyRelu(x, 'a' as never)).toThrow("leakyRelu: alpha must be a number, got 'a'");
    expect(() => tf.leakyRelu(x, NaN)).toThrow(RangeError);
    expect(() => tf.gelu(x, 1 as never)).toThrow('gelu: approximate must be a boolean, got 1');
    expect(() => tf.softmax(tf.scalar(1))).toThrow('softmax: x must have rank >= 1, got a scalar');
    expect(() => tf.softmax(x, 2)).toThrow(RangeError);
    expect(() => tf.softmax(x, 2)).toThrow('softmax: axis 2 is out of range for rank 2 (valid: [-2, 1])');
    expect(() => tf.logSoftmax(x, -3)).toThrow('logSoftmax: axis -3 is out of range for rank 2 (valid: [-2, 1])');
    expect(() => tf.logSoftmax(x, 0.5)).toThrow(RangeError);
    expect(() => tf.softmax(x, '1' as never)).toThrow("softmax: axis must be an integer, got '1'");
  });

  it('activationBackward checks its arguments', () => {
    const x = tf.zeros([2]);
    expect(() => tf.activationBackward('foo' as never, x, x)).toThrow(RangeError);
    expect(() => tf.activationBackward('foo' as never, x, x)).toThrow("activationBackward: unknown activation 'foo'; valid values: relu, relu6,");
    expect(() => tf.activationBackward(3 as never, x, x)).toThrow(TypeError);
    expect(() => tf.activationBackward('relu', x, tf.zeros([3]))).toThrow('activationBackward: x and dy must have the same shape, got [2] and [3]');
    expect(() => tf.activationBackward('relu', x, tf.zeros([2, 1]))).toThrow(RangeError);
    expect(() => tf.activationBackward('relu', x, [0, 0] as never)).toThrow('activationBackward: dy must be a Tensor, got [0,0]');
    expect(() => tf.activationBackward('relu', 'x' as never, x)).toThrow(TypeError);
    expect(() => tf.activationBackward('relu', x, x, 5 as never)).toThrow('activationBackward: options must be an object, got 5');
    expect(() => tf.activationBackward('leakyRelu', x, x, { alpha: '1' as never })).toThrow("activationBackward: alpha must be a number, got '1'");
    expect(() => tf.activationBackward('gelu', x, x, { approximate: 'yes' as never })).toThrow(TypeError);
    expect(() => tf.activationBackward('softmax', x, x, { axis: 1 })).toThrow('activationBackward: axis 1 is out of range for rank 1 (valid: [-1, 0])');
    expect(() => tf.activationBackward('softmax', tf.scalar(0), tf.scalar(0))).toThrow('activationBackward: x must have rank >= 1, got a scalar');
  });
});
