// The tuner across MPI ranks (`search(..., { distributed: true })`): rank 0
// keeps the study (storage, strategy, pruner) and hands out trials; every rank
// runs trials, and each sends its epochs and results back to rank 0, which
// answers each epoch with the pruner's verdict. The messages are MPI
// point-to-point byte messages (native/mpi_runtime.h: MPI_Isend, MPI_Iprobe +
// MPI_Irecv), polled from the event loop, which trials leave free (their fits
// run natively on worker threads). This file is the protocol: the encoding,
// a mailbox with heartbeats, rank 0's side (Coordinator) and the others'
// (WorkerLink). What a trial is stays in tuner.ts.
import { native } from '../native';
import { decodeWeights, encodeWeights, WeightsBlob } from './storage';

/** @internal Messages of one search session. */
export type Message =
  | { t: 'hello'; parallelism: number }
  | { t: 'ping' }
  | { t: 'trial'; id: number; values: Record<string, unknown>; epochs: number; initialEpoch: number; parent: number | null; seed: number; checkpoint: boolean }
  | { t: 'epoch'; id: number; epoch: number; logs: Record<string, number> }
  | { t: 'verdict'; id: number; stop: string | null; best: boolean }
  | { t: 'stop'; id: number; why: string }
  | { t: 'result'; id: number; params: number | null; error?: string; config?: boolean; result?: unknown; values?: Record<string, unknown>; specs?: unknown[]; best?: boolean; ckpt?: boolean }
  | { t: 'fatal'; origin: number; message: string }
  | { t: 'done'; trials: unknown[]; space: unknown[]; result: Record<string, unknown> };

type Blobs = WeightsBlob[];

// NaN and infinities survive JSON as {"$f": "NaN"} (a metric may be NaN).
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $f: String(v) } : v);
const reviver = (_k: string, v: unknown) => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$f') return Number((v as { $f: string }).$f);
  }
  return v;
};

/** @internal u32 JSON length, the JSON, then each blob as u32 length + its bytes (storage's weights format). */
export function encodeMessage(m: Message, blobs: Blobs = []): Uint8Array {
  const json = Buffer.from(JSON.stringify({ m, blobs: blobs.length }, replacer), 'utf8');
  const parts = blobs.map((b) => encodeWeights(b));
  const out = Buffer.alloc(4 + json.length + parts.reduce((a, p) => a + 4 + p.length, 0));
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let at = 4 + json.length;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** @internal The inverse of {@link encodeMessage}. */
export function decodeMessage(data: Uint8Array): { m: Message; blobs: Blobs } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = buf.readUInt32LE(0);
  const head = JSON.parse(buf.toString('utf8', 4, 4 + n), reviver) as { m: Message; blobs: number };
  const blobs: Blobs = [];
  let at = 4 + n;
  for (let k = 0; k < head.blobs; k++) {
    const len = buf.readUInt32LE(at);
    blobs.push(decodeWeights('a message', Buffer.from(buf.subarray(at + 4, at + 4 + len))));
    at += 4 + len;
  }
  return { m: head.m, blobs };
}

// Every rank counts its distributed searches, so each session has its own
// tag and a late message of an earlier session is recognised and dropped.
let sessions = 0;
// Polling backs off from 1 ms after a message or a send to 16 ms when idle: a
// rank waiting for a verdict hears it within a millisecond or two of its
// arrival, and an idle rank spends next to nothing (a poll costs under a
// microsecond here, MPI_Iprobe with Open MPI's shared memory transport).
// While an answer is due (rank 0 with trials out on other ranks, whose epoch
// reports wait for its verdict; a rank waiting for work or a verdict) it
// stays at 1 ms: backing off there cost each remote epoch up to 16 ms, and
// with 0.2-s trials rank 1 ran 8 of 32 trials against rank 0's 24.
const POLL_MIN_MS = 1;
const POLL_MAX_MS = 16;
// A pause of this process longer than this (its event loop was blocked) does
// not count as a peer's silence: this rank was not listening, and MPI hands
// over what arrived meanwhile only over the next polls.
const AWAY_MS = 100;

