// The Tensor type: an immutable shape + dtype over an ArrayBuffer-backed typed
// array. Native kernels read that array in place. The garbage collector frees
// tensors; dispose() is optional and lets the next output reuse the memory.
import { recycle, takeFloat32, takeInt32 } from './buffer_pool';
import { types } from 'node:util';
import { checkArray, checkOneOf, rangeError, show, typeError } from './errors';
import { checkAllocation } from './limits';
import { TAPE, record } from './autodiff/tape';

/** Element types a tensor can hold. */
export type DataType = 'float32' | 'int32';
/** The typed array backing a tensor of each dtype. */
export type TypedArray = Float32Array | Int32Array;
/** Nested JavaScript arrays of numbers, as accepted by {@link tensor}. */
export type NestedArray = number | NestedArray[];
/** Anything {@link tensor} turns into a tensor. */
export type TensorLike = TypedArray | number[] | NestedArray[] | number | Uint8Array | Float64Array;

const DTYPES = ['float32', 'int32'] as const;

/** Largest element count a single tensor may have (2^31 - 1, the BLAS index limit). */
export const MAX_TENSOR_SIZE = 2 ** 31 - 1;

/** Validates a shape and returns its element count. */
export function sizeFromShape(fn: string, shape: unknown): number {
  const dims = checkArray(fn, 'shape', shape, 'an array of integers');
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d: unknown = dims[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw rangeError(fn, `shape ${show(shape)} has an invalid dimension ${show(d)} (dims are integers >= 0)`);
    }
    size *= d;
    if (size > MAX_TENSOR_SIZE) throw rangeError(fn, `shape ${show(shape)} has more than ${MAX_TENSOR_SIZE} elements`);
  }
  return size;
}

/**
 * @internal A zero-filled array of `size` elements for a new tensor: a
 * recycled one (see {@link Tensor.dispose}) when there is one of that length.
 */
export function allocateZeroed(dtype: DataType, size: number, fn: string, what: () => string): TypedArray {
  checkAllocation(fn, what, size * 4);
  if (dtype === 'float32') {
    const reused = takeFloat32(size);
    return reused === undefined ? new Float32Array(size) : reused.fill(0);
  }
  const reused = takeInt32(size);
  return reused === undefined ? new Int32Array(size) : reused.fill(0);
}

function allocate(dtype: DataType, size: number, fn: string): TypedArray {
  return allocateZeroed(dtype, size, fn, () => `a ${dtype} tensor of ${size} elements`);
}

const EMPTY_FLOAT32 = new Float32Array(0);
const EMPTY_INT32 = new Int32Array(0);

/**
 * @internal What a tensor holds. A separate object, so that its state can
 * change even when the user froze the tensor.
 */
export interface TensorBacking {
  /** The values, row-major; an empty array once disposed. */
  array: TypedArray;
  /** The array was allocated for this tensor alone and never handed out: dispose() may recycle it. */
  recyclable: boolean;
  /** dispose() was called. */
  disposed: boolean;
  /** keep() was called: no tidy() disposes the tensor. */
  kept: boolean;
}

/** Tensors created since the innermost running tidy() began, or null outside tidy(). */
let tracked: Tensor[] | null = null;

/** @internal Starts tracking new tensors in `list` (null: stop); returns the previous list. */
export function trackTensors(list: Tensor[] | null): Tensor[] | null {
  const previous = tracked;
  tracked = list;
  return previous;
}

