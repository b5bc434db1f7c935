// Elementwise math custom code needs besides the native unary/binary kernels
// (log1p, rsqrt, sign, rounding, clipByValue, mod, where), and the
// comparisons and logical ops. Loops in TypeScript: each is one pass over
// its operands, with broadcasting as in elementwise.ts. Comparisons and
// logical ops give int32 0/1 (TensorFlow.js gives bool, a dtype tensorforge
// does not have); they are not differentiable. Gradients:
// autodiff/gradients/math.ts.
import { checkNumber, rangeError, typeError } from '../errors';
import { TAPE, record } from '../autodiff/tape';
import { DataType, Tensor, checkTensor, ownedTensor, sizeFromShape } from '../tensor';
import { allocate, broadcastShapes, broadcastStrides } from './shapes';

/** f over x's values into a new tensor of `dtype` (float32 for float functions of int32 input). */
function mapUnary(fn: string, x: Tensor, dtype: DataType, f: (v: number) => number): Tensor {
  checkTensor(fn, 'x', x);
  const v = x.backing.array;
  const out = allocate(dtype, v.length, fn);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
  return ownedTensor(out, x.shape, dtype);
}

function floatUnary(fn: string, kernel: string, x: Tensor, f: (v: number) => number): Tensor {
  const y = mapUnary(fn, x, 'float32', f);
  if (TAPE.active !== null) record(kernel, [x], y);
  return y;
}

/** log(1 + x), exact for small |x| (int32 input gives float32). */
export function log1p(x: Tensor): Tensor {
  return floatUnary('log1p', 'Log1p', x, Math.log1p);
}

/** 1 / sqrt(x) elementwise. */
export function rsqrt(x: Tensor): Tensor {
  return floatUnary('rsqrt', 'Rsqrt', x, (v) => 1 / Math.sqrt(v));
}

/** 1 / x elementwise. */
export function reciprocal(x: Tensor): Tensor {
  return floatUnary('reciprocal', 'Reciprocal', x, (v) => 1 / v);
}

/** -1, 0 or 1 by the sign of x (0 for NaN, as TensorFlow.js); keeps x's dtype. Gradient zero. */
export function sign(x: Tensor): Tensor {
  const fn = 'sign';
  checkTensor(fn, 'x', x);
  const y = mapUnary(fn, x, x.dtype, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0));
  if (TAPE.active !== null) record('Sign', [x], y);
  return y;
}

/** Largest integer <= x, elementwise (float32). Gradient zero. */
export function floor(x: Tensor): Tensor {
  return floatUnary('floor', 'Floor', x, Math.floor);
}

/** Smallest integer >= x, elementwise (float32). Gradient zero. */
export function ceil(x: Tensor): Tensor {
  return floatUnary('ceil', 'Ceil', x, Math.ceil);
}

/** Rounds half to even, as TensorFlow.js (0.5 -> 0, 1.5 -> 2). Gradient zero. */
export function round(x: Tensor): Tensor {
  return floatUnary('round', 'Round', x, (v) => {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  });
}

/**
 * x limited to [clipValueMin, clipValueMax] elementwise. The gradient passes
 * where x lies inside the range (ends included), as TensorFlow.js.
 */
export function clipByValue(x: Tensor, clipValueMin: number, clipValueMax: number): Tensor {
  const fn = 'clipByValue';
  checkTensor(fn, 'x', x);
  const lo = checkNumber(fn, 'clipValueMin', clipValueMin);
  const hi = checkNumber(fn, 'clipValueMax', clipValueMax);
  if (!(lo <= hi)) throw rangeError(fn, `clipValueMin (${lo}) must be <= clipValueMax (${hi})`);
  const y = mapUnary(fn, x, x.dtype, (v) => (v < lo ? lo : v > hi ? hi : v));
  if (TAPE.active !== null) record('ClipByValue', [x], y, { lo, hi });
  return y;
}

