// Loss names and options (Keras semantics: "sum over batch size" reduction).
import { checkBool, checkNumber, checkOneOf, checkOptions } from './errors';
import type { NativeLossSpec } from './native';
import type { Tensor } from './tensor';
import { nativeCodes } from './native_codes';

/** Loss names accepted by `compile` (Keras snake_case or TensorFlow.js camelCase). */
export type LossIdentifier =
  | 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy'
  | 'meanSquaredError' | 'meanAbsoluteError' | 'huber'
  | 'sparse_categorical_crossentropy' | 'categorical_crossentropy' | 'binary_crossentropy'
  | 'mean_squared_error' | 'mean_absolute_error' | 'mse' | 'mae' | 'huber_loss';

const NAMES = ['sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError',
  'meanAbsoluteError', 'huber'] as const;
/** Canonical loss name. */
export type CanonicalLoss = (typeof NAMES)[number];
const ALIASES: Record<string, CanonicalLoss> = {
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
  MSE: 'meanSquaredError', mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError',
  huber_loss: 'huber', Huber: 'huber', SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  CategoricalCrossentropy: 'categoricalCrossentropy', BinaryCrossentropy: 'binaryCrossentropy',
  MeanSquaredError: 'meanSquaredError', MeanAbsoluteError: 'meanAbsoluteError',
};

/** A configured loss (what `tf.losses.*` returns and `compile` accepts besides names). */
export interface Loss {
  readonly name: CanonicalLoss;
  /** The network output is logits rather than probabilities (cross-entropies only). */
  readonly fromLogits: boolean;
  /** Huber's threshold between quadratic and linear (default 1). */
  readonly delta: number;
}

/**
 * A loss written in code, as Keras and TensorFlow.js take one: `(yTrue,
 * yPred) => losses`, built from tensor ops. It returns one loss per sample
 * (`[batch]`), per element (`[batch, ...]`, averaged per sample) or a scalar;
 * fit averages over the batch (sample weights applied), as Keras's
 * "sum over batch size" reduction does. `fit` runs the model natively and
 * this function through the gradient tape, one batch at a time. `yTrue` is
 * the batch of `y` as given to fit (float32), `yPred` the model's output.
 */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Options of the cross-entropy losses. */
export interface CrossentropyArgs {
  /** Whether predictions are logits (default false: probabilities). */
  fromLogits?: boolean;
}

function make(name: CanonicalLoss, options: unknown, fn = `losses.${name}`): Loss {
  const keys = name === 'huber' ? ['delta'] : name.endsWith('Crossentropy') ? ['fromLogits'] : [];
  const a: { fromLogits?: unknown; delta?: unknown } = checkOptions(fn, options, keys);
  return Object.freeze({
    name,
    fromLogits: a.fromLogits === undefined ? false : checkBool(fn, 'fromLogits', a.fromLogits),
    delta: a.delta === undefined ? 1 : checkNumber(fn, 'delta', a.delta, 0, Infinity, true),
  });
}

/** Loss factories, like Keras's loss classes. */
export const losses = {
  /** Cross-entropy with integer labels [N]; fused with a softmax output and computed with log-sum-exp. */
  sparseCategoricalCrossentropy: (a?: CrossentropyArgs) => make('sparseCategoricalCrossentropy', a),
  /** Cross-entropy with one-hot (or soft) targets [N, classes]. */
  categoricalCrossentropy: (a?: CrossentropyArgs) => make('categoricalCrossentropy', a),
  /** Binary cross-entropy per output, averaged over outputs; stable with a sigmoid output or logits. */
  binaryCrossentropy: (a?: CrossentropyArgs) => make('binaryCrossentropy', a),
  /** Mean of squared errors over outputs. */
  meanSquaredError: () => make('meanSquaredError', undefined),
  /** Mean of absolute errors over outputs. */
  meanAbsoluteError: () => make('meanAbsoluteError', undefined),
  /** Huber loss: quadratic below `delta` (default 1), linear above. */
  huber: (a: { delta?: number } = {}) => make('huber', a),
};

/** @internal Native code of each loss, from the addon's table (TF_LOSSES in native/losses.h). */
export const LOSS_CODE: Readonly<Record<CanonicalLoss, number>> = nativeCodes('loss', NAMES);

/** @internal A loss as the native engine reads it. */
export function nativeLoss(loss: Loss): NativeLossSpec {
  return { kind: LOSS_CODE[loss.name], fromLogits: loss.fromLogits, delta: loss.delta };
}

/** @internal Keras's serialized loss names. */
export const KERAS_LOSS_NAME: Record<CanonicalLoss, string> = {
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy', categoricalCrossentropy: 'categorical_crossentropy',
  binaryCrossentropy: 'binary_crossentropy', meanSquaredError: 'mean_squared_error',
  meanAbsoluteError: 'mean_absolute_error', huber: 'huber',
};

/** @internal A name, or a Loss (a `tf.losses.*` object, or one of the same form, which is checked and copied). */
export function resolveLoss(fn: string, v: unknown): Loss {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = checkOptions(fn, v, ['name', 'fromLogits', 'delta'], true);
    const name = checkOneOf(fn, 'loss', o.name, NAMES, ALIASES);
    return make(name, { ...(o.fromLogits === false ? {} : { fromLogits: o.fromLogits }), ...(o.delta === 1 ? {} : { delta: o.delta }) }, fn);
  }
  return make(checkOneOf(fn, 'loss', v, NAMES, ALIASES), undefined, fn);
}
