// TensorFlow.js's explicit memory API: tidy(), keep() and dispose(). Optional
// here, since the garbage collector frees tensors; they release memory at a
// known point instead, and let the next outputs reuse it while it is cached.
import { show, typeError } from './errors';
import { Tensor, checkTensor, trackTensors } from './tensor';

/** Values {@link tidy} may return and {@link dispose} accepts: tensors, possibly inside arrays and plain objects. */
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

/** Nesting deeper than this is not searched for tensors (and guards against cycles with the seen set). */
const MAX_DEPTH = 64;

/** Calls `visit` on every tensor in `container`: itself, or inside arrays and plain objects. */
function forEachTensor(container: unknown, visit: (t: Tensor) => void, depth = 0, seen = new Set<object>()): void {
  if (container instanceof Tensor) {
    visit(container);
    return;
  }
  if (depth >= MAX_DEPTH || typeof container !== 'object' || container === null || seen.has(container)) return;
  if (Array.isArray(container)) {
    seen.add(container);
    for (const item of container) forEachTensor(item, visit, depth + 1, seen);
    return;
  }
  const proto = Object.getPrototypeOf(container);
  if (proto !== Object.prototype && proto !== null) return;
  seen.add(container);
  for (const key of Object.keys(container)) forEachTensor((container as Record<string, unknown>)[key], visit, depth + 1, seen);
}

/**
 * Runs `fn` and then disposes every tensor created while it ran, except the
 * ones it returns (alone or inside arrays and plain objects) and the ones
 * passed to {@link keep}. Tensors created before are not touched. Nested
 * tidy() calls hand their results to the enclosing one. As in TensorFlow.js,
 * `fn` must be synchronous: returning a Promise throws, after the tensors
 * created so far were disposed.
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

  const created: Tensor[] = [];
  const outer = trackTensors(created);
  let result: T | undefined;
  let failed = true;
  try {
    result = (body as () => T)();
    failed = false;
  } finally {
    trackTensors(outer);
    const results = new Set<Tensor>();
    if (!failed) forEachTensor(result, (t) => results.add(t));
    for (const t of created) {
      if (results.has(t)) {
        // Still alive: the enclosing tidy(), if any, decides its fate.
        if (outer !== null) outer.push(t);
      } else if (!t.backing.kept) {
        t.dispose();
      }
    }
  }
  if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function')) {
    throw typeError(name, 'fn returned a Promise; tidy() only works with synchronous functions (tensors created after an await would not be tracked)');
  }
  return result as T;
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
 * Disposes every tensor in `container` (a tensor, or arrays and plain objects
 * holding tensors; anything else is ignored), as {@link Tensor.dispose} does.
 */
export function dispose(container: TensorContainer): void {
  forEachTensor(container, (t) => t.dispose());
}
