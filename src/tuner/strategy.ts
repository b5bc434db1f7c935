// The contract between the search loop (tuner.ts) and a search strategy: the
// loop asks for the next trial whenever a worker is free, tells the strategy
// when a trial has been set up and when it has finished.
import { checkInt, show, typeError } from '../errors';
import type { HPValue, HyperParameters, SearchSpace, Suggest } from './hyperparameters';
import type { Objective, TrialRecord } from './trial';

/** What the loop should run next. */
export interface TrialRequest {
  /** Names fixed in advance (a promotion, a grid point); others come from `suggest`. */
  values: Record<string, HPValue>;
  /** Supplies values for names not fixed. */
  suggest: Suggest;
  /** Epoch count to reach. */
  epochs: number;
  /** Epochs already trained (continuing `parent`). */
  initialEpoch: number;
  /** Continue from this trial's checkpoint (Hyperband promotions), else null. */
  parent: number | null;
  /** Strategy bookkeeping stored with the trial. */
  meta: Record<string, unknown>;
  /** Skip configurations already tried (random search, TPE). */
  unique: boolean;
  /** Keep the final weights and optimizer state so a later trial can continue it. */
  checkpoint: boolean;
  /** Numbers the trial's seeds (weight initialisation, shuffling) are derived from. */
  seedKey: number[];
}

/** What a strategy can see. */
export interface StrategyContext {
  /** Every trial of the search so far (running ones too), by id. */
  trials: ReadonlyMap<number, TrialRecord>;
  space: SearchSpace;
  objective: Objective;
  /** True when neither a time budget nor maxTrials bounds the search. */
  unbounded: boolean;
  /** Frees a trial's checkpoint once no later trial needs it. */
  dropCheckpoint(id: number): void;
}

/** Options every strategy takes. */
export interface StrategyOptions {
  /** Seed: the same seed gives the same sequence of trials (default: from the clock). */
  seed?: number;
  /** Epochs per trial; Hyperband's largest budget R (default 10). */
  maxEpochs?: number;
}

/** A search strategy. */
export abstract class Strategy {
  /** Its name, stored in the search directory ('randomSearch', 'hyperband', ...). */
  abstract readonly name: string;
  readonly seed: number;
  readonly maxEpochs: number;
  /** @internal Set by the tuner before the search. */
  ctx!: StrategyContext;

  constructor(fn: string, options: StrategyOptions) {
    // NOTE: the label comes from the subclass, never from a caller: Strategy itself is abstract.
    if (new.target === Strategy) throw typeError('Strategy', 'is abstract; use a tuner factory (tf.tuner.randomSearch(...), ...)');
    if (options === null || typeof options !== 'object') throw typeError(fn, `options must be an object, got ${show(options)}`);
    this.seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : checkInt(fn, 'seed', options.seed, 0, 2 ** 31 - 1);
    this.maxEpochs = checkInt(fn, 'maxEpochs', options.maxEpochs ?? 10, 1, 1e6);
  }

  /** Settings that must not change when a search resumes (stored in the directory). */
  config(): Record<string, unknown> {
    return { seed: this.seed, maxEpochs: this.maxEpochs };
  }

  /** Rebuilds internal state from the stored trials (including those that were running). */
  restore(_trials: TrialRecord[]): void {}

  /**
   * The next trial for id `id` (attempt > 0 when the previous proposal repeated
   * a configuration), 'wait' until a running trial finishes, or 'done'.
   */
  abstract next(id: number, attempt: number): TrialRequest | 'wait' | 'done';

  /** The trial has been set up (its hyperparameters are known); returns meta to store. */
  started(_trial: TrialRecord, _hp: HyperParameters): Record<string, unknown> | void {}

  /** The trial finished (any status). */
  finished(_trial: TrialRecord): void {}
}

/** A 31-bit seed mixed from integers (splitmix32 steps), so seeds of trials are independent. */
export function seedFor(...parts: number[]): number {
  let h = 0x1234567;
  for (const p of parts) {
    h = (h + Math.imul((p >>> 0) ^ Math.floor(p / 2 ** 32), 0x9e3779b9) + 0x7f4a7c15) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h >>> 1;
}
