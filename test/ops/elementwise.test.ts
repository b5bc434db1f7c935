import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { expectClose, expectEqual, randomShape, randomTensor, ravel, refTranspose, sizeOf, unravel } from './ref';

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'squaredDifference';
const BINARY: BinaryName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'squaredDifference'];

const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

// float64 references; the result is rounded to float32 before comparing.
const REF_F32: Record<BinaryName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: nanMax,
  minimum: nanMin,
  pow: (a, b) => Math.pow(a, b),
  squaredDifference: (a, b) => (a - b) * (a - b),
};

// Tolerances (relative, against the float64 result rounded to float32):
// + - * / max min are correctly rounded IEEE operations, so they must match
// exactly; (a-b)² rounds twice (<= 3 half-ulps); powf is within 2 ulp.
const RTOL_F32: Record<BinaryName, number> = {
  add: 0, sub: 0, mul: 0, div: 0, maximum: 0, minimum: 0, pow: 2.4e-7, squaredDifference: 3e-7,
};

function ipow(a: number, b: number): number {
  if (b < 0) return Math.pow(a, b) | 0; // what tfjs's Math.pow stored into an Int32Array gives
  return Number(BigInt.asIntN(32, BigInt(a) ** BigInt(b)));
}

// Exact int32 references with TensorFlow.js's Int32Array-store semantics.
const REF_I32: Record<BinaryName, (a: number, b: number) => number> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: (a, b) => Math.imul(a, b),
  div: (a, b) => (b === 0 ? 0 : Math.floor(a / b) | 0),
  maximum: Math.max,
  minimum: Math.min,
  pow: ipow,
  squaredDifference: (a, b) => Math.imul((a - b) | 0, (a - b) | 0),
};

/** Broadcast reference: for each output index, read a and b at their (right-aligned, clamped) indices. */
function refBinary(f: (a: number, b: number) => number, a: tf.Tensor, b: tf.Tensor, round: boolean): { values: number[]; shape: number[] } {
  const rank = Math.max(a.rank, b.rank);
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bs = pad(b.shape);
  const shape = as.map((d, i) => (d === 1 ? bs[i] : d));
  const n = sizeOf(shape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    const va = a.values[ravel(idx.map((k, d) => (as[d] === 1 ? 0 : k)), as)];
    const vb = b.values[ravel(idx.map((k, d) => (bs[d] === 1 ? 0 : k)), bs)];
    out[i] = round ? Math.fround(f(va, vb)) : f(va, vb);
  }
  return { values: out, shape };
}

function shapePairs(r: Random): [number[], number[]][] {
  const pairs: [number[], number[]][] = [
    [[], []], [[3], []], [[], [3]], [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 3], [2, 1]], [[3, 1], [1, 4]],
    [[0, 3], [3]], [[2, 0], [1]], [[0], []], [[1, 1], [1]], [[1], [1, 1, 1]], [[64, 65], [65]], [[64, 1], [1, 65]],
    [[1000], [1000]], [[1000], []], [[], [1000]], [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1]],
  ];
  const base = [2, 3, 4, 5];
  for (let k = 0; k < base.length; k++) {
    const one = base.map((d, i) => (i === k ? 1 : d));
    pairs.push([base, one], [one, base]);
  }
  for (let k = 1; k < base.length; k++) pairs.push([base, base.slice(k)], [base.slice(k), base]);
  for (let c = 0; c < 16; c++) {
    const s = randomShape(r, 0, 5, 1, 4);
    const t = s.map((d) => (r.uniform() < 0.35 ? 1 : d)).slice(r.int(s.length + 1));
    const u = s.map((d) => (r.uniform() < 0.2 ? 1 : d));
    pairs.push(r.uniform() < 0.5 ? [u, t] : [t, u]);
  }
  return pairs;
}

function inputsFor(r: Random, name: BinaryName, dtype: tf.DataType, shape: number[], which: 'a' | 'b'): tf.Tensor {
  if (name === 'pow') {
    if (dtype === 'int32') return which === 'a' ? randomTensor(r, shape, 'int32', -5, 5) : randomTensor(r, shape, 'int32', -2, 7);
    return which === 'a' ? randomTensor(r, shape, 'float32', 0.1, 3) : randomTensor(r, shape, 'float32', -3, 3);
  }
  return dtype === 'int32' ? randomTensor(r, shape, 'int32', -20, 20) : randomTensor(r, shape, 'float32', -4, 4);
}

