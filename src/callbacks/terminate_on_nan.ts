// Stops training when a batch loss is NaN or infinite
// (keras/src/callbacks/terminate_on_nan.py). fit already stops on a
// non-finite loss by itself; this callback exists for Keras parity.
import { Callback, Logs } from './callback';
import { attachedModel } from './checks';

/** Sets `model.stopTraining` when a batch's loss is NaN or ±Infinity. Create with {@link terminateOnNaN}. */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.loss;
    if (typeof loss === 'number' && !Number.isFinite(loss)) {
      process.stdout.write(`Batch ${batch}: Invalid loss, terminating training\n`);
      attachedModel('callbacks.terminateOnNaN', this).stopTraining = true;
    }
  }
}
