// The per-model concurrency contract, in JavaScript where it cannot block:
// training chunks are writers, predictions/evaluations are readers. A reader
// that arrives while a training chunk runs waits for that chunk to finish and
// then sees a consistent snapshot of the weights; the next chunk starts only
// after the readers in flight are done. (The native layer enforces the same
// with try-locks, as a safety net.)

/** @internal */
export class ModelLock {
  private writer: Promise<unknown> | null = null;
  private readonly readers = new Set<Promise<unknown>>();

  /** No native work is in flight. */
  get idle(): boolean {
    return this.writer === null && this.readers.size === 0;
  }

  /** A training chunk is in flight. */
  get writing(): boolean {
    return this.writer !== null;
  }

  async read<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer.catch(() => undefined);
    const p = work();
    this.readers.add(p);
    try {
      return await p;
    } finally {
      this.readers.delete(p);
    }
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer || this.readers.size) {
      await Promise.allSettled([this.writer, ...this.readers]);
    }
    const p = work();
    this.writer = p;
    try {
      return await p;
    } finally {
      this.writer = null;
    }
  }
}
