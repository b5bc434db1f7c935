// Streams epoch results to a CSV file (keras/src/callbacks/csv_logger.py):
// a header "epoch,<keys sorted>", then one row per epoch, written through to
// the file at every epoch end.
import { appendFile, stat, writeFile } from 'node:fs/promises';
import { checkBool, rangeError, show, typeError } from '../errors';
import { Callback, Logs } from './callback';
import { checkHook, checkOptions, lockFields } from './checks';

/** Options of {@link csvLogger}. */
export interface CSVLoggerArgs {
  /** Field separator, one character (default ','). */
  separator?: string;
  /**
   * Append to the file if it exists, writing the header only if the file is
   * empty (useful to continue training); otherwise the file is overwritten at
   * the start of each fit (default false).
   */
  append?: boolean;
}

const OPTIONS = ['separator', 'append'];

/**
 * Writes one CSV row per epoch: the epoch index (from 0) and every logged
 * value, columns in the sorted order of the first epoch's keys (plus any val_*
 * key fit announces but the first epoch lacked). A value missing later is
 * written 'NA'; keys first seen later are ignored, as in Keras. Numbers are
 * written in JavaScript's shortest round-trip form ('0.1', '1e-7', 'NaN').
 * Lines end with '\n'. Create with {@link csvLogger}.
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  #keys: string[] | null = null;
  #writeHeader = true;

  constructor(filename: string, args?: CSVLoggerArgs) {
    super();
    const fn = 'callbacks.csvLogger';
    if (typeof filename !== 'string' || filename === '' || filename.includes('\0')) throw typeError(fn, `filename must be a non-empty string without NUL characters, got ${show(filename)}`);
    const a = checkOptions(fn, args, OPTIONS);
    const sep = a.separator ?? ',';
    if (typeof sep !== 'string') throw typeError(fn, `separator must be a string, got ${show(sep)}`);
    if (sep.length !== 1 || sep === '"' || sep === '\n' || sep === '\r') throw rangeError(fn, `separator must be one character other than a quote or a line break, got ${show(sep)}`);
    this.filename = filename;
    this.separator = sep;
    this.append = checkBool(fn, 'append', a.append ?? false);
    lockFields(this, ['filename', 'separator', 'append']);
  }

  override async onTrainBegin(_logs?: Logs): Promise<void> {
    this.#keys = null;
    this.#writeHeader = true;
    if (this.append) {
      try {
        // Keras: a header only if the file is empty.
        this.#writeHeader = (await stat(this.filename)).size === 0;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    } else {
      await writeFile(this.filename, '');
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    logs = checkHook('CSVLogger.onEpochEnd', epoch, logs);
    let out = '';
    if (this.#keys === null) {
      const keys = Object.keys(logs).sort();
      const metrics = this.params?.metrics;
      for (const m of Array.isArray(metrics) ? metrics : []) if (typeof m === 'string' && m.startsWith('val_') && !keys.includes(m)) keys.push(m);
      this.#keys = keys;
      if (this.#writeHeader) out += this.#row(['epoch', ...keys]);
    }
    out += this.#row([String(epoch), ...this.#keys.map((k) => (typeof logs[k] === 'number' ? String(logs[k]) : 'NA'))]);
    await appendFile(this.filename, out);
  }

  override onTrainEnd(_logs?: Logs): void {
    this.#keys = null;
  }

  // Quoted only when needed, as Python's csv module (QUOTE_MINIMAL) does.
  #row(fields: string[]): string {
    const sep = this.separator;
    return fields.map((f) => (f.includes(sep) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(sep) + '\n';
  }
}
