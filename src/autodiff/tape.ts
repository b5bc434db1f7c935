// The gradient tape: while a gradient function (tf.grad, tf.variableGrads, ...)
// runs its f, every differentiable op appends one node here. Outside those
// functions TAPE.active is null and an op pays one property check.
//
// A leaf module (type-only imports): tensor.ts and the ops import it without
// a cycle, and the gradients register themselves from autodiff/gradients/.
import type { Tensor } from '../tensor';

/**
 * @internal A gradient function: given dy (the gradient with respect to the
 * node's output), the gradient with respect to each input, or null for an
 * input that has none (an int32 index, a constant). `needs[i]` says whether
 * input i leads back to a differentiated tensor: a gradient function may
 * skip (return null for) the others, e.g. matMul's gradient of a data batch.
 */
export type GradFunc = (dy: Tensor, node: TapeNode, needs: readonly boolean[]) => (Tensor | null)[];

/** @internal One recorded op. */
export interface TapeNode {
  /** The TensorFlow.js kernel name ('Add', 'MatMul', ...), the gradient registry's key. */
  readonly kernel: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** The op's arguments besides its tensors (axes, transposes, ...). */
  readonly attrs: Readonly<Record<string, unknown>> | undefined;
  /** A gradient of this node alone (tf.customGrad), instead of the kernel's. */
  readonly grad?: GradFunc;
}

/**
 * @internal The nodes one gradient function recorded, and the tensors it
 * pinned. A gradient function called inside another's f (gradients of
 * gradients) records on a tape whose `outer` is the enclosing one: every op
 * is recorded on both, and the inner backward pass runs with the outer tape
 * recording, so the outer gradient differentiates through it.
 */
export class Tape {
  constructor(readonly outer: Tape | null = null) {}
  readonly nodes: TapeNode[] = [];
  /**
   * Tensors the nodes hold that were not kept before: marked kept so that a
   * tidy() or dispose() inside f cannot free what the backward pass reads;
   * unmarked (and the intermediates disposed) once the gradients are computed.
   */
  readonly pinned: Tensor[] = [];
  /** Tensors the nodes hold, for pinning each once. */
  readonly held = new Set<Tensor>();
}

/** @internal The tape ops record into, or null (no gradient function is running). */
export const TAPE: { active: Tape | null } = { active: null };

function pin(tape: Tape, t: Tensor): void {
  if (tape.held.has(t)) return;
  tape.held.add(t);
  const b = t.backing;
  if (b.kept !== true) {
    try {
      b.kept = true;
    } catch {
      // A state object the user froze: no tidy() can dispose through it either.
      return;
    }
    tape.pinned.push(t);
  }
}

/**
 * @internal Records an op's node on the active tape. Call only when
 * `TAPE.active !== null`. Ops with no float32 input are not recorded (nothing
 * in them is differentiable).
 */
export function record(kernel: string, inputs: readonly Tensor[], output: Tensor, attrs?: Record<string, unknown>, grad?: GradFunc): void {
  const tape = TAPE.active;
  if (tape === null) return;
  let float = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i].dtype === 'float32') float = true;
  if (!float) return;
  const node: TapeNode = { kernel, inputs: inputs.slice(), output, attrs, grad };
  // Outermost first: the tape that pins a tensor unpins and frees it, and an
  // inner tape ends first, while the outer ones still need the tensors.
  const chain: Tape[] = [];
  for (let t: Tape | null = tape; t !== null; t = t.outer) chain.push(t);
  for (let k = chain.length - 1; k >= 0; k--) {
    const t = chain[k];
    t.nodes.push(node);
    for (let i = 0; i < inputs.length; i++) pin(t, inputs[i]);
    pin(t, output);
  }
}

const registry = new Map<string, GradFunc>();

/** @internal Registers the gradient of a kernel (autodiff/gradients/*.ts). */
export function registerGradient(kernel: string, grad: GradFunc): void {
  registry.set(kernel, grad);
}

/** @internal The registered gradient of a kernel. */
export function gradientOf(kernel: string): GradFunc | undefined {
  return registry.get(kernel);
}
