// The callback contract (Keras / TensorFlow.js): hooks called around training.
// Any of them may be async; training waits for it.

/** Numbers logged per batch or epoch: loss, metrics, val_* entries. */
export type Logs = Record<string, number>;

/** Hooks a callback may implement. Plain objects with these methods are accepted too. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** Training parameters callbacks receive in `params`. */
export interface TrainingParams {
  /** Epoch index at which training stops (fit's `epochs`). */
  epochs: number;
  /** Epoch index training starts at (fit's `initialEpoch`). */
  initialEpoch: number;
  /** Training samples per epoch (after any validation split). */
  samples: number;
  /** Batches per epoch. */
  steps: number;
  /** Samples per batch. */
  batchSize: number;
  /** fit's `verbose` level. */
  verbose: number;
  /** Names of the logged values, e.g. ['loss', 'accuracy', 'val_loss', 'val_accuracy']. */
  metrics: string[];
}

/** What a callback may do to the model being trained (`callback.model`). */
export interface TrainableModel {
  stopTraining: boolean;
  getWeights(): import('../tensor').Tensor[];
  /** @internal Allowed during fit (unlike the public setWeights). */
  restoreWeights(weights: import('../tensor').Tensor[]): void;
  /** The optimizer's current learning rate. */
  getLearningRate(): number;
  /** Sets the optimizer's learning rate (replaces a schedule with a constant). */
  setLearningRate(lr: number): void;
  save?(path: string): Promise<unknown>;
}

/** Base class for callbacks; override the hooks you need. */
export abstract class Callback implements CallbackHooks {
  /** The model being trained (set by fit). */
  model: TrainableModel | null = null;
  /** Training parameters (set by fit). */
  params: TrainingParams | null = null;

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}

  /** @internal */
  setModel(model: TrainableModel): void {
    this.model = model;
  }
  /** @internal */
  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

/** @internal Calls every callback's hook in order, awaiting async ones. */
export class CallbackList {
  constructor(readonly callbacks: CallbackHooks[]) {}

  setup(model: TrainableModel, params: TrainingParams): void {
    for (const c of this.callbacks) {
      if (c instanceof Callback) {
        c.setModel(model);
        c.setParams(params);
      } else {
        // Reflect.set: a frozen hooks object keeps its hooks and simply gets no model or params.
        Reflect.set(c, 'model', model);
        Reflect.set(c, 'params', params);
      }
    }
  }

  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}
