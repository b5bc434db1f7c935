// Grid search over a define-by-run space: the build function is a decision
// tree (each hp call picks one of its grid values, and which names are asked
// for can depend on earlier picks), and the search walks it depth first — the
// last decision varies fastest, as KerasTuner's GridSearch does. Only the
// active names of a path are enumerated, so a conditional space is covered
// without visiting duplicate configurations.
import { checkInt } from '../errors';
import { HPSpec, HPValue, HyperParameters, gridValues } from './hyperparameters';
import { Strategy, StrategyOptions, TrialRequest } from './strategy';
import type { TrialRecord } from './trial';

/** Options of {@link gridSearch}'s strategy. */
export interface GridSearchOptions extends StrategyOptions {
  /** Values a continuous float (no `step`) is gridded at, evenly (log-evenly with log sampling) from min to max (default 5). */
  floatPoints?: number;
}

/** One decision on a path: which of `count` grid values a name took. */
type Decision = [name: string, index: number, count: number];

/** The grid-search strategy behind {@link gridSearch}: walks the space's decision tree depth first. */
export class GridSearch extends Strategy {
  readonly name = 'gridSearch';
  readonly floatPoints: number;
  /** Fixed prefix of the next path, or null when the grid is exhausted. */
  private prefix: Decision[] | null = [];

  constructor(options: GridSearchOptions = {}) {
    super('tuner.gridSearch', options);
    this.floatPoints = checkInt('tuner.gridSearch', 'floatPoints', options.floatPoints ?? 5, 1, 1000);
  }

  override config(): Record<string, unknown> {
    return { ...super.config(), floatPoints: this.floatPoints };
  }

  override restore(trials: TrialRecord[]): void {
    const last = trials.reduce<TrialRecord | null>((a, t) => (a === null || t.id > a.id ? t : a), null);
    this.prefix = last ? successor(last.meta.path as Decision[]) : [];
  }

  next(id: number): TrialRequest | 'done' {
    if (this.prefix === null) return 'done';
    const fixed = new Map(this.prefix.map(([name, index]) => [name, index]));
    const suggest = (spec: HPSpec): HPValue => gridValues(spec, this.floatPoints)[fixed.get(spec.name) ?? 0];
    // Names of the prefix are resolved lazily through suggest (their grid needs the spec).
    return { values: {}, suggest, epochs: this.maxEpochs, initialEpoch: 0, parent: null, meta: {}, unique: false, checkpoint: false, seedKey: [id] };
  }

  override started(trial: TrialRecord, hp: HyperParameters): Record<string, unknown> {
    const path: Decision[] = [];
    for (const [name, value] of Object.entries(hp.values)) {
      const spec = hp.space.get(name)!;
      const grid = gridValues(spec, this.floatPoints);
      if (grid.length > 1) path.push([name, grid.indexOf(value), grid.length]);
    }
    this.prefix = successor(path);
    return { path };
  }
}

/** The next path in depth-first order: bump the last decision that has values left. */
function successor(path: Decision[] | undefined): Decision[] | null {
  if (!Array.isArray(path)) throw new Error('tuner.gridSearch: a stored trial has no grid path; was the directory written by another strategy?');
  for (let i = path.length - 1; i >= 0; i--) {
    const [name, index, count] = path[i];
    if (index + 1 < count) return [...path.slice(0, i), [name, index + 1, count]];
  }
  return null;
}
