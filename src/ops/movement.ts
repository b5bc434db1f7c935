// Data movement: transpose, slice, gather, concat, stack, split, oneHot.
// Transpose and slice are one native strided copy (permuted strides, or an
// offset into the input); the rest are row copies.
import { types } from 'node:util';
import { checkArray, checkInt, checkNumber, checkOneOf, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { DataType, Tensor, checkTensor, makeTensor, ownedTensor, sizeFromShape } from '../tensor';
import { MAX_STRIDED_RANK, allocate, checkStridedRank, checkTensorList, coalesce, i32, normalizeAxis, sizeOf, stridesOf } from './shapes';
import { TAPE, record } from '../autodiff/tape';

/** @internal Copies the strided view (`shape`, `strides` from `offset`) of x into a new tensor of `outShape`. */
function stridedView(fn: string, x: Tensor, offset: number, shape: readonly number[], strides: readonly number[], outShape: readonly number[]): Tensor {
  const size = sizeOf(shape);
  const out = allocate(x.dtype, size, fn);
  if (size > 0) {
    const m = coalesce(shape, [strides]);
    if (m.shape.length > MAX_STRIDED_RANK) checkStridedRank(fn, `the view of ${show(x.shape)}`, m.shape.length);
    if (m.shape.length === 0) out[0] = x.backing.array[offset];
    else if (m.shape.length === 1 && m.strides[0][0] === 1) out.set(x.backing.array.subarray(offset, offset + size));
    else native.stridedCopy(x.backing.array, offset, i32(m.shape), i32(m.strides[0]), out);
  }
  return ownedTensor(out, outShape, x.dtype);
}

/** @internal Transpose without argument checks (perm must be a valid permutation). */
export function permute(fn: string, x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]);
  const strides = stridesOf(x.shape);
  return stridedView(fn, x, 0, shape, perm.map((p) => strides[p]), shape);
}

/**
 * Permutes the dimensions: output dimension i is input dimension `perm[i]`.
 * Any rank is accepted as long as the permutation, after merging dimensions
 * that stay adjacent, walks at most 8 strided dimensions.
 * @param perm a permutation of 0..rank-1; default reverses the dimensions
 *   (a matrix transpose for rank 2).
 */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const fn = 'transpose';
  checkTensor(fn, 'x', x);
  const rank = x.rank;
  if (perm === undefined) perm = Array.from({ length: rank }, (_, i) => rank - 1 - i);
  checkArray(fn, 'perm', perm, 'an array of integers');
  if (perm.length !== rank) throw rangeError(fn, `perm ${show(perm)} has length ${perm.length} but x has rank ${rank} (shape ${show(x.shape)})`);
  const seen = new Set<number>();
  for (const p of perm) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= rank || seen.has(p)) {
      throw rangeError(fn, `perm ${show(perm)} is not a permutation of 0..${rank - 1}`);
    }
    seen.add(p);
  }
  const y = permute(fn, x, perm);
  if (TAPE.active !== null) record('Transpose', [x], y, { perm: perm.slice() });
  return y;
}

/**
 * A contiguous block of x starting at `begin` with extent `size` per dimension.
 * @param begin start index per dimension; a number means [begin, 0, 0, ...],
 *   and missing trailing dimensions start at 0.
 * @param size extent per dimension; -1 (or a missing trailing entry, or
 *   omitting `size`) means "to the end"; a number means [size, -1, ...].
 */
export function slice(x: Tensor, begin: number | number[], size?: number | number[]): Tensor {
  const fn = 'slice';
  checkTensor(fn, 'x', x);
  const rank = x.rank;
  const asList = (v: unknown, name: string): number[] => {
    if (typeof v === 'number') return [v];
    if (Array.isArray(v)) return [...checkArray(fn, name, v, 'a number or an array of numbers')] as number[];
    throw typeError(fn, `${name} must be a number or an array of numbers, got ${show(v)}`);
  };
  const b = asList(begin, 'begin');
  const s = size === undefined ? [] : asList(size, 'size');
  if (b.length > rank) throw rangeError(fn, `begin ${show(begin)} has more entries than x has dimensions (shape ${show(x.shape)})`);
  if (s.length > rank) throw rangeError(fn, `size ${show(size)} has more entries than x has dimensions (shape ${show(x.shape)})`);
  const start: number[] = [];
  const extent: number[] = [];
  for (let d = 0; d < rank; d++) {
    const bd = b[d] ?? 0;
    const sd = s[d] ?? -1;
    const dim = x.shape[d];
    checkInt(fn, `begin[${d}]`, bd, 0, dim);
    if (typeof sd !== 'number') throw typeError(fn, `size[${d}] must be a number, got ${show(sd)}`);
    const e = sd === -1 ? dim - bd : sd;
    if (!Number.isInteger(e) || e < 0) throw rangeError(fn, `size[${d}] must be -1 or an integer >= 0, got ${show(sd)}`);
    if (bd + e > dim) {
      throw rangeError(fn, `begin[${d}] + size[${d}] = ${bd} + ${e} exceeds dimension ${d} of shape ${show(x.shape)} (${dim})`);
    }
    start.push(bd);
    extent.push(e);
  }
  const strides = stridesOf(x.shape);
  const offset = start.reduce((acc, bd, d) => acc + bd * strides[d], 0);
  const y = stridedView(fn, x, offset, extent, strides, extent);
  if (TAPE.active !== null) record('Slice', [x], y, { begin: start });
  return y;
}

