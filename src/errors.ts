// Uniform error construction: every message starts with the public function's name.
import { types } from 'node:util';

/** Longest string, and most array entries, an error message quotes. */
const MAX_SHOWN_CHARS = 80;
const MAX_SHOWN_ITEMS = 16;

/**
 * Formats a value for an error message: shapes as [a,b], strings quoted.
 * Never throws and runs none of the value's own code (no toString, no
 * getters, no Proxy traps), so it is safe on anything a caller passes.
 */
export function show(v: unknown): string {
  return showAt(v, 0);
}

function showAt(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return v.length > MAX_SHOWN_CHARS ? `'${v.slice(0, MAX_SHOWN_CHARS)}...' (${v.length} characters)` : `'${v}'`;
    case 'bigint':
      return `${v}n`;
    case 'symbol':
      return v.toString();
    case 'function':
      return types.isProxy(v) ? 'a Proxy' : 'a function';
    case 'object':
      if (v === null) return 'null';
      if (types.isProxy(v)) return 'a Proxy';
      if (Array.isArray(v)) {
        if (depth > 2) return '[...]';
        const n = v.length;
        const parts: string[] = [];
        for (let i = 0; i < Math.min(n, MAX_SHOWN_ITEMS); i++) {
          const d = Object.getOwnPropertyDescriptor(v, i);
          parts.push(d === undefined ? '' : 'value' in d ? showAt(d.value, depth + 1) : '(a getter)');
        }
        if (n > MAX_SHOWN_ITEMS) parts.push(`... ${n} items`);
        return `[${parts.join(',')}]`;
      }
      try {
        return Object.prototype.toString.call(v);
      } catch {
        // a throwing Symbol.toStringTag getter
        return 'an object';
      }
    default:
      return String(v);
  }
}

/** The library's own function name, as error labels carry it (`dense`, `optimizers.adam`, `Tensor.reshape`). */
export type FnName = string;

export function typeError(fn: FnName, msg: string): TypeError {
  return new TypeError(`${fn}: ${msg}`);
}

export function rangeError(fn: FnName, msg: string): RangeError {
  return new RangeError(`${fn}: ${msg}`);
}

/** Edit distance of two short strings (option names), a swap of neighbours counting as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The valid name closest to `given`, or undefined when none is close: case
 * and underscores are ignored (`batch_size` and `batchsize` suggest
 * `batchSize`), then up to a third of the letters may differ.
 */
export function closest(given: string, valid: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/_/g, '').toLowerCase();
  const g = norm(given).slice(0, 64);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    const d = editDistance(g, norm(v));
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(g.length / 3)) ? best : undefined;
}

/**
 * Reads an options object: undefined gives {} (unless `required`); anything
 * but a non-array object is a TypeError; an own key not in `known` is a
 * TypeError naming the closest valid key (Keras: "Keyword argument not
 * understood"). Keys whose value is undefined count as absent. Returns a
 * snapshot of the known keys (each read once), so a getter cannot answer one
 * check and then another value to the code that uses it.
 */
export function checkOptions<K extends string>(fn: FnName, options: unknown, known: readonly K[], required = false): Partial<Record<K, unknown>> {
  if (options === undefined && !required) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(fn, `options must be an object, got ${show(options)}`);
  }
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (e) {
    // A Proxy whose ownKeys trap breaks the language's invariants.
    if (e instanceof TypeError && !/^[\w.]+: /.test(e.message)) throw typeError(fn, `options could not be read: ${e.message}`);
    throw e;
  }
  const o = options as Record<string, unknown>;
  for (const k of keys) {
    if ((known as readonly string[]).includes(k)) continue;
    if (o[k] === undefined) continue;
    const near = closest(k, known);
    throw typeError(fn, `unknown option ${show(k)}; ${near ? `did you mean '${near}'? ` : ''}valid options: ${known.join(', ')}`);
  }
  const out: Partial<Record<K, unknown>> = {};
  for (const k of known) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Throws unless `name` is one of `valid` (Keras snake_case or tfjs camelCase); returns the canonical one. */
export function checkOneOf<T extends string>(fn: FnName, what: string, value: unknown, valid: readonly T[], aliases: Record<string, T> = {}): T {
  if (typeof value === 'string') {
    if ((valid as readonly string[]).includes(value)) return value as T;
    // Own keys only: a plain object's prototype answers 'constructor' or
    // 'toString' with a function, which is no valid name.
    const key = Object.hasOwn(aliases, value) ? value : value.toLowerCase();
    if (Object.hasOwn(aliases, key)) return aliases[key];
  }
  const names = [...valid, ...Object.keys(aliases)];
  const near = typeof value === 'string' ? closest(value, names) : undefined;
  throw (typeof value === 'string' ? rangeError : typeError)(
    fn, `unknown ${what} ${show(value)}; valid values: ${names.join(', ')}${near ? `; did you mean '${near}'?` : ''}`);
}

export function checkInt(fn: FnName, name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw typeError(fn, `${name} must be a number, got ${show(v)}`);
  if (!Number.isInteger(v)) throw rangeError(fn, `${name} must be an integer, got ${show(v)}`);
  if (v < min || v > max) throw rangeError(fn, `${name} must be in [${min}, ${max}], got ${v}`);
  return v;
}

export function checkNumber(fn: FnName, name: string, v: unknown, min = -Infinity, max = Infinity, minExclusive = false): number {
  if (typeof v !== 'number') throw typeError(fn, `${name} must be a number, got ${show(v)}`);
  if (Number.isNaN(v) || v > max || v < min || (minExclusive && v === min)) {
    throw rangeError(fn, `${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${v}`);
  }
  return v;
}

export function checkBool(fn: FnName, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(fn, `${name} must be a boolean, got ${show(v)}`);
  return v;
}

export function checkString(fn: FnName, name: string, v: unknown, nonEmpty = true): string {
  if (typeof v !== 'string') throw typeError(fn, `${name} must be a string, got ${show(v)}`);
  if (nonEmpty && v === '') throw rangeError(fn, `${name} must be a non-empty string, got ''`);
  return v;
}

/** Throws unless `v` is a plain array (not a Proxy, whose reads may lie); returns it. */
export function checkArray(fn: FnName, name: string, v: unknown, what = 'an array'): unknown[] {
  if (!Array.isArray(v) || types.isProxy(v)) throw typeError(fn, `${name} must be ${what}, got ${show(v)}`);
  return v;
}
