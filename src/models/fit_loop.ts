// fit's training loop over in-memory data: the epoch's shuffled order, the
// scheduling of native chunks (each ~50 ms of steps, the next chunk's rows
// staged while this one trains), the batch and epoch events and the history.
// The model (layers_model.ts) checks the arguments and owns the native model;
// this module only drives it.
import { CallbackHooks, CallbackList, Logs, TrainableModel, TrainingParams } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { ProgressBar } from '../callbacks/progress_bar';
import type { NativeChunkResult } from '../native';
import { Random } from '../random';
import { Boundary, FIT_PHASE } from './data_parallel';
import { EpochTally } from './epoch_tally';
import type { Features, Targets } from './data';
import { assertFinite } from './finite';
import { sliceRows, sizeOf } from './model_args';

/** @internal Samples with their targets and optional per-sample loss weights. */
export interface LabelledData {
  x: Features;
  t: Targets;
  w: Float32Array | null;
}

/** @internal One fit call, its arguments checked. */
export interface FitPlan {
  train: LabelledData;
  val: LabelledData | null;
  /** Inputs to check for NaN and infinity, off the event loop, before the first step (x whole, and validationData's x). */
  finiteChecks: Features[];
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  shuffle: boolean;
  verbose: 0 | 1 | 2;
  callbacks: CallbackHooks[];
  rng: Random;
  signal: AbortSignal | undefined;
  /** History keys without the `val_` ones. */
  logKeys: string[];
  metricCount: number;
}

/** @internal What the loop needs from the model. */
export interface FitHost {
  readonly model: TrainableModel;
  /**
   * Trains batches [first, first + count) of `order` under the model's write
   * lock; stages the rows of [nextFirst, nextFirst + nextCount) meanwhile.
   * `beforeStart` runs in the same synchronous block as the native call.
   */
  trainChunk(data: LabelledData, order: Int32Array, batchSize: number, first: number, count: number,
    nextFirst: number, nextCount: number, epochId: number, beforeStart: () => void): Promise<NativeChunkResult>;
  /** Loss and metrics of `data` in inference mode. */
  evaluate(data: LabelledData, batchSize: number): Promise<Logs>;
  meanLogs(loss: number, sums: ArrayLike<number>, samples: number): Logs;
  /** A fresh id for an epoch's order (the native prefetch keys on it). */
  nextEpochId(): number;
  /** Set in a distributed fit: the points where the ranks agree (data_parallel.ts). */
  readonly ranks?: RankHooks;
}

/** @internal The agreement points of a distributed fit; every rank passes the same ones in the same order. */
export interface RankHooks {
  /** Stop if any rank asks to; the chunk lengths are rank 0's. `phase` tells the loop's places apart. */
  boundary(phase: number, local: Boundary): Promise<Boundary>;
  /** After an epoch's training: the non-trainable state averaged over the ranks. */
  endEpoch(): Promise<void>;
}

/** Target wall time of one native chunk: callbacks and the progress bar stay live; the thread hop (~tens of µs) is negligible. */
const CHUNK_MS = 50;

/** Fisher-Yates over 0..n-1 with the fit's generator. */
function shuffledOrder(order: Int32Array, shuffle: boolean, rng: Random): void {
  const n = order.length;
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
}

