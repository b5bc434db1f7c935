// The values inside a layer config, both ways: the options every layer shares,
// nested initializers and regularizers, activation names, the feature axis.
// A config is TensorFlow.js's TypeScript form: camelCase keys, values as Keras
// writes them ('leaky_relu', 'fan_in'), nested objects as {className, config}.
// Readers are lenient where files from other writers differ harmlessly (an
// initializer tensorforge lacks only matters for re-initialising) and strict
// where a value would change what the model computes.
import { types } from 'node:util';
import { CanonicalActivation, KERAS_ACTIVATION_NAME } from '../activations';
import { rangeError, show, typeError } from '../errors';
import { Initializer, getInitializer, initializers } from '../initializers';
import type { Regularizer } from '../regularizers';
import type { LayerArgs } from './layer';

/** A layer's configuration: what {@link Layer.getConfig} returns and `fromConfig` reads (camelCase keys). */
export type LayerConfig = Record<string, unknown>;

/** A nested object of a config (an initializer, a regularizer), as Keras writes it. */
export interface SerializedObject {
  className: string;
  config: Record<string, unknown>;
}

/** @internal snake_case -> camelCase, as TensorFlow.js's toCamelCase. */
export function camelCase(s: string): string {
  return s.indexOf('_') < 0 ? s : s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

/** @internal camelCase -> snake_case. */
export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** @internal Throws unless `config` is a plain object (not null, an array or a Proxy, whose reads may lie); returns it. */
export function checkLayerConfig(fn: string, config: unknown, name = 'config'): LayerConfig {
  if (!isDict(config) || types.isProxy(config)) throw typeError(fn, `${name} must be an object, got ${show(config)}`);
  return config;
}

/**
 * @internal `config[key]` (own keys only), with null read as absent: Keras
 * writes None for "use the default". The layer's constructor checks the value.
 */
export function optional(config: LayerConfig, key: string): unknown {
  const v = Object.hasOwn(config, key) ? config[key] : undefined;
  return v === null ? undefined : v;
}

// ---------------------------------------------------------------- shared options

/** @internal Why a config's dtype cannot be read, or null: float32, or Keras 3's DTypePolicy of float32. */
export function dtypeProblem(d: unknown): string | null {
  if (d === undefined || d === null || d === 'float32') return null;
  if (isDict(d) && isDict(d.config) && d.config.name === 'float32') return null;
  return `dtype ${isDict(d) ? show(isDict(d.config) ? d.config.name : d) : show(d)} is not supported; tensorforge computes in float32`;
}

/** @internal The options every layer shares, read from its config (name, trainable, batchInputShape; dtype checked). */
export function baseArgs(fn: string, config: LayerConfig): LayerArgs {
  const problem = dtypeProblem(optional(config, 'dtype'));
  if (problem) throw rangeError(fn, problem);
  // Unchecked here: the layer's constructor checks each one.
  return {
    name: optional(config, 'name') as string | undefined,
    trainable: optional(config, 'trainable') as boolean | undefined,
    batchInputShape: optional(config, 'batchInputShape') as (number | null)[] | undefined,
  };
}

// ---------------------------------------------------------------- activations

/** @internal The name an activation is saved under: Keras's, except 'swish' for silu (TensorFlow.js knows it only by that name, Keras by both). */
export function serializeActivation(a: CanonicalActivation): string {
  return a === 'silu' ? 'swish' : KERAS_ACTIVATION_NAME[a];
}

/** @internal A saved activation: a name, Keras 3's {className} form, or null / absent for linear. The layer's constructor checks the name. */
export function deserializeActivation(fn: string, v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  if (isDict(v) && typeof v.className === 'string') return v.className;
  throw typeError(fn, `activation must be a name, got ${show(v)}`);
}

/** @internal The name of a config's activation, if it has one (load checks it against the file's writer). */
export function activationName(config: LayerConfig): string | undefined {
  const v = optional(config, 'activation');
  return typeof v === 'string' ? v : isDict(v) && typeof v.className === 'string' ? v.className : undefined;
}

// ---------------------------------------------------------------- feature axis

/**
 * @internal Throws unless a saved `axis` names the feature axis of the flat
 * [batch, features] input every such layer takes: -1 or 1, alone or in a
 * one-element list (Keras 3 writes LayerNormalization's axis as a list).
 */
export function checkFeatureAxis(fn: string, axis: unknown): void {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (a === undefined || a === null || a === -1 || a === 1) return;
  throw rangeError(fn, `only the last axis is supported, got axis ${show(axis)}`);
}

// ---------------------------------------------------------------- initializers

/**
 * @internal An initializer as Keras and TensorFlow.js both read it. The
 * LeCun family is written in its general VarianceScaling form: Keras spells
 * it LecunNormal and TensorFlow.js LeCunNormal.
 */
export function serializeInitializer(init: Initializer): SerializedObject {
  const c = init.getConfig();
  const seed = c.seed ?? null;
  switch (init.className) {
    case 'GlorotUniform': case 'GlorotNormal': case 'HeNormal': case 'HeUniform':
      return { className: init.className, config: { seed } };
    case 'LecunNormal': case 'LecunUniform': case 'VarianceScaling':
      return {
        className: 'VarianceScaling',
        config: { scale: c.scale, mode: snakeCase(String(c.mode)), distribution: snakeCase(String(c.distribution)), seed },
      };
    default: {
      const config: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c)) config[k] = v ?? null;
      return { className: init.className, config };
    }
  }
}

