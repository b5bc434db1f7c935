// What the distributed operations (fit, evaluate, predict with
// `distributed: true`) share: the job this process joined, running an
// operation so that a failure on one rank is an error on every rank
// (native/rank_agreement.h: every exchange starts with a control round that a
// failing rank joins with its message), the handshake that checks every rank
// was given the same model and arguments, and the shares of the data.
import { rangeError, show, typeError } from './errors';
import { native } from './native';

/** @internal Where this process stands in the MPI job. */
export interface JobInfo {
  rank: number;
  size: number;
  localRank: number;
}

let job: JobInfo | null = null;

/** @internal */
export function setJob(info: JobInfo): void {
  job = { ...info };
}

/** @internal The job of tf.distributed.init(), or null before it. */
export function currentJob(): JobInfo | null {
  return job ? { ...job } : null;
}

/** @internal The job, or the error of a distributed call before init(). */
export function requireJob(fn: string): JobInfo {
  if (!job) throw new Error(`${fn}: call tf.distributed.init() first`);
  return { ...job };
}

/**
 * @internal The job when `options.distributed` is true, else null. Throws
 * (on this rank only: MPI is not running) when init() was not called.
 */
export function distributedJob(fn: string, options: unknown): JobInfo | null {
  if (options === null || typeof options !== 'object' || (options as { distributed?: unknown }).distributed !== true) return null;
  if (!job) throw new Error(`${fn}: distributed: true needs tf.distributed.init() first (and the program started by mpirun)`);
  return { ...job };
}

/** Errors every rank raised together: nothing to tell the others. */
const agreedErrors = new WeakSet<object>();

/** @internal Throws `e` on every rank at once (every rank computed the same verdict). */
export function agreedError(e: Error): Error {
  agreedErrors.add(e);
  return e;
}

function report(fn: string, e: unknown): void {
  if (e !== null && typeof e === 'object' && agreedErrors.has(e)) return;
  const message = e instanceof Error ? e.message : String(e);
  try {
    // Native decides: nothing to do when the error came out of a control round.
    native.distributedReportFailure(message.startsWith(`${fn}: `) ? message.slice(fn.length + 2) : message);
  } catch {
    // MPI broke (timeout) while telling them: this rank's own error is the one to throw.
  }
}

/**
 * @internal Runs a distributed operation: if it throws on this rank, the
 * other ranks hear of it at their next exchange and throw too.
 */
export async function runAgreed<T>(fn: string, body: () => Promise<T>): Promise<T> {
  native.distributedClearFailure();
  try {
    return await body();
  } catch (e) {
    report(fn, e);
    throw e;
  } finally {
    native.distributedClearFailure();
  }
}

/** @internal {@link runAgreed} for synchronous operations. */
export function runAgreedSync<T>(fn: string, body: () => T): T {
  native.distributedClearFailure();
  try {
    return body();
  } catch (e) {
    report(fn, e);
    throw e;
  } finally {
    native.distributedClearFailure();
  }
}

/** Errors of an exchange carry the operation's name (`fit: rank 1 failed: ...`). */
function relabelled(fn: string, e: unknown): unknown {
  if (e instanceof Error) e.message = e.message.replace(/^distributed\.exchange: /, `${fn}: `);
  return e;
}

/** @internal A control round, then `values` reduced over the ranks in place, off the event loop. */
export async function exchange(fn: string, values: Float64Array, op: 'sum' | 'max'): Promise<Float64Array> {
  try {
    await native.distributedExchangeAsync(values, op);
  } catch (e) {
    throw relabelled(fn, e);
  }
  return values;
}

/** @internal {@link exchange} on the calling thread. */
export function exchangeSync(fn: string, values: Float64Array, op: 'sum' | 'max'): Float64Array {
  try {
    native.distributedExchange(values, op);
  } catch (e) {
    throw relabelled(fn, e);
  }
  return values;
}

/** @internal One value every rank must agree on, and how to name it when they do not. */
export interface Agreed {
  /** Names the value in the error, e.g. 'batchSize' or 'the number of samples'. */
  what: string;
  value: number;
  /** Whether the value is a fingerprint (its range means nothing to a reader). */
  hash?: boolean;
}

/**
 * Values per handshake, whatever the operation: ranks that called different
 * operations must still exchange equal lengths (MPI would fail on unequal
 * ones), and then the operation code tells them apart.
 */