/**
 * An n-dimensional array of float32 or int32 values. Tensors are immutable
 * values; operations return new tensors. Memory is reclaimed by the garbage
 * collector like any JavaScript object; {@link Tensor.dispose} and
 * {@link tidy} are optional and let later outputs reuse it at once.
 */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DataType;
  /** Number of elements (product of the shape). */
  readonly size: number;
  /** @internal The values and their state. Ops read `backing.array`, which does not hand it out. */
  readonly backing: TensorBacking;

  /** @internal Use {@link tensor} and friends to create tensors. */
  constructor(values: TypedArray, shape: readonly number[], dtype: DataType) {
    const fn = 'Tensor';
    if (dtype !== 'float32' && dtype !== 'int32') throw typeError(fn, `dtype must be 'float32' or 'int32', got ${show(dtype)}`);
    if (!(dtype === 'float32' ? values instanceof Float32Array : values instanceof Int32Array)) {
      throw typeError(fn, `values must be ${dtype === 'float32' ? 'a Float32Array' : 'an Int32Array'} for dtype ${dtype}, got ${show(values)}`);
    }
    const dims = checkArray(fn, 'shape', shape, 'an array of integers').slice();
    if (sizeFromShape(fn, dims) !== values.length) throw rangeError(fn, `shape ${show(dims)} needs ${sizeFromShape(fn, dims)} values but ${values.length} were given`);
    this.backing = { array: values, recyclable: false, disposed: false, kept: false };
    this.shape = Object.freeze(dims as number[]);
    this.dtype = dtype;
    this.size = values.length;
    if (tracked !== null) tracked.push(this);
  }

  /**
   * @internal The backing values, row-major. This is the tensor's own buffer:
   * once handed out, dispose() leaves it to the garbage collector.
   */
  get values(): TypedArray {
    const b = this.backing;
    // A tensor whose fields were tampered with answers undefined here, and checkTensor() names the problem.
    if (typeof b !== 'object' || b === null) return undefined as unknown as TypedArray;
    if (b.disposed === true) throw disposedError('values', 'the tensor');
    const array = b.array;
    if (!(array instanceof Float32Array || array instanceof Int32Array)) return undefined as unknown as TypedArray;
    try {
      b.recyclable = false;
    } catch {
      // A frozen or foreign state object: not one this tensor made.
      return undefined as unknown as TypedArray;
    }
    return array;
  }

  /** Whether {@link Tensor.dispose} was called. */
  get isDisposed(): boolean {
    const b = this.backing;
    return typeof b === 'object' && b !== null && b.disposed === true;
  }

  /**
   * Releases the tensor now rather than at a later garbage collection, as in
   * TensorFlow.js. Optional: tensors are garbage-collected. When an op made
   * the tensor and its values were never handed out (`values`, `dataSync()`,
   * `data()`, a reshape sharing them, or passing the tensor to a model's
   * fit/predictAsync/evaluate/setWeights), the next output of the same length
   * reuses the memory while it is still in cache; memory that no output
   * takes within about a second is left to the garbage collector. Using the
   * tensor afterwards throws a TypeError; disposing twice does nothing.
   */
  dispose(): void {
    const b = this.backing;
    const array = typeof b === 'object' && b !== null ? b.array : undefined;
    if (!(array instanceof Float32Array || array instanceof Int32Array)) {
      throw typeError('dispose', 'the tensor is not well-formed (its values were replaced)');
    }
    if (b.disposed === true) return;
    const recyclable = b.recyclable === true;
    try {
      b.disposed = true;
      b.array = array instanceof Int32Array ? EMPTY_INT32 : EMPTY_FLOAT32;
      b.recyclable = false;
    } catch {
      throw typeError('dispose', 'the tensor is not well-formed (its state was frozen or replaced)');
    }
    if (recyclable) recycle(array);
  }

  /** Number of dimensions. */
  get rank(): number {
    const shape: unknown = this.shape;
    if (!Array.isArray(shape)) throw typeError('rank', 'the tensor is not well-formed (its shape was replaced)');
    return shape.length;
  }

  /** The values as a flat typed array. This is the tensor's own buffer: treat it as read-only. */
  dataSync(): TypedArray {
    checkTensor('dataSync', 'the tensor', this);
    return this.values;
  }

  /** Asynchronous form of {@link Tensor.dataSync}, for TensorFlow.js compatibility. */
  async data(): Promise<TypedArray> {
    checkTensor('data', 'the tensor', this);
    return this.values;
  }

  /** The values as nested arrays following the shape (a number for a scalar). */
  arraySync(): NestedArray {
    checkTensor('arraySync', 'the tensor', this);
    const v = this.backing.array;
    const shape = this.shape;
    if (shape.length === 0) return v[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = shape[dim];
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === shape.length - 1 ? v[offset + i] : build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }

  /** Asynchronous form of {@link Tensor.arraySync}. */
  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** Same values, new shape (one dimension may be -1 and is inferred). Shares the buffer. */
  reshape(shape: number[]): Tensor {
    const fn = 'reshape';
    checkTensor(fn, 'the tensor', this);
    shape = [...checkArray(fn, 'shape', shape, 'an array of integers')] as number[];
    const inferred = shape.indexOf(-1);
    if (inferred !== shape.lastIndexOf(-1)) throw rangeError(fn, `only one dimension may be -1, got ${show(shape)}`);
    let resolved = shape;
    if (inferred >= 0) {
      const rest = sizeFromShape(fn, shape.filter((_, i) => i !== inferred));
      if (rest === 0 || this.size % rest !== 0) {
        throw rangeError(fn, `cannot reshape a tensor of shape ${show(this.shape)} (${this.size} elements) into ${show(shape)}`);
      }
      resolved = shape.map((d, i) => (i === inferred ? this.size / rest : d));
    }
    const size = sizeFromShape(fn, resolved);
    if (size !== this.size) {
      throw rangeError(fn, `cannot reshape a tensor of shape ${show(this.shape)} (${this.size} elements) into ${show(shape)} (${size} elements)`);
    }
    // Two tensors now share the array: neither may recycle it.
    this.backing.recyclable = false;
    const y = new Tensor(this.backing.array, resolved, this.dtype);
    if (TAPE.active !== null) record('Reshape', [this], y);
    return y;
  }

  /** A copy with its own buffer. */
  clone(): Tensor {
    checkTensor('clone', 'the tensor', this);
    const copy = allocate(this.dtype, this.size, 'clone');
    if (this.size > 0) copy.set(this.backing.array);
    const y = ownedTensor(copy, this.shape, this.dtype);
    if (TAPE.active !== null) record('Identity', [this], y);
    return y;
  }

  /** Converts to another dtype (float32 -> int32 truncates toward zero). */
  cast(dtype: DataType): Tensor {
    const d = checkOneOf('cast', 'dtype', dtype, DTYPES);
    checkTensor('cast', 'the tensor', this);
    if (d === this.dtype) return this;
    const out = allocate(d, this.size, 'cast');
    const v = this.backing.array;
    if (d === 'int32') for (let i = 0; i < this.size; i++) out[i] = Math.trunc(v[i]);
    else if (this.size > 0) out.set(v);
    return ownedTensor(out, this.shape, d);
  }

  /** A readable rendering, e.g. `Tensor [2,2] float32\n  [[1, 2],\n   [3, 4]]`. Long axes are elided. */
  toString(): string {
    checkTensor('toString', 'the tensor', this);
    const values = this.backing.array;
    const fmt = (x: number) => (this.dtype === 'int32' ? String(x) : Number.isInteger(x) ? x.toFixed(0) : x.toPrecision(4));
    const render = (dim: number, offset: number, indent: string): string => {
      if (this.rank === 0) return fmt(values[0]);
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const idx = n > 6 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : [...Array(n).keys()];
      const parts = idx.map((i) => (i < 0 ? '...' : dim === this.rank - 1 ? fmt(values[offset + i]) : render(dim + 1, offset + i * stride, indent + ' ')));
      return dim === this.rank - 1 ? `[${parts.join(', ')}]` : `[${parts.join(`,\n${indent} `)}]`;
    };
    return `Tensor ${show(this.shape)} ${this.dtype}\n  ${render(0, 0, '  ')}`;
  }

  /** Prints {@link Tensor.toString} to the console. */
  print(): void {
    console.log(this.toString());
  }
}