/**
 * @internal A saved initializer (a name or {className, config}). One
 * tensorforge lacks, or one it cannot read, is replaced by the layer's
 * default: initializers only matter for re-initialising, and a loaded model's
 * saved weights replace their values.
 */
export function deserializeInitializer(v: unknown, fallback: Parameters<typeof getInitializer>[3]): Initializer {
  try {
    if (typeof v === 'string') return getInitializer('load', 'initializer', v, fallback);
    if (!isDict(v) || typeof v.className !== 'string') return initializers[fallback]();
    const c = isDict(v.config) ? v.config : {};
    const seed = Number.isInteger(c.seed) && (c.seed as number) >= 0 ? (c.seed as number) : undefined;
    const num = (x: unknown) => (typeof x === 'number' ? x : undefined);
    switch (v.className) {
      case 'GlorotUniform': return initializers.glorotUniform({ seed });
      case 'GlorotNormal': return initializers.glorotNormal({ seed });
      case 'HeNormal': return initializers.heNormal({ seed });
      case 'HeUniform': return initializers.heUniform({ seed });
      case 'LeCunNormal': case 'LecunNormal': return initializers.lecunNormal({ seed });
      case 'LeCunUniform': case 'LecunUniform': return initializers.lecunUniform({ seed });
      case 'VarianceScaling': {
        const mode = camelCase(String(c.mode ?? 'fan_in')) as 'fanIn' | 'fanOut' | 'fanAvg';
        const distribution = camelCase(String(c.distribution ?? 'truncated_normal')) as 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'normal';
        if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode) || !['truncatedNormal', 'untruncatedNormal', 'uniform', 'normal'].includes(distribution)) break;
        const scale = num(c.scale) ?? 1;
        // The named members of the family are written in this general form (TensorFlow.js does so too): name them again.
        const kind = distribution === 'uniform' ? 'Uniform' : distribution === 'untruncatedNormal' ? '' : 'Normal';
        const named = kind && ({ '1fanAvg': 'glorot', '2fanIn': 'he', '1fanIn': 'lecun' } as Record<string, string>)[`${scale}${mode}`];
        if (named) return initializers[`${named}${kind}` as 'glorotUniform']({ seed });
        return initializers.varianceScaling({ scale, mode, distribution, seed });
      }
      case 'Zeros': return initializers.zeros();
      case 'Ones': return initializers.ones();
      case 'Constant': return initializers.constant({ value: num(c.value) ?? 0 });
      case 'RandomNormal': return initializers.randomNormal({ mean: num(c.mean), stddev: num(c.stddev), seed });
      case 'TruncatedNormal': return initializers.truncatedNormal({ mean: num(c.mean), stddev: num(c.stddev), seed });
      case 'RandomUniform': return initializers.randomUniform({ minval: num(c.minval), maxval: num(c.maxval), seed });
      case 'Orthogonal': return initializers.orthogonal({ gain: num(c.gain), seed });
    }
  } catch {
    // out-of-range values: the default below
  }
  return initializers[fallback]();
}

// ---------------------------------------------------------------- regularizers

/** @internal A kernel regularizer as Keras's L1L2 class, or null. */
export function serializeRegularizer(r: Regularizer | null): SerializedObject | null {
  return r ? { className: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null;
}

/** @internal A saved kernel regularizer: L1L2, L1 or L2 (Keras's defaults), or null / absent. Anything else would change training, so it is refused. */
export function deserializeRegularizer(fn: string, v: unknown): Regularizer | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isDict(v) || typeof v.className !== 'string') throw typeError(fn, `unsupported kernel_regularizer ${show(v)}`);
  const c = isDict(v.config) ? v.config : {};
  const num = (x: unknown, d: number) => (typeof x === 'number' ? x : d);
  switch (v.className) {
    case 'L1L2': return { className: 'L1L2', l1: num(c.l1, 0), l2: num(c.l2, 0) };
    case 'L1': return { className: 'L1', l1: num(c.l1, 0.01), l2: 0 };
    case 'L2': return { className: 'L2', l1: 0, l2: num(c.l2, 0.01) };
  }
  throw rangeError(fn, `unsupported kernel_regularizer class ${show(v.className)}; supported: L1L2, L1, L2`);
}
