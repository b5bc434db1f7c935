// The model topology in Keras's JSON config form (snake_case keys), both ways.
// Written: a `Sequential` whose first layer carries `batch_input_shape`, and a
// functional model as `Model` with an InputLayer, each layer's
// `inbound_nodes` (one per application: a shared layer has several) and
// `input_layers` / `output_layers`, as TensorFlow.js writes them. Read:
// `Sequential` (with or without a leading InputLayer, Keras 2 or 3
// spellings) and functional models (`Model` / `Functional`; TensorFlow.js,
// Keras 2 and Keras 3 inbound-node forms), whose layers are applied again as
// the file wires them.
// Each layer is its registered class name and getConfig() (layers/registry):
// this file knows the file format and the model's structure, no layer class.
import { types } from 'node:util';
import { show } from '../errors';
// Importing the layers registers every built-in layer class.
import '../layers';
import { LayerConfig, activationName, camelCase, dtypeProblem, snakeCase } from '../layers/config';
import { Layer } from '../layers/layer';
import { FunctionalGraph, functionalGraph } from '../layers/functional_graph';
import { deserializeLayer, isRegisteredLayerClass, registeredLayerClasses, serializeLayer } from '../layers/registry';
import { LayerNode, SymbolicTensor, input as symbolicInput, nodeOf, sampleShape } from '../layers/symbolic_tensor';
import { MAX_ELEMENTS } from './weights';

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Converts the keys (not the values) of a JSON config to camelCase, recursively. */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isDict(v)) return v;
  const out: Dict = {};
  for (const [k, x] of Object.entries(v)) out[camelCase(k)] = camelKeys(x);
  return out;
}

/** Converts the keys (not the values) of a layer config to snake_case, recursively: TensorFlow.js's TypeScript form to Keras's JSON. */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (!isDict(v)) return v;
  const out: Dict = {};
  for (const [k, x] of Object.entries(v)) out[snakeCase(k)] = snakeKeys(x);
  return out;
}

// ---------------------------------------------------------------- writing

/** One layer as Keras JSON: its registered class name and getConfig(); the model's input shape goes on the first layer. */
function layerToJSON(layer: Layer, inputShape: number[] | null): Dict {
  if (!isRegisteredLayerClass(layer.getClassName())) throw new Error(`save: layer '${layer.name}' of class '${layer.getClassName()}' cannot be serialized`);
  const { className, config } = serializeLayer(layer);
  const c: LayerConfig = { ...config };
  delete c.batchInputShape;
  if (inputShape) Object.assign(c, { batchInputShape: [null, ...inputShape], dtype: 'float32' });
  return { class_name: className, config: snakeKeys(c) };
}

/** @internal The `modelTopology` of a built Sequential model. */
export function topologyToJSON(name: string, layers: Layer[], inputShape: number[], version: string): Dict {
  return {
    class_name: 'Sequential',
    config: { name, layers: layers.map((l, i) => layerToJSON(l, i === 0 ? inputShape : null)) },
    keras_version: `tensorforge ${version}`,
    backend: 'tensor_flow.js',
  };
}

/**
 * @internal The `modelTopology` of a functional model, as TensorFlow.js
 * writes it: the inputs as InputLayers, then each layer once with one
 * inbound node per application, numbered in the model's order.
 */
export function functionalTopologyToJSON(name: string, graph: FunctionalGraph, version: string): Dict {
  const nodeIndex = new Map<LayerNode, number>();
  const applications = new Map<Layer, LayerNode[]>();
  for (const n of graph.nodes) {
    const list = applications.get(n.layer) ?? [];
    nodeIndex.set(n, list.length);
    applications.set(n.layer, [...list, n]);
  }
  const ref = (t: SymbolicTensor): [string, number, number] => {
    const from = nodeOf(t);
    return from ? [from.layer.name, nodeIndex.get(from)!, t.tensorIndex] : [t.name, 0, 0];
  };
  const inputs = graph.inputs.map((t) => ({
    name: t.name, class_name: 'InputLayer', config: { batch_input_shape: [...t.shape], dtype: 'float32', sparse: false, name: t.name }, inbound_nodes: [],
  }));
  const layers = graph.layers.map((l) => ({
    name: l.name,
    ...layerToJSON(l, null),
    inbound_nodes: applications.get(l)!.map((n) => n.inputs.map((t) => [...ref(t), {}])),
  }));
  return {
    class_name: 'Model',
    config: { name, layers: [...inputs, ...layers], input_layers: graph.inputs.map(ref), output_layers: graph.outputs.map(ref) },
    keras_version: `tensorforge ${version}`,
    backend: 'tensor_flow.js',
  };
}

