// tf.pruning.shrinkUnits: structural pruning (issue 20). The units of each
// hidden Dense layer whose incoming weights matter least (L1 or L2 norm of the
// kernel column, or |gamma| of the batch normalization after it) are removed:
// the layer keeps `keep` of its units, a batch normalization after it keeps
// the same features, and the next Dense layer loses the matching kernel rows.
// The result is a new, physically smaller model (fewer parameters, fewer
// FLOPs per sample) that computes exactly what the original computes with the
// removed units' outputs zeroed; fine-tune it with fit. The original model is
// not modified.
import { checkOneOf, checkOptions, rangeError, show, typeError } from '../errors';
import { Dense } from '../layers/dense';
import { Layer } from '../layers/layer';
import { BatchNormalization } from '../layers/normalization';
import { ActivationLayer } from '../layers/activation_layer';
import { Dropout } from '../layers/dropout';
import { deserializeLayer, serializeLayer } from '../layers/registry';
import { Sequential } from '../models/sequential';
import { Tensor } from '../tensor';

/** Options of {@link shrinkUnits}. */
export interface ShrinkUnitsArgs {
  /** Fraction of each shrunk layer's units to keep, in (0, 1] (default 0.5). */
  keep?: number;
  /**
   * How a unit's importance is measured: 'l1' (default) or 'l2', the norm of
   * its column of the kernel (its incoming weights); 'bnGamma', |gamma| of
   * the batchNormalization that follows the layer (as network slimming does).
   */
  criterion?: 'l1' | 'l2' | 'bnGamma';
  /** Names of the Dense layers to shrink (default: every Dense layer but the output layer). */
  layers?: string[];
}

const OPTIONS = ['keep', 'criterion', 'layers'] as const;
const CRITERIA = ['l1', 'l2', 'bnGamma'] as const;
const fn = 'pruning.shrinkUnits';

/** What happens to one layer of the chain: the features it reads and the units it keeps. */
interface LayerPlan {
  layer: Layer;
  /** Indices of its input features kept (a Dense after a shrunk one), or null for all. */
  inputsKept: number[] | null;
  /** Indices of its own units / features kept, or null for all. */
  kept: number[] | null;
}

/**
 * A copy of a Sequential model with fewer units in its hidden Dense layers
 * (TensorFlow Model Optimization's structured pruning, Keras names). The
 * copy is compiled as the original was (with a fresh optimizer state) when
 * the original is compiled.
 *
 * ```ts
 * const small = tf.pruning.shrinkUnits(model, { keep: 0.5, criterion: 'l1' });
 * await small.fit(x, y, { epochs: 2 });  // fine-tune
 * ```
 */
