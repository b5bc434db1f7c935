// Metric names; 'accuracy' picks its binary / categorical / sparse form from the loss, as Keras does.
import { checkOneOf, show, typeError, checkArray } from './errors';
import type { Loss, LossFunction } from './losses';
import type { Tensor } from './tensor';
import { nativeCodes } from './native_codes';

/** Metric names accepted by `compile`. */
export type MetricIdentifier =
  | 'accuracy' | 'acc' | 'sparseCategoricalAccuracy' | 'categoricalAccuracy' | 'binaryAccuracy'
  | 'mse' | 'mae' | 'meanSquaredError' | 'meanAbsoluteError' | 'topK' | 'topKCategoricalAccuracy'
  | 'sparseTopKCategoricalAccuracy' | 'sparse_categorical_accuracy' | 'categorical_accuracy' | 'binary_accuracy'
  | 'mean_squared_error' | 'mean_absolute_error' | 'top_k_categorical_accuracy' | 'sparse_top_k_categorical_accuracy';

const NAMES = ['accuracy', 'sparseCategoricalAccuracy', 'categoricalAccuracy', 'binaryAccuracy', 'meanSquaredError',
  'meanAbsoluteError', 'topKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy'] as const;
type Canonical = (typeof NAMES)[number];
const ALIASES: Record<string, Canonical> = {
  acc: 'accuracy', sparse_categorical_accuracy: 'sparseCategoricalAccuracy', categorical_accuracy: 'categoricalAccuracy',
  binary_accuracy: 'binaryAccuracy', mse: 'meanSquaredError', mean_squared_error: 'meanSquaredError',
  mae: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError', topK: 'topKCategoricalAccuracy',
  top_k_categorical_accuracy: 'topKCategoricalAccuracy', sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy',
};

/** The metrics the native engine computes ('accuracy' resolves to one of the first three). */
const NATIVE_METRICS = ['sparseCategoricalAccuracy', 'categoricalAccuracy', 'binaryAccuracy', 'meanSquaredError',
  'meanAbsoluteError', 'sparseTopKCategoricalAccuracy', 'topKCategoricalAccuracy'] as const;
type NativeMetric = (typeof NATIVE_METRICS)[number];
/** Native code of each, from the addon's table (TF_METRICS in native/metrics.h). */
const METRIC_CODE = nativeCodes('metric', NATIVE_METRICS);

/**
 * A metric written in code: `(yTrue, yPred) => values`, one per sample (or a
 * scalar for the batch), averaged over the epoch; logged under the
 * function's name. Like a {@link LossFunction}, it makes fit run one batch
 * at a time through JavaScript.
 */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A compiled metric: the key it is logged under and its aliases (`model.compileConfig.metrics`). */
export interface ResolvedMetric {
  /** Log key: the name the user wrote (Keras and TensorFlow.js both do this); a function's name. */
  key: string;
  /** Extra keys with the same value ('acc' for 'accuracy' and back), for tfjs users. */
  aliases: string[];
  /** @internal The metric as the native engine reads it (built-in metrics). */
  native: { kind: number; k?: number; threshold?: number };
  /** @internal What it computes: a built-in metric's resolved name ('accuracy' when it depends on the targets' shape), or a function. */
  compute: string | MetricFunction;
}

/** @internal Resolves `compile`'s metrics list against the loss and output width. */
/** The other key a metric is also logged under: 'acc' for 'accuracy' and back (TensorFlow.js users read either). */
function aliasesOf(key: string): string[] {
  return key === 'accuracy' ? ['acc'] : key === 'acc' ? ['accuracy'] : [];
}

/** @internal The index of the largest of `size` values from `at` (the first on ties): a row's predicted class. */
export function rowArgMax(v: ArrayLike<number>, at: number, size: number): number {
  let best = 0;
  for (let j = 1; j < size; j++) if (v[at + j] > v[at + best]) best = j;
  return best;
}

export function resolveMetrics(fn: string, metrics: unknown, loss: Loss | LossFunction, outputUnits: number): ResolvedMetric[] {
  if (metrics === undefined || metrics === null) return [];
  const list = typeof metrics === 'string' || typeof metrics === 'function' ? [metrics]
    : checkArray(fn, 'metrics', metrics, 'a string, a function or an array of them');
  const seen = new Set<string>();
  const out: ResolvedMetric[] = [];
  for (const m of list) {
    if (typeof m === 'function') {
      const key = m.name && m.name !== 'anonymous' ? m.name : `metric_${out.length}`;
      if (seen.has(key)) throw typeError(fn, `two metrics are named '${key}'; give each function its own name`);
      seen.add(key);
      out.push({ key, aliases: [], native: { kind: -1 }, compute: m as MetricFunction });
      continue;
    }
    const name = checkOneOf(fn, 'metric', m, NAMES, ALIASES);
    if (typeof loss === 'function') {
      // A loss in code says nothing of the targets' form: 'accuracy' and top-k pick theirs from the shapes at each batch, as Keras does.
      const key = m as string;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, aliases: aliasesOf(key), native: { kind: -1 }, compute: name });
      continue;
    }
    const key = m as string;
    if (seen.has(key)) continue;
    seen.add(key);
    let kind: NativeMetric;
    switch (name) {
      case 'accuracy':
        kind = loss.name === 'sparseCategoricalCrossentropy' ? 'sparseCategoricalAccuracy'
          : loss.name === 'categoricalCrossentropy' ? 'categoricalAccuracy'
          : loss.name === 'binaryCrossentropy' || outputUnits === 1 ? 'binaryAccuracy' : 'categoricalAccuracy';
        break;
      case 'topKCategoricalAccuracy':
        kind = loss.name === 'sparseCategoricalCrossentropy' ? 'sparseTopKCategoricalAccuracy' : 'topKCategoricalAccuracy';
        break;
      default:
        kind = name;
    }
    const needsLabels = kind === 'sparseCategoricalAccuracy' || kind === 'sparseTopKCategoricalAccuracy';
    if (needsLabels && loss.name !== 'sparseCategoricalCrossentropy') {
      throw typeError(fn, `metric '${key}' needs integer labels, which only the sparseCategoricalCrossentropy loss uses`);
    }
    const needsDense = kind === 'categoricalAccuracy' || kind === 'binaryAccuracy' || kind === 'topKCategoricalAccuracy';
    if (needsDense && loss.name === 'sparseCategoricalCrossentropy') {
      throw typeError(fn, `metric '${key}' needs dense targets, but the sparseCategoricalCrossentropy loss uses integer labels; use 'accuracy' or 'sparseCategoricalAccuracy'`);
    }
    const aliases = aliasesOf(key);
    out.push({ key, aliases, native: { kind: METRIC_CODE[kind], k: 5, threshold: 0.5 }, compute: kind });
  }
  return out;
}
