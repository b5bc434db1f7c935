// Uniform error construction: every message starts with the public function's name.

/** Formats a value for an error message: shapes as [a,b], strings quoted. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null) return 'null';
  if (typeof v === 'object') return Object.prototype.toString.call(v);
  if (typeof v === 'function') return 'a function';
  return String(v);
}

export function typeError(fn: string, msg: string): TypeError {
  return new TypeError(`${fn}: ${msg}`);
}

export function rangeError(fn: string, msg: string): RangeError {
  return new RangeError(`${fn}: ${msg}`);
}

/** Throws unless `name` is one of `valid` (Keras snake_case or tfjs camelCase); returns the canonical one. */
export function checkOneOf<T extends string>(fn: string, what: string, value: unknown, valid: readonly T[], aliases: Record<string, T> = {}): T {
  if (typeof value === 'string') {
    if ((valid as readonly string[]).includes(value)) return value as T;
    // Own keys only: a plain object's prototype answers 'constructor' or
    // 'toString' with a function, which is no valid name.
    const key = Object.hasOwn(aliases, value) ? value : value.toLowerCase();
    if (Object.hasOwn(aliases, key)) return aliases[key];
  }
  throw (typeof value === 'string' ? rangeError : typeError)(
    fn, `unknown ${what} ${show(value)}; valid values: ${[...valid, ...Object.keys(aliases)].join(', ')}`);
}

export function checkInt(fn: string, name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw typeError(fn, `${name} must be a number, got ${show(v)}`);
  if (!Number.isInteger(v)) throw rangeError(fn, `${name} must be an integer, got ${show(v)}`);
  if (v < min || v > max) throw rangeError(fn, `${name} must be in [${min}, ${max}], got ${v}`);
  return v;
}

export function checkNumber(fn: string, name: string, v: unknown, min = -Infinity, max = Infinity, minExclusive = false): number {
  if (typeof v !== 'number') throw typeError(fn, `${name} must be a number, got ${show(v)}`);
  if (Number.isNaN(v) || v > max || v < min || (minExclusive && v === min)) {
    throw rangeError(fn, `${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${v}`);
  }
  return v;
}

export function checkBool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(fn, `${name} must be a boolean, got ${show(v)}`);
  return v;
}
