// Weight initializers with Keras's definitions (VarianceScaling family), all seeded.
import { checkNumber, checkOneOf, rangeError, show, typeError } from './errors';
import { Random } from './random';

/** Names of the built-in initializers (Keras snake_case is accepted too). */
export type InitializerIdentifier =
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'lecunNormal' | 'lecunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal'
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
  'ones', 'randomNormal', 'randomUniform', 'truncatedNormal'] as const;
const ALIASES: Record<string, (typeof NAMES)[number]> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_normal: 'heNormal', he_uniform: 'heUniform',
  lecun_normal: 'lecunNormal', lecun_uniform: 'lecunUniform', random_normal: 'randomNormal',
  random_uniform: 'randomUniform', truncated_normal: 'truncatedNormal', GlorotUniform: 'glorotUniform',
  GlorotNormal: 'glorotNormal', HeNormal: 'heNormal', HeUniform: 'heUniform', LecunNormal: 'lecunNormal',
  LecunUniform: 'lecunUniform', Zeros: 'zeros', Ones: 'ones', RandomNormal: 'randomNormal',
  RandomUniform: 'randomUniform', TruncatedNormal: 'truncatedNormal',
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

class VarianceScaling implements Initializer {
  constructor(readonly className: string, private args: Required<Omit<VarianceScalingArgs, 'seed'>> & { seed?: number }) {}
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
  constructor(readonly className: string, private value: number) {}
  getConfig() {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
  fill(out: Float32Array, shape: number[] = [out?.length]): void {
    checkFill(this.className, out, shape, null, false);
    out.fill(this.value);
  }
}

class RandomDistribution implements Initializer {
  constructor(readonly className: string, private args: { a: number; b: number; seed?: number }, private kind: 'normal' | 'uniform' | 'truncated') {}
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

/** Initializer factories, as `tf.initializers` in TensorFlow.js. */
export const initializers = {
  /** Uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010); the Dense kernel default. */
  glorotUniform: (a: { seed?: number } = {}) => new VarianceScaling('GlorotUniform', { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: a.seed }),
  /** Truncated normal with std sqrt(2 / (fanIn + fanOut)). */
  glorotNormal: (a: { seed?: number } = {}) => new VarianceScaling('GlorotNormal', { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: a.seed }),
  /** Truncated normal with std sqrt(2 / fanIn) (He et al. 2015). */
  heNormal: (a: { seed?: number } = {}) => new VarianceScaling('HeNormal', { scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: a.seed }),
  /** Uniform in ±sqrt(6 / fanIn). */
  heUniform: (a: { seed?: number } = {}) => new VarianceScaling('HeUniform', { scale: 2, mode: 'fanIn', distribution: 'uniform', seed: a.seed }),
  /** Truncated normal with std sqrt(1 / fanIn) (LeCun; pairs with selu). */
  lecunNormal: (a: { seed?: number } = {}) => new VarianceScaling('LecunNormal', { scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: a.seed }),
  /** Uniform in ±sqrt(3 / fanIn). */
  lecunUniform: (a: { seed?: number } = {}) => new VarianceScaling('LecunUniform', { scale: 1, mode: 'fanIn', distribution: 'uniform', seed: a.seed }),
  /** The general variance-scaling initializer. */
  varianceScaling: (a: VarianceScalingArgs = {}) => new VarianceScaling('VarianceScaling', {
    scale: checkNumber('varianceScaling', 'scale', a.scale ?? 1, 0, Infinity, true),
    mode: a.mode ?? 'fanIn',
    distribution: a.distribution === 'normal' ? 'truncatedNormal' : a.distribution ?? 'truncatedNormal',
    seed: a.seed,
  }),
  /** All zeros; the bias default. */
  zeros: () => new Constant('Zeros', 0),
  /** All ones. */
  ones: () => new Constant('Ones', 1),
  /** A constant value. */
  constant: (a: { value: number }) => new Constant('Constant', checkNumber('constant', 'value', a.value)),
  /** Normal(mean = 0, stddev = 0.05), Keras's defaults. */
  randomNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) =>
    new RandomDistribution('RandomNormal', { a: a.mean ?? 0, b: a.stddev ?? 0.05, seed: a.seed }, 'normal'),
  /** Normal truncated at 2 std (mean = 0, stddev = 0.05). */
  truncatedNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) =>
    new RandomDistribution('TruncatedNormal', { a: a.mean ?? 0, b: a.stddev ?? 0.05, seed: a.seed }, 'truncated'),
  /** Uniform in [minval, maxval) = [-0.05, 0.05) by default. */
  randomUniform: (a: { minval?: number; maxval?: number; seed?: number } = {}) =>
    new RandomDistribution('RandomUniform', { a: a.minval ?? -0.05, b: a.maxval ?? 0.05, seed: a.seed }, 'uniform'),
};

/** @internal Resolves a name or an Initializer object. */
export function getInitializer(fn: string, what: string, v: unknown, fallback: (typeof NAMES)[number]): Initializer {
  if (v === undefined || v === null) return initializers[fallback]();
  if (typeof v === 'object' && typeof (v as Initializer).fill === 'function') return v as Initializer;
  if (typeof v !== 'string') throw typeError(fn, `${what} must be an initializer name or object, got ${show(v)}`);
  const name = checkOneOf(fn, what, v, NAMES, ALIASES);
  return initializers[name]();
}