/**
 * @internal A tensor over an array that was allocated for it alone and that
 * no one else holds, so that dispose() may recycle it. Ops create their
 * outputs with this; `new Tensor` (a user's array) never recycles.
 */
export function ownedTensor(values: TypedArray, shape: readonly number[], dtype: DataType): Tensor {
  const t = new Tensor(values, shape, dtype);
  t.backing.recyclable = true;
  return t;
}

/**
 * @internal Disposes an op's own intermediate (a cast or transposed copy of
 * its input) once the op is done with it, so that its memory serves the next
 * outputs at once. Does nothing when `temp` is `input` itself (cast to the
 * same dtype returns its input).
 */
export function disposeTemporary(temp: Tensor, input: Tensor): void {
  if (temp !== input) temp.dispose();
}

function inferShape(fn: string, values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    if (types.isProxy(v)) throw typeError(fn, `values must be (nested) arrays of numbers, got a Proxy at depth ${shape.length}`);
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function flattenInto(fn: string, values: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof values !== 'number') throw typeError(fn, `values must be numbers, got ${show(values)}`);
    out.push(values);
    return;
  }
  if (types.isProxy(values)) throw typeError(fn, `values must be (nested) arrays of numbers, got a Proxy at depth ${dim}`);
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw rangeError(fn, `nested arrays are ragged: expected length ${shape[dim]} at depth ${dim}, got ${show(Array.isArray(values) ? values.length : values)}`);
  }
  for (let i = 0; i < values.length; i++) flattenInto(fn, values[i], shape, dim + 1, out);
}

