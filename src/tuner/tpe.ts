// Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl, "Algorithms
// for Hyper-Parameter Optimization", NeurIPS 2011), as Optuna's TPESampler
// does it by default (independent per parameter, Optuna 2.x/3.0 estimator):
//
// - the first nStartupTrials (10) draws are uniform;
// - then the trials where the parameter was used are split into the best
//   γ(n) = min(⌈0.1 n⌉, 25) ("below", l) and the rest ("above", g); pruned
//   trials rank after every finished one;
// - l and g are mixtures of truncated Gaussians, one per observation
//   (σ = the larger gap to its sorted neighbours, the outermost ones only
//   their inner gap, clipped to
//   [range / min(100, 1 + n), range]) plus a prior N(mid, range) of weight 1;
//   observations older than the newest 25 are ramped down in weight;
// - 24 candidates are drawn from l and the one maximising log l(x) - log g(x)
//   (the expected improvement) is taken. Categorical parameters use weighted
//   counts plus the prior weight per category.
//
// Numeric parameters are modelled in their internal coordinate (log for log
// sampling); integers and stepped values widen the range by half a step and
// snap the chosen candidate to the grid.
import { checkInt, checkNumber } from '../errors';
import { Random } from '../random';
import { ChoiceSpec, FloatSpec, HPSpec, HPValue, IntSpec, discreteValues, fromInternal, sampleSpec, toInternal } from './hyperparameters';
import { Strategy, StrategyOptions, TrialRequest, seedFor } from './strategy';
import { TrialRecord, hasScore } from './trial';

/** Options of {@link tpe}'s strategy. */
export interface TpeOptions extends StrategyOptions {
  /** Uniform draws before the model is used (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  nEiCandidates?: number;
  /** Weight of the prior component (default 1). */
  priorWeight?: number;
}

/** The Tree-structured Parzen Estimator strategy behind {@link tpe}. */
export class Tpe extends Strategy {
  readonly name = 'tpe';
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly priorWeight: number;

  constructor(options: TpeOptions = {}) {
    super('tuner.tpe', options);
    this.nStartupTrials = checkInt('tuner.tpe', 'nStartupTrials', options.nStartupTrials ?? 10, 0);
    this.nEiCandidates = checkInt('tuner.tpe', 'nEiCandidates', options.nEiCandidates ?? 24, 1, 100000);
    this.priorWeight = checkNumber('tuner.tpe', 'priorWeight', options.priorWeight ?? 1, 0, Infinity, true);
  }

  override config(): Record<string, unknown> {
    return { ...super.config(), nStartupTrials: this.nStartupTrials, nEiCandidates: this.nEiCandidates, priorWeight: this.priorWeight };
  }

  next(id: number, attempt: number): TrialRequest {
    const rng = new Random(seedFor(this.seed, id, attempt));
    // The observations are fixed when the trial is proposed.
    const finished = [...this.ctx.trials.values()].filter((t) => t.status !== 'running' && t.status !== 'failed').sort((a, b) => a.id - b.id);
    const startup = finished.filter(hasScore).length < this.nStartupTrials;
    const suggest = (spec: HPSpec): HPValue => (startup || spec.kind === 'fixed' ? sampleSpec(spec, rng) : this.sample(spec, finished, rng));
    return { values: {}, suggest, epochs: this.maxEpochs, initialEpoch: 0, parent: null, meta: {}, unique: true, checkpoint: false, seedKey: [id] };
  }

  private sample(spec: HPSpec, trials: TrialRecord[], rng: Random): HPValue {
    const used = trials.filter((t) => Object.prototype.hasOwnProperty.call(t.values, spec.name));
    const { below, above } = split(used, this.ctx.objective.direction, this.ctx.objective.name);
    if (below.length === 0) return sampleSpec(spec, rng);
    const lo = below.map((t) => t.values[spec.name]);
    const hi = above.map((t) => t.values[spec.name]);
    if (spec.kind === 'int' || spec.kind === 'float') return this.sampleNumeric(spec, lo as number[], hi as number[], rng);
    const choices = spec.kind === 'boolean' ? [false, true] : (spec as ChoiceSpec).values;
    return choices[this.sampleIndex(choices, lo, hi, rng)];
  }

  private sampleIndex(choices: HPValue[], lo: HPValue[], hi: HPValue[], rng: Random): number {
    const l = categorical(choices, lo, this.priorWeight);
    const g = categorical(choices, hi, this.priorWeight);
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < this.nEiCandidates; c++) {
      let u = rng.uniform();
      let k = 0;
      while (k < l.length - 1 && u >= l[k]) u -= l[k++];
      const score = Math.log(l[k]) - Math.log(g[k]);
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    return best;
  }

