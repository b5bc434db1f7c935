// tf.Variable: a mutable tensor with a name, the thing variableGrads
// differentiates and optimizers update. Registered by name (as in
// TensorFlow.js) so that applyGradients can take {name: gradient}; the
// registry holds weak references, so a variable nobody holds is collected.
import { checkBool, checkOneOf, checkString, rangeError, show, typeError } from '../errors';
import { DataType, Tensor, TypedArray, allocateZeroed, checkTensor } from '../tensor';
import { TAPE } from './tape';

const registry = new Map<string, WeakRef<Variable>>();
const cleanup = new FinalizationRegistry<string>((name) => {
  const ref = registry.get(name);
  if (ref !== undefined && ref.deref() === undefined) registry.delete(name);
});
let nextId = 0;

/** A fresh copy of a tensor's values, within the memory limit. */
function copyOf(fn: string, t: Tensor): TypedArray {
  const copy = allocateZeroed(t.dtype, t.size, fn, () => `a variable of ${t.size} elements`);
  if (t.size > 0) copy.set(t.backing.array);
  return copy;
}

/**
 * A mutable tensor, as TensorFlow.js's `tf.Variable`: ops read it like any
 * tensor, {@link Variable.assign} replaces its values, and
 * {@link variableGrads} and `optimizer.minimize` differentiate with respect to
 * the trainable ones. No tidy() disposes a variable; {@link Variable.dispose}
 * does, and frees its name.
 */
export class Variable extends Tensor {
  /** Unique name: the one given, or a number as a string (TensorFlow.js's default). */
  readonly name: string;
  /** Whether {@link variableGrads} and the optimizers include it by default. */
  readonly trainable: boolean;
  /** @internal Identity of this variable for optimizer state (names can be reused after dispose). */
  readonly id: number;
  /** @internal Counts writes through {@link writeValues}: an optimizer's packed copy is current while it is unchanged. */
  version = 0;

  /** Use {@link variable}. Arguments as there. */
  constructor(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType) {
    const fn = 'variable';
    checkTensor(fn, 'initialValue', initialValue);
    checkBool(fn, 'trainable', trainable);
    if (name !== undefined && name !== null) checkString(fn, 'name', name);
    const dt = dtype === undefined || dtype === null ? initialValue.dtype : checkOneOf(fn, 'dtype', dtype, ['float32', 'int32'] as const);
    const source = dt === initialValue.dtype ? initialValue : initialValue.cast(dt);
    const id = nextId++;
    const resolved = name ?? String(id);
    const existing = registry.get(resolved)?.deref();
    if (existing !== undefined && !existing.isDisposed) {
      throw typeError(fn, `a variable named ${show(resolved)} already exists (dispose it first, or choose another name)`);
    }
    super(copyOf(fn, source), [...source.shape], dt);
    if (source !== initialValue) source.dispose();
    this.backing.recyclable = true;
    // Variables outlive every tidy(), as in TensorFlow.js.
    this.backing.kept = true;
    this.name = resolved;
    this.trainable = trainable;
    this.id = id;
    registry.set(resolved, new WeakRef(this));
    cleanup.register(this, resolved, this);
  }

  /**
   * Replaces the values with `newValue`'s (copied). Its shape and dtype must
   * equal the variable's. Tensors computed from the old values keep them.
   */
  assign(newValue: Tensor): void {
    const fn = 'Variable.assign';
    checkTensor(fn, 'the variable', this);
    checkTensor(fn, 'newValue', newValue);
    if (newValue.dtype !== this.dtype) throw typeError(fn, `newValue has dtype ${newValue.dtype}, the variable ${show(this.name)} ${this.dtype}`);
    if (newValue.rank !== this.rank || newValue.shape.some((d, i) => d !== this.shape[i])) {
      throw rangeError(fn, `newValue has shape ${show(newValue.shape)}, the variable ${show(this.name)} ${show(this.shape)}`);
    }
    writeValues(this, newValue.backing.array);
  }

  /** Disposes the values and frees the name for a new variable. */
  override dispose(): void {
    if (registry.get(this.name)?.deref() === this) registry.delete(this.name);
    cleanup.unregister(this);
    const b = this.backing;
    if (typeof b === 'object' && b !== null && !Object.isFrozen(b)) b.kept = false;
    super.dispose();
  }
}

/**
 * @internal Makes `values` the variable's own array, without a copy (a custom
 * layer's weights as the engine hands them over, which the caller keeps
 * read-only). Nothing writes it through the variable afterwards: the array is
 * not recyclable, so a later write ({@link writeValues}) gives the variable a
 * fresh one.
 */
export function adoptValues(v: Variable, values: Float32Array): void {
  const b = v.backing;
  if (Object.isFrozen(v) || Object.isFrozen(b)) throw typeError('Variable.assign', `the variable ${show(v.name)} was frozen (Object.freeze) and cannot change`);
  if (v.dtype !== 'float32' || values.length !== v.size) throw typeError('Variable.assign', `the variable ${show(v.name)} holds ${v.size} float32 values, got ${values.length}`);
  v.version = (v.version | 0) + 1;
  b.array = values;
  b.recyclable = false;
}

/**
 * @internal Writes `values` into a variable: in place when its array is its
 * own and was never handed out or shared (a reshape), else into a new array,
 * so that tensors sharing the old one keep their values.
 */
export function writeValues(v: Variable, values: ArrayLike<number>): void {
  const b = v.backing;
  // Object.freeze on a variable (or its state) forbids writing it.
  if (Object.isFrozen(v) || Object.isFrozen(b)) throw typeError('Variable.assign', `the variable ${show(v.name)} was frozen (Object.freeze) and cannot change`);
  v.version = (v.version | 0) + 1;
  if (b.recyclable === true && TAPE.active === null) {
    (b.array as Float32Array).set(values);
    return;
  }
  const fresh = allocateZeroed(v.dtype, v.size, 'Variable.assign', () => `a variable of ${v.size} elements`);
  fresh.set(values);
  b.array = fresh;
  b.recyclable = true;
}

/**
 * Creates a {@link Variable} holding a copy of `initialValue`, as
 * TensorFlow.js's `tf.variable`.
 * @param trainable whether gradients and optimizers include it by default (default true).
 * @param name unique name (default: a number, as TensorFlow.js).
 * @param dtype converts the initial value (default: its dtype).
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  return new Variable(initialValue, trainable, name, dtype);
}

/** @internal The live variable of that name, if any. */
export function variableNamed(name: string): Variable | undefined {
  const v = registry.get(name)?.deref();
  return v === undefined || v.isDisposed ? undefined : v;
}

/** @internal Every live trainable variable, in creation order. */
export function trainableVariables(): Variable[] {
  const out: Variable[] = [];
  for (const ref of registry.values()) {
    const v = ref.deref();
    if (v !== undefined && !v.isDisposed && v.trainable) out.push(v);
  }
  return out.sort((a, b) => a.id - b.id);
}
