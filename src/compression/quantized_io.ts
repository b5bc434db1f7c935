// Saving and loading a tf.quantization model (issue 20). The files follow the
// TensorFlow.js layout (model.json + weights.bin, the same manifest) with
// `format: 'tensorforge-int8'` and the topology `QuantizedSequential`: per
// Dense layer its name, sizes, activation and input quantization, and three
// weights: `<layer>/kernel` (int8 stored as the manifest's uint8 with
// scale 1, min -128, so a TensorFlow.js reader decodes the integers),
// `<layer>/kernel_scale` (float32 per output channel) and `<layer>/bias`.
// Convolutional and functional models: topology `QuantizedGraph`
// (quantized_graph_io.ts). Loading checks the topology and the manifest against the bytes before
// anything is allocated.
import { ACTIVATION_CODE, CanonicalActivation } from '../activations';
import { show, typeError } from '../errors';
import { version, weightBytes } from '../io/artifacts';
import { loadFromFile, pathFromUrl } from '../io/file_system';
import { isHandler, saveModel } from '../io/save_model';
import type { IOHandler, ModelArtifacts, SaveResult, WeightsManifestEntry } from '../io/types';
import { checkWeightEntries, decodeEntry, totalBytes } from '../io/weights';
import { native } from '../native';
import { QuantizedLayerMeta, QuantizedModel } from './quantize';
import { graphArtifacts, graphFromArtifacts } from './quantized_graph_io';

/** The `format` of a saved quantized model. */
export const QUANTIZED_FORMAT = 'tensorforge-int8';
const MAX_LAYERS = 4096;

/** @internal QuantizedModel.save. */
export async function saveQuantized(model: QuantizedModel, handlerOrURL: unknown): Promise<SaveResult> {
  return saveModel(handlerOrURL, async () => quantizedArtifacts(model), 'save');
}

function quantizedArtifacts(model: QuantizedModel): ModelArtifacts {
  const parts = model.parts();
  if (!parts) {
    return { format: QUANTIZED_FORMAT, generatedBy: `tensorforge v${version()}`, convertedBy: null, ...graphArtifacts(model.name, model.graph()!) };
  }
  const { native: mlp, layers } = parts;
  const info = mlp.info().layers;
  const params = mlp.exportLayers();
  const specs: WeightsManifestEntry[] = [];
  const total = layers.reduce((a, l) => a + l.inputs * l.units + 8 * l.units, 0);
  const data = new ArrayBuffer(total);
  const bytes = new Uint8Array(data);
  const view = new DataView(data);
  let offset = 0;
  const floats = (values: Float32Array) => {
    for (let i = 0; i < values.length; i++) view.setFloat32(offset + 4 * i, values[i], true);
    offset += 4 * values.length;
  };
  layers.forEach((l, i) => {
    const p = params[i];
    specs.push({ name: `${l.name}/kernel`, shape: [l.inputs, l.units], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: -128 } });
    for (let k = 0; k < p.kernel.length; k++) bytes[offset + k] = p.kernel[k] + 128;
    offset += p.kernel.length;
    specs.push({ name: `${l.name}/kernel_scale`, shape: [l.units], dtype: 'float32' });
    floats(p.weightScales);
    specs.push({ name: `${l.name}/bias`, shape: [l.units], dtype: 'float32' });
    floats(p.bias);
  });
  return {
    format: QUANTIZED_FORMAT,
    generatedBy: `tensorforge v${version()}`,
    convertedBy: null,
    modelTopology: {
      class_name: 'QuantizedSequential',
      config: {
        name: model.name,
        layers: layers.map((l, i) => ({
          name: l.name, inputs: l.inputs, units: l.units, activation: l.activation, activation_param: l.activationParam,
          input_scale: info[i].inputScale, input_zero_point: info[i].inputZeroPoint,
        })),
      },
    },
    weightSpecs: specs,
    weightData: data,
  };
}

/** The decoded kernel as int8; -128 (byte 0) is outside the symmetric range. */
function int8Kernel(fn: string, layer: string, values: Float32Array | Int32Array): Int8Array {
  const out = Int8Array.from(values);
  const bad = out.indexOf(-128);
  if (bad >= 0) throw new Error(`${fn}: layer '${layer}': kernel value -128 at ${bad}; int8 weights are in [-127, 127]`);
  return out;
}

const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Loads a model saved by {@link QuantizedModel.save}: a directory, a
 * `file://` URL, a path to its model.json, or an IO handler with load().
 */
