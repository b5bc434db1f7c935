// Saving and loading a quantized convolutional or functional model
// (quantize_graph.ts) in the `tensorforge-int8` format (quantized_io.ts),
// topology `QuantizedGraph`: the float layers once each as Keras saves them
// ({class_name, config}), the applications in graph order (which layer, what
// feeds it, and for an int8 node its sizes and input quantization), the
// model's output. Weights: per int8 node `<node>:<layer>/kernel` (int8 stored
// as uint8 with scale 1, min -128, as the Dense chain's), `.../kernel_scale`
// and `.../bias` (float32, when the layer has one); per float layer its
// weights as `<layer>/<weight>` float32. Loading rebuilds the layers, checks
// the references and every weight's name, shape and storage against the
// topology and the byte count against the data before any weight is decoded.
import { show } from '../errors';
import type { LayerConfig } from '../layers/config';
import type { Layer } from '../layers/layer';
import { deserializeLayer, serializeLayer } from '../layers/registry';
import { sizeOf } from '../models/model_args';
import type { ModelArtifacts, WeightsManifestEntry } from '../io/types';
import { checkWeightEntries, decodeEntry, totalBytes } from '../io/weights';
import { QuantizedGraph, QuantizedGraphNode, QUANTIZED_CLASSES, checkSupported } from './quantize_graph';

const MAX_NODES = 4096;
const INT8 = { dtype: 'uint8', scale: 1, min: -128 } as const;
const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** @internal The artifacts' topology and weights of a quantized graph. */
export function graphArtifacts(name: string, g: QuantizedGraph): Pick<ModelArtifacts, 'modelTopology' | 'weightSpecs' | 'weightData'> {
  const layers: Layer[] = [];
  for (const n of g.nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
  const specs: WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const floats = (entry: string, shape: number[], v: Float32Array) => {
    specs.push({ name: entry, shape, dtype: 'float32' });
    chunks.push(new Uint8Array(Float32Array.from(v).buffer));
  };
  g.nodes.forEach((n, i) => {
    const q = n.quantized;
    if (!q) return;
    const base = `${i}:${n.layer.name}`;
    specs.push({ name: `${base}/kernel`, shape: [q.inputs, q.units], dtype: 'float32', quantization: { ...INT8 } });
    chunks.push(Uint8Array.from(q.kernel, (v) => v + 128));
    floats(`${base}/kernel_scale`, [q.units], q.weightScales);
    if (q.bias) floats(`${base}/bias`, [q.units], q.bias);
  });
  for (const layer of layers) {
    const values = g.floatWeights.get(layer);
    if (!values) continue;
    const first = g.nodes.findIndex((n) => n.layer === layer);
    layer.weightSpecsFor(g.nodeInputShapes[first]).forEach((w, k) => floats(`${layer.name}/${w.name}`, w.shape, values[k]));
  }
  const data = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.length;
  }
  return {
    modelTopology: {
      class_name: 'QuantizedGraph',
      config: {
        name, input_shapes: g.inputShapes.map((s) => [...s]), input_names: [...g.inputNames],
        layers: layers.map((l) => {
          const s = serializeLayer(l);
          return { class_name: s.className, config: s.config };
        }),
        nodes: g.nodes.map((n) => ({
          layer: layers.indexOf(n.layer), inputs: [...n.inputs], ...(n.tensors ? { tensors: [...n.tensors] } : {}),
          ...(n.quantized ? {
            quantized: {
              inputs: n.quantized.inputs, units: n.quantized.units, use_bias: n.quantized.bias !== null,
              input_scale: n.quantized.inputScale, input_zero_point: n.quantized.inputZeroPoint,
            },
          } : {}),
        })),
        outputs: [...g.outputs], ...(g.outputTensors ? { output_tensors: [...g.outputTensors] } : {}),
      },
    },
    weightSpecs: specs,
    weightData: data.buffer,
  };
}