const HANDSHAKE_FIELDS = 16;

/** @internal The numbers of a handshake: the values that must be equal (padded), and one taken from rank 0. */
function handshakeValues(fields: readonly Agreed[], fromRank0: number, rank: number): Float64Array {
  if (fields.length > HANDSHAKE_FIELDS) throw new Error(`handshake: ${fields.length} values, at most ${HANDSHAKE_FIELDS}`);
  const v = new Float64Array(2 * HANDSHAKE_FIELDS + 1);
  fields.forEach((f, i) => {
    if (!Number.isFinite(f.value)) throw typeError('handshake', `${f.what} must be finite, got ${show(f.value)}`);
    v[2 * i] = f.value;
    v[2 * i + 1] = -f.value;
  });
  // The max over ranks of rank 0's value and -Infinity elsewhere is rank 0's value.
  v[2 * HANDSHAKE_FIELDS] = rank === 0 ? fromRank0 : -Infinity;
  return v;
}

function handshakeVerdict(fn: string, fields: readonly Agreed[], v: Float64Array): number {
  fields.forEach((f, i) => {
    const max = v[2 * i];
    const min = -v[2 * i + 1];
    if (max === min) return;
    const detail = f.hash ? '' : ` (from ${min} to ${max})`;
    throw agreedError(new Error(`${fn}: the ranks were given different ${f.what}${detail}; every rank must run the same program on the same data`));
  });
  return v[2 * HANDSHAKE_FIELDS];
}

/**
 * @internal Checks that every rank passed the same values (max and min over
 * the ranks in one reduction) and returns rank 0's `fromRank0` (a seed).
 * A difference is an error on every rank naming the value.
 */
export async function handshake(fn: string, fields: readonly Agreed[], fromRank0 = 0): Promise<number> {
  const v = handshakeValues(fields, fromRank0, requireJob(fn).rank);
  return handshakeVerdict(fn, fields, await exchange(fn, v, 'max'));
}

/** @internal {@link handshake} on the calling thread. */
export function handshakeSync(fn: string, fields: readonly Agreed[], fromRank0 = 0): number {
  const v = handshakeValues(fields, fromRank0, requireJob(fn).rank);
  return handshakeVerdict(fn, fields, exchangeSync(fn, v, 'max'));
}

/** @internal Codes of the operations, so that ranks calling different ones fail instead of mixing them up. */
export const OPERATION = { fit: 1, evaluate: 2, predict: 3, search: 4 } as const;

/**
 * @internal A 52-bit fingerprint of numbers (FNV-1a over their float64
 * bits, two 26-bit halves): equal inputs give equal fingerprints on every
 * rank, and a difference almost surely shows.
 */
export function fingerprint(values: Iterable<number>): number {
  const f = new Float64Array(1);
  const bits = new Uint32Array(f.buffer);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const x of values) {
    f[0] = x;
    for (const w of bits) {
      a = Math.imul(a ^ w, 16777619) >>> 0;
      b = Math.imul(b ^ (w >>> 7) ^ a, 2246822519) >>> 0;
    }
  }
  return (a & 0x3ffffff) * 2 ** 26 + (b & 0x3ffffff);
}

/** @internal Up to `limit` evenly spaced elements of `a` (a cheap fingerprint of large data). */
export function* sampled(a: ArrayLike<number> | null, limit = 1 << 16): Iterable<number> {
  if (!a) return;
  yield a.length;
  const step = Math.max(1, Math.floor(a.length / limit));
  for (let i = 0; i < a.length; i += step) yield a[i];
}

/** @internal Samples [begin, end) of n that `rank` of `size` works on: as equal as possible, in rank order (native/data_parallel.h). */
export function shareOf(n: number, rank: number, size: number): { begin: number; end: number } {
  return { begin: Math.floor((n * rank) / size), end: Math.floor((n * (rank + 1)) / size) };
}

/** @internal Every rank needs a share of each batch. */
export function checkBatchForRanks(fn: string, batchSize: number, size: number): void {
  if (batchSize < size) {
    throw agreedError(rangeError(fn, `batchSize ${batchSize} is smaller than the number of ranks (${size}): every rank needs a share of each batch; batchSize is the global batch`));
  }
}