export async function loadQuantized(pathOrIOHandler: string | IOHandler): Promise<QuantizedModel> {
  const fn = 'quantization.load';
  let a: ModelArtifacts;
  if (typeof pathOrIOHandler === 'string') a = await loadFromFile(fn, pathFromUrl(fn, pathOrIOHandler));
  else if (isHandler(pathOrIOHandler, 'load')) a = await pathOrIOHandler.load!();
  else throw typeError(fn, `expected a path, a file:// URL or an IOHandler with a load() method, got ${show(pathOrIOHandler)}`);
  if (!isDict(a)) throw typeError(fn, `artifacts must be an object, got ${show(a)}`);
  if (a.format !== QUANTIZED_FORMAT) {
    throw new Error(`${fn}: format ${show(a.format)} is not a quantized model ('${QUANTIZED_FORMAT}'); load float models with tf.loadLayersModel`);
  }
  const topo = a.modelTopology;
  if (isDict(topo) && topo.class_name === 'QuantizedGraph' && isDict(topo.config)) {
    const bytes = a.weightData === undefined || a.weightData === null ? new Uint8Array(0) : weightBytes(fn, a.weightData);
    const { name, graph } = graphFromArtifacts(fn, topo.config, a.weightSpecs, bytes);
    return new QuantizedModel(name, graph, []);
  }
  if (!isDict(topo) || topo.class_name !== 'QuantizedSequential' || !isDict(topo.config)) {
    throw new Error(`${fn}: modelTopology must be {class_name: 'QuantizedSequential' or 'QuantizedGraph', config}, got ${show(topo)}`);
  }
  const { name, layers } = topo.config;
  if (typeof name !== 'string') throw new Error(`${fn}: modelTopology.config.name must be a string, got ${show(name)}`);
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS) {
    throw new Error(`${fn}: modelTopology.config.layers must be an array of 1 to ${MAX_LAYERS} layers, got ${show(layers)}`);
  }
  const metas: (QuantizedLayerMeta & { inputScale: number; inputZeroPoint: number })[] = layers.map((l: unknown, i: number) => {
    const at = `${fn}: layer ${i}`;
    if (!isDict(l)) throw new Error(`${at} must be an object, got ${show(l)}`);
    const int = (k: string, lo: number, hi: number) => {
      const v = l[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new Error(`${at}: ${k} must be an integer in [${lo}, ${hi}], got ${show(v)}`);
      return v;
    };
    const num = (k: string) => {
      const v = l[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${at}: ${k} must be a finite number, got ${show(v)}`);
      return v;
    };
    if (typeof l.name !== 'string') throw new Error(`${at}: name must be a string, got ${show(l.name)}`);
    if (typeof l.activation !== 'string' || !Object.hasOwn(ACTIVATION_CODE, l.activation)) throw new Error(`${at}: unknown activation ${show(l.activation)}`);
    const inputScale = num('input_scale');
    if (!(inputScale > 0)) throw new Error(`${at}: input_scale must be > 0, got ${inputScale}`);
    return {
      name: l.name, inputs: int('inputs', 1, 65536), units: int('units', 1, 1 << 24), activation: l.activation as CanonicalActivation,
      activationParam: num('activation_param'), inputScale, inputZeroPoint: int('input_zero_point', 0, 255),
    };
  });
  metas.forEach((m, i) => {
    if (i > 0 && m.inputs !== metas[i - 1].units) throw new Error(`${fn}: layer ${i} ('${m.name}') takes ${m.inputs} inputs but layer ${i - 1} gives ${metas[i - 1].units}`);
  });
  // The manifest must be exactly the three weights per layer, of the topology's sizes, and match the bytes.
  const entries = checkWeightEntries(fn, 'weightSpecs', a.weightSpecs ?? []);
  const expected = metas.flatMap((m) => [[`${m.name}/kernel`, [m.inputs, m.units]], [`${m.name}/kernel_scale`, [m.units]], [`${m.name}/bias`, [m.units]]] as const);
  if (entries.length !== expected.length) throw new Error(`${fn}: the manifest has ${entries.length} weights; the topology needs ${expected.length}`);
  entries.forEach((e, i) => {
    const [want, shape] = expected[i];
    if (e.name !== want || e.shape.length !== shape.length || e.shape.some((d, k) => d !== shape[k])) {
      throw new Error(`${fn}: weight ${i} is '${e.name}' ${show(e.shape)}; expected '${want}' ${show(shape)}`);
    }
    const q = e.quantization;
    const isKernel = i % 3 === 0;
    if (isKernel ? !(q && q.dtype === 'uint8' && q.scale === 1 && q.min === -128) : q !== undefined || e.dtype !== 'float32') {
      throw new Error(`${fn}: weight '${e.name}' must be stored as ${isKernel ? "int8 (uint8 with scale 1, min -128)" : 'float32'}`);
    }
  });
  const bytes = a.weightData === undefined || a.weightData === null ? new Uint8Array(0) : weightBytes(fn, a.weightData);
  const needed = totalBytes(entries);
  if (bytes.byteLength !== needed) throw new Error(`${fn}: the weight data has ${bytes.byteLength} bytes but the manifest describes ${needed}`);
  const saved = metas.map((m, i) => ({
    inputs: m.inputs, units: m.units,
    kernel: int8Kernel(fn, m.name, decodeEntry(bytes, entries[3 * i])),
    weightScales: decodeEntry(bytes, entries[3 * i + 1]) as Float32Array,
    bias: decodeEntry(bytes, entries[3 * i + 2]) as Float32Array,
    inputScale: m.inputScale, inputZeroPoint: m.inputZeroPoint, activation: ACTIVATION_CODE[m.activation], activationParam: m.activationParam,
  }));
  const mlp = new native.NativeQuantizedMlp(saved);
  return new QuantizedModel(name, mlp, metas.map(({ inputScale: _s, inputZeroPoint: _z, ...meta }) => meta));
}
