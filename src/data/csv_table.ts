// The columns of one CSV file as tf.data.csv reads them: which are kept,
// whether each goes to `xs` or `ys`, how a field becomes a value, and how a
// row of values becomes the element users see. Rows travel as CsvRow, a
// compact array of the kept values, until something looks at them; batch()
// then builds one tensor per column straight from those arrays.
import { show } from '../errors';
import { Tensor } from '../tensor';
import { LazyElement } from './lazy_element';

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

/** A kept column. */
interface Column {
  name: string;
  cc: ColumnConfig | undefined;
}

type Builder = (values: readonly unknown[]) => Record<string, unknown>;

/** Powers of ten that are exact doubles, for the decimal fast path. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * @internal A field of digits with an optional sign and decimal point (at most 15
 * digits) as a number, or NaN for anything else. Equal to Number() on such
 * a field: the digits form an integer below 2^53 and 10^k is exact for
 * k <= 22, so one IEEE division rounds correctly (Clinger's fast path).
 */
export function parseDecimal(src: string, start: number, end: number): number {
  let i = start;
  let c = src.charCodeAt(i);
  const negative = c === 45; // '-'
  if (negative || c === 43) i++; // '+'
  let m = 0, digits = 0, point = -1;
  for (; i < end; i++) {
    c = src.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (c === 46 && point < 0) { // '.'
      point = i;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  const v = point < 0 ? m : m / POW10[end - point - 1];
  return negative ? -v : v;
}

/** @internal The columns of one file and how its rows become elements. */
export class CsvTable {
  /** Per column of the file: its index among the kept values, or -1 when it is dropped. */
  readonly slots: Int32Array;
  /** The kept columns, in file order. */
  readonly kept: Column[];
  readonly #element: (values: readonly unknown[]) => unknown;
  readonly #where: string;

  /** `where`: the file, for error messages (`data.csv: ${where} line ...`). */
  constructor(columns: readonly string[], configs: Record<string, ColumnConfig>, onlyConfigured: boolean, hasLabels: boolean, where: string) {
    this.#where = where;
    this.slots = new Int32Array(columns.length).fill(-1);
    this.kept = [];
    const xs: number[] = [], ys: number[] = [];
    columns.forEach((name, k) => {
      const cc = Object.hasOwn(configs, name) ? configs[name] : undefined;
      if (onlyConfigured && !cc) return;
      this.slots[k] = this.kept.length;
      (cc?.isLabel ? ys : xs).push(this.kept.length);
      this.kept.push({ name, cc });
    });
    const bx = objectBuilder(xs.map((j) => this.kept[j].name), xs);
    if (hasLabels) {
      const by = objectBuilder(ys.map((j) => this.kept[j].name), ys);
      this.#element = (v) => ({ xs: bx(v), ys: by(v) });
    } else {
      this.#element = bx;
    }
  }

  /** The element of a row of kept values (or of kept columns' batches). */
  element(values: readonly unknown[]): unknown {
    return this.#element(values);
  }

  /** The value of field src[start, end) of kept column `j`, on line `line`; throws naming the line and column. */
  decode(src: string, start: number, end: number, j: number, line: number): number | string {
    const cc = this.kept[j].cc;
    if (start === end) {
      if (cc?.default !== undefined) return cc.default;
      if (cc?.required) throw new Error(`data.csv: ${this.#where} line ${line}, column '${this.kept[j].name}': the field is empty but required`);
      return cc?.dtype === 'string' ? '' : NaN;
    }
    const dtype = cc?.dtype;
    if (dtype === 'string') return src.slice(start, end);
    let v = parseDecimal(src, start, end);
    const text = v === v ? null : src.slice(start, end);
    let numeric = true;
    if (text !== null) {
      // Number() ignores surrounding whitespace; a blank or non-numeric field gives NaN (or 0 for blanks).
      v = +text;
      numeric = !Number.isNaN(v) ? v !== 0 || text.trim() !== '' : text.trim() === 'NaN';
    }
    if (dtype === 'float32' || dtype === 'int32') {
      const bad = !numeric ? 'is not a number' : dtype === 'int32' && !Number.isInteger(v) ? 'is not an integer' : null;
      if (bad) throw new Error(`data.csv: ${this.#where} line ${line}, column '${this.kept[j].name}': ${show(text ?? src.slice(start, end))} ${bad}`);
      return v;
    }
    return numeric ? v : text!;
  }
}

/** Above this many keys an object is in dictionary mode however it is made: the literal would buy nothing. */
const MAX_LITERAL_KEYS = 1000;

/**
 * A function making `{ [names[i]]: values[slots[i]] }`, the keys in order.
 * Set one by one, the keys of a wide row (Fashion-MNIST has 784) push the
 * object into V8's dictionary mode, slow to build and to read with
 * Object.values; one object literal of every key gives it a fast shape
 * instead, so the function is generated. Names are quoted with
 * JSON.stringify, which always yields a valid string literal; a
 * '__proto__' column, which a literal would treat differently, and code
 * generation being disallowed keep the plain assignments.
 */
function objectBuilder(names: readonly string[], slots: readonly number[]): Builder {
  const assign: Builder = (v) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) o[names[i]] = v[slots[i]];
    return o;
  };
  if (names.length > MAX_LITERAL_KEYS || names.includes('__proto__')) return assign;
  try {
    const body = `return {${names.map((n, i) => `${JSON.stringify(n)}: v[${slots[i]}]`).join(',\n')}};`;
    return new Function('v', body) as Builder;
  } catch {
    return assign;
  }
}

/** @internal One row of a CSV file: the kept columns' values, materialized on demand. */
export class CsvRow extends LazyElement {
  constructor(readonly table: CsvTable, readonly values: unknown[]) {
    super();
  }

  materialize(): unknown {
    return this.table.element(this.values);
  }

  /**
   * Rows of one table batched column by column: a float32 tensor of a
   * column of numbers, an array of a column that starts with a string, as
   * batching the row objects gives; null for anything else.
   */
  batch(group: readonly unknown[]): unknown | null {
    const table = this.table;
    const n = group.length;
    for (const g of group) if (!(g instanceof CsvRow) || g.table !== table) return null;
    const rows = group as readonly CsvRow[];
    const width = table.kept.length;
    // A column is numeric when its first row holds a number and kept as an
    // array when it holds a string, as batching the objects decides; a
    // default of another kind is batched by the generic path.
    const numeric = rows[0].values.map((x) => typeof x === 'number');
    if (rows[0].values.some((x) => typeof x !== 'number' && typeof x !== 'string')) return null;
    // One buffer for the batch, a view of it per column: a wide file has
    // hundreds of columns, and a small typed array of its own costs ten
    // times what a view does. Rows are read in order, as their numbers lie in memory.
    const all = new Float32Array(n * width);
    for (let b = 0; b < n; b++) {
      const values = rows[b].values;
      for (let j = 0; j < width; j++) {
        if (!numeric[j]) continue;
        const x = values[j];
        if (typeof x !== 'number') return null; // the generic path names the sample
        all[j * n + b] = x;
      }
    }
    const columns: unknown[] = new Array(width);
    for (let j = 0; j < width; j++) {
      columns[j] = numeric[j] ? new Tensor(all.subarray(j * n, (j + 1) * n), [n], 'float32') : rows.map((r) => r.values[j]);
    }
    return table.element(columns);
  }
}