describe('binary ops with broadcasting', () => {
  const r = new Random(11);
  const pairs = shapePairs(r);
  for (const name of BINARY) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`${name} ${dtype} on ${pairs.length} shape pairs`, () => {
        for (const [sa, sb] of pairs) {
          const a = inputsFor(r, name, dtype, sa, 'a');
          const b = inputsFor(r, name, dtype, sb, 'b');
          const c = tf[name](a, b);
          const ref = refBinary(dtype === 'int32' ? REF_I32[name] : REF_F32[name], a, b, dtype === 'float32');
          const label = `${name}(${JSON.stringify(sa)}, ${JSON.stringify(sb)})`;
          expect(c.shape, label).toEqual(ref.shape);
          expect(c.dtype).toBe(dtype);
          if (dtype === 'int32') expectEqual(c.dataSync(), ref.values, label);
          else expectClose(c.dataSync(), ref.values, RTOL_F32[name], 0, label);
        }
      });
    }
  }

  it('handles transposed (non-contiguous source) operands', () => {
    for (const [shape, perm, other] of [
      [[4, 3], [1, 0], [4]],
      [[2, 3, 4], [2, 0, 1], [2, 3]],
      [[5, 1, 6], [2, 1, 0], [1, 1, 5]],
      [[3, 4, 5, 2], [3, 1, 0, 2], [4, 1, 5]],
    ] as const) {
      const x = randomTensor(r, [...shape]);
      const y = randomTensor(r, [...other]);
      const xt = tf.transpose(x, [...perm]);
      const xr = refTranspose(x.values, shape, perm);
      expect(xt.shape).toEqual(xr.shape);
      const ref = refBinary(REF_F32.mul, tf.tensor(xr.values, xr.shape), y, true);
      const got = tf.mul(xt, y);
      expect(got.shape).toEqual(ref.shape);
      expectEqual(got.dataSync(), ref.values, `mul(transpose(${JSON.stringify(shape)}), ${JSON.stringify(other)})`);
      expectEqual(tf.sub(y, xt).dataSync(), refBinary(REF_F32.sub, y, tf.tensor(xr.values, xr.shape), true).values);
    }
  });

  it('propagates NaN through maximum and minimum', () => {
    const a = tf.tensor([NaN, 1, NaN, -Infinity]);
    const b = tf.tensor([1, NaN, NaN, 2]);
    expectEqual(tf.maximum(a, b).dataSync(), [NaN, NaN, NaN, 2]);
    expectEqual(tf.minimum(a, b).dataSync(), [NaN, NaN, NaN, -Infinity]);
  });

  it('follows IEEE semantics for float division and pow edge cases', () => {
    expectEqual(tf.div(tf.tensor([1, -1, 0]), tf.tensor([0, 0, 0])).dataSync(), [Infinity, -Infinity, NaN]);
    expectEqual(tf.pow(tf.tensor([-2, 0, 2, -8]), tf.tensor([3, 0, 0.5, 1 / 3])).dataSync(), [-8, 1, Math.fround(Math.SQRT2), NaN]);
  });

  it('int32 wraps, floor-divides and divides by zero like tfjs', () => {
    const I = (v: number[]) => tf.tensor(v, [v.length], 'int32');
    const max = 2 ** 31 - 1;
    const min = -(2 ** 31);
    expectEqual(tf.add(I([max, min]), I([1, -1])).dataSync(), [min, max]);
    expectEqual(tf.sub(I([min]), I([1])).dataSync(), [max]);
    expectEqual(tf.mul(I([65536, max]), I([65536, 2])).dataSync(), [0, -2]);
    expectEqual(tf.div(I([-7, 7, -7, 7, 6, min, 5, -5, 0]), I([2, -2, -2, 2, 3, -1, 0, 0, 0])).dataSync(), [-4, -4, 3, 3, 2, min, 0, 0, 0]);
    expectEqual(tf.pow(I([2, 3, 1, -1, -1, 0, 2, 0, -3]), I([31, 21, -5, -3, -4, -1, -1, 0, 3])).dataSync(),
      [min, Number(BigInt.asIntN(32, 3n ** 21n)), 1, -1, 1, 0, 0, 1, -27]);
    expectEqual(tf.squaredDifference(I([max]), I([-1])).dataSync(), [0]);
  });
});

type UnaryName = 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs';
const UNARY: Record<UnaryName, { f: (x: number) => number; rtol: number; lo: number; hi: number }> = {
  // Tolerances: neg/abs/sqrt/square are exact (correctly rounded); expf/logf are within 2 ulp.
  neg: { f: (x) => -x, rtol: 0, lo: -50, hi: 50 },
  exp: { f: Math.exp, rtol: 2.4e-7, lo: -20, hi: 20 },
  log: { f: Math.log, rtol: 2.4e-7, lo: 1e-6, hi: 1e6 },
  sqrt: { f: Math.sqrt, rtol: 0, lo: 0, hi: 1e4 },
  square: { f: (x) => x * x, rtol: 0, lo: -100, hi: 100 },
  abs: { f: Math.abs, rtol: 0, lo: -50, hi: 50 },
};

