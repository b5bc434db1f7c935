// Shape and layout ops custom code needs: reshape / expandDims / squeeze and
// cast as functions, unstack, pad, tile, cumsum and topk. reshape-like ones share the
// buffer (Tensor.reshape, recorded on the tape); the others are one
// TypeScript pass. Gradients: autodiff/gradients/shape_ops.ts (and Reshape,
// Slice for the compositions).
import { checkArray, checkBool, checkInt, checkNumber, rangeError, show, typeError } from '../errors';
import { TAPE, record } from '../autodiff/tape';
import { DataType, Tensor, checkTensor, ownedTensor, sizeFromShape } from '../tensor';
import { slice } from './movement';
import { allocate, normalizeAxis, sizeOf, stridesOf } from './shapes';

/** x with a new shape (one dimension may be -1), sharing its values. As `x.reshape(shape)`. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  checkTensor('reshape', 'x', x);
  return x.reshape(shape);
}

/**
 * x converted to `dtype` ('float32' or 'int32'), as `x.cast(dtype)`:
 * float32 to int32 truncates toward zero; x itself when it has that dtype.
 * A cast to int32 has no gradient (as in TensorFlow.js).
 */
export function cast(x: Tensor, dtype: DataType): Tensor {
  checkTensor('cast', 'x', x);
  return x.cast(dtype);
}

/**
 * x with a size-1 dimension inserted at `axis` (default 0; -1 appends).
 * @param axis position in [-(rank+1), rank].
 */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const fn = 'expandDims';
  checkTensor(fn, 'x', x);
  const ax = normalizeAxis(fn, axis, x.rank + 1);
  return x.reshape([...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

/**
 * x without size-1 dimensions: all of them, or those in `axis` (each must
 * have size 1).
 */
export function squeeze(x: Tensor, axis?: number[]): Tensor {
  const fn = 'squeeze';
  checkTensor(fn, 'x', x);
  let drop: Set<number>;
  if (axis === undefined || axis === null) {
    drop = new Set(x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  } else {
    const list = checkArray(fn, 'axis', axis, 'an array of integers');
    drop = new Set(list.map((a) => normalizeAxis(fn, a, x.rank)));
    for (const d of drop) if (x.shape[d] !== 1) throw rangeError(fn, `cannot squeeze axis ${d} of shape ${show(x.shape)}: its size is ${x.shape[d]}, not 1`);
  }
  return x.reshape(x.shape.filter((_, i) => !drop.has(i)));
}

/** The slices of x along `axis`, each without that axis (the inverse of stack). */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const fn = 'unstack';
  checkTensor(fn, 'x', x);
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(fn, axis, x.rank);
  const rest = x.shape.filter((_, i) => i !== ax);
  const size = [...x.shape];
  size[ax] = 1;
  const begin = new Array<number>(x.rank).fill(0);
  return Array.from({ length: x.shape[ax] }, (_, k) => {
    begin[ax] = k;
    return slice(x, begin, size).reshape(rest);
  });
}

/** Copies `src` (shape `inner`) into `out` (shape `outer`) at offset `begin`, or the reverse when `gather`. */
function copyBlock(src: ArrayLike<number>, inner: readonly number[], out: { [i: number]: number }, outer: readonly number[], begin: readonly number[], gather: boolean): void {
  const os = stridesOf(outer);
  const rank = inner.length;
  const n = sizeOf(inner);
  const idx = new Array<number>(rank).fill(0);
  let offset = begin.reduce((acc, b, d) => acc + b * os[d], 0);
  for (let k = 0; k < n; k++) {
    if (gather) (out as number[])[k] = (src as number[])[offset];
    else out[offset] = src[k];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      offset += os[d];
      if (idx[d] < inner[d]) break;
      offset -= os[d] * inner[d];
      idx[d] = 0;
    }
  }
}

/**
 * Pads x with `constantValue` (default 0): `paddings[d] = [before, after]`
 * for each dimension d.
 */
export function pad(x: Tensor, paddings: [number, number][], constantValue = 0): Tensor {
  const fn = 'pad';
  checkTensor(fn, 'x', x);
  const list = checkArray(fn, 'paddings', paddings, 'an array of [before, after] pairs');
  if (list.length !== x.rank) throw rangeError(fn, `paddings has ${list.length} entries but x has rank ${x.rank} (shape ${show(x.shape)})`);
  const pairs = list.map((p, d) => {
    if (!Array.isArray(p) || p.length !== 2) throw typeError(fn, `paddings[${d}] must be [before, after], got ${show(p)}`);
    return [checkInt(fn, `paddings[${d}][0]`, p[0], 0, 2 ** 31 - 1), checkInt(fn, `paddings[${d}][1]`, p[1], 0, 2 ** 31 - 1)];
  });
  const value = checkNumber(fn, 'constantValue', constantValue);
  const shape = x.shape.map((d, i) => d + pairs[i][0] + pairs[i][1]);
  const out = allocate(x.dtype, sizeFromShape(fn, shape), fn);
  if (value !== 0) out.fill(value);
  copyBlock(x.backing.array, x.shape, out, shape, pairs.map((p) => p[0]), false);
  const y = ownedTensor(out, shape, x.dtype);
  if (TAPE.active !== null) record('PadV2', [x], y, { begin: pairs.map((p) => p[0]) });
  return y;
}

/** @internal The block of `x` (shape `outer`) at `begin` with extent `inner`, as a new tensor. */
export function block(x: Tensor, begin: readonly number[], inner: readonly number[]): Tensor {
  const out = allocate(x.dtype, sizeOf(inner), 'block');
  copyBlock(x.backing.array, inner, out, x.shape, begin, true);
  return ownedTensor(out, inner, x.dtype);
}

/** x repeated `reps[d]` times along each dimension d. */
export function tile(x: Tensor, reps: number[]): Tensor {
  const fn = 'tile';
  checkTensor(fn, 'x', x);
  const r = checkArray(fn, 'reps', reps, 'an array of integers');
  if (r.length !== x.rank) throw rangeError(fn, `reps has ${r.length} entries but x has rank ${x.rank} (shape ${show(x.shape)})`);
  r.forEach((v, d) => checkInt(fn, `reps[${d}]`, v, 0, 2 ** 31 - 1));
  const shape = x.shape.map((d, i) => d * (r[i] as number));
  const size = sizeFromShape(fn, shape);
  const out = allocate(x.dtype, size, fn);
  const xv = x.backing.array;
  const xs = stridesOf(x.shape);
  for (let k = 0; k < size; k++) {
    let rem = k, src = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rem % shape[d];
      rem = (rem - i) / shape[d];
      src += (i % x.shape[d]) * xs[d];
    }
    out[k] = xv[src];
  }
  const y = ownedTensor(out, shape, x.dtype);
  if (TAPE.active !== null) record('Tile', [x], y, { reps: r.slice() });
  return y;
}

