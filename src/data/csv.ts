// tf.data.csv: a CSV file streamed from disk, one element per row, parsed as
// RFC 4180 says (quoted fields with delimiters, doubled quotes and line breaks
// inside). As in TensorFlow.js, a row is an object by column name, or
// { xs, ys } when some columns are labels. Rows are decoded straight from the
// read chunks into compact arrays (CsvRow) and become objects only when
// something looks at them; batch() reads the arrays directly.
import * as fs from 'node:fs';
import { checkBool, checkOptions, show, typeError } from '../errors';
import { CsvScanner, FieldSink } from './csv_scanner';
import { ColumnConfig, CsvRow, CsvTable } from './csv_table';
import { Dataset } from './dataset';

export type { ColumnConfig } from './csv_table';

/** Options of {@link csv}. */
export interface CSVConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names; required without a header, else they replace it. */
  columnNames?: string[];
  /** Per-column configuration by name. */
  columnConfigs?: Record<string, ColumnConfig>;
  /** Keep only the configured columns (default false). */
  configuredColumnsOnly?: boolean;
  /** Field separator, one character (default ','). */
  delimiter?: string;
}

const FN = 'data.csv';
const OPTIONS = ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter'] as const;
const COLUMN_OPTIONS = ['dtype', 'isLabel', 'required', 'default'] as const;

/** What the rows of one file are read with. */
interface RowSettings {
  path: string;
  hasHeader: boolean;
  names: string[] | undefined;
  configs: Record<string, ColumnConfig>;
  /** The table of these columns: kept across iterations (epochs), so its generated row builder stays compiled and warm. */
  table: (columns: readonly string[]) => CsvTable;
}

/**
 * Turns scanned fields into CsvRows, queued until the reader takes them. The
 * first error (a header naming no configured column, a row with the wrong
 * number of fields, a bad field) is kept and ends the rows: the rows before
 * it still come out, then the error.
 */
class RowAssembler implements FieldSink {
  readonly #s: RowSettings;
  #table: CsvTable | null = null;
  #columns = 0;
  /** The header row's fields while it is being read. */
  #header: string[] | null;
  /** Fields seen in the current row; whether its first one was empty. */
  #count = 0;
  #firstEmpty = false;
  #values: unknown[] = [];
  /** Kept columns per row: the length a row's values array is allocated with. */
  #kept = 0;
  #rowError: unknown = null;
  #rows: CsvRow[] = [];
  error: unknown = null;

  constructor(s: RowSettings) {
    this.#s = s;
    this.#header = s.hasHeader ? [] : null;
    if (!s.hasHeader) this.#useColumns(s.names!);
  }

