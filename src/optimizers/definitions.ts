// Every optimizer as one typed row: its Keras and TensorFlow.js names, its
// options with their defaults and accepted values, the native engine's name
// for it, how it is written to and read from a training configuration, and
// the names of its saved state. The factories, their option checks, toNative,
// the training-configuration reader and writer and the optimizer-state names
// all read these rows; the defaults live here and nowhere else (the native
// engine requires every option, native/optimizers.cc).
//
// Adding an optimizer: its options interface (unless one fits), its entry in
// OptimizerArgsByName and its row here, its factory in index.ts, and on the
// native side one line in TF_OPTIMIZERS and one row (with its kernel) in
// native/optimizers.cc. test/training/optimizer_rows.test.ts then checks the
// new row end to end; its update rule still needs a case in
// test/training/optimizers.test.ts.
import type { LearningRateSchedule } from './schedules';

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

/** Options of `tf.optimizers.sgd`. */
export interface SGDArgs extends OptimizerArgs {
  /** Momentum (default 0). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}
/** Options of `tf.optimizers.adam` and `tf.optimizers.adamw`. */
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
/** Options of `tf.optimizers.rmsprop`. */
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
/** Options of `tf.optimizers.adagrad`. */
export interface AdagradArgs extends OptimizerArgs {
  /** Starting value of the accumulators (default 0.1). */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  epsilon?: number;
}
/** Options of `tf.optimizers.adadelta`. */
export interface AdadeltaArgs extends OptimizerArgs {
  /** Decay rate (default 0.95). */
  rho?: number;
  /** Default 1e-7. */
  epsilon?: number;
}
/** Options of `tf.optimizers.adamax` and `tf.optimizers.nadam`. */
export interface AdamaxArgs extends OptimizerArgs {
  /** Decay of the first-moment average (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment (Adamax: infinity-norm) average (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-7). */
  epsilon?: number;
}

/** The options of each optimizer, by the name `compile` and `tf.optimizers.get` accept. */
export interface OptimizerArgsByName {
  sgd: SGDArgs;
  adam: AdamArgs;
  adamw: AdamArgs;
  rmsprop: RMSpropArgs;
  adagrad: AdagradArgs;
  adadelta: AdadeltaArgs;
  adamax: AdamaxArgs;
  nadam: AdamaxArgs;
}

/** Optimizer names accepted by `compile` and `tf.optimizers.get`. */
export type OptimizerIdentifier = keyof OptimizerArgsByName;

/** An optimizer's resolved options (every option, defaults filled in). */
export type ResolvedOptions = Readonly<Record<string, number | boolean>>;

/** A numeric option of an update rule. */
export interface NumberOption {
  readonly default: number;
  /** Smallest value accepted. */
  readonly min: number;
  /** Largest value accepted (Infinity: no limit). */
  readonly max: number;
  /** `max` itself is refused too, after the other checks (momentum < 1). */
  readonly belowMax?: true;
}
/** A boolean option of an update rule. */
export interface FlagOption {
  readonly default: boolean;
}

/** The options an update rule adds to {@link OptimizerArgs}. */
type RuleOptionName<A> = Exclude<keyof A, keyof OptimizerArgs> & string;
/** One definition per rule option, numbers and flags as the options interface types them. */
type RuleOptions<A> = { readonly [K in RuleOptionName<A>]-?: NonNullable<A[K]> extends boolean ? FlagOption : NumberOption };

/**
 * How an optimizer appears in a training configuration, in TensorFlow.js's
 * names (which Keras's model files also accept for these keys).
 */
export interface TrainingConfigForm<O extends string = string> {
  /** TensorFlow.js's class name. */
  readonly className: string;
  /** Whether this form is written for a configuration (default: always; the first form that applies is written). */
  readonly when?: (c: ResolvedOptions) => boolean;
  /** The config keys written after learningRate: an option's own name, or [TensorFlow.js's key, option]. */
  readonly keys: readonly (O | readonly [string, O])[];
  /** Entries TensorFlow.js expects that are constant here. Written, never read. */
  readonly constants?: Readonly<Record<string, number>>;
}

/** One saved slot of the optimizer state, as TensorFlow.js names it. */
export interface SlotName {
  /** Entries are named `<variable>/<suffix>`. */
  readonly suffix: string;
  /** Index into the native slot arrays (the kind's row in native/optimizers.cc), or null for a slot TensorFlow.js keeps and tensorforge does not (written as zeros). */
  readonly slot: number | null;
}

/** An option of an update rule. */
export type OptionDefinition = NumberOption | FlagOption;

/** One optimizer, everything that differs from the others (`Options` and `Name`: its rule's options). */
interface Definition<Options, Name extends string> {
  /** Keras's class name ('Adam'): `Optimizer.className`, and accepted by `get`. */
  readonly className: string;
  /** More names `get`, `compile` and the training-configuration reader accept. */
  readonly aliases: readonly string[];
  /** Its name in `native.enums.optimizer` (native/optimizers.h, TF_OPTIMIZERS). */
  readonly native: string;
  /** Default learning rate. */
  readonly learningRate: number;
  /** Default decoupled weight decay. */
  readonly weightDecay: number;
  /** The rule's own options in order, each with its default and accepted values. */
  readonly options: Options;
  /** Forms in a training configuration: the first that applies is written; every one is read. */
  readonly trainingConfig: readonly TrainingConfigForm<Name>[];
  /** Whether TensorFlow.js can rebuild the configuration (and, with includeOptimizer, read the state). */
  readonly tfjs: (c: ResolvedOptions, includeOptimizer: boolean) => boolean;
  /** The saved slots in TensorFlow.js's order (all of a slot's variables, then the next slot). */
  readonly slots: (c: ResolvedOptions) => readonly SlotName[];
  /** Saves the running product of Nadam's momentum schedule (entry `u_product`). */
  readonly momentumProduct?: true;
}

/** A row as code that handles every optimizer alike reads it. */
export type OptimizerDefinition = Definition<Readonly<Record<string, OptionDefinition>>, string>;
/** A row typed by its options interface: exactly its options, numbers and flags as the interface has them. */
type TypedDefinition<A> = Definition<RuleOptions<A>, RuleOptionName<A>>;

/** A decay rate or momentum: in [0, 1]. */
const fraction = (d: number): NumberOption => ({ default: d, min: 0, max: 1 });
/** Momentum: in [0, 1). */
const momentum = (d: number): NumberOption => ({ default: d, min: 0, max: 1, belowMax: true });
const nonNegative = (d: number): NumberOption => ({ default: d, min: 0, max: Infinity });
const flag = (d: boolean): FlagOption => ({ default: d });

const ADAM_OPTIONS = { beta1: fraction(0.9), beta2: fraction(0.999), epsilon: nonNegative(1e-7), amsgrad: flag(false) };
const ADAM_SLOTS = (c: ResolvedOptions): SlotName[] => [{ suffix: 'm', slot: 0 }, { suffix: 'v', slot: 1 }, ...(c.amsgrad ? [{ suffix: 'vhat', slot: 2 }] : [])];
const ADAMAX_OPTIONS = { beta1: fraction(0.9), beta2: fraction(0.999), epsilon: nonNegative(1e-7) };

/** @internal The optimizers, in the native list's order. */
export const OPTIMIZERS: { readonly [N in OptimizerIdentifier]: TypedDefinition<OptimizerArgsByName[N]> } = {
  sgd: {
    className: 'SGD', aliases: [], native: 'sgd', learningRate: 0.01, weightDecay: 0,
    options: { momentum: momentum(0), nesterov: flag(false) },
    // TensorFlow.js has a class per case.
    trainingConfig: [
      { className: 'SGD', when: (c) => c.momentum === 0, keys: [] },
      { className: 'Momentum', keys: ['momentum', ['useNesterov', 'nesterov']] },
    ],
    tfjs: () => true,
    slots: (c) => (c.momentum !== 0 ? [{ suffix: 'momentum', slot: 0 }] : []),
  },
  adam: {
    className: 'Adam', aliases: [], native: 'adam', learningRate: 0.001, weightDecay: 0,
    options: ADAM_OPTIONS,
    trainingConfig: [{ className: 'Adam', keys: ['beta1', 'beta2', 'epsilon', 'amsgrad'] }],
    tfjs: (c) => !c.amsgrad,
    slots: ADAM_SLOTS,
  },
  adamw: {
    className: 'AdamW', aliases: [], native: 'adamw', learningRate: 0.001, weightDecay: 0.004,
    options: ADAM_OPTIONS,
    trainingConfig: [{ className: 'AdamW', keys: ['beta1', 'beta2', 'epsilon', 'amsgrad'] }],
    tfjs: () => false,
    slots: ADAM_SLOTS,
  },
  rmsprop: {
    className: 'RMSprop', aliases: ['RMSProp'], native: 'rmsprop', learningRate: 0.001, weightDecay: 0,
    options: { rho: fraction(0.9), momentum: momentum(0), epsilon: nonNegative(1e-7), centered: flag(false) },
    // TensorFlow.js calls rho 'decay'; both are written, rho is read first.
    trainingConfig: [{ className: 'RMSProp', keys: [['decay', 'rho'], 'rho', 'momentum', 'epsilon', 'centered'] }],
    tfjs: () => true,
    slots: (c) => {
      // TensorFlow.js's RMSProp always keeps a momentum accumulator; with momentum 0 it starts at zero.
      const mom = (c.momentum as number) > 0;
      return [{ suffix: 'rms', slot: 0 }, { suffix: 'momentum', slot: mom ? 1 : null }, ...(c.centered ? [{ suffix: 'mg', slot: mom ? 2 : 1 }] : [])];
    },
  },
  adagrad: {
    className: 'Adagrad', aliases: [], native: 'adagrad', learningRate: 0.001, weightDecay: 0,
    options: { initialAccumulatorValue: nonNegative(0.1), epsilon: nonNegative(1e-7) },
    trainingConfig: [{ className: 'Adagrad', keys: ['initialAccumulatorValue', 'epsilon'] }],
    tfjs: () => true,
    slots: () => [{ suffix: 'accumulator', slot: 0 }],
  },
  adadelta: {
    className: 'Adadelta', aliases: [], native: 'adadelta', learningRate: 0.001, weightDecay: 0,
    options: { rho: fraction(0.95), epsilon: nonNegative(1e-7) },
    trainingConfig: [{ className: 'Adadelta', keys: ['rho', 'epsilon'] }],
    tfjs: () => true,
    slots: () => [{ suffix: 'accum_grad', slot: 0 }, { suffix: 'accum_var', slot: 1 }],
  },
  adamax: {
    className: 'Adamax', aliases: [], native: 'adamax', learningRate: 0.001, weightDecay: 0,
    options: ADAMAX_OPTIONS,
    // TensorFlow.js's Adamax takes a learning-rate decay, always 0 here.
    trainingConfig: [{ className: 'Adamax', keys: ['beta1', 'beta2', 'epsilon'], constants: { decay: 0 } }],
    // TensorFlow.js's Adamax.setWeights throws "not implemented".
    tfjs: (_c, includeOptimizer) => !includeOptimizer,
    slots: () => [{ suffix: 'm', slot: 0 }, { suffix: 'u', slot: 1 }],
  },
  nadam: {
    className: 'Nadam', aliases: [], native: 'nadam', learningRate: 0.001, weightDecay: 0,
    options: ADAMAX_OPTIONS,
    trainingConfig: [{ className: 'Nadam', keys: ['beta1', 'beta2', 'epsilon'] }],
    tfjs: () => false,
    slots: () => [{ suffix: 'm', slot: 0 }, { suffix: 'v', slot: 1 }],
    momentumProduct: true,
  },
};

/** @internal The optimizer names, in the rows' order. */
export const OPTIMIZER_NAMES = Object.freeze(Object.keys(OPTIMIZERS) as OptimizerIdentifier[]);

/** @internal The row of an optimizer, typed for code that handles every optimizer alike. */
export function definitionOf(name: OptimizerIdentifier): OptimizerDefinition {
  return OPTIMIZERS[name];
}
