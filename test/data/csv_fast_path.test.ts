// tf.data.csv's fast paths (fields decoded straight from the read chunks,
// decimals parsed from their characters, row objects built by one generated
// literal, batch() building column tensors from compact rows, also through
// shuffle / skip / take / repeat / prefetch) against a slow, obvious
// reference: the whole file parsed at once by the RFC 4180 rules below,
// every field through Number(), objects built key by key, and batches made
// by tf.data.array from those objects. Random files cover quoting, missing
// values and defaults, CRLF, headers and other delimiters; several span
// many 64 KiB read chunks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { CSVConfig, ColumnConfig } from '../../src/data/csv';
import { parseDecimal } from '../../src/data/csv_table';

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

// ---- The reference -------------------------------------------------------

/** Rows of `text` as tf.data.csv documents them: a quote opens a quoted field only at its start, "" inside is a quote, CR, LF and CRLF end a row. */
function referenceSplit(text: string, delim: string): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let fields: string[] = [], field = '', quotedField = false, line = 1, rowLine = 1, i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' && field === '' && !quotedField) {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${rowLine}: a quoted field is not closed`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (text[i] === '\n') line++;
        field += text[i++];
      }
      quotedField = true;
    } else if (ch === delim) {
      fields.push(field); field = ''; quotedField = false; i++;
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      rows.push({ fields, line: rowLine });
      fields = []; field = ''; quotedField = false;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      rowLine = ++line;
    } else {
      if (quotedField) throw new Error(`line ${line}: text after a closing quote`);
      field += ch; i++;
    }
  }
  if (field !== '' || fields.length > 0 || quotedField) {
    fields.push(field);
    rows.push({ fields, line: rowLine });
  }
  return rows;
}

/** One field's value by the documented rules, with Number() for every number. */
function referenceValue(text: string, cc: ColumnConfig | undefined): unknown {
  if (text === '') {
    if (cc?.default !== undefined) return cc.default;
    if (cc?.required) throw new Error('the field is empty but required');
    return cc?.dtype === 'string' ? '' : NaN;
  }
  if (cc?.dtype === 'string') return text;
  const v = Number(text);
  const numeric = !Number.isNaN(v) ? v !== 0 || text.trim() !== '' : text.trim() === 'NaN';
  if (cc?.dtype === 'float32' || cc?.dtype === 'int32') {
    if (!numeric) throw new Error(`${text} is not a number`);
    if (cc.dtype === 'int32' && !Number.isInteger(v)) throw new Error(`${text} is not an integer`);
    return v;
  }
  return numeric ? v : text;
}

/** The elements of a file, built key by key. */
function referenceElements(text: string, config: CSVConfig): unknown[] {
  const rows = referenceSplit(text, config.delimiter ?? ',');
  const hasHeader = config.hasHeader ?? true;
  const header = hasHeader ? rows.shift() : undefined;
  const columns = config.columnNames ?? header?.fields ?? [];
  const configs = config.columnConfigs ?? {};
  const labels = Object.values(configs).some((c) => c.isLabel);
  const out: unknown[] = [];
  for (const { fields } of rows) {
    if (fields.length === 1 && fields[0] === '' && columns.length > 1) continue;
    if (fields.length !== columns.length) throw new Error(`expected ${columns.length} fields, got ${fields.length}`);
    const xs: Record<string, unknown> = {}, ys: Record<string, unknown> = {};
    columns.forEach((name, k) => {
      const cc = Object.hasOwn(configs, name) ? configs[name] : undefined;
      if (config.configuredColumnsOnly && !cc) return;
      (cc?.isLabel ? ys : xs)[name] = referenceValue(fields[k], cc);
    });
    out.push(labels ? { xs, ys } : xs);
  }
  return out;
}

/** Tensors as shape, dtype and values, so batches compare with toEqual (NaN equal to NaN, -0 not equal to 0). */
function plain(v: unknown): unknown {
  if (v instanceof tf.Tensor) return { tensor: v.shape, dtype: v.dtype, values: Array.from(v.dataSync()) };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Keys in enumeration order, nested: toEqual ignores the order, Object.values (TensorFlow.js's idiom) does not. */
function keyOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyOrder);
  if (v !== null && typeof v === 'object' && !(v instanceof tf.Tensor)) return Object.entries(v).map(([k, x]) => [k, keyOrder(x)]);
  return null;
}