/** Whether an ArrayBuffer was detached (transferred): `detached` where the runtime has it (Node >= 22), else a probe of an empty buffer. */
function isDetached(buf: ArrayBuffer): boolean {
  const flag = (buf as ArrayBuffer & { detached?: boolean }).detached;
  if (typeof flag === 'boolean') return flag;
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

/** @internal Validation shared by the factories: builds a tensor from any accepted input. */
export function makeTensor(fn: string, values: unknown, shape?: unknown, dtype?: unknown): Tensor {
  const dt: DataType | undefined = dtype === undefined ? undefined : checkOneOf(fn, 'dtype', dtype, DTYPES);
  let flat: TypedArray | number[];
  let inferred: number[];
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Float64Array || values instanceof Uint8Array) {
    if (values.buffer instanceof ArrayBuffer && isDetached(values.buffer)) {
      throw typeError(fn, 'values is backed by a detached ArrayBuffer');
    }
    if (values.byteOffset + values.byteLength > values.buffer.byteLength) throw typeError(fn, 'values is a view past the end of its (shrunk) ArrayBuffer');
    flat = values as TypedArray;
    inferred = [values.length];
  } else if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (Array.isArray(values)) {
    inferred = inferShape(fn, values as NestedArray);
    const out: number[] = [];
    flattenInto(fn, values as NestedArray, inferred, 0, out);
    flat = out;
  } else {
    throw typeError(fn, `values must be a typed array, a number or (nested) arrays of numbers, got ${show(values)}`);
  }
  const finalShape = shape === undefined || shape === null ? inferred : (shape as number[]);
  const size = sizeFromShape(fn, finalShape);
  if (size !== flat.length) {
    throw rangeError(fn, `shape ${show(finalShape)} needs ${size} values but ${flat.length} were given`);
  }
  const resolved: DataType = dt ?? (values instanceof Int32Array ? 'int32' : 'float32');
  let data: TypedArray;
  let own = false;
  if (resolved === 'float32' && flat instanceof Float32Array) data = flat;
  else if (resolved === 'int32' && flat instanceof Int32Array) data = flat;
  else {
    own = true;
    data = allocate(resolved, size, fn);
    if (resolved === 'int32') {
      for (let i = 0; i < size; i++) {
        const x = flat[i];
        if (!Number.isFinite(x)) throw rangeError(fn, `int32 tensor cannot hold ${x} (at flat index ${i})`);
        data[i] = Math.trunc(x);
      }
    } else {
      if (size > 0) data.set(flat);
    }
  }
  return own ? ownedTensor(data, finalShape, resolved) : new Tensor(data, finalShape, resolved);
}

/**
 * Creates a tensor from a typed array, a flat number array or nested arrays.
 * A Float32Array/Int32Array of the requested dtype is wrapped without copying.
 * @param values the data, row-major when flat.
 * @param shape dimensions; inferred from nesting (or the length) when omitted.
 * @param dtype 'float32' (default, or 'int32' for an Int32Array).
 */
export function tensor(values: TensorLike, shape?: number[], dtype?: DataType): Tensor {
  return makeTensor('tensor', values, shape, dtype);
}