describe('unary ops', () => {
  const r = new Random(12);
  const shapes = [[], [0], [1], [7], [3, 0, 2], [2, 3], [4, 1, 5], [1000]];
  const extremes = [0, -0, 1e-38, -1e-38, 1e-45, 88, 89, -87, -104, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
  for (const [name, spec] of Object.entries(UNARY) as [UnaryName, (typeof UNARY)[UnaryName]][]) {
    it(`${name} float32 on random shapes and extreme values`, () => {
      for (const shape of shapes) {
        const x = randomTensor(r, shape, 'float32', spec.lo, spec.hi);
        const y = tf[name](x);
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe('float32');
        expectClose(y.dataSync(), Array.from(x.values, (v) => Math.fround(spec.f(v))), spec.rtol, 0, `${name} ${JSON.stringify(shape)}`);
      }
      const x = tf.tensor(extremes);
      expectClose(tf[name](x).dataSync(), extremes.map((v) => Math.fround(spec.f(Math.fround(v)))), spec.rtol, 0, `${name} extremes`);
    });
  }

  it('exp overflows to Infinity and underflows to 0; log gives -Infinity at 0 and NaN below', () => {
    expectEqual(tf.exp(tf.tensor([100, -200, 1000, -1000])).dataSync(), [Infinity, 0, Infinity, 0]);
    expectEqual(tf.log(tf.tensor([0, -1, 1e-45, Infinity])).dataSync(), [-Infinity, NaN, Math.fround(Math.log(Math.fround(1e-45))), Infinity]);
    expectEqual(tf.sqrt(tf.tensor([-1, 0, 4])).dataSync(), [NaN, 0, 2]);
  });

  it('int32: neg, abs, square stay int32 and wrap; exp, log, sqrt give float32', () => {
    const min = -(2 ** 31);
    const x = tf.tensor([min, -5, 0, 7, 2 ** 31 - 1, 46341], [6], 'int32');
    for (const [name, f] of [['neg', (v: number) => -v | 0], ['abs', (v: number) => Math.abs(v) | 0], ['square', (v: number) => Math.imul(v, v)]] as const) {
      const y = tf[name](x);
      expect(y.dtype).toBe('int32');
      expectEqual(y.dataSync(), Array.from(x.values, f), name);
    }
    const small = tf.tensor([1, 4, 9], [3], 'int32');
    for (const name of ['exp', 'log', 'sqrt'] as const) {
      const y = tf[name](small);
      expect(y.dtype).toBe('float32');
      expectClose(y.dataSync(), [1, 4, 9].map((v) => Math.fround(UNARY[name].f(v))), UNARY[name].rtol, 0, name);
    }
  });
});

describe('elementwise argument checks', () => {
  for (const name of BINARY) {
    it(`${name} rejects bad inputs`, () => {
      const op = tf[name] as (a: unknown, b: unknown) => tf.Tensor;
      expect(() => op('2', tf.zeros([2]))).toThrow(TypeError);
      expect(() => op('2', tf.zeros([2]))).toThrow(`${name}: a must be a Tensor or a number, got '2'`);
      expect(() => op(tf.zeros([2]), [1, 2])).toThrow(`${name}: b must be a Tensor or a number, got [1,2]`);
      expect(() => op(tf.zeros([2]), tf.zeros([2], 'int32'))).toThrow(TypeError);
      expect(() => op(tf.zeros([2]), tf.zeros([2], 'int32'))).toThrow(`${name}: a and b must have the same dtype, got float32 and int32`);
      expect(() => op(tf.zeros([2, 3]), tf.zeros([4]))).toThrow(RangeError);
      expect(() => op(tf.zeros([2, 3]), tf.zeros([4]))).toThrow(`${name}: shapes [2,3] and [4] do not broadcast (dimension 3 vs 4)`);
      expect(() => op(tf.zeros([2, 3, 1]), tf.zeros([5, 1, 4]))).toThrow(`${name}: shapes [2,3,1] and [5,1,4] do not broadcast (dimension 2 vs 5)`);
    });
  }

  it('takes a number for either operand, as TensorFlow.js does: a float32 scalar, an int32 tensor beside it computed in float32', () => {
    for (const name of BINARY) {
      const op = tf[name] as (a: unknown, b: unknown) => tf.Tensor;
      const x = tf.tensor1d([1.5, -2, 3]);
      expect(Array.from(op(x, 2).dataSync())).toEqual(Array.from(op(x, tf.scalar(2)).dataSync()));
      expect(Array.from(op(2, x).dataSync())).toEqual(Array.from(op(tf.scalar(2), x).dataSync()));
      const i = tf.tensor1d([1, -2, 3], 'int32');
      const y = op(i, 2);
      expect(y.dtype).toBe('float32');
      expect(Array.from(y.dataSync())).toEqual(Array.from(op(tf.tensor1d([1, -2, 3]), tf.scalar(2)).dataSync()));
      expect(op(3, 4).shape).toEqual([]);
    }
    // Under the tape, the tensor operand gets its gradient.
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.add(x, 1), 3)))(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([3, 3]);
  });

  it('rejects broadcasts that need more than 8 strided dimensions, accepts high ranks that merge', () => {
    const a = tf.zeros([2, 1, 2, 1, 2, 1, 2, 1, 2]);
    const b = tf.zeros([1, 2, 1, 2, 1, 2, 1, 2, 1]);
    expect(() => tf.add(a, b)).toThrow(RangeError);
    expect(() => tf.add(a, b)).toThrow(
      'add: broadcasting [2,1,2,1,2,1,2,1,2] with [1,2,1,2,1,2,1,2,1] needs 9 strided dimensions after merging contiguous ones; at most 8 are supported');
    const big = randomTensor(new Random(1), new Array(12).fill(2));
    expectEqual(tf.add(big, big).dataSync(), Array.from(big.values, (v) => 2 * v));
    const c = tf.add(tf.ones([2, 1, 2, 1, 2, 1, 2, 1]), tf.ones([1, 2, 1, 2, 1, 2, 1, 2]));
    expect(c.shape).toEqual(new Array(8).fill(2));
    expectEqual(c.dataSync(), new Array(256).fill(2));
  });

  for (const name of Object.keys(UNARY) as UnaryName[]) {
    it(`${name} rejects non-tensors`, () => {
      const op = tf[name] as (x: unknown) => tf.Tensor;
      expect(() => op([1, 2])).toThrow(TypeError);
      expect(() => op(null)).toThrow(`${name}: x must be a Tensor, got null`);
    });
  }
});

