// `tf.callbacks`: callback factories (as in TensorFlow.js) and their classes (as in Keras).
import { CSVLogger, CSVLoggerArgs } from './csv_logger';
import { EarlyStopping, EarlyStoppingArgs } from './early_stopping';
import { LearningRateScheduleFn, LearningRateScheduler, LearningRateSchedulerArgs } from './learning_rate_scheduler';
import { ReduceLROnPlateau, ReduceLROnPlateauArgs } from './reduce_lr_on_plateau';
import { TerminateOnNaN } from './terminate_on_nan';

/** Stops training when a monitored quantity (default 'val_loss') has stopped improving. */
export function earlyStopping(args?: EarlyStoppingArgs): EarlyStopping {
  return new EarlyStopping(args);
}
/** Multiplies the learning rate by a factor when a monitored quantity has stopped improving. */
export function reduceLROnPlateau(args?: ReduceLROnPlateauArgs): ReduceLROnPlateau {
  return new ReduceLROnPlateau(args);
}
/** Writes the epoch logs to a CSV file, one row per epoch. */
export function csvLogger(filename: string, args?: CSVLoggerArgs): CSVLogger {
  return new CSVLogger(filename, args);
}
/** Sets the learning rate at each epoch begin to `schedule(epoch, lr)`. */
export function learningRateScheduler(schedule: LearningRateScheduleFn, args?: LearningRateSchedulerArgs): LearningRateScheduler {
  return new LearningRateScheduler(schedule, args);
}
/** Stops training when a batch loss is NaN or infinite. */
export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}

export { Callback } from './callback';
export type { CallbackHooks, Logs, TrainingParams } from './callback';
export { History } from './history';
export { CSVLogger, EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN };
export type { CSVLoggerArgs, EarlyStoppingArgs, LearningRateScheduleFn, LearningRateSchedulerArgs, ReduceLROnPlateauArgs };
export type { MonitorMode } from './monitor';
export { modelCheckpoint, ModelCheckpoint } from './model_checkpoint';
export { tensorBoard, TensorBoard } from './tensorboard';
export type { TensorBoardArgs } from './tensorboard';
export type { ModelCheckpointArgs } from './model_checkpoint';
