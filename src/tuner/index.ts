// `tf.tuner`: hyperparameter search over model structure and training
// algorithm (KerasTuner / Optuna style), within a time budget.
import { MedianPruner } from './pruner';
import { GridSearch, GridSearchOptions } from './grid_search';
import { Hyperband, HyperbandOptions } from './hyperband';
import { RandomSearch, RandomSearchOptions } from './random_search';
import { Tpe, TpeOptions } from './tpe';
import { checkOptions } from '../errors';
import { TUNER_FACTORY, TUNER_OPTIONS, Tuner, TunerOptions } from './tuner';

const STRATEGY_OPTIONS = ['seed', 'maxEpochs'] as const;

/** A factory's options: the tuner's, its strategy's, nothing else (a snapshot). */
function readOptions<T>(fn: string, o: unknown, strategy: readonly string[] = []): T {
  return checkOptions(fn, o, [...TUNER_OPTIONS, ...STRATEGY_OPTIONS, ...strategy], true) as T;
}

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
export { cnnSpace } from './cnn_space';
export type { CnnSpaceOptions } from './cnn_space';

/** Random search: independent uniform draws (log-uniform for log sampling). Median pruning by default. */
export function randomSearch(args: TunerOptions & RandomSearchOptions): Tuner {
  const o = readOptions<TunerOptions & RandomSearchOptions>('tuner.randomSearch', args);
  return new Tuner(new RandomSearch(o), o, 'tuner.randomSearch', new MedianPruner(), TUNER_FACTORY);
}

/** Exhaustive grid search, depth first over the (conditional) space. Median pruning by default. */
export function gridSearch(args: TunerOptions & GridSearchOptions): Tuner {
  const o = readOptions<TunerOptions & GridSearchOptions>('tuner.gridSearch', args, ['floatPoints']);
  return new Tuner(new GridSearch(o), o, 'tuner.gridSearch', new MedianPruner(), TUNER_FACTORY);
}

/** Hyperband (Li et al. 2018): successive-halving brackets over epochs, up to maxEpochs per model. */
export function hyperband(args: TunerOptions & HyperbandOptions): Tuner {
  const o = readOptions<TunerOptions & HyperbandOptions>('tuner.hyperband', args, ['factor', 'iterations']);
  return new Tuner(new Hyperband(o), o, 'tuner.hyperband', null, TUNER_FACTORY);
}

/** Tree-structured Parzen Estimator, as Optuna's default sampler. Median pruning by default. */
export function tpe(args: TunerOptions & TpeOptions): Tuner {
  const o = readOptions<TunerOptions & TpeOptions>('tuner.tpe', args, ['nStartupTrials', 'nEiCandidates', 'priorWeight']);
  return new Tuner(new Tpe(o), o, 'tuner.tpe', new MedianPruner(), TUNER_FACTORY);
}
