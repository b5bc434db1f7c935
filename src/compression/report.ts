// tf.compression.report: what a model costs (issue 20): parameters,
// non-zero parameters, bytes as stored and FLOPs per sample, per layer and in
// total, for a float model (with the bytes of each storage format of
// model.save) or a tf.quantization model. Prints a table and returns it.
import { checkBool, checkOptions, show, typeError } from '../errors';
import { Dense } from '../layers/dense';
import { LayersModel } from '../models/layers_model';
import { QuantizedModel } from './quantize';

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
   * counted as 2, bias adds as 1; null for layers not counted yet (only
   * Dense layers are; activation and dropout cost is not counted).
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
}

/** Options of {@link report}. */
export interface ReportArgs {
  /** Print the table with console.log (default true). */
  print?: boolean;
}

const fn = 'compression.report';
const countNonzeros = (v: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) n++;
  return n;
};

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
  const layers: LayerCost[] = model.layers.map((l) => {
    const w = byLayer.get(l.name) ?? { parameters: 0, nonzeros: 0 };
    let flops: number | null = null;
    if (l instanceof Dense) {
      const inputs = (w.parameters - (l.useBias ? l.units : 0)) / l.units;
      flops = 2 * inputs * l.units + (l.useBias ? l.units : 0);
    } else if (w.parameters === 0 && ['Activation', 'Dropout', 'InputLayer', 'Flatten', 'Reshape'].includes(l.className)) {
      flops = 0;
    }
    return { name: l.name, className: l.className, ...w, flops };
  });
  const parameters = layers.reduce((a, l) => a + l.parameters, 0);
  return {
    name: model.name, kind: 'float32', layers, parameters, nonzeros: layers.reduce((a, l) => a + l.nonzeros, 0),
    bytes: { float32: 4 * parameters, float16: 2 * parameters, uint8: parameters },
    flopsPerSample: layers.reduce((a, l) => a + (l.flops ?? 0), 0), uncounted: layers.filter((l) => l.flops === null).map((l) => l.name),
  };
}

function int8Report(model: QuantizedModel): CompressionReport {
  const { native: mlp, layers: meta } = model.parts();
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
  return [`model '${r.name}' (${r.kind}); weight bytes as stored: ${bytes}`, ...rows.map((row) => row.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '))].join('\n');
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
  const o = checkOptions(fn, args, ['print']);
  const print = o.print === undefined ? true : checkBool(fn, 'print', o.print);
  let r: CompressionReport;
  if (model instanceof QuantizedModel) r = int8Report(model);
  else if (model instanceof LayersModel) r = floatReport(model);
  else throw typeError(fn, `model must be a LayersModel or a tf.quantization model, got ${show(model)}`);
  if (print) console.log(format(r));
  return r;
}
