// A stand-in for the model fit passes to callbacks, and a driver that calls
// the hooks in fit's order with synthetic epoch logs.
import * as tf from '../../src/index';

type TrainableModel = Parameters<tf.Callback['setModel']>[0];

/** Weights are one scalar tensor holding the number of the last epoch that "trained". */
export class FakeModel implements TrainableModel {
  stopTraining = false;
  version = -1;
  restored: number[] = [];
  lrSets: number[] = [];
  constructor(public lr = 1) {}
  getWeights(): tf.Tensor[] {
    return [tf.tensor1d([this.version])];
  }
  restoreWeights(weights: tf.Tensor[]): void {
    this.version = weights[0].dataSync()[0];
    this.restored.push(this.version);
  }
  getLearningRate(): number {
    return this.lr;
  }
  setLearningRate(lr: number): void {
    this.lr = lr;
    this.lrSets.push(lr);
  }
}

export interface RunResult {
  /** Epochs whose onEpochEnd ran. */
  epochs: number;
  /** The logs objects passed to onEpochEnd (callbacks may have added keys). */
  logs: tf.Logs[];
}

/**
 * Drives a callback like fit: one epoch per entry of `values` (a number is
 * logged under `key`; an object is used as the logs), stopping when the model
 * asks to. The model's weights are stamped with the epoch number.
 */
export async function drive(cb: tf.Callback, model: FakeModel, values: (number | tf.Logs)[], key = 'val_loss', params: Partial<tf.TrainingParams> = {}): Promise<RunResult> {
  cb.setModel(model);
  cb.setParams({ epochs: values.length, initialEpoch: 0, samples: 1, steps: 1, batchSize: 1, verbose: 0, metrics: [], ...params });
  model.stopTraining = false;
  const logs: tf.Logs[] = [];
  await cb.onTrainBegin({});
  let epoch = 0;
  for (; epoch < values.length && !model.stopTraining; epoch++) {
    await cb.onEpochBegin(epoch, {});
    model.version = epoch;
    const v = values[epoch];
    const l: tf.Logs = typeof v === 'number' ? { [key]: v } : { ...v };
    logs.push(l);
    await cb.onEpochEnd(epoch, l);
  }
  await cb.onTrainEnd({});
  return { epochs: epoch, logs };
}
