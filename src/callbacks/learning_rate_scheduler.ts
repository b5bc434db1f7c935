// Sets the learning rate at the start of every epoch from a schedule function
// (keras/src/callbacks/learning_rate_scheduler.py).
import { rangeError, show, typeError } from '../errors';
import { Callback, Logs } from './callback';
import { attachedModel, checkOptions, checkVerbose } from './checks';

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
  private readonly fn = 'callbacks.learningRateScheduler';

  constructor(schedule: LearningRateScheduleFn, args?: LearningRateSchedulerArgs) {
    super();
    if (typeof schedule !== 'function') throw typeError(this.fn, `schedule must be a function (epoch, lr) => number, got ${show(schedule)}`);
    const a = checkOptions(this.fn, args, OPTIONS);
    this.schedule = schedule;
    this.verbose = checkVerbose(this.fn, a.verbose);
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    const model = attachedModel(this.fn, this);
    const lr = this.schedule(epoch, model.getLearningRate());
    if (typeof lr !== 'number') throw typeError(this.fn, `schedule must return a number, got ${show(lr)} at epoch ${epoch}`);
    if (!(lr >= 0) || lr === Infinity) throw rangeError(this.fn, `schedule must return a finite learning rate >= 0, got ${lr} at epoch ${epoch}`);
    model.setLearningRate(lr);
    if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.\n`);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = attachedModel(this.fn, this).getLearningRate();
  }
}
