// tf.distributed: data-parallel work across processes over MPI (Open MPI),
// as Horovod does it: every process (rank) is started by `mpirun`, works on
// its share, and the ranks combine results with collectives. The MPI library
// is opened at run time, so nothing depends on it until init() is called.
import { checkNumber, checkOptions, show, typeError } from './errors';
import type { LayersModel } from './models/layers_model';
import { native } from './native';
import { currentJob, requireJob, setJob } from './rank_agreement';
import { Tensor } from './tensor';

/** Where this process stands in the job. */
export interface ProcessInfo {
  /** This process's index, 0 ... size - 1; rank 0 speaks (progress, checkpoints). */
  rank: number;
  /** Number of processes in the job. */
  size: number;
  /** Index among the processes on this host (e.g. to share out cores). */
  localRank: number;
}

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Seconds an exchange between ranks may wait for the others before it
   * fails (default 30). A rank that throws inside a distributed fit,
   * evaluate or predict stops the others at once; this bounds the wait for a
   * rank that stopped talking altogether (hangs, or left the operation).
   * After such a timeout MPI cannot be used again in the process.
   */
  timeout?: number;
}

let exitHook = false;

/**
 * Joins the MPI job this process was started in (`mpirun -np 4 node app.js`;
 * a process started alone is a job of one). Opens Open MPI's `libmpi` at run
 * time: without it, throws an error naming the package to install. Call it
 * once, before the model is built; later calls return the same figures (and
 * may change the timeout).
 */
export function init(options: InitOptions = {}): ProcessInfo {
  const fn = 'distributed.init';
  const args = checkOptions(fn, options, ['timeout'] as const);
  const timeout = args.timeout === undefined ? undefined : checkNumber(fn, 'timeout', args.timeout, 0.001, 1e6);
  const known = currentJob();
  if (!known) {
    const r = native.distributedInit();
    setJob({ rank: r.rank, size: r.size, localRank: r.localRank });
  }
  if (timeout !== undefined) native.distributedSetTimeout(timeout);
  if (!exitHook) {
    exitHook = true;
    // MPI must be finalized before the process exits, or mpirun reports the rank as failed.
    process.once('exit', () => native.distributedFinalize());
  }
  return currentJob()!;
}

/** The figures of {@link init}, or null before it. */
export function processInfo(): ProcessInfo | null {
  return currentJob();
}

/**
 * Makes every rank's weights those of rank `root` (default 0), so all ranks
 * start training from the same model. Every rank must call it, with models
 * of the same shape (a different shape is an error on every rank, not a hang).
 */
export function broadcastWeights(model: LayersModel, root = 0): void {
  const fn = 'distributed.broadcastWeights';
  const info = requireJob(fn);
  if (model === null || typeof model !== 'object' || typeof (model as LayersModel).getWeights !== 'function') {
    throw typeError(fn, `model must be a built model, got ${show(model)}`);
  }
  if (!Number.isInteger(root) || root < 0 || root >= info.size) throw typeError(fn, `root must be a rank in [0, ${info.size}), got ${show(root)}`);
  const weights = model.getWeights();
  // The shapes first, summed over ranks: a rank with another model makes every rank throw.
  // Four numbers on every rank (collectives need equal lengths): count, size and two hashes of the shapes.
  let h1 = 17, h2 = 3;
  weights.forEach((w, i) => {
    for (const d of [w.shape.length, ...w.shape]) {
      h1 = (h1 * 31 + d + 1) % 1_000_000_007;
      h2 = (h2 * 131 + (d + 1) * (i + 1)) % 999_983;
    }
  });
  const signature = new Float64Array([weights.length, weights.reduce((a, w) => a + w.size, 0), h1, h2]);
  const sum = Float64Array.from(signature);
  native.distributedAllreduceSum(sum);
  const mismatch = sum.some((v, i) => v !== signature[i] * info.size);
  if (mismatch) throw new Error(`${fn}: the ranks' models differ in their weight shapes; every rank must build the same model`);
  const total = weights.reduce((a, w) => a + w.size, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const w of weights) {
    flat.set(w.dataSync() as Float32Array, at);
    at += w.size;
  }
  native.distributedBroadcast(flat, root);
  at = 0;
  model.setWeights(weights.map((w) => {
    const t = new Tensor(flat.slice(at, at + w.size), [...w.shape], 'float32');
    at += w.size;
    return t;
  }));
}

/** Averages `values` over the ranks, in place (every rank must call it with the same length). */
export function allreduceMean(values: Float32Array): Float32Array {
  const fn = 'distributed.allreduceMean';
  requireJob(fn);
  if (!(values instanceof Float32Array)) throw typeError(fn, `values must be a Float32Array, got ${show(values)}`);
  checkSameLength(fn, values.length);
  native.distributedAllreduceMean(values);
  return values;
}

/** Waits until every rank has called it. */
export function barrier(): void {
  requireJob('distributed.barrier');
  native.distributedBarrier();
}

/** A length that differs between ranks would make MPI read past a buffer: compare it first. */
function checkSameLength(fn: string, n: number): void {
  const info = requireJob(fn);
  const both = new Float64Array([n, n * n]);
  native.distributedAllreduceSum(both);
  // Equal lengths give sum = size * n and sum of squares = size * n^2.
  if (both[0] !== info.size * n || both[1] !== info.size * n * n) throw new Error(`${fn}: the ranks passed arrays of different lengths`);
}
