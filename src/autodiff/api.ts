// The gradient functions of TensorFlow.js: grad, grads, valueAndGrad,
// valueAndGrads, variableGrads and customGrad, with its names and semantics.
// Differences, each a clear error rather than a silent result: f must return a
// scalar unless dy is given. Gradient functions nest (gradients of gradients)
// through every op whose gradient is written with ops (tape.ts).
import { checkArray, rangeError, show, typeError } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { checkFunction, gradients } from './backprop';
import { GradFunc, TAPE, record } from './tape';
import { Variable, trainableVariables } from './variable';

/** Named tensors, as TensorFlow.js's NamedTensorMap. */
export interface NamedTensorMap {
  [name: string]: Tensor;
}

function checkDy(fn: string, dy: unknown): Tensor | null {
  if (dy === undefined || dy === null) return null;
  return checkTensor(fn, 'dy', dy);
}

function checkXs(fn: string, xs: unknown): Tensor[] {
  const list = checkArray(fn, 'xs', xs, 'an array of Tensors');
  if (list.length === 0) throw rangeError(fn, 'xs must contain at least one Tensor');
  for (let i = 0; i < list.length; i++) checkTensor(fn, `xs[${i}]`, list[i]);
  return list as Tensor[];
}

/** TensorFlow.js's check: every x must reach the result. */
function requireAll(fn: string, grads: (Tensor | null)[], what: (i: number) => string): Tensor[] {
  const missing = grads.findIndex((g) => g === null);
  if (missing >= 0) {
    for (const g of grads) g?.dispose();
    throw typeError(fn, `cannot compute the gradient with respect to ${what(missing)}: the result of f does not depend on it (make sure f encloses all operations that lead from x to y)`);
  }
  return grads as Tensor[];
}

/**
 * The gradient function of `f(x)`: `grad(f)(x, dy?)` is d f(x) / dx, of x's
 * shape. f must return a scalar, or dy (the gradient with respect to f's
 * result, of its shape) must be given. As TensorFlow.js's `tf.grad`.
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  const fn = 'grad';
  checkFunction(fn, f);
  return (x: Tensor, dy?: Tensor): Tensor => {
    checkTensor(fn, 'x', x);
    const { grads } = gradients(fn, () => f(x), [x], checkDy(fn, dy), false, true);
    return requireAll(fn, grads, () => 'x')[0];
  };
}

/**
 * The gradient function of `f(...xs)`: `grads(f)(xs, dy?)` is one gradient
 * per x. As TensorFlow.js's `tf.grads`.
 */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  const fn = 'grads';
  checkFunction(fn, f);
  return (xs: Tensor[], dy?: Tensor): Tensor[] => {
    const list = checkXs(fn, xs);
    const r = gradients(fn, () => f(...list), list, checkDy(fn, dy), false, true);
    return requireAll(fn, r.grads, (i) => `xs[${i}]`);
  };
}

