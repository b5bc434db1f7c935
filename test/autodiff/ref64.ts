// A float64 evaluator of the differentiable ops, for finite differences that
// are not limited by float32 rounding: each gradient test writes its program
// once against the Ops interface and runs it through both tensorforge (the
// tape's analytic gradient) and this reference (central differences).
import * as tf from '../../src/index';
import { activateRow, ActName } from '../training/reference';
import { ravel, sizeOf, stridesOf, unravel } from '../ops/ref';

/** A float64 array with a shape. */
export interface R {
  shape: number[];
  data: Float64Array;
}

/** The ops a gradient-test program uses; implemented over tf.Tensor and over R. */
export interface Ops<T> {
  add(a: T, b: T): T; sub(a: T, b: T): T; mul(a: T, b: T): T; div(a: T, b: T): T;
  maximum(a: T, b: T): T; minimum(a: T, b: T): T; pow(a: T, b: T): T; squaredDifference(a: T, b: T): T;
  unary(name: 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs', x: T): T;
  act(name: string, x: T, axis?: number): T;
  matMul(a: T, b: T, tA: boolean, tB: boolean): T;
  reduce(name: 'sum' | 'mean' | 'prod' | 'max' | 'min', x: T, axis: number | number[] | null, keepDims: boolean): T;
  transpose(x: T, perm: number[]): T;
  slice(x: T, begin: number[], size: number[]): T;
  gather(x: T, indices: number[], axis: number): T;
  concat(xs: T[], axis: number): T;
  stack(xs: T[], axis: number): T;
  reshape(x: T, shape: number[]): T;
}

export const tfOps: Ops<tf.Tensor> = {
  add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div, maximum: tf.maximum, minimum: tf.minimum, pow: tf.pow,
  squaredDifference: tf.squaredDifference,
  unary: (name, x) => tf[name](x),
  act: (name, x, axis) => {
    if (name === 'softmax' || name === 'logSoftmax') return tf[name](x, axis ?? -1);
    if (name === 'geluTanh') return tf.gelu(x, true);
    return (tf as unknown as Record<string, (t: tf.Tensor) => tf.Tensor>)[name](x);
  },
  matMul: tf.matMul,
  reduce: (name, x, axis, keepDims) => tf[name](x, axis, keepDims),
  transpose: tf.transpose,
  slice: tf.slice,
  gather: (x, idx, axis) => tf.gather(x, idx, axis),
  concat: tf.concat,
  stack: tf.stack,
  reshape: (x, shape) => x.reshape(shape),
};

function make(shape: number[], f: (i: number) => number): R {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(i);
  return { shape, data };
}

function broadcast(a: R, b: R, f: (p: number, q: number) => number): R {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array(rank - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  return make(shape, (i) => {
    const idx = unravel(i, shape);
    return f(a.data[ravel(idx.map((v, d) => (pa[d] === 1 ? 0 : v)), pa)], b.data[ravel(idx.map((v, d) => (pb[d] === 1 ? 0 : v)), pb)]);
  });
}

const ACT64: Record<string, (x: number) => number> = {
  relu: (x) => activateRow('relu', [x])[0], relu6: (x) => activateRow('relu6', [x])[0],
  leakyRelu: (x) => activateRow('leakyRelu', [x], 0.2)[0], elu: (x) => activateRow('elu', [x])[0],
  selu: (x) => activateRow('selu', [x])[0], sigmoid: (x) => activateRow('sigmoid', [x])[0],
  tanh: Math.tanh, softplus: (x) => activateRow('softplus', [x])[0], softsign: (x) => activateRow('softsign', [x])[0],
  gelu: (x) => activateRow('gelu', [x])[0], geluTanh: (x) => activateRow('gelu_new' as ActName, [x])[0],
  silu: (x) => activateRow('silu', [x])[0], swish: (x) => activateRow('silu', [x])[0],
};

export const refOps: Ops<R> = {
  add: (a, b) => broadcast(a, b, (p, q) => p + q),
  sub: (a, b) => broadcast(a, b, (p, q) => p - q),
  mul: (a, b) => broadcast(a, b, (p, q) => p * q),
  div: (a, b) => broadcast(a, b, (p, q) => p / q),
  maximum: (a, b) => broadcast(a, b, Math.max),
  minimum: (a, b) => broadcast(a, b, Math.min),
  pow: (a, b) => broadcast(a, b, Math.pow),
  squaredDifference: (a, b) => broadcast(a, b, (p, q) => (p - q) ** 2),
  unary: (name, x) => {
    const f = { neg: (v: number) => -v, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, square: (v: number) => v * v, abs: Math.abs }[name];
    return make(x.shape, (i) => f(x.data[i]));
  },
  act: (name, x, axis) => {
    if (name === 'softmax' || name === 'logSoftmax') {
      const ax = (axis ?? -1) < 0 ? x.shape.length + (axis ?? -1) : (axis as number);
      const out = make(x.shape, () => 0);
      const st = stridesOf(x.shape);
      for (let i = 0; i < out.data.length; i++) {
        const idx = unravel(i, x.shape);
        if (idx[ax] !== 0) continue;
        const base = ravel(idx, x.shape);
        const row = Array.from({ length: x.shape[ax] }, (_, k) => x.data[base + k * st[ax]]);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        row.forEach((v, k) => (out.data[base + k * st[ax]] = name === 'softmax' ? Math.exp(v - lse) : v - lse));
      }
      return out;
    }
    return make(x.shape, (i) => ACT64[name](x.data[i]));
  },
  matMul: (a, b, tA, tB) => {
    const batched = a.shape.length === 3;
    const B = batched ? a.shape[0] : 1;
    const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
    const M = tA ? ac : ar, K = tA ? ar : ac, N = tB ? br : bc;
    const shape = batched ? [B, M, N] : [M, N];
    return make(shape, (i) => {
      const bi = Math.floor(i / (M * N)), m = Math.floor(i / N) % M, n = i % N;
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = a.data[bi * ar * ac + (tA ? k * ac + m : m * ac + k)];
        const bv = b.data[bi * br * bc + (tB ? n * bc + k : k * bc + n)];
        s += av * bv;
      }
      return s;
    });
  },
  reduce: (name, x, axis, keepDims) => {
    const rank = x.shape.length;
    const axes = axis === null ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const n = axes.reduce((p, a) => p * x.shape[a], 1);
    const init = { sum: 0, mean: 0, prod: 1, max: -Infinity, min: Infinity }[name];
    const out = make(kept, () => init);
    for (let i = 0; i < x.data.length; i++) {
      const o = ravel(unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v)), kept);
      const v = x.data[i];
      out.data[o] = name === 'prod' ? out.data[o] * v : name === 'max' ? Math.max(out.data[o], v) : name === 'min' ? Math.min(out.data[o], v) : out.data[o] + v;
    }
    if (name === 'mean') for (let i = 0; i < out.data.length; i++) out.data[i] /= n;
    return { shape: keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i)), data: out.data };
  },
  transpose: (x, perm) => {
    const shape = perm.map((p) => x.shape[p]);
    return make(shape, (i) => {
      const idx = unravel(i, shape);
      const src = new Array(x.shape.length);
      perm.forEach((p, k) => (src[p] = idx[k]));
      return x.data[ravel(src, x.shape)];
    });
  },
  slice: (x, begin, size) => make(size, (i) => x.data[ravel(unravel(i, size).map((v, d) => v + begin[d]), x.shape)]),
  gather: (x, indices, axis) => {
    const shape = [...x.shape.slice(0, axis), indices.length, ...x.shape.slice(axis + 1)];
    return make(shape, (i) => {
      const idx = unravel(i, shape);
      idx[axis] = indices[idx[axis]];
      return x.data[ravel(idx, x.shape)];
    });
  },
  concat: (xs, axis) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((p, t) => p + t.shape[axis], 0);
    return make(shape, (i) => {
      const idx = unravel(i, shape);
      let k = 0;
      while (idx[axis] >= xs[k].shape[axis]) idx[axis] -= xs[k++].shape[axis];
      return xs[k].data[ravel(idx, xs[k].shape)];
    });
  },
  stack: (xs, axis) => refOps.concat(xs.map((t) => ({ shape: [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)], data: t.data })), axis),
  reshape: (x, shape) => ({ shape, data: x.data }),
};

/** A float64 copy of a tensor. */
export function toR(t: tf.Tensor): R {
  return { shape: [...t.shape], data: Float64Array.from(t.dataSync()) };
}