/**
 * Appends the values of a nested array to `out`, depth first, refusing the
 * first entry that is not an int32 integer before going on: only values the
 * caller's arrays really hold reach `out`. (Pushing the claimed entries of a
 * sparse `new Array(2 ** 31)`, or of a Proxy that lies about its length,
 * first and checking them afterwards grew `out` past V8's array limit,
 * which ends the process rather than throwing.)
 */
function flattenIndices(fn: string, a: unknown[], out: number[], depth = 1): void {
  // A tensor has at most 1024 dimensions; deeper nesting (or an array holding itself) is refused, not recursed into.
  if (depth > 1024) throw rangeError(fn, 'indices are nested more than 1024 levels deep');
  if (types.isProxy(a)) throw typeError(fn, `indices must be (nested) arrays of integers, got a Proxy at depth ${depth - 1}`);
  const length = a.length;
  for (let i = 0; i < length; i++) {
    const v = a[i];
    if (Array.isArray(v)) {
      flattenIndices(fn, v, out, depth + 1);
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
      throw rangeError(fn, `indices must be int32 integers, got ${show(v)} at flat position ${out.length}`);
    }
    out.push(v);
  }
}

/** Converts an index argument (int32 Tensor or array of integers) to an int32 tensor. */
function indexTensor(fn: string, indices: unknown): Tensor {
  if (indices instanceof Tensor) {
    checkTensor(fn, 'indices', indices);
    if (indices.dtype !== 'int32') throw typeError(fn, `indices must be an int32 tensor, got ${indices.dtype}`);
    return indices;
  }
  checkArray(fn, 'indices', indices, 'an int32 Tensor or an array of integers');
  flattenIndices(fn, indices as unknown[], []);
  return makeTensor(fn, indices, undefined, 'int32');
}

/**
 * Picks slices of x along `axis` by index: the output shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * @param indices int32 tensor (or array of integers); each must lie in
 *   [0, x.shape[axis]) and is checked before any copy.
 * @param axis the dimension to index (default 0; negative counts from the end).
 */
export function gather(x: Tensor, indices: Tensor | number[], axis = 0): Tensor {
  const fn = 'gather';
  checkTensor(fn, 'x', x);
  const idx = indexTensor(fn, indices);
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(fn, axis, x.rank);
  const dim = x.shape[ax];
  const iv = idx.backing.array;
  for (let i = 0; i < iv.length; i++) {
    if (iv[i] < 0 || iv[i] >= dim) {
      throw rangeError(fn, `indices[${i}] = ${iv[i]} is out of range [0, ${dim}) for axis ${ax} of shape ${show(x.shape)}`);
    }
  }
  const outShape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  const size = sizeFromShape(fn, outShape);
  const out = allocate(x.dtype, size, fn);
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  if (size > 0) native.gather(x.backing.array, iv, out, outer, dim, inner);
  const y = ownedTensor(out, outShape, x.dtype);
  if (TAPE.active !== null) record('GatherV2', [x, idx], y, { axis: ax });
  return y;
}

function concatChecked(fn: string, list: Tensor[], axis: number): Tensor {
  const first = list[0];
  const rank = first.rank;
  const outShape = [...first.shape];
  outShape[axis] = 0;
  for (let k = 0; k < list.length; k++) {
    const t = list[k];
    if (t.dtype !== first.dtype) throw typeError(fn, `tensors[${k}] has dtype ${t.dtype} but tensors[0] has ${first.dtype}`);
    if (t.rank !== rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw rangeError(fn, `tensors[${k}] has shape ${show(t.shape)}, which differs from tensors[0]'s ${show(first.shape)} outside axis ${axis}`);
    }
    outShape[axis] += t.shape[axis];
  }
  const size = sizeFromShape(fn, outShape);
  const out = allocate(first.dtype, size, fn);
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  if (size > 0) native.concat(list.map((t) => t.backing.array), i32(list.map((t) => t.shape[axis] * inner)), out, outer);
  return ownedTensor(out, outShape, first.dtype);
}

/**
 * Joins tensors along an existing axis. All must share dtype, rank and every
 * dimension except `axis`.
 * @param axis the dimension to join along (default 0; negative counts from the end).
 */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  const fn = 'concat';
  const list = checkTensorList(fn, 'tensors', tensors);
  if (list[0].rank === 0) throw rangeError(fn, 'cannot concatenate scalars (use stack)');
  const ax = normalizeAxis(fn, axis, list[0].rank);
  const y = concatChecked(fn, list, ax);
  if (TAPE.active !== null) record('Concat', list, y, { axis: ax });
  return y;
}