// ---------------------------------------------------------------- reading

/** @internal A topology read from JSON, with its layers made but no model built yet. */
export interface ParsedTopology {
  name?: string;
  inputShape: number[];
  layers: Layer[];
  /** Weights the model will have, in order (`layer/weight`), computed without allocating them. */
  weights: { name: string; shape: number[]; trainable: boolean }[];
  /** A functional model: its layers applied from its inputs to its outputs (absent for Sequential). */
  functional?: { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] };
}

interface LayerEntry {
  className: string;
  config: Dict;
}

/** batch_input_shape (Keras 2, TensorFlow.js) or batch_shape (Keras 3), without the batch dimension. */
function readBatchShape(c: Dict): number[] | undefined {
  const b = c.batchInputShape ?? c.batchShape;
  if (b === undefined || b === null) return undefined;
  if (!Array.isArray(b) || b.length < 2) throw new Error(`batch_input_shape must be [batch, ...features], got ${show(b)}`);
  const dims = b.slice(1);
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d > MAX_ELEMENTS) {
      throw new Error(`input shape ${show(b)} must have positive integer dimensions besides the batch (got ${show(d)})`);
    }
    n *= d;
    if (n > MAX_ELEMENTS) throw new Error(`input shape ${show(b)} has more than ${MAX_ELEMENTS} features`);
  }
  return dims as number[];
}

/**
 * One layer through the registry. The model decides the input shape: the
 * first layer gets the model's, and another layer's batch shape is ignored.
 */
function makeLayer(e: LayerEntry, inputShape: number[] | undefined, writer: string): Layer {
  // NOTE: 'hard_sigmoid' changed meaning: clip(0.2x + 0.5, 0, 1) in Keras 2 and
  // TensorFlow.js, relu6(x + 3) / 6 in Keras 3 and tensorforge. Loading the
  // old one as the new would silently change the model's outputs.
  const activations = [activationName(e.config), activationName({ activation: e.config.recurrentActivation })];
  if (activations.some((a) => /^hard_?sigmoid$/i.test(a ?? '')) && !/^(3\.|tensorforge)/.test(writer)) {
    throw new Error(`activation 'hard_sigmoid' from ${writer || 'an unknown writer'} is clip(0.2x + 0.5, 0, 1) (Keras 2, TensorFlow.js); tensorforge's hard_sigmoid is Keras 3's relu6(x + 3) / 6, and the older one is not supported`);
  }
  if (!isRegisteredLayerClass(e.className)) {
    throw new Error(`unsupported layer class '${e.className}'; tensorforge reads ${['InputLayer', ...registeredLayerClasses()].join(', ')}`);
  }
  const config: LayerConfig = { ...e.config };
  delete config.batchInputShape;
  delete config.batchShape;
  if (inputShape) config.batchInputShape = [null, ...inputShape];
  return deserializeLayer({ className: e.className, config });
}

function readEntry(fn: string, raw: unknown, i: number): LayerEntry & { inboundNodes?: unknown; entryName?: unknown } {
  if (!isDict(raw) || typeof raw.class_name !== 'string' || !isDict(raw.config)) {
    throw new Error(`${fn}: modelTopology layer ${i} must be {class_name, config}, got ${show(raw)}`);
  }
  const config = camelKeys(raw.config) as Dict;
  if (typeof config.name !== 'string' || config.name === '') {
    if (typeof raw.name === 'string' && raw.name !== '') config.name = raw.name;
    else throw new Error(`${fn}: modelTopology layer ${i} ('${raw.class_name}') has no name`);
  }
  return { className: raw.class_name, config, inboundNodes: raw.inbound_nodes, entryName: raw.name ?? config.name };
}

/** One input of a layer application in a file: the layer that makes it, which of its applications, which of its outputs. */
interface TensorRef {
  name: string;
  node: number;
  tensor: number;
}

function refOf(v: unknown): TensorRef | null {
  if (!Array.isArray(v) || typeof v[0] !== 'string') return null;
  const [name, node, tensor] = v;
  const index = (x: unknown) => (x === undefined ? 0 : Number.isInteger(x) && (x as number) >= 0 && (x as number) < 2 ** 31 ? (x as number) : -1);
  return { name, node: index(node), tensor: index(tensor) };
}

/**
 * The inputs of one application: TensorFlow.js / Keras 2 `[[name, node,
 * tensor, kwargs], ...]` or Keras 3 `{args: [keras tensors], kwargs}`, whose
 * recurrent layers' `initial_state` kwarg follows the sequence, as the
 * states follow it in the other forms.
 */
