// The compile configuration (optimizer, loss, metrics) and the optimizer
// state, in the forms TensorFlow.js reads.
//
// TensorFlow.js rebuilds `trainingConfig` when it loads a model and fails the
// whole load on anything it lacks (AdamW, Nadam, Huber, from_logits, learning
// rate schedules, some metrics). So a configuration TensorFlow.js can rebuild
// goes to the top-level `trainingConfig`; any other goes to
// `modelTopology.training_config` — where Keras's own model files keep it and
// TensorFlow.js ignores it — and tensorforge reads either.
//
// Optimizer state is a group of manifest entries with `"group": "optimizer"`:
// `iter` (int32 scalar), then one entry per slot and trainable variable, named
// `<var>/<slot>` in TensorFlow.js's slot order (Adam: every `/m`, then every
// `/v`). TensorFlow.js reads it for the optimizers it has (see tfjsCompatible).
import { show } from '../errors';
import { KERAS_LOSS_NAME, Loss, LossFunction, losses } from '../losses';
import type { ResolvedMetric } from '../metrics';
import { OPTIMIZER_NAMES, OptimizerIdentifier, SlotName, definitionOf } from '../optimizers/definitions';
import { Optimizer, createOptimizer } from '../optimizers/optimizer';
import { LearningRateSchedule, cosineDecay, exponentialDecay, piecewiseConstant } from '../optimizers/schedules';
import type { CheckedEntry } from './weights';
import type { NamedWeight } from './weights';
import type { TrainingConfig } from './types';
import type { CompileArgs, CompiledConfig } from '../models/model_args';

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function camel(s: string): string {
  return s.indexOf('_') < 0 ? s : s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

// ---------------------------------------------------------------- writing

const TFJS_LOSSES = new Set(['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy', 'mean_squared_error', 'mean_absolute_error']);
const LOSS_CLASS: Record<string, string> = {
  sparseCategoricalCrossentropy: 'SparseCategoricalCrossentropy', categoricalCrossentropy: 'CategoricalCrossentropy',
  binaryCrossentropy: 'BinaryCrossentropy', meanSquaredError: 'MeanSquaredError', meanAbsoluteError: 'MeanAbsoluteError', huber: 'Huber',
};

/** Metric names as written: the snake_case names Keras and TensorFlow.js share. */
const METRIC_NAME: Record<string, string> = {
  accuracy: 'accuracy', acc: 'acc',
  binaryAccuracy: 'binary_accuracy', binary_accuracy: 'binary_accuracy',
  categoricalAccuracy: 'categorical_accuracy', categorical_accuracy: 'categorical_accuracy',
  sparseCategoricalAccuracy: 'sparse_categorical_accuracy', sparse_categorical_accuracy: 'sparse_categorical_accuracy',
  mse: 'mse', meanSquaredError: 'mse', mean_squared_error: 'mse',
  mae: 'mae', meanAbsoluteError: 'mae', mean_absolute_error: 'mae',
  topK: 'top_k_categorical_accuracy', topKCategoricalAccuracy: 'top_k_categorical_accuracy', top_k_categorical_accuracy: 'top_k_categorical_accuracy',
  sparseTopKCategoricalAccuracy: 'sparse_top_k_categorical_accuracy', sparse_top_k_categorical_accuracy: 'sparse_top_k_categorical_accuracy',
};
// What TensorFlow.js's compile accepts (its metricsMap plus accuracy/acc).
const TFJS_METRICS = new Set(['accuracy', 'acc', 'binary_accuracy', 'categorical_accuracy', 'mse', 'mae']);

function scheduleToJSON(s: LearningRateSchedule): Dict {
  return { class_name: s.className, config: s.getConfig() };
}

/** The optimizer as `{class_name, config}` in its row's training-config form, and whether TensorFlow.js can rebuild it. */
function optimizerToJSON(opt: Optimizer, learningRate: number, includeOptimizer: boolean): { json: TrainingConfig['optimizer_config']; tfjs: boolean } {
  const def = definitionOf(opt.name);
  const c = opt.config;
  const form = def.trainingConfig.find((f) => !f.when || f.when(c)) ?? def.trainingConfig[def.trainingConfig.length - 1];
  const config: Dict = { learningRate: opt.schedule ? scheduleToJSON(opt.schedule) : learningRate };
  for (const key of form.keys) {
    const [written, option] = typeof key === 'string' ? [key, key] : key;
    config[written] = c[option];
  }
  Object.assign(config, form.constants);
  for (const k of ['clipNorm', 'clipValue', 'globalClipNorm'] as const) if (c[k] !== undefined) config[k] = c[k];
  if (c.weightDecay) config.weightDecay = c.weightDecay;
  return { json: { class_name: form.className, config }, tfjs: !opt.schedule && def.tfjs(c, includeOptimizer) };
}

function lossToJSON(loss: Loss | LossFunction): { json: TrainingConfig['loss']; tfjs: boolean } {
  // A loss in code is saved under its function's name, as Keras saves one; loading needs the function again.
  if (typeof loss === 'function') return { json: loss.name || 'custom_loss', tfjs: false };
  const name = KERAS_LOSS_NAME[loss.name];
  if (!loss.fromLogits && (loss.name !== 'huber' || loss.delta === 1)) return { json: name, tfjs: TFJS_LOSSES.has(name) };
  const config: Dict = { name };
  if (loss.name === 'huber') config.delta = loss.delta;
  else config.from_logits = loss.fromLogits;
  return { json: { class_name: LOSS_CLASS[loss.name], config }, tfjs: false };
}

/**
 * @internal The training configuration of a compiled model, and whether
 * TensorFlow.js can rebuild it (then it belongs in the top-level trainingConfig).
 */
export function trainingConfigToJSON(compiled: CompiledConfig, learningRate: number, includeOptimizer: boolean): { config: TrainingConfig; tfjs: boolean } {
  const opt = optimizerToJSON(compiled.optimizer, learningRate, includeOptimizer);
  const metricNames = (list: readonly ResolvedMetric[]) => list.map((m) => METRIC_NAME[m.key] ?? m.key);
  const outputs = compiled.outputs;
  if (outputs) {
    // Several outputs, as Keras writes them: each entry keyed by output name.
    const byName = <T>(f: (k: number) => T) => Object.fromEntries(outputs.names.map((n, k) => [n, f(k)]));
    const losses = outputs.losses.map(lossToJSON);
    const metrics = byName((k) => metricNames(outputs.metrics[k]));
    // TensorFlow.js reads no loss_weights: weights other than 1 keep the configuration Keras-only.
    const weighted = outputs.weights.some((w) => w !== 1);
    const tfjs = !weighted && opt.tfjs && losses.every((l) => l.tfjs) && Object.values(metrics).flat().every((m) => TFJS_METRICS.has(m));
    return {
      config: { loss: byName((k) => losses[k].json), metrics, ...(weighted ? { loss_weights: byName((k) => outputs.weights[k]) } : {}), optimizer_config: opt.json } as unknown as TrainingConfig,
      tfjs,
    };
  }
  const loss = lossToJSON(compiled.loss);
  const metrics = metricNames(compiled.metrics);
  const tfjs = opt.tfjs && loss.tfjs && metrics.every((m) => TFJS_METRICS.has(m));
  return { config: { loss: loss.json, metrics, optimizer_config: opt.json }, tfjs };
}

// ---------------------------------------------------------------- reading

function readSchedule(v: Dict): LearningRateSchedule {
  const c = isDict(v.config) ? v.config : {};
  const g = (k: string) => c[k] ?? c[camel(k)];
  switch (v.class_name ?? v.className) {
    case 'ExponentialDecay':
      return exponentialDecay({
        initialLearningRate: g('initial_learning_rate') as number, decaySteps: g('decay_steps') as number,
        decayRate: g('decay_rate') as number, staircase: (g('staircase') as boolean | undefined) ?? undefined,
      });
    case 'CosineDecay':
      return cosineDecay({
        initialLearningRate: g('initial_learning_rate') as number, decaySteps: g('decay_steps') as number,
        alpha: (g('alpha') as number | null) ?? undefined, warmupSteps: (g('warmup_steps') as number | null) ?? undefined,
        warmupTarget: (g('warmup_target') as number | null) ?? undefined,
      });
    case 'PiecewiseConstantDecay':
      return piecewiseConstant({ boundaries: g('boundaries') as number[], values: g('values') as number[] });
  }
  throw new Error(`unsupported learning rate schedule ${show(v.class_name ?? v.className)}`);
}

/** Every class name the reader accepts (each optimizer's name, Keras class, aliases and written forms), to its optimizer. */
const OPTIMIZER_CLASSES = new Map<string, OptimizerIdentifier>(OPTIMIZER_NAMES.flatMap((n) => {
  const def = definitionOf(n);
  return [n, def.className, ...def.aliases, ...def.trainingConfig.map((f) => f.className)].map((c) => [c, n] as const);
}));
/** The class names written, for the message about an unknown one. */
const WRITTEN_CLASSES = [...new Set(OPTIMIZER_NAMES.flatMap((n) => definitionOf(n).trainingConfig.map((f) => f.className)))];

function readOptimizer(v: unknown): Optimizer {
  if (!isDict(v) || typeof v.class_name !== 'string') throw new Error(`optimizer_config must be {class_name, config}, got ${show(v)}`);
  const name = OPTIMIZER_CLASSES.get(v.class_name);
  if (name === undefined) throw new Error(`unsupported optimizer class '${v.class_name}'; tensorforge reads ${WRITTEN_CLASSES.join(', ')}`);
  const def = definitionOf(name);
  const raw = isDict(v.config) ? v.config : {};
  const c: Dict = {};
  for (const [k, x] of Object.entries(raw)) if (x !== null) c[camel(k)] = x;
  const a: Dict = {};
  const lr = c.learningRate ?? c.lr;
  if (lr !== undefined) a.learningRate = isDict(lr) ? readSchedule(lr) : lr;
  // Keras's clipping names, then ours.
  if (c.clipnorm !== undefined) a.clipNorm = c.clipnorm;
  if (c.clipvalue !== undefined) a.clipValue = c.clipvalue;
  if (c.globalClipnorm !== undefined) a.globalClipNorm = c.globalClipnorm;
  for (const k of ['clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay']) if (c[k] !== undefined) a[k] = c[k];
  // Each option under its own name, else under a name a written form gives it (RMSProp's decay for rho).
  for (const option of Object.keys(def.options)) {
    const names = [option, ...def.trainingConfig.flatMap((f) => f.keys.flatMap((k) => (typeof k !== 'string' && k[1] === option ? [k[0]] : [])))];
    const found = names.find((k) => c[k] !== undefined);
    if (found !== undefined) a[option] = c[found];
  }
  return createOptimizer(name, a);
}

function readLoss(v: unknown): Loss | string {
  if (Array.isArray(v) && v.length === 1) return readLoss(v[0]);
  if (typeof v === 'string') return v;
  if (isDict(v) && typeof v.class_name === 'string') {
    const c = isDict(v.config) ? v.config : {};
    const fromLogits = c.from_logits ?? c.fromLogits;
    const opts = typeof fromLogits === 'boolean' ? { fromLogits } : {};
    switch (v.class_name) {
      case 'SparseCategoricalCrossentropy': return losses.sparseCategoricalCrossentropy(opts);
      case 'CategoricalCrossentropy': return losses.categoricalCrossentropy(opts);
      case 'BinaryCrossentropy': return losses.binaryCrossentropy(opts);
      case 'MeanSquaredError': return losses.meanSquaredError();
      case 'MeanAbsoluteError': return losses.meanAbsoluteError();
      case 'Huber': return losses.huber(typeof c.delta === 'number' ? { delta: c.delta } : {});
    }
    throw new Error(`unsupported loss class '${v.class_name}'`);
  }
  if (isDict(v)) {
    const values = Object.values(v);
    if (values.length === 1) return readLoss(values[0]);
  }
  throw new Error(`loss must be a name or {class_name, config} for the one output, got ${show(v)}`);
}

function readMetrics(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = isDict(v) ? Object.values(v) : v;
  if (!Array.isArray(list)) throw new Error(`metrics must be a list of names, got ${show(v)}`);
  const out: string[] = [];
  const add = (m: unknown): void => {
    if (Array.isArray(m)) m.forEach(add);  // Keras nests one list per output
    else if (typeof m === 'string') out.push(m);
    else if (isDict(m) && isDict(m.config) && typeof m.config.name === 'string') out.push(m.config.name);
    else throw new Error(`metric must be a name, got ${show(m)}`);
  };
  list.forEach(add);
  return out;
}

/** A loss keyed by output name with several entries (a model with several outputs). */
const isPerOutput = (v: unknown): v is Dict => isDict(v) && typeof v.class_name !== 'string' && Object.keys(v).length > 1;

/** @internal Compile arguments from a training configuration (TensorFlow.js or Keras form). */
export function readTrainingConfig(v: unknown): CompileArgs & { optimizer: Optimizer } {
  if (!isDict(v)) throw new Error(`trainingConfig must be an object, got ${show(v)}`);
  for (const k of ['weighted_metrics', 'sample_weight_mode']) {
    const x = v[k];
    if (x !== undefined && x !== null && !(Array.isArray(x) && x.length === 0)) throw new Error(`${k} is not supported`);
  }
  const optimizer = readOptimizer(v.optimizer_config);
  const weights = v.loss_weights;
  if (isPerOutput(v.loss)) {
    // Several outputs: each entry by output name (compile checks the names against the model).
    const loss = Object.fromEntries(Object.entries(v.loss).map(([name, l]) => [name, readLoss(l)]));
    const metrics = isDict(v.metrics) ? Object.fromEntries(Object.entries(v.metrics).map(([name, m]) => [name, readMetrics(m === null ? [] : Array.isArray(m) ? m : [m])])) : readMetrics(v.metrics);
    if (weights !== undefined && weights !== null && !isDict(weights) && !Array.isArray(weights)) throw new Error(`loss_weights must be a list or an object by output name, got ${show(weights)}`);
    return { optimizer, loss, metrics, ...(weights === undefined || weights === null ? {} : { lossWeights: weights as Record<string, number> }) };
  }
  if (weights !== undefined && weights !== null && !(Array.isArray(weights) && weights.length === 0)) throw new Error('loss_weights is not supported for a model of one output');
  return { optimizer, loss: readLoss(v.loss), metrics: readMetrics(v.metrics) };
}

// ---------------------------------------------------------------- optimizer state

function slotNames(opt: Optimizer): readonly SlotName[] {
  return definitionOf(opt.name).slots(opt.config);
}

/** The native optimizer state (model.getOptimizerState()). */
export interface OptimizerState {
  iterations: number;
  nadamMomentumProduct: number;
  slots: Float32Array[];
}

interface Variable {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Trainable variables and their offsets in the optimizer's slot buffers (the trainable arena, in weight order). */
export function trainableVariables(specs: { name: string; shape: number[]; trainable: boolean }[]): Variable[] {
  let offset = 0;
  return specs.filter((s) => s.trainable).map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const v = { name: s.name, shape: s.shape, offset, size };
    offset += size;
    return v;
  });
}

