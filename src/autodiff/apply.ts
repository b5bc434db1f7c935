// optimizer.applyGradients and optimizer.minimize for tf.Variables: the
// variables are packed into one arena and updated by the same fused native
// step fit runs (native/optimizers.cc), so every optimizer, schedule, clipping
// and weight-decay option behaves exactly as in fit.
import { checkArray, checkBool, show, typeError, rangeError } from '../errors';
import { native } from '../native';
import type { NativeOptimizerStepper } from '../native';
import type { Optimizer } from '../optimizers/optimizer';
import { Tensor, checkTensor } from '../tensor';
import { NamedTensorMap, variableGrads } from './api';
import { checkFunction } from './backprop';
import { Variable, variableNamed, writeValues } from './variable';

/** A gradient and the name of its variable, as TensorFlow.js's NamedTensor. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** The optimizer's state over one set of variables: slots, step counter, packing buffers. */
interface ArenaState {
  stepper: NativeOptimizerStepper;
  params: Float32Array;
  grads: Float32Array;
  segments: Int32Array;
  /** Per variable: the array and version the arena's copy was taken from (after the last update). */
  arrays: (Float32Array | null)[];
  versions: number[];
}

/**
 * State per optimizer and per set of variables (by identity, in order). A
 * loop that updates the same variables each step reuses one arena: no
 * allocation per step.
 */
const states = new WeakMap<Optimizer, Map<string, ArenaState>>();

/** Per optimizer, the state it used last: a loop updates the same variables each step. */
const lastState = new WeakMap<Optimizer, { ids: number[]; state: ArenaState }>();

function stateFor(opt: Optimizer, vars: readonly Variable[]): ArenaState {
  const last = lastState.get(opt);
  if (last !== undefined && last.ids.length === vars.length && vars.every((v, i) => v.id === last.ids[i])) return last.state;
  let byKey = states.get(opt);
  if (byKey === undefined) states.set(opt, (byKey = new Map()));
  const ids = vars.map((v) => v.id);
  const key = ids.join(',');
  let s = byKey.get(key);
  if (s === undefined) {
    const segments = new Int32Array(vars.length * 2);
    let size = 0;
    vars.forEach((v, i) => {
      segments[2 * i] = size;
      segments[2 * i + 1] = v.size;
      size += v.size;
    });
    if (size > 2 ** 31 - 1) throw rangeError('optimizer.applyGradients', `the variables hold ${size} values together; at most 2^31 - 1 are supported`);
    s = {
      stepper: native.optimizerCreate(opt.toNative(), size), params: new Float32Array(size), grads: new Float32Array(size), segments,
      arrays: vars.map(() => null), versions: vars.map(() => -1),
    };
    byKey.set(key, s);
  }
  lastState.set(opt, { ids, state: s });
  return s;
}

/** Pairs of (variable, gradient) from {name: tensor} or [{name, tensor}], checked. */
function resolve(fn: string, grads: unknown): [Variable, Tensor][] {
  let entries: [string, unknown][];
  if (Array.isArray(grads)) {
    // Index by index: a caller's array may carry its own `map` or iterator (fuzz seed 77777: a raw '.for is not iterable').
    const list = checkArray(fn, 'grads', grads, 'an object {variableName: Tensor} or an array of { name, tensor }');
    entries = [];
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (typeof e !== 'object' || e === null || typeof (e as NamedTensor).name !== 'string') {
        throw typeError(fn, `grads[${i}] must be { name: string, tensor: Tensor }, got ${show(e)}`);
      }
      entries.push([(e as NamedTensor).name, (e as NamedTensor).tensor]);
    }
  } else if (typeof grads === 'object' && grads !== null && !(grads instanceof Tensor)) {
    entries = Object.entries(grads);
  } else {
    throw typeError(fn, `grads must be an object {variableName: Tensor} or an array of { name, tensor }, got ${show(grads)}`);
  }
  const seen = new Set<string>();
  const pairs: [Variable, Tensor][] = [];
  for (const [name, g] of entries) {
    if (seen.has(name)) throw typeError(fn, `grads names the variable ${show(name)} twice`);
    seen.add(name);
    const v = variableNamed(name);
    if (v === undefined) throw typeError(fn, `grads names ${show(name)}, which is not a live tf.Variable`);
    checkTensor(fn, `the gradient of ${show(name)}`, g);
    const t = g as Tensor;
    if (t.dtype !== 'float32' || v.dtype !== 'float32') throw typeError(fn, `the variable ${show(name)} and its gradient must be float32, got ${v.dtype} and ${t.dtype}`);
    if (t.rank !== v.rank || t.shape.some((d, i) => d !== v.shape[i])) {
      throw rangeError(fn, `the gradient of ${show(name)} has shape ${show(t.shape)}, the variable ${show(v.shape)}`);
    }
    // Non-trainable variables are left alone (Keras's rule; their gradients are usually absent anyway).
    if (v.trainable) pairs.push([v, t]);
  }
  return pairs;
}

/**
 * @internal One optimizer step over the named variables with the given
 * gradients (optimizer.applyGradients).
 */
export function applyGradientsWith(opt: Optimizer, grads: unknown): void {
  const fn = 'optimizer.applyGradients';
  const pairs = resolve(fn, grads);
  if (pairs.length === 0) return;
  const vars = pairs.map(([v]) => v);
  const s = stateFor(opt, vars);
  pairs.forEach(([v, g], i) => {
    const off = s.segments[2 * i];
    // The arena still holds the values the last update wrote, unless something assigned the variable since.
    if (s.arrays[i] !== v.backing.array || s.versions[i] !== v.version) s.params.set(v.backing.array as Float32Array, off);
    s.grads.set(g.backing.array as Float32Array, off);
  });
  s.stepper.step(s.params, s.grads, s.segments);
  vars.forEach((v, i) => {
    const off = s.segments[2 * i];
    writeValues(v, s.params.subarray(off, off + v.size));
    s.arrays[i] = v.backing.array as Float32Array;
    s.versions[i] = v.version;
  });
}

/**
 * @internal optimizer.minimize: variableGrads(f, varList), then one step;
 * returns the cost when `returnCost`, else disposes it and returns null.
 */
export function minimizeWith(opt: Optimizer, f: unknown, returnCost: unknown, varList: unknown): Tensor | null {
  const fn = 'optimizer.minimize';
  checkFunction(fn, f);
  checkBool(fn, 'returnCost', returnCost);
  if (varList !== undefined && varList !== null && !Array.isArray(varList)) {
    throw typeError(fn, `varList must be an array of tf.Variable, got ${show(varList)}`);
  }
  const { value, grads } = variableGrads(f as () => Tensor, varList as Variable[] | undefined);
  try {
    applyGradientsWith(opt, grads as NamedTensorMap);
  } finally {
    for (const g of Object.values(grads)) g.dispose();
  }
  if (returnCost === true) return value;
  value.dispose();
  return null;
}
