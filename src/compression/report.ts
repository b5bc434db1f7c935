// tf.compression.report: what a model costs (issue 20): parameters,
// non-zero parameters, bytes as stored and FLOPs per sample, per layer and in
// total, for a float model (with the bytes of each storage format of
// model.save) or a tf.quantization model; with data, also its predict latency
// at batch 1, throughput at batch 1000 and accuracy. Prints a table and
// returns it.
import { rowArgMax } from '../metrics';
import { checkBool, checkOptions, rangeError, show, typeError } from '../errors';
import { LayersModel } from '../models/layers_model';
import { Tensor, checkTensor } from '../tensor';
import { QuantizedModel } from './quantize';
import type { QuantizedGraph } from './quantize_graph';

/** One layer's line of a {@link CompressionReport}. */
export interface LayerCost {
  /** The layer's name. */
  name: string;
  /** Its Keras class name ('Dense (int8)' in a tf.quantization model). */
  className: string;
  /** Values of its weights (trainable and not). */
  parameters: number;
  /** Of those, the values that are not exactly zero. */
  nonzeros: number;
  /**
   * Floating-point (or integer) operations per sample, a multiply-add
   * counted as 2, bias adds as 1: the products of Dense and the
   * convolutions (every kernel applied at every output position; at every
   * input position for a transposed convolution); 0 for layers without
   * arithmetic (reshapes, dropout, activations are not counted); null for
   * layers not counted yet (pooling, normalization, recurrent layers).
   */
  flops: number | null;
}

/** What {@link report} returns. */
export interface CompressionReport {
  /** The model's name. */
  name: string;
  /** 'float32' for a LayersModel, 'int8' for a tf.quantization model. */
  kind: 'float32' | 'int8';
  /** One line per layer, in order. */
  layers: LayerCost[];
  /** Sum of the layers' parameters. */
  parameters: number;
  /** Sum of the layers' non-zero parameters. */
  nonzeros: number;
  /**
   * Bytes of the weights as stored: for a float model, weights.bin as
   * model.save writes it in float32 and with `quantizeWeights` 'float16' /
   * 'uint8'; for an int8 model, its int8 kernels, float32 scales and biases.
   */
  bytes: { float32?: number; float16?: number; uint8?: number; int8?: number };
  /** Sum of the layers' counted FLOPs per sample. */
  flopsPerSample: number;
  /** Layers whose FLOPs are not counted (not in flopsPerSample). */
  uncounted: string[];
  /** With `x`: median milliseconds of a batch-1 predict (the first sample of x). */
  latencyMs?: number;
  /** With `x`: samples per second of a predict of 1000 samples (x repeated when it holds fewer). */
  samplesPerSecond?: number;
  /** With `x` and `y` (class labels [n] or one-hot [n, classes]): the share of samples whose largest output is the label. */
  accuracy?: number;
}

/** Options of {@link report}. */
export interface ReportArgs {
  /** Print the table with console.log (default true). */
  print?: boolean;
  /** Samples to time predict on (and, with `y`, to score). */
  x?: Tensor;
  /** Class labels [n] (or one-hot targets [n, classes]) of `x`: the report's accuracy. */
  y?: Tensor;
}

const fn = 'compression.report';
const countNonzeros = (v: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) n++;
  return n;
};

const KERNEL_LAYERS = new Set(['Dense', 'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose']);
const FREE_LAYERS = new Set(['Activation', 'Dropout', 'SpatialDropout2D', 'InputLayer', 'Flatten', 'Reshape', 'Permute', 'RepeatVector',
  'ZeroPadding2D', 'Cropping2D', 'Masking']);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * FLOPs per sample of one layer application: each kernel (a weight named
 * `...kernel`) multiplies at every output position (the output's values over
 * its channels), or at every input position for a transposed convolution,
 * and each bias adds once per output value.
 */
function layerFlops(className: string, weights: { name: string; shape: number[] }[], inputShapes: number[][], outputShape: number[]): number | null {
  if (FREE_LAYERS.has(className)) return 0;
  if (!KERNEL_LAYERS.has(className)) return null;
  const channels = (shape: readonly number[]) => shape[shape.length - 1] ?? 1;
  const positions = className === 'Conv2DTranspose' ? sizeOf(inputShapes[0]) / channels(inputShapes[0]) : sizeOf(outputShape) / channels(outputShape);
  let flops = 0;
  for (const w of weights) {
    if (/kernel$/.test(w.name)) flops += 2 * sizeOf(w.shape) * positions;
    else if (/bias$/.test(w.name)) flops += sizeOf(outputShape);
  }
  return flops;
}

