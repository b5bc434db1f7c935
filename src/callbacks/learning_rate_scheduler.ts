// Sets the learning rate at the start of every epoch from a schedule function
// (keras/src/callbacks/learning_rate_scheduler.py).
import { rangeError, show, typeError } from '../errors';
import { Callback, Logs } from './callback';
import { attachedModel, checkHook, checkOptions, checkVerbose, lockFields } from './checks';

const FN = 'callbacks.learningRateScheduler';

/** `(epoch, lr) => newLr`: epoch counts from 0, lr is the current learning rate. */
export type LearningRateScheduleFn = (epoch: number, lr: number) => number;

/** Options of {@link learningRateScheduler}. */
export interface LearningRateSchedulerArgs {
  /** 0 = silent, 1 = print the rate set at each epoch (default 0). */
  verbose?: number;
}

const OPTIONS = ['verbose'];

/**
 * At each epoch begin, sets the learning rate to `schedule(epoch, currentLr)`.
 * Adds `learning_rate` to the epoch logs seen by the callbacks after it.
 * Create with {@link learningRateScheduler}.
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: LearningRateScheduleFn;
  readonly verbose: number;

  constructor(schedule: LearningRateScheduleFn, args?: LearningRateSchedulerArgs) {
    super();
    if (typeof schedule !== 'function') throw typeError(FN, `schedule must be a function (epoch, lr) => number, got ${show(schedule)}`);
    const a = checkOptions(FN, args, OPTIONS);
    this.schedule = schedule;
    this.verbose = checkVerbose(FN, a.verbose);
    lockFields(this, ['schedule', 'verbose']);
  }

  override onEpochBegin(epoch: number, logs?: Logs): void {
    checkHook('LearningRateScheduler.onEpochBegin', epoch, logs);
    const model = attachedModel(FN, this);
    const lr = this.schedule(epoch, model.getLearningRate());
    if (typeof lr !== 'number') throw typeError(FN, `schedule must return a number, got ${show(lr)} at epoch ${epoch}`);
    if (!(lr >= 0) || lr === Infinity) throw rangeError(FN, `schedule must return a finite learning rate >= 0, got ${lr} at epoch ${epoch}`);
    model.setLearningRate(lr);
    if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.\n`);
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    checkHook('LearningRateScheduler.onEpochEnd', epoch, logs);
    if (logs) logs.learning_rate = attachedModel(FN, this).getLearningRate();
  }
}