function nodeRefs(node: unknown): TensorRef[] {
  if (Array.isArray(node)) {
    return node.map((t) => {
      const r = refOf(t);
      if (!r) throw new Error(`bad inbound node ${show(t)}`);
      return r;
    });
  }
  if (isDict(node)) {
    const found: TensorRef[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isDict(v)) {
        const h = isDict(v.config) ? refOf(v.config.keras_history) : null;
        if (v.class_name === '__keras_tensor__' && h) found.push(h);
        else Object.values(v).forEach(walk);
      }
    };
    walk(node.args);
    if (isDict(node.kwargs)) walk(node.kwargs.initial_state);
    return found;
  }
  throw new Error(`bad inbound node ${show(node)}`);
}

/** input_layers / output_layers: `[[name, 0, 0], ...]`, or Keras 3's `[name, 0, 0]` for one. */
function layerRefs(v: unknown): TensorRef[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [refOf(v) ?? { name: '', node: 0, tensor: 0 }];
  return v.map((r) => refOf(r) ?? { name: '', node: 0, tensor: 0 });
}

const showRef = (r: TensorRef) => `${r.name}[${r.node}][${r.tensor}]`;

/** Most applications a file may describe (layers times their inbound nodes). */
const MAX_NODES = 100_000;

/**
 * A functional model's layers applied as the file wires them, each
 * application once every tensor it reads exists (so the order of the layer
 * list does not matter). Refuses references to unknown layers, applications
 * or outputs, and applications that can never run (a cycle).
 */