/** @internal The error of another rank, as every rank words it. */
export function rankFailed(fn: string, origin: number, message: string): Error {
  return new Error(`${fn}: rank ${origin} failed: ${message.startsWith(`${fn}: `) ? message.slice(fn.length + 2) : message}`);
}

/**
 * Messages of one session with some ranks: polls every few milliseconds,
 * sends a heartbeat to each peer when it has sent nothing for a quarter of
 * the MPI timeout, and fails when a watched peer has been silent for the
 * whole timeout (it stopped, hangs, or blocks its event loop).
 */
class Mailbox {
  private readonly tag: number;
  private readonly timeoutMs: number;
  private readonly lastSent = new Map<number, number>();
  private readonly lastHeard = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private interval = POLL_MIN_MS;
  private lastPump = performance.now();
  /** Set when the mailbox failed (MPI error, silent peer); it stops polling then. */
  failure: Error | null = null;

  constructor(private readonly fn: string, readonly rank: number, private readonly peers: number[],
    private readonly onMessage: (source: number, m: Message, blobs: Blobs) => void, private readonly onFailure: (e: Error) => void,
    private readonly answerDue: () => boolean = () => false) {
    this.tag = 1 + (sessions++ % 32000);
    this.timeoutMs = native.distributedTimeout() * 1000;
    const now = performance.now();
    for (const p of peers) {
      this.lastHeard.set(p, now);
      this.lastSent.set(p, now);
    }
  }

