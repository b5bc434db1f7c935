// Reduce the learning rate when a monitored quantity has stopped improving.
// Follows keras/src/callbacks/reduce_lr_on_plateau.py (Keras 3).
import { checkInt, checkNumber, rangeError } from '../errors';
import { Logs } from './callback';
import { attachedModel, checkHook, checkOptions, checkVerbose, lockFields } from './checks';
import { MonitorCallback, MonitorMode } from './monitor';

/** Options of {@link reduceLROnPlateau}. */
export interface ReduceLROnPlateauArgs {
  /** Log key to watch, e.g. 'loss', 'val_accuracy' (default 'val_loss'). */
  monitor?: string;
  /** Multiplier applied to the learning rate, in [0, 1): `newLr = lr * factor` (default 0.1). */
  factor?: number;
  /** Epochs without improvement after which the learning rate is reduced (default 10). */
  patience?: number;
  /**
   * 'min': reduce when the value stops decreasing; 'max': when it stops
   * increasing; 'auto': 'max' for accuracy-like names (containing 'acc' or
   * 'auc', precision, recall, ...), 'min' otherwise (default 'auto').
   */
  mode?: MonitorMode;
  /** Minimum change of the monitored value that counts as an improvement; its absolute value is used (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting epochs without improvement again (default 0). */
  cooldown?: number;
  /** Lower bound on the learning rate (default 0). */
  minLr?: number;
  /** 0 = silent, 1 = print a line at each reduction (default 0). */
  verbose?: number;
}

const OPTIONS = ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr', 'verbose'];

/**
 * Multiplies the learning rate by `factor` after `patience` epochs without
 * improvement. Adds `learning_rate` (the rate used in the epoch) to the epoch
 * logs seen by the callbacks after it. Create with {@link reduceLROnPlateau}.
 */
export class ReduceLROnPlateau extends MonitorCallback {
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  /** Epochs without improvement since the last improvement or reduction. */
  wait = 0;
  /** Cooldown epochs left. */
  cooldownCounter = 0;
  /** Best monitored value in this fit. */
  best: number;

  constructor(args?: ReduceLROnPlateauArgs) {
    const fn = 'callbacks.reduceLROnPlateau';
    const a = checkOptions(fn, args, OPTIONS);
    super(fn, a.monitor ?? 'val_loss', a.mode ?? 'auto', a.minDelta ?? 1e-4);
    this.factor = checkNumber(fn, 'factor', a.factor ?? 0.1, 0);
    if (this.factor >= 1) throw rangeError(fn, `factor must be < 1 (newLr = lr * factor), got ${this.factor}`);
    this.patience = checkInt(fn, 'patience', a.patience ?? 10, 0);
    this.cooldown = checkInt(fn, 'cooldown', a.cooldown ?? 0, 0);
    this.minLr = checkNumber(fn, 'minLr', a.minLr ?? 0, 0, Number.MAX_VALUE);
    this.verbose = checkVerbose(fn, a.verbose);
    this.best = this.worst;
    lockFields(this, ['monitor', 'mode', 'direction', 'minDelta', 'factor', 'patience', 'cooldown', 'minLr', 'verbose']);
  }

  /** Whether the callback is in its cooldown period after a reduction. */
  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onTrainBegin(_logs?: Logs): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = this.worst;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    logs = checkHook('ReduceLROnPlateau.onEpochEnd', epoch, logs);
    const model = attachedModel(this.fn, this);
    if (logs) logs.learning_rate = model.getLearningRate();
    const current = this.monitorValue(logs, 'learning rate reduction');
    if (current === undefined) return;
    if (this.inCooldown()) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait++;
      if (this.wait >= this.patience) {
        const oldLr = model.getLearningRate();
        // NOTE: compared in float32, as Keras does, so a rate stored at minLr's float32 value counts as at the floor.
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          model.setLearningRate(newLr);
          if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.\n`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
