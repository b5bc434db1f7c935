// The search loop: asks the strategy for trials, runs up to `parallelism` of
// them at once (each fit runs natively on a worker thread, so the event loop
// stays free), prunes, persists every trial as it starts and finishes, and
// stops at the time budget, at maxTrials, or when the strategy is done.
import * as fs from 'node:fs';
import { getNumThreads, setNumThreads } from '../backend';
import type { CallbackHooks, Logs } from '../callbacks/callback';
import { TensorBoard } from '../callbacks/tensorboard';
import { checkInt, checkNumber, checkOptions, rangeError, show, typeError } from '../errors';
import { LayersModel } from '../models/layers_model';
import { native } from '../native';
import type { FitArgs } from '../models/sequential';
import type { InputLike } from '../models/data';
import { Random, setSeed } from '../random';
import { OPERATION, distributedJob, fingerprint, handshake, runAgreed, sampled } from '../rank_agreement';
import { Tensor, tensor } from '../tensor';
import { HPSpec, HPValue, HyperParameters, SearchSpace, sampleSpec } from './hyperparameters';
import { Coordinator, Message, WorkerLink } from './distributed_search';
import { MedianPruner } from './pruner';
import { fmt, fmtNum, fmtTime } from './format';
import { formatSummary, writeReport } from './report';
import { TrialStorage, WeightsBlob } from './storage';
import { Strategy, TrialRequest, seedFor } from './strategy';
import { Objective, ObjectiveLike, TrialRecord, TrialStatus, better, configKey, rankTrials, resolveObjective } from './trial';

/** What a `runTrial` function gets besides the hyperparameters. */
export interface TrialContext {
  /** Trial number. */
  readonly id: number;
  /** Epoch count to reach (Hyperband's budget for this rung; maxEpochs otherwise). */
  readonly epochs: number;
  /** Epochs already done by `parent` (Hyperband promotions). */
  readonly initialEpoch: number;
  /** Trial this one continues, or null. */
  readonly parent: number | null;
  /** A seed for this trial's randomness, derived from the search seed. */
  readonly seed: number;
  /** Aborts when the trial must stop (time budget, search aborted). */
  readonly signal: AbortSignal;
  /**
   * Records epoch `epoch`'s logs (or just the objective's value) and returns
   * true when the trial should stop now (pruned, time budget, abort).
   */
  report(epoch: number, logs: Logs | number): boolean;
  /** Whether the trial should stop. */
  readonly shouldStop: boolean;
}

/** A trial's body in objective-function mode: returns the objective's value, or the final logs, or nothing (use report). */
export type RunTrial = (hp: HyperParameters, trial: TrialContext) => number | Logs | void | Promise<number | Logs | void>;

/** Options of every tuner factory (`tf.tuner.hyperband(...)`, ...). */
export interface TunerOptions {
  /** Builds and compiles a model from the hyperparameters: a tf.sequential or a functional tf.model (e.g. plain or residual blocks by hp.choice). */
  build?: (hp: HyperParameters) => LayersModel;
  /** Instead of build: a function that runs a trial itself (no model); see {@link TrialContext}. */
  runTrial?: RunTrial;
  /** Extra fit options that depend on the hyperparameters, e.g. `(hp) => ({ batchSize: hp.choice('batch_size', [32, 128]) })`. */
  fitOptions?: (hp: HyperParameters) => Omit<FitArgs, 'epochs' | 'initialEpoch' | 'callbacks' | 'verbose' | 'seed' | 'signal'>;
  /** Metric to optimise, e.g. 'val_accuracy' or { name, direction } (default 'val_loss'). 'loss'-like names minimise, 'acc'-like maximise. */
  objective?: ObjectiveLike;
  /** Where trials are stored; an existing search there resumes (default none: kept in memory only). */
  directory?: string;
  /** Delete an earlier search in `directory` instead of resuming it (default false). */
  overwrite?: boolean;
  /** Trials in total, counting earlier sessions of a resumed search (default unlimited). */
  maxTrials?: number;
  /** Seconds for each search() call; no trial starts after it and running ones stop (default unlimited). */
  timeBudgetSeconds?: number;
  /** Early stopping of bad trials; null for none. Default: a median pruner, except for Hyperband (which prunes by design). */
  pruner?: MedianPruner | null;
  /**
   * Trials run at once (default: the thread budget, getNumThreads(), i.e. the
   * cores; 1 with runTrial). Their native work shares that budget, so the
   * threads in use never exceed it.
   */
  parallelism?: number;
  /** Best trials whose weights are kept for getBestModels (default 5). */
  keepModels?: number;
  /** 0 = silent, 1 = a line per trial (default 1). */
  verbose?: 0 | 1;
}

/** Options of {@link Tuner.search}. */
export interface SearchArgs {
  /** Fraction of x held out for validation (as fit). */
  validationSplit?: number;
  /** Explicit validation data [x, y]. */
  validationData?: [InputLike, InputLike];
  /** Batch size (default 32, or what fitOptions says). */
  batchSize?: number;
  /** Extra fit callbacks for every trial. */
  callbacks?: CallbackHooks[];
  /** Overrides the tuner's timeBudgetSeconds. */
  timeBudgetSeconds?: number;
  /** Overrides the tuner's maxTrials. */
  maxTrials?: number;
  /** Overrides the tuner's parallelism. */
  parallelism?: number;
  /** Overrides the tuner's verbose. */
  verbose?: 0 | 1;
  /** Aborts the search: running trials stop and stay unfinished (a later search reruns them); search rejects. */
  signal?: AbortSignal;
  /**
   * Runs the search across the ranks of the MPI job (after
   * `tf.distributed.init()`; every rank calls search with the same tuner
   * settings and data): rank 0 keeps the study (directory, strategy, pruner)
   * and hands out trials, every rank runs `parallelism` of them at once, and
   * their epochs and results go back to rank 0, which prunes and prints.
   * Every rank resolves with the same result and trials; each trial records
   * the `rank` that ran it. Trials train on one rank each (no
   * `distributed: true` inside them). Default false.
   */
  distributed?: boolean;
}

