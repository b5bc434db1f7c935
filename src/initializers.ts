// Weight initializers with Keras's definitions (VarianceScaling family), all seeded.
import { checkInt, checkNumber, checkOneOf, checkOptions, rangeError, show, typeError } from './errors';
import { Random } from './random';

/** Names of the built-in initializers (Keras snake_case is accepted too). */
export type InitializerIdentifier =
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'lecunNormal' | 'lecunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'orthogonal'
  | 'glorot_uniform' | 'glorot_normal' | 'he_normal' | 'he_uniform' | 'lecun_normal' | 'lecun_uniform'
  | 'random_normal' | 'random_uniform' | 'truncated_normal';

/** An initializer: fills a weight of a given shape. */
export interface Initializer {
  /** Keras class name, for serialization. */
  readonly className: string;
  /** Options, for serialization. */
  getConfig(): Record<string, unknown>;
  /** @internal Fills `out` for a weight of shape [fanIn, fanOut] (vectors: [n]). */
  fill(out: Float32Array, shape: number[], rng: Random): void;
}

const NAMES = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'lecunNormal', 'lecunUniform', 'zeros',
  'ones', 'randomNormal', 'randomUniform', 'truncatedNormal', 'orthogonal'] as const;
const ALIASES: Record<string, (typeof NAMES)[number]> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_normal: 'heNormal', he_uniform: 'heUniform',
  lecun_normal: 'lecunNormal', lecun_uniform: 'lecunUniform', random_normal: 'randomNormal',
  random_uniform: 'randomUniform', truncated_normal: 'truncatedNormal', GlorotUniform: 'glorotUniform',
  GlorotNormal: 'glorotNormal', HeNormal: 'heNormal', HeUniform: 'heUniform', LecunNormal: 'lecunNormal',
  LecunUniform: 'lecunUniform', Zeros: 'zeros', Ones: 'ones', RandomNormal: 'randomNormal',
  RandomUniform: 'randomUniform', TruncatedNormal: 'truncatedNormal', Orthogonal: 'orthogonal',
};

/**
 * `fill` is reachable on every initializer object, so it checks what it is
 * handed: a loop over a Proxy claiming a huge length would fill the heap.
 */
function checkFill(className: string, out: unknown, shape: unknown, rng: unknown, needsRng: boolean): void {
  const fn = `${className}.fill`;
  if (!(out instanceof Float32Array)) throw typeError(fn, `out must be a Float32Array, got ${show(out)}`);
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw typeError(fn, `shape must be an array of at most 8 non-negative integers, got ${show(shape)}`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== out.length) throw rangeError(fn, `out holds ${out.length} values, but shape ${show(shape)} has ${size}`);
  if (needsRng && !(rng instanceof Random)) throw typeError(fn, `rng must be a Random, got ${show(rng)}`);
}

function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Options of the variance-scaling family. */
export interface VarianceScalingArgs {
  /** Scale of the variance (default 1). */
  scale?: number;
  /** Which fan to divide by: 'fanIn' | 'fanOut' | 'fanAvg' (default 'fanIn'). */
  mode?: 'fanIn' | 'fanOut' | 'fanAvg';
  /** 'truncatedNormal' (default), 'untruncatedNormal' or 'uniform'. */
  distribution?: 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'normal';
  /** Seed; default: drawn from the global generator ({@link setSeed}). */
  seed?: number;
}

/** Reads an initializer factory's options (unknown keys refused) and checks its seed. */
function options<K extends string>(fn: string, a: unknown, keys: readonly K[]): Partial<Record<K | 'seed', unknown>> {
  const o = checkOptions<K | 'seed'>(fn, a, [...keys, 'seed']);
  if (o.seed !== undefined && o.seed !== null) checkInt(fn, 'seed', o.seed, 0);
  return o;
}

function seedOf(o: { seed?: unknown }): number | undefined {
  return (o.seed ?? undefined) as number | undefined;
}

// Initializer objects are frozen: serialization and fill read their fields, and
// a field replaced from JavaScript would change what a saved model says it is.
class VarianceScaling implements Initializer {
  constructor(readonly className: string, private args: Required<Omit<VarianceScalingArgs, 'seed'>> & { seed?: number }) {
    this.args = Object.freeze({ ...args });
    Object.freeze(this);
  }
  getConfig() {
    return { ...this.args };
  }
  fill(out: Float32Array, shape: number[], rng: Random): void {
    checkFill(this.className, out, shape, rng, this.args.seed === undefined);
    const [fanIn, fanOut] = fans(shape);
    const n = this.args.mode === 'fanIn' ? fanIn : this.args.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.args.scale / Math.max(1, n);
    const r = this.args.seed === undefined ? rng : new Random(this.args.seed);
    if (this.args.distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      for (let i = 0; i < out.length; i++) out[i] = (2 * r.uniform() - 1) * limit;
    } else if (this.args.distribution === 'truncatedNormal') {
      // 0.8796... = std of a unit normal truncated to [-2, 2] (Keras).
      const std = Math.sqrt(s) / 0.87962566103423978;
      for (let i = 0; i < out.length; i++) out[i] = r.truncatedNormal() * std;
    } else {
      const std = Math.sqrt(s);
      for (let i = 0; i < out.length; i++) out[i] = r.normal() * std;
    }
  }
}

