// fitDataset / evaluateDataset: training from a tf.data Dataset of batches,
// for data that does not fit in memory. Batches of one size are gathered into
// a chunk (~50 ms of steps, at most ~8 MB of rows) that trains in one native
// call on a worker thread, while JavaScript pulls and stages the next chunk
// from the dataset: producing data overlaps the arithmetic, and there is one
// crossing into native code per chunk, not per batch.
import { CallbackHooks, CallbackList, Logs, TrainableModel, TrainingParams, checkHooks } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { ProgressBar } from '../callbacks/progress_bar';
import { Dataset } from '../data/dataset';
import { checkInt, checkOptions, rangeError, show, typeError } from '../errors';
import type { NativeChunkResult, NativeData } from '../native';
import { Tensor } from '../tensor';
import { EpochTally } from './epoch_tally';

/** Options of {@link Sequential.fitDataset}. */
export interface FitDatasetArgs {
  /** Passes (default 1). Without batchesPerEpoch, an epoch is one pass over the dataset. */
  epochs?: number;
  /** Batches per epoch; the dataset is then read on across epochs, not restarted (TensorFlow.js). */
  batchesPerEpoch?: number;
  /** Epoch to start counting from (default 0). */
  initialEpoch?: number;
  /** Validation after each epoch: `[x, y]` tensors or a Dataset of batches. */
  validationData?: [unknown, unknown] | Dataset;
  /** Batch size for validation tensors (default 32). */
  validationBatchSize?: number;
  /** 0 = silent, 1 = progress bar, 2 = a line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Callbacks, as in fit. */
  callbacks?: CallbackHooks | CallbackHooks[];
  /** Stops training at the next step boundary; fitDataset then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link Sequential.evaluateDataset}. */
export interface EvaluateDatasetArgs {
  /** Batches to evaluate (default: the whole dataset). */
  batches?: number;
}

export const FIT_DATASET_OPTIONS = ['epochs', 'batchesPerEpoch', 'initialEpoch', 'validationData', 'validationBatchSize', 'verbose', 'callbacks', 'signal'] as const;
export const EVALUATE_DATASET_OPTIONS = ['batches'] as const;

/** One batch as the native engine reads it. */
type StagedBatch = NativeData;

/** @internal What the loop needs from the model (Sequential builds it). */
export interface DatasetFitHost {
  readonly metricCount: number;
  readonly logKeys: string[];
  /** Converts one dataset element (a batch) to native arrays; builds the model on the first. */
  stage(fn: string, element: unknown, index: number): StagedBatch;
  /** Trains `count` batches of `batchSize` rows held contiguously in `chunk`. */
  train(chunk: StagedBatch, batchSize: number, count: number): Promise<NativeChunkResult>;
  /** Loss and metric sums of one batch, in inference mode. */
  evaluate(batch: StagedBatch): Promise<{ lossSum: number; samples: number; metricSums: Float64Array }>;
  /** Logs of tensors [x, y] (fit's evaluate path). */
  evaluateTensors(x: unknown, y: unknown, batchSize: number): Promise<Logs>;
  meanLogs(loss: number, sums: ArrayLike<number>, samples: number): Logs;
  begin(signal: AbortSignal | undefined): void;
  end(): void;
  stopTraining: boolean;
  readonly model: TrainableModel;
}

/** Batches of at most this many rows' worth of bytes go into one chunk. */
const CHUNK_BYTES = 8 << 20;

/** Rows of batches b[from..to) copied into one contiguous batch. */
function concat(batches: StagedBatch[]): StagedBatch {
  if (batches.length === 1) return batches[0];
  const n = batches.reduce((a, b) => a + b.n, 0);
  const join = <T extends Float32Array | Int32Array>(parts: (T | null)[], make: (len: number) => T): T | null => {
    if (parts[0] === null) return null;
    const out = make(parts.reduce((a, p) => a + p!.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p!, at);
      at += p!.length;
    }
    return out;
  };
  return {
    x: join(batches.map((b) => b.x), (l) => new Float32Array(l))!,
    labels: join(batches.map((b) => b.labels), (l) => new Int32Array(l)),
    targets: join(batches.map((b) => b.targets), (l) => new Float32Array(l)),
    weights: join(batches.map((b) => b.weights), (l) => new Float32Array(l)),
    n,
  };
}

/** Pulls elements into chunks of equal-size batches. */
class ChunkReader {
  #it: AsyncIterator<unknown>;
  #pending: StagedBatch | null = null;
  #index = 0;
  done = false;

  constructor(it: AsyncIterator<unknown>, private host: DatasetFitHost, private fn: string) {
    this.#it = it;
  }

