// Writes TensorFlow event files that TensorBoard reads, as Keras's TensorBoard
// callback does (keras/src/callbacks/tensorboard.py): `<logdir>/train` holds the
// training scalars ('epoch_loss', 'epoch_accuracy', and 'batch_loss' ... with
// updateFreq), `<logdir>/validation` the val_* ones under the same names, so
// TensorBoard draws them on one chart; weight histograms go to train.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkInt, show, typeError } from '../errors';
import { tfRecord } from '../io/tfrecord';
import { Callback, Logs } from './callback';
import { checkHook, checkOptions, lockFields } from './checks';
import { SummaryValue, fileVersionEvent, histogramOf, summaryEvent } from './summary_proto';

/** Options of {@link tensorBoard}. */
export interface TensorBoardArgs {
  /**
   * When scalars are written: 'epoch' (default) after each epoch; 'batch'
   * after each batch as well ('batch_loss', ...); a number N, after every N
   * batches.
   */
  updateFreq?: 'batch' | 'epoch' | number;
  /** Write a histogram of every weight each this many epochs; 0 (default) never. */
  histogramFreq?: number;
}

const OPTIONS = ['updateFreq', 'histogramFreq'];
const FN = 'callbacks.tensorBoard';
let fileCounter = 0;

/** One event file, appended to record by record (each write reaches the file, so a crash loses nothing written). */
class EventFile {
  readonly path: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    // TensorFlow's name: events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2
    const name = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}.${process.pid}.${fileCounter++}.v2`;
    this.path = path.join(dir, name);
    fs.writeFileSync(this.path, tfRecord(fileVersionEvent(Date.now() / 1000)), { flag: 'wx' });
  }

  write(step: number, values: SummaryValue[]): void {
    if (values.length > 0) fs.appendFileSync(this.path, tfRecord(summaryEvent(Date.now() / 1000, step, values)));
  }
}

/** The scalars of `logs` under `prefix`, split into training and validation ('val_' keys, prefix stripped). */
function scalars(logs: Logs, prefix: string): { train: SummaryValue[]; validation: SummaryValue[] } {
  const train: SummaryValue[] = [];
  const validation: SummaryValue[] = [];
  for (const [k, v] of Object.entries(logs)) {
    if (typeof v !== 'number' || k === 'batch' || k === 'size') continue;
    if (k.startsWith('val_')) validation.push({ tag: `${prefix}${k.slice(4)}`, scalar: v });
    else train.push({ tag: `${prefix}${k}`, scalar: v });
  }
  return { train, validation };
}

/**
 * Logs training to TensorBoard: `tensorboard --logdir <logdir>` shows the
 * loss and metrics per epoch (and per batch with `updateFreq`), training and
 * validation on one chart, and weight histograms with `histogramFreq`.
 * Each fit writes new event files; `logdir` is created if missing. Create
 * with {@link tensorBoard}.
 */
export class TensorBoard extends Callback {
  readonly logdir: string;
  readonly updateFreq: 'batch' | 'epoch' | number;
  readonly histogramFreq: number;
  #train: EventFile | null = null;
  #validation: EventFile | null = null;
  /** Batches seen since training began: the step of batch-level scalars. */
  #batches = 0;

  constructor(logdir: string, args?: TensorBoardArgs) {
    super();
    if (typeof logdir !== 'string' || logdir === '') throw typeError(FN, `logdir must be a non-empty string, got ${show(logdir)}`);
    const a = checkOptions(FN, args, OPTIONS);
    const freq = a.updateFreq ?? 'epoch';
    if (freq !== 'batch' && freq !== 'epoch' && typeof freq !== 'number') {
      throw typeError(FN, `updateFreq must be 'batch', 'epoch' or a number of batches, got ${show(freq)}`);
    }
    this.logdir = logdir;
    this.updateFreq = typeof freq === 'number' ? checkInt(FN, 'updateFreq', freq, 1) : freq;
    this.histogramFreq = checkInt(FN, 'histogramFreq', a.histogramFreq ?? 0, 0);
    lockFields(this, ['logdir', 'updateFreq', 'histogramFreq']);
  }

  /** @internal The same callback writing under `<logdir>/<run>` (the tuner gives each trial its own run). */
  forRun(run: string): TensorBoard {
    return new TensorBoard(path.join(this.logdir, run), { updateFreq: this.updateFreq, histogramFreq: this.histogramFreq });
  }

  override onTrainBegin(_logs?: Logs): void {
    this.#batches = 0;
    const made: string[] = [];
    try {
      this.#train = new EventFile(path.join(this.logdir, 'train'));
      made.push(this.#train.path);
      this.#validation = new EventFile(path.join(this.logdir, 'validation'));
    } catch (e) {
      // Nothing half-written: remove the file this call did create.
      for (const f of made) fs.rmSync(f, { force: true });
      this.#train = this.#validation = null;
      throw new Error(`${FN}: cannot write event files under ${show(this.logdir)}: ${(e as Error).message}`);
    }
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    const l = checkHook('TensorBoard.onBatchEnd', batch, logs);
    this.#batches++;
    if (this.updateFreq === 'epoch' || !this.#train) return;
    const every = this.updateFreq === 'batch' ? 1 : this.updateFreq;
    if (this.#batches % every === 0) this.#train.write(this.#batches - 1, scalars(l, 'batch_').train);
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const l = checkHook('TensorBoard.onEpochEnd', epoch, logs);
    if (!this.#train || !this.#validation) return;
    const { train, validation } = scalars(l, 'epoch_');
    if (this.histogramFreq > 0 && epoch % this.histogramFreq === 0) train.push(...this.#histograms());
    this.#train.write(epoch, train);
    this.#validation.write(epoch, validation);
  }

  override onTrainEnd(_logs?: Logs): void {
    this.#train = this.#validation = null;
  }

  /** A histogram per weight, tagged with its name ('dense/kernel'). */
  #histograms(): SummaryValue[] {
    const model = this.model as { getWeights?: () => { dataSync(): ArrayLike<number> }[]; weightSpecs?: () => { name: string }[] } | null;
    if (!model || typeof model.getWeights !== 'function') return [];
    const weights = model.getWeights();
    const names = typeof model.weightSpecs === 'function' ? model.weightSpecs().map((s) => s.name) : [];
    return weights.map((w, i) => ({ tag: names[i] ?? `weight_${i}`, histogram: histogramOf(w.dataSync()) }));
  }
}

/** Writes the loss, metrics and weight histograms as TensorFlow event files for TensorBoard. */
export function tensorBoard(logdir: string, args?: TensorBoardArgs): TensorBoard {
  return new TensorBoard(logdir, args);
}
