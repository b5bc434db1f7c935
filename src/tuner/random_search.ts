// Random search: every trial draws each hyperparameter independently and
// uniformly (log-uniformly with log sampling). Trial k's draws depend only on
// the seed and k, so a search is reproducible at any parallelism.
import { Random } from '../random';
import { sampleSpec } from './hyperparameters';
import { Strategy, StrategyOptions, TrialRequest, seedFor } from './strategy';

/** Options of {@link randomSearch}'s strategy. */
export type RandomSearchOptions = StrategyOptions;

/** The random-search strategy behind {@link randomSearch}: independent draws per trial, seeded by (seed, trial). */
export class RandomSearch extends Strategy {
  readonly name = 'randomSearch';

  constructor(options: RandomSearchOptions = {}) {
    super('tuner.randomSearch', options);
  }

  next(id: number, attempt: number): TrialRequest {
    const rng = new Random(seedFor(this.seed, id, attempt));
    return {
      values: {}, suggest: (spec) => sampleSpec(spec, rng), epochs: this.maxEpochs, initialEpoch: 0,
      parent: null, meta: {}, unique: true, checkpoint: false, seedKey: [id],
    };
  }
}
