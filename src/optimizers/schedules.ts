// Learning-rate schedules (Keras's LearningRateSchedule), evaluated natively per step.
import { checkArray, checkBool, checkNumber, checkOptions, rangeError, show } from '../errors';
import { native } from '../native';
import type { NativeScheduleSpec } from '../native';

/** A learning rate that changes with the optimizer's step counter. */
export interface LearningRateSchedule {
  readonly className: 'ExponentialDecay' | 'CosineDecay' | 'PiecewiseConstantDecay';
  /** @internal Native form: `kind` from `native.enums.schedule`. */
  readonly native: NativeScheduleSpec;
  /** Learning rate at a step (the same formula the engine uses). */
  at(step: number): number;
  /** Keras config, for serialization. */
  getConfig(): Record<string, unknown>;
}

/** Schedules made by the factories below: the only ones whose native form the engine can trust. */
const made = new WeakSet<object>();

function register(s: LearningRateSchedule): LearningRateSchedule {
  const at = s.at;
  (s as { at: (step: number) => number }).at = (step) => at(checkNumber(`${s.className}.at`, 'step', step, 0));
  Object.freeze(s.native);
  made.add(Object.freeze(s));
  return s;
}

/** @internal Whether `v` is a schedule made by a factory of `tf.optimizers.schedules`. */
export function isSchedule(v: unknown): v is LearningRateSchedule {
  return typeof v === 'object' && v !== null && made.has(v);
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayArgs {
  /** Learning rate at step 0 (required). */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by decayRate once (required, > 0). */
  decaySteps: number;
  /** Factor per decaySteps steps (required). */
  decayRate: number;
  /** Decay in discrete intervals (default false). */
  staircase?: boolean;
}

/** lr = initial * decayRate ^ (step / decaySteps). */
export function exponentialDecay(args: ExponentialDecayArgs): LearningRateSchedule {
  const fn = 'exponentialDecay';
  const a = checkOptions(fn, args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], true);
  const initial = checkNumber(fn, 'initialLearningRate', a.initialLearningRate, 0);
  const decaySteps = checkNumber(fn, 'decaySteps', a.decaySteps, 0, Infinity, true);
  const decayRate = checkNumber(fn, 'decayRate', a.decayRate, 0);
  const staircase = a.staircase === undefined ? false : checkBool(fn, 'staircase', a.staircase);
  return register({
    className: 'ExponentialDecay',
    native: { kind: native.enums.schedule.exponentialDecay, initial, decaySteps, decayRate, staircase },
    at: (s) => initial * decayRate ** (staircase ? Math.floor(s / decaySteps) : s / decaySteps),
    getConfig: () => ({ initial_learning_rate: initial, decay_steps: decaySteps, decay_rate: decayRate, staircase }),
  });
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayArgs {
  /** Learning rate at step 0 (required). */
  initialLearningRate: number;
  /** Steps of the cosine decay, after any warm-up (required, > 0). */
  decaySteps: number;
  /** Floor as a fraction of the rate the decay starts from (default 0). */
  alpha?: number;
  /** Rate the linear warm-up reaches, and the decay starts from (Keras 3; default initialLearningRate). */
  warmupTarget?: number;
  /** Length of the linear warm-up in steps (default 0: none). */
  warmupSteps?: number;
}

/** Cosine decay (Loshchilov & Hutter 2017) from the initial (or warm-up target) rate to alpha times it. */
export function cosineDecay(args: CosineDecayArgs): LearningRateSchedule {
  const fn = 'cosineDecay';
  const a = checkOptions(fn, args, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'], true);
  const initial = checkNumber(fn, 'initialLearningRate', a.initialLearningRate, 0);
  const decaySteps = checkNumber(fn, 'decaySteps', a.decaySteps, 0, Infinity, true);
  const alpha = checkNumber(fn, 'alpha', a.alpha ?? 0, 0, 1);
  const warmupSteps = checkNumber(fn, 'warmupSteps', a.warmupSteps ?? 0, 0);
  const warmupTarget = checkNumber(fn, 'warmupTarget', a.warmupTarget ?? initial, 0);
  return register({
    className: 'CosineDecay',
    native: { kind: native.enums.schedule.cosineDecay, initial, decaySteps, alpha, warmupSteps, warmupTarget },
    at: (s) => {
      if (warmupSteps > 0 && s < warmupSteps) return initial + (warmupTarget - initial) * (s / warmupSteps);
      const t = Math.min(s - warmupSteps, decaySteps) / decaySteps;
      return warmupTarget * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
    },
    getConfig: () => ({ initial_learning_rate: initial, decay_steps: decaySteps, alpha, warmup_steps: warmupSteps, warmup_target: warmupTarget }),
  });
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantArgs {
  /** Increasing step boundaries. */
  boundaries: number[];
  /** One more value than boundaries: values[i] applies while step <= boundaries[i]. */
  values: number[];
}

/** A step function of the step counter (Keras's PiecewiseConstantDecay). */
export function piecewiseConstant(args: PiecewiseConstantArgs): LearningRateSchedule {
  const fn = 'piecewiseConstant';
  const a = checkOptions(fn, args, ['boundaries', 'values'], true);
  const boundaries = [...checkArray(fn, 'boundaries', a.boundaries, 'an array of numbers')] as number[];
  const values = [...checkArray(fn, 'values', a.values, 'an array of numbers')] as number[];
  boundaries.forEach((b, i) => checkNumber(fn, `boundaries[${i}]`, b, 0));
  values.forEach((v, i) => checkNumber(fn, `values[${i}]`, v, 0));
  if (values.length !== boundaries.length + 1) {
    throw rangeError(fn, `values needs one more entry than boundaries (${boundaries.length}), got ${values.length}`);
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!(boundaries[i] > boundaries[i - 1])) throw rangeError(fn, `boundaries must increase, got ${show(boundaries)}`);
  }
  return register({
    className: 'PiecewiseConstantDecay',
    native: { kind: native.enums.schedule.piecewiseConstant, initial: values[0], boundaries, values },
    at: (s) => {
      let i = 0;
      while (i < boundaries.length && s > boundaries[i]) i++;
      return values[i];
    },
    getConfig: () => ({ boundaries: [...boundaries], values: [...values] }),
  });
}