function floatReport(model: LayersModel): CompressionReport {
  if (!model.built) throw new Error(`${fn}: model '${model.name}' is not built yet`);
  const specs = model.weightSpecs();
  const values = model.getWeights();
  const byLayer = new Map<string, { parameters: number; nonzeros: number }>();
  specs.forEach((s, i) => {
    const layer = s.name.slice(0, s.name.lastIndexOf('/'));
    const e = byLayer.get(layer) ?? { parameters: 0, nonzeros: 0 };
    const v = values[i].dataSync();
    e.parameters += v.length;
    e.nonzeros += countNonzeros(v);
    byLayer.set(layer, e);
  });
  // FLOPs per layer from the shapes it was built for (a layer applied twice counts twice).
  const flopsOf = new Map<string, number | null>();
  for (const { layer, inputShapes } of model.placedLayers()) {
    const f = layerFlops(layer.className, layer.weightSpecsFor(inputShapes), inputShapes, layer.outputShapeFor(inputShapes));
    const prev = flopsOf.get(layer.name);
    flopsOf.set(layer.name, f === null || prev === null ? null : (prev ?? 0) + f);
  }
  const layers: LayerCost[] = model.layers.map((l) => {
    const w = byLayer.get(l.name) ?? { parameters: 0, nonzeros: 0 };
    return { name: l.name, className: l.className, ...w, flops: flopsOf.has(l.name) ? flopsOf.get(l.name)! : 0 };
  });
  const parameters = layers.reduce((a, l) => a + l.parameters, 0);
  return {
    name: model.name, kind: 'float32', layers, parameters, nonzeros: layers.reduce((a, l) => a + l.nonzeros, 0),
    bytes: { float32: 4 * parameters, float16: 2 * parameters, uint8: parameters },
    flopsPerSample: layers.reduce((a, l) => a + (l.flops ?? 0), 0), uncounted: layers.filter((l) => l.flops === null).map((l) => l.name),
  };
}

/** A convolutional or functional int8 model: int8 layers counted from their int8 weights, the others as in the float model. */
function int8GraphReport(model: QuantizedModel, g: QuantizedGraph): CompressionReport {
  const byName = new Map<string, LayerCost>();
  g.nodes.forEach((n, i) => {
    const q = n.quantized;
    const outShape = g.outputShapes[i];
    let cost: LayerCost;
    if (q) {
      const positions = sizeOf(outShape) / q.units;
      cost = {
        name: n.layer.name, className: `${n.layer.className} (int8)`, parameters: q.kernel.length + (q.bias ? q.units : 0),
        nonzeros: countNonzeros(q.kernel) + (q.bias ? countNonzeros(q.bias) : 0), flops: (2 * q.kernel.length + (q.bias ? q.units : 0)) * positions,
      };
    } else {
      const w = g.floatWeights.get(n.layer) ?? [];
      const f = layerFlops(n.layer.className, n.layer.weightSpecsFor(g.nodeInputShapes[i]), g.nodeInputShapes[i], outShape);
      cost = {
        name: n.layer.name, className: n.layer.className, parameters: w.reduce((a, v) => a + v.length, 0),
        nonzeros: w.reduce((a, v) => a + countNonzeros(v), 0), flops: f,
      };
    }
    // A layer applied twice: its weights once, its FLOPs twice.
    const prev = byName.get(cost.name);
    if (prev) prev.flops = prev.flops === null || cost.flops === null ? null : prev.flops + cost.flops;
    else byName.set(cost.name, cost);
  });
  const layers = [...byName.values()];
  return {
    name: model.name, kind: 'int8', layers, parameters: layers.reduce((a, l) => a + l.parameters, 0),
    nonzeros: layers.reduce((a, l) => a + l.nonzeros, 0), bytes: { int8: model.storedBytes() },
    flopsPerSample: layers.reduce((a, l) => a + (l.flops ?? 0), 0), uncounted: layers.filter((l) => l.flops === null).map((l) => l.name),
  };
}

function int8Report(model: QuantizedModel): CompressionReport {
  const parts = model.parts();
  if (!parts) return int8GraphReport(model, model.graph()!);
  const { native: mlp, layers: meta } = parts;
  const params = mlp.exportLayers();
  const layers: LayerCost[] = meta.map((m, i) => ({
    name: m.name, className: 'Dense (int8)', parameters: m.inputs * m.units + m.units,
    nonzeros: countNonzeros(params[i].kernel) + countNonzeros(params[i].bias), flops: 2 * m.inputs * m.units + m.units,
  }));
  return {
    name: model.name, kind: 'int8', layers, parameters: layers.reduce((a, l) => a + l.parameters, 0),
    nonzeros: layers.reduce((a, l) => a + l.nonzeros, 0), bytes: { int8: model.storedBytes() },
    flopsPerSample: layers.reduce((a, l) => a + (l.flops ?? 0), 0), uncounted: [],
  };
}

