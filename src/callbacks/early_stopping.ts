// Stop training when a monitored quantity has stopped improving.
// Follows keras/src/callbacks/early_stopping.py (Keras 3) step for step.
import { checkBool, checkInt, checkNumber } from '../errors';
import type { Tensor } from '../tensor';
import { Logs } from './callback';
import { attachedModel, checkHook, checkOptions, checkVerbose, lockFields } from './checks';
import { MonitorCallback, MonitorMode } from './monitor';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingArgs {
  /** Log key to watch, e.g. 'loss', 'val_accuracy' (default 'val_loss'). */
  monitor?: string;
  /**
   * Minimum change of the monitored value that counts as an improvement;
   * its absolute value is used (default 0).
   */
  minDelta?: number;
  /** Epochs without improvement after which training stops (default 0: stop at the first epoch that does not improve). */
  patience?: number;
  /**
   * 'min': stop when the value stops decreasing; 'max': when it stops
   * increasing; 'auto': 'max' for accuracy-like names (containing 'acc' or
   * 'auc', precision, recall, ...), 'min' otherwise (default 'auto').
   */
  mode?: MonitorMode;
  /**
   * Value the monitored quantity must beat: the patience counter is reset
   * only by epochs that improve on both the best value so far and the
   * baseline (default none).
   */
  baseline?: number | null;
  /**
   * At the end of training, restore the weights from the epoch with the best
   * monitored value, whether or not training stopped early (as Keras 3 does);
   * otherwise the last weights stay (default false).
   */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts, a warm-up with no stopping (default 0). */
  startFromEpoch?: number;
  /** 0 = silent, 1 = print a line when stopping and when restoring weights (default 0). */
  verbose?: number;
}

const OPTIONS = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose'];

/** Stops training when a monitored quantity has stopped improving. Create with {@link earlyStopping}. */
export class EarlyStopping extends MonitorCallback {
  readonly patience: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  /** Epochs since the last improvement (reset by improvements that also beat the baseline). */
  wait = 0;
  /** Epoch at which training was stopped, 0 if it was not. */
  stoppedEpoch = 0;
  /** Best monitored value seen in this fit, null before the first. */
  best: number | null = null;
  /** Epoch of the best value (or, with restoreBestWeights, of the weights kept). */
  bestEpoch = 0;
  #bestWeights: Tensor[] | null = null;

  constructor(args?: EarlyStoppingArgs) {
    const fn = 'callbacks.earlyStopping';
    const a = checkOptions(fn, args, OPTIONS);
    super(fn, a.monitor ?? 'val_loss', a.mode ?? 'auto', a.minDelta ?? 0);
    this.patience = checkInt(fn, 'patience', a.patience ?? 0, 0);
    this.baseline = a.baseline === undefined || a.baseline === null ? null : checkNumber(fn, 'baseline', a.baseline);
    this.restoreBestWeights = checkBool(fn, 'restoreBestWeights', a.restoreBestWeights ?? false);
    this.startFromEpoch = checkInt(fn, 'startFromEpoch', a.startFromEpoch ?? 0, 0);
    this.verbose = checkVerbose(fn, a.verbose);
    lockFields(this, ['monitor', 'mode', 'direction', 'minDelta', ...OPTIONS.filter((k) => k in this)]);
  }

  override onTrainBegin(_logs?: Logs): void {
    // Reset, so that one instance can serve several fits.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.#bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const l = checkHook('EarlyStopping.onEpochEnd', epoch, logs);
    const model = attachedModel(this.fn, this);
    const current = this.monitorValue(l, 'early stopping');
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.#bestWeights === null) {
      // Nothing kept yet: the current weights are the best.
      this.#bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = model.getWeights();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(_logs?: Logs): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) process.stdout.write(`Epoch ${this.stoppedEpoch + 1}: early stopping\n`);
    if (this.restoreBestWeights && this.#bestWeights !== null) {
      if (this.verbose > 0) process.stdout.write(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.\n`);
      attachedModel(this.fn, this).restoreWeights(this.#bestWeights);
    }
  }
}
