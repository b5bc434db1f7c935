// A trial: one configuration trained (or evaluated) once, and what came of it.
import { rangeError, show, typeError } from '../errors';
import type { HPValue } from './hyperparameters';

/**
 * running: started, not finished (after a crash it is run again);
 * completed: ran its epochs; pruned: stopped early by the pruner;
 * stopped: cut short by the time budget or an abort (its epochs still count);
 * failed: build or training threw (the error is kept).
 */
export type TrialStatus = 'running' | 'completed' | 'pruned' | 'stopped' | 'failed';

export const TRIAL_STATUSES: readonly TrialStatus[] = ['running', 'completed', 'pruned', 'stopped', 'failed'];

/** What a trial's file holds. */
export interface TrialRecord {
  /** 0, 1, 2, ... (the file is trials/trial_<id>.json). */
  id: number;
  status: TrialStatus;
  /** The hyperparameters it used, in the order the build function asked for them. */
  values: Record<string, HPValue>;
  /** The objective: its best value over the epochs, or null if none was logged. */
  score: number | null;
  /** Epoch (0-based, absolute) where the score was reached. */
  bestEpoch: number | null;
  /** Epochs trained before this trial (a Hyperband promotion continues its parent). */
  initialEpoch: number;
  /** Epoch count it was asked to reach. */
  epochs: number;
  /** Per-epoch logs: `metrics.val_accuracy[k]` is the value after epoch `initialEpoch + k`. */
  metrics: Record<string, number[]>;
  /** Weights (trainable and not), or null without a model. */
  params: number | null;
  /** ISO time it started. */
  startedAt: string;
  /** Seconds it ran. */
  duration: number;
  /** Seconds into the search (summed over resumed sessions) when it finished. */
  searchTime: number;
  /** Strategy bookkeeping (Hyperband bracket/rung, grid path, ...). */
  meta: Record<string, unknown>;
  /** The error message of a failed trial. */
  error?: string;
  /** The MPI rank that ran it, in a distributed search (`search(..., { distributed: true })`). */
  rank?: number;
}

/** Whether a trial produced a score a strategy may learn from. */
export function hasScore(t: TrialRecord): t is TrialRecord & { score: number } {
  return t.status !== 'running' && t.status !== 'failed' && typeof t.score === 'number' && Number.isFinite(t.score);
}

/** 'max' or 'min'. */
export type Direction = 'max' | 'min';

/** An objective: a logged metric and whether larger is better. */
export interface Objective {
  name: string;
  direction: Direction;
}

/** An objective by name (direction inferred as KerasTuner does) or in full. */
export type ObjectiveLike = string | Objective;

/** @internal Resolves an objective; 'loss'/'error' names minimise, accuracy-like ones maximise. */
export function resolveObjective(fn: string, o: unknown): Objective {
  if (typeof o === 'string') {
    if (!o) throw rangeError(fn, 'objective must not be empty');
    const base = o.replace(/^val_/, '');
    if (/loss|error|mse|mae|mean_squared|mean_absolute|crossentropy/i.test(base)) return { name: o, direction: 'min' };
    if (/acc|auc|precision|recall|f1|top/i.test(base)) return { name: o, direction: 'max' };
    throw rangeError(fn, `cannot tell whether objective '${o}' should be maximised or minimised; pass { name: '${o}', direction: 'max' | 'min' }`);
  }
  if (o === null || typeof o !== 'object') throw typeError(fn, `objective must be a metric name or { name, direction }, got ${show(o)}`);
  const { name, direction } = o as Objective;
  if (typeof name !== 'string' || !name) throw typeError(fn, `objective.name must be a non-empty string, got ${show(name)}`);
  if (direction !== 'max' && direction !== 'min') throw rangeError(fn, `objective.direction must be 'max' or 'min', got ${show(direction)}`);
  return { name, direction };
}

/** a is better than b under the objective (null is worst). */
export function better(dir: Direction, a: number | null, b: number | null): boolean {
  if (a === null || !Number.isFinite(a)) return false;
  if (b === null || !Number.isFinite(b)) return true;
  return dir === 'max' ? a > b : a < b;
}

/** Trials with a score, best first (ties: lower id first). */
export function rankTrials(trials: TrialRecord[], dir: Direction): (TrialRecord & { score: number })[] {
  return trials.filter(hasScore).sort((a, b) => (a.score === b.score ? a.id - b.id : dir === 'max' ? b.score - a.score : a.score - b.score));
}

/** A stable key of a configuration (sorted names), to detect repeats. */
export function configKey(values: Record<string, HPValue>): string {
  return JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]));
}
