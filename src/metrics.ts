// Metric names; 'accuracy' picks its binary / categorical / sparse form from the loss, as Keras does.
import { checkOneOf, show, typeError, checkArray } from './errors';
import type { Loss } from './losses';
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

/** A compiled metric: the key it is logged under and its aliases (`model.compileConfig.metrics`). */
export interface ResolvedMetric {
  /** Log key: the name the user wrote (Keras and TensorFlow.js both do this). */
  key: string;
  /** Extra keys with the same value ('acc' for 'accuracy' and back), for tfjs users. */
  aliases: string[];
  /** @internal The metric as the native engine reads it. */
  native: { kind: number; k?: number; threshold?: number };
}

/** @internal Resolves `compile`'s metrics list against the loss and output width. */
export function resolveMetrics(fn: string, metrics: unknown, loss: Loss, outputUnits: number): ResolvedMetric[] {
  if (metrics === undefined || metrics === null) return [];
  const list = typeof metrics === 'string' ? [metrics] : checkArray(fn, 'metrics', metrics, 'a string or an array of strings');
  const seen = new Set<string>();
  const out: ResolvedMetric[] = [];
  for (const m of list) {
    const name = checkOneOf(fn, 'metric', m, NAMES, ALIASES);
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
    const aliases = key === 'accuracy' ? ['acc'] : key === 'acc' ? ['accuracy'] : [];
    out.push({ key, aliases, native: { kind: METRIC_CODE[kind], k: 5, threshold: 0.5 } });
  }
  return out;
}