/** What search() resolves to. */
export interface SearchResult {
  /** Trials in the search (all sessions). */
  trials: number;
  /** Trials finished in this call. */
  finishedNow: number;
  /** The best trial so far, or null. */
  best: TrialRecord | null;
  /** Seconds this call took. */
  seconds: number;
  /** Why it ended. */
  reason: 'done' | 'maxTrials' | 'timeBudget' | 'spaceExhausted';
}

class ConfigError extends Error {}

/** @internal Options of every tuner factory besides its strategy's. */
export const TUNER_OPTIONS = ['build', 'runTrial', 'fitOptions', 'objective', 'directory', 'overwrite', 'maxTrials',
  'timeBudgetSeconds', 'pruner', 'parallelism', 'keepModels', 'verbose'] as const;
const SEARCH_OPTIONS = ['validationSplit', 'validationData', 'batchSize', 'callbacks', 'timeBudgetSeconds', 'maxTrials',
  'parallelism', 'verbose', 'signal', 'distributed'] as const;
/** @internal Proves a constructor call comes from a factory of `tf.tuner` (whose name then labels the errors). */
export const TUNER_FACTORY = Symbol('tuner factory');

/** search()'s arguments, checked, and what follows from them. */
interface Prepared {
  args: SearchArgs;
  xs: Tensor | null;
  ys: Tensor | null;
  budget: number | undefined;
  maxTrials: number;
  verbose: 0 | 1;
  parallelism: number;
  signal: AbortSignal | undefined;
}

/** How a trial's fit reports: to the local pruner, or to rank 0. */
interface FitIo {
  parent: WeightsBlob | null;
  onEpoch(epoch: number, logs: Logs, model: LayersModel): void | Promise<void>;
  saveCheckpoint(blob: WeightsBlob): void;
}

const snapshot = (model: LayersModel): WeightsBlob => ({ tensors: model.getWeights().map((w) => ({ shape: [...w.shape], values: w.values as Float32Array })) });

interface RunState {
  metrics: Record<string, number[]>;
  stop: null | 'pruned' | 'time' | 'abort';
  stopModel: (() => void) | null;
  controller: AbortController;
  best: number | null;
  bestEpoch: number | null;
  bestWeights: WeightsBlob | null;
}

const MAX_DUPLICATE_PROPOSALS = 100;
const MAX_CONSECUTIVE_FAILURES = 3;

/** A hyperparameter search. Create with `tf.tuner.hyperband / randomSearch / gridSearch / tpe`. */
export class Tuner {
  readonly objective: Objective;
  readonly directory: string | null;
  readonly strategy: Strategy;
  private readonly space = new SearchSpace();
  private readonly trialMap = new Map<number, TrialRecord>();
  private readonly storage: TrialStorage;
  private readonly build: ((hp: HyperParameters) => LayersModel) | null;
  private readonly runTrial: RunTrial | null;
  private readonly fitOptions: TunerOptions['fitOptions'] | null;
  private readonly pruner: MedianPruner | null;
  private readonly options: TunerOptions;
  private readonly keepModels: number;
  private searching = false;

  /** @internal Use the factories in `tf.tuner`. */
  constructor(strategy: Strategy, options: TunerOptions, fn: string, defaultPruner: MedianPruner | null, token?: symbol) {
    if (token !== TUNER_FACTORY) throw typeError('Tuner', 'create tuners with the factories (tf.tuner.randomSearch(...), tf.tuner.hyperband(...), ...)');
    if (options === null || typeof options !== 'object') throw typeError(fn, `options must be an object, got ${show(options)}`);
    const o = options;
    if ((o.build === undefined) === (o.runTrial === undefined)) throw typeError(fn, 'pass exactly one of build (a function hp => compiled model) or runTrial (a function (hp, trial) => objective)');
    if (o.build !== undefined && typeof o.build !== 'function') throw typeError(fn, `build must be a function, got ${show(o.build)}`);
    if (o.runTrial !== undefined && typeof o.runTrial !== 'function') throw typeError(fn, `runTrial must be a function, got ${show(o.runTrial)}`);
    if (o.fitOptions !== undefined && typeof o.fitOptions !== 'function') throw typeError(fn, `fitOptions must be a function, got ${show(o.fitOptions)}`);
    if (o.directory !== undefined && (typeof o.directory !== 'string' || !o.directory)) throw typeError(fn, `directory must be a non-empty string, got ${show(o.directory)}`);
    if (o.pruner !== undefined && o.pruner !== null && !(o.pruner instanceof MedianPruner)) throw typeError(fn, `pruner must be tf.tuner.medianPruner(...) or null, got ${show(o.pruner)}`);
    checkLimits(fn, o);
    this.objective = resolveObjective(fn, o.objective ?? 'val_loss');
    this.strategy = strategy;
    this.build = o.build ?? null;
    this.runTrial = o.runTrial ?? null;
    this.fitOptions = o.fitOptions ?? null;
    this.pruner = o.pruner === undefined ? defaultPruner : o.pruner;
    this.keepModels = checkInt(fn, 'keepModels', o.keepModels ?? 5, 0);
    this.options = { ...o };
    this.directory = o.directory ?? null;
    this.storage = new TrialStorage(this.directory, { strategy: strategy.name, config: strategy.config(), objective: this.objective });
    const loaded = this.storage.open(o.overwrite === true);
    for (const spec of this.storage.space) this.space.specs.set(spec.name, spec);
    for (const t of loaded) this.trialMap.set(t.id, t);
    strategy.ctx = {
      trials: this.trialMap, space: this.space, objective: this.objective, unbounded: false,
      dropCheckpoint: (id) => this.storage.dropWeights(id, 'ckpt'),
    };
    strategy.restore(loaded);
  }

