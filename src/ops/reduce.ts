// Reductions (sum, mean, prod, max, min) over any set of axes, and argMax /
// argMin over one axis. The native kernels reduce the middle axis of an
// [outer, n, inner] view; reduced axes that are not adjacent are first moved
// to the end with one transpose.
import { checkBool, rangeError, show } from '../errors';
import { native } from '../native';
import { Tensor, checkTensor, disposeTemporary, ownedTensor } from '../tensor';
import { permute } from './movement';
import { allocate, normalizeAxes, normalizeAxis, sizeOf } from './shapes';
import { TAPE, record } from '../autodiff/tape';

// Must match tf::ReduceOp in native/reduce.h.
const ReduceOp = { Sum: 0, Mean: 1, Prod: 2, Max: 3, Min: 4 } as const;
type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];
// TensorFlow.js kernel names, the gradient tape's keys (autodiff/gradients/reduce.ts).
const KERNELS = ['Sum', 'Mean', 'Prod', 'Max', 'Min'];

/** An axis argument: one axis, several, or (omitted / null) all of them. Negative axes count from the end. */
export type Axis = number | number[] | null;

/** x (possibly transposed) viewed as [outer, n, inner] with the reduced axes in the middle. */
function reductionView(fn: string, x: Tensor, reduced: ReadonlySet<number>): { src: Tensor; outer: number; n: number; inner: number } {
  // Runs of same-kind dims, ignoring size-1 dims (they change nothing).
  const runs: { reduced: boolean; size: number }[] = [];
  x.shape.forEach((d, i) => {
    if (d === 1) return;
    const r = reduced.has(i);
    const last = runs[runs.length - 1];
    if (last && last.reduced === r) last.size *= d;
    else runs.push({ reduced: r, size: d });
  });
  const reducedRuns = runs.filter((r) => r.reduced).length;
  if (reducedRuns <= 1) {
    const at = runs.findIndex((r) => r.reduced);
    if (at < 0) return { src: x, outer: x.size, n: 1, inner: 1 };
    return {
      src: x,
      outer: runs.slice(0, at).reduce((a, r) => a * r.size, 1),
      n: runs[at].size,
      inner: runs.slice(at + 1).reduce((a, r) => a * r.size, 1),
    };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !reduced.has(i));
  const perm = [...kept, ...[...reduced].sort((a, b) => a - b)];
  const n = [...reduced].reduce((a, i) => a * x.shape[i], 1);
  return { src: permute(fn, x, perm), outer: sizeOf(kept.map((i) => x.shape[i])), n, inner: 1 };
}

function reduce(fn: string, op: ReduceOp, x: Tensor, axis: Axis | undefined, keepDims: boolean): Tensor {
  checkTensor(fn, 'x', x);
  const axes = normalizeAxes(fn, axis, x.rank);
  checkBool(fn, 'keepDims', keepDims);
  // Like tfjs, the mean of int32 values is computed in float32.
  const input = op === ReduceOp.Mean ? x.cast('float32') : x;
  const reduced = new Set(axes);
  const outShape = keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
  const outSize = sizeOf(outShape);
  const n = axes.reduce((a, i) => a * x.shape[i], 1);
  if (n === 0 && outSize > 0 && (op === ReduceOp.Max || op === ReduceOp.Min)) {
    throw rangeError(fn, `cannot reduce shape ${show(x.shape)} over empty axis ${show(axes)} (no identity for ${fn})`);
  }
  const out = allocate(input.dtype, outSize, fn);
  if (outSize > 0) {
    const v = reductionView(fn, input, reduced);
    native.reduce(op, v.src.backing.array, out, v.outer, v.n, v.inner);
    disposeTemporary(v.src, input);
  }
  disposeTemporary(input, x);
  const y = ownedTensor(out, outShape, input.dtype);
  if (TAPE.active !== null) record(KERNELS[op], [x], y, { axes, keepDims });
  return y;
}

/**
 * Sum over `axis` (default: all axes). Accumulates in float64; int32 sums wrap
 * modulo 2^32. An empty reduction gives 0.
 * @param axis one axis, an array of axes, or null/omitted for all.
 * @param keepDims keep reduced axes as size-1 dims (default false).
 */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('sum', ReduceOp.Sum, x, axis, keepDims);
}

/**
 * Arithmetic mean over `axis` (default: all axes), always float32 (int32 input
 * is converted, as in tfjs). An empty reduction gives NaN.
 * @param axis one axis, an array of axes, or null/omitted for all.
 * @param keepDims keep reduced axes as size-1 dims (default false).
 */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('mean', ReduceOp.Mean, x, axis, keepDims);
}

/**
 * Product over `axis` (default: all axes); int32 products wrap modulo 2^32.
 * An empty reduction gives 1.
 * @param axis one axis, an array of axes, or null/omitted for all.
 * @param keepDims keep reduced axes as size-1 dims (default false).
 */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('prod', ReduceOp.Prod, x, axis, keepDims);
}

/**
 * Largest value over `axis` (default: all axes); NaN propagates. Reducing an
 * empty axis into a non-empty result is a RangeError.
 * @param axis one axis, an array of axes, or null/omitted for all.
 * @param keepDims keep reduced axes as size-1 dims (default false).
 */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('max', ReduceOp.Max, x, axis, keepDims);
}

/**
 * Smallest value over `axis` (default: all axes); NaN propagates. Reducing an
 * empty axis into a non-empty result is a RangeError.
 * @param axis one axis, an array of axes, or null/omitted for all.
 * @param keepDims keep reduced axes as size-1 dims (default false).
 */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('min', ReduceOp.Min, x, axis, keepDims);
}

function argReduce(fn: string, isMin: boolean, x: Tensor, axis: number): Tensor {
  checkTensor(fn, 'x', x);
  const ax = normalizeAxis(fn, axis, x.rank);
  const outShape = x.shape.filter((_, i) => i !== ax);
  const outSize = sizeOf(outShape);
  const n = x.shape[ax];
  if (n === 0 && outSize > 0) throw rangeError(fn, `cannot reduce shape ${show(x.shape)} over empty axis ${ax}`);
  const out = allocate('int32', outSize, fn);
  if (outSize > 0) native.argReduce(isMin, x.backing.array, out, sizeOf(x.shape.slice(0, ax)), n, sizeOf(x.shape.slice(ax + 1)));
  return ownedTensor(out, outShape, 'int32');
}

/**
 * Index of the largest value along `axis`, as an int32 tensor without that
 * axis. Ties give the first index; a NaN counts as the largest (first NaN wins).
 * @param axis the axis to reduce (default 0, as in tfjs; negative counts from the end).
 */
export function argMax(x: Tensor, axis = 0): Tensor {
  return argReduce('argMax', false, x, axis);
}

/**
 * Index of the smallest value along `axis`, as an int32 tensor without that
 * axis. Ties give the first index; a NaN counts as the smallest (first NaN wins).
 * @param axis the axis to reduce (default 0; negative counts from the end).
 */
export function argMin(x: Tensor, axis = 0): Tensor {
  return argReduce('argMin', true, x, axis);
}