/** The outcome of reading a dataset: its elements, or the message it rejects with (less the file and line prefix). */
async function outcome(ds: tf.data.Dataset<unknown>): Promise<unknown> {
  try {
    return { ok: plain(await ds.toArray()) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// ---- Random files ------------------------------------------------------------

const NAMES = ['a', 'b', 'label', 'x y', '0', '10', '2', 'constructor', 'toString', 'é', 'say "hi"', 'p,q', '__proto__', 'a'];

function randomNumber(r: Rng): string {
  switch (r.int(12)) {
    case 0: return r.pick(['NaN', 'Infinity', '-Infinity', '0x1F', '1e400', ' 7 ', '-0', '0.0', '.5', '5.', '+3', '007', '1e-7', '-.25', '-', '.', '1.2.3', '12a']);
    case 1: {
      // 14 to 18 digits: either side of the fast path's 15-digit limit.
      const n = 14 + r.int(5);
      let s = String(1 + r.int(9));
      while (s.length < n) s += r.int(10);
      const point = r.int(n + 1);
      return (r.chance(0.3) ? '-' : '') + (point === n ? s : `${s.slice(0, point)}.${s.slice(point)}`);
    }
    case 2: return String(r.int(1000) - 500);
    case 3: return `${(r.next() * 100 - 50).toExponential(r.int(6))}`;
    default: return String(+(r.next() * (r.chance(0.5) ? 1 : 1000)).toFixed(r.int(8)) * (r.chance(0.2) ? -1 : 1));
  }
}

function randomString(r: Rng, delim: string): string {
  const parts = ['x', 'word', ' ', delim, '"', '""', '\n', '\r\n', 'é', '😀', 'NaN?', '0x'];
  let s = '';
  for (let n = 1 + r.int(4); n > 0; n--) s += r.pick(parts);
  return s;
}

/** A field as it is written: quoted when it must be, and sometimes when it need not be. */
function quote(text: string, delim: string, r: Rng): string {
  const must = text.includes(delim) || text.includes('"') || text.includes('\n') || text.includes('\r');
  return must || r.chance(0.1) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface Case {
  text: string;
  config: CSVConfig;
}

/** A random file of `rows` rows, or more until it has `minChars` characters. */
function randomCase(seed: number, rows: number, minChars = 0): Case {
  const r = rng(seed);
  const delim = r.pick([',', ';', '\t', '|']);
  const ncol = 1 + r.int(6);
  const columns = Array.from({ length: ncol }, () => r.pick(NAMES));
  const configs: Record<string, ColumnConfig> = {};
  const kinds: Record<string, 'number' | 'integer' | 'string' | 'mixed'> = {};
  for (const name of columns) {
    if (Object.hasOwn(kinds, name)) continue;
    const cc: ColumnConfig = {};
    const kind = r.pick(['number', 'integer', 'string', 'mixed'] as const);
    kinds[name] = kind;
    if (kind === 'integer' && r.chance(0.7)) cc.dtype = 'int32';
    if (kind === 'number' && r.chance(0.5)) cc.dtype = 'float32';
    if (kind === 'string' && r.chance(0.5)) cc.dtype = 'string';
    if (r.chance(0.3)) cc.isLabel = true;
    if (r.chance(0.4)) cc.default = kind === 'string' || kind === 'mixed' ? r.pick(['?', 'none', '']) : r.pick([-1, 0, 2.5]);
    if (name !== '__proto__' && r.chance(0.6)) configs[name] = cc;
  }
  const eol = r.pick(['\n', '\r\n', '\r']);
  const lines: string[] = [];
  const hasHeader = r.chance(0.8);
  if (hasHeader) lines.push(columns.map((c) => quote(c, delim, r)).join(delim));
  for (let i = 0, chars = 0; i < rows || chars < minChars; i++) {
    if (ncol > 1 && r.chance(0.03)) lines.push('');
    lines.push(columns.map((name) => {
      const kind = kinds[name];
      if (r.chance(0.1)) return r.chance(0.5) ? '' : '""'; // a missing value: the default, NaN or ''
      const text = kind === 'integer' ? String(r.int(2000) - 1000)
        : kind === 'number' ? (configs[name]?.dtype ? String(+(r.next() * 10).toFixed(r.int(6))) : randomNumber(r))
          : kind === 'string' ? randomString(r, delim)
            : r.chance(0.5) ? randomNumber(r) : randomString(r, delim);
      return quote(text, delim, r);
    }).join(delim));
    chars += lines[lines.length - 1].length + eol.length;
  }
  const config: CSVConfig = { delimiter: delim, hasHeader };
  if (!hasHeader || r.chance(0.2)) config.columnNames = columns;
  if (Object.keys(configs).length > 0) config.columnConfigs = configs;
  if (r.chance(0.2)) config.configuredColumnsOnly = true;
  return { text: lines.join(eol) + (r.chance(0.5) ? eol : ''), config };
}

describe('csv fast paths against the reference', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-csv-fast-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const write = (text: string) => {
    const p = path.join(dir, `c${files++}.csv`);
    fs.writeFileSync(p, text);
    return p;
  };

  it('parseDecimal equals Number() on every field it accepts, and accepts every plain decimal of up to 15 digits', () => {
    const r = rng(1);
    const wrong: string[] = [], refused: string[] = [];
    for (let n = 0; n < 200_000; n++) {
      const s = n % 2 ? randomNumber(r) : (r.pick(['', '-', '+']) + String(r.int(1e6)) + (r.chance(0.8) ? '.' + String(r.int(1e9)).padStart(r.int(10), '0') : ''));
      const v = parseDecimal(s, 0, s.length);
      if (!Number.isNaN(v) && !Object.is(v, Number(s))) wrong.push(s);
      if (Number.isNaN(v) && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) && s.replace(/\D/g, '').length <= 15) refused.push(s);
    }
    expect(wrong).toEqual([]);
    expect(refused).toEqual([]);
    // Within a longer string, as the read chunks are.
    expect(parseDecimal('a,-12.5,b', 2, 7)).toBe(-12.5);
    expect(Object.is(parseDecimal('-0', 0, 2), -0)).toBe(true);
    for (const s of ['', '-', '.', '1e3', ' 1', '0x10', '1234567890123456', 'NaN']) expect(parseDecimal(s, 0, s.length), s).toBeNaN();
  });

  it('random files: the same elements (values and key order) and the same batches as the reference, straight and through shuffle / skip / take / repeat / prefetch', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = randomCase(seed, seed % 10 === 0 ? 2000 : 40);
      const p = write(c.text);
      const label = `seed ${seed}`;
      let expected: unknown[];
      try {
        expected = referenceElements(c.text, c.config);
      } catch (e) {
        throw new Error(`${label}: the reference failed (${(e as Error).message}): the generator should write valid files`);
      }
      const rows = await tf.data.csv(p, c.config).toArray();
      expect(rows, label).toEqual(expected);
      expect(keyOrder(rows), label).toEqual(keyOrder(expected));
      const b = 1 + (seed % 7);
      // A column whose later rows hold text where the first holds a number fails to batch: then both must fail alike.
      expect(await outcome(tf.data.csv(p, c.config).batch(b)), label).toEqual(await outcome(tf.data.array(expected).batch(b)));
      expect(await outcome(tf.data.csv(p, c.config).map((e) => e).batch(b)), label).toEqual(await outcome(tf.data.array(expected).batch(b)));
      const chain = <T>(ds: tf.data.Dataset<T>) => ds.shuffle(17, seed).skip(2).take(30).repeat(2).prefetch(3).batch(b, seed % 2 === 0);
      expect(await outcome(chain(tf.data.csv(p, c.config))), label).toEqual(await outcome(chain(tf.data.array(expected))));
      expect(await tf.data.csv(p, c.config).shuffle(9, seed).take(5).toArray(), label).toEqual(await tf.data.array(expected).shuffle(9, seed).take(5).toArray());
    }
  });

  it('large random files: fields, quotes, doubled quotes and CRLF split across many read chunks', async () => {
    for (let seed = 100; seed < 104; seed++) {
      const c = randomCase(seed, 0, 5 << 16);
      expect(c.text.length).toBeGreaterThan(4 << 16);
      const p = write(c.text);
      const expected = referenceElements(c.text, c.config);
      expect(await tf.data.csv(p, c.config).toArray(), `seed ${seed}`).toEqual(expected);
      expect(await outcome(tf.data.csv(p, c.config).batch(64)), `seed ${seed}`).toEqual(await outcome(tf.data.array(expected).batch(64)));
    }
  });

  it('wide rows: 784 columns (one literal builds each row) and 1,100 (built key by key), with Object.values in column order', async () => {
    const r = rng(7);
    for (const width of [784, 1100]) {
      const names = Array.from({ length: width }, (_, j) => (j % 50 === 0 ? String(j) : `p${j}`));
      const lines = ['label,' + names.join(',')];
      for (let i = 0; i < 70; i++) lines.push([r.int(10), ...names.map(() => (r.chance(0.5) ? '0' : r.chance(0.05) ? '' : String(+r.next().toFixed(4))))].join(','));
      const text = lines.join('\n');
      const config: CSVConfig = { columnConfigs: { label: { isLabel: true, dtype: 'int32' }, p1: { default: -1 } } };
      const p = write(text);
      const expected = referenceElements(text, config) as { xs: Record<string, number> }[];
      const rows = (await tf.data.csv(p, config).toArray()) as { xs: Record<string, number> }[];
      expect(rows).toEqual(expected);
      expect(rows.map((e) => Object.values(e.xs))).toEqual(expected.map((e) => Object.values(e.xs)));
      expect(Object.keys(rows[0].xs)).toEqual(Object.keys(expected[0].xs));
      const idiom = (ds: tf.data.Dataset<unknown>) => ds.map((e) => ({ xs: Object.values((e as { xs: object }).xs), ys: (e as { ys: { label: number } }).ys.label })).batch(32);
      expect(plain(await idiom(tf.data.csv(p, config)).toArray())).toEqual(plain(await idiom(tf.data.array(expected)).toArray()));
      expect(plain(await tf.data.csv(p, config).batch(32).toArray())).toEqual(plain(await tf.data.array(expected).batch(32).toArray()));
    }
  });

  it('defaults that are neither numbers nor strings batch as the generic path batches them', async () => {
    const p = write('a,b\n1,\n2,\n');
    for (const d of [[7, 8], { k: 3 }, null]) {
      const config = { columnConfigs: { b: { default: d as never } } };
      const expected = referenceElements('a,b\n1,\n2,\n', config);
      expect(await tf.data.csv(p, config).toArray()).toEqual(expected);
      expect(await outcome(tf.data.csv(p, config).batch(2))).toEqual(await outcome(tf.data.array(expected).batch(2)));
    }
  });

  it('a lazy csv stage read by zip, forEachAsync and iterator() gives plain objects', async () => {
    const p = write('a;b\n1;x\n2;"y;z"\n');
    const config = { delimiter: ';' };
    const ds = tf.data.csv(p, config).take(2);
    expect(await tf.data.zip([ds, ds]).toArray()).toEqual([[{ a: 1, b: 'x' }, { a: 1, b: 'x' }], [{ a: 2, b: 'y;z' }, { a: 2, b: 'y;z' }]]);
    const seen: unknown[] = [];
    await ds.skip(1).forEachAsync((e) => { seen.push(e); });
    expect(seen).toEqual([{ a: 2, b: 'y;z' }]);
    const it = await tf.data.csv(p, config).repeat(2).iterator();
    const first = await it.next();
    expect(Object.getPrototypeOf(first.value)).toBe(Object.prototype);
    expect(first.value).toEqual({ a: 1, b: 'x' });
  });

  it('errors after good rows: the rows before come out first, then the error names the line and column', async () => {
    const p = write('a,b\n1,2\n3,4\n5,x\n7,8\n');
    const seen: unknown[] = [];
    await expect(tf.data.csv(p, { columnConfigs: { b: { dtype: 'float32' } } }).forEachAsync((e) => { seen.push(e); })).rejects.toThrow(/line 4, column 'b': 'x' is not a number/);
    expect(seen).toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    // A row with too many fields and a bad one: the field count is reported, as for a whole row.
    await expect(tf.data.csv(write('a,b\n1,x,3\n'), { columnConfigs: { b: { dtype: 'int32' } } }).toArray()).rejects.toThrow(/line 2: expected 2 fields, got 3/);
    await expect(tf.data.csv(write('a,b\n1,2.5\n'), { columnConfigs: { b: { dtype: 'int32' } } }).toArray()).rejects.toThrow(/line 2, column 'b': '2\.5' is not an integer/);
    await expect(tf.data.csv(write('a,b\n1,"2" 3\n')).toArray()).rejects.toThrow(/line 2: text after a closing quote/);
  });
});

