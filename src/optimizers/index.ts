// `tf.optimizers`: one factory per row of definitions.ts, `get`, and
// learning-rate schedules.
import type { AdadeltaArgs, AdagradArgs, AdamArgs, AdamaxArgs, RMSpropArgs, SGDArgs } from './definitions';
import { Optimizer, createOptimizer } from './optimizer';
import * as schedules from './schedules';

export { get, Optimizer } from './optimizer';
export type {
  OptimizerArgs, SGDArgs, AdamArgs, RMSpropArgs, AdagradArgs, AdadeltaArgs, AdamaxArgs, OptimizerArgsByName, OptimizerIdentifier,
} from './definitions';
export { schedules };
export { exponentialDecay, cosineDecay, piecewiseConstant } from './schedules';
export type { LearningRateSchedule } from './schedules';

/** Stochastic gradient descent, optionally with (Nesterov) momentum. Keras defaults: lr 0.01. */
export function sgd(args?: SGDArgs): Optimizer {
  return createOptimizer('sgd', args);
}
/** Adam (Kingma & Ba 2015), Keras form: alpha = lr·sqrt(1-β2ᵗ)/(1-β1ᵗ), w -= alpha·m/(sqrt(v)+ε). */
export function adam(args?: AdamArgs): Optimizer {
  return createOptimizer('adam', args);
}
/** Adam with decoupled weight decay (Loshchilov & Hutter 2019); weightDecay default 0.004. */
export function adamw(args?: AdamArgs): Optimizer {
  return createOptimizer('adamw', args);
}
/** RMSprop (Hinton), Keras form: w -= lr·g/sqrt(v+ε). */
export function rmsprop(args?: RMSpropArgs): Optimizer {
  return createOptimizer('rmsprop', args);
}
/** Adagrad (Duchi et al. 2011); accumulators start at 0.1. */
export function adagrad(args?: AdagradArgs): Optimizer {
  return createOptimizer('adagrad', args);
}
/** Adadelta (Zeiler 2012). */
export function adadelta(args?: AdadeltaArgs): Optimizer {
  return createOptimizer('adadelta', args);
}
/** Adamax, Adam's infinity-norm variant. */
export function adamax(args?: AdamaxArgs): Optimizer {
  return createOptimizer('adamax', args);
}
/** Nadam, Adam with Nesterov momentum (Dozat 2016). */
export function nadam(args?: AdamaxArgs): Optimizer {
  return createOptimizer('nadam', args);
}
