// Save the model during training, every epoch (or every N batches), or only
// when a monitored quantity improves. Follows keras/src/callbacks/model_checkpoint.py
// (Keras 3); the model is saved with model.save, in the TensorFlow.js layers format.
import { checkBool, checkInt, checkNumber, show, typeError } from '../errors';
import type { SaveConfig } from '../io/types';
import { Logs } from './callback';
import { attachedModel, checkHook, checkOptions, checkVerbose, lockFields } from './checks';
import { MonitorCallback, MonitorMode } from './monitor';

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointArgs {
  /**
   * Directory to save to, as for `model.save` (a path or 'file://' URL).
   * Python-style fields are filled in: `{epoch}` (1-based, as Keras), `{batch}`,
   * and any log key, e.g. `'ckpt/epoch{epoch:02d}-{val_loss:.2f}'`. Required.
   */
  filepath: string;
  /** Log key watched by saveBestOnly (default 'val_loss'). */
  monitor?: string;
  /** Save only when the monitored value improves on the best so far; the directory then always holds the best model (default false). */
  saveBestOnly?: boolean;
  /** 'min', 'max', or 'auto' ('max' for accuracy-like names, else 'min') (default 'auto'). */
  mode?: MonitorMode;
  /** 'epoch' to save at each epoch end, or a number of batches between saves (default 'epoch'). */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly, the value the first save must beat (default none). */
  initialValueThreshold?: number | null;
  /** Save the optimizer state too, so that training can resume exactly from a checkpoint (default true, as Keras's full-model saves). */
  includeOptimizer?: boolean;
  /** 0 = silent, 1 = print a line for each save or skipped save (default 0). */
  verbose?: number;
}

const OPTIONS = ['filepath', 'monitor', 'saveBestOnly', 'mode', 'saveFreq', 'initialValueThreshold', 'includeOptimizer', 'verbose'];

/** Fills `{key}` / `{key:spec}` fields (Python format specs `d`, `0Nd`, `.Nf`, `.Ne`); `{{` and `}}` are literal braces. */
export function formatFilepath(fn: string, template: string, values: Record<string, number>): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}/g, (m, key: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const v = values[key!];
    if (v === undefined) throw new Error(`${fn}: filepath '${template}' uses {${key}}, which is not in the logs; available: ${Object.keys(values).join(', ')}`);
    if (spec === undefined || spec === '') return String(v);
    const f = /^(0)?(\d+)?(?:\.(\d+))?([dfe])?$/.exec(spec);
    if (!f) throw new Error(`${fn}: unsupported format spec '${spec}' in filepath '${template}'`);
    const [, zero, width, precision, type] = f;
    let s: string;
    if (type === 'd' || (type === undefined && precision === undefined)) s = String(Math.trunc(v));
    else if (type === 'e') s = v.toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2');
    else s = v.toFixed(precision === undefined ? 6 : Number(precision));
    const w = width === undefined ? 0 : Number(width);
    if (s.length >= w) return s;
    if (!zero) return s.padStart(w, ' ');
    const neg = s.startsWith('-');
    return (neg ? '-' : '') + (neg ? s.slice(1) : s).padStart(w - (neg ? 1 : 0), '0');
  });
}

/** Saves the model during training. Create with {@link modelCheckpoint}. */
export class ModelCheckpoint extends MonitorCallback {
  readonly filepath: string;
  readonly saveBestOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  readonly includeOptimizer: boolean;
  readonly verbose: number;
  readonly #initialBest: number | null;
  /** Best monitored value so far (saveBestOnly), null before the first. */
  best: number | null;
  /** Paths saved in this fit, in order. */
  readonly saved: string[] = [];
  #currentEpoch = 0;
  #lastBatchSeen = -1;
  #batchesSinceSave = 0;

