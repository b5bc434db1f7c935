// Runs f with the tape recording, then walks the recorded nodes backwards
// from f's result to the requested tensors. Everything f and the backward
// pass created is disposed afterwards except what is returned, so a training
// loop holds no more tensors after a step than before it.
import { show, typeError } from '../errors';
import { add } from '../ops/elementwise';
import { Tensor, checkTensor, ones, trackTensors } from '../tensor';
import './gradients';
import { OP_FORM_ACTIVATIONS } from './gradients/activations';
import { GradFunc, TAPE, Tape, TapeNode, gradientOf, record } from './tape';

/** What {@link gradients} returns. */
export interface GradientsResult {
  /** f's result. Disposed (null here) unless `keepValue` was set. */
  value: Tensor | null;
  /** One per x: its gradient, or null when f's result does not depend on it. */
  grads: (Tensor | null)[];
}

/** @internal Throws unless f is a synchronous function. */
export function checkFunction(fn: string, f: unknown, name = 'f'): void {
  if (typeof f !== 'function') throw typeError(fn, `${name} must be a function, got ${show(f)}`);
  if (Object.prototype.toString.call(f) === '[object AsyncFunction]') {
    throw typeError(fn, `${name} is an async function; gradients need a synchronous one (ops after an await are not recorded)`);
  }
}

/** The nodes on a path from some x to y, in recording order, and the tensors that depend on some x. */
function pathNodes(nodes: readonly TapeNode[], xs: readonly Tensor[], y: Tensor): { path: TapeNode[]; fromX: Set<Tensor> } {
  const fromX = new Set<Tensor>(xs);
  const forward: boolean[] = nodes.map((n) => {
    const hit = n.inputs.some((t) => fromX.has(t));
    if (hit) fromX.add(n.output);
    return hit;
  });
  const toY = new Set<Tensor>([y]);
  const keep: boolean[] = new Array(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (forward[i] && toY.has(nodes[i].output)) {
      keep[i] = true;
      for (const t of nodes[i].inputs) toY.add(t);
    }
  }
  return { path: nodes.filter((_, i) => keep[i]), fromX };
}

/**
 * The kernels whose gradient functions are built only from recorded ops of
 * their inputs, output and dy, so that a gradient of gradients can
 * differentiate them (the rest use native helpers or constant masks of their
 * inputs that the tape does not see; see backward()).
 */
const DIFFERENTIABLE_GRADIENTS = new Set([
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Neg', 'Exp', 'Log', 'Sqrt', 'Square', 'SquaredDifference', 'Abs', 'Maximum', 'Minimum',
  'Max', 'Min', 'Sum', 'Mean', 'BatchMatMul', 'Identity', 'Reshape', 'Transpose', 'BroadcastTo',
]);

/**
 * A node's input gradients. Inside an enclosing gradient function (the
 * enclosing tape records this backward pass), a gradient function the tape
 * cannot differentiate runs unrecorded, and each result is recorded as one
 * `<kernel>Grad` node with no gradient of its own: an outer gradient that
 * reaches it stops with an error naming the op, rather than missing a term.
 */
function inputGradients(node: TapeNode, gradFunc: GradFunc, g: Tensor, needs: boolean[]): (Tensor | null)[] {
  const enclosing = TAPE.active;
  const differentiable = DIFFERENTIABLE_GRADIENTS.has(node.kernel) || (node.kernel === 'Activation' && OP_FORM_ACTIVATIONS.has(node.attrs?.name as string));
  if (enclosing === null || node.grad !== undefined || differentiable) return gradFunc(g, node, needs);
  let grads: (Tensor | null)[];
  TAPE.active = null;
  try {
    grads = gradFunc(g, node, needs);
  } finally {
    TAPE.active = enclosing;
  }
  const op = node.kernel === 'Activation' ? String(node.attrs?.name) : node.kernel;
  if (Array.isArray(grads)) for (const gi of grads) if (gi instanceof Tensor) record(`${op}Grad`, [g, ...node.inputs], gi);
  return grads;
}

