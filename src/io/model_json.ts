// The model topology in Keras's JSON config form (snake_case keys), both ways.
// Written: a `Sequential` whose first layer carries `batch_input_shape`, as
// TensorFlow.js writes it. Read: `Sequential` (with or without a leading
// InputLayer, Keras 2 or 3 spellings) and single-chain functional models
// (`Model` / `Functional`), which are a Sequential model in another form.
import { types } from 'node:util';
import { KERAS_ACTIVATION_NAME } from '../activations';
import { show } from '../errors';
import { Initializer, getInitializer, initializers } from '../initializers';
import { ActivationLayer } from '../layers/activation_layer';
import { Dense } from '../layers/dense';
import { Dropout } from '../layers/dropout';
import { Flatten } from '../layers/flatten';
import { Layer } from '../layers/layer';
import { BatchNormalization, LayerNormalization } from '../layers/normalization';
import type { Regularizer } from '../regularizers';
import { MAX_ELEMENTS } from './weights';

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** snake_case -> camelCase, as TensorFlow.js's toCamelCase. */
function camel(s: string): string {
  return s.indexOf('_') < 0 ? s : s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

/** camelCase -> snake_case. */
function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Converts the keys (not the values) of a JSON config to camelCase, recursively. */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isDict(v)) return v;
  const out: Dict = {};
  for (const [k, x] of Object.entries(v)) out[camel(k)] = camelKeys(x);
  return out;
}

// ---------------------------------------------------------------- writing

// Names both TensorFlow.js and Keras read; TensorFlow.js knows 'silu' only as 'swish'.
function activationName(a: keyof typeof KERAS_ACTIVATION_NAME): string {
  return a === 'silu' ? 'swish' : KERAS_ACTIVATION_NAME[a];
}

function initializerToJSON(init: Initializer): Dict {
  const c = init.getConfig() as Dict;
  const seed = c.seed ?? null;
  switch (init.className) {
    case 'GlorotUniform': case 'GlorotNormal': case 'HeNormal': case 'HeUniform':
      return { class_name: init.className, config: { seed } };
    case 'LecunNormal': case 'LecunUniform': case 'VarianceScaling':
      // Keras spells it LecunNormal, TensorFlow.js LeCunNormal: the general form reads in both.
      return {
        class_name: 'VarianceScaling',
        config: { scale: c.scale, mode: snake(String(c.mode)), distribution: snake(String(c.distribution)), seed },
      };
    default: {
      const config: Dict = {};
      for (const [k, v] of Object.entries(c)) config[snake(k)] = v ?? null;
      return { class_name: init.className, config };
    }
  }
}

function regularizerToJSON(r: Regularizer | null): Dict | null {
  return r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null;
}

