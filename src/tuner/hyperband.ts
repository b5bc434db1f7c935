// Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar: "Hyperband: A
// Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 18, 2018,
// Algorithm 1). The resource is epochs; R = maxEpochs, η = factor.
//
//   s_max = ⌊log_η R⌋,  B = (s_max + 1) R
//   bracket s = s_max..0:  n = ⌈(B/R) η^s / (s + 1)⌉,  r = R η^-s
//     rung i = 0..s:       n_i = ⌊n η^-i⌋ configurations,  r_i = r η^i epochs
//   keeping the best ⌊n_i / η⌋ of each rung for the next.
//
// This is the paper's schedule exactly (Table 1 for R = 81, η = 3); r_i is
// rounded to the nearest whole epoch when R is not a power of η (KerasTuner
// instead uses ⌈R / η^(s-i)⌉ and a different n). A promoted configuration
// continues training from its checkpoint (weights and optimizer state) rather
// than restarting, as KerasTuner does. Rung-0 configurations are uniform draws
// whose seed depends only on (seed, iteration, bracket, slot), and promotions
// wait for the whole rung, so the search is reproducible at any parallelism.
import { checkInt, checkNumber, rangeError } from '../errors';
import { Random } from '../random';
import { HPValue, sampleSpec } from './hyperparameters';
import { Strategy, StrategyOptions, TrialRequest, seedFor } from './strategy';
import { TrialRecord, better, hasScore } from './trial';

/** Options of {@link hyperband}'s strategy. */
export interface HyperbandOptions extends StrategyOptions {
  /** η: the fraction 1/η of each rung is kept, with η times the epochs (default 3). */
  factor?: number;
  /**
   * Full passes over all brackets (default: as many as the time budget or
   * maxTrials allow; 1 when the search has neither).
   */
  iterations?: number;
}

/** One rung of a bracket. */
export interface Rung {
  /** n_i: configurations. */
  configs: number;
  /** r_i: epochs (rounded to a whole epoch, at least 1). */
  epochs: number;
  /** r_i before rounding. */
  resource: number;
}

/** One bracket: its s and its rungs. */
export interface Bracket {
  s: number;
  rungs: Rung[];
}

/** Hyperband's brackets for R = maxEpochs and η = factor, in the paper's order (s = s_max first). */
export function hyperbandSchedule(maxEpochs: number, factor = 3): Bracket[] {
  const fn = 'hyperbandSchedule';
  checkInt(fn, 'maxEpochs', maxEpochs, 1);
  checkNumber(fn, 'factor', factor, 1, Infinity, true);
  // ⌊log_η R⌋ with a guard against 3^4 = 81 giving 3.9999...
  let sMax = 0;
  while (factor ** (sMax + 1) <= maxEpochs * (1 + 1e-12)) sMax++;
  const R = maxEpochs;
  const B = (sMax + 1) * R;
  const brackets: Bracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((B / R) * factor ** s) / (s + 1) - 1e-9);
    const r = R * factor ** -s;
    const rungs: Rung[] = [];
    for (let i = 0; i <= s; i++) {
      const resource = r * factor ** i;
      rungs.push({ configs: Math.floor(n * factor ** -i + 1e-9), epochs: Math.max(1, Math.round(resource)), resource });
    }
    brackets.push({ s, rungs });
  }
  return brackets;
}

interface Slot {
  /** Trial running or finished in this slot, or null if not started. */
  trial: number | null;
  done: boolean;
  score: number | null;
  /** Fixed values (promotions); null for a fresh draw. */
  values: Record<string, HPValue> | null;
  /** Trial this slot continues, or null. */
  parent: number | null;
  /** Epochs the parent reached. */
  initialEpoch: number;
}

interface LiveBracket {
  iteration: number;
  index: number;
  plan: Bracket;
  rung: number;
  slots: Slot[];
}

/** The Hyperband strategy behind {@link hyperband}: the paper's brackets, promoted trials resume from their checkpoint. */
export class Hyperband extends Strategy {
  readonly name = 'hyperband';
  readonly factor: number;
  readonly iterations: number | null;
  readonly schedule: Bracket[];
  private live: LiveBracket[] = [];
  /** Next bracket to open: iteration and index into the schedule. */
  private nextIteration = 0;
  private nextIndex = 0;

  constructor(options: HyperbandOptions = {}) {
    super('tuner.hyperband', options);
    this.factor = checkNumber('tuner.hyperband', 'factor', options.factor ?? 3, 1, 1e6, true);
    this.iterations = options.iterations === undefined ? null : checkInt('tuner.hyperband', 'iterations', options.iterations, 1);
    this.schedule = hyperbandSchedule(this.maxEpochs, this.factor);
  }

  override config(): Record<string, unknown> {
    return { ...super.config(), factor: this.factor };
  }

  private get maxIterations(): number {
    return this.iterations ?? (this.ctx.unbounded ? 1 : Infinity);
  }