/**
 * Cumulative sum along `axis` (default 0).
 * @param exclusive each output excludes its own element (default false).
 * @param reverse sum from the end (default false).
 */
export function cumsum(x: Tensor, axis = 0, exclusive = false, reverse = false): Tensor {
  const fn = 'cumsum';
  checkTensor(fn, 'x', x);
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(fn, axis, x.rank);
  checkBool(fn, 'exclusive', exclusive);
  checkBool(fn, 'reverse', reverse);
  const out = allocate(x.dtype, x.size, fn);
  const n = x.shape[ax];
  const inner = sizeOf(x.shape.slice(ax + 1));
  const outer = sizeOf(x.shape.slice(0, ax));
  const xv = x.backing.array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let s = 0; s < n; s++) {
        const j = reverse ? n - 1 - s : s;
        const at = (o * n + j) * inner + i;
        if (exclusive) {
          out[at] = acc;
          acc += xv[at];
        } else {
          acc += xv[at];
          out[at] = acc;
        }
      }
    }
  }
  const y = ownedTensor(out, x.shape, x.dtype);
  if (TAPE.active !== null) record('Cumsum', [x], y, { axis: ax, exclusive, reverse });
  return y;
}

/**
 * The k largest entries of the last dimension and their indices (int32).
 * Ties keep the lower index first; NaN counts as the largest.
 * @param k how many (default 1, at most the last dimension).
 * @param sorted accepted for TensorFlow.js compatibility: results are always sorted, largest first.
 */
export function topk(x: Tensor, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const fn = 'topk';
  checkTensor(fn, 'x', x);
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  checkBool(fn, 'sorted', sorted);
  const n = x.shape[x.rank - 1];
  checkInt(fn, 'k', k, 0, n);
  const rows = n === 0 ? 0 : x.size / n;
  const shape = [...x.shape.slice(0, -1), k];
  const values = allocate(x.dtype, rows * k, fn);
  const indices = allocate('int32', rows * k, fn);
  const xv = x.backing.array;
  const order = Array.from({ length: n }, (_, i) => i);
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    order.sort((p, q) => key(xv[base + q]) - key(xv[base + p]) || p - q);
    for (let j = 0; j < k; j++) {
      values[r * k + j] = xv[base + order[j]];
      indices[r * k + j] = order[j];
    }
    for (let j = 0; j < n; j++) order[j] = j;
  }
  const v = ownedTensor(values, shape, x.dtype);
  const i = ownedTensor(indices, shape, 'int32');
  if (TAPE.active !== null) record('TopK', [x, i], v);
  return { values: v, indices: i };
}