/** A scalar (rank-0) tensor. */
export function scalar(value: number, dtype?: DataType): Tensor {
  if (typeof value !== 'number') throw typeError('scalar', `value must be a number, got ${show(value)}`);
  return makeTensor('scalar', value, [], dtype);
}

/** A rank-1 tensor; `values` must be flat. */
export function tensor1d(values: TypedArray | number[], dtype?: DataType): Tensor {
  const t = makeTensor('tensor1d', values, undefined, dtype);
  if (t.rank !== 1) throw rangeError('tensor1d', `values must be flat, got rank ${t.rank}`);
  return t;
}

/** A rank-2 tensor from nested arrays, or from flat values with a `[rows, cols]` shape. */
export function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor {
  if (shape !== undefined && (!Array.isArray(shape) || shape.length !== 2)) {
    throw rangeError('tensor2d', `shape must have 2 dimensions, got ${show(shape)}`);
  }
  const t = makeTensor('tensor2d', values, shape, dtype);
  if (t.rank !== 2) throw rangeError('tensor2d', `values must be rank 2, got shape ${show(t.shape)}`);
  return t;
}

/** A tensor of the given shape with every element equal to `value`. */
export function fill(shape: number[], value: number, dtype: DataType = 'float32'): Tensor {
  const fn = 'fill';
  const size = sizeFromShape(fn, shape);
  const dt = checkOneOf(fn, 'dtype', dtype, DTYPES);
  if (typeof value !== 'number') throw typeError(fn, `value must be a number, got ${show(value)}`);
  if (dt === 'int32' && !Number.isFinite(value)) throw rangeError(fn, `int32 tensor cannot hold ${value}`);
  const data = allocate(dt, size, fn);
  data.fill(dt === 'int32' ? Math.trunc(value) : value);
  return ownedTensor(data, shape, dt);
}

/** A tensor of zeros. */
export function zeros(shape: number[], dtype: DataType = 'float32'): Tensor {
  const size = sizeFromShape('zeros', shape);
  return ownedTensor(allocate(checkOneOf('zeros', 'dtype', dtype, DTYPES), size, 'zeros'), shape, dtype);
}

/** A tensor of ones. */
export function ones(shape: number[], dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

function disposedError(fn: string, name: string): TypeError {
  return typeError(fn, `${name} was disposed (by dispose(), or by the tidy() that created it) and cannot be used`);
}

/**
 * Throws unless `x` is a Tensor as it was constructed: values of its dtype's
 * array type, a shape array, and a buffer that was not detached or resized
 * since (native code re-checks every length too); returns it.
 */
export function checkTensor(fn: string, name: string, x: unknown): Tensor {
  // A Proxy could answer each read of a field differently (after the checks below passed).
  if (!(x instanceof Tensor) || types.isProxy(x)) throw typeError(fn, `${name} must be a Tensor, got ${show(x)}`);
  const b = x.backing;
  if (typeof b !== 'object' || b === null) throw typeError(fn, `${name} is not a well-formed Tensor (its values, dtype or shape were replaced)`);
  if (b.disposed === true) throw disposedError(fn, name);
  const v = b.array;
  const typed = x.dtype === 'float32' ? v instanceof Float32Array : x.dtype === 'int32' && v instanceof Int32Array;
  if (!typed || !Array.isArray(x.shape) || types.isProxy(x.shape) || typeof x.size !== 'number') {
    throw typeError(fn, `${name} is not a well-formed Tensor (its values, dtype or shape were replaced)`);
  }
  if (x.shape.length > 1024) throw rangeError(fn, `${name} has ${x.shape.length} dimensions; at most 1024 are supported`);
  // An empty tensor's detached buffer keeps its length (0), and copying from it still throws.
  if (v.length !== x.size || (v.length === 0 && v.buffer instanceof ArrayBuffer && isDetached(v.buffer))) {
    throw typeError(fn, `${name}'s buffer was detached or resized after the tensor was created (${x.size} elements, now ${v.length})`);
  }
  let n = 1;
  const shape = x.shape;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw typeError(fn, `${name} is not a well-formed Tensor (its shape ${show(shape)} was replaced)`);
    n *= d;
  }
  if (n !== x.size) throw typeError(fn, `${name} has shape ${show(x.shape)} but ${x.size} values`);
  return x;
}
