// tf.pruning.shrinkUnits: structural pruning (issue 20). The units of each
// hidden Dense layer, and the filters of each Conv1D / Conv2D, whose incoming
// weights matter least (L1 or L2 norm of the kernel column, or |gamma| of the
// batch normalization after it) are removed: the layer keeps `keep` of its
// units, a batch normalization after it keeps the same features, and the next
// Dense or convolution loses the matching kernel rows (input channels).
// The result is a new, physically smaller model (fewer parameters, fewer
// FLOPs per sample) that computes exactly what the original computes with the
// removed units' outputs zeroed; fine-tune it with fit. The original model is
// not modified.
import { checkOneOf, checkOptions, rangeError, show, typeError } from '../errors';
import { Conv1D } from '../layers/conv1d';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Flatten } from '../layers/flatten';
import { Layer } from '../layers/layer';
import { BatchNormalization } from '../layers/normalization';
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
  /** Names of the Dense, Conv1D and Conv2D layers to shrink (default: every one of them but the last, the output layer). */
  layers?: string[];
}

const OPTIONS = ['keep', 'criterion', 'layers'] as const;
const CRITERIA = ['l1', 'l2', 'bnGamma'] as const;
const fn = 'pruning.shrinkUnits';

/** What happens to one layer of the chain: the features it reads and the units it keeps. */
interface LayerPlan {
  layer: Layer;
  /** Indices of its input features (kernel rows / input channels) kept, or null for all. */
  inputsKept: number[] | null;
  /** Indices of its own units / filters / features kept, or null for all. */
  kept: number[] | null;
}

/** A layer whose units can be removed: Dense units or convolution filters (the kernel's last axis). */
type Producer = Dense | Conv1D | Conv2D;
const isProducer = (l: Layer): l is Producer => l instanceof Dense || l instanceof Conv1D || l instanceof Conv2D;
const unitsOf = (l: Producer): number => (l instanceof Dense ? l.units : l.filters);