  start(): void {
    this.polling = true;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const busy = this.pump();
      this.interval = busy || this.answerDue() ? POLL_MIN_MS : Math.min(POLL_MAX_MS, this.interval * 2);
      // (pump may have stopped the mailbox: a message ended the session.)
      if (this.polling) this.schedule(this.interval);
    }, ms);
  }

  /** Stops polling for good: a later session must not have its messages taken (and dropped) here. */
  stop(): void {
    this.polling = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends (also after a failure: the other ranks must still hear of it; on a broken MPI, native throws and nothing goes). */
  send(dest: number, m: Message, blobs: Blobs = []): void {
    try {
      native.distributedSend(dest, this.tag, encodeMessage(m, blobs));
      this.lastSent.set(dest, performance.now());
      if (m.t !== 'ping') this.hurry();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Polls soon: an answer is expected. */
  private hurry(): void {
    this.interval = POLL_MIN_MS;
    // (Inside pump, timer is null and the next one is scheduled after it.)
    if (this.polling && this.timer) this.schedule(POLL_MIN_MS);
  }

  /** Waits (bounded by the timeout in native code) until the sends have been taken. */
  async flush(): Promise<void> {
    for (;;) {
      try {
        if (native.distributedPendingSends() === 0) return;
      } catch (e) {
        this.fail(e);
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MIN_MS));
    }
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    const message = e instanceof Error ? e.message : String(e);
    this.failure = new Error(message.startsWith(`${this.fn}: `) ? message : `${this.fn}: ${message}`);
    this.stop();
    this.onFailure(this.failure);
  }

  /** Receives what is waiting; whether anything was. */
  private pump(): boolean {
    let busy = false;
    this.excuse(performance.now() - this.lastPump);
    try {
      for (;;) {
        const got = native.distributedPoll();
        if (got === null) break;
        busy = true;
        if (got.tag !== this.tag) continue; // an earlier session's
        this.lastHeard.set(got.source, performance.now());
        const { m, blobs } = decodeMessage(got.data);
        const before = performance.now();
        if (m.t !== 'ping') this.onMessage(got.source, m, blobs);
        this.excuse(performance.now() - before);
        if (this.failure || !this.polling) return busy;
      }
      const now = performance.now();
      for (const p of this.peers) {
        if (now - this.lastSent.get(p)! > this.timeoutMs / 4) this.send(p, { t: 'ping' });
        if (now - this.lastHeard.get(p)! > this.timeoutMs) {
          throw new Error(`rank ${p} sent nothing for ${this.timeoutMs / 1000} s (it stopped, hangs, or blocks its event loop)`);
        }
      }
    } catch (e) {
      this.fail(e);
    }
    this.lastPump = performance.now();
    return busy;
  }

  /** This process was away for `ms` (not listening): the peers' silence clocks do not count it. */
  private excuse(ms: number): void {
    if (ms <= AWAY_MS) return;
    for (const [p, t] of this.lastHeard) this.lastHeard.set(p, t + ms);
  }
}

/** A trial rank 0 runs on another rank. */
interface RemoteTrial {
  rank: number;
  onEpoch(epoch: number, logs: Record<string, number>): { stop: string | null; best: boolean };
  resolve(r: { m: Extract<Message, { t: 'result' }>; blobs: Blobs }): void;
  reject(e: Error): void;
}

/** @internal Rank 0's side: the other ranks' free slots, the trials they run, and the messages. */
export class Coordinator {
  private readonly mailbox: Mailbox;
  private readonly capacity = new Map<number, number>();
  private readonly busy = new Map<number, Set<number>>();
  private readonly trials = new Map<number, RemoteTrial>();
  private waiters: (() => void)[] = [];
  private aborting: Promise<void> | null = null;
  /** The first error of the session (another rank's, or MPI's); the search ends with it. */
  fatal: Error | null = null;

  constructor(private readonly fn: string, readonly size: number) {
    const peers = Array.from({ length: size - 1 }, (_, k) => k + 1);
    this.mailbox = new Mailbox(fn, 0, peers, (source, m, blobs) => this.receive(source, m, blobs), (e) => this.setFatal(e), () => this.trials.size > 0);
    this.mailbox.start();
  }

  /** Resolves once every rank said how many trials it runs at once (or the session failed). */
  async ready(): Promise<void> {
    while (this.fatal === null && this.capacity.size < this.size - 1) await this.changed();
  }

  /** A rank with a free slot, or null. */
  freeRank(): number | null {
    for (const [rank, n] of this.capacity) if (this.busy.get(rank)!.size < n) return rank;
    return null;
  }

  /** Resolves at the next event: a result, a rank ready, a failure. */
  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Runs a trial on `rank`; resolves with its result message and blobs. */
  run(rank: number, m: Extract<Message, { t: 'trial' }>, parent: WeightsBlob | null,
    onEpoch: RemoteTrial['onEpoch']): Promise<{ m: Extract<Message, { t: 'result' }>; blobs: Blobs }> {
    return new Promise((resolve, reject) => {
      if (this.fatal) {
        reject(this.fatal);
        return;
      }
      this.busy.get(rank)!.add(m.id);
      this.trials.set(m.id, { rank, onEpoch, resolve, reject });
      this.mailbox.send(rank, m, parent ? [parent] : []);
    });
  }

  /** Asks the rank running trial `id` to stop it. */
  stop(id: number, why: string): void {
    const t = this.trials.get(id);
    if (t) this.mailbox.send(t.rank, { t: 'stop', id, why });
  }

  /** The end: every rank gets the trials and the result. */
  async finish(trials: unknown[], space: unknown[], result: Record<string, unknown>): Promise<void> {
    for (const rank of this.capacity.keys()) this.mailbox.send(rank, { t: 'done', trials, space, result });
    // Nothing more to receive: polling stops before the search returns, so a next search's messages are never taken here.
    this.mailbox.stop();
    await this.mailbox.flush();
  }

  /** The search failed here (or `origin` told us): every other rank gets the error. Once; later calls wait for it. */
  abort(origin: number, message: string): Promise<void> {
    if (this.aborting === null) {
      for (let rank = 1; rank < this.size; rank++) if (rank !== origin) this.mailbox.send(rank, { t: 'fatal', origin, message });
      this.mailbox.stop();
      this.aborting = this.mailbox.flush();
    }
    return this.aborting;
  }

  private setFatal(e: Error): void {
    this.fatal ??= e;
    // Their results may never come (the rank failed): they end with the error.
    for (const t of this.trials.values()) t.reject(this.fatal);
    this.trials.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private receive(source: number, m: Message, blobs: Blobs): void {
    if (m.t === 'hello') {
      this.capacity.set(source, m.parallelism);
      this.busy.set(source, new Set());
      this.wake();
    } else if (m.t === 'epoch') {
      const t = this.trials.get(m.id);
      const v = t ? t.onEpoch(m.epoch, m.logs) : { stop: 'abort', best: false };
      this.mailbox.send(source, { t: 'verdict', id: m.id, ...v });
    } else if (m.t === 'result') {
      const t = this.trials.get(m.id);
      this.trials.delete(m.id);
      this.busy.get(source)?.delete(m.id);
      t?.resolve({ m, blobs });
      this.wake();
    } else if (m.t === 'fatal') {
      this.setFatal(rankFailed(this.fn, m.origin, m.message));
      // Tells the others at once (the search loop then ends with this error).
      void this.abort(m.origin, m.message);
    }
  }
}

/** @internal The other ranks' side: trials in, epochs and results out. */
export class WorkerLink {
  private readonly mailbox: Mailbox;
  // Per trial, the epochs waiting for their verdicts, oldest first (with runTrial, reports do not wait).
  private readonly verdicts = new Map<number, ((v: { stop: string | null; best: boolean }) => void)[]>();
  private settle: { resolve: (m: Extract<Message, { t: 'done' }>) => void; reject: (e: Error) => void } | null = null;
  /** Trials this rank is running. */
  private running = 0;
  /** Resolves with rank 0's final message, rejects with the session's error. */
  readonly done: Promise<Extract<Message, { t: 'done' }>>;

  constructor(private readonly fn: string, readonly rank: number, parallelism: number,
    private readonly onTrial: (m: Extract<Message, { t: 'trial' }>, parent: WeightsBlob | null) => void,
    private readonly onStop: (id: number, why: string) => void) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => {}); // handled by whoever awaits it
    // An answer is due while a verdict is awaited, or while a slot waits for a trial.
    this.mailbox = new Mailbox(fn, rank, [0], (_s, m, blobs) => this.receive(m, blobs), (e) => this.end(e),
      () => this.verdicts.size > 0 || this.running < parallelism);
    this.mailbox.send(0, { t: 'hello', parallelism });
    this.mailbox.start();
  }

  /** Sends an epoch's logs; resolves with rank 0's verdict (stop, and whether it is the trial's best so far). */
  epoch(id: number, epoch: number, logs: Record<string, number>): Promise<{ stop: string | null; best: boolean }> {
    return new Promise((resolve) => {
      if (this.mailbox.failure) {
        resolve({ stop: 'abort', best: false });
        return;
      }
      const queue = this.verdicts.get(id);
      if (queue) queue.push(resolve);
      else this.verdicts.set(id, [resolve]);
      this.mailbox.send(0, { t: 'epoch', id, epoch, logs });
    });
  }

  /** Sends a trial's result, with its best weights and checkpoint when it has them. */
  result(m: Extract<Message, { t: 'result' }>, best: WeightsBlob | null, ckpt: WeightsBlob | null): void {
    this.running = Math.max(0, this.running - 1);
    const blobs: Blobs = [];
    if (best) blobs.push(best);
    if (ckpt) blobs.push(ckpt);
    this.mailbox.send(0, { ...m, best: best !== null, ckpt: ckpt !== null }, blobs);
  }

  /** This rank's search failed: rank 0 and, through it, every rank hear of it. */
  async fail(message: string): Promise<void> {
    this.mailbox.send(0, { t: 'fatal', origin: this.rank, message });
    this.end(null);
    await this.mailbox.flush();
  }

  /** Stops polling (idempotent), then waits for the last sends to be taken. */
  async close(): Promise<void> {
    this.mailbox.stop();
    await this.mailbox.flush();
  }

  private end(e: Error | null): void {
    this.mailbox.stop();
    for (const queue of this.verdicts.values()) for (const v of queue) v({ stop: 'abort', best: false });
    this.verdicts.clear();
    if (e) this.settle?.reject(e);
    this.settle = null;
  }

  private receive(m: Message, blobs: Blobs): void {
    if (m.t === 'trial') {
      this.running++;
      this.onTrial(m, blobs[0] ?? null);
    }
    else if (m.t === 'verdict') {
      const queue = this.verdicts.get(m.id);
      const v = queue?.shift();
      if (queue?.length === 0) this.verdicts.delete(m.id);
      v?.({ stop: m.stop, best: m.best });
    } else if (m.t === 'stop') this.onStop(m.id, m.why);
    else if (m.t === 'done') {
      this.settle?.resolve(m);
      this.settle = null;
    } else if (m.t === 'fatal') this.end(rankFailed(this.fn, m.origin, m.message));
  }
}
