// TensorFlow.js's explicit memory API: tidy(), keep() and dispose(). Optional
// here, since the garbage collector frees tensors; they release memory at a
// known point instead, and let the next outputs reuse it while it is cached.
import { types } from 'node:util';
import { rangeError, show, typeError } from './errors';
import { Tensor, checkTensor, trackTensors } from './tensor';

/** Values {@link tidy} may return and {@link dispose} accepts: tensors, possibly inside arrays and objects. */
export type TensorContainer =
  | void
  | Tensor
  | string
  | number
  | boolean
  | Float32Array
  | Int32Array
  | Uint8Array
  | TensorContainer[]
  | { [key: string]: TensorContainer };

/** Most objects one container walk visits: more means getters that build new objects without end. */
const MAX_OBJECTS = 1_000_000;

/**
 * Calls `visit` once on every tensor in `container`: itself, or anywhere
 * inside arrays and objects (their enumerable properties, as TensorFlow.js
 * walks them; typed arrays and Proxies are not searched). Iterative, so any
 * depth works; cycles are followed once.
 */
function forEachTensor(fn: string, container: unknown, visit: (t: Tensor) => void): void {
  const seen = new Set<unknown>();
  const pending: unknown[] = [container];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item instanceof Tensor) {
      if (!seen.has(item)) visit(item);
      seen.add(item);
      continue;
    }
    if (typeof item !== 'object' || item === null || seen.has(item) || ArrayBuffer.isView(item) || item instanceof ArrayBuffer) continue;
    // A Proxy can answer every read with a new object, or any length: it is not searched.
    if (types.isProxy(item)) continue;
    seen.add(item);
    if (seen.size > MAX_OBJECTS) {
      throw rangeError(fn, `the container holds more than ${MAX_OBJECTS} objects (getters that make a new object on every read?)`);
    }
    // Only objects can hold tensors: a long array of numbers is skipped element by element, not queued.
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        const v: unknown = item[i];
        if (typeof v === 'object' && v !== null) pending.push(v);
      }
    } else {
      for (const key in item) {
        const v: unknown = (item as Record<string, unknown>)[key];
        if (typeof v === 'object' && v !== null) pending.push(v);
      }
    }
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` and then disposes every tensor created while it ran, except the
 * ones it returns (alone or inside arrays and objects) and the ones
 * passed to {@link keep}. Tensors created before are not touched. Nested
 * tidy() calls hand their results to the enclosing one. `fn` must be
 * synchronous: an async function is refused before it runs, and a returned
 * Promise throws, after the tensors created so far were disposed
 * (TensorFlow.js only logs an error then).
 *
 * Optional in tensorforge (the garbage collector frees tensors), but in a
 * loop it lets each step's outputs reuse the previous step's memory, still in
 * cache, instead of new memory.
 * @param nameOrFn `fn`, or a name (accepted for TensorFlow.js compatibility, unused) followed by `fn`.
 * @returns what `fn` returned.
 */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const name = 'tidy';
  let body: unknown = nameOrFn;
  if (typeof nameOrFn === 'string') body = fn;
  else if (fn !== undefined) throw typeError(name, `takes (fn) or (name, fn), got a second argument after a function: ${show(fn)}`);
  if (typeof body !== 'function') throw typeError(name, `fn must be a function, got ${show(body)}`);
  if (Object.prototype.toString.call(body) === '[object AsyncFunction]') {
    throw typeError(name, 'fn is an async function; tidy() only works with synchronous functions (tensors created after an await would not be tracked)');
  }

  const created: Tensor[] = [];
  const outer = trackTensors(created);
  let result: T;
  try {
    result = (body as () => T)();
  } catch (e) {
    trackTensors(outer);
    release(created, new Set(), outer);
    throw e;
  }
  trackTensors(outer);
  const results = new Set<Tensor>();
  try {
    forEachTensor(name, result, (t) => results.add(t));
  } catch (e) {
    // The result could not be searched: dispose nothing (the garbage collector frees it all), report why.
    if (outer !== null) for (const t of created) outer.push(t);
    throw e;
  }
  release(created, results, outer);
  if (isThenable(result)) {
    // Its tensors are gone; keep its later rejection from crashing the process as unhandled.
    result.then(undefined, () => {});
    throw typeError(name, 'fn returned a Promise; tidy() only works with synchronous functions (tensors created after an await would not be tracked)');
  }
  return result;
}

/** Disposes the tensors a tidy() created, except its results (handed to the enclosing tidy, if any) and kept ones. */
function release(created: Tensor[], results: Set<Tensor>, outer: Tensor[] | null): void {
  for (const t of created) {
    if (results.has(t)) {
      if (outer !== null) outer.push(t);
    } else if (!isKept(t)) {
      try {
        t.dispose();
      } catch {
        // Only a tensor whose internals fn replaced refuses: the garbage collector frees it.
      }
    }
  }
}

function isKept(t: Tensor): boolean {
  const b = t.backing;
  return typeof b === 'object' && b !== null && b.kept === true;
}

/**
 * Keeps a tensor created inside {@link tidy} from being disposed when that
 * tidy() (or any enclosing one) ends. Returns the tensor. Outside tidy() it
 * only marks the tensor.
 */
export function keep<T extends Tensor>(result: T): T {
  checkTensor('keep', 'result', result);
  result.backing.kept = true;
  return result;
}

/**
 * Disposes every tensor in `container` (a tensor, or arrays and objects
 * holding tensors; anything else is ignored), as {@link Tensor.dispose} does.
 */
export function dispose(container: TensorContainer): void {
  forEachTensor('dispose', container, (t) => t.dispose());
}
