// Arrays of disposed tensors, kept for the next op output of the same length
// (at most 64 MiB; a pool unused for about a second is emptied).
//
// An op output is otherwise a new allocation, and the memory V8 hands back is
// whatever its last garbage collection freed: tens of MB ago, so not in cache.
// At n = 256 writing such an output costs ~20 µs more than writing cached
// memory (7-12% of the matMul), and a 16 KB allocation ~2 µs. An array that
// was disposed a moment ago is still cached and costs nothing to get.
//
// Only arrays no one else can see come here: Tensor.dispose() recycles an
// array only if an op allocated it for that tensor and it was never handed
// out (no `values`, `dataSync()`, `data()`, no reshape sharing it).
import type { TypedArray } from './tensor';

/**
 * Most bytes the pool holds. V8 collects freed outputs in batches of about
 * 64 MiB of external memory; a pool larger than one batch would hold arrays
 * no loop reuses before the collector would have freed them anyway.
 */
export const MAX_POOLED_BYTES = 64 * 2 ** 20;

const float32 = new Map<number, Float32Array[]>();
const int32 = new Map<number, Int32Array[]>();
let pooledBytes = 0;

/** Lengths a pool keeps lists for; beyond it, recycle() drops the empty lists (a stream of ever-new lengths leaves few keys behind). */
const MAX_LENGTHS = 256;

function take<T extends TypedArray>(lists: Map<number, T[]>, length: number): T | undefined {
  const array = lists.get(length)?.pop();
  if (array === undefined) return undefined;
  // An emptied list stays for the next array of its length: dropping and re-adding the key cost a fifth of a small op.
  pooledBytes -= array.byteLength;
  taken = true;
  return array;
}

/** @internal A recycled Float32Array of exactly `length` elements (old contents), or undefined. */
export function takeFloat32(length: number): Float32Array | undefined {
  return pooledBytes === 0 ? undefined : take(float32, length);
}

/** @internal A recycled Int32Array of exactly `length` elements (old contents), or undefined. */
export function takeInt32(length: number): Int32Array | undefined {
  return pooledBytes === 0 ? undefined : take(int32, length);
}

/**
 * @internal Keeps `array` for a later output, unless it is empty or the pool
 * is full (then the garbage collector frees it as usual). The caller must
 * hold the only reference to it.
 */
export function recycle(array: TypedArray): void {
  // Only a whole, plain ArrayBuffer of the exact type is reused: never a view
  // into a larger buffer, a shared or resizable one, or a look-alike.
  const proto = Object.getPrototypeOf(array);
  const lists: Map<number, TypedArray[]> | undefined =
    proto === Float32Array.prototype ? float32 : proto === Int32Array.prototype ? int32 : undefined;
  if (lists === undefined) return;
  const buffer = array.buffer;
  const bytes = array.byteLength;
  if (!(buffer instanceof ArrayBuffer) || (buffer as { resizable?: boolean }).resizable === true) return;
  if (array.byteOffset !== 0 || buffer.byteLength !== bytes) return;
  if (bytes === 0 || pooledBytes + bytes > MAX_POOLED_BYTES) return;
  const list = lists.get(array.length);
  if (list !== undefined) list.push(array);
  else {
    if (lists.size >= MAX_LENGTHS) for (const [length, l] of lists) if (l.length === 0) lists.delete(length);
    lists.set(array.length, [array]);
  }
  pooledBytes += bytes;
  scheduleSweep();
}

// A pool nobody takes from is emptied within about a second, once the event
// loop turns (a synchronous loop keeps using it meanwhile), so disposed
// memory does not stay held after the work that disposed it has ended.
const SWEEP_MS = 1000;
let taken = false;
let sweep: ReturnType<typeof setTimeout> | null = null;

function scheduleSweep(): void {
  if (sweep !== null) return;
  sweep = setTimeout(() => {
    sweep = null;
    if (pooledBytes === 0) return;
    if (taken) {
      taken = false;
      scheduleSweep();
    } else {
      emptyPool();
    }
  }, SWEEP_MS);
  // The timer must not keep a process alive that has nothing else to do.
  sweep.unref?.();
}

/** @internal Bytes held for reuse now. */
export function pooledByteCount(): number {
  return pooledBytes;
}

/** @internal Drops every pooled array (the garbage collector frees them). */
export function emptyPool(): void {
  float32.clear();
  int32.clear();
  pooledBytes = 0;
  taken = false;
  if (sweep !== null) {
    clearTimeout(sweep);
    sweep = null;
  }
}
