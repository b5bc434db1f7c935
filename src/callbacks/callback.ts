// The callback contract (Keras / TensorFlow.js): hooks called around training.
// Any of them may be async; training waits for it.
import { show, typeError } from '../errors';

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

/** @internal The hooks a callback may have. */
export const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** @internal Throws a TypeError naming `fn` when a callback has a hook that is not a function. */
export function checkHooks(fn: string, callbacks: readonly CallbackHooks[]): void {
  for (const c of callbacks) {
    for (const hook of HOOKS) {
      const f: unknown = c[hook];
      if (f !== undefined && f !== null && typeof f !== 'function') throw typeError(fn, `callback hook ${hook} must be a function, got ${show(f)}`);
    }
  }
}

/** @internal Calls every callback's hook in order, awaiting async ones. */
export class CallbackList {
  /** `fn`: the public function training runs under, for errors. */
  constructor(readonly callbacks: CallbackHooks[], readonly fn = 'fit') {}

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
    for (const c of this.callbacks) await this.#call(c, 'onTrainBegin', logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await this.#call(c, 'onTrainEnd', logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await this.#call(c, 'onEpochBegin', epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await this.#call(c, 'onEpochEnd', epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await this.#call(c, 'onBatchBegin', batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await this.#call(c, 'onBatchEnd', batch, logs);
  }

  /** Calls one hook if the callback has it; a hook that is not a function (read once, here) is a TypeError. */
  #call(c: CallbackHooks, hook: (typeof HOOKS)[number], ...args: unknown[]): unknown {
    const f: unknown = c[hook];
    if (f === undefined || f === null) return undefined;
    if (typeof f !== 'function') throw typeError(this.fn, `callback hook ${hook} must be a function, got ${show(f)}`);
    return f.apply(c, args);
  }
}