/** @internal The optimizer state as manifest weights in group 'optimizer'. */
export function optimizerWeights(opt: Optimizer, state: OptimizerState, vars: Variable[]): NamedWeight[] {
  const group = 'optimizer';
  const out: NamedWeight[] = [{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(state.iterations), group }];
  if (definitionOf(opt.name).momentumProduct) {
    // The running product of Nadam's momentum schedule, a float64 kept as its two int32 halves (exact).
    out.push({ name: 'u_product', shape: [2], dtype: 'int32', values: new Int32Array(Float64Array.of(state.nadamMomentumProduct).buffer), group });
  }
  for (const { suffix, slot } of slotNames(opt)) {
    for (const v of vars) {
      const values = slot === null ? new Float32Array(v.size) : state.slots[slot].slice(v.offset, v.offset + v.size);
      out.push({ name: `${v.name}/${suffix}`, shape: v.shape, dtype: 'float32', values, group });
    }
  }
  return out;
}

/**
 * @internal Rebuilds the native optimizer state from group-'optimizer'
 * entries; every expected entry must be there with the right shape.
 */
export function readOptimizerState(opt: Optimizer, entries: CheckedEntry[], decode: (e: CheckedEntry) => Float32Array | Int32Array, vars: Variable[], slotCount: number): OptimizerState {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const used = new Set<string>();
  const get = (name: string, shape: number[]): CheckedEntry => {
    const e = byName.get(name);
    if (!e) throw new Error(`optimizer weight '${name}' is missing (the saved optimizer state does not match the ${opt.className} optimizer)`);
    if (show(e.shape) !== show(shape)) throw new Error(`optimizer weight '${name}' has shape ${show(e.shape)}, expected ${show(shape)}`);
    used.add(name);
    return e;
  };
  const iterEntry = get('iter', []);
  const iterations = decode(iterEntry)[0];
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`optimizer weight 'iter' must be a non-negative integer, got ${iterations}`);
  let nadamMomentumProduct = 1;
  if (definitionOf(opt.name).momentumProduct) {
    const e = get('u_product', [2]);
    if (e.dtype !== 'int32') throw new Error(`optimizer weight 'u_product' must be int32, got ${e.dtype}`);
    nadamMomentumProduct = new Float64Array(Int32Array.from(decode(e)).buffer)[0];
  }
  const total = vars.reduce((a, v) => a + v.size, 0);
  const slots = Array.from({ length: slotCount }, () => new Float32Array(total));
  for (const { suffix, slot } of slotNames(opt)) {
    for (const v of vars) {
      const e = get(`${v.name}/${suffix}`, v.shape);
      if (e.dtype !== 'float32') throw new Error(`optimizer weight '${e.name}' must be float32, got ${e.dtype}`);
      if (slot !== null) slots[slot].set(decode(e), v.offset);
    }
  }
  const extra = entries.find((e) => !used.has(e.name));
  if (extra) throw new Error(`unexpected optimizer weight '${extra.name}' for the ${opt.className} optimizer`);
  return { iterations, nadamMomentumProduct, slots };
}
