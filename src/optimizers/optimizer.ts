// Optimizers with Keras 3's update rules and defaults. Each is a configuration
// the native engine turns into one fused update over the parameter arena.
import { checkBool, checkNumber, checkOneOf, checkOptions, show, typeError } from '../errors';
import { LearningRateSchedule, isSchedule } from './schedules';

/** Proves a constructor call comes from this module's factories. */
const FACTORY = Symbol('optimizer factory');
/** Optimizers the constructor made (an object made with Object.create(Optimizer.prototype) passes instanceof but has no configuration). */
const made = new WeakSet<object>();

/** Options every optimizer accepts. */
export interface OptimizerArgs {
  /** Step size, or a schedule from `tf.optimizers.schedules` (default: Keras's per optimizer). */
  learningRate?: number | LearningRateSchedule;
  /** Clip each variable's gradient to this L2 norm (default off). */
  clipNorm?: number;
  /** Clip each gradient element to [-clipValue, clipValue] (default off). */
  clipValue?: number;
  /** Clip all gradients together to this global L2 norm (default off). */
  globalClipNorm?: number;
  /** Decoupled weight decay: w -= lr * weightDecay * w before each update (default 0; AdamW 0.004). */
  weightDecay?: number;
}

/** Options of {@link sgd}. */
export interface SGDArgs extends OptimizerArgs {
  /** Momentum (default 0). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}
/** Options of {@link adam} and {@link adamw}. */
export interface AdamArgs extends OptimizerArgs {
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Keras's "epsilon hat", added to sqrt(v̂) (default 1e-7). */
  epsilon?: number;
  /** AMSGrad variant (default false). */
  amsgrad?: boolean;
}
/** Options of {@link rmsprop}. */
export interface RMSpropArgs extends OptimizerArgs {
  /** Decay of the squared-gradient average (default 0.9). */
  rho?: number;
  /** Momentum (default 0). */
  momentum?: number;
  /** Added inside the square root (default 1e-7). */
  epsilon?: number;
  /** Normalise by the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
}
/** Options of {@link adagrad}. */
export interface AdagradArgs extends OptimizerArgs {
  /** Starting value of the accumulators (default 0.1). */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  epsilon?: number;
}
/** Options of {@link adadelta}. */
export interface AdadeltaArgs extends OptimizerArgs {
  /** Decay rate (default 0.95). */
  rho?: number;
  /** Default 1e-7. */
  epsilon?: number;
}
/** Options of {@link adamax} and {@link nadam}. */
export interface AdamaxArgs extends OptimizerArgs {
  /** Decay of the first-moment average (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment (Adamax: infinity-norm) average (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-7). */
  epsilon?: number;
}

/** Optimizer names accepted by `compile` and {@link get}. */
export type OptimizerIdentifier = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax' | 'nadam';
const NAMES = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const;
const ALIASES: Record<string, OptimizerIdentifier> = {
  SGD: 'sgd', Adam: 'adam', AdamW: 'adamw', RMSprop: 'rmsprop', RMSProp: 'rmsprop', Adagrad: 'adagrad',
  Adadelta: 'adadelta', Adamax: 'adamax', Nadam: 'nadam',
};
const KIND: Record<OptimizerIdentifier, number> = { sgd: 0, adam: 1, adamw: 2, rmsprop: 3, adagrad: 4, adadelta: 5, adamax: 6, nadam: 7 };
const CLASS: Record<OptimizerIdentifier, string> = {
  sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad', adadelta: 'Adadelta', adamax: 'Adamax', nadam: 'Nadam',
};

/** A configured optimizer. Pass it to `model.compile({ optimizer })`. */
export class Optimizer {
  /** Keras class name ('Adam', ...). */
  readonly className: string;
  /** Short name ('adam', ...). */
  readonly name: OptimizerIdentifier;
  /** Resolved options including defaults. */
  readonly config: Readonly<Record<string, number | boolean>>;
  /** The schedule, when the learning rate is one. */
  readonly schedule: LearningRateSchedule | null;

  /** @internal Use the factories (`tf.optimizers.adam(...)`). */
  constructor(name: OptimizerIdentifier, config: Record<string, number | boolean>, schedule: LearningRateSchedule | null, token?: symbol) {
    if (token !== FACTORY) throw typeError('Optimizer', 'create optimizers with the factories (tf.optimizers.adam(...), tf.optimizers.get(name, options), ...)');
    this.name = name;
    this.className = CLASS[name];
    this.config = Object.freeze({ ...config });
    this.schedule = schedule;
    made.add(this);
    Object.freeze(this);
  }

  /** Initial learning rate (the schedule's value at step 0). */
  get learningRate(): number {
    return this.schedule ? this.schedule.at(0) : (this.config.learningRate as number);
  }

