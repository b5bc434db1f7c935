// `tf.tuner`: hyperparameter search over model structure and training
// algorithm (KerasTuner / Optuna style), within a time budget.
import { MedianPruner } from './pruner';
import { GridSearch, GridSearchOptions } from './grid_search';
import { Hyperband, HyperbandOptions } from './hyperband';
import { RandomSearch, RandomSearchOptions } from './random_search';
import { Tpe, TpeOptions } from './tpe';
import { Tuner, TunerOptions } from './tuner';

export { HyperParameters, SearchSpace } from './hyperparameters';
export type { HPValue, HPSpec, IntSpec, FloatSpec, ChoiceSpec, BooleanSpec, FixedSpec, IntOptions, FloatOptions, ChoiceOptions, Sampling } from './hyperparameters';
export { Tuner } from './tuner';
export type { TunerOptions, SearchArgs, SearchResult, TrialContext, RunTrial } from './tuner';
export type { TrialRecord, TrialStatus, Objective, ObjectiveLike, Direction } from './trial';
export { MedianPruner, medianPruner } from './pruner';
export type { MedianPrunerOptions } from './pruner';
export { Strategy } from './strategy';
export type { StrategyOptions, TrialRequest } from './strategy';
export { RandomSearch } from './random_search';
export { GridSearch } from './grid_search';
export { Hyperband, hyperbandSchedule } from './hyperband';
export type { Bracket, Rung } from './hyperband';
export { Tpe } from './tpe';
export type { RandomSearchOptions, GridSearchOptions, HyperbandOptions, TpeOptions };
export { defaultMlpSpace } from './default_space';
export type { DefaultMlpSpaceOptions } from './default_space';

/** Random search: independent uniform draws (log-uniform for log sampling). Median pruning by default. */
export function randomSearch(options: TunerOptions & RandomSearchOptions): Tuner {
  return new Tuner(new RandomSearch(options), options, 'tuner.randomSearch', new MedianPruner());
}

/** Exhaustive grid search, depth first over the (conditional) space. Median pruning by default. */
export function gridSearch(options: TunerOptions & GridSearchOptions): Tuner {
  return new Tuner(new GridSearch(options), options, 'tuner.gridSearch', new MedianPruner());
}

/** Hyperband (Li et al. 2018): successive-halving brackets over epochs, up to maxEpochs per model. */
export function hyperband(options: TunerOptions & HyperbandOptions): Tuner {
  return new Tuner(new Hyperband(options), options, 'tuner.hyperband', null);
}

/** Tree-structured Parzen Estimator, as Optuna's default sampler. Median pruning by default. */
export function tpe(options: TunerOptions & TpeOptions): Tuner {
  return new Tuner(new Tpe(options), options, 'tuner.tpe', new MedianPruner());
}