  override restore(trials: TrialRecord[]): void {
    this.live = [];
    this.nextIteration = 0;
    this.nextIndex = 0;
    const sorted = [...trials].sort((a, b) => a.id - b.id);
    for (const t of sorted) {
      const m = t.meta as { iteration?: number; bracket?: number; rung?: number; slot?: number };
      if (![m.iteration, m.bracket, m.rung, m.slot].every((v) => Number.isInteger(v))) {
        throw new Error(`tuner.hyperband: trial ${t.id} has no bracket/rung record; was the directory written by another strategy?`);
      }
      while (this.nextIteration < m.iteration! || (this.nextIteration === m.iteration && this.nextIndex <= m.bracket!)) this.open();
      const b = this.live.find((x) => x.iteration === m.iteration && x.index === m.bracket);
      if (!b) continue; // its bracket finished already
      this.advance(b);
      if (b.rung !== m.rung || !b.slots[m.slot!]) throw rangeError('tuner.hyperband', `trial ${t.id} does not fit the schedule (maxEpochs ${this.maxEpochs}, factor ${this.factor})`);
      const slot = b.slots[m.slot!];
      slot.trial = t.id;
      slot.done = t.status !== 'running';
      slot.score = promotable(t);
      if (slot.done) this.advance(b);
    }
    this.live = this.live.filter((b) => !this.closed(b));
  }

  private open(): LiveBracket {
    const plan = this.schedule[this.nextIndex];
    const b: LiveBracket = {
      iteration: this.nextIteration, index: this.nextIndex, plan, rung: 0,
      slots: Array.from({ length: plan.rungs[0].configs }, () => ({ trial: null, done: false, score: null, values: null, parent: null, initialEpoch: 0 })),
    };
    this.live.push(b);
    if (++this.nextIndex === this.schedule.length) {
      this.nextIndex = 0;
      this.nextIteration++;
    }
    return b;
  }

  private closed(b: LiveBracket): boolean {
    return b.rung === b.plan.rungs.length - 1 && b.slots.every((s) => s.done) || b.slots.length === 0;
  }

  /** Moves a bracket whose current rung has finished to the next rung (successive halving). */
  private advance(b: LiveBracket): void {
    while (b.slots.length > 0 && b.slots.every((s) => s.done) && b.rung < b.plan.rungs.length - 1) {
      const keep = b.plan.rungs[b.rung + 1].configs;
      const dir = this.ctx.objective.direction;
      const ranked = b.slots
        .map((s, k) => ({ s, k }))
        .filter(({ s }) => s.score !== null)
        .sort((p, q) => (p.s.score === q.s.score ? p.k - q.k : better(dir, p.s.score, q.s.score) ? -1 : 1));
      const promoted = ranked.slice(0, keep);
      for (const { s } of ranked.slice(keep)) this.ctx.dropCheckpoint(s.trial!);
      const epochsDone = b.plan.rungs[b.rung].epochs;
      b.rung++;
      b.slots = promoted.map(({ s }) => ({
        trial: null, done: false, score: null, parent: s.trial,
        values: this.ctx.trials.get(s.trial!)?.values ?? {}, initialEpoch: epochsDone,
      }));
    }
  }

  next(id: number, attempt: number): TrialRequest | 'wait' | 'done' {
    for (;;) {
      for (const b of this.live) {
        this.advance(b);
        const k = b.slots.findIndex((s) => s.trial === null);
        if (k < 0) continue;
        const slot = b.slots[k];
        const rng = new Random(seedFor(this.seed, b.iteration, b.index, k, attempt));
        const last = b.rung === b.plan.rungs.length - 1;
        return {
          values: slot.values ?? {}, suggest: (spec) => sampleSpec(spec, rng),
          epochs: b.plan.rungs[b.rung].epochs, initialEpoch: slot.initialEpoch, parent: slot.parent,
          meta: { iteration: b.iteration, bracket: b.index, s: b.plan.s, rung: b.rung, slot: k },
          unique: false, checkpoint: !last, seedKey: [b.iteration, b.index, b.rung, k],
        };
      }
      this.live = this.live.filter((b) => !this.closed(b));
      if (this.nextIteration >= this.maxIterations) return this.live.length ? 'wait' : 'done';
      // Every open bracket is waiting for running trials: open the next one.
      this.open();
    }
  }

  override started(trial: TrialRecord): void {
    const b = this.slotOf(trial);
    if (b) b.slot.trial = trial.id;
  }

  override finished(trial: TrialRecord): void {
    const found = this.slotOf(trial);
    if (trial.meta.parent !== null && trial.meta.parent !== undefined) this.ctx.dropCheckpoint(trial.meta.parent as number);
    if (!found) return;
    found.slot.trial = trial.id;
    found.slot.done = true;
    found.slot.score = promotable(trial);
    if (found.slot.score === null) this.ctx.dropCheckpoint(trial.id);
    if (found.bracket.rung === found.bracket.plan.rungs.length - 1) this.ctx.dropCheckpoint(trial.id);
    this.advance(found.bracket);
  }

  private slotOf(trial: TrialRecord): { bracket: LiveBracket; slot: Slot } | null {
    const m = trial.meta as { iteration: number; bracket: number; rung: number; slot: number };
    const b = this.live.find((x) => x.iteration === m.iteration && x.index === m.bracket);
    if (!b || b.rung !== m.rung || !b.slots[m.slot]) return null;
    return { bracket: b, slot: b.slots[m.slot] };
  }
}

/** Only trials that ran their whole rung (and so left a checkpoint) are promoted. */
function promotable(t: TrialRecord): number | null {
  return t.status === 'completed' && hasScore(t) ? t.score : null;
}