  constructor(args: ModelCheckpointArgs) {
    const fn = 'callbacks.modelCheckpoint';
    if (args === undefined) throw typeError(fn, 'options are required: {filepath, ...}');
    const a = checkOptions(fn, args, OPTIONS);
    super(fn, a.monitor ?? 'val_loss', a.mode ?? 'auto', 0);
    if (typeof a.filepath !== 'string' || a.filepath === '') throw typeError(fn, `filepath must be a non-empty string, got ${show(a.filepath)}`);
    this.filepath = a.filepath;
    this.saveBestOnly = checkBool(fn, 'saveBestOnly', a.saveBestOnly ?? false);
    const freq = a.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && typeof freq !== 'number') throw typeError(fn, `saveFreq must be 'epoch' or a number of batches, got ${show(freq)}`);
    this.saveFreq = freq === 'epoch' ? 'epoch' : checkInt(fn, 'saveFreq', freq, 1);
    this.#initialBest = a.initialValueThreshold === undefined || a.initialValueThreshold === null
      ? null : checkNumber(fn, 'initialValueThreshold', a.initialValueThreshold);
    this.best = this.#initialBest;
    this.includeOptimizer = checkBool(fn, 'includeOptimizer', a.includeOptimizer ?? true);
    this.verbose = checkVerbose(fn, a.verbose);
    lockFields(this, ['monitor', 'mode', 'direction', 'minDelta', 'filepath', 'saveBestOnly', 'saveFreq', 'includeOptimizer', 'verbose', 'saved']);
  }

  override onTrainBegin(): void {
    this.best = this.#initialBest;
    this.saved.length = 0;
    this.#lastBatchSeen = -1;
    this.#batchesSinceSave = 0;
  }

  override onEpochBegin(epoch: number, logs?: Logs): void {
    checkHook('ModelCheckpoint.onEpochBegin', epoch, logs);
    this.#currentEpoch = epoch;
  }

  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    logs = checkHook('ModelCheckpoint.onBatchEnd', batch, logs);
    if (this.saveFreq === 'epoch') return;
    // Keras counts batches across epoch boundaries.
    this.#batchesSinceSave += batch <= this.#lastBatchSeen ? batch + 1 : batch - this.#lastBatchSeen;
    this.#lastBatchSeen = batch;
    if (this.#batchesSinceSave >= this.saveFreq) {
      this.#batchesSinceSave = 0;
      await this.#saveModel(this.#currentEpoch, batch, logs);
    }
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    logs = checkHook('ModelCheckpoint.onEpochEnd', epoch, logs);
    if (this.saveFreq === 'epoch') await this.#saveModel(epoch, null, logs);
  }

  async #saveModel(epoch: number, batch: number | null, logs: Logs = {}): Promise<void> {
    const model = attachedModel(this.fn, this) as unknown as { save?(path: string, config?: SaveConfig): Promise<unknown> };
    if (typeof model.save !== 'function') throw new Error(`${this.fn}: the model has no save() method`);
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null) values.batch = batch;
    const file = formatFilepath(this.fn, this.filepath, values);
    if (this.saveBestOnly) {
      const current = this.monitorValue(logs, 'Can save best model only');
      if (current === undefined) return;
      if (!this.isImprovement(current, this.best)) {
        if (this.verbose) process.stdout.write(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best}\n`);
        return;
      }
      if (this.verbose) process.stdout.write(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best ?? (this.direction === 'min' ? 'inf' : '-inf')} to ${current}, saving model to ${file}\n`);
      this.best = current;
    } else if (this.verbose) {
      process.stdout.write(`\nEpoch ${epoch + 1}: saving model to ${file}\n`);
    }
    await model.save(file, { includeOptimizer: this.includeOptimizer });
    this.saved.push(file);
  }
}

/**
 * Saves the model during training (Keras's ModelCheckpoint): at every epoch
 * end, every `saveFreq` batches, or with `saveBestOnly` only when `monitor`
 * improves. Each save is atomic (model.save).
 */
export function modelCheckpoint(args: ModelCheckpointArgs): ModelCheckpoint {
  return new ModelCheckpoint(args);
}
