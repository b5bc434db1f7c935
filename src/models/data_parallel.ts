// fit / evaluate / predict with `distributed: true` (issue 22), as Horovod
// and Keras's distribution strategies do it: every rank holds the same model
// and the same data; fit's batchSize is the global batch, each rank trains on
// its share of every batch of the one shuffled order, and each step sums the
// gradients over the ranks in native code (native/trainer.cc) before the
// update every rank makes. What is here: the handshake that checks the ranks
// agree, the copy of rank 0's weights and optimizer state, the fit loop's
// agreement points, and the evaluation and prediction of shares.
import type { CallbackHooks, Logs } from '../callbacks/callback';
import { CSVLogger } from '../callbacks/csv_logger';
import { ModelCheckpoint } from '../callbacks/model_checkpoint';
import { TensorBoard } from '../callbacks/tensorboard';
import { native } from '../native';
import type { NativeModel } from '../native';
import { Agreed, JobInfo, OPERATION, agreedError, exchange, exchangeSync, fingerprint, sampled } from '../rank_agreement';
import type { Features, Targets } from './data';
import type { CompiledConfig } from './model_args';
import type { WeightLayout } from './weight_layout';

/** @internal The handshake values describing a model: its weight shapes and how it is compiled (0 when not compiled). */
export function modelFields(weights: WeightLayout, compiled: CompiledConfig | null): Agreed[] {
  const shapes = fingerprint(weights.slots.flatMap((s) => [s.trainable ? 1 : 0, s.shape.length, ...s.shape]));
  const loss = compiled?.loss;
  const lossText = typeof loss === 'function' ? ['function', loss.name] : loss ? [loss.name, loss.fromLogits, loss.delta] : [];
  const text = compiled ? JSON.stringify([...lossText, compiled.metrics.map((m) => m.key),
    compiled.optimizer.toNative(), compiled.outputs ? [compiled.outputs.losses.map((l) => (typeof l === 'function' ? ['function', l.name] : [l.name, l.fromLogits, l.delta])), compiled.outputs.weights,
      compiled.outputs.metrics.map((m) => m.map((x) => x.key))] : null]) : '';
  return [
    { what: 'models (their weight shapes differ)', value: shapes, hash: true },
    { what: 'models (their numbers of weights differ)', value: weights.trainableSize + weights.stateSize },
    { what: 'compile settings (optimizer, loss or metrics)', value: fingerprint(Array.from(text, (c) => c.charCodeAt(0))), hash: true },
  ];
}

/** @internal The handshake values describing data (or its absence: null): its size and a fingerprint of its values. */
export function dataFields(name: string, x: Features | null, t: Targets | null, w: Float32Array | null): Agreed[] {
  return [
    { what: `numbers of ${name} samples`, value: x ? x.n : -1 },
    { what: `${name} data (x, y or sample weights differ)`, value: x ? fingerprint([...sampled(x.values), ...sampled(t?.labels ?? null), ...sampled(t?.targets ?? null), ...sampled(w)]) : 0, hash: true },
  ];
}

/** @internal The operation code, first in every handshake. */
export function operationField(op: keyof typeof OPERATION): Agreed {
  return { what: 'operations (one rank called fit, another evaluate or predict?)', value: OPERATION[op] };
}

/**
 * @internal Makes every rank's weights, non-trainable state and optimizer
 * state rank 0's, so all ranks start a distributed fit from one model.
 */
export async function copyRank0Model(nm: NativeModel, weights: WeightLayout, job: JobInfo): Promise<void> {
  const [params, state] = weights.read(nm);
  const opt = nm.optimizerState();
  // The optimizer's counters as numbers: rank 0's, exactly (max of its value and -Infinity elsewhere).
  const counters = new Float64Array(job.rank === 0 ? [opt.iterations, opt.nadamMomentumProduct] : [-Infinity, -Infinity]);
  await exchange('fit', counters, 'max');
  const slotSizes = opt.slots.map((s) => s.length);
  const flat = new Float32Array(params.length + state.length + slotSizes.reduce((a, b) => a + b, 0));
  flat.set(params, 0);
  flat.set(state, params.length);
  let at = params.length + state.length;
  for (const s of opt.slots) {
    flat.set(s, at);
    at += s.length;
  }
  native.distributedBroadcast(flat, 0);
  if (job.rank === 0) return;
  nm.writeWeights(true, flat.subarray(0, params.length));
  nm.writeWeights(false, flat.subarray(params.length, params.length + state.length));
  at = params.length + state.length;
  nm.setOptimizerState(counters[0], counters[1], slotSizes.map((n) => {
    const s = flat.slice(at, at + n);
    at += n;
    return s;
  }));
}