  /** Every trial so far, by id. */
  get trials(): TrialRecord[] {
    return [...this.trialMap.values()].sort((a, b) => a.id - b.id);
  }

  /** The search space as discovered so far. */
  get searchSpace(): HPSpec[] {
    return [...this.space.specs.values()];
  }

  /** The best trials, best first. */
  getBestTrials(n = 1): TrialRecord[] {
    checkInt('getBestTrials', 'n', n, 1);
    return rankTrials(this.trials, this.objective.direction).slice(0, n);
  }

  /** The hyperparameters of the best n trials, best first. */
  getBestHyperparameters(n = 1): HyperParameters[] {
    return this.getBestTrials(n).map((t) => HyperParameters.fromValues(t.values, this.space));
  }

  /**
   * The best n models, best first, rebuilt with their weights from their best
   * epoch (and compiled by build, so they can evaluate or train further).
   */
  getBestModels(n = 1): LayersModel[] {
    const fn = 'getBestModels';
    checkInt(fn, 'n', n, 1);
    if (!this.build) throw new Error(`${fn}: this tuner has runTrial, not build; it has no models`);
    if (n > this.keepModels) throw rangeError(fn, `only the best ${this.keepModels} trials keep their weights (keepModels); asked for ${n}`);
    const inputShape = this.storage.inputShape;
    return this.getBestTrials(n).map((t) => {
      if (!inputShape || !this.storage.hasWeights(t.id, 'best')) throw new Error(`${fn}: trial ${t.id}'s weights were not kept`);
      const blob = this.storage.loadWeights(t.id, 'best');
      const model = this.build!(HyperParameters.fromValues(t.values, this.space));
      model.build(inputShape);
      model.setWeights(blob.tensors.map((w) => new Tensor(w.values, w.shape, 'float32')));
      return model;
    });
  }

  /** Prints (and returns) a table of the best `n` trials, best first, with a header line. */
  resultsSummary(n = 10, printFn: (line: string) => void = console.log): string {
    checkInt('resultsSummary', 'n', n, 1);
    const lines = formatSummary(this.trials, this.objective, this.strategy.name, this.storage.elapsedSeconds, n);
    for (const l of lines) printFn(l);
    return lines.join('\n');
  }

  /** Writes a report: objective vs time and vs trial, and each hyperparameter's effect ('.svg' or '.html'). */
  report(file: string): string {
    if (typeof file !== 'string' || !/\.(svg|html?)$/i.test(file)) throw typeError('report', `file must end in .svg or .html, got ${show(file)}`);
    const content = writeReport(file.toLowerCase().endsWith('.svg') ? 'svg' : 'html', this.trials, this.objective, this.searchSpace, this.strategy.name);
    fs.writeFileSync(file, content);
    return file;
  }

  /**
   * Runs the search: `search(x, y, args)` with build, or `search(args)` with
   * runTrial. Resolves when the strategy is done, maxTrials trials exist, or
   * the time budget is spent.
   */
  async search(x?: InputLike | SearchArgs, y?: InputLike, args: SearchArgs = {}): Promise<SearchResult> {
    const fn = 'search';
    if (this.searching) throw new Error(`${fn}: this tuner is already searching`);
    if (this.runTrial && x !== undefined && isPlainObject(x)) {
      args = x as SearchArgs;
      x = undefined;
    }
    const job = distributedJob(fn, args);
    // (A job of one rank searches as one process does; its trials record rank 0.)
    if (job === null || job.size === 1) return this.searchHere(fn, this.prepare(fn, x, y, args), null, job !== null);
    // Bad arguments on one rank are an error on every rank (runAgreed); then every rank checks the others run the same search.
    const prep = await runAgreed(fn, async () => {
      const p = this.prepare(fn, x, y, args);
      const settings = JSON.stringify([this.strategy.name, this.strategy.config(), this.objective, this.build ? 'build' : 'runTrial', p.maxTrials, p.budget ?? null]);
      await handshake(fn, [
        { what: 'operations', value: OPERATION.search },
        { what: 'tuners (strategy, settings, objective, maxTrials or time budget)', value: fingerprint(Array.from(settings, (c) => c.charCodeAt(0))), hash: true },
        { what: 'training data', value: fingerprint([...sampled(p.xs?.dataSync() ?? null), ...sampled(p.ys?.dataSync() ?? null)]), hash: true },
      ]);
      return p;
    });
    return job.rank === 0 ? this.searchHere(fn, prep, new Coordinator(fn, job.size)) : this.serveTrials(fn, prep, job.rank);
  }

  /** Checks search()'s arguments. */
  private prepare(fn: string, x: InputLike | SearchArgs | undefined, y: InputLike | undefined, args: SearchArgs): Prepared {
    args = checkOptions(fn, args, SEARCH_OPTIONS, true) as SearchArgs;
    checkLimits(fn, args);
    if (args.distributed !== undefined && typeof args.distributed !== 'boolean') throw typeError(fn, `distributed must be a boolean, got ${show(args.distributed)}`);
    let xs: Tensor | null = null;
    let ys: Tensor | null = null;
    if (this.build) {
      if (x === undefined || y === undefined) throw typeError(fn, 'x and y are required (the training data)');
      xs = x instanceof Tensor ? x : tensor(x as never);
      ys = y instanceof Tensor ? y : tensor(y as never);
      if (xs.rank < 2) throw rangeError(fn, `x must have shape [samples, ...features], got ${show(xs.shape)}`);
      const shape = xs.shape.slice(1);
      if (this.storage.inputShape && show(this.storage.inputShape) !== show(shape)) {
        throw rangeError(fn, `the search in '${this.directory}' was run on inputs of shape ${show(this.storage.inputShape)}, got ${show(shape)}`);
      }
      this.storage.inputShape = shape;
    }
    const o = this.options;
    const signal = args.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
    signal?.throwIfAborted();
    return {
      args, xs, ys, signal,
      budget: args.timeBudgetSeconds ?? o.timeBudgetSeconds,
      maxTrials: args.maxTrials ?? o.maxTrials ?? Infinity,
      verbose: args.verbose ?? o.verbose ?? 1,
      parallelism: args.parallelism ?? o.parallelism ?? (this.build ? getNumThreads() : 1),
    };
  }