  /** The rows completed since the last call. */
  take(): CsvRow[] {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  field(src: string, start: number, end: number, line: number): void {
    const k = this.#count++;
    if (this.error !== null) return;
    if (this.#header) {
      this.#header.push(src.slice(start, end));
      return;
    }
    if (k === 0) this.#firstEmpty = start === end;
    if (k >= this.#columns || this.#rowError !== null) return;
    const table = this.#table!;
    const j = table.slots[k];
    if (j < 0) return;
    try {
      this.#values[j] = table.decode(src, start, end, j, line);
    } catch (e) {
      this.#rowError = e; // reported after the field count is checked, as a whole row would be
    }
  }

  endRow(line: number): void {
    const count = this.#count, values = this.#values, rowError = this.#rowError;
    this.#count = 0;
    this.#values = this.#newValues();
    this.#rowError = null;
    if (this.error !== null) return;
    if (this.#header) {
      const fields = this.#header;
      this.#header = null;
      const columns = this.#s.names ?? fields;
      const missing = Object.keys(this.#s.configs).find((k) => !columns.includes(k));
      if (missing !== undefined) {
        this.error = new Error(`${FN}: ${this.#s.path}: columnConfigs names '${missing}', which is not a column (${columns.join(', ')})`);
        return;
      }
      this.#useColumns(columns);
      return;
    }
    if (count === 1 && this.#firstEmpty && this.#columns > 1) return; // a blank line
    if (count !== this.#columns) this.error = new Error(`${FN}: ${this.#s.path} line ${line}: expected ${this.#columns} fields, got ${count}`);
    else if (rowError !== null) this.error = rowError;
    else this.#rows.push(new CsvRow(this.#table!, values));
  }

  #useColumns(columns: readonly string[]): void {
    this.#columns = columns.length;
    this.#table = this.#s.table(columns);
    this.#kept = this.#table.kept.length;
    this.#values = this.#newValues();
  }

  /**
   * A row's values: an array of tagged elements from the start (not of
   * unboxed doubles), so that each number is boxed once, when it is
   * decoded, and row objects and their Object.values copy references.
   */
  #newValues(): unknown[] {
    return new Array(this.#kept).fill(null);
  }
}

/**
 * A dataset of the rows of a CSV file, read from disk as it is iterated (the
 * file is never held in memory). Each row is `{ column: value }`, or
 * `{ xs: {...}, ys: {...} }` when columns are marked `isLabel`. A missing file,
 * a row with the wrong number of fields, an unparsable number or an empty
 * required field rejects the iteration with the file, line and column.
 */
export function csv(path: string, config?: CSVConfig): Dataset<Record<string, unknown>> {
  if (typeof path !== 'string' || path === '') throw typeError(FN, `path must be a non-empty string, got ${show(path)}`);
  const c = checkOptions(FN, config, OPTIONS);
  const hasHeader = checkBool(FN, 'hasHeader', c.hasHeader ?? true);
  const delimiter = c.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw typeError(FN, `delimiter must be one character other than a quote or a line break, got ${show(delimiter)}`);
  }
  const names = c.columnNames;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) throw typeError(FN, `columnNames must be an array of strings, got ${show(names)}`);
  if (!hasHeader && names === undefined) throw typeError(FN, 'columnNames is required when hasHeader is false');
  // No prototype: a column called 'constructor' or '__proto__' has no configuration unless given one.
  const configs: Record<string, ColumnConfig> = Object.create(null);
  if (c.columnConfigs !== undefined) {
    if (c.columnConfigs === null || typeof c.columnConfigs !== 'object') throw typeError(FN, `columnConfigs must be an object, got ${show(c.columnConfigs)}`);
    for (const [k, v] of Object.entries(c.columnConfigs as Record<string, unknown>)) {
      const cc = checkOptions(`${FN}`, v, COLUMN_OPTIONS) as ColumnConfig;
      if (cc.dtype !== undefined && !['float32', 'int32', 'string'].includes(cc.dtype)) throw typeError(FN, `columnConfigs.${k}.dtype must be 'float32', 'int32' or 'string', got ${show(cc.dtype)}`);
      configs[k] = { ...cc, isLabel: checkBool(FN, `columnConfigs.${k}.isLabel`, cc.isLabel ?? false), required: checkBool(FN, `columnConfigs.${k}.required`, cc.required ?? false) };
    }
  }
  const onlyConfigured = checkBool(FN, 'configuredColumnsOnly', c.configuredColumnsOnly ?? false);
  const hasLabels = Object.values(configs).some((cc) => cc.isLabel);
  let last: { key: string; table: CsvTable } | null = null;
  const settings: RowSettings = {
    path, hasHeader, names: names ? [...names] : undefined, configs,
    table: (columns) => {
      const key = JSON.stringify(columns);
      if (last?.key !== key) last = { key, table: new CsvTable(columns, configs, onlyConfigured, hasLabels, path) };
      return last.table;
    },
  };

  return new Dataset<Record<string, unknown>>(async function* () {
    if (!fs.existsSync(path)) throw new Error(`${FN}: no file at ${show(path)}`);
    const rows = new RowAssembler(settings);
    const scanner = new CsvScanner(delimiter, rows, `${FN}: ${path}`);
    const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
    for await (const chunk of stream as AsyncIterable<string>) {
      scanner.push(chunk);
      for (const r of rows.take()) yield r as unknown as Record<string, unknown>;
      if (rows.error !== null) throw rows.error;
    }
    scanner.end();
    for (const r of rows.take()) yield r as unknown as Record<string, unknown>;
    if (rows.error !== null) throw rows.error;
  }, null, true);
}
