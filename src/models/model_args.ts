// The options of compile / fit / evaluate / predict, their accepted keys, and
// the small helpers every model path shares (log means, slice sizes).
import { type CallbackHooks, type Logs, checkHooks } from '../callbacks/callback';
import { checkArray, checkBool, checkInt, checkNumber, rangeError, show, typeError } from '../errors';
import type { Loss, LossFunction, LossIdentifier } from '../losses';
import type { MetricFunction, MetricIdentifier, ResolvedMetric } from '../metrics';
import type { Optimizer } from '../optimizers/optimizer';
import type { Tensor, TensorLike } from '../tensor';
import type { InputLike, ModelInputs } from './data';
import { CompiledOutputs, outputLogKeys, outputMeanLogs, outputReportCount } from './output_losses';

/** Options of {@link LayersModel.compile}. */
export interface CompileArgs {
  /** Optimizer name ('adam', 'sgd', 'rmsprop', ...) or a configured `tf.optimizers.*` object. */
  optimizer: string | Optimizer;
  /**
   * Loss name ('sparse_categorical_crossentropy', 'meanSquaredError', ...), a
   * `tf.losses.*` object, or a function `(yTrue, yPred) => Tensor` (a
   * {@link LossFunction}). A model with several outputs takes one for all of
   * them, an array (one per output, in order) or an object keyed by output name.
   */
  loss: LossIdentifier | string | Loss | LossFunction | (LossIdentifier | string | Loss | LossFunction)[]
    | Record<string, LossIdentifier | string | Loss | LossFunction>;
  /**
   * Metrics to report, e.g. ['accuracy'] (default none); a function
   * `(yTrue, yPred) => Tensor` (a {@link MetricFunction}) is logged under
   * its name. With several outputs: one list for
   * every output, an array of lists (one per output) or an object keyed by
   * output name; logged as `<output>_<metric>`.
   */
  metrics?: (MetricIdentifier | string | MetricFunction)[] | string | MetricFunction | (MetricIdentifier | string | MetricFunction)[][]
    | Record<string, (MetricIdentifier | string | MetricFunction)[] | string | MetricFunction>;
  /**
   * Several outputs: each output's weight in the total loss (Keras's
   * loss_weights), an array in output order or an object keyed by output
   * name (default 1 each).
   */
  lossWeights?: number[] | Record<string, number>;
}

/** Options of {@link LayersModel.fit}. */
export interface FitArgs {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Shuffle the sample order every epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling (as Keras), held out for validation (default 0). */
  validationSplit?: number;
  /** Explicit validation data `[x, y]`; overrides validationSplit. */
  validationData?: [ModelInputs, InputLike];
  /** Epoch to start counting from, to resume (default 0). */
  initialEpoch?: number;
  /** Loss weight per class index, e.g. `{0: 1, 1: 5}`. */
  classWeight?: Record<number, number>;
  /**
   * Loss weight per sample (Keras's sample_weight): one finite number >= 0
   * per sample of x, multiplied with classWeight where both are given; with
   * validationSplit, the held-out part is weighted by its samples' weights.
   */
  sampleWeight?: TensorLike | Tensor;
  /** 0 = silent, 1 = progress bar (one line per epoch when not a TTY), 2 = one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Callbacks: objects with onEpochEnd/onBatchEnd/... or `tf.callbacks.*`. */
  callbacks?: CallbackHooks | CallbackHooks[];
  /** Seed for shuffling and dropout; with the same seed and thread count, two runs are bit-identical. */
  seed?: number;
  /** Stops training at the next step boundary; fit then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Data-parallel training over the MPI job of `tf.distributed.init()`
   * (default false). Every rank calls fit with the same model, data and
   * options; batchSize is the global batch, of which each rank trains on its
   * share, the gradients summed over the ranks every step, so the model is
   * the one a single process would train. Rank 0 prints the progress bar and
   * writes checkpoints; every rank's callbacks see the global figures. See
   * docs/distributed.md.
   */
  distributed?: boolean;
}

/** fit's options checked, with their defaults. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  /** validationSplit, in [0, 1). */
  split: number;
  signal: AbortSignal | undefined;
  callbacks: CallbackHooks[];
}