class Constant implements Initializer {
  constructor(readonly className: string, private value: number) {
    Object.freeze(this);
  }
  getConfig() {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
  fill(out: Float32Array, shape: number[] = [out?.length]): void {
    checkFill(this.className, out, shape, null, false);
    out.fill(this.value);
  }
}

class RandomDistribution implements Initializer {
  constructor(readonly className: string, private args: { a: number; b: number; seed?: number }, private kind: 'normal' | 'uniform' | 'truncated') {
    this.args = Object.freeze({ ...args });
    Object.freeze(this);
  }
  getConfig() {
    return this.kind === 'uniform'
      ? { minval: this.args.a, maxval: this.args.b, seed: this.args.seed ?? null }
      : { mean: this.args.a, stddev: this.args.b, seed: this.args.seed ?? null };
  }
  fill(out: Float32Array, shape: number[], rng: Random): void {
    checkFill(this.className, out, shape, rng, this.args.seed === undefined);
    const r = this.args.seed === undefined ? rng : new Random(this.args.seed);
    const { a, b } = this.args;
    for (let i = 0; i < out.length; i++) {
      out[i] = this.kind === 'uniform' ? a + (b - a) * r.uniform() : a + b * (this.kind === 'normal' ? r.normal() : r.truncatedNormal());
    }
  }
}

/**
 * Keras's Orthogonal (Saxe et al. 2014): the weight seen as a matrix
 * [prod(shape[:-1]), shape[-1]] gets orthonormal rows or columns (whichever
 * are fewer), from the QR decomposition of a standard normal matrix with the
 * signs of R's diagonal folded into Q (so the result is uniformly
 * distributed), times `gain`. QR by modified Gram-Schmidt in float64.
 */
class Orthogonal implements Initializer {
  readonly className = 'Orthogonal';
  constructor(private args: { gain: number; seed?: number }) {
    this.args = Object.freeze({ ...args });
    Object.freeze(this);
  }
  getConfig() {
    return { gain: this.args.gain, seed: this.args.seed ?? null };
  }
  fill(out: Float32Array, shape: number[], rng: Random): void {
    checkFill(this.className, out, shape, rng, this.args.seed === undefined);
    if (out.length === 0) return;
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
    const rows = out.length / cols;
    // q: n orthonormal vectors of length m, where n <= m.
    const m = Math.max(rows, cols), n = Math.min(rows, cols);
    const r = this.args.seed === undefined ? rng : new Random(this.args.seed);
    const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => r.normal()));
    for (let j = 0; j < n; j++) {
      const v = q[j];
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[k][i] * v[i];
        for (let i = 0; i < m; i++) v[i] -= dot * q[k][i];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += v[i] * v[i];
      // Gram-Schmidt's R has a positive diagonal already: Keras's sign correction is the identity here.
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let i = 0; i < m; i++) v[i] *= scale;
    }
    // rows >= cols: column j of the result is q[j]; otherwise row j is.
    const gain = this.args.gain;
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < cols; b++) out[a * cols + b] = gain * (rows >= cols ? q[b][a] : q[a][b]);
    }
  }
}

function varianceScalingFamily(name: string, className: string, scale: number, mode: 'fanIn' | 'fanOut' | 'fanAvg', distribution: 'uniform' | 'truncatedNormal') {
  return (a: { seed?: number } = {}) => new VarianceScaling(className, { scale, mode, distribution, seed: seedOf(options(`initializers.${name}`, a, [])) });
}

const MODES = ['fanIn', 'fanOut', 'fanAvg'] as const;
const DISTRIBUTIONS = ['truncatedNormal', 'untruncatedNormal', 'uniform', 'normal'] as const;

