// The search space, defined by running: a build function asks `hp` for each
// value it needs (define-by-run, as Optuna and KerasTuner do), so the space is
// discovered as it is used and a name asked for only on some paths (units_2
// when layers = 3, momentum inside conditionalScope) is naturally conditional.
import { types } from 'node:util';
import { checkArray, rangeError, show, typeError, checkOptions as readOptions } from '../errors';
import { Random } from '../random';

/** A hyperparameter value. */
export type HPValue = number | string | boolean;

/** Linear or log-uniform sampling of a numeric range. */
export type Sampling = 'linear' | 'log';

interface BaseSpec {
  name: string;
  /** Parent conditions under which this name is active (from conditionalScope). */
  conditions: { parent: string; values: HPValue[] }[];
}
/** An integer hyperparameter in [min, max]. */
export interface IntSpec extends BaseSpec {
  kind: 'int';
  min: number;
  max: number;
  /** Grid step: additive, or multiplicative with log sampling (KerasTuner's rule). */
  step: number;
  sampling: Sampling;
  default: number;
}
/** A float hyperparameter in [min, max]. */
export interface FloatSpec extends BaseSpec {
  kind: 'float';
  min: number;
  max: number;
  /** Grid step, or null for a continuous range. Multiplicative with log sampling. */
  step: number | null;
  sampling: Sampling;
  default: number;
}
/** A hyperparameter that takes one of a list of values. */
export interface ChoiceSpec extends BaseSpec {
  kind: 'choice';
  values: HPValue[];
  default: HPValue;
}
/** A true/false hyperparameter. */
export interface BooleanSpec extends BaseSpec {
  kind: 'boolean';
  default: boolean;
}
/** A hyperparameter held at one value. */
export interface FixedSpec extends BaseSpec {
  kind: 'fixed';
  value: HPValue;
  default: HPValue;
}
/** One hyperparameter's definition. */
export type HPSpec = IntSpec | FloatSpec | ChoiceSpec | BooleanSpec | FixedSpec;

/** Options of {@link HyperParameters.int}. */
export interface IntOptions {
  /** Distance between allowed values (default 1); a factor with `sampling: 'log'` (e.g. 2 gives 32, 64, 128). */
  step?: number;
  /** 'linear' (default) or 'log' (uniform in log space; min must be > 0). */
  sampling?: Sampling;
  /** Value used where a strategy needs one without searching (default min). */
  default?: number;
}

/** Options of {@link HyperParameters.float}. */
export interface FloatOptions {
  /** 'linear' (default) or 'log' (uniform in log space; min must be > 0). */
  sampling?: Sampling;
  /** Distance between allowed values (default none: continuous); a factor with `sampling: 'log'`. */
  step?: number;
  /** Default value (default min). */
  default?: number;
}

/** Options of {@link HyperParameters.choice} and {@link HyperParameters.boolean}. */
export interface ChoiceOptions<T extends HPValue> {
  /** Default value (default the first one). */
  default?: T;
}

/** How a strategy supplies values for names a trial has not fixed (see {@link Strategy}). */
export type Suggest = (spec: HPSpec) => HPValue;

/** The space shared by every trial of one search: the hyperparameter definitions by name, in discovery order. */
export class SearchSpace {
  readonly specs = new Map<string, HPSpec>();

  /** Registers a definition, or checks it is identical to the one already registered. */
  register(spec: HPSpec): HPSpec {
    const old = this.specs.get(spec.name);
    if (!old) {
      this.specs.set(spec.name, spec);
      return spec;
    }
    if (old.kind !== spec.kind) {
      throw new Error(`hyperparameters: '${spec.name}' is already defined as ${old.kind}, cannot redefine it as ${spec.kind}; use another name`);
    }
    const a = describeSpec(old);
    const b = describeSpec(spec);
    if (a !== b) throw new Error(`hyperparameters: '${spec.name}' is defined twice differently: ${a} and ${b}; use another name`);
    return old;
  }