describe('small operands (computed without the native call) give the native bits', () => {
  // Values where float32 rounding, signed zeros, subnormals, overflow and NaN show.
  const specials = [0, -0, 1, -1, 0.1, 1 / 3, 3.4e38, -3.4e38, 1.4e-45, -1.4e-45, 1.1754942e-38, Infinity, -Infinity, NaN, 16777217, 1e-7, 65504, 2.5];
  const n = 64;
  const a = Float32Array.from({ length: n }, (_, i) => specials[i % specials.length] * (i % 5 === 0 ? 1 : 1.0000001));
  const b = Float32Array.from({ length: n }, (_, i) => specials[(i * 7 + 3) % specials.length]);
  const ia = Int32Array.from({ length: n }, (_, i) => [2147483647, -2147483648, 65537, -3, 0, 46341][i % 6] * (i % 2 ? 1 : -1) | 0);
  const ib = Int32Array.from({ length: n }, (_, i) => [2, -1, 65537, 46341, 7, -2147483648][i % 6]);
  const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
  for (const [name, op] of Object.entries(ops)) {
    it(`${name}: float32 (and int32 but div) equals the native result of the same values in a larger tensor`, () => {
      // n + 1 elements take the native kernel; the first n are the same operation.
      const big = (v: Float32Array | Int32Array) => (v instanceof Int32Array ? Int32Array.from([...v, 1]) : Float32Array.from([...v, 1]));
      const cases: [Float32Array | Int32Array, Float32Array | Int32Array][] = [[a, b]];
      if (name !== 'div') cases.push([ia, ib]);
      for (const [x, y] of cases) {
        const dtype = x instanceof Int32Array ? 'int32' : 'float32';
        const small = op(tf.tensor(x, [n], dtype), tf.tensor(y, [n], dtype)).dataSync();
        const native = op(tf.tensor(big(x), [n + 1], dtype), tf.tensor(big(y), [n + 1], dtype)).dataSync().subarray(0, n);
        expect(Array.from(small, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(Array.from(native, (v) => (Object.is(v, -0) ? '-0' : String(v))));
        // A scalar operand on either side, too.
        const s1 = op(tf.tensor(x.subarray(0, 1), [1], dtype), tf.tensor(y, [n], dtype)).dataSync();
        const s2 = op(tf.tensor(big(x).subarray(0, 1), [1], dtype), tf.tensor(big(y), [n + 1], dtype)).dataSync().subarray(0, n);
        expect(Array.from(s1, String)).toEqual(Array.from(s2, String));
      }
    });
  }
});