  /** The search loop, on this process (coord null) or as rank 0 of a distributed search. */
  private async searchHere(fn: string, prep: Prepared, coord: Coordinator | null, distributed = coord !== null): Promise<SearchResult> {
    const { args, xs, ys, budget, maxTrials, verbose, parallelism, signal } = prep;
    const threads0 = getNumThreads();
    this.strategy.ctx.unbounded = budget === undefined && maxTrials === Infinity;

    this.searching = true;
    // NOTE: the tuner does not divide threads itself: every native job (a trial's
    // training chunk, an evaluation) leases cores from the process-wide budget
    // (native/core_budget.h) and caps its BLAS threads to its lease, so concurrent
    // trials never hold more threads than getNumThreads() in total, and a trial
    // running alone gets every core. (A job that can use every core takes them all
    // and the other trial's next job waits for it, so such trials interleave chunk
    // by chunk rather than overlap.) Calling setNumThreads here would shrink that
    // shared budget instead. An addon built without the budget gets the static
    // split: ⌊threads / parallelism⌋ BLAS threads per call for the whole search.
    const staticSplit = this.build !== null && typeof native.coreBudget !== 'function';
    if (staticSplit) setNumThreads(Math.max(1, Math.floor(threads0 / parallelism)));
    const t0 = performance.now();
    const base = this.storage.elapsedSeconds;
    const elapsed = () => base + (performance.now() - t0) / 1000;
    const deadline = budget === undefined ? Infinity : t0 + budget * 1000;
    const states = new Map<number, RunState>();
    const running = new Map<number, Promise<void>>();
    // Trials running in this process; the others run on other ranks (coord).
    const local = new Set<number>();
    const freeSlot = (): number | null => (local.size < parallelism ? 0 : coord?.freeRank() ?? null);
    const seen = new Set(this.trials.map((t) => configKey(t.values)));
    const retries = this.trials.filter((t) => t.status === 'running');
    let reason: SearchResult['reason'] = 'done';
    let fatal: Error | null = null;
    let failures = 0;
    let finishedNow = 0;
    const stopAll = (why: 'time' | 'abort') => {
      for (const s of states.values()) {
        if (s.stop === null || why === 'abort') s.stop = why;
        s.stopModel?.();
        s.controller.abort(why);
      }
    };
    // (setTimeout cannot wait past 2^31 - 1 ms; longer budgets are checked between trials only.)
    const timer = budget === undefined || budget > 2e6 ? null : setTimeout(() => stopAll('time'), Math.max(0, deadline - performance.now()));
    const onAbort = () => stopAll('abort');
    signal?.addEventListener('abort', onAbort);
    const log = (line: string) => {
      if (verbose) process.stdout.write(`${line}\n`);
    };
    if (verbose && retries.length) log(`[tuner] resuming: ${retries.length} unfinished trial(s) will run again`);

    const finish = (rec: TrialRecord, st: RunState, status: TrialStatus, error: unknown, params: number | null, durationMs: number) => {
      states.delete(rec.id);
      if (st.stop === 'abort') return; // left 'running': a later search reruns it
      rec.status = status === 'completed' && st.stop === 'time' ? 'stopped' : status;
      rec.metrics = st.metrics;
      rec.score = st.best;
      rec.bestEpoch = st.bestEpoch;
      rec.params = params;
      rec.duration = durationMs / 1000;
      rec.searchTime = elapsed();
      if (error !== null) rec.error = error instanceof Error ? error.message : String(error);
      else delete rec.error;
      if (rec.status !== 'failed' && st.bestWeights && this.keepModels > 0) this.keepIfBest(rec, st.bestWeights);
      this.storage.writeTrial(rec);
      this.storage.writeIndex(this.trialMap.values(), elapsed(), this.searchSpace);
      finishedNow++;
      failures = rec.status === 'failed' ? failures + 1 : 0;
      if (error instanceof ConfigError) fatal = error;
      else if (failures >= MAX_CONSECUTIVE_FAILURES) fatal = new Error(`search: ${failures} trials failed in a row; the last error: ${rec.error}`);
      this.strategy.finished(rec);
      if (verbose) log(this.progressLine(rec, elapsed(), budget === undefined ? null : base + budget, maxTrials));
    };

    const launch = (req: TrialRequest, retryOf: TrialRecord | null): 'duplicate' | number => {
      const id = retryOf ? retryOf.id : this.nextId();
      const where = freeSlot() ?? 0;
      const remote = coord !== null && where !== 0;
      // runTrial cannot run here for another rank without running the trial: the names known so far
      // are drawn here, new ones on the rank that runs it (its result brings them back).
      const hp = remote && !this.build ? HyperParameters.fromValues(this.presetValues(req), this.space) : new HyperParameters(req.values, { space: this.space, suggest: req.suggest });
      const seed = seedFor(this.strategy.seed, ...req.seedKey);
      const st: RunState = { metrics: {}, stop: null, stopModel: null, controller: new AbortController(), best: null, bestEpoch: null, bestWeights: null };
      let model: LayersModel | null = null;
      let fitExtra: ReturnType<NonNullable<TunerOptions['fitOptions']>> = {};
      let setupError: unknown = null;
      let pending: Promise<number | Logs | void> | number | Logs | void = undefined;
      const ctx = this.trialContext(id, req, seed, st);
      try {
        if (this.build) {
          // A trial for another rank is built here too: that resolves its hyperparameters (the space is defined by build).
          setSeed(seed);
          model = this.build(hp);
          if (!(model instanceof LayersModel)) throw new TypeError(`build must return a compiled model (tf.sequential or tf.model), got ${show(model)}`);
          if (this.fitOptions) fitExtra = this.fitOptions(hp) ?? {};
        } else if (!remote) {
          pending = this.runTrial!(hp, ctx);
        }
      } catch (e) {
        // An invalid space is a programming error, not a bad trial: stop the search with it.
        setupError = e instanceof Error && /^(hp\.|hyperparameters)/.test(e.message) ? Object.assign(new ConfigError(e.message), { cause: e }) : e;
      }
      hp.freeze();
      const key = configKey(hp.values);
      if (!retryOf && req.unique && setupError === null && this.build && seen.has(key)) return 'duplicate';
      seen.add(key);
      const rec: TrialRecord = retryOf ?? {
        id, status: 'running', values: hp.values, score: null, bestEpoch: null, initialEpoch: req.initialEpoch, epochs: req.epochs,
        metrics: {}, params: null, startedAt: new Date().toISOString(), duration: 0, searchTime: elapsed(),
        meta: { ...req.meta, parent: req.parent, checkpoint: req.checkpoint, seedKey: req.seedKey },
      };
      rec.startedAt = new Date().toISOString();
      if (distributed) rec.rank = where;
      if (!retryOf) {
        const extra = this.strategy.started(rec, hp);
        if (extra) Object.assign(rec.meta, extra);
      }
      this.trialMap.set(id, rec);
      states.set(id, st);
      // The search may have been aborted, or run out of time, while this trial was set up.
      const late = signal?.aborted ? 'abort' : performance.now() >= deadline ? 'time' : null;
      if (late) {
        st.stop = late;
        st.controller.abort(late);
      }
      this.storage.writeTrial(rec);
      this.storage.writeIndex(this.trialMap.values(), elapsed(), this.searchSpace);
      const start = performance.now();
      const body = setupError !== null
        ? Promise.reject(setupError)
        : remote
          ? this.remoteTrial(coord!, where, rec, req, seed, st)
          : model
            ? this.fitTrial(model, rec.id, req, seed, st, xs!, ys!, args, fitExtra, this.localIo(rec.id, req, st))
            : this.settleFunctionTrial(pending, st);
      if (!remote) local.add(id);
      const p = body.then(
        (params) => finish(rec, st, st.stop === 'pruned' ? 'pruned' : st.stop === 'time' ? 'stopped' : 'completed', null, params, performance.now() - start),
        (e) => {
          const interrupted = st.stop === 'abort' || st.stop === 'time';
          finish(rec, st, interrupted ? 'stopped' : 'failed', interrupted ? null : e, null, performance.now() - start);
        },
      ).finally(() => {
        running.delete(id);
        local.delete(id);
      });
      running.set(id, p);
      return id;
    };

    const outcome: { result?: SearchResult; error?: unknown } = {};
    try {
      if (coord) await coord.ready();
      let starting = true;
      while (starting || running.size > 0) {
        if (coord?.fatal && fatal === null) fatal = coord.fatal;
        while (starting && freeSlot() !== null && fatal === null) {
          if (signal?.aborted) {
            starting = false;
            break;
          }
          if (performance.now() >= deadline) {
            reason = 'timeBudget';
            starting = false;
            break;
          }
          const retry = retries.shift();
          if (retry) {
            launch(this.retryRequest(retry), retry);
            continue;
          }
          if (this.trialMap.size >= maxTrials) {
            reason = 'maxTrials';
            starting = false;
            break;
          }
          const id = this.nextId();
          let outcome: 'wait' | 'done' | 'started' | 'exhausted' = 'exhausted';
          for (let attempt = 0; attempt < MAX_DUPLICATE_PROPOSALS; attempt++) {
            const req = this.strategy.next(id, attempt);
            if (req === 'wait' || req === 'done') {
              outcome = req;
              break;
            }
            if (launch(req, null) !== 'duplicate') {
              outcome = 'started';
              break;
            }
          }
          if (outcome === 'wait') break;
          if (outcome === 'done' || outcome === 'exhausted') {
            reason = outcome === 'done' ? 'done' : 'spaceExhausted';
            starting = false;
          }
        }
        if (fatal !== null) {
          starting = false;
          stopAll('time');
        }
        if (coord?.fatal && fatal === null) {
          fatal = coord.fatal;
          stopAll('time');
        }
        if (running.size === 0) break;
        await Promise.race([...running.values(), ...(coord ? [coord.changed()] : [])]);
      }
      if (coord?.fatal && fatal === null) fatal = coord.fatal;
      if (fatal) throw fatal;
      signal?.throwIfAborted();
      const best = this.getBestTrials(1)[0] ?? null;
      if (verbose) log(`[tuner] ${reason === 'done' ? 'search finished' : reason === 'maxTrials' ? 'maxTrials reached' : reason === 'timeBudget' ? 'time budget spent' : 'search space exhausted'}: ${this.trialMap.size} trials, best ${best ? `${this.objective.name} ${fmt(best.score)} (trial ${best.id})` : 'none'}`);
      outcome.result = { trials: this.trialMap.size, finishedNow, best, seconds: (performance.now() - t0) / 1000, reason };
    } catch (e) {
      outcome.error = e;
    } finally {
      if (timer) clearTimeout(timer);
      if (staticSplit) setNumThreads(threads0);
      signal?.removeEventListener('abort', onAbort);
      this.storage.writeIndex(this.trialMap.values(), elapsed(), this.searchSpace);
    }
    try {
      // Every other rank ends with the same result, or with this error.
      if (coord && outcome.error === undefined) {
        const r = outcome.result!;
        await coord.finish(this.trials, this.searchSpace, { trials: r.trials, finishedNow: r.finishedNow, best: r.best?.id ?? null, seconds: r.seconds, reason: r.reason });
        if (coord.fatal) throw coord.fatal;
      } else if (coord) {
        const e = outcome.error;
        await coord.abort(0, e instanceof Error ? e.message : String(e));
      }
    } finally {
      this.searching = false;
    }
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.result!;
  }