  /** Up to `max` batches of one size (fewer at a size change, the budget, or the end); null at the end. */
  async next(max: number, limit: number): Promise<{ chunk: StagedBatch; batchSize: number; count: number } | null> {
    const group: StagedBatch[] = [];
    let bytes = 0;
    while (group.length < max && group.length < limit) {
      let b = this.#pending;
      this.#pending = null;
      if (!b) {
        if (this.done) break;
        const r = await this.#it.next();
        if (r.done) {
          this.done = true;
          break;
        }
        b = this.host.stage(this.fn, r.value, this.#index++);
      }
      if (b.n === 0) throw rangeError(this.fn, `batch ${this.#index - 1} has no samples`);
      if (group.length > 0 && (b.n !== group[0].n || bytes + 4 * b.x.length > CHUNK_BYTES)) {
        this.#pending = b;
        break;
      }
      group.push(b);
      bytes += 4 * b.x.length;
    }
    if (group.length === 0) return null;
    return { chunk: concat(group), batchSize: group[0].n, count: group.length };
  }

  async close(): Promise<void> {
    await this.#it.return?.();
  }
}

/** @internal The fitDataset loop. */
export async function fitDatasetLoop(host: DatasetFitHost, dataset: Dataset, options: FitDatasetArgs | undefined): Promise<History> {
  const fn = 'fitDataset';
  if (!(dataset instanceof Dataset)) throw typeError(fn, `dataset must be a tf.data Dataset, got ${show(dataset)}`);
  const args = checkOptions(fn, options, FIT_DATASET_OPTIONS) as FitDatasetArgs;
  const epochs = checkInt(fn, 'epochs', args.epochs ?? 1, 0);
  const batchesPerEpoch = args.batchesPerEpoch === undefined ? null : checkInt(fn, 'batchesPerEpoch', args.batchesPerEpoch, 1);
  const initialEpoch = checkInt(fn, 'initialEpoch', args.initialEpoch ?? 0, 0);
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw rangeError(fn, `verbose must be 0, 1 or 2, got ${show(verbose)}`);
  const valBatch = checkInt(fn, 'validationBatchSize', args.validationBatchSize ?? 32, 1);
  const val = args.validationData;
  if (val !== undefined && !(val instanceof Dataset) && !(Array.isArray(val) && val.length === 2)) {
    throw typeError(fn, `validationData must be [x, y] or a Dataset, got ${show(val)}`);
  }
  const signal = args.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
  const userCallbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  for (const c of userCallbacks) if (c === null || typeof c !== 'object') throw typeError(fn, `callbacks must be objects, got ${show(c)}`);
  checkHooks(fn, userCallbacks);

  const steps = batchesPerEpoch ?? dataset.size ?? 0;
  const params: TrainingParams = {
    epochs, initialEpoch, samples: NaN, steps, batchSize: NaN, verbose,
    metrics: [...host.logKeys, ...(val ? host.logKeys.map((k) => `val_${k}`) : [])],
  };
  const history = new History();
  const callbacks = new CallbackList([history, ...(verbose ? [new ProgressBar(verbose)] : []), ...userCallbacks], fn);
  callbacks.setup(host.model, params);

  host.begin(signal);
  host.stopTraining = false;
  // With batchesPerEpoch the dataset is read on across epochs (one iterator).
  let reader: ChunkReader | null = null;
  try {
    signal?.throwIfAborted();
    await callbacks.trainBegin({});
    let perBatchMs = 0;
    for (let epoch = initialEpoch; epoch < epochs && !host.stopTraining; epoch++) {
      await callbacks.epochBegin(epoch, {});
      if (!reader || batchesPerEpoch === null || reader.done) {
        await reader?.close();
        reader = new ChunkReader(await dataset.iterator(), host, fn);
      }
      const tally = new EpochTally(host.metricCount, host.meanLogs);
      const left = () => (batchesPerEpoch === null ? Infinity : batchesPerEpoch - tally.batch);
      const max = () => (perBatchMs > 0 ? Math.max(1, Math.round(50 / perBatchMs)) : 1);
      let next = await reader.next(max(), left());
      while (next && !host.stopTraining) {
        const t0 = performance.now();
        signal?.throwIfAborted();
        const running_ = host.train(next.chunk, next.batchSize, next.count);
        const trainedCount = next.count;
        // Stage the following chunk while this one trains.
        const after = left() - trainedCount > 0 ? reader.next(max(), left() - trainedCount) : Promise.resolve(null);
        // A failure of the dataset surfaces only after the running chunk is
        // done: the model must not be released while native code trains it.
        const staged = after.then((v) => ({ v, e: null as unknown }), (e: unknown) => ({ v: null, e }));
        const r = await running_;
        const { v: following, e: stageError } = await staged;
        if (stageError) throw stageError;
        const ms = performance.now() - t0;
        if (r.batches > 0) perBatchMs = perBatchMs === 0 ? ms / r.batches : 0.5 * perBatchMs + 0.5 * (ms / r.batches);
        if (await tally.add(r, callbacks, verbose)) host.stopTraining = true;
        if (r.cancelled || signal?.aborted) signal?.throwIfAborted();
        next = following;
      }
      if (batchesPerEpoch !== null && tally.batch < batchesPerEpoch && !host.stopTraining) {
        throw rangeError(fn, `the dataset ended after ${tally.batch} batches of epoch ${epoch}, but batchesPerEpoch is ${batchesPerEpoch}; use repeat() or fewer batches`);
      }
      if (params.steps === 0) params.steps = tally.batch;
      if (tally.seen === 0) break;
      const logs = tally.logs();
      if (val && !tally.nonFinite) {
        const v = val instanceof Dataset ? await evaluateDatasetLoop(host, val, undefined, fn) : await host.evaluateTensors(val[0], val[1], valBatch);
        signal?.throwIfAborted();
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      await callbacks.epochEnd(epoch, logs);
    }
    await callbacks.trainEnd({});
  } finally {
    await reader?.close().catch(() => undefined);
    host.end();
  }
  return history;
}

/** @internal The evaluateDataset loop: loss and metrics over every batch (or the first `batches`). */
export async function evaluateDatasetLoop(host: DatasetFitHost, dataset: Dataset, options: EvaluateDatasetArgs | undefined, fn = 'evaluateDataset'): Promise<Logs> {
  if (!(dataset instanceof Dataset)) throw typeError(fn, `dataset must be a tf.data Dataset, got ${show(dataset)}`);
  const args = checkOptions(fn, options, EVALUATE_DATASET_OPTIONS) as EvaluateDatasetArgs;
  const limit = args.batches === undefined ? Infinity : checkInt(fn, 'batches', args.batches, 1);
  let lossSum = 0, samples = 0, index = 0;
  const sums = new Float64Array(host.metricCount);
  const it = await dataset.iterator();
  try {
    while (index < limit) {
      const r = await it.next();
      if (r.done) break;
      const b = host.stage(fn, r.value, index++);
      const e = await host.evaluate(b);
      lossSum += e.lossSum;
      samples += e.samples;
      e.metricSums.forEach((v, k) => (sums[k] += v));
    }
  } finally {
    await it.return?.();
  }
  if (samples === 0) throw rangeError(fn, 'the dataset has no samples');
  return host.meanLogs(lossSum / samples, sums, samples);
}

/**
 * @internal The parts of one dataset element: `{ xs, ys }` or `[xs, ys]`,
 * with an optional sample weight (`sampleWeight` / third entry). An `xs` that
 * is an object of one tensor (a named input) is that tensor.
 */
export function elementParts(fn: string, element: unknown, index: number, inputCount = 1, outputCount = 1): { xs: unknown; ys: unknown; sw: unknown } {
  let xs: unknown, ys: unknown, sw: unknown;
  if (Array.isArray(element) && (element.length === 2 || element.length === 3)) [xs, ys, sw] = element;
  else if (element !== null && typeof element === 'object' && !(element instanceof Tensor) && 'xs' in element && 'ys' in element) {
    const e = element as { xs: unknown; ys: unknown; sampleWeight?: unknown };
    [xs, ys, sw] = [e.xs, e.ys, e.sampleWeight];
  } else {
    throw typeError(fn, `batch ${index}: an element must be { xs, ys } or [xs, ys] (batched tensors), got ${show(element)}`);
  }
  const single = (v: unknown, name: string): unknown => {
    if (v === null || typeof v !== 'object' || v instanceof Tensor || Array.isArray(v) || ArrayBuffer.isView(v)) return v;
    const vals = Object.values(v);
    if (vals.length !== 1) throw typeError(fn, `batch ${index}: ${name} must be a tensor (this model has one ${name === 'xs' ? 'input' : 'output'}), got an object with ${vals.length} fields`);
    return vals[0];
  };
  // A model of several inputs (outputs) takes xs (ys) as an array or an object by name (packInputs, packTargets).
  return { xs: inputCount > 1 ? xs : single(xs, 'xs'), ys: outputCount > 1 ? ys : single(ys, 'ys'), sw };
}