/** Initializer factories, as `tf.initializers` in TensorFlow.js. */
export const initializers = {
  /** Uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010); the Dense kernel default. */
  glorotUniform: varianceScalingFamily('glorotUniform', 'GlorotUniform', 1, 'fanAvg', 'uniform'),
  /** Truncated normal with std sqrt(2 / (fanIn + fanOut)). */
  glorotNormal: varianceScalingFamily('glorotNormal', 'GlorotNormal', 1, 'fanAvg', 'truncatedNormal'),
  /** Truncated normal with std sqrt(2 / fanIn) (He et al. 2015). */
  heNormal: varianceScalingFamily('heNormal', 'HeNormal', 2, 'fanIn', 'truncatedNormal'),
  /** Uniform in ±sqrt(6 / fanIn). */
  heUniform: varianceScalingFamily('heUniform', 'HeUniform', 2, 'fanIn', 'uniform'),
  /** Truncated normal with std sqrt(1 / fanIn) (LeCun; pairs with selu). */
  lecunNormal: varianceScalingFamily('lecunNormal', 'LecunNormal', 1, 'fanIn', 'truncatedNormal'),
  /** Uniform in ±sqrt(3 / fanIn). */
  lecunUniform: varianceScalingFamily('lecunUniform', 'LecunUniform', 1, 'fanIn', 'uniform'),
  /** The general variance-scaling initializer. */
  varianceScaling: (a: VarianceScalingArgs = {}) => {
    const fn = 'initializers.varianceScaling';
    const o = options(fn, a, ['scale', 'mode', 'distribution']);
    const distribution = checkOneOf(fn, 'distribution', o.distribution ?? 'truncatedNormal', DISTRIBUTIONS);
    return new VarianceScaling('VarianceScaling', {
      scale: checkNumber(fn, 'scale', o.scale ?? 1, 0, Infinity, true),
      mode: checkOneOf(fn, 'mode', o.mode ?? 'fanIn', MODES),
      distribution: distribution === 'normal' ? 'truncatedNormal' : distribution,
      seed: seedOf(o),
    });
  },
  /** A (semi-)orthogonal matrix times `gain` (default 1); the recurrent kernel default of LSTM, GRU and SimpleRNN. */
  orthogonal: (a: { gain?: number; seed?: number } = {}) => {
    const fn = 'initializers.orthogonal';
    const o = options(fn, a, ['gain']);
    return new Orthogonal({ gain: checkNumber(fn, 'gain', o.gain ?? 1, -Number.MAX_VALUE, Number.MAX_VALUE), seed: seedOf(o) });
  },
  /** All zeros; the bias default. */
  zeros: () => new Constant('Zeros', 0),
  /** All ones. */
  ones: () => new Constant('Ones', 1),
  /** A constant value. */
  constant: (a: { value: number }) => {
    const o = checkOptions('initializers.constant', a, ['value'], true);
    return new Constant('Constant', checkNumber('initializers.constant', 'value', o.value));
  },
  /** Normal(mean = 0, stddev = 0.05), Keras's defaults. */
  randomNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => normalFamily('randomNormal', 'RandomNormal', 'normal', a),
  /** Normal truncated at 2 std (mean = 0, stddev = 0.05). */
  truncatedNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => normalFamily('truncatedNormal', 'TruncatedNormal', 'truncated', a),
  /** Uniform in [minval, maxval) = [-0.05, 0.05) by default. */
  randomUniform: (a: { minval?: number; maxval?: number; seed?: number } = {}) => {
    const fn = 'initializers.randomUniform';
    const o = options(fn, a, ['minval', 'maxval']);
    const lo = checkNumber(fn, 'minval', o.minval ?? -0.05, -Number.MAX_VALUE, Number.MAX_VALUE);
    const hi = checkNumber(fn, 'maxval', o.maxval ?? 0.05, -Number.MAX_VALUE, Number.MAX_VALUE);
    if (hi < lo) throw rangeError(fn, `maxval (${hi}) must be >= minval (${lo})`);
    return new RandomDistribution('RandomUniform', { a: lo, b: hi, seed: seedOf(o) }, 'uniform');
  },
};

function normalFamily(name: string, className: string, kind: 'normal' | 'truncated', a: unknown): Initializer {
  const fn = `initializers.${name}`;
  const o = options(fn, a, ['mean', 'stddev']);
  const mean = checkNumber(fn, 'mean', o.mean ?? 0, -Number.MAX_VALUE, Number.MAX_VALUE);
  const stddev = checkNumber(fn, 'stddev', o.stddev ?? 0.05, 0, Number.MAX_VALUE);
  return new RandomDistribution(className, { a: mean, b: stddev, seed: seedOf(o) }, kind);
}

/** @internal Resolves a name or an Initializer object. */
export function getInitializer(fn: string, what: string, v: unknown, fallback: (typeof NAMES)[number]): Initializer {
  if (v === undefined || v === null) return initializers[fallback]();
  if (v instanceof VarianceScaling || v instanceof Constant || v instanceof RandomDistribution || v instanceof Orthogonal) return v;
  if (typeof v !== 'string') throw typeError(fn, `${what} must be an initializer name or a tf.initializers.* object, got ${show(v)}`);
  const name = checkOneOf(fn, what, v, NAMES, ALIASES);
  return initializers[name]();
}
