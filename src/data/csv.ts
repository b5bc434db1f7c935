// tf.data.csv: a CSV file streamed from disk, one element per row, parsed as
// RFC 4180 says (quoted fields with delimiters, doubled quotes and line breaks
// inside). As in TensorFlow.js, a row is an object by column name, or
// { xs, ys } when some columns are labels.
import * as fs from 'node:fs';
import { checkBool, checkOptions, show, typeError } from '../errors';
import { Dataset } from './dataset';

/** How one column is read. */
export interface ColumnConfig {
  /** 'float32' / 'int32' parse numbers, 'string' keeps the text; default: a number when the field parses as one. */
  dtype?: 'float32' | 'int32' | 'string';
  /** The column goes to `ys` instead of `xs` (default false). */
  isLabel?: boolean;
  /** An empty field is an error (default false). */
  required?: boolean;
  /** The value of an empty field. */
  default?: number | string;
}

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

/** Rows of a CSV stream with the line each starts on; quotes may span lines and chunks. */
async function* csvRows(path: string, delimiter: string): AsyncGenerator<{ fields: string[]; line: number }> {
  const DELIM = delimiter.charCodeAt(0), QUOTE = 34, LF = 10, CR = 13;
  let field = '', fields: string[] = [], line = 1, rowLine = 1;
  // quoted: inside quotes; quoteSeen: a quote inside quotes, which closes them
  // unless the next character is another quote (an escaped one).
  let quoted = false, quoteSeen = false, afterQuote = false, pendingCR = false;
  const rows: { fields: string[]; line: number }[] = [];
  const endRow = (c: number): void => {
    fields.push(field);
    rows.push({ fields, line: rowLine });
    fields = []; field = ''; afterQuote = false;
    line++;
    rowLine = line;
    pendingCR = c === CR;
  };
  const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  for await (const chunk of stream as AsyncIterable<string>) {
    let i = 0;
    const len = chunk.length;
    while (i < len) {
      let c = chunk.charCodeAt(i);
      if (pendingCR) {
        pendingCR = false;
        if (c === LF) { i++; continue; }
      }
      if (quoteSeen) {
        quoteSeen = false;
        if (c === QUOTE) { field += '"'; i++; continue; }
        quoted = false;
        afterQuote = true;
      }
      if (quoted) {
        // Up to the next quote in one slice.
        const q = chunk.indexOf('"', i);
        const end = q < 0 ? len : q;
        const part = chunk.slice(i, end);
        for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) line++;
        field += part;
        if (q >= 0) quoteSeen = true;
        i = end + (q >= 0 ? 1 : 0);
        continue;
      }
      if (c === QUOTE && field === '' && !afterQuote) { quoted = true; i++; continue; }
      if (c === DELIM) { fields.push(field); field = ''; afterQuote = false; i++; continue; }
      if (c === LF || c === CR) { endRow(c); i++; continue; }
      if (afterQuote) throw new Error(`${FN}: ${path} line ${line}: text after a closing quote`);
      // An unquoted run: up to the next delimiter, line break or quote, in one slice.
      let k = i + 1;
      while (k < len && (c = chunk.charCodeAt(k)) !== DELIM && c !== LF && c !== CR) k++;
      field += chunk.slice(i, k);
      i = k;
    }
    yield* rows.splice(0);
  }
  if (quoteSeen) { quoted = false; quoteSeen = false; }
  if (quoted) throw new Error(`${FN}: ${path} line ${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0 || afterQuote) {
    fields.push(field);
    yield { fields, line: rowLine };
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
  const configs: Record<string, ColumnConfig> = {};
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

  return new Dataset(async function* () {
    if (!fs.existsSync(path)) throw new Error(`${FN}: no file at ${show(path)}`);
    let columns: string[] | null = names ? [...names] : null;
    // Per column, looked up once: its name, configuration and destination.
    let plan: { name: string; cc: ColumnConfig | undefined; skip: boolean; label: boolean }[] | null = null;
    let first = true;
    for await (const { fields, line } of csvRows(path, delimiter)) {
      if (first && hasHeader) {
        first = false;
        if (!columns) columns = fields;
        for (const k of Object.keys(configs)) if (!columns.includes(k)) throw new Error(`${FN}: ${path}: columnConfigs names '${k}', which is not a column (${columns.join(', ')})`);
        continue;
      }
      first = false;
      if (fields.length === 1 && fields[0] === '' && columns!.length > 1) continue; // a blank line
      if (fields.length !== columns!.length) throw new Error(`${FN}: ${path} line ${line}: expected ${columns!.length} fields, got ${fields.length}`);
      plan ??= columns!.map((name) => ({ name, cc: configs[name], skip: onlyConfigured && !configs[name], label: Boolean(configs[name]?.isLabel) }));
      const xs: Record<string, unknown> = {}, ys: Record<string, unknown> = {};
      for (let k = 0; k < plan.length; k++) {
        const col = plan[k];
        if (col.skip) continue;
        (col.label ? ys : xs)[col.name] = parseField(path, line, col.name, fields[k], col.cc);
      }
      yield hasLabels ? { xs, ys } : xs;
    }
  }, null);
}

function parseField(path: string, line: number, column: string, text: string, cc: ColumnConfig | undefined): unknown {
  if (text === '') {
    if (cc?.default !== undefined) return cc.default;
    if (cc?.required) throw new Error(`${FN}: ${path} line ${line}, column '${column}': the field is empty but required`);
    return cc?.dtype === 'string' ? '' : NaN;
  }
  const dtype = cc?.dtype;
  if (dtype === 'string') return text;
  // Number() ignores surrounding whitespace; a blank or non-numeric field gives NaN (or 0 for blanks).
  const v = +text;
  const numeric = !Number.isNaN(v) ? v !== 0 || text.trim() !== '' : text.trim() === 'NaN';
  if (dtype === 'float32' || dtype === 'int32') {
    if (!numeric) throw new Error(`${FN}: ${path} line ${line}, column '${column}': ${show(text)} is not a number`);
    if (dtype === 'int32' && !Number.isInteger(v)) throw new Error(`${FN}: ${path} line ${line}, column '${column}': ${show(text)} is not an integer`);
    return v;
  }
  return numeric ? v : text;
}