  get(name: string): HPSpec | undefined {
    return this.specs.get(name);
  }

  get size(): number {
    return this.specs.size;
  }
}

/** A one-line description of a definition (also the identity used to detect redefinitions). */
export function describeSpec(s: HPSpec): string {
  switch (s.kind) {
    case 'int':
    case 'float':
      return `${s.kind}(${s.min}..${s.max}${s.step !== null && !(s.kind === 'int' && s.step === 1 && s.sampling === 'linear') ? `, step ${s.step}` : ''}${s.sampling === 'log' ? ', log' : ''})`;
    case 'choice':
      return `choice(${s.values.map(show).join(', ')})`;
    case 'boolean':
      return 'boolean';
    case 'fixed':
      return `fixed(${show(s.value)})`;
  }
}

/**
 * The hyperparameters of one trial. A build function calls `hp.int(...)`,
 * `hp.float(...)`, `hp.choice(...)`, ... and gets this trial's value; the same
 * name with the same definition returns the same value again.
 */
export class HyperParameters {
  /** @internal */
  readonly space: SearchSpace;
  private readonly fixedValues: Record<string, HPValue>;
  private readonly suggest: Suggest;
  private readonly active = new Map<string, HPValue>();
  private readonly scopes: { parent: string; values: HPValue[] }[] = [];
  private frozen = false;

  /**
   * An empty set (each name takes its default), or, inside a search, one
   * trial's set. `values` fixes names to given values.
   */
  constructor(values: Record<string, HPValue> = {}, options: { space?: SearchSpace; suggest?: Suggest } = {}) {
    if (values === null || typeof values !== 'object' || types.isProxy(values)) throw typeError('HyperParameters', `values must be a plain object, got ${show(values)}`);
    if (options === null || typeof options !== 'object' || types.isProxy(options)) throw typeError('HyperParameters', `options must be an object, got ${show(options)}`);
    this.fixedValues = { ...values };
    this.space = options.space ?? new SearchSpace();
    this.suggest = options.suggest ?? ((spec) => spec.default);
  }

  /** @internal A set whose names are already used with these values (best trials, reloaded). */
  static fromValues(values: Record<string, HPValue>, space?: SearchSpace): HyperParameters {
    const hp = new HyperParameters(values, { space });
    for (const [k, v] of Object.entries(values)) hp.active.set(k, v);
    return hp;
  }

  /** The values used so far, by name, in the order they were first asked for. */
  get values(): Record<string, HPValue> {
    return Object.fromEntries(this.active);
  }

  /** The value of a name already used in this trial. */
  get(name: string): HPValue {
    if (!this.active.has(name)) throw new Error(`hyperparameters: '${name}' has not been used in this trial; known: ${[...this.active.keys()].join(', ') || 'none'}`);
    return this.active.get(name)!;
  }

  /** Whether a name is used in this trial. */
  has(name: string): boolean {
    return this.active.has(name);
  }

