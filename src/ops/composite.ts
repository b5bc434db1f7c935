// Ops built from other ops (their gradients come from the tape through the
// parts): norm, moments, logSumExp, dot, outerProduct; and the creation ops
// linspace, range, eye, zerosLike, onesLike.
import { checkBool, checkInt, checkNumber, checkOneOf, rangeError, show, typeError } from '../errors';
import { DataType, Tensor, checkTensor, fill, ownedTensor, sizeFromShape, zeros } from '../tensor';
import { abs, add, exp, log, pow, sqrt, square, sub } from './elementwise';
import { matMul } from './matmul';
import { Axis, max, mean, min, sum } from './reduce';
import { allocate, normalizeAxes } from './shapes';

/**
 * The norm of x over `axis` (default: all of x as one vector), as
 * TensorFlow.js: `ord` 'euclidean' (default, also 'fro' and 2), 1, Infinity,
 * -Infinity, or any p > 0 for vectors.
 */
export function norm(x: Tensor, ord: number | 'euclidean' | 'fro' = 'euclidean', axis: Axis = null, keepDims = false): Tensor {
  const fn = 'norm';
  checkTensor(fn, 'x', x);
  checkBool(fn, 'keepDims', keepDims);
  const axes = normalizeAxes(fn, axis, x.rank);
  if (ord === 'euclidean' || ord === 'fro' || ord === 2) return sqrt(sum(square(x), axes, keepDims));
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw typeError(fn, `ord must be 'euclidean', 'fro' or a number, got ${show(ord)}`);
  if (ord === Infinity) return max(abs(x), axes, keepDims);
  if (ord === -Infinity) return min(abs(x), axes, keepDims);
  if (ord === 1) return sum(abs(x), axes, keepDims);
  if (!(ord > 0)) throw rangeError(fn, `ord must be > 0, Infinity or -Infinity, got ${ord}`);
  return pow(sum(pow(abs(x), fill([], ord)), axes, keepDims), fill([], 1 / ord));
}

/** Mean and (population) variance of x over `axis` (default all), as TensorFlow.js's `tf.moments`. */
export function moments(x: Tensor, axis: Axis = null, keepDims = false): { mean: Tensor; variance: Tensor } {
  const fn = 'moments';
  checkTensor(fn, 'x', x);
  checkBool(fn, 'keepDims', keepDims);
  const axes = normalizeAxes(fn, axis, x.rank);
  const m = mean(x, axes, true);
  const variance = mean(square(sub(x, m)), axes, keepDims);
  return { mean: keepDims ? m : m.reshape(x.shape.filter((_, i) => !axes.includes(i))), variance };
}

/** log Σ e^x over `axis` (default all), computed stably (the maximum is subtracted first). */
export function logSumExp(x: Tensor, axis: Axis = null, keepDims = false): Tensor {
  const fn = 'logSumExp';
  checkTensor(fn, 'x', x);
  checkBool(fn, 'keepDims', keepDims);
  const axes = normalizeAxes(fn, axis, x.rank);
  const m = max(x, axes, true);
  const r = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return keepDims ? r : r.reshape(x.shape.filter((_, i) => !axes.includes(i)));
}

/** Dot product of rank-1 or rank-2 tensors: vector·vector (a scalar), matrix·vector, vector·matrix, matrix·matrix. */
export function dot(a: Tensor, b: Tensor): Tensor {
  const fn = 'dot';
  checkTensor(fn, 'a', a);
  checkTensor(fn, 'b', b);
  if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2) throw rangeError(fn, `needs rank-1 or rank-2 tensors, got shapes ${show(a.shape)} and ${show(b.shape)}`);
  const inner = (t: Tensor, first: boolean) => (t.rank === 1 ? t.shape[0] : first ? t.shape[1] : t.shape[0]);
  if (inner(a, true) !== inner(b, false)) throw rangeError(fn, `inner dimensions differ: ${show(a.shape)} · ${show(b.shape)}`);
  const a2 = a.rank === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? b.reshape([b.shape[0], 1]) : b;
  const p = matMul(a2, b2);
  const shape = [...(a.rank === 2 ? [a.shape[0]] : []), ...(b.rank === 2 ? [b.shape[1]] : [])];
  return p.reshape(shape);
}

/** The outer product of two vectors: [n] x [m] -> [n, m]. */
export function outerProduct(v1: Tensor, v2: Tensor): Tensor {
  const fn = 'outerProduct';
  checkTensor(fn, 'v1', v1);
  checkTensor(fn, 'v2', v2);
  if (v1.rank !== 1 || v2.rank !== 1) throw rangeError(fn, `needs two vectors, got shapes ${show(v1.shape)} and ${show(v2.shape)}`);
  return matMul(v1.reshape([v1.shape[0], 1]), v2.reshape([1, v2.shape[0]]));
}

/** `num` evenly spaced float32 values from start to stop (both included). */
export function linspace(start: number, stop: number, num: number): Tensor {
  const fn = 'linspace';
  checkNumber(fn, 'start', start);
  checkNumber(fn, 'stop', stop);
  checkInt(fn, 'num', num, 1, 2 ** 31 - 1);
  const out = allocate('float32', sizeFromShape(fn, [num]), fn);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  return ownedTensor(out, [num], 'float32');
}

/** start, start + step, ... up to (not including) stop, as TensorFlow.js's `tf.range` (default dtype float32). */
export function range(start: number, stop: number, step = 1, dtype: DataType = 'float32'): Tensor {
  const fn = 'range';
  checkNumber(fn, 'start', start, -Number.MAX_VALUE, Number.MAX_VALUE);
  checkNumber(fn, 'stop', stop, -Number.MAX_VALUE, Number.MAX_VALUE);
  checkNumber(fn, 'step', step, -Number.MAX_VALUE, Number.MAX_VALUE);
  const dt = checkOneOf(fn, 'dtype', dtype, ['float32', 'int32'] as const);
  if (step === 0) throw rangeError(fn, 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = allocate(dt, sizeFromShape(fn, [n]), fn);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return ownedTensor(out, [n], dt);
}

/** An identity matrix of `numRows` x `numColumns` (default square). */
export function eye(numRows: number, numColumns?: number, dtype: DataType = 'float32'): Tensor {
  const fn = 'eye';
  checkInt(fn, 'numRows', numRows, 0, 2 ** 31 - 1);
  const cols = numColumns === undefined || numColumns === null ? numRows : checkInt(fn, 'numColumns', numColumns, 0, 2 ** 31 - 1);
  const dt = checkOneOf(fn, 'dtype', dtype, ['float32', 'int32'] as const);
  const t = zeros([numRows, cols], dt);
  const v = t.backing.array;
  for (let i = 0; i < Math.min(numRows, cols); i++) v[i * cols + i] = 1;
  return t;
}

/** Zeros of x's shape and dtype. */
export function zerosLike(x: Tensor): Tensor {
  checkTensor('zerosLike', 'x', x);
  return zeros([...x.shape], x.dtype);
}

/** Ones of x's shape and dtype. */
export function onesLike(x: Tensor): Tensor {
  checkTensor('onesLike', 'x', x);
  return fill([...x.shape], 1, x.dtype);
}