function parseFunctional(fn: string, config: Dict, writer: string): ParsedTopology {
  if (!Array.isArray(config.layers) || types.isProxy(config.layers)) throw new Error(`${fn}: modelTopology.config.layers must be an array`);
  if (config.layers.length > 10_000) throw new Error(`${fn}: modelTopology has ${config.layers.length} layers; at most 10000 are accepted`);
  const entries = config.layers.map((raw, i) => readEntry(fn, raw, i));
  const byName = new Map<string, (typeof entries)[number]>();
  for (const e of entries) {
    const n = e.config.name as string;
    if (byName.has(n)) throw new Error(`${fn}: duplicate layer name '${n}' in modelTopology`);
    byName.set(n, e);
  }
  const inputRefs = layerRefs(config.input_layers);
  const outputRefs = layerRefs(config.output_layers);
  if (inputRefs.length === 0) throw new Error(`${fn}: the functional model lists no input_layers`);
  if (outputRefs.length === 0) throw new Error(`${fn}: the functional model lists no output_layers`);

  // Every tensor made so far, by `layer[node][tensor]`.
  const made = new Map<string, SymbolicTensor>();
  const inputs: SymbolicTensor[] = [];
  for (const r of inputRefs) {
    const e = byName.get(r.name);
    if (!e) throw new Error(`${fn}: input layer '${r.name}' is not among the layers`);
    if (e.className !== 'InputLayer') throw new Error(`${fn}: the functional model's input '${r.name}' is a ${e.className}, not an InputLayer`);
    const where = `layer '${r.name}' (InputLayer)`;
    const dtype = dtypeProblem(e.config.dtype);
    if (dtype) throw new Error(`${fn}: ${where}: ${dtype}`);
    if (e.config.sparse === true || e.config.ragged === true) throw new Error(`${fn}: ${where}: sparse and ragged inputs are not supported`);
    let shape: number[] | undefined;
    try {
      shape = readBatchShape(e.config);
    } catch (err) {
      throw new Error(`${fn}: ${where}: ${(err as Error).message}`);
    }
    if (!shape) throw new Error(`${fn}: ${where}: the InputLayer has no batch_input_shape`);
    const t = symbolicInput({ shape, name: r.name });
    inputs.push(t);
    made.set(showRef({ name: r.name, node: 0, tensor: 0 }), t);
  }

  // The applications, each waiting for the tensors it reads.
  interface Application { layer: Layer; where: string; refs: TensorRef[]; name: string; node: number; waiting: number }
  const waiters = new Map<string, Application[]>();
  const ready: Application[] = [];
  let count = 0;
  for (const e of entries) {
    if (e.className === 'InputLayer') continue;
    const n = e.config.name as string;
    const where = `layer '${n}' (${e.className})`;
    const nodes = e.inboundNodes ?? [];
    if (!Array.isArray(nodes)) throw new Error(`${fn}: layer '${n}' has malformed inbound_nodes`);
    if (nodes.length === 0) throw new Error(`${fn}: ${where} is not connected to the model (it has no inbound nodes)`);
    count += nodes.length;
    if (count > MAX_NODES) throw new Error(`${fn}: modelTopology describes more than ${MAX_NODES} layer applications`);
    let layer: Layer;
    try {
      layer = makeLayer(e, undefined, writer);
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(msg.startsWith(`${fn}: `) ? msg : `${fn}: ${where}: ${msg}`);
    }
    nodes.forEach((node, k) => {
      let refs: TensorRef[];
      try {
        refs = nodeRefs(node);
      } catch (err) {
        throw new Error(`${fn}: layer '${n}': ${(err as Error).message}`);
      }
      if (refs.length === 0) throw new Error(`${fn}: ${where}: inbound node ${k} has no inputs`);
      for (const r of refs) {
        if (!byName.has(r.name)) throw new Error(`${fn}: layer '${n}' takes its input from unknown layer '${r.name}'`);
        if (r.node < 0 || r.tensor < 0) throw new Error(`${fn}: layer '${n}' reads ${show([r.name])}'s node or tensor index out of range`);
      }
      const app: Application = { layer, where, refs, name: n, node: k, waiting: 0 };
      for (const r of new Set(refs.map(showRef))) {
        if (made.has(r)) continue;
        app.waiting++;
        waiters.set(r, [...(waiters.get(r) ?? []), app]);
      }
      if (app.waiting === 0) ready.push(app);
    });
  }
  let applied = 0;
  // Per application applied (`layer[node][0]`), how many outputs it made.
  const outputCount = new Map<string, number>();
  while (ready.length > 0) {
    const app = ready.pop()!;
    const ins = app.refs.map((r) => made.get(showRef(r))!);
    let out: SymbolicTensor | SymbolicTensor[];
    try {
      out = app.layer.apply(ins.length === 1 ? ins[0] : ins);
    } catch (err) {
      throw new Error(`${fn}: ${app.where}: ${(err as Error).message.replace(/^apply: /, '')}`);
    }
    applied++;
    // A layer with several outputs (returnState) makes tensors 0, 1, ... of this node.
    const outs = Array.isArray(out) ? out : [out];
    outputCount.set(showRef({ name: app.name, node: app.node, tensor: 0 }), outs.length);
    outs.forEach((t, tensor) => {
      const key = showRef({ name: app.name, node: app.node, tensor });
      made.set(key, t);
      for (const w of waiters.get(key) ?? []) if (--w.waiting === 0) ready.push(w);
      waiters.delete(key);
    });
  }
  if (applied < count) {
    // An output index past what an applied layer makes is named as such.
    for (const [key, apps] of waiters) {
      const r = apps[0].refs.find((x) => showRef(x) === key)!;
      const n = outputCount.get(showRef({ ...r, tensor: 0 }));
      if (n !== undefined) throw new Error(`${fn}: layer '${apps[0].name}' reads output ${r.tensor} of layer '${r.name}', which has ${n === 1 ? 'one output' : `${n} outputs`}`);
    }
    const [missing, stuck] = [...waiters.entries()][0];
    const by = byName.has(missing.slice(0, missing.indexOf('['))) ? '' : ' (unknown layer)';
    throw new Error(`${fn}: ${stuck[0].where} reads ${missing}${by}, which the model never makes (a missing node or a cycle)`);
  }
  const outputs = outputRefs.map((r) => {
    const t = made.get(showRef(r));
    const n = outputCount.get(showRef({ ...r, tensor: 0 }));
    if (!t && n !== undefined) throw new Error(`${fn}: the output ${showRef(r)} is output ${r.tensor} of layer '${r.name}', which has ${n === 1 ? 'one output' : `${n} outputs`}`);
    if (!t) throw new Error(`${fn}: the output ${showRef(r)} is not made by any layer of the model`);
    return t;
  });

  const graph = functionalGraph(fn, inputs, outputs);
  const firstInputs = new Map<Layer, number[][]>();
  for (const n of graph.nodes) if (!firstInputs.has(n.layer)) firstInputs.set(n.layer, n.inputs.map(sampleShape));
  const weights: ParsedTopology['weights'] = [];
  for (const layer of graph.layers) {
    for (const w of layer.weightSpecsFor(firstInputs.get(layer)!)) {
      if (w.shape.reduce((a, b) => a * b, 1) > MAX_ELEMENTS) throw new Error(`${fn}: layer '${layer.name}': weight '${w.name}' of shape ${show(w.shape)} is too large`);
      weights.push({ name: `${layer.name}/${w.name}`, shape: w.shape, trainable: w.trainable && layer.trainable });
    }
  }
  const outShape = sampleShape(outputs[0]);
  if (outShape.length !== 1) throw new Error(`${fn}: the last layer must output flat features, got per-sample shape ${show(outShape)}`);
  return {
    name: typeof config.name === 'string' ? config.name : undefined,
    inputShape: sampleShape(inputs[0]), layers: graph.layers, weights, functional: { inputs, outputs },
  };
}