function layerToJSON(layer: Layer, inputShape: number[] | null): Dict {
  const tail: Dict = { name: layer.name, trainable: layer.trainable };
  if (inputShape) Object.assign(tail, { batch_input_shape: [null, ...inputShape], dtype: 'float32' });
  if (layer instanceof Dense) {
    const config: Dict = {
      units: layer.units, activation: activationName(layer.activation), use_bias: layer.useBias,
      kernel_initializer: initializerToJSON(layer.kernelInitializer), bias_initializer: initializerToJSON(layer.biasInitializer),
      kernel_regularizer: regularizerToJSON(layer.kernelRegularizer), bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, bias_constraint: null,
    };
    // tensorforge extension: a non-default alpha of a leaky_relu / elu activation (other readers ignore it).
    if ((layer.activation === 'leakyRelu' && layer.alpha !== 0.2) || (layer.activation === 'elu' && layer.alpha !== 1)) config.alpha = layer.alpha;
    return { class_name: 'Dense', config: { ...config, ...tail } };
  }
  if (layer instanceof ActivationLayer) {
    // As layers, leaky ReLU and ELU with its alpha have classes of their own that both Keras and TensorFlow.js read.
    if (layer.activation === 'leakyRelu') return { class_name: 'LeakyReLU', config: { alpha: layer.alpha, ...tail } };
    if (layer.activation === 'elu' && layer.alpha !== 1) return { class_name: 'ELU', config: { alpha: layer.alpha, ...tail } };
    return { class_name: 'Activation', config: { activation: activationName(layer.activation), ...tail } };
  }
  if (layer instanceof Dropout) return { class_name: 'Dropout', config: { rate: layer.rate, noise_shape: null, seed: layer.seed ?? null, ...tail } };
  if (layer instanceof Flatten) return { class_name: 'Flatten', config: { data_format: 'channels_last', ...tail } };
  if (layer instanceof BatchNormalization) {
    return {
      class_name: 'BatchNormalization',
      config: {
        axis: -1, momentum: layer.momentum, epsilon: layer.epsilon, center: layer.center, scale: layer.scale,
        beta_initializer: initializerToJSON(layer.betaInitializer), gamma_initializer: initializerToJSON(layer.gammaInitializer),
        moving_mean_initializer: initializerToJSON(layer.movingMeanInitializer),
        moving_variance_initializer: initializerToJSON(layer.movingVarianceInitializer),
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, ...tail,
      },
    };
  }
  if (layer instanceof LayerNormalization) {
    return {
      class_name: 'LayerNormalization',
      config: {
        axis: -1, epsilon: layer.epsilon, center: layer.center, scale: layer.scale,
        beta_initializer: initializerToJSON(layer.betaInitializer), gamma_initializer: initializerToJSON(layer.gammaInitializer),
        beta_regularizer: null, gamma_regularizer: null, ...tail,
      },
    };
  }
  throw new Error(`save: layer '${layer.name}' of class '${layer.className}' cannot be serialized`);
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

/** The layer classes tensorforge reads, in the order error messages list them. */
export const SUPPORTED_LAYER_CLASSES = [
  'InputLayer', 'Dense', 'Dropout', 'Flatten', 'Activation', 'BatchNormalization', 'LayerNormalization',
  'LeakyReLU', 'ELU', 'ReLU', 'Softmax',
] as const;

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

function readInitializer(v: unknown, fallback: Parameters<typeof getInitializer>[3]): Initializer {
  // Initializers only matter for re-initialising: the saved weights replace
  // their values. One tensorforge lacks falls back to the layer's default.
  try {
    if (typeof v === 'string') return getInitializer('load', 'initializer', v, fallback);
    if (!isDict(v) || typeof v.className !== 'string') return getInitializer('load', 'initializer', undefined, fallback);
    const c = isDict(v.config) ? v.config : {};
    const seed = Number.isInteger(c.seed) && (c.seed as number) >= 0 ? (c.seed as number) : undefined;
    const num = (x: unknown) => (typeof x === 'number' ? x : undefined);
    switch (v.className) {
      case 'GlorotUniform': return initializers.glorotUniform({ seed });
      case 'GlorotNormal': return initializers.glorotNormal({ seed });
      case 'HeNormal': return initializers.heNormal({ seed });
      case 'HeUniform': return initializers.heUniform({ seed });
      case 'LeCunNormal': case 'LecunNormal': return initializers.lecunNormal({ seed });
      case 'LeCunUniform': case 'LecunUniform': return initializers.lecunUniform({ seed });
      case 'VarianceScaling': {
        const mode = camel(String(c.mode ?? 'fan_in')) as 'fanIn' | 'fanOut' | 'fanAvg';
        const distribution = camel(String(c.distribution ?? 'truncated_normal')) as 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'normal';
        if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode) || !['truncatedNormal', 'untruncatedNormal', 'uniform', 'normal'].includes(distribution)) break;
        const scale = num(c.scale) ?? 1;
        // The named members of the family are written in this general form (TensorFlow.js does so too): name them again.
        const kind = distribution === 'uniform' ? 'Uniform' : distribution === 'untruncatedNormal' ? '' : 'Normal';
        const named = kind && ({ '1fanAvg': 'glorot', '2fanIn': 'he', '1fanIn': 'lecun' } as Record<string, string>)[`${scale}${mode}`];
        if (named) return initializers[`${named}${kind}` as 'glorotUniform']({ seed });
        return initializers.varianceScaling({ scale, mode, distribution, seed });
      }
      case 'Zeros': return initializers.zeros();
      case 'Ones': return initializers.ones();
      case 'Constant': return initializers.constant({ value: num(c.value) ?? 0 });
      case 'RandomNormal': return initializers.randomNormal({ mean: num(c.mean), stddev: num(c.stddev), seed });
      case 'TruncatedNormal': return initializers.truncatedNormal({ mean: num(c.mean), stddev: num(c.stddev), seed });
      case 'RandomUniform': return initializers.randomUniform({ minval: num(c.minval), maxval: num(c.maxval), seed });
    }
  } catch {
    // fall through to the default
  }
  return getInitializer('load', 'initializer', undefined, fallback);
}

function readRegularizer(v: unknown): Regularizer | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isDict(v) || typeof v.className !== 'string') throw new Error(`unsupported kernel_regularizer ${show(v)}`);
  const c = isDict(v.config) ? v.config : {};
  const num = (x: unknown, d: number) => (typeof x === 'number' ? x : d);
  switch (v.className) {
    case 'L1L2': return { className: 'L1L2', l1: num(c.l1, 0), l2: num(c.l2, 0) };
    case 'L1': return { className: 'L1', l1: num(c.l1, 0.01), l2: 0 };
    case 'L2': return { className: 'L2', l1: 0, l2: num(c.l2, 0.01) };
  }
  throw new Error(`unsupported kernel_regularizer class '${v.className}'; supported: L1L2, L1, L2`);
}

