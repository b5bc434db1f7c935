// One epoch's running loss and metric sums, fed by native training chunks and
// replayed to callbacks batch by batch: shared by fit and fitDataset.
import type { CallbackList, Logs } from '../callbacks/callback';
import type { NativeChunkResult } from '../native';

/** @internal */
export class EpochTally {
  seen = 0;
  lossSum = 0;
  /** Batches of this epoch replayed so far. */
  batch = 0;
  /** A chunk stopped on a non-finite loss or gradient. */
  nonFinite = false;
  readonly metricSums: Float64Array;

  constructor(metricCount: number, private readonly meanLogs: (loss: number, sums: ArrayLike<number>, samples: number) => Logs) {
    this.metricSums = new Float64Array(metricCount);
  }

  /** The running means, as `onBatchEnd` and the epoch's logs report them. */
  logs(): Logs {
    return this.meanLogs(this.lossSum / this.seen, this.metricSums, this.seen);
  }

  /**
   * Adds a chunk's batches and calls `onBatchEnd` for each; on a non-finite
   * step, notes it and prints Keras's line when verbose. Returns whether
   * training must stop.
   */
  async add(r: NativeChunkResult, callbacks: CallbackList, verbose: number): Promise<boolean> {
    const m = this.metricSums.length;
    for (let b = 0; b < r.batches; b++) {
      const size = r.sizes[b];
      this.seen += size;
      this.lossSum += r.loss[b] * size;
      for (let k = 0; k < m; k++) this.metricSums[k] += r.metricSums[b * m + k];
      await callbacks.batchEnd(this.batch + b, { batch: this.batch + b, size, ...this.logs() });
    }
    this.batch += r.batches;
    if (!r.nonFinite) return false;
    this.nonFinite = true;
    if (verbose) process.stdout.write(`\nBatch ${this.batch - 1}: invalid loss or gradient (loss ${r.loss[r.batches - 1]}), terminating training\n`);
    return true;
  }
}
