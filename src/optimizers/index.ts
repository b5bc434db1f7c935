// `tf.optimizers`: optimizer factories, `get`, and learning-rate schedules.
import * as schedules from './schedules';

export { sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, get, Optimizer } from './optimizer';
export type {
  OptimizerArgs, SGDArgs, AdamArgs, RMSpropArgs, AdagradArgs, AdadeltaArgs, AdamaxArgs, OptimizerArgsByName, OptimizerIdentifier,
} from './definitions';
export { schedules };
export { exponentialDecay, cosineDecay, piecewiseConstant } from './schedules';
export type { LearningRateSchedule } from './schedules';