  /** A request's values for every name known so far. */
  private presetValues(req: TrialRequest): Record<string, HPValue> {
    const values = { ...req.values };
    for (const spec of this.space.specs.values()) {
      if (!(spec.name in values)) values[spec.name] = spec.kind === 'fixed' ? spec.value : req.suggest(spec);
    }
    return values;
  }

  private nextId(): number {
    let id = 0;
    while (this.trialMap.has(id)) id++;
    return id;
  }

  /** Rebuilds the request of a trial that was running when an earlier search stopped. */
  private retryRequest(t: TrialRecord): TrialRequest {
    const m = t.meta as { parent?: number | null; checkpoint?: boolean; seedKey?: number[] };
    return {
      values: t.values, suggest: (spec) => spec.default, epochs: t.epochs, initialEpoch: t.initialEpoch,
      parent: typeof m.parent === 'number' ? m.parent : null, meta: t.meta, unique: false,
      checkpoint: m.checkpoint === true, seedKey: Array.isArray(m.seedKey) ? m.seedKey : [t.id],
    };
  }

  private trialContext(id: number, req: TrialRequest, seed: number, st: RunState): TrialContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const tuner = this;
    return {
      id, epochs: req.epochs, initialEpoch: req.initialEpoch, parent: req.parent, seed, signal: st.controller.signal,
      report(epoch: number, logs: Logs | number): boolean {
        checkInt('trial.report', 'epoch', epoch, 0);
        const l = typeof logs === 'number' ? { [tuner.objective.name]: logs } : logs;
        tuner.recordEpoch(st, req.initialEpoch, epoch, l, null);
        return st.stop !== null;
      },
      get shouldStop() {
        return st.stop !== null;
      },
    };
  }

  /** Adds one epoch's logs; tracks the best value; asks the pruner. */
  private recordEpoch(st: RunState, initialEpoch: number, epoch: number, logs: Logs, model: LayersModel | null): void {
    const name = this.objective.name;
    if (!(name in logs)) {
      throw new ConfigError(`search: objective '${name}' is not among the logged metrics (${Object.keys(logs).join(', ') || 'none'})` +
        (name.startsWith('val_') ? '; pass validationSplit or validationData to search' : '') + (/acc/.test(name) ? ", and compile with metrics: ['accuracy']" : ''));
    }
    const k = epoch - initialEpoch;
    for (const [key, v] of Object.entries(logs)) {
      const arr = (st.metrics[key] ??= []);
      while (arr.length < k) arr.push(NaN);
      arr[k] = v;
    }
    const v = logs[name];
    if (better(this.objective.direction, v, st.best)) {
      st.best = v;
      st.bestEpoch = epoch;
      if (model && this.keepModels > 0) st.bestWeights = { tensors: model.getWeights().map((w) => ({ shape: [...w.shape], values: w.values as Float32Array })) };
    }
    if (st.stop === null && this.pruner) {
      const values = st.metrics[name];
      if (this.pruner.shouldPrune(values, initialEpoch, name, this.objective.direction, this.trialMap.values())) {
        st.stop = 'pruned';
        st.stopModel?.();
        st.controller.abort('pruned');
      }
    }
  }

  /** How a trial fitted in this process reports: to this tuner's pruner and storage. */
  private localIo(id: number, req: TrialRequest, st: RunState): FitIo {
    return {
      parent: req.parent !== null ? this.storage.loadWeights(req.parent, 'ckpt') : null,
      onEpoch: (epoch, logs, model) => this.recordEpoch(st, req.initialEpoch, epoch, logs, model),
      saveCheckpoint: (blob) => this.storage.saveWeights(id, 'ckpt', blob),
    };
  }

  private async fitTrial(model: LayersModel, id: number, req: Pick<TrialRequest, 'epochs' | 'initialEpoch' | 'checkpoint'>, seed: number, st: RunState,
    x: Tensor, y: Tensor, args: SearchArgs, extra: object, io: FitIo): Promise<number> {
    if (io.parent) {
      const ck = io.parent;
      model.build(x.shape.slice(1));
      model.setWeights(ck.tensors.map((w) => new Tensor(w.values, w.shape, 'float32')));
      if (ck.optimizer) model.setOptimizerState(ck.optimizer);
    }
    const hooks: CallbackHooks = {
      onEpochEnd(epoch: number, logs?: Logs) {
        return io.onEpoch(epoch, logs ?? {}, model);
      },
      onBatchEnd() {
        if (st.stop !== null) model.stopTraining = true;
      },
    };
    st.stopModel = () => {
      model.stopTraining = true;
    };
    const fitArgs: FitArgs = {
      ...(args.validationSplit !== undefined ? { validationSplit: args.validationSplit } : {}),
      ...(args.validationData !== undefined ? { validationData: args.validationData } : {}),
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...extra,
      epochs: req.epochs, initialEpoch: req.initialEpoch, verbose: 0, seed: seedFor(seed, req.initialEpoch),
      // A TensorBoard callback writes each trial to its own run (<logdir>/trial_<id>), so TensorBoard compares them.
      callbacks: [hooks, ...(args.callbacks ?? []).map((c) => (c instanceof TensorBoard ? c.forRun(`trial_${id}`) : c))],
    };
    await model.fit(x, y, fitArgs);
    const params = model.countParams();
    if (req.checkpoint && st.stop === null) {
      const opt = model.getOptimizerState();
      io.saveCheckpoint({
        ...snapshot(model),
        optimizer: { iterations: opt.iterations, nadamMomentumProduct: opt.nadamMomentumProduct, slots: opt.slots },
      });
    }
    return params;
  }

  /**
   * Rank 0's side of a trial another rank runs: its epochs come here (the
   * pruner decides, and says whether to keep the weights as the best so far);
   * its best weights and checkpoint come back with the result.
   */
  private async remoteTrial(coord: Coordinator, rank: number, rec: TrialRecord, req: TrialRequest, seed: number, st: RunState): Promise<number | null> {
    const parent = req.parent !== null ? this.storage.loadWeights(req.parent, 'ckpt') : null;
    st.stopModel = () => coord.stop(rec.id, st.stop ?? 'time');
    let epochError: unknown = null;
    const r = await coord.run(rank, {
      t: 'trial', id: rec.id, values: rec.values, epochs: req.epochs, initialEpoch: req.initialEpoch, parent: req.parent, seed, checkpoint: req.checkpoint,
    }, parent, (epoch, logs) => {
      if (epochError === null) {
        try {
          this.recordEpoch(st, req.initialEpoch, epoch, logs, null);
        } catch (e) {
          epochError = e;
        }
      }
      return { stop: epochError !== null ? 'abort' : st.stop, best: this.keepModels > 0 && st.bestEpoch === epoch };
    });
    const m = r.m;
    if (m.values) {
      // runTrial: the values it used, and names first seen there.
      for (const spec of (m.specs ?? []) as HPSpec[]) {
        try {
          this.space.register(spec);
        } catch (e) {
          throw new ConfigError((e as Error).message);
        }
      }
      rec.values = m.values as Record<string, HPValue>;
    }
    if (epochError !== null) throw epochError;
    // (A programming error ends the search on every rank: the message says where it came from.)
    if (m.error !== undefined) throw m.config ? new ConfigError(`${m.error} (trial ${rec.id}, on rank ${rank})`) : new Error(m.error);
    let k = 0;
    if (m.best) st.bestWeights = r.blobs[k++];
    if (m.ckpt && req.checkpoint && st.stop === null) this.storage.saveWeights(rec.id, 'ckpt', r.blobs[k++]);
    return this.runTrial ? this.settleFunctionTrial(m.result as number | Logs | undefined, st) : m.params;
  }

  /** A distributed search on a rank other than 0: runs the trials rank 0 sends until it says the search is over. */
  private async serveTrials(fn: string, prep: Prepared, rank: number): Promise<SearchResult> {
    this.searching = true;
    const states = new Map<number, RunState>();
    const signal = prep.signal;
    let link: WorkerLink | null = null;
    const onStop = (id: number, why: string) => {
      const st = states.get(id);
      if (!st) return;
      if (st.stop === null || why === 'abort') st.stop = why as RunState['stop'];
      st.stopModel?.();
      st.controller.abort(why);
    };
    const aborted = new Promise<never>((_resolve, reject) => {
      signal?.addEventListener('abort', function onAbort() {
        void link?.fail('the search was aborted');
        reject(signal.reason);
      }, { once: true });
    });
    aborted.catch(() => {});
    try {
      link = new WorkerLink(fn, rank, prep.parallelism, (m, parent) => void this.serveTrial(link!, m, parent, prep, states), onStop);
      const done = await Promise.race([link.done, aborted]);
      await link.close();
      this.trialMap.clear();
      for (const t of done.trials as TrialRecord[]) this.trialMap.set(t.id, t);
      for (const spec of done.space as HPSpec[]) this.space.specs.set(spec.name, spec);
      const r = done.result as Omit<SearchResult, 'best'> & { best: number | null };
      return { ...r, best: r.best === null ? null : this.trialMap.get(r.best) ?? null };
    } finally {
      for (const id of states.keys()) onStop(id, 'abort');
      await link?.close();
      this.searching = false;
    }
  }

  /** Runs one trial for rank 0 and sends its result. */
  private async serveTrial(link: WorkerLink, m: Extract<Message, { t: 'trial' }>, parent: WeightsBlob | null, prep: Prepared, states: Map<number, RunState>): Promise<void> {
    const st: RunState = { metrics: {}, stop: null, stopModel: null, controller: new AbortController(), best: null, bestEpoch: null, bestWeights: null };
    states.set(m.id, st);
    const values = m.values as Record<string, HPValue>;
    const stopWith = (why: string | null) => {
      if (why === null || st.stop !== null) return;
      st.stop = why as RunState['stop'];
      st.stopModel?.();
      st.controller.abort(why);
    };
    let params: number | null = null;
    let result: unknown;
    let error: unknown = null;
    let ckpt: WeightsBlob | null = null;
    let used: { values?: Record<string, HPValue>; specs?: HPSpec[] } = {};
    try {
      if (this.build) {
        setSeed(m.seed);
        const hp = new HyperParameters(values, { space: this.space });
        const model = this.build(hp);
        if (!(model instanceof LayersModel)) throw new TypeError(`build must return a compiled model (tf.sequential or tf.model), got ${show(model)}`);
        hp.freeze();
        const extra = this.fitOptions ? this.fitOptions(hp) ?? {} : {};
        params = await this.fitTrial(model, m.id, m, m.seed, st, prep.xs!, prep.ys!, prep.args, extra, {
          parent,
          onEpoch: async (epoch, logs, model) => {
            const v = await link.epoch(m.id, epoch, logs);
            if (v.best) st.bestWeights = snapshot(model);
            stopWith(v.stop);
          },
          saveCheckpoint: (blob) => {
            ckpt = blob;
          },
        });
      } else {
        const rng = new Random(seedFor(m.seed, 1));
        const hp = new HyperParameters(values, { space: this.space, suggest: (spec) => sampleSpec(spec, rng) });
        const name = this.objective.name;
        const ctx: TrialContext = {
          id: m.id, epochs: m.epochs, initialEpoch: m.initialEpoch, parent: m.parent, seed: m.seed, signal: st.controller.signal,
          report(epoch: number, logs: Logs | number): boolean {
            checkInt('trial.report', 'epoch', epoch, 0);
            void link.epoch(m.id, epoch, typeof logs === 'number' ? { [name]: logs } : logs).then((v) => stopWith(v.stop));
            return st.stop !== null;
          },
          get shouldStop() {
            return st.stop !== null;
          },
        };
        let pending: unknown;
        try {
          pending = this.runTrial!(hp, ctx);
        } finally {
          hp.freeze();
          used = { values: hp.values, specs: [...this.space.specs.values()] };
        }
        result = await pending;
      }
    } catch (e) {
      error = e;
    }
    states.delete(m.id);
    const message = error instanceof Error ? error.message : String(error);
    link.result({
      t: 'result', id: m.id, params, ...used,
      ...(error !== null ? { error: message, config: error instanceof ConfigError || /^(hp\.|hyperparameters)/.test(message) } : { result }),
    }, st.bestWeights, ckpt);
  }

  private async settleFunctionTrial(pending: Promise<number | Logs | void> | number | Logs | void, st: RunState): Promise<null> {
    const r = await pending;
    if (r === undefined || r === null) {
      if (!st.metrics[this.objective.name]) throw new ConfigError(`search: runTrial returned nothing and reported no '${this.objective.name}'; return the objective's value or call trial.report(epoch, logs)`);
      return null;
    }
    if (typeof r !== 'number' && (typeof r !== 'object' || Array.isArray(r))) throw new ConfigError(`search: runTrial must return a number or logs, got ${show(r)}`);
    const logs = typeof r === 'number' ? { [this.objective.name]: r } : r;
    const n = Object.values(st.metrics).reduce((a, v) => Math.max(a, v.length), 0);
    // A returned value is the trial's final result: it counts as the last epoch's logs.
    if (n === 0) this.recordEpochSafe(st, logs);
    else if (typeof r === 'number' || this.objective.name in logs) this.recordEpochSafe(st, logs, n - 1);
    return null;
  }

  private recordEpochSafe(st: RunState, logs: Logs, k = 0): void {
    const name = this.objective.name;
    if (!(name in logs)) throw new ConfigError(`search: runTrial's result has no '${name}' (got ${Object.keys(logs).join(', ') || 'nothing'})`);
    for (const [key, v] of Object.entries(logs)) {
      const arr = (st.metrics[key] ??= []);
      arr[k] = v;
    }
    const values = st.metrics[name];
    st.best = null;
    st.bestEpoch = null;
    values.forEach((v, i) => {
      if (better(this.objective.direction, v, st.best)) {
        st.best = v;
        st.bestEpoch = i;
      }
    });
  }

  /** Saves a finished trial's best weights if it is among the best keepModels; drops those that fall out. */
  private keepIfBest(rec: TrialRecord, weights: WeightsBlob): void {
    const ranked = rankTrials(this.trials.map((t) => (t.id === rec.id ? rec : t)), this.objective.direction).slice(0, this.keepModels);
    if (!ranked.some((t) => t.id === rec.id)) return;
    this.storage.saveWeights(rec.id, 'best', weights);
    const keep = new Set(ranked.map((t) => t.id));
    for (const t of this.trialMap.values()) if (!keep.has(t.id) && t.id !== rec.id && this.storage.hasWeights(t.id, 'best')) this.storage.dropWeights(t.id, 'best');
  }

  private progressLine(rec: TrialRecord, elapsed: number, budgetEnd: number | null, maxTrials: number): string {
    const best = this.getBestTrials(1)[0];
    const hp = Object.entries(rec.values).map(([k, v]) => `${k}=${typeof v === 'number' ? fmtNum(v) : v}`).join(' ');
    const ep = rec.metrics[this.objective.name]?.length ?? 0;
    const of = Number.isFinite(maxTrials) ? `/${maxTrials}` : '';
    const time = budgetEnd === null ? fmtTime(elapsed) : `${fmtTime(elapsed)}/${fmtTime(budgetEnd)}`;
    const on = rec.rank === undefined ? '' : ` on rank ${rec.rank}`;
    return `[tuner] trial ${rec.id}${of}${on} ${rec.status.padEnd(9)} ${this.objective.name} ${fmt(rec.score)} ` +
      `(best ${best ? `${fmt(best.score)} #${best.id}` : '-'}) epochs ${rec.initialEpoch}->${rec.initialEpoch + ep} ${rec.duration.toFixed(1)}s [${time}] ${hp}` +
      (rec.error ? ` error: ${rec.error}` : '');
  }
}

function checkLimits(fn: string, o: { maxTrials?: number; timeBudgetSeconds?: number; parallelism?: number; verbose?: number }): void {
  if (o.maxTrials !== undefined) checkInt(fn, 'maxTrials', o.maxTrials, 1);
  if (o.timeBudgetSeconds !== undefined) checkNumber(fn, 'timeBudgetSeconds', o.timeBudgetSeconds, 0, Infinity, true);
  if (o.parallelism !== undefined) checkInt(fn, 'parallelism', o.parallelism, 1, 1024);
  if (o.verbose !== undefined && o.verbose !== 0 && o.verbose !== 1) throw rangeError(fn, `verbose must be 0 or 1, got ${show(o.verbose)}`);
}

function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor) && !ArrayBuffer.isView(v);
}

export type { HPValue };