  private sampleNumeric(spec: IntSpec | FloatSpec, lo: number[], hi: number[], rng: Random): number {
    const [low, high] = bounds(spec);
    if (high - low <= 0) return spec.min;
    const l = parzen(lo.map((v) => toInternal(spec, v)), low, high, this.priorWeight);
    const g = parzen(hi.map((v) => toInternal(spec, v)), low, high, this.priorWeight);
    let best = NaN;
    let bestScore = -Infinity;
    for (let c = 0; c < this.nEiCandidates; c++) {
      const x = drawMixture(l, low, high, rng);
      const score = logPdf(l, low, high, x) - logPdf(g, low, high, x);
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    return fromInternal(spec, best);
  }
}

/** Optuna's split: the best γ(n) finished trials vs the rest (pruned trials rank last, deeper first). */
function split(trials: TrialRecord[], dir: 'max' | 'min', objective: string): { below: TrialRecord[]; above: TrialRecord[] } {
  const sign = dir === 'max' ? -1 : 1;
  const scored = trials.filter((t) => hasScore(t) && t.status !== 'pruned').sort((a, b) => sign * (a.score! - b.score!) || a.id - b.id);
  const pruned = trials
    .filter((t) => t.status === 'pruned')
    .sort((a, b) => {
      const la = a.metrics[objective]?.length ?? 0;
      const lb = b.metrics[objective]?.length ?? 0;
      if (la !== lb) return lb - la;
      return sign * ((a.metrics[objective]?.[la - 1] ?? 0) - (b.metrics[objective]?.[lb - 1] ?? 0)) || a.id - b.id;
    });
  const ordered = [...scored, ...pruned];
  const nBelow = Math.min(Math.ceil(0.1 * ordered.length), 25);
  // Keep trial order (oldest first) inside each group: the weights ramp by age.
  const byId = (a: TrialRecord, b: TrialRecord) => a.id - b.id;
  return { below: ordered.slice(0, nBelow).sort(byId), above: ordered.slice(nBelow).sort(byId) };
}

/** Internal-coordinate bounds, widened by half a step for discrete values. */
function bounds(spec: IntSpec | FloatSpec): [number, number] {
  const grid = discreteValues(spec) as number[] | null;
  if (spec.sampling === 'log') {
    if (spec.kind === 'int' && spec.step === 1) return [Math.log(Math.max(spec.min - 0.5, spec.min / 2)), Math.log(spec.max + 0.5)];
    if (grid && spec.step !== null) {
      const h = Math.log(spec.step) / 2;
      return [Math.log(spec.min) - h, Math.log(grid[grid.length - 1]) + h];
    }
    return [Math.log(spec.min), Math.log(spec.max)];
  }
  if (grid && spec.step !== null) return [spec.min - spec.step / 2, (grid[grid.length - 1] as number) + spec.step / 2];
  return [spec.min, spec.max];
}

/** Optuna's age weights: 1 for the newest 25, a ramp from 1/n for older ones. */
function ageWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (n - 26)));
  return [...ramp, ...new Array(25).fill(1)];
}

function categorical(choices: HPValue[], obs: HPValue[], priorWeight: number): number[] {
  const w = ageWeights(obs.length);
  const counts = choices.map(() => priorWeight);
  obs.forEach((v, i) => {
    const k = choices.indexOf(v);
    if (k >= 0) counts[k] += w[i];
  });
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

interface Mixture {
  weights: number[];
  mus: number[];
  sigmas: number[];
}

/** Parzen estimator over [low, high] (Optuna's _calculate_numerical_params with the prior and the magic clip). */
function parzen(obs: number[], low: number, high: number, priorWeight: number): Mixture {
  const priorMu = 0.5 * (low + high);
  const priorSigma = high - low;
  const w = ageWeights(obs.length);
  const items = obs.map((mu, i) => ({ mu, w: w[i], prior: false }));
  items.push({ mu: priorMu, w: priorWeight, prior: true });
  items.sort((a, b) => a.mu - b.mu || Number(a.prior) - Number(b.prior));
  const withEnds = [low, ...items.map((x) => x.mu), high];
  const sigmas = items.map((_, i) => Math.max(withEnds[i + 1] - withEnds[i], withEnds[i + 2] - withEnds[i + 1]));
  // consider_endpoints=False: the outermost components ignore their gap to the bound.
  if (withEnds.length >= 4) {
    sigmas[0] = withEnds[2] - withEnds[1];
    sigmas[sigmas.length - 1] = withEnds[withEnds.length - 2] - withEnds[withEnds.length - 3];
  }
  const minSigma = (high - low) / Math.min(100, 1 + items.length);
  const out: Mixture = { weights: [], mus: [], sigmas: [] };
  const total = items.reduce((a, x) => a + x.w, 0);
  items.forEach((x, i) => {
    out.mus.push(x.mu);
    out.sigmas.push(x.prior ? priorSigma : Math.min(priorSigma, Math.max(minSigma, sigmas[i])));
    out.weights.push(x.w / total);
  });
  return out;
}

function drawMixture(m: Mixture, low: number, high: number, rng: Random): number {
  let u = rng.uniform();
  let k = 0;
  while (k < m.weights.length - 1 && u >= m.weights[k]) u -= m.weights[k++];
  for (let tries = 0; tries < 100; tries++) {
    const x = m.mus[k] + m.sigmas[k] * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, m.mus[k]));
}

function logPdf(m: Mixture, low: number, high: number, x: number): number {
  let p = 0;
  for (let k = 0; k < m.mus.length; k++) {
    const s = m.sigmas[k];
    const z = normalCdf((high - m.mus[k]) / s) - normalCdf((low - m.mus[k]) / s);
    const d = (x - m.mus[k]) / s;
    p += (m.weights[k] * Math.exp(-0.5 * d * d)) / (s * Math.sqrt(2 * Math.PI) * Math.max(z, 1e-12));
  }
  return Math.log(Math.max(p, 1e-300));
}

function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