/** Checks the values of fit's options (their keys are checked already) and fills in Keras's defaults. */
export function fitSettings(fn: string, args: FitArgs): FitSettings {
  const epochs = checkInt(fn, 'epochs', args.epochs ?? 1, 0);
  const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
  const shuffle = args.shuffle === undefined ? true : checkBool(fn, 'shuffle', args.shuffle);
  const initialEpoch = checkInt(fn, 'initialEpoch', args.initialEpoch ?? 0, 0);
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw rangeError(fn, `verbose must be 0, 1 or 2, got ${show(verbose)}`);
  const split = checkNumber(fn, 'validationSplit', args.validationSplit ?? 0, 0, 1);
  if (split >= 1) throw rangeError(fn, `validationSplit must be < 1, got ${split}`);
  if (args.seed !== undefined) checkInt(fn, 'seed', args.seed, 0);
  const signal = args.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
  const callbacks: CallbackHooks[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  checkArray(fn, 'callbacks', callbacks, 'a callback or an array of callbacks');
  for (const c of callbacks) if (c === null || typeof c !== 'object') throw typeError(fn, `callbacks must be objects, got ${show(c)}`);
  checkHooks(fn, callbacks);
  return { epochs, batchSize, shuffle, initialEpoch, verbose, split, signal, callbacks };
}

/** Options of {@link LayersModel.evaluate}. */
export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Loss weight per sample (Keras's sample_weight); metrics stay unweighted, as Keras's compiled metrics. */
  sampleWeight?: TensorLike | Tensor;
  /** Each rank of the MPI job evaluates its share of the samples; every rank gets the figures of all of them (default false). */
  distributed?: boolean;
}

/** Options of {@link LayersModel.predict}. */
export interface PredictArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** predictAsync only: reject with the signal's reason if it aborts before the result is ready. */
  signal?: AbortSignal;
  /** Each rank of the MPI job predicts its share of the samples; every rank gets all the predictions (default false). */
  distributed?: boolean;
}

/** The optimizer, loss and metrics a model was compiled with. */
export interface CompiledConfig {
  optimizer: Optimizer;
  /** The loss (with several outputs: the first output's; see `outputs`); a function when written in code. */
  loss: Loss | LossFunction;
  /** The metrics (with several outputs: every output's, in output order). */
  metrics: ResolvedMetric[];
  /** Several outputs: each output's name, size, loss, weight and metrics. */
  outputs?: CompiledOutputs;
  /**
   * The loss or a metric is a function: fit and evaluate run the model one
   * batch at a time, the loss and metrics through the gradient tape.
   */
  tape?: boolean;
}

export const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics', 'lossWeights'] as const;
export const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'classWeight', 'sampleWeight',
  'verbose', 'callbacks', 'seed', 'signal', 'distributed'] as const;
export const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight', 'distributed'] as const;
export const PREDICT_OPTIONS = ['batchSize', 'signal', 'distributed'] as const;

/** @internal Rows per slice of private copies handed to native work (~8 MB of features). */
export function sliceRows(features: number): number {
  return Math.max(1, Math.floor((8 << 20) / (4 * Math.max(1, features))));
}

/** @internal `{ loss, ...metrics }`, each metric's mean (its sum over `samples`) under its key and its aliases. */
export function meanLogs(loss: number, metrics: readonly ResolvedMetric[], sums: ArrayLike<number>, samples: number): Logs {
  const logs: Logs = { loss };
  metrics.forEach((m, k) => {
    logs[m.key] = sums[k] / samples;
    for (const a of m.aliases) logs[a] = logs[m.key];
  });
  return logs;
}

/** @internal The history keys of a compiled model: 'loss', then each metric's key and aliases. */
export function logKeys(metrics: readonly ResolvedMetric[]): string[] {
  return ['loss', ...metrics.flatMap((m) => [m.key, ...m.aliases])];
}

/** @internal The history keys of a compiled model, with several outputs as Keras names them. */
export function compiledLogKeys(c: CompiledConfig): string[] {
  return c.outputs ? outputLogKeys(c.outputs) : logKeys(c.metrics);
}

/** @internal Reports per step besides the loss (metrics; with several outputs, each output's loss too). */
export function compiledReportCount(c: CompiledConfig): number {
  return c.outputs ? outputReportCount(c.outputs) : c.metrics.length;
}

/** @internal The logs of a run's loss and report sums over `samples`. */
export function compiledMeanLogs(c: CompiledConfig, loss: number, sums: ArrayLike<number>, samples: number): Logs {
  return c.outputs ? outputMeanLogs(c.outputs, loss, sums, samples) : meanLogs(loss, c.metrics, sums, samples);
}

/** @internal Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