function format(r: CompressionReport): string {
  const rows = [['layer', 'class', 'parameters', 'non-zero', 'FLOPs / sample'],
    ...r.layers.map((l) => [l.name, l.className, String(l.parameters), String(l.nonzeros), l.flops === null ? '?' : String(l.flops)]),
    ['total', '', String(r.parameters), String(r.nonzeros), String(r.flopsPerSample) + (r.uncounted.length ? ' + ?' : '')]];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const bytes = Object.entries(r.bytes).map(([k, v]) => `${k} ${v}`).join(', ');
  const measured = r.latencyMs === undefined ? [] : [`predict: ${r.latencyMs.toFixed(3)} ms at batch 1, ${Math.round(r.samplesPerSecond!)} samples/s at batch 1000`
    + (r.accuracy === undefined ? '' : `; accuracy ${r.accuracy.toFixed(4)}`)];
  return [`model '${r.name}' (${r.kind}); weight bytes as stored: ${bytes}`, ...rows.map((row) => row.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')), ...measured].join('\n');
}

/**
 * Parameters, non-zero parameters, bytes as stored and FLOPs per sample of a
 * built float model (Sequential or functional) or of a tf.quantization model,
 * per layer and in total. Prints a table (unless `print: false`) and returns it.
 *
 * ```ts
 * tf.compression.report(model);
 * tf.compression.report(tf.quantization.quantize(model, { calibration }));
 * ```
 */
export function report(model: LayersModel | QuantizedModel, args: ReportArgs = {}): CompressionReport {
  const o = checkOptions(fn, args, ['print', 'x', 'y']);
  const print = o.print === undefined ? true : checkBool(fn, 'print', o.print);
  let r: CompressionReport;
  if (model instanceof QuantizedModel) r = int8Report(model);
  else if (model instanceof LayersModel) r = floatReport(model);
  else throw typeError(fn, `model must be a LayersModel or a tf.quantization model, got ${show(model)}`);
  if (o.y !== undefined && o.x === undefined) throw typeError(fn, 'y scores the predictions of x: give x too');
  if (o.x !== undefined) Object.assign(r, measure(model, checkTensor(fn, 'x', o.x), o.y === undefined ? null : checkTensor(fn, 'y', o.y)));
  if (print) console.log(format(r));
  return r;
}

/** The model's prediction of `x` as one tensor (a model with several outputs: the first). */
function predictOne(model: LayersModel | QuantizedModel, x: Tensor): Tensor {
  const p = model.predict(x);
  return Array.isArray(p) ? p[0] : p;
}

/** Median milliseconds per call of `f` over `rounds` timed rounds of `reps` calls, after a warm-up call. */
function medianMs(f: () => void, rounds: number, reps: number): number {
  f();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    times.push((performance.now() - t0) / reps);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

/** Latency at batch 1, throughput at batch 1000 and (with labels) accuracy on `x`. */
function measure(model: LayersModel | QuantizedModel, x: Tensor, y: Tensor | null): Pick<CompressionReport, 'latencyMs' | 'samplesPerSecond' | 'accuracy'> {
  const n = x.shape[0];
  if (x.rank < 2 || n === 0) throw rangeError(fn, `x must hold samples [n, ...features] with n >= 1, got shape ${show(x.shape)}`);
  const perSample = x.size / n;
  const rows = (count: number) => {
    const v = new Float32Array(count * perSample);
    const src = x.dataSync();
    for (let i = 0; i < count; i++) v.set(src.subarray((i % n) * perSample, (i % n + 1) * perSample), i * perSample);
    return new Tensor(v, [count, ...x.shape.slice(1)], 'float32');
  };
  const one = rows(1);
  const thousand = rows(1000);
  const latencyMs = medianMs(() => predictOne(model, one).dispose(), 5, 50);
  const samplesPerSecond = 1000 / (medianMs(() => predictOne(model, thousand).dispose(), 5, 2) / 1000);
  if (!y) return { latencyMs, samplesPerSecond };
  if (y.shape[0] !== n) throw rangeError(fn, `x has ${n} samples but y has ${y.shape[0]}`);
  const p = predictOne(model, x);
  const classes = p.size / n;
  const labelWidth = y.size / n;
  if (labelWidth !== 1 && labelWidth !== classes) {
    throw rangeError(fn, `y must hold a class label per sample ([${n}]) or one-hot targets ([${n}, ${classes}]), got shape ${show(y.shape)}`);
  }
  const pv = p.dataSync();
  const yv = y.dataSync();
  let right = 0;
  for (let i = 0; i < n; i++) right += rowArgMax(pv, i * classes, classes) === (labelWidth === 1 ? yv[i] : rowArgMax(yv, i * classes, classes)) ? 1 : 0;
  p.dispose();
  return { latencyMs, samplesPerSecond, accuracy: right / n };
}