/**
 * @internal Averages the non-trainable state (moving statistics) over the
 * ranks: each rank's batch normalization saw its own shares, and every rank
 * must hold one model.
 */
export async function averageState(nm: NativeModel, weights: WeightLayout, job: JobInfo): Promise<void> {
  if (weights.stateSize === 0 || job.size === 1) return;
  const state = weights.read(nm)[1];
  const sums = await exchange('fit', Float64Array.from(state), 'sum');
  for (let i = 0; i < state.length; i++) state[i] = sums[i] / job.size;
  nm.writeWeights(false, state);
}

/** The callbacks that write files: rank 0's job, as printing the progress bar is. */
function writesFiles(c: CallbackHooks): boolean {
  return c instanceof ModelCheckpoint || c instanceof CSVLogger || c instanceof TensorBoard;
}

/** @internal The callbacks a rank runs: all of them on rank 0; elsewhere all but those that write files. */
export function callbacksOfRank(callbacks: CallbackHooks[], job: JobInfo): CallbackHooks[] {
  return job.rank === 0 ? callbacks : callbacks.filter((c) => !writesFiles(c));
}

/** @internal Where a rank is in fit's loop: ranks that disagree went out of step. */
export const FIT_PHASE = { epoch: 1, chunk: 2, end: 3 } as const;

/** @internal What fit's loop agrees on at each boundary. */
export interface Boundary {
  stop: boolean;
  count: number;
  nextCount: number;
}

/**
 * @internal One agreement point of fit's loop: training stops when any rank
 * asks to, and the chunk lengths are rank 0's (each rank times its own
 * chunks; all must run the same ones).
 */
export async function agreeBoundary(fn: string, phase: number, local: Boundary, job: JobInfo): Promise<Boundary> {
  const v = new Float64Array([phase, -phase, local.stop ? 1 : 0, job.rank === 0 ? local.count : -1, job.rank === 0 ? local.nextCount : -1]);
  await exchange(fn, v, 'max');
  if (v[0] !== -v[1]) {
    throw agreedError(new Error(`${fn}: the ranks' training loops went out of step (a callback that changes stopTraining or the data on some ranks only?)`));
  }
  return { stop: v[2] > 0, count: v[3], nextCount: v[4] };
}

/** @internal Sums of an evaluation: loss times samples, samples, per metric the sum over samples. */
export interface EvalSums {
  lossSum: number;
  samples: number;
  metricSums: Float64Array;
}

/** @internal Adds every rank's sums: the evaluation of all shares, i.e. of the whole data. */
export async function sumOverRanks(fn: string, r: EvalSums): Promise<EvalSums> {
  const v = new Float64Array([r.lossSum, r.samples, ...r.metricSums]);
  await exchange(fn, v, 'sum');
  return { lossSum: v[0], samples: v[1], metricSums: v.slice(2) };
}

/** @internal Logs from sums, as a single process would report them. */
export function logsOf(r: EvalSums, meanLogs: (loss: number, sums: ArrayLike<number>, samples: number) => Logs): Logs {
  return meanLogs(r.samples ? r.lossSum / r.samples : NaN, r.metricSums, r.samples);
}

/**
 * @internal Fills every rank's share of `out` (n rows of `units`) from the
 * rank that predicted it: rank r's rows are `shareOf(n, r, size)`.
 */
export function gatherRows(fn: string, out: Float32Array, n: number, units: number, job: JobInfo): void {
  // The control round first: a rank whose own share failed has reported it there.
  exchangeSync(fn, new Float64Array(0), 'max');
  const counts = new Float64Array(job.size);
  for (let r = 0; r < job.size; r++) counts[r] = (Math.floor((n * (r + 1)) / job.size) - Math.floor((n * r) / job.size)) * units;
  native.distributedAllgather(out, counts);
}
