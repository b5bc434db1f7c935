// Shape arithmetic shared by the ops: broadcasting, strides, axis parsing, and
// merging of dimensions so the native kernels walk as few of them as possible.
import { checkArray, rangeError, show, typeError } from '../errors';
import { takeFloat32 } from '../buffer_pool';
import { checkAllocation } from '../limits';
import { DataType, Tensor, TypedArray, allocateZeroed, checkTensor } from '../tensor';

/** Most dimensions a strided native kernel walks after merging contiguous ones. */
export const MAX_STRIDED_RANK = 8;

/**
 * @internal A zero-filled typed array of the given dtype for `fn`'s output,
 * within the memory limit (recycled from a disposed tensor when one fits).
 */
export function allocate(dtype: DataType, size: number, fn: string): TypedArray {
  return allocateZeroed(dtype, size, fn, () => `the ${dtype} output of ${size} elements`);
}

/**
 * @internal Like {@link allocate} but not zero-filled, for outputs a kernel
 * overwrites in full (matMul with beta = 0): zeroing a large output cost up to
 * a quarter of the product's time at n = 256. `what` names the output in the
 * memory-limit error.
 */
export function allocateUninitializedF32(size: number, fn: string, what = () => `the float32 output of ${size} elements`): Float32Array {
  const bytes = size * 4;
  checkAllocation(fn, what, bytes);
  const reused = takeFloat32(size);
  if (reused !== undefined) return reused;
  // Below half of Buffer.poolSize, Buffer.allocUnsafe would hand out a slice of
  // a shared pool (another tensor's bytes behind .buffer, and a transfer would
  // detach its neighbours): small outputs get their own zeroed array instead.
  // Above it, allocUnsafe makes an unshared buffer and was ~1 µs faster per
  // call than allocUnsafeSlow here (Node 20, 16 KB to 256 KB).
  if (size < 1024 || bytes < Buffer.poolSize >>> 1) return new Float32Array(size);
  const b = Buffer.allocUnsafe(bytes);
  return new Float32Array(b.buffer, b.byteOffset, size);
}

/** @internal Row-major strides of a contiguous shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** @internal Product of a shape's dims. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * NumPy broadcasting of two shapes: right-aligned, each pair of dims must be
 * equal or one of them 1. Throws `<fn>: shapes [a] and [b] do not broadcast`.
 */
export function broadcastShapes(fn: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw rangeError(fn, `shapes ${show(a)} and ${show(b)} do not broadcast (dimension ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** @internal Strides that read `shape` as if broadcast to `outShape`: 0 on broadcast (and size-1) dims. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]));
}

/**
 * @internal Drops size-1 dims and merges neighbours that every operand walks
 * contiguously (stride[d] == stride[d+1] * shape[d+1]), so a same-shape op
 * becomes one flat loop and a scalar operand a stride-0 loop.
 */
export function coalesce(shape: readonly number[], strideSets: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = dims.length;
    if (k > 0 && strideSets.every((s, i) => strides[i][k - 1] === s[d] * shape[d])) {
      dims[k - 1] *= shape[d];
      strideSets.forEach((s, i) => (strides[i][k - 1] = s[d]));
    } else {
      dims.push(shape[d]);
      strideSets.forEach((s, i) => strides[i].push(s[d]));
    }
  }
  return { shape: dims, strides };
}

/** @internal Throws unless a merged strided view fits the native kernels' rank limit. */
export function checkStridedRank(fn: string, what: string, rank: number): void {
  if (rank > MAX_STRIDED_RANK) {
    throw rangeError(fn, `${what} needs ${rank} strided dimensions after merging contiguous ones; at most ${MAX_STRIDED_RANK} are supported`);
  }
}

/** @internal Int32Array for the binding (every dim and stride is < 2^31 since sizes are). */
export function i32(values: readonly number[]): Int32Array {
  return Int32Array.from(values);
}

/** Normalises one axis (negative counts from the end) into [0, rank). */
export function normalizeAxis(fn: string, axis: unknown, rank: number, name = 'axis'): number {
  if (typeof axis !== 'number') throw typeError(fn, `${name} must be an integer, got ${show(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw rangeError(fn, `${name} ${show(axis)} is out of range for rank ${rank} (valid: ${rank === 0 ? 'none' : `[-${rank}, ${rank - 1}]`})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises an axis argument: `undefined`/`null` means every axis, a number one
 * axis, an array several (each once). Returns the sorted axes.
 */
export function normalizeAxes(fn: string, axis: unknown, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? [...checkArray(fn, 'axis', axis, 'an integer or an array of integers')] : [axis];
  if (!Array.isArray(axis) && typeof axis !== 'number') {
    throw typeError(fn, `axis must be an integer or an array of integers, got ${show(axis)}`);
  }
  const seen = new Set<number>();
  for (const a of list) {
    const n = normalizeAxis(fn, a, rank);
    if (seen.has(n)) throw rangeError(fn, `axis ${show(axis)} names dimension ${n} more than once`);
    seen.add(n);
  }
  return [...seen].sort((p, q) => p - q);
}

/** @internal Throws unless `list` is a non-empty array of Tensors; returns it. */
export function checkTensorList(fn: string, name: string, list: unknown): Tensor[] {
  const tensors = checkArray(fn, name, list, 'an array of Tensors');
  if (tensors.length === 0) throw rangeError(fn, `${name} must contain at least one Tensor`);
  // An index loop, not forEach: forEach skips the holes of a sparse array.
  for (let i = 0; i < tensors.length; i++) checkTensor(fn, `${name}[${i}]`, tensors[i]);
  return list as Tensor[];
}
