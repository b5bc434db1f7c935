// Shared by callbacks that watch one logged quantity (Keras's MonitorCallback):
// which direction is better, and what counts as an improvement.
import { checkNumber, checkOneOf, show, typeError } from '../errors';
import { Callback, Logs } from './callback';

/** Whether the monitored quantity should go down ('min'), up ('max'), or be inferred from its name ('auto'). */
export type MonitorMode = 'auto' | 'min' | 'max';

export const MONITOR_MODES: readonly MonitorMode[] = ['auto', 'min', 'max'];

// Keras 3 asks the compiled metric for its direction; these are the metrics
// whose direction is 'up' and whose name contains neither 'acc' nor 'auc'
// (names containing those are maximized, as in tf.keras 2 and TensorFlow.js).
const MAXIMIZED = new Set([
  'top_k', 'precision', 'recall', 'f1_score', 'fbeta_score', 'r2_score', 'cosine_similarity',
  'iou', 'binary_iou', 'one_hot_iou', 'mean_iou', 'one_hot_mean_iou', 'true_positives', 'true_negatives',
  'precision_at_recall', 'recall_at_precision', 'sensitivity_at_specificity', 'specificity_at_sensitivity',
  'pearson_correlation', 'concordance_correlation',
]);

/**
 * @internal The direction mode 'auto' picks for a log key: 'max' for accuracy-
 * like metrics (any name containing 'acc' or 'auc', precision, recall, ...),
 * 'min' for losses, errors and any other name. The 'val_' prefix and camelCase
 * are ignored: 'val_sparseCategoricalAccuracy' is maximized.
 */
export function inferDirection(monitor: string): 'min' | 'max' {
  const name = monitor.replace(/^val_/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (name === 'loss') return 'min';
  return MAXIMIZED.has(name) || name.includes('acc') || name.includes('auc') ? 'max' : 'min';
}

/** Base of the callbacks that watch one logged value: earlyStopping, reduceLROnPlateau, modelCheckpoint. */
export abstract class MonitorCallback extends Callback {
  /** The log key watched. */
  readonly monitor: string;
  /** The mode asked for. */
  readonly mode: MonitorMode;
  /** The direction in use: mode, or what 'auto' inferred from the monitor's name. */
  readonly direction: 'min' | 'max';
  /** Smallest change that counts as an improvement (the absolute value of the option). */
  readonly minDelta: number;
  #warned = false;
  readonly #fn: string;

  /** @internal The factory's name, for error messages. */
  protected get fn(): string {
    return this.#fn;
  }

  constructor(fn: string, monitor: unknown, mode: unknown, minDelta: unknown) {
    super();
    this.#fn = fn;
    if (typeof monitor !== 'string' || monitor === '') throw typeError(fn, `monitor must be a non-empty string (a log key such as 'val_loss'), got ${show(monitor)}`);
    this.monitor = monitor;
    this.mode = checkOneOf(fn, 'mode', mode, MONITOR_MODES);
    this.direction = this.mode === 'auto' ? inferDirection(monitor) : this.mode;
    this.minDelta = Math.abs(checkNumber(fn, 'minDelta', minDelta, -Number.MAX_VALUE, Number.MAX_VALUE));
  }

  /** The value to start from when nothing has been seen: +Infinity when minimizing, -Infinity when maximizing. */
  protected get worst(): number {
    return this.direction === 'min' ? Infinity : -Infinity;
  }

  /** Keras's test: `value - d < ref` (min, d = -minDelta) or `value - d > ref` (max, d = minDelta). A null reference is always beaten. */
  protected isImprovement(value: number, reference: number | null): boolean {
    // Reachable by reflection: a non-number must not reach the arithmetic (ToPrimitive on an object throws a raw error).
    if (typeof value !== 'number' || (reference !== null && typeof reference !== 'number')) {
      throw typeError('Callback.isImprovement', `value and reference must be numbers, got ${show(value)} and ${show(reference)}`);
    }
    if (reference === null) return true;
    return this.direction === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  /** The monitored value from the logs, or undefined after a warning (emitted once per callback, as Python warns once per call site). */
  protected monitorValue(logs: Logs | undefined, what: string): number | undefined {
    const v = logs?.[this.monitor];
    if (typeof v === 'number') return v;
    if (!this.#warned) {
      this.#warned = true;
      const keys = Object.keys(logs ?? {});
      const hint = this.monitor.startsWith('val_') && !keys.some((k) => k.startsWith('val_'))
        ? ' (val_* values exist only when fit is given validationData or validationSplit)' : '';
      process.emitWarning(`${this.fn}: ${what} is conditioned on metric '${this.monitor}' which is not available${hint}. Available metrics are: ${keys.join(',')}`);
    }
    return undefined;
  }
}