function readActivation(v: unknown): string {
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  if (isDict(v) && typeof v.className === 'string') return v.className;
  throw new Error(`activation must be a name, got ${show(v)}`);
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

function checkDtype(c: Dict): void {
  const d = c.dtype;
  if (d === undefined || d === null || d === 'float32') return;
  if (isDict(d) && isDict(d.config) && d.config.name === 'float32') return;  // Keras 3 DTypePolicy
  throw new Error(`dtype ${isDict(d) ? show(isDict(d.config) ? d.config.name : d) : show(d)} is not supported; tensorforge computes in float32`);
}

/** The feature axis given as -1, [-1], or the last axis's index counting the batch axis (rank = batch rank). */
function checkLastAxis(axis: unknown, rank: number): void {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (a === undefined || a === null || a === -1 || a === rank - 1) return;
  throw new Error(`only the last axis is supported, got axis ${show(axis)}`);
}

function makeLayer(e: LayerEntry, shape: number[], inputShape: number[] | undefined, writer: string): Layer {
  const c = e.config;
  checkDtype(c);
  // NOTE: 'hard_sigmoid' changed meaning: clip(0.2x + 0.5, 0, 1) in Keras 2 and
  // TensorFlow.js, relu6(x + 3) / 6 in Keras 3 and tensorforge. Loading the
  // old one as the new would silently change the model's outputs.
  if (/^hard_?sigmoid$/i.test(readActivation(c.activation)) && !/^(3\.|tensorforge)/.test(writer)) {
    throw new Error(`activation 'hard_sigmoid' from ${writer || 'an unknown writer'} is clip(0.2x + 0.5, 0, 1) (Keras 2, TensorFlow.js); tensorforge's hard_sigmoid is Keras 3's relu6(x + 3) / 6, and the older one is not supported`);
  }
  const base = { name: c.name as string, ...(inputShape ? { inputShape } : {}), trainable: c.trainable as boolean | undefined };
  const num = (k: string) => (c[k] === null ? undefined : (c[k] as number | undefined));
  const bool = (k: string) => (c[k] === null ? undefined : (c[k] as boolean | undefined));
  switch (e.className) {
    case 'Dense':
      return new Dense({
        ...base, units: c.units as number, activation: readActivation(c.activation) as never, alpha: num('alpha'),
        useBias: bool('useBias'), kernelInitializer: readInitializer(c.kernelInitializer, 'glorotUniform'),
        biasInitializer: readInitializer(c.biasInitializer, 'zeros'), kernelRegularizer: readRegularizer(c.kernelRegularizer),
      });
    case 'Dropout':
      return new Dropout({ ...base, rate: c.rate as number, seed: Number.isInteger(c.seed) && (c.seed as number) >= 0 ? (c.seed as number) : undefined });
    case 'Flatten':
      if (c.dataFormat === 'channels_first' && shape.length > 1) throw new Error(`data_format 'channels_first' is not supported`);
      return new Flatten(base);
    case 'Activation':
      return new ActivationLayer({ ...base, activation: readActivation(c.activation) as never });
    case 'LeakyReLU':  // Keras 2 / TensorFlow.js: alpha (default 0.3); Keras 3: negative_slope (default 0.3)
      return new ActivationLayer({ ...base, activation: 'leakyRelu', alpha: num('alpha') ?? num('negativeSlope') ?? 0.3 });
    case 'ELU':
      return new ActivationLayer({ ...base, activation: 'elu', alpha: num('alpha') ?? 1 });
    case 'ReLU': {
      const max = num('maxValue');
      if ((num('negativeSlope') ?? 0) !== 0 || (num('threshold') ?? 0) !== 0 || (max !== undefined && max !== 6)) {
        throw new Error(`only ReLU with max_value null or 6, negative_slope 0 and threshold 0 is supported`);
      }
      return new ActivationLayer({ ...base, activation: max === 6 ? 'relu6' : 'relu' });
    }
    case 'Softmax':
      checkLastAxis(c.axis, shape.length + 1);
      return new ActivationLayer({ ...base, activation: 'softmax' });
    case 'BatchNormalization':
      checkLastAxis(c.axis, shape.length + 1);
      if (c.renorm === true) throw new Error('renorm is not supported');
      return new BatchNormalization({
        ...base, momentum: num('momentum'), epsilon: num('epsilon'), center: bool('center'), scale: bool('scale'),
        betaInitializer: readInitializer(c.betaInitializer, 'zeros'), gammaInitializer: readInitializer(c.gammaInitializer, 'ones'),
        movingMeanInitializer: readInitializer(c.movingMeanInitializer, 'zeros'),
        movingVarianceInitializer: readInitializer(c.movingVarianceInitializer, 'ones'),
      });
    case 'LayerNormalization':
      checkLastAxis(c.axis, shape.length + 1);
      if (c.rmsScaling === true) throw new Error('rms_scaling is not supported');
      return new LayerNormalization({
        ...base, epsilon: num('epsilon'), center: bool('center'), scale: bool('scale'),
        betaInitializer: readInitializer(c.betaInitializer, 'zeros'), gammaInitializer: readInitializer(c.gammaInitializer, 'ones'),
      });
  }
  throw new Error(`unsupported layer class '${e.className}'; tensorforge reads ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
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
        checkDtype(e.config);
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
      const layer = makeLayer(e, shape, first ?? (layers.length === 0 ? inputShape : undefined), writer);
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
