import { Callback, Logs } from './callback';

/** What `fit` resolves to: per-epoch logs (`history.loss`, `history.val_accuracy`, ...). */
export class History extends Callback {
  /** Epoch indices that ran. */
  readonly epoch: number[] = [];
  /** One array per logged key. */
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
