// Shared helpers for the op tests: random shapes and tensors, N-d index
// arithmetic, and a float64 comparison that names the first mismatch.
import { expect } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Multi-index of flat position i in a row-major shape. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** A random shape: rank in [minRank, maxRank], dims in [minDim, maxDim]. */
export function randomShape(r: Random, minRank: number, maxRank: number, minDim = 1, maxDim = 5): number[] {
  const rank = minRank + r.int(maxRank - minRank + 1);
  return Array.from({ length: rank }, () => minDim + r.int(maxDim - minDim + 1));
}

/** Uniform float32 values in [lo, hi), or int32 integers in [lo, hi]. */
export function randomTensor(r: Random, shape: number[], dtype: tf.DataType = 'float32', lo = -2, hi = 2): tf.Tensor {
  const n = sizeOf(shape);
  if (dtype === 'int32') return tf.tensor(Int32Array.from({ length: n }, () => lo + r.int(hi - lo + 1)), shape, 'int32');
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * r.uniform()), shape, 'float32');
}

/** Reference transpose in JavaScript. */
export function refTranspose(values: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): { values: number[]; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const n = sizeOf(shape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, outShape);
    const src = new Array<number>(shape.length);
    perm.forEach((p, k) => (src[p] = oi[k]));
    out[i] = values[ravel(src, shape)];
  }
  return { values: out, shape: outShape };
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, with
 * NaN matching NaN and infinities matching exactly. Reports the first miss.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${label} element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Asserts exact equality (NaN == NaN, -0 == 0), reporting the first miss. */
export function expectEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  expectClose(actual, expected, 0, 0, label);
}

/** Float64 erf, accurate to ~1e-15: erf(x) = 2/√π · e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3···(2n+1)) (all terms positive). */
export function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}
