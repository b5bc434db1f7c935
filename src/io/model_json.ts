// The model topology in Keras's JSON config form (snake_case keys), both ways.
// Written: a `Sequential` whose first layer carries `batch_input_shape`, as
// TensorFlow.js writes it. Read: `Sequential` (with or without a leading
// InputLayer, Keras 2 or 3 spellings) and single-chain functional models
// (`Model` / `Functional`), which are a Sequential model in another form.
// Each layer is its registered class name and getConfig() (layers/registry):
// this file knows the file format and the model's structure, no layer class.
import { types } from 'node:util';
import { show } from '../errors';
// Importing the layers registers every built-in layer class.
import '../layers';
import { LayerConfig, activationName, camelCase, dtypeProblem, snakeCase } from '../layers/config';
import { Layer } from '../layers/layer';
import { deserializeLayer, isRegisteredLayerClass, registeredLayerClasses, serializeLayer } from '../layers/registry';
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

// ---------------------------------------------------------------- reading

/** @internal A topology read from JSON, with its layers made but no model built yet. */
export interface ParsedTopology {
  name?: string;
  inputShape: number[];
  layers: Layer[];
  /** Weights the model will have, in order (`layer/weight`), computed without allocating them. */
  weights: { name: string; shape: number[]; trainable: boolean }[];
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
  if (/^hard_?sigmoid$/i.test(activationName(e.config) ?? '') && !/^(3\.|tensorforge)/.test(writer)) {
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

/** Layer names a node's inputs come from: TensorFlow.js / Keras 2 `[[name, node, tensor, kwargs], ...]` or Keras 3 `{args: [keras tensors]}`. */
function nodeSources(node: unknown): string[] {
  if (Array.isArray(node)) {
    return node.map((t) => {
      if (!Array.isArray(t) || typeof t[0] !== 'string') throw new Error(`bad inbound node ${show(t)}`);
      return t[0];
    });
  }
  if (isDict(node)) {
    const found: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isDict(v)) {
        const h = isDict(v.config) ? v.config.keras_history : undefined;
        if (v.class_name === '__keras_tensor__' && Array.isArray(h) && typeof h[0] === 'string') found.push(h[0]);
        else Object.values(v).forEach(walk);
      }
    };
    walk(node.args);
    return found;
  }
  throw new Error(`bad inbound node ${show(node)}`);
}

/** input_layers / output_layers: `[[name, 0, 0], ...]`, or Keras 3's `[name, 0, 0]` for one. */
function refNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.map((r) => (Array.isArray(r) && typeof r[0] === 'string' ? r[0] : ''));
}

/** Orders a functional model's layers along its single chain, or says why it is not one. */
function chainOf(fn: string, config: Dict): LayerEntry[] {
  if (!Array.isArray(config.layers)) throw new Error(`${fn}: modelTopology.config.layers must be an array`);
  const entries = config.layers.map((raw, i) => readEntry(fn, raw, i));
  const byName = new Map<string, (typeof entries)[number]>();
  for (const e of entries) {
    const n = e.config.name as string;
    if (byName.has(n)) throw new Error(`${fn}: duplicate layer name '${n}' in modelTopology`);
    byName.set(n, e);
  }
  const single = `tensorforge loads Sequential models and functional models that are a single chain of layers`;
  const inputs = refNames(config.input_layers);
  const outputs = refNames(config.output_layers);
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new Error(`${fn}: the functional model has ${inputs.length} inputs and ${outputs.length} outputs; ${single}`);
  }
  const sources = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  for (const e of entries) {
    const n = e.config.name as string;
    const nodes = e.inboundNodes ?? [];
    if (!Array.isArray(nodes)) throw new Error(`${fn}: layer '${n}' has malformed inbound_nodes`);
    if (nodes.length > 1) throw new Error(`${fn}: layer '${n}' is called ${nodes.length} times (a shared layer); ${single}`);
    let src: string[];
    try {
      src = nodes.length ? nodeSources(nodes[0]) : [];
    } catch (err) {
      throw new Error(`${fn}: layer '${n}': ${(err as Error).message}`);
    }
    if (src.length > 1) throw new Error(`${fn}: layer '${n}' (${e.className}) joins ${src.length} inputs; ${single}`);
    for (const s of src) {
      if (!byName.has(s)) throw new Error(`${fn}: layer '${n}' takes its input from unknown layer '${s}'`);
      consumers.set(s, [...(consumers.get(s) ?? []), n]);
    }
    sources.set(n, src);
  }
  const first = byName.get(inputs[0]);
  if (!first) throw new Error(`${fn}: input layer '${inputs[0]}' is not among the layers`);
  const order = [first];
  let cur = inputs[0];
  while (consumers.has(cur)) {
    const next = consumers.get(cur)!;
    if (next.length > 1) throw new Error(`${fn}: layer '${cur}' feeds ${next.length} layers (${next.join(', ')}); ${single}`);
    cur = next[0];
    if (order.length > entries.length) throw new Error(`${fn}: the functional model has a cycle at '${cur}'`);
    order.push(byName.get(cur)!);
  }
  if (cur !== outputs[0]) throw new Error(`${fn}: the chain from '${inputs[0]}' ends at '${cur}', not at the output layer '${outputs[0]}'; ${single}`);
  if (order.length !== entries.length) {
    const stray = entries.filter((e) => !order.includes(e)).map((e) => e.config.name);
    throw new Error(`${fn}: layers ${stray.map((s) => `'${s}'`).join(', ')} are not on the chain from input to output; ${single}`);
  }
  if (order[0].className !== 'InputLayer') throw new Error(`${fn}: the functional model's input '${inputs[0]}' is a ${order[0].className}, not an InputLayer`);
  return order;
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
    entries = chainOf(fn, t.config);
    if (typeof t.config.name === 'string') name = t.config.name;
  } else {
    throw new Error(`${fn}: unsupported model class '${cls}'; tensorforge loads 'Sequential', and 'Model' / 'Functional' models that are a single chain`);
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
      for (const w of layer.weightSpecs(shape)) {
        if (w.shape.reduce((a, b) => a * b, 1) > MAX_ELEMENTS) throw new Error(`weight '${w.name}' of shape ${show(w.shape)} is too large`);
        weights.push({ name: `${lname}/${w.name}`, shape: w.shape, trainable: w.trainable });
      }
      shape = layer.computeOutputShape(shape);
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