describe('batch of flat arrays', () => {
  it('one loop gives the values in order, and the same errors as nested arrays', async () => {
    const rows = [[1, 2.5, -0], [NaN, 4, 5]];
    const [b] = (await tf.data.array(rows).batch(2).toArray()) as tf.Tensor[];
    expect(b.shape).toEqual([2, 3]);
    expect(Array.from(b.dataSync())).toEqual([1, 2.5, -0, NaN, 4, 5]);
    await expect(tf.data.array([[1, 2], [3]]).batch(2).toArray()).rejects.toThrow(/^Dataset\.batch: batch 0, element: sample 1 is ragged: expected 2 values at depth 0 like the first sample, got \[3\]$/);
    await expect(tf.data.array([[1, 2], 'ab']).batch(2).toArray()).rejects.toThrow(/^Dataset\.batch: batch 0, element: sample 1 is ragged: expected 2 values at depth 0 like the first sample, got 'ab'$/);
    await expect(tf.data.array([[1, 2], [3, [4]]]).batch(2).toArray()).rejects.toThrow(/^Dataset\.batch: batch 0, element: sample 1 holds \[4\] where a number belongs$/);
    await expect(tf.data.array([1, 'x']).batch(2).toArray()).rejects.toThrow(/^Dataset\.batch: batch 0, element: sample 1 holds 'x' where a number belongs$/);
  });
});
