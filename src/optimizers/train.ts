// `tf.train`: TensorFlow.js's optimizer factories, with its positional
// arguments and defaults, so code written for TensorFlow.js runs unchanged.
// Each makes the same optimizer as its `tf.optimizers` twin (Keras's named
// options); only the calling form differs. An omitted epsilon is 1e-7, the
// epsilon TensorFlow.js's float32 backends give. The update rules are
// Keras's, as everywhere in tensorforge: Adam adds epsilon to sqrt(v) before
// the bias correction where TensorFlow.js adds it after, which only matters
// for an epsilon far above the default.
import { checkBool, checkNumber, rangeError } from '../errors';
import * as optimizers from './index';
import type { Optimizer } from './optimizer';

const EPSILON = 1e-7;

/** An optional number: `undefined` or `null` (TensorFlow.js's "use the default") gives `fallback`. */
function optional(fn: string, name: string, v: unknown, fallback: number): number {
  return v === undefined || v === null ? fallback : checkNumber(fn, name, v);
}

/** Plain stochastic gradient descent, as TensorFlow.js's `tf.train.sgd(learningRate)`. */
export function sgd(learningRate: number): Optimizer {
  return optimizers.sgd({ learningRate: checkNumber('train.sgd', 'learningRate', learningRate) });
}

/** SGD with momentum, as TensorFlow.js's `tf.train.momentum(learningRate, momentum, useNesterov = false)`. */
export function momentum(learningRate: number, momentum: number, useNesterov = false): Optimizer {
  const fn = 'train.momentum';
  return optimizers.sgd({
    learningRate: checkNumber(fn, 'learningRate', learningRate), momentum: checkNumber(fn, 'momentum', momentum),
    nesterov: checkBool(fn, 'useNesterov', useNesterov),
  });
}

/**
 * RMSprop, as TensorFlow.js's `tf.train.rmsprop(learningRate, decay = 0.9,
 * momentum = 0, epsilon, centered = false)`; TensorFlow.js's `decay` is
 * Keras's `rho`.
 */
export function rmsprop(learningRate: number, decay = 0.9, momentum = 0, epsilon?: number | null, centered = false): Optimizer {
  const fn = 'train.rmsprop';
  return optimizers.rmsprop({
    learningRate: checkNumber(fn, 'learningRate', learningRate), rho: checkNumber(fn, 'decay', decay),
    momentum: checkNumber(fn, 'momentum', momentum), epsilon: optional(fn, 'epsilon', epsilon, EPSILON),
    centered: checkBool(fn, 'centered', centered),
  });
}

/** Adam, as TensorFlow.js's `tf.train.adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon)`. */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number | null): Optimizer {
  const fn = 'train.adam';
  return optimizers.adam({
    learningRate: checkNumber(fn, 'learningRate', learningRate), beta1: checkNumber(fn, 'beta1', beta1),
    beta2: checkNumber(fn, 'beta2', beta2), epsilon: optional(fn, 'epsilon', epsilon, EPSILON),
  });
}

/** Adadelta, as TensorFlow.js's `tf.train.adadelta(learningRate = 0.001, rho = 0.95, epsilon)`. */
export function adadelta(learningRate = 0.001, rho = 0.95, epsilon?: number | null): Optimizer {
  const fn = 'train.adadelta';
  return optimizers.adadelta({
    learningRate: checkNumber(fn, 'learningRate', learningRate), rho: checkNumber(fn, 'rho', rho),
    epsilon: optional(fn, 'epsilon', epsilon, EPSILON),
  });
}

/**
 * Adamax, as TensorFlow.js's `tf.train.adamax(learningRate = 0.002, beta1 =
 * 0.9, beta2 = 0.999, epsilon, decay = 0)`. A learning-rate `decay` other
 * than 0 is refused: use a schedule (`tf.optimizers.schedules`) instead.
 */
export function adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon?: number | null, decay = 0): Optimizer {
  const fn = 'train.adamax';
  if (checkNumber(fn, 'decay', decay) !== 0)
    throw rangeError(fn, `decay ${decay} is not supported (only 0); give adamax a learning-rate schedule from tf.optimizers.schedules instead`);
  return optimizers.adamax({
    learningRate: checkNumber(fn, 'learningRate', learningRate), beta1: checkNumber(fn, 'beta1', beta1),
    beta2: checkNumber(fn, 'beta2', beta2), epsilon: optional(fn, 'epsilon', epsilon, EPSILON),
  });
}

/** Adagrad, as TensorFlow.js's `tf.train.adagrad(learningRate, initialAccumulatorValue = 0.1)`. */
export function adagrad(learningRate: number, initialAccumulatorValue = 0.1): Optimizer {
  const fn = 'train.adagrad';
  return optimizers.adagrad({
    learningRate: checkNumber(fn, 'learningRate', learningRate),
    initialAccumulatorValue: checkNumber(fn, 'initialAccumulatorValue', initialAccumulatorValue),
  });
}