/**
 * @internal Reads a `modelTopology` (Keras JSON) into layers, and computes the
 * weights the model will have. Nothing is allocated beyond the layer objects.
 */
export function parseTopology(fn: string, topology: unknown): ParsedTopology {
  if (topology instanceof ArrayBuffer) throw new Error(`${fn}: modelTopology is binary (a TensorFlow graph model); tensorforge loads layers models`);
  if (!isDict(topology)) throw new Error(`${fn}: modelTopology must be an object, got ${show(topology)}`);
  const t = isDict(topology.model_config) ? topology.model_config : topology;  // Keras's full-model form
  const cls = t.class_name;
  const writer = typeof topology.keras_version === 'string' ? topology.keras_version : typeof t.keras_version === 'string' ? t.keras_version : '';
  if (typeof cls !== 'string') throw new Error(`${fn}: modelTopology.class_name must be a string, got ${show(cls)}`);
  let entries: LayerEntry[];
  let name: string | undefined;
  if (cls === 'Sequential') {
    const config = t.config;
    const list = Array.isArray(config) ? config : isDict(config) ? config.layers : undefined;  // Keras 1 wrote a bare list
    if (!Array.isArray(list) || types.isProxy(list)) throw new Error(`${fn}: modelTopology.config.layers must be an array, got ${show(list)}`);
    entries = list.map((raw, i) => readEntry(fn, raw, i));
    if (isDict(config) && typeof config.name === 'string') name = config.name;
  } else if (cls === 'Model' || cls === 'Functional') {
    if (!isDict(t.config)) throw new Error(`${fn}: modelTopology.config must be an object`);
    return parseFunctional(fn, t.config, writer);
  } else {
    throw new Error(`${fn}: unsupported model class '${cls}'; tensorforge loads 'Sequential', and 'Model' / 'Functional' (functional) models`);
  }
  if (entries.length > 10_000) throw new Error(`${fn}: modelTopology has ${entries.length} layers; at most 10000 are accepted`);

  const names = new Set<string>();
  let inputShape: number[] | undefined;
  const layers: Layer[] = [];
  const weights: ParsedTopology['weights'] = [];
  let shape: number[] = [];
  entries.forEach((e, i) => {
    const lname = e.config.name as string;
    const where = `layer '${lname}' (${e.className})`;
    if (names.has(lname)) throw new Error(`${fn}: duplicate layer name '${lname}' in modelTopology`);
    names.add(lname);
    try {
      if (e.className === 'InputLayer') {
        if (i !== 0) throw new Error('an InputLayer must come first');
        const dtype = dtypeProblem(e.config.dtype);
        if (dtype) throw new Error(dtype);
        if (e.config.sparse === true || e.config.ragged === true) throw new Error('sparse and ragged inputs are not supported');
        inputShape = readBatchShape(e.config);
        if (!inputShape) throw new Error('the InputLayer has no batch_input_shape');
        shape = inputShape;
        return;
      }
      let first: number[] | undefined;
      if (layers.length === 0 && !inputShape) {
        first = readBatchShape(e.config);
        if (!first) throw new Error(`the model's input shape is unknown: the first layer has no batch_input_shape and there is no InputLayer`);
        inputShape = shape = first;
      }
      const layer = makeLayer(e, first ?? (layers.length === 0 ? inputShape : undefined), writer);
      if ((layer as { returnState?: unknown }).returnState === true) {
        throw new Error('returnState is set, so the layer returns its output and its states; a Sequential model\'s layers return one tensor each (Keras refuses it too)');
      }
      for (const w of layer.weightSpecsFor([shape])) {
        if (w.shape.reduce((a, b) => a * b, 1) > MAX_ELEMENTS) throw new Error(`weight '${w.name}' of shape ${show(w.shape)} is too large`);
        weights.push({ name: `${lname}/${w.name}`, shape: w.shape, trainable: w.trainable && layer.trainable });
      }
      shape = layer.outputShapeFor([shape]);
      layers.push(layer);
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(msg.startsWith(`${fn}: `) ? msg : `${fn}: ${where}: ${msg}`);
    }
  });
  if (layers.length === 0) throw new Error(`${fn}: modelTopology has no layers besides the input`);
  if (shape.length !== 1) throw new Error(`${fn}: the last layer must output flat features, got per-sample shape ${show(shape)}`);
  return { name, inputShape: inputShape!, layers, weights };
}