/** Layers that act on each channel alone, so they pass a cut of the channels through unchanged. */
const PER_CHANNEL = new Set(['Activation', 'Dropout', 'SpatialDropout2D', 'MaxPooling1D', 'AveragePooling1D', 'MaxPooling2D',
  'AveragePooling2D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/**
 * A copy of a Sequential model with fewer units in its hidden Dense layers
 * and fewer filters in its convolutions (Conv1D, Conv2D): TensorFlow Model
 * Optimization's structured pruning, Keras names. The next layer with a
 * kernel (Dense, Conv1D, Conv2D) loses the matching inputs: kernel rows, or
 * input channels, or after a Flatten the rows of the removed channels at
 * every position. Between the two only per-channel layers may sit
 * (activation, dropout, pooling, padding, cropping, upsampling, global
 * pooling, one batchNormalization, which keeps the same channels), and at
 * most one Flatten. The copy is compiled as the original was (with a fresh
 * optimizer state) when the original is compiled.
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
  const producers = layers.map((l, i) => (isProducer(l) ? i : -1)).filter((i) => i >= 0);
  const outputLayer = producers.at(-1);
  let targets: Set<string>;
  if (o.layers === undefined) {
    targets = new Set(producers.filter((i) => i !== outputLayer).map((i) => layers[i].name));
  } else {
    if (!Array.isArray(o.layers)) throw typeError(fn, `layers must be an array of layer names, got ${show(o.layers)}`);
    targets = new Set();
    for (const name of o.layers) {
      const i = layers.findIndex((l) => l.name === name);
      if (i < 0) throw rangeError(fn, `model '${model.name}' has no layer named ${show(name)}`);
      if (!isProducer(layers[i])) throw rangeError(fn, `layer '${name}' is a ${layers[i].className}; only Dense, Conv1D and Conv2D layers are shrunk`);
      if (i === outputLayer) throw rangeError(fn, `layer '${name}' is the output layer: its units are the model's outputs`);
      targets.add(name);
    }
  }

  const plans: LayerPlan[] = layers.map((layer) => ({ layer, inputsKept: null, kept: null }));
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (!targets.has(layer.name)) continue;
    const producer = layer as Producer;
    const units = unitsOf(producer);
    // What follows up to the next layer with a kernel: only per-channel layers, one batch normalization and one Flatten.
    let next = i + 1;
    let batchNorm: BatchNormalization | null = null;
    let flatten: Flatten | null = null;
    for (; next < layers.length && !isProducer(layers[next]); next++) {
      const l = layers[next];
      if (l instanceof BatchNormalization && batchNorm === null && flatten === null) batchNorm = l;
      else if (l instanceof Flatten && flatten === null) flatten = l;
      else if (!PER_CHANNEL.has(l.className)) {
        throw rangeError(fn, `layer '${producer.name}' is followed by '${l.name}' (${l.className}), which mixes features; only per-channel layers (activation, dropout, pooling, padding, cropping, upsampling), one batchNormalization and one flatten may sit between a shrunk layer and the next Dense or convolution`);
      }
    }
    if (next >= layers.length) throw rangeError(fn, `layer '${producer.name}' feeds no later Dense or convolution layer`);
    const consumer = layers[next] as Producer;
    if (flatten && !(consumer instanceof Dense)) throw rangeError(fn, `layer '${producer.name}' reaches '${consumer.name}' through a flatten; only a Dense layer may read it there`);
    const count = Math.round(units * keep);
    if (count < 1) throw rangeError(fn, `keep ${keep} of the ${units} units of layer '${producer.name}' leaves none`);
    const score = unitScores(producer, batchNorm, criterion);
    const kept = [...score.keys()].sort((a, b) => score[b] - score[a] || a - b).slice(0, count).sort((a, b) => a - b);
    plans[i].kept = kept;
    if (batchNorm) plans[layers.indexOf(batchNorm)].kept = kept;
    // After a flatten the consumer reads [positions, channels] flattened, channels fastest (NHWC).
    const inputs = consumer.getWeights()[0].shape.at(-2)!;
    const positions = inputs / units;
    if (!Number.isInteger(positions)) throw new Error(`${fn}: layer '${consumer.name}' reads ${inputs} features, not a multiple of the ${units} of '${producer.name}'`);
    plans[next].inputsKept = Array.from({ length: positions }, (_, p) => kept.map((c) => p * units + c)).flat();
  }

  const small = new Sequential({ name: `${model.name}_shrunk` });
  for (const p of plans) {
    const { className, config } = serializeLayer(p.layer);
    // Fresh names: the layers of one model are owned by it, and the copy is another model.
    const copy = { ...config, name: `${p.layer.name}_shrunk` } as Record<string, unknown>;
    if (p.kept && p.layer instanceof Dense) copy.units = p.kept.length;
    if (p.kept && (p.layer instanceof Conv1D || p.layer instanceof Conv2D)) copy.filters = p.kept.length;
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

/** Importance of each unit (Dense) or filter (convolution): the norm of its kernel column, or |gamma| of the batch normalization after it. */
function unitScores(layer: Producer, batchNorm: BatchNormalization | null, criterion: (typeof CRITERIA)[number]): Float64Array {
  const units = unitsOf(layer);
  const score = new Float64Array(units);
  if (criterion === 'bnGamma') {
    if (!batchNorm || !batchNorm.scale) throw rangeError(fn, `criterion 'bnGamma' needs a batchNormalization with scale after layer '${layer.name}'`);
    const gamma = batchNorm.getWeights()[0].dataSync();
    for (let j = 0; j < units; j++) score[j] = Math.abs(gamma[j]);
    return score;
  }
  // Every kernel here has its units on the last axis: [in, units], [k, in, filters], [kh, kw, in, filters].
  const kernel = layer.getWeights()[0].dataSync();
  const rows = kernel.length / units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      const v = kernel[r * units + j];
      score[j] += criterion === 'l1' ? Math.abs(v) : v * v;
    }
  }
  return score;
}

/**
 * Weight j of a layer cut to the plan: a kernel's kept inputs (its
 * second-to-last axis) and kept units (its last axis), a bias's or a
 * normalization's kept entries.
 */
function sliceWeight(p: LayerPlan, w: Tensor, j: number): Tensor {
  const v = w.dataSync();
  if (isProducer(p.layer) && j === 0) {
    const shape = w.shape;
    const [ins, outs] = shape.slice(-2);
    const windows = w.size / (ins * outs);  // kernel positions: 1 for Dense
    const keepIn = p.inputsKept ?? [...Array(ins).keys()];
    const keepOut = p.kept ?? [...Array(outs).keys()];
    const out = new Float32Array(windows * keepIn.length * keepOut.length);
    let at = 0;
    for (let k = 0; k < windows; k++) {
      for (const r of keepIn) for (const c of keepOut) out[at++] = v[(k * ins + r) * outs + c];
    }
    return new Tensor(out, [...shape.slice(0, -2), keepIn.length, keepOut.length], 'float32');
  }
  if (!p.kept) return w;
  return new Tensor(Float32Array.from(p.kept, (k) => v[k]), [p.kept.length], 'float32');
}
