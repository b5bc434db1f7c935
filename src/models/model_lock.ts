// The per-model concurrency contract, in JavaScript where it cannot block:
// training chunks are writers, predictions/evaluations are readers.
// - A reader that arrives while a training chunk runs waits for that chunk to
//   finish and then sees a consistent snapshot of the weights: nothing writes
//   them while any reader is in flight.
// - A writer waits for the readers in flight. Readers that arrive while a
//   writer is waiting queue behind it, so a steady stream of predictions
//   cannot starve training (and each waits for at most about one chunk).
// (The native layer enforces the same with try-locks, as a safety net.)

/** @internal */
export class ModelLock {
  private writer: Promise<unknown> | null = null;
  private writersWaiting = 0;
  private readonly readers = new Set<Promise<unknown>>();
  private waiters: (() => void)[] = [];

  /** No native work is in flight. */
  get idle(): boolean {
    return this.writer === null && this.readers.size === 0;
  }

  /** A training chunk is in flight. */
  get writing(): boolean {
    return this.writer !== null;
  }

  /** Runs `work` (which starts native work that only reads the weights) as a reader. */
  async read<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer !== null || this.writersWaiting > 0) await this.changed();
    const p = start(work);
    this.readers.add(p);
    try {
      return await p;
    } finally {
      this.readers.delete(p);
      this.notify();
    }
  }

  /** Runs `work` (which starts native work that writes the weights) alone. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    this.writersWaiting++;
    try {
      while (this.writer !== null || this.readers.size > 0) await this.changed();
    } finally {
      this.writersWaiting--;
    }
    const p = start(work);
    this.writer = p;
    try {
      return await p;
    } finally {
      this.writer = null;
      this.notify();
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

/** Calls work() now; a synchronous throw becomes a rejected promise. */
function start<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * @internal Resolves or rejects with `work`, or rejects with `signal.reason`
 * as soon as the signal aborts (calling `onAbort` so native work can stop
 * early). `work` keeps running to completion either way; its outcome is then
 * ignored.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(signal.reason);
    };
    // Handlers are attached even after an abort, so a late failure of `work` is not unhandled.
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
