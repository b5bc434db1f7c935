import { Callback, Logs } from './callback';
import { checkHook } from './checks';

/** What `fit` resolves to: per-epoch logs (`history.loss`, `history.val_accuracy`, ...). */
export class History extends Callback {
  /** Epoch indices that ran. */
  readonly epoch: number[] = [];
  /** One array per logged key. */
  readonly history: Record<string, number[]> = {};

  constructor() {
    super();
    Object.defineProperty(this, 'epoch', { writable: false, configurable: false });
    Object.defineProperty(this, 'history', { writable: false, configurable: false });
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const l = checkHook('History.onEpochEnd', epoch, logs);
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(l)) (this.history[k] ??= []).push(v);
  }
}