/** @internal Runs a checked fit plan to its end; resolves to the History. */
export async function runFit(host: FitHost, plan: FitPlan): Promise<History> {
  const { train, val, batchSize, verbose, signal } = plan;
  const n = train.x.n;
  const steps = Math.ceil(n / batchSize);
  const params: TrainingParams = {
    epochs: plan.epochs, initialEpoch: plan.initialEpoch, samples: n, steps, batchSize, verbose,
    metrics: [...plan.logKeys, ...(val ? plan.logKeys.map((k) => `val_${k}`) : [])],
  };
  const history = new History();
  const callbacks = new CallbackList([history, ...(verbose ? [new ProgressBar(verbose)] : []), ...plan.callbacks]);
  const model = host.model;
  callbacks.setup(model, params);
  const order = new Int32Array(n);

  signal?.throwIfAborted();
  for (const x of plan.finiteChecks) await assertFinite('fit', x);
  await callbacks.trainBegin({});
  let perBatchMs = 0;
  // The fit's first chunk (one batch) also pays one-time costs: workspaces, optimizer slots, packing space, thread
  // wake-ups. Timing it made the large MLP's first chunk look 8x slower per batch than later ones, so the chunks after
  // it stayed short (and each short chunk pays its hop again) for ~30 batches; the second chunk (one batch) times instead.
  let warmedUp = false;
  // At most ~8 MB of rows per chunk: each chunk trains on a private copy made on this thread.
  const maxChunk = Math.max(1, Math.floor(sliceRows(sizeOf(train.x.sampleShape)) / batchSize));
  const chunkFor = (from: number): number =>
    perBatchMs > 0 ? Math.max(1, Math.min(steps - from, maxChunk, Math.round(CHUNK_MS / perBatchMs))) : 1;
  // A distributed fit agrees at each boundary: a rank whose callback stopped training stops them all.
  const ranks = host.ranks;
  const agreeToStop = async (phase: number): Promise<boolean> => {
    if (ranks) model.stopTraining = (await ranks.boundary(phase, { stop: model.stopTraining, count: 0, nextCount: 0 })).stop;
    return model.stopTraining;
  };
  for (let epoch = plan.initialEpoch; epoch < plan.epochs; epoch++) {
    if (await agreeToStop(FIT_PHASE.epoch)) break;
    await callbacks.epochBegin(epoch, {});
    shuffledOrder(order, plan.shuffle, plan.rng);
    const tally = new EpochTally(plan.metricCount, host.meanLogs);
    const epochId = host.nextEpochId();
    let staged: { first: number; count: number } | null = null;
    while (tally.batch < steps) {
      const batch = tally.batch;
      let count: number = staged && staged.first === batch ? staged.count : chunkFor(batch);
      let nextFirst: number = batch + count;
      // Before any timing, the next chunk is one batch too: staged while this one trains.
      let nextCount: number = nextFirst < steps ? chunkFor(nextFirst) : 0;
      if (ranks) {
        const agreed = await ranks.boundary(FIT_PHASE.chunk, { stop: model.stopTraining, count, nextCount });
        model.stopTraining = agreed.stop;
        count = agreed.count;
        nextFirst = batch + count;
        nextCount = agreed.nextCount;
      }
      if (model.stopTraining) break;
      const t0 = performance.now();
      // An abort that arrived while waiting for the lock (callbacks, readers) is not lost: checked next to the native call.
      const r = await host.trainChunk(train, order, batchSize, batch, count, nextFirst, nextCount, epochId, () => signal?.throwIfAborted());
      staged = nextCount > 0 ? { first: nextFirst, count: nextCount } : null;
      const ms = performance.now() - t0;
      if (r.batches > 0 && warmedUp) perBatchMs = perBatchMs === 0 ? ms / r.batches : 0.5 * perBatchMs + 0.5 * (ms / r.batches);
      warmedUp ||= r.batches > 0;
      if (await tally.add(r, callbacks, verbose)) model.stopTraining = true;
      if (r.cancelled || signal?.aborted) signal?.throwIfAborted();
    }
    if (tally.seen === 0) break;
    await ranks?.endEpoch();
    const logs = tally.logs();
    if (val && !tally.nonFinite) {
      const v = await host.evaluate(val, batchSize);
      signal?.throwIfAborted();
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    await callbacks.epochEnd(epoch, logs);
  }
  await callbacks.trainEnd({});
  // The last agreement: a rank whose onTrainEnd threw fails the others' fit too.
  await ranks?.boundary(FIT_PHASE.end, { stop: true, count: 0, nextCount: 0 });
  return history;
}