export function shrinkUnits(model: Sequential, args: ShrinkUnitsArgs = {}): Sequential {
  if (!(model instanceof Sequential)) {
    throw typeError(fn, `model must be a tf.sequential model (functional models are not supported yet), got ${show(model)}`);
  }
  const o = checkOptions(fn, args, OPTIONS, true) as ShrinkUnitsArgs;
  const keep = o.keep ?? 0.5;
  if (typeof keep !== 'number' || !(keep > 0 && keep <= 1)) throw rangeError(fn, `keep must be a number in (0, 1], got ${show(keep)}`);
  const criterion = checkOneOf(fn, 'criterion', o.criterion ?? 'l1', CRITERIA);
  if (!model.built) throw new Error(`${fn}: model '${model.name}' is not built yet; train it (or call build) first`);
  const layers = model.layers;
  const denseIndices = layers.map((l, i) => (l instanceof Dense ? i : -1)).filter((i) => i >= 0);
  const outputDense = denseIndices.at(-1);
  let targets: Set<string>;
  if (o.layers === undefined) {
    targets = new Set(denseIndices.filter((i) => i !== outputDense).map((i) => layers[i].name));
  } else {
    if (!Array.isArray(o.layers)) throw typeError(fn, `layers must be an array of layer names, got ${show(o.layers)}`);
    targets = new Set();
    for (const name of o.layers) {
      const i = layers.findIndex((l) => l.name === name);
      if (i < 0) throw rangeError(fn, `model '${model.name}' has no layer named ${show(name)}`);
      if (!(layers[i] instanceof Dense)) throw rangeError(fn, `layer '${name}' is a ${layers[i].className}; only Dense layers are shrunk`);
      if (i === outputDense) throw rangeError(fn, `layer '${name}' is the output layer: its units are the model's outputs`);
      targets.add(name);
    }
  }

  const plans: LayerPlan[] = layers.map((layer) => ({ layer, inputsKept: null, kept: null }));
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (!targets.has(layer.name)) continue;
    const dense = layer as Dense;
    // What follows up to the next Dense layer: only per-feature layers may sit in between.
    let next = i + 1;
    let batchNorm: BatchNormalization | null = null;
    for (; next < layers.length && !(layers[next] instanceof Dense); next++) {
      const l = layers[next];
      if (l instanceof BatchNormalization && batchNorm === null) batchNorm = l;
      else if (!(l instanceof ActivationLayer || l instanceof Dropout)) {
        throw rangeError(fn, `layer '${dense.name}' is followed by '${l.name}' (${l.className}), which mixes features; only activation, dropout and batchNormalization may sit between shrunk Dense layers`);
      }
    }
    if (next >= layers.length) throw rangeError(fn, `layer '${dense.name}' feeds no later Dense layer`);
    const units = dense.units;
    const count = Math.round(units * keep);
    if (count < 1) throw rangeError(fn, `keep ${keep} of the ${units} units of layer '${dense.name}' leaves none`);
    const score = unitScores(dense, batchNorm, criterion);
    const kept = [...score.keys()].sort((a, b) => score[b] - score[a] || a - b).slice(0, count).sort((a, b) => a - b);
    plans[i].kept = kept;
    if (batchNorm) plans[layers.indexOf(batchNorm)].kept = kept;
    plans[next].inputsKept = kept;
  }

  const small = new Sequential({ name: `${model.name}_shrunk` });
  for (const p of plans) {
    const { className, config } = serializeLayer(p.layer);
    // Fresh names: the layers of one model are owned by it, and the copy is another model.
    const copy = { ...config, name: `${p.layer.name}_shrunk` } as Record<string, unknown>;
    if (p.layer instanceof Dense && p.kept) copy.units = p.kept.length;
    small.add(deserializeLayer({ className, config: copy }));
  }
  small.build(model.inputs!);
  plans.forEach((p, k) => {
    const weights = p.layer.getWeights();
    if (weights.length) small.layers[k].setWeights(weights.map((w, j) => sliceWeight(p, w, j)));
  });
  const compiled = model.compileConfig;
  if (compiled) small.compile({ optimizer: compiled.optimizer, loss: compiled.loss, metrics: compiled.metrics.map((m) => m.key) });
  return small;
}

/** Importance of each unit of a Dense layer. */
function unitScores(dense: Dense, batchNorm: BatchNormalization | null, criterion: (typeof CRITERIA)[number]): Float64Array {
  const units = dense.units;
  const score = new Float64Array(units);
  if (criterion === 'bnGamma') {
    if (!batchNorm || !batchNorm.scale) throw rangeError(fn, `criterion 'bnGamma' needs a batchNormalization with scale after layer '${dense.name}'`);
    const gamma = batchNorm.getWeights()[0].dataSync();
    for (let j = 0; j < units; j++) score[j] = Math.abs(gamma[j]);
    return score;
  }
  const kernel = dense.getWeights()[0].dataSync();
  const rows = kernel.length / units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      const v = kernel[r * units + j];
      score[j] += criterion === 'l1' ? Math.abs(v) : v * v;
    }
  }
  return score;
}

/** Weight j of a layer cut to the plan: a Dense kernel's kept rows and columns, a bias's or a normalization's kept entries. */
function sliceWeight(p: LayerPlan, w: Tensor, j: number): Tensor {
  const v = w.dataSync();
  if (p.layer instanceof Dense && j === 0) {
    const [rows, cols] = w.shape;
    const keepRows = p.inputsKept ?? [...Array(rows).keys()];
    const keepCols = p.kept ?? [...Array(cols).keys()];
    const out = new Float32Array(keepRows.length * keepCols.length);
    keepRows.forEach((r, a) => keepCols.forEach((c, b) => (out[a * keepCols.length + b] = v[r * cols + c])));
    return new Tensor(out, [keepRows.length, keepCols.length], 'float32');
  }
  if (!p.kept) return w;
  return new Tensor(Float32Array.from(p.kept, (k) => v[k]), [p.kept.length], 'float32');
}