  /** An integer in [min, max]. */
  int(name: string, min: number, max: number, options: IntOptions = {}): number {
    checkName(name);
    const fn = labelFor('hp.int', name);
    options = readOptions('hp.int', options, ['step', 'sampling', 'default'], true) as IntOptions;
    if (!Number.isInteger(min) || !Number.isInteger(max)) throw rangeError(fn, `min and max must be integers, got ${show(min)} and ${show(max)}`);
    if (min > max) throw rangeError(fn, `min (${min}) > max (${max})`);
    const sampling = checkSampling(fn, options.sampling, min);
    const step = options.step ?? 1;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 1 || (sampling === 'log' && options.step !== undefined && step < 2)) {
      throw rangeError(fn, `step must be an integer >= ${sampling === 'log' ? 2 : 1}, got ${show(options.step)}`);
    }
    const dflt = options.default ?? min;
    if (typeof dflt !== 'number' || !Number.isInteger(dflt) || dflt < min || dflt > max) throw rangeError(fn, `default must be an integer in [${min}, ${max}], got ${show(dflt)}`);
    // With log sampling and no step, any integer is allowed (log-uniform); step 1 marks that.
    return this.value({ kind: 'int', name, min, max, step, sampling, default: dflt, conditions: [] }) as number;
  }

  /** A float in [min, max], continuous unless `step` is given. */
  float(name: string, min: number, max: number, options: FloatOptions = {}): number {
    checkName(name);
    const fn = labelFor('hp.float', name);
    options = readOptions('hp.float', options, ['sampling', 'step', 'default'], true) as FloatOptions;
    if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max)) {
      throw rangeError(fn, `min and max must be finite numbers, got ${show(min)} and ${show(max)}`);
    }
    if (min > max) throw rangeError(fn, `min (${min}) > max (${max})`);
    const sampling = checkSampling(fn, options.sampling, min);
    const step = options.step ?? null;
    if (step !== null && (typeof step !== 'number' || !Number.isFinite(step) || step <= 0 || (sampling === 'log' && step <= 1))) {
      throw rangeError(fn, `step must be a number > ${sampling === 'log' ? 1 : 0}, got ${show(step)}`);
    }
    const dflt = options.default ?? min;
    if (typeof dflt !== 'number' || !(dflt >= min && dflt <= max)) throw rangeError(fn, `default must be in [${min}, ${max}], got ${show(dflt)}`);
    return this.value({ kind: 'float', name, min, max, step, sampling, default: dflt, conditions: [] }) as number;
  }

  /** One of `values` (numbers, strings or booleans, all of one type). */
  choice<T extends HPValue>(name: string, values: readonly T[], options: ChoiceOptions<T> = {}): T {
    checkName(name);
    const fn = labelFor('hp.choice', name);
    options = readOptions('hp.choice', options, ['default'], true) as ChoiceOptions<T>;
    if (!Array.isArray(values)) throw typeError(fn, `values must be an array, got ${show(values)}`);
    if (values.length === 0) throw rangeError(fn, 'values must not be empty');
    const type = typeof values[0];
    for (const v of values) {
      if (!isValue(v)) throw typeError(fn, `values must be numbers, strings or booleans, got ${show(v)}`);
      if (typeof v !== type) throw typeError(fn, `values must all be of one type, got ${show(values)}`);
    }
    if (new Set(values).size !== values.length) throw rangeError(fn, `values has duplicates: ${show(values)}`);
    const dflt = options.default ?? values[0];
    if (!values.includes(dflt)) throw rangeError(fn, `default ${show(dflt)} is not one of ${show(values)}`);
    return this.value({ kind: 'choice', name, values: [...values], default: dflt, conditions: [] }) as T;
  }

  /** true or false. */
  boolean(name: string, options: ChoiceOptions<boolean> = {}): boolean {
    checkName(name);
    const fn = labelFor('hp.boolean', name);
    options = readOptions('hp.boolean', options, ['default'], true) as ChoiceOptions<boolean>;
    const dflt = options.default ?? false;
    if (typeof dflt !== 'boolean') throw typeError(fn, `default must be a boolean, got ${show(dflt)}`);
    return this.value({ kind: 'boolean', name, default: dflt, conditions: [] }) as boolean;
  }

  /** A constant: recorded with the trial, never searched. */
  fixed<T extends HPValue>(name: string, value: T): T {
    checkName(name);
    if (!isValue(value)) throw typeError('hp.fixed', `in hp.fixed(${show(name)}): value must be a number, string or boolean, got ${show(value)}`);
    return this.value({ kind: 'fixed', name, value, default: value, conditions: [] }) as T;
  }

  /**
   * Runs `fn` only when the parent's value is one of `parentValues`; the names
   * it asks for are active only then (KerasTuner's conditional_scope).
   * Returns fn's result, or undefined when the scope is inactive.
   */
  conditionalScope<R>(parent: string, parentValues: HPValue | readonly HPValue[], fn: () => R): R | undefined {
    const f = 'hp.conditionalScope';
    if (typeof fn !== 'function') throw typeError(f, `fn must be a function, got ${show(fn)}`);
    const values = Array.isArray(parentValues) ? [...checkArray(f, 'parentValues', parentValues, 'a value or an array of values')] as HPValue[] : [parentValues as HPValue];
    if (values.length === 0) throw rangeError(f, 'parentValues must not be empty');
    if (!this.active.has(parent)) throw new Error(`${f}: parent '${parent}' must be used (hp.choice, ...) before a scope conditioned on it`);
    if (!values.includes(this.active.get(parent)!)) return undefined;
    this.scopes.push({ parent, values });
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** @internal After this, asking for a new name is an error (the trial has been set up). */
  freeze(): void {
    this.frozen = true;
  }

  private value(spec: HPSpec): HPValue {
    spec.conditions = this.scopes.map((s) => ({ parent: s.parent, values: [...s.values] }));
    const registered = this.space.register(spec);
    const name = spec.name;
    if (this.active.has(name)) return this.active.get(name)!;
    if (this.frozen) {
      throw new Error(`hyperparameters: '${name}' was asked for after the trial was set up; ask for every hyperparameter in build (or, with runTrial, before its first await)`);
    }
    let v: HPValue;
    if (registered.kind === 'fixed') v = registered.value;
    else if (Object.prototype.hasOwnProperty.call(this.fixedValues, name)) {
      v = this.fixedValues[name];
      if (!isAllowed(registered, v)) throw rangeError('hyperparameters', `value ${show(v)} of '${name}' is not allowed by ${describeSpec(registered)}`);
    } else {
      v = this.suggest(registered);
    }
    this.active.set(name, v);
    return v;
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) throw typeError('hyperparameters', `name must be a non-empty string, got ${show(name)}`);
}