/**
 * Joins same-shape tensors along a new axis: stacking n tensors of shape
 * [a, b] on axis 1 gives [a, n, b].
 * @param axis position of the new dimension, in [-(rank+1), rank] (default 0).
 */
export function stack(tensors: Tensor[], axis = 0): Tensor {
  const fn = 'stack';
  const list = checkTensorList(fn, 'tensors', tensors);
  const rank = list[0].rank;
  const ax = normalizeAxis(fn, axis, rank + 1);
  list.forEach((t, k) => {
    if (t.rank !== rank || t.shape.some((d, i) => d !== list[0].shape[i])) {
      throw rangeError(fn, `tensors[${k}] has shape ${show(t.shape)} but tensors[0] has ${show(list[0].shape)}`);
    }
  });
  const expanded = list.map((t) => new Tensor(t.backing.array, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)], t.dtype));
  const y = concatChecked(fn, expanded, ax);
  if (TAPE.active !== null) record('Pack', list, y, { axis: ax });
  return y;
}

/** Pieces split may cut an empty dimension into (each an empty tensor). */
const MAX_EMPTY_PIECES = 1 << 16;

/**
 * Splits x along `axis` into pieces.
 * @param numOrSizeSplits a number n (x.shape[axis] must divide by n into equal
 *   pieces) or the list of piece sizes (which must sum to x.shape[axis]; one
 *   entry may be -1 and takes the rest).
 * @param axis the dimension to split (default 0; negative counts from the end).
 */
export function split(x: Tensor, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  const fn = 'split';
  checkTensor(fn, 'x', x);
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(fn, axis, x.rank);
  const dim = x.shape[ax];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    const n = checkInt(fn, 'numOrSizeSplits', numOrSizeSplits, 1);
    if (dim % n !== 0) throw rangeError(fn, `dimension ${ax} of shape ${show(x.shape)} (${dim}) does not divide into ${n} equal pieces`);
    // An empty dimension divides into any number of pieces: bound the count of empty tensors made.
    if (dim === 0 && n > MAX_EMPTY_PIECES) throw rangeError(fn, `numOrSizeSplits ${n} would make ${n} empty tensors (at most ${MAX_EMPTY_PIECES} from an empty dimension)`);
    sizes = new Array(n).fill(dim / n);
  } else if (Array.isArray(numOrSizeSplits)) {
    numOrSizeSplits = [...checkArray(fn, 'numOrSizeSplits', numOrSizeSplits, 'a number or an array of numbers')] as number[];
    const inferred = numOrSizeSplits.filter((s) => s === -1).length;
    if (inferred > 1) throw rangeError(fn, `numOrSizeSplits ${show(numOrSizeSplits)} may contain -1 only once`);
    numOrSizeSplits.forEach((s, i) => { if (s !== -1) checkInt(fn, `numOrSizeSplits[${i}]`, s, 0); });
    const known = numOrSizeSplits.reduce((a, s) => (s === -1 ? a : a + s), 0);
    sizes = numOrSizeSplits.map((s) => (s === -1 ? dim - known : s));
    if (known > dim || (inferred === 0 && known !== dim)) {
      throw rangeError(fn, `numOrSizeSplits ${show(numOrSizeSplits)} does not add up to dimension ${ax} of shape ${show(x.shape)} (${dim})`);
    }
  } else {
    throw typeError(fn, `numOrSizeSplits must be a number or an array of numbers, got ${show(numOrSizeSplits)}`);
  }
  const begin = new Array<number>(x.rank).fill(0);
  const size = [...x.shape];
  return sizes.map((s) => {
    size[ax] = s;
    const piece = slice(x, begin, size);
    begin[ax] += s;
    return piece;
  });
}

/**
 * One-hot encoding: output shape `[...indices.shape, depth]`, `onValue` at each
 * index and `offValue` elsewhere. An index outside [0, depth) gives an
 * all-`offValue` row, as in TensorFlow.
 * @param indices int32 tensor (or array of integers).
 * @param depth number of classes (integer >= 1).
 * @param onValue value at the index (default 1).
 * @param offValue value elsewhere (default 0).
 * @param dtype output dtype (default 'int32', as in TensorFlow.js).
 */
export function oneHot(indices: Tensor | number[], depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor {
  const fn = 'oneHot';
  const idx = indexTensor(fn, indices);
  checkInt(fn, 'depth', depth, 1, 2 ** 31 - 1);
  const dt = checkOneOf(fn, 'dtype', dtype, ['float32', 'int32'] as const);
  const onV = checkNumber(fn, 'onValue', onValue);
  const offV = checkNumber(fn, 'offValue', offValue);
  if (dt === 'int32') {
    for (const [name, v] of [['onValue', onV], ['offValue', offV]] as const) {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
        throw rangeError(fn, `${name} must be an int32 integer for an int32 result, got ${v}`);
      }
    }
  }
  const outShape = [...idx.shape, depth];
  const size = sizeFromShape(fn, outShape);
  const out = allocate(dt, size, fn);
  if (size > 0) native.oneHot(idx.backing.array, out, depth, onV, offV);
  return ownedTensor(out, outShape, dt);
}