function backward(fn: string, tape: Tape, xs: readonly Tensor[], y: Tensor, dy: Tensor): (Tensor | null)[] {
  const grads = new Map<Tensor, Tensor>([[y, dy]]);
  const { path, fromX } = pathNodes(tape.nodes, xs, y);
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    const g = grads.get(node.output);
    if (g === undefined) continue;
    const gradFunc = node.grad ?? gradientOf(node.kernel);
    if (gradFunc === undefined) {
      if (node.kernel.endsWith('Grad')) {
        throw typeError(fn, `a gradient of gradients reaches the gradient of ${node.kernel.slice(0, -4)}, which cannot be differentiated yet`);
      }
      throw typeError(fn, `no gradient is registered for the op ${node.kernel}`);
    }
    const inputGrads = inputGradients(node, gradFunc, g, node.inputs.map((t) => fromX.has(t)));
    if (!Array.isArray(inputGrads) || inputGrads.length !== node.inputs.length) {
      throw typeError(fn, `the gradient of ${node.kernel} returned ${show(inputGrads)}, not one gradient per input (${node.inputs.length})`);
    }
    node.inputs.forEach((input, k) => {
      const gi = inputGrads[k];
      if (gi === null || gi === undefined || input.dtype !== 'float32' || !fromX.has(input)) return;
      checkTensor(fn, `the gradient of ${node.kernel}'s input ${k}`, gi);
      if (gi.rank !== input.rank || gi.shape.some((d, j) => d !== input.shape[j])) {
        throw typeError(fn, `the gradient of ${node.kernel}'s input ${k} has shape ${show(gi.shape)}, the input ${show(input.shape)}`);
      }
      const prev = grads.get(input);
      grads.set(input, prev === undefined ? gi : add(prev, gi));
    });
  }
  return xs.map((x) => grads.get(x) ?? null);
}

/**
 * @internal Computes the gradients of f() with respect to xs. `dy` seeds the
 * backward pass (default: ones of the result's shape; `requireScalar` refuses
 * a non-scalar result then). Tensors f and the backward pass create are
 * disposed, except the result when `keepValue` and the gradients; both are
 * handed to the enclosing tidy(), as its own results would be.
 */
export function gradients(fn: string, f: () => unknown, xs: readonly Tensor[], dy: Tensor | null, keepValue: boolean, requireScalar: boolean): GradientsResult {
  // Inside another gradient function's f: a nested tape (gradients of gradients, tape.ts).
  const enclosing = TAPE.active;
  const tape = new Tape(enclosing);
  const created: Tensor[] = [];
  const outer = trackTensors(created);
  let results: Tensor[] = [];
  let value: Tensor | null = null;
  let grads: (Tensor | null)[] = [];
  try {
    let y: unknown;
    TAPE.active = tape;
    try {
      y = f();
    } finally {
      // The backward pass below records on the enclosing tape, if any.
      TAPE.active = enclosing;
    }
    if (!(y instanceof Tensor)) {
      if (typeof (y as { then?: unknown } | null)?.then === 'function') (y as Promise<unknown>).then(undefined, () => {});
      throw typeError(fn, `f must return a Tensor, got ${show(y)}`);
    }
    checkTensor(fn, 'the result of f', y);
    if (dy !== null) {
      if (dy.rank !== y.rank || dy.shape.some((d, i) => d !== y.shape[i])) {
        throw typeError(fn, `dy has shape ${show(dy.shape)} but f returned shape ${show(y.shape)}`);
      }
    } else if (requireScalar && y.rank !== 0) {
      throw typeError(fn, `f must return a scalar (rank-0) Tensor, got shape ${show(y.shape)}${fn === 'grad' || fn === 'grads' || fn === 'valueAndGrad' || fn === 'valueAndGrads' ? ' (or pass dy of that shape)' : ''}`);
    }
    if (y.dtype !== 'float32') throw typeError(fn, `f must return a float32 Tensor, got ${y.dtype}`);
    grads = backward(fn, tape, xs, y, dy ?? ones([...y.shape]));
    value = keepValue ? y : null;
    // A gradient that is a tensor from outside (dy itself, an x) or the same
    // tensor as another gradient is copied, so each result is disposable alone.
    const seen = new Set<Tensor>();
    const own = new Set<Tensor>(created);
    grads = grads.map((g) => {
      if (g === null) return null;
      const copy = !own.has(g) || seen.has(g) || g === value || tape.held.has(g) ? g.clone() : g;
      seen.add(copy);
      return copy;
    });
    results = [...(value !== null ? [value] : []), ...(grads.filter((g) => g !== null) as Tensor[])];
  } finally {
    trackTensors(outer);
    release(tape, created, results);
    if (outer !== null) {
      for (const t of results) if (created.includes(t)) outer.push(t);
      // What the enclosing tape still holds goes to the enclosing scope, which frees it after the outer backward pass.
      if (enclosing !== null) for (const t of created) if (!t.isDisposed && enclosing.held.has(t) && !results.includes(t)) outer.push(t);
    }
  }
  return { value, grads };
}