/**
 * The label of an `hp.*` method's errors: the method (the library's own name)
 * and then the hyperparameter's name, quoted, so that a name never reads as
 * the function that failed.
 */
function labelFor(method: string, name: string): string {
  return `${method}: in ${method}(${show(name)})`;
}

function checkSampling(fn: string, s: unknown, min: number): Sampling {
  const sampling = s ?? 'linear';
  if (sampling !== 'linear' && sampling !== 'log') throw rangeError(fn, `sampling must be 'linear' or 'log', got ${show(s)}`);
  if (sampling === 'log' && !(min > 0)) throw rangeError(fn, `log sampling needs min > 0, got ${min}`);
  return sampling;
}

function isValue(v: unknown): v is HPValue {
  return (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean';
}

/** Whether v is a value the definition can produce. */
export function isAllowed(s: HPSpec, v: HPValue): boolean {
  switch (s.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= s.min && v <= s.max;
    case 'float':
      return typeof v === 'number' && v >= s.min && v <= s.max;
    case 'choice':
      return s.values.includes(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'fixed':
      return v === s.value;
  }
}

/** The finite set of values of a definition, or null for a continuous float. */
export function discreteValues(s: HPSpec): HPValue[] | null {
  switch (s.kind) {
    case 'choice':
      return [...s.values];
    case 'boolean':
      return [false, true];
    case 'fixed':
      return [s.value];
    case 'int':
    case 'float': {
      if (s.step === null || (s.kind === 'int' && s.sampling === 'log' && s.step === 1)) return null;
      const out: number[] = [];
      if (s.sampling === 'log') {
        for (let v = s.min; v <= s.max * (1 + 1e-12); v *= s.step) out.push(s.kind === 'int' ? Math.round(v) : v);
      } else {
        const n = Math.floor((s.max - s.min) / s.step + 1e-9);
        for (let k = 0; k <= n; k++) out.push(s.kind === 'int' ? s.min + k * s.step : roundTo(s.min + k * s.step, s.step));
      }
      return out;
    }
  }
}

/** Rounds away float noise (0.1 + 0.2) to the precision of the step. */
function roundTo(v: number, step: number): number {
  const digits = Math.max(0, Math.min(15, Math.ceil(-Math.log10(step)) + 6));
  return Number(v.toFixed(digits));
}

/**
 * @internal A numeric definition's internal coordinate: log for log sampling,
 * else the value itself. Strategies (TPE) model densities there.
 */
export function toInternal(s: IntSpec | FloatSpec, v: number): number {
  return s.sampling === 'log' ? Math.log(v) : v;
}

/** @internal Inverse of {@link toInternal}, snapped to the definition's grid. */
export function fromInternal(s: IntSpec | FloatSpec, u: number): number {
  const lo = toInternal(s, s.min);
  const hi = toInternal(s, s.max);
  const x = Math.min(hi, Math.max(lo, u));
  const v = s.sampling === 'log' ? Math.exp(x) : x;
  return snap(s, v);
}

/** Nearest allowed value of a numeric definition. */
export function snap(s: IntSpec | FloatSpec, v: number): number {
  let out = Math.min(s.max, Math.max(s.min, v));
  if (s.step !== null && !(s.kind === 'int' && s.step === 1)) {
    const grid = discreteValues(s) as number[];
    let best = grid[0];
    for (const g of grid) if (Math.abs(toInternal(s, g) - toInternal(s, out)) < Math.abs(toInternal(s, best) - toInternal(s, out))) best = g;
    out = best;
  } else if (s.kind === 'int') {
    out = Math.round(out);
  }
  return Math.min(s.max, Math.max(s.min, out));
}

/** @internal A uniform draw from a definition (log-uniform for log sampling). */
export function sampleSpec(s: HPSpec, rng: Random): HPValue {
  switch (s.kind) {
    case 'choice':
      return s.values[rng.int(s.values.length)];
    case 'boolean':
      return rng.uniform() < 0.5;
    case 'fixed':
      return s.value;
    case 'int':
    case 'float': {
      const grid = discreteValues(s);
      if (grid) return grid[rng.int(grid.length)];
      if (s.kind === 'int') {
        // Log-sampled integers: log-uniform over [min - 0.5, max + 0.5), rounded.
        const lo = Math.log(Math.max(s.min - 0.5, s.min / 2));
        const hi = Math.log(s.max + 0.5);
        return snap(s, Math.exp(lo + (hi - lo) * rng.uniform()));
      }
      const lo = toInternal(s, s.min);
      const hi = toInternal(s, s.max);
      const v = s.sampling === 'log' ? Math.exp(lo + (hi - lo) * rng.uniform()) : lo + (hi - lo) * rng.uniform();
      return Math.min(s.max, Math.max(s.min, v));
    }
  }
}

/**
 * @internal The values a grid search visits: the finite set, or `points`
 * evenly spaced values (log-spaced with log sampling) for a continuous float.
 */
export function gridValues(s: HPSpec, points: number): HPValue[] {
  const d = discreteValues(s);
  if (d) return d;
  const f = s as FloatSpec | IntSpec;
  if (f.kind === 'int') {
    const out = new Set<number>();
    for (let k = 0; k < points; k++) out.add(snap(f, Math.exp(Math.log(f.min) + (k / Math.max(1, points - 1)) * (Math.log(f.max) - Math.log(f.min)))));
    return [...out];
  }
  if (f.min === f.max) return [f.min];
  const lo = toInternal(f, f.min);
  const hi = toInternal(f, f.max);
  const out: number[] = [];
  for (let k = 0; k < points; k++) {
    const u = lo + (k / Math.max(1, points - 1)) * (hi - lo);
    out.push(k === 0 ? f.min : k === points - 1 ? f.max : f.sampling === 'log' ? Math.exp(u) : u);
  }
  return out;
}
