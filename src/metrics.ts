// Metric names; 'accuracy' picks its binary / categorical / sparse form from the loss, as Keras does.
import { checkOneOf, show, typeError, checkArray } from './errors';
import type { Loss } from './losses';

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

/** @internal A resolved metric: the key it is logged under and its native form. */
export interface ResolvedMetric {
  /** Log key: the name the user wrote (Keras and TensorFlow.js both do this). */
  key: string;
  /** Extra keys with the same value ('acc' for 'accuracy' and back), for tfjs users. */
  aliases: string[];
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
    let kind: number;
    switch (name) {
      case 'accuracy':
        kind = loss.name === 'sparseCategoricalCrossentropy' ? 0
          : loss.name === 'categoricalCrossentropy' ? 1
          : loss.name === 'binaryCrossentropy' || outputUnits === 1 ? 2 : 1;
        break;
      case 'sparseCategoricalAccuracy': kind = 0; break;
      case 'categoricalAccuracy': kind = 1; break;
      case 'binaryAccuracy': kind = 2; break;
      case 'meanSquaredError': kind = 3; break;
      case 'meanAbsoluteError': kind = 4; break;
      case 'sparseTopKCategoricalAccuracy': kind = 5; break;
      case 'topKCategoricalAccuracy': kind = loss.name === 'sparseCategoricalCrossentropy' ? 5 : 6; break;
    }
    const needsLabels = kind === 0 || kind === 5;
    if (needsLabels && loss.name !== 'sparseCategoricalCrossentropy') {
      throw typeError(fn, `metric '${key}' needs integer labels, which only the sparseCategoricalCrossentropy loss uses`);
    }
    if ((kind === 1 || kind === 2 || kind === 6) && loss.name === 'sparseCategoricalCrossentropy') {
      throw typeError(fn, `metric '${key}' needs dense targets, but the sparseCategoricalCrossentropy loss uses integer labels; use 'accuracy' or 'sparseCategoricalAccuracy'`);
    }
    const aliases = key === 'accuracy' ? ['acc'] : key === 'acc' ? ['accuracy'] : [];
    out.push({ key, aliases, native: { kind, k: 5, threshold: 0.5 } });
  }
  return out;
}
