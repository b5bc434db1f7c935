// tf.pruning.sparsity: how many of a model's weights are exactly zero, per
// weight and in total (what magnitude pruning and its schedule produce).
import { show, typeError } from '../errors';
import { LayersModel } from '../models/layers_model';

/** Zeros in one weight, or in several. */
export interface SparsityCount {
  /** Number of values. */
  size: number;
  /** Values exactly zero. */
  zeros: number;
  /** zeros / size (0 for no values). */
  sparsity: number;
}

/** What {@link sparsity} reports. */
export interface SparsityReport {
  /** Every weight, named `layer/weight` as `model.weightSpecs()` names it. */
  weights: ({ name: string; trainable: boolean } & SparsityCount)[];
  /** Kernels only (the weights pruning removes), then every weight. */
  kernels: SparsityCount;
  total: SparsityCount;
}

const count = (size: number, zeros: number): SparsityCount => ({ size, zeros, sparsity: size ? zeros / size : 0 });

/** The fraction of zero weights of a built model, per weight, over its kernels and in total. */
export function sparsity(model: LayersModel): SparsityReport {
  const fn = 'pruning.sparsity';
  if (!(model instanceof LayersModel)) throw typeError(fn, `model must be a tf.sequential or tf.model model, got ${show(model)}`);
  if (!model.built) throw new Error(`${fn}: model '${model.name}' is not built yet`);
  const specs = model.weightSpecs();
  const values = model.getWeights();
  const weights = specs.map((s, i) => {
    const v = values[i].dataSync();
    let zeros = 0;
    for (let k = 0; k < v.length; k++) if (v[k] === 0) zeros++;
    return { name: s.name, trainable: s.trainable, ...count(v.length, zeros) };
  });
  const sum = (ws: typeof weights) => count(ws.reduce((a, w) => a + w.size, 0), ws.reduce((a, w) => a + w.zeros, 0));
  return { weights, kernels: sum(weights.filter((w) => /\/kernel$/.test(w.name))), total: sum(weights) };
}
