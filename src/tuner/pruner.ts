// Median pruning (Optuna's MedianPruner = PercentilePruner at 50, after Google
// Vizier's median stopping rule): after each epoch, stop a trial whose best
// objective so far is worse than the median of what completed trials had
// reached at the same epoch.
import { checkInt, checkOptions } from '../errors';
import type { Direction, TrialRecord } from './trial';

/** Options of {@link medianPruner}. */
export interface MedianPrunerOptions {
  /** Completed trials needed before anything is pruned (default 5). */
  nStartupTrials?: number;
  /** Epochs a trial always runs before it may be pruned (default 1). */
  nWarmupEpochs?: number;
  /** Check every this many epochs (default 1). */
  intervalEpochs?: number;
}

/** Stops a trial whose best objective so far is worse than the median of the completed trials at the same epoch (Optuna's MedianPruner). */
export class MedianPruner {
  readonly nStartupTrials: number;
  readonly nWarmupEpochs: number;
  readonly intervalEpochs: number;

  constructor(options: MedianPrunerOptions = {}) {
    const fn = 'tuner.medianPruner';
    options = checkOptions(fn, options, ['nStartupTrials', 'nWarmupEpochs', 'intervalEpochs']) as MedianPrunerOptions;
    this.nStartupTrials = checkInt(fn, 'nStartupTrials', options.nStartupTrials ?? 5, 0);
    this.nWarmupEpochs = checkInt(fn, 'nWarmupEpochs', options.nWarmupEpochs ?? 1, 0);
    this.intervalEpochs = checkInt(fn, 'intervalEpochs', options.intervalEpochs ?? 1, 1);
  }

  /**
   * Whether to stop a trial whose objective after epochs `initialEpoch ..
   * initialEpoch + values.length - 1` is `values`, given the other trials.
   */
  shouldPrune(values: number[], initialEpoch: number, objective: string, direction: Direction, trials: Iterable<TrialRecord>): boolean {
    if (values.length === 0) return false;
    const epoch = initialEpoch + values.length - 1;
    if (epoch < this.nWarmupEpochs || (epoch - this.nWarmupEpochs) % this.intervalEpochs !== 0) return false;
    const completed = [...trials].filter((t) => t.status === 'completed');
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const best = direction === 'max' ? Math.max(...values) : Math.min(...values);
    if (Number.isNaN(best)) return true;
    const atEpoch: number[] = [];
    for (const t of completed) {
      const v = t.metrics[objective]?.[epoch - t.initialEpoch];
      if (typeof v === 'number' && !Number.isNaN(v)) atEpoch.push(v);
    }
    if (atEpoch.length === 0) return false;
    const m = median(atEpoch);
    return direction === 'max' ? best < m : best > m;
  }
}

/** numpy's median (mean of the two middle values for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** A median pruner (Optuna's MedianPruner). */
export function medianPruner(options?: MedianPrunerOptions): MedianPruner {
  return new MedianPruner(options);
}