/** Like {@link grad}, also returning f(x): `{ value, grad }`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  const fn = 'valueAndGrad';
  checkFunction(fn, f);
  return (x: Tensor, dy?: Tensor) => {
    checkTensor(fn, 'x', x);
    const r = gradients(fn, () => f(x), [x], checkDy(fn, dy), true, true);
    const g = requireAll(fn, r.grads, () => 'x');
    return { value: r.value as Tensor, grad: g[0] };
  };
}

/** Like {@link grads}, also returning f(...xs): `{ value, grads }`. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  const fn = 'valueAndGrads';
  checkFunction(fn, f);
  return (xs: Tensor[], dy?: Tensor) => {
    const list = checkXs(fn, xs);
    const r = gradients(fn, () => f(...list), list, checkDy(fn, dy), true, true);
    return { value: r.value as Tensor, grads: requireAll(fn, r.grads, (i) => `xs[${i}]`) };
  };
}

/**
 * The value of `f()` (a scalar) and its gradients with respect to
 * variables, by name, as TensorFlow.js's `tf.variableGrads`.
 *
 * As in TensorFlow.js, a listed variable the result does not depend on is
 * left out of `grads` (no entry, not null); if it depends on none of them
 * this throws a TypeError.
 * @param varList the variables (default: every trainable variable).
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: NamedTensorMap } {
  const fn = 'variableGrads';
  checkFunction(fn, f);
  const vars = resolveVarList(fn, varList);
  const r = gradients(fn, f, vars, null, true, true);
  if (r.grads.every((g) => g === null)) {
    r.value?.dispose();
    throw typeError(fn, `the result of f depends on none of the ${vars.length} variables (${vars.slice(0, 5).map((v) => show(v.name)).join(', ')}${vars.length > 5 ? ', ...' : ''}); make sure the ops that use them run inside f`);
  }
  const named: NamedTensorMap = {};
  vars.forEach((v, i) => {
    const g = r.grads[i];
    if (g !== null) named[v.name] = g;
  });
  return { value: r.value as Tensor, grads: named };
}

/** @internal The trainable variables to differentiate: varList checked, or all of them. */
export function resolveVarList(fn: string, varList: unknown): Variable[] {
  if (varList === undefined || varList === null) {
    const all = trainableVariables();
    if (all.length === 0) throw typeError(fn, 'there are no trainable variables (create them with tf.variable)');
    return all;
  }
  const list = checkArray(fn, 'varList', varList, 'an array of tf.Variable');
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!(v instanceof Variable)) throw typeError(fn, `varList[${i}] must be a tf.Variable, got ${show(v)}`);
    checkTensor(fn, `varList[${i}]`, v);
  }
  const vars = (list as Variable[]).filter((v) => v.trainable);
  if (vars.length === 0) {
    throw typeError(fn, `expects at least one trainable variable, but none of the ${list.length} variables in varList is trainable`);
  }
  return vars;
}

/** What a {@link customGrad} function returns. */
export interface CustomGradientResult {
  /** The op's result. */
  value: Tensor;
  /** The gradient with respect to each input, given dy and the tensors passed to `save`. */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * An op with a gradient of its own, as TensorFlow.js's `tf.customGrad`:
 * `f(...inputs, save)` returns `{ value, gradFunc }`; the returned function
 * computes `value` (f's ops are not recorded) and, under a gradient function,
 * differentiates it with `gradFunc(dy, saved)`, one gradient per input.
 */
export function customGrad(f: (...args: unknown[]) => CustomGradientResult): (...inputs: Tensor[]) => Tensor {
  const fn = 'customGrad';
  checkFunction(fn, f);
  return (...inputs: Tensor[]): Tensor => {
    inputs.forEach((t, i) => checkTensor(fn, `inputs[${i}]`, t));
    let saved: Tensor[] = [];
    const save = (tensors: Tensor[]) => {
      const list = checkArray(fn, 'save', tensors, 'an array of Tensors');
      list.forEach((t, i) => checkTensor(fn, `saved[${i}]`, t));
      saved = list as Tensor[];
    };
    const tape = TAPE.active;
    let result: unknown;
    TAPE.active = null;
    try {
      result = f(...inputs, save);
    } finally {
      TAPE.active = tape;
    }
    const r = result as Partial<CustomGradientResult> | null;
    if (typeof r !== 'object' || r === null || !(r.value instanceof Tensor)) {
      throw typeError(fn, `f must return { value: Tensor, gradFunc }, got ${show(result)}`);
    }
    checkTensor(fn, 'value', r.value);
    if (typeof r.gradFunc !== 'function') throw typeError(fn, `f must return { value, gradFunc: function }, got gradFunc ${show(r.gradFunc)}`);
    const gradFunc = r.gradFunc;
    const value = r.value;
    if (tape !== null) {
      const held = saved;
      const g: GradFunc = (dy) => {
        const out = gradFunc(dy, held);
        const list = out instanceof Tensor ? [out] : out;
        if (!Array.isArray(list) || list.length !== inputs.length) {
          throw typeError(fn, `gradFunc must return one gradient per input (${inputs.length}), got ${show(out)}`);
        }
        return list;
      };
      // Saved tensors stay pinned with the node.
      record('CustomGradient', [...inputs, ...held], value, undefined, (dy, node, needs) => [...g(dy, node, needs), ...held.map(() => null)]);
    }
    return value;
  };
}