/** @internal f(a, b) over the broadcast of a and b into a new tensor of `dtype`. */
export function mapBinary(fn: string, a: Tensor, b: Tensor, dtype: DataType, f: (p: number, q: number) => number, names: [string, string] = ['a', 'b']): Tensor {
  checkTensor(fn, names[0], a);
  checkTensor(fn, names[1], b);
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const size = sizeFromShape(fn, shape);
  const out = allocate(dtype, size, fn);
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  const av = a.backing.array, bv = b.backing.array;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let k = 0; k < size; k++) {
    out[k] = f(av[ia], bv[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return ownedTensor(out, shape, dtype);
}

function sameDtype(fn: string, a: unknown, b: unknown): void {
  checkTensor(fn, 'a', a);
  checkTensor(fn, 'b', b);
  if ((a as Tensor).dtype !== (b as Tensor).dtype) throw typeError(fn, `a and b must have the same dtype, got ${(a as Tensor).dtype} and ${(b as Tensor).dtype}`);
}

/**
 * Floor modulus a mod b with broadcasting: the result has b's sign, as
 * TensorFlow.js (`-7 mod 3 = 2`); x mod 0 is NaN for float32, 0 for int32.
 */
export function mod(a: Tensor, b: Tensor): Tensor {
  const fn = 'mod';
  sameDtype(fn, a, b);
  const int = a.dtype === 'int32';
  const y = mapBinary(fn, a, b, a.dtype, (p, q) => {
    if (q === 0) return int ? 0 : NaN;
    const r = p % q;
    return r !== 0 && (r < 0) !== (q < 0) ? r + q : r;
  });
  if (TAPE.active !== null) record('Mod', [a, b], y);
  return y;
}

function comparison(fn: string, a: Tensor, b: Tensor, f: (p: number, q: number) => boolean): Tensor {
  sameDtype(fn, a, b);
  return mapBinary(fn, a, b, 'int32', (p, q) => (f(p, q) ? 1 : 0));
}

/** a > b elementwise with broadcasting, as int32 0/1 (TensorFlow.js: bool). */
export function greater(a: Tensor, b: Tensor): Tensor {
  return comparison('greater', a, b, (p, q) => p > q);
}
/** a >= b elementwise, as int32 0/1. */
export function greaterEqual(a: Tensor, b: Tensor): Tensor {
  return comparison('greaterEqual', a, b, (p, q) => p >= q);
}
/** a < b elementwise, as int32 0/1. */
export function less(a: Tensor, b: Tensor): Tensor {
  return comparison('less', a, b, (p, q) => p < q);
}
/** a <= b elementwise, as int32 0/1. */
export function lessEqual(a: Tensor, b: Tensor): Tensor {
  return comparison('lessEqual', a, b, (p, q) => p <= q);
}
/** a == b elementwise, as int32 0/1 (NaN equals nothing). */
export function equal(a: Tensor, b: Tensor): Tensor {
  return comparison('equal', a, b, (p, q) => p === q);
}
/** a != b elementwise, as int32 0/1. */
export function notEqual(a: Tensor, b: Tensor): Tensor {
  return comparison('notEqual', a, b, (p, q) => p !== q);
}

function checkBoolLike(fn: string, name: string, t: unknown): Tensor {
  checkTensor(fn, name, t);
  if ((t as Tensor).dtype !== 'int32') throw typeError(fn, `${name} must be an int32 tensor of 0/1 (tensorforge's bool), got ${(t as Tensor).dtype}`);
  return t as Tensor;
}

/** a AND b elementwise over int32 0/1 tensors (any non-zero counts as true), as int32 0/1. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  checkBoolLike('logicalAnd', 'a', a);
  checkBoolLike('logicalAnd', 'b', b);
  return mapBinary('logicalAnd', a, b, 'int32', (p, q) => (p !== 0 && q !== 0 ? 1 : 0));
}
/** a OR b elementwise over int32 0/1 tensors, as int32 0/1. */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  checkBoolLike('logicalOr', 'a', a);
  checkBoolLike('logicalOr', 'b', b);
  return mapBinary('logicalOr', a, b, 'int32', (p, q) => (p !== 0 || q !== 0 ? 1 : 0));
}
/** NOT x elementwise over an int32 0/1 tensor, as int32 0/1. */
export function logicalNot(x: Tensor): Tensor {
  checkBoolLike('logicalNot', 'x', x);
  return mapUnary('logicalNot', x, 'int32', (v) => (v === 0 ? 1 : 0));
}

/**
 * a where `condition` is non-zero, else b; the three broadcast together.
 * `condition` is an int32 0/1 tensor (TensorFlow.js: bool), as the
 * comparisons return.
 */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  const fn = 'where';
  checkBoolLike(fn, 'condition', condition);
  sameDtype(fn, a, b);
  const shape = broadcastShapes(fn, condition.shape, broadcastShapes(fn, a.shape, b.shape));
  const size = sizeFromShape(fn, shape);
  const out = allocate(a.dtype, size, fn);
  const sc = broadcastStrides(condition.shape, shape), sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  const cv = condition.backing.array, av = a.backing.array, bv = b.backing.array;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let ic = 0, ia = 0, ib = 0;
  for (let k = 0; k < size; k++) {
    out[k] = cv[ic] !== 0 ? av[ia] : bv[ib];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ic += sc[d];
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ic -= sc[d] * shape[d];
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  const y = ownedTensor(out, shape, a.dtype);
  if (TAPE.active !== null) record('Select', [condition, a, b], y);
  return y;
}
