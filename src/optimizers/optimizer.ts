// The Optimizer object and its construction from options: Keras 3's update
// rules and defaults, a configuration the native engine turns into one fused
// update over the parameter arena. What differs between optimizers is their
// row in definitions.ts; the public factories are in index.ts.
import { checkBool, checkNumber, checkOneOf, checkOptions, show, typeError } from '../errors';
import { native } from '../native';
import type { NativeOptimizerSpec } from '../native';
import { OPTIMIZER_NAMES, OptimizerArgs, OptimizerIdentifier, ResolvedOptions, definitionOf } from './definitions';
import { LearningRateSchedule, isSchedule } from './schedules';
import { applyGradientsWith, minimizeWith } from '../autodiff/apply';
import type { NamedTensor } from '../autodiff/apply';
import type { NamedTensorMap } from '../autodiff/api';
import type { Variable } from '../autodiff/variable';
import type { Tensor } from '../tensor';

/** Proves a constructor call comes from this module's factories. */
const FACTORY = Symbol('optimizer factory');
/** Optimizers the constructor made (an object made with Object.create(Optimizer.prototype) passes instanceof but has no configuration). */
const made = new WeakSet<object>();

/** Options besides the rule's own, in the order option lists name them. */
const COMMON_OPTIONS = ['clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay'] as const;
const CLIP_OPTIONS = ['clipNorm', 'clipValue', 'globalClipNorm'] as const;

/** `get` accepts each optimizer's Keras class name and aliases besides its own name. */
const ALIASES: Record<string, OptimizerIdentifier> = Object.fromEntries(
  OPTIMIZER_NAMES.flatMap((n) => [definitionOf(n).className, ...definitionOf(n).aliases].map((alias) => [alias, n])));

/** A configured optimizer. Pass it to `model.compile({ optimizer })`. */
export class Optimizer {
  /** Keras class name ('Adam', ...). */
  readonly className: string;
  /** Short name ('adam', ...). */
  readonly name: OptimizerIdentifier;
  /** Resolved options including defaults. */
  readonly config: ResolvedOptions;
  /** The schedule, when the learning rate is one. */
  readonly schedule: LearningRateSchedule | null;

  /** @internal Use the factories (`tf.optimizers.adam(...)`). */
  constructor(name: OptimizerIdentifier, config: Record<string, number | boolean>, schedule: LearningRateSchedule | null, token?: symbol) {
    if (token !== FACTORY) throw typeError('Optimizer', 'create optimizers with the factories (tf.optimizers.adam(...), tf.optimizers.get(name, options), ...)');
    this.name = name;
    this.className = definitionOf(name).className;
    this.config = Object.freeze({ ...config });
    this.schedule = schedule;
    made.add(this);
    Object.freeze(this);
  }

  /** Initial learning rate (the schedule's value at step 0). */
  get learningRate(): number {
    return this.schedule ? this.schedule.at(0) : (this.config.learningRate as number);
  }

  /** @internal The native engine's configuration: every option (the engine has no defaults of its own). */
  toNative(): NativeOptimizerSpec {
    const schedule = this.schedule ? this.schedule.native : { kind: native.enums.schedule.constant, initial: this.config.learningRate as number };
    return { ...this.config, kind: nativeCode(this.name), schedule };
  }

  /**
   * Minimizes `f()` (a scalar) by one step over `varList` (default: every
   * trainable variable), as TensorFlow.js's `optimizer.minimize`.
   * @returns the cost when `returnCost` (default false), else null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    return minimizeWith(this, f, returnCost, varList);
  }

  /**
   * One update of the named variables: `{ name: gradient }` or
   * `[{ name, tensor }]`, as TensorFlow.js's `optimizer.applyGradients`. Runs
   * the fused native update fit uses; state (moments, step count) is kept per
   * set of variables updated together.
   */
  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    applyGradientsWith(this, variableGradients);
  }

  /** Keras-style config (snake_case), for serialization. */
  getConfig(): Record<string, unknown> {
    const snake = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace('beta1', 'beta_1').replace('beta2', 'beta_2');
    const c: Record<string, unknown> = { name: this.name };
    for (const [k, v] of Object.entries(this.config)) c[snake(k)] = v;
    if (this.schedule) c.learning_rate = { class_name: this.schedule.className, config: this.schedule.getConfig() };
    return c;
  }
}

/** The optimizer's code in the addon's table (native.enums.optimizer). */
function nativeCode(name: OptimizerIdentifier): number {
  const key = definitionOf(name).native;
  const codes = native.enums.optimizer;
  if (!Object.hasOwn(codes, key)) throw new Error(`tensorforge: the native addon has no optimizer '${key}'; it was built from other sources (rebuild it: npm run build:native)`);
  return codes[key];
}

/**
 * @internal Builds optimizer `name` from options, checked against its row:
 * unknown keys refused, every rule option resolved to its default or checked
 * against its range.
 */
export function createOptimizer(name: OptimizerIdentifier, args: unknown): Optimizer {
  const fn = `optimizers.${name}`;
  const def = definitionOf(name);
  const rule = Object.entries(def.options);
  const a: Record<string, unknown> = checkOptions(fn, args, ['learningRate', ...rule.map(([k]) => k), ...COMMON_OPTIONS]);
  const config: Record<string, number | boolean> = {};
  let schedule: LearningRateSchedule | null = null;
  const lr = a.learningRate;
  if (lr !== undefined && lr !== null && typeof lr === 'object') {
    if (!isSchedule(lr)) throw typeError(fn, `learningRate must be a number or a schedule from tf.optimizers.schedules, got ${show(lr)}`);
    schedule = lr;
    config.learningRate = schedule.at(0);
  } else {
    config.learningRate = checkNumber(fn, 'learningRate', lr ?? def.learningRate, 0);
  }
  for (const [k, option] of rule) {
    const v = a[k] ?? option.default;
    config[k] = 'min' in option ? checkNumber(fn, k, v, option.min, option.max) : checkBool(fn, k, v);
  }
  for (const k of CLIP_OPTIONS) {
    if (a[k] !== undefined && a[k] !== null) config[k] = checkNumber(fn, k, a[k], 0, Infinity, true);
  }
  if (config.clipNorm !== undefined && config.globalClipNorm !== undefined) {
    throw typeError(fn, 'give at most one of clipNorm and globalClipNorm (as Keras)');
  }
  config.weightDecay = checkNumber(fn, 'weightDecay', a.weightDecay ?? def.weightDecay, 0);
  for (const [k, option] of rule) {
    if ('belowMax' in option && config[k] === option.max) throw typeError(fn, `${k} must be < ${option.max}`);
  }
  return new Optimizer(name, config, schedule, FACTORY);
}

/** Builds an optimizer from its name ('adam', 'sgd', ... or Keras class names) and options. */
export function get(name: OptimizerIdentifier | string, options?: OptimizerArgs & Record<string, unknown>): Optimizer {
  return createOptimizer(checkOneOf('optimizers.get', 'optimizer', name, OPTIMIZER_NAMES, ALIASES), options);
}

/** @internal `compile` accepts a name or an Optimizer. */
export function resolveOptimizer(fn: string, v: unknown): Optimizer {
  if (v instanceof Optimizer && made.has(v)) return v;
  if (typeof v === 'string') return get(v);
  throw typeError(fn, `optimizer must be a name (${OPTIMIZER_NAMES.join(', ')}) or an Optimizer, got ${show(v)}`);
}