  /** @internal The native engine's configuration. */
  toNative(): Record<string, unknown> {
    const schedule = this.schedule ? this.schedule.native : { kind: 0, initial: this.config.learningRate };
    return { ...this.config, kind: KIND[this.name], schedule };
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

function build(name: OptimizerIdentifier, args: unknown, defaults: Record<string, number | boolean>): Optimizer {
  const fn = `optimizers.${name}`;
  const known = [...new Set([...Object.keys(defaults), 'learningRate', 'clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay'])];
  const a: Record<string, unknown> = checkOptions(fn, args, known);
  const config: Record<string, number | boolean> = {};
  let schedule: LearningRateSchedule | null = null;
  const lr = a.learningRate;
  if (lr !== undefined && lr !== null && typeof lr === 'object') {
    if (!isSchedule(lr)) throw typeError(fn, `learningRate must be a number or a schedule from tf.optimizers.schedules, got ${show(lr)}`);
    schedule = lr;
    config.learningRate = schedule.at(0);
  } else {
    config.learningRate = checkNumber(fn, 'learningRate', lr ?? defaults.learningRate, 0);
  }
  for (const [k, def] of Object.entries(defaults)) {
    if (k === 'learningRate') continue;
    const v = a[k] ?? def;
    if (typeof def === 'boolean') config[k] = checkBool(fn, k, v);
    else if (k === 'beta1' || k === 'beta2' || k === 'rho' || k === 'momentum') config[k] = checkNumber(fn, k, v, 0, 1);
    else if (k === 'epsilon') config[k] = checkNumber(fn, k, v, 0, Infinity);
    else config[k] = checkNumber(fn, k, v, 0);
  }
  for (const k of ['clipNorm', 'clipValue', 'globalClipNorm'] as const) {
    if (a[k] !== undefined && a[k] !== null) config[k] = checkNumber(fn, k, a[k], 0, Infinity, true);
  }
  if (config.clipNorm !== undefined && config.globalClipNorm !== undefined) {
    throw typeError(fn, 'give at most one of clipNorm and globalClipNorm (as Keras)');
  }
  config.weightDecay = checkNumber(fn, 'weightDecay', a.weightDecay ?? defaults.weightDecay ?? 0, 0);
  if (config.momentum === 1) throw typeError(fn, 'momentum must be < 1');
  return new Optimizer(name, config, schedule, FACTORY);
}

/** Stochastic gradient descent, optionally with (Nesterov) momentum. Keras defaults: lr 0.01. */
export function sgd(args?: SGDArgs): Optimizer {
  return build('sgd', args, { learningRate: 0.01, momentum: 0, nesterov: false });
}
/** Adam (Kingma & Ba 2015), Keras form: alpha = lr·sqrt(1-β2ᵗ)/(1-β1ᵗ), w -= alpha·m/(sqrt(v)+ε). */
export function adam(args?: AdamArgs): Optimizer {
  return build('adam', args, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
}
/** Adam with decoupled weight decay (Loshchilov & Hutter 2019); weightDecay default 0.004. */
export function adamw(args?: AdamArgs): Optimizer {
  return build('adamw', args, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004 });
}
/** RMSprop (Hinton), Keras form: w -= lr·g/sqrt(v+ε). */
export function rmsprop(args?: RMSpropArgs): Optimizer {
  return build('rmsprop', args, { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
}
/** Adagrad (Duchi et al. 2011); accumulators start at 0.1. */
export function adagrad(args?: AdagradArgs): Optimizer {
  return build('adagrad', args, { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
}
/** Adadelta (Zeiler 2012). */
export function adadelta(args?: AdadeltaArgs): Optimizer {
  return build('adadelta', args, { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
}
/** Adamax, Adam's infinity-norm variant. */
export function adamax(args?: AdamaxArgs): Optimizer {
  return build('adamax', args, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
}
/** Nadam, Adam with Nesterov momentum (Dozat 2016). */
export function nadam(args?: AdamaxArgs): Optimizer {
  return build('nadam', args, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
}

const FACTORIES: Record<OptimizerIdentifier, (a?: never) => Optimizer> = { sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam };

/** Builds an optimizer from its name ('adam', 'sgd', ... or Keras class names) and options. */
export function get(name: OptimizerIdentifier | string, options?: OptimizerArgs & Record<string, unknown>): Optimizer {
  const n = checkOneOf('optimizers.get', 'optimizer', name, NAMES, ALIASES);
  return FACTORIES[n](options as never);
}

/** @internal `compile` accepts a name or an Optimizer. */
export function resolveOptimizer(fn: string, v: unknown): Optimizer {
  if (v instanceof Optimizer && made.has(v)) return v;
  if (typeof v === 'string') return get(v);
  throw typeError(fn, `optimizer must be a name (${NAMES.join(', ')}) or an Optimizer, got ${show(v)}`);
}