/** Unpins the tape's tensors, then disposes what f and the backward pass created, except `keep`. */
function release(tape: Tape, created: Tensor[], keep: readonly Tensor[]): void {
  for (const t of tape.pinned) t.backing.kept = false;  // pinned ones were writable
  const spared = new Set(keep);
  const gone = new Set<Tensor>();
  const dispose = (t: Tensor) => {
    if (spared.has(t) || gone.has(t) || t.isDisposed || t.backing?.kept === true) return;
    gone.add(t);
    try {
      t.dispose();
    } catch {
      // A tensor whose internals f replaced: the garbage collector frees it.
    }
  };
  for (const t of created) dispose(t);
  // Node outputs a tidy() inside f dropped from tracking while they were pinned.
  for (const n of tape.nodes) dispose(n.output);
}

/**
 * @internal f's result with its recording kept for one later backward pass:
 * a custom layer's call runs during the native forward pass, and the engine
 * asks for its gradients only after the rest of the model ran. Until
 * `release()`, the tensors f created stay alive (the backward pass reads
 * them); `release()` frees them and whatever `backward` created, so the
 * caller copies the gradients out first. Records on a tape of its own, never
 * on a tape the caller's code may have running.
 */
export interface Recording {
  readonly value: Tensor;
  /** dValue → one gradient per x (null where value does not depend on it). */
  backward(dy: Tensor): (Tensor | null)[];
  release(): void;
}

/** @internal Runs f on a tape of its own and keeps the recording (see {@link Recording}). */
export function recordForBackward(fn: string, f: () => unknown, xs: readonly Tensor[]): Recording {
  const enclosing = TAPE.active;
  const tape = new Tape(null);
  const created: Tensor[] = [];
  const outer = trackTensors(created);
  let y: unknown;
  try {
    TAPE.active = tape;
    try {
      y = f();
    } finally {
      TAPE.active = enclosing;
    }
    if (!(y instanceof Tensor)) throw typeError(fn, `must return a Tensor, got ${show(y)}`);
    checkTensor(fn, 'the result', y);
  } catch (e) {
    trackTensors(outer);
    release(tape, created, []);
    throw e;
  }
  trackTensors(outer);
  const value = y;
  let released = false;
  return {
    value,
    backward(dy: Tensor): (Tensor | null)[] {
      const saved = TAPE.active;
      const prev = trackTensors(created);
      TAPE.active = null;
      try {
        return backward(fn, tape, xs, value, dy);
      } finally {
        TAPE.active = saved;
        trackTensors(prev);
      }
    },
    release(): void {
      if (released) return;
      released = true;
      release(tape, created, []);
    },
  };
}