/** @internal Rebuilds a quantized graph from checked artifacts (format and topology class already checked). */
export function graphFromArtifacts(fn: string, config: Record<string, unknown>, weightSpecs: unknown, bytes: Uint8Array): { name: string; graph: QuantizedGraph } {
  const { name, input_shapes: inputShapes, input_names: inputNames, layers, nodes, outputs, output_tensors: outputTensors } = config;
  const fail = (msg: string): never => {
    throw new Error(`${fn}: ${msg}`);
  };
  if (typeof name !== 'string') fail(`modelTopology.config.name must be a string, got ${show(name)}`);
  const ints = (v: unknown, what: string, lo: number, hi: number): number[] => {
    if (!Array.isArray(v) || v.length > MAX_NODES || v.some((d) => !Number.isInteger(d) || d < lo || d > hi)) fail(`${what} must be an array of integers in [${lo}, ${hi}], got ${show(v)}`);
    return v as number[];
  };
  if (!Array.isArray(inputShapes) || inputShapes.length === 0 || inputShapes.length > 64) fail(`input_shapes must be an array of 1 to 64 shapes, got ${show(inputShapes)}`);
  const shapesIn = (inputShapes as unknown[]).map((s, k) => ints(s, `input_shapes[${k}]`, 1, 1 << 24));
  if (shapesIn.some((s) => s.length === 0)) fail('an input shape must not be empty');
  if (!Array.isArray(inputNames) || inputNames.length !== shapesIn.length || inputNames.some((n) => typeof n !== 'string') || new Set(inputNames).size !== inputNames.length) {
    fail(`input_names must be ${shapesIn.length} distinct strings, got ${show(inputNames)}`);
  }
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_NODES) fail(`layers must be an array of 1 to ${MAX_NODES} layers, got ${show(layers)}`);
  const built: Layer[] = (layers as unknown[]).map((l, i) => {
    if (!isDict(l) || typeof l.class_name !== 'string' || !isDict(l.config)) return fail(`layer ${i} must be {class_name, config}, got ${show(l)}`);
    const layer = deserializeLayer({ className: l.class_name, config: l.config as LayerConfig });
    checkSupported(fn, layer);
    return layer;
  });
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_NODES) fail(`nodes must be an array of 1 to ${MAX_NODES} nodes, got ${show(nodes)}`);
  const graphNodes: QuantizedGraphNode[] = [];
  // Per node: the shapes of its inputs (to check the weights against), its outputs' count.
  const inShapes: number[][][] = [];
  const outShapes: number[][][] = [];
  (nodes as unknown[]).forEach((n, i) => {
    const at = `node ${i}`;
    if (!isDict(n)) return fail(`${at} must be an object, got ${show(n)}`);
    const [layerIndex] = ints([n.layer], `${at}: layer`, 0, built.length - 1);
    const inputs = ints(n.inputs, `${at}: inputs`, -shapesIn.length, i - 1);
    const tensors = n.tensors === undefined ? undefined : ints(n.tensors, `${at}: tensors`, 0, 1 << 16);
    if (inputs.length === 0 || (tensors && tensors.length !== inputs.length)) fail(`${at}: inputs (and tensors) must list each input once`);
    const shapes = inputs.map((r, k) => (r < 0 ? shapesIn[-1 - r] : outShapes[r][tensors?.[k] ?? 0] ?? fail(`${at}: reads output ${tensors?.[k]} of node ${r}, which has ${outShapes[r].length}`)));
    const layer = built[layerIndex];
    inShapes.push(shapes);
    outShapes.push(layer.outputShapesFor(shapes));
    let quantized = null;
    if (n.quantized !== undefined) {
      const q = n.quantized;
      if (!isDict(q)) return fail(`${at}: quantized must be an object, got ${show(q)}`);
      if (!QUANTIZED_CLASSES.includes(layer.className as never)) fail(`${at}: layer '${layer.name}' (${layer.className}) cannot be int8`);
      const [inputs8, units] = [ints([q.inputs], `${at}: quantized.inputs`, 1, 65536)[0], ints([q.units], `${at}: quantized.units`, 1, 1 << 24)[0]];
      const kernelShape = layer.weightSpecsFor(shapes)[0].shape;
      if (sizeOf(kernelShape) !== inputs8 * units || kernelShape[kernelShape.length - 1] !== units) fail(`${at}: quantized sizes [${inputs8}, ${units}] do not match layer '${layer.name}' kernel ${show(kernelShape)}`);
      const scale = q.input_scale;
      if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) fail(`${at}: input_scale must be finite and > 0, got ${show(scale)}`);
      if (typeof q.use_bias !== 'boolean') fail(`${at}: use_bias must be a boolean, got ${show(q.use_bias)}`);
      quantized = {
        inputs: inputs8, units, kernel: new Int8Array(0), weightScales: new Float32Array(0), bias: q.use_bias ? new Float32Array(0) : null,
        inputScale: scale as number, inputZeroPoint: ints([q.input_zero_point], `${at}: input_zero_point`, 0, 255)[0],
      };
    } else if (QUANTIZED_CLASSES.includes(layer.className as never)) {
      fail(`${at}: layer '${layer.name}' (${layer.className}) has no quantized parameters`);
    }
    graphNodes.push({ layer, inputs, ...(tensors ? { tensors } : {}), quantized });
  });
  const outs = ints(outputs, 'outputs', 0, graphNodes.length - 1);
  const outTensors = outputTensors === undefined ? undefined : ints(outputTensors, 'output_tensors', 0, 1 << 16);
  if (outs.length !== 1) fail(`outputs must name one node, got ${show(outputs)}`);

  // The manifest: exactly the weights the topology needs, in order, then the bytes.
  const expected: { name: string; shape: number[]; int8: boolean }[] = [];
  graphNodes.forEach((n, i) => {
    const q = n.quantized;
    if (!q) return;
    const base = `${i}:${n.layer.name}`;
    expected.push({ name: `${base}/kernel`, shape: [q.inputs, q.units], int8: true }, { name: `${base}/kernel_scale`, shape: [q.units], int8: false });
    if (q.bias) expected.push({ name: `${base}/bias`, shape: [q.units], int8: false });
  });
  const floatLayers: { layer: Layer; count: number }[] = [];
  built.forEach((layer) => {
    const first = graphNodes.findIndex((n) => n.layer === layer);
    if (first < 0) fail(`layer '${layer.name}' is applied by no node`);
    if (graphNodes.every((n) => n.layer !== layer || n.quantized)) return;
    const w = layer.weightSpecsFor(inShapes[first]);
    floatLayers.push({ layer, count: w.length });
    for (const s of w) expected.push({ name: `${layer.name}/${s.name}`, shape: s.shape, int8: false });
  });
  const entries = checkWeightEntries(fn, 'weightSpecs', weightSpecs ?? []);
  if (entries.length !== expected.length) fail(`the manifest has ${entries.length} weights; the topology needs ${expected.length}`);
  entries.forEach((e, i) => {
    const want = expected[i];
    if (e.name !== want.name || show(e.shape) !== show(want.shape)) fail(`weight ${i} is '${e.name}' ${show(e.shape)}; expected '${want.name}' ${show(want.shape)}`);
    const q = e.quantization;
    if (want.int8 ? !(q && q.dtype === 'uint8' && q.scale === 1 && q.min === -128) : q !== undefined || e.dtype !== 'float32') {
      fail(`weight '${e.name}' must be stored as ${want.int8 ? 'int8 (uint8 with scale 1, min -128)' : 'float32'}`);
    }
  });
  const needed = totalBytes(entries);
  if (bytes.byteLength !== needed) fail(`the weight data has ${bytes.byteLength} bytes but the manifest describes ${needed}`);

  let e = 0;
  for (const n of graphNodes) {
    const q = n.quantized;
    if (!q) continue;
    const kernel = Int8Array.from(decodeEntry(bytes, entries[e++]));
    const bad = kernel.indexOf(-128);
    if (bad >= 0) fail(`layer '${n.layer.name}': kernel value -128 at ${bad}; int8 weights are in [-127, 127]`);
    q.kernel = kernel;
    q.weightScales = decodeEntry(bytes, entries[e++]) as Float32Array;
    if (q.bias) q.bias = decodeEntry(bytes, entries[e++]) as Float32Array;
  }
  const floatWeights = new Map<Layer, Float32Array[]>();
  for (const { layer, count } of floatLayers) floatWeights.set(layer, Array.from({ length: count }, () => decodeEntry(bytes, entries[e++]) as Float32Array));
  return { name: name as string, graph: new QuantizedGraph(fn, name as string, shapesIn, inputNames as string[], graphNodes, outs, outTensors, floatWeights) };
}
