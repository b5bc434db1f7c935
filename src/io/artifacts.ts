// A model <-> TensorFlow.js ModelArtifacts (topology + training
// configuration + weight specs + one weight buffer), the in-memory form every
// IO path goes through.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkArray, checkBool, checkOptions, show, typeError } from '../errors';
import type { FunctionalGraph } from '../layers/functional_graph';
import type { LayersModel } from '../models/layers_model';
import { packageRoot } from '../package-root';
import { Tensor } from '../tensor';
import { ParsedTopology, functionalTopologyToJSON, parseTopology, topologyToJSON } from './model_json';
import { optimizerWeights, readOptimizerState, readTrainingConfig, trainableVariables, trainingConfigToJSON } from './training_config';
import type { ModelArtifacts, SaveConfig, TrainingConfig, WeightQuantization } from './types';
import { CheckedEntry, NamedWeight, checkWeightEntries, decodeEntry, encodeWeights, totalBytes } from './weights';

let versionCache: string | undefined;

/** @internal tensorforge's version, for `generatedBy`. */
export function version(): string {
  if (versionCache === undefined) {
    try {
      versionCache = String(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
    } catch {
      versionCache = 'unknown';
    }
  }
  return versionCache;
}

/** @internal Validates `{includeOptimizer, quantizeWeights}`. */
export function checkSaveConfig(fn: string, config: unknown): { includeOptimizer: boolean; quantizeWeights?: WeightQuantization } {
  if (config === undefined || config === null) return { includeOptimizer: false };
  const c = checkOptions(fn, config, ['includeOptimizer', 'quantizeWeights']);
  const q = c.quantizeWeights;
  if (q !== undefined && q !== null && q !== 'float16' && q !== 'uint8') {
    throw typeError(fn, `quantizeWeights must be 'float16' or 'uint8', got ${show(q)}`);
  }
  return {
    includeOptimizer: c.includeOptimizer === undefined ? false : checkBool(fn, 'includeOptimizer', c.includeOptimizer),
    quantizeWeights: (q ?? undefined) as WeightQuantization | undefined,
  };
}

/**
 * @internal The model as TensorFlow.js ModelArtifacts. The training
 * configuration goes where TensorFlow.js can read it when it can rebuild it
 * (top-level `trainingConfig`), else into `modelTopology.training_config`.
 */
export function modelToArtifacts(model: LayersModel, config?: SaveConfig, fn = 'toArtifacts'): ModelArtifacts {
  const { includeOptimizer, quantizeWeights } = checkSaveConfig(fn, config);
  // A model whose input shape is known is built here (its weights are created on first use).
  if (!model.built && !model.inputs) throw new Error(`${fn}: model '${model.name}' is not built yet; call build(inputShape), fit or predict first`);
  const specs = model.weightSpecs();
  const values = model.getWeights();
  const weights: NamedWeight[] = specs.map((s, i) => ({
    name: s.name, shape: s.shape, dtype: 'float32', values: values[i].values as Float32Array, quantization: quantizeWeights,
  }));
  // A functional model (models/functional.ts) has its graph; a Sequential one is its layers.
  const graph = (model as Partial<{ functionalGraph(): FunctionalGraph }>).functionalGraph?.();
  const topology = graph ? functionalTopologyToJSON(model.name, graph, version()) : topologyToJSON(model.name, model.layers, model.inputs!, version());
  const artifacts: ModelArtifacts = {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: `tensorforge v${version()}`,
    convertedBy: null,
  };
  const compiled = model.compileConfig;
  if (compiled) {
    const { config: tc, tfjs } = trainingConfigToJSON(compiled, model.getLearningRate(), includeOptimizer);
    if (tfjs) artifacts.trainingConfig = tc;
    else topology.training_config = tc;
    if (includeOptimizer) weights.push(...optimizerWeights(compiled.optimizer, model.getOptimizerState(), trainableVariables(specs)));
  }
  const { specs: weightSpecs, data } = encodeWeights(weights, fn);
  artifacts.weightSpecs = weightSpecs;
  artifacts.weightData = data;
  return artifacts;
}

/** @internal Joins weightData given as several buffers (TensorFlow.js's WeightData). */
export function weightBytes(fn: string, data: unknown): Uint8Array {
  // A detached buffer cannot be viewed; say so rather than let the view constructor throw.
  const view = (b: ArrayBuffer, offset: number, length: number, what: string): Uint8Array => {
    try {
      return new Uint8Array(b, offset, length);
    } catch {
      throw typeError(fn, `${what} was detached or is out of range`);
    }
  };
  if (data instanceof ArrayBuffer) return view(data, 0, data.byteLength, 'weightData');
  if (ArrayBuffer.isView(data)) return view(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength, 'weightData');
  if (Array.isArray(data)) {
    data = [...checkArray(fn, 'weightData', data, 'an ArrayBuffer or an array of them')];
    let total = 0;
    (data as unknown[]).forEach((b, i) => {
      if (!(b instanceof ArrayBuffer)) throw new Error(`${fn}: weightData[${i}] must be an ArrayBuffer, got ${show(b)}`);
      total += b.byteLength;
    });
    const out = new Uint8Array(total);
    let off = 0;
    for (const b of data as ArrayBuffer[]) {
      out.set(new Uint8Array(b), off);
      off += b.byteLength;
    }
    return out;
  }
  throw new Error(`${fn}: weightData must be an ArrayBuffer or an array of them, got ${show(data)}`);
}

/** Keras 3 names weights by position (`dense/0`); others by name (`dense/kernel`, Keras 2 with `:0`). */
function findEntry(byName: Map<string, CheckedEntry>, name: string, index: number): CheckedEntry | undefined {
  const layer = name.slice(0, name.lastIndexOf('/'));
  return byName.get(name) ?? byName.get(`${name}:0`) ?? byName.get(`${layer}/${index}`);
}

/**
 * @internal Builds a model from artifacts. Order: topology and manifest are
 * checked against each other and against the byte count before the model (and
 * its native weight arena) is built, so a hostile file cannot make it allocate
 * more than the data it supplied.
 */
export function artifactsToModel<M extends LayersModel>(fn: string, artifacts: unknown, makeModel: (topology: ParsedTopology) => M): M {
  if (artifacts === null || typeof artifacts !== 'object' || Array.isArray(artifacts)) throw typeError(fn, `artifacts must be an object, got ${show(artifacts)}`);
  const a = artifacts as ModelArtifacts;
  if (a.format !== undefined && a.format !== null && a.format !== 'layers-model') {
    throw new Error(`${fn}: format ${show(a.format)} is not supported; tensorforge loads 'layers-model' (TensorFlow.js layers format)`);
  }
  if (a.modelTopology === undefined || a.modelTopology === null) throw new Error(`${fn}: the artifacts have no modelTopology`);
  const topo = parseTopology(fn, a.modelTopology);

  const specs = a.weightSpecs ?? [];
  if (a.weightData !== undefined && a.weightSpecs === undefined) throw new Error(`${fn}: the artifacts have weightData but no weightSpecs`);
  const entries = checkWeightEntries(fn, 'weightSpecs', specs);
  const needed = totalBytes(entries);
  const bytes = a.weightData === undefined || a.weightData === null ? new Uint8Array(0) : weightBytes(fn, a.weightData);
  if (bytes.byteLength !== needed) {
    throw new Error(`${fn}: the weight data has ${bytes.byteLength} bytes but the weight specs describe ${needed} bytes (${bytes.byteLength < needed ? 'truncated' : 'extra'} data)`);
  }

  // Model weights against the topology: every one present, right shape, float32; nothing unknown.
  const modelEntries = entries.filter((e) => e.group !== 'optimizer');
  const byName = new Map(modelEntries.map((e) => [e.name, e]));
  const matched = new Set<CheckedEntry>();
  const perLayer = new Map<string, number>();
  const chosen = topo.weights.map((w) => {
    const layer = w.name.slice(0, w.name.lastIndexOf('/'));
    const index = perLayer.get(layer) ?? 0;
    perLayer.set(layer, index + 1);
    const e = findEntry(byName, w.name, index);
    if (!e) throw new Error(`${fn}: weight '${w.name}' (shape ${show(w.shape)}) is missing from the weights manifest`);
    if (show(e.shape) !== show(w.shape)) throw new Error(`${fn}: weight '${e.name}' has shape ${show(e.shape)} in the manifest but the topology needs ${show(w.shape)}`);
    if (e.dtype !== 'float32') throw new Error(`${fn}: weight '${e.name}' has dtype '${e.dtype}'; model weights must be float32`);
    matched.add(e);
    return e;
  });
  const stray = modelEntries.find((e) => !matched.has(e));
  if (stray) throw new Error(`${fn}: weight '${stray.name}' in the manifest belongs to no layer of the topology`);

  // Training configuration: top level (TensorFlow.js), else Keras's place inside the topology.
  const nested = (a.modelTopology as Record<string, unknown>).training_config;
  let training: ReturnType<typeof readTrainingConfig> | null = null;
  const kerasOnly = (a.trainingConfig === undefined || a.trainingConfig === null) && nested !== undefined && nested !== null;
  if (a.trainingConfig !== undefined && a.trainingConfig !== null) {
    try {
      training = readTrainingConfig(a.trainingConfig);
    } catch (err) {
      throw new Error(`${fn}: trainingConfig: ${(err as Error).message}`);
    }
  } else if (nested !== undefined && nested !== null) {
    try {
      training = readTrainingConfig(nested as TrainingConfig);
    } catch (err) {
      // Keras keeps this for Python; a model whose Python-side training setup tensorforge cannot rebuild still loads, uncompiled.
      process.emitWarning(`${fn}: modelTopology.training_config ignored (${(err as Error).message}); the model is loaded uncompiled`);
    }
  }

  const model = makeModel(topo);
  model.build(topo.inputShape);
  const built = model.weightSpecs();
  if (show(built.map((w) => w.name)) !== show(topo.weights.map((w) => w.name))) throw new Error(`${fn}: internal error: weight order mismatch`);
  const decode = (e: CheckedEntry) => decodeEntry(bytes, e);
  model.setWeights(chosen.map((e, i) => new Tensor(decode(e) as Float32Array, built[i].shape, 'float32')));

  if (training) {
    try {
      model.compile(training);
    } catch (err) {
      if (!kerasOnly) throw new Error(`${fn}: trainingConfig: ${(err as Error).message}`);
      // A loss or metric saved by a function's name (Keras's custom objects; tensorforge's losses in code) needs that function again.
      process.emitWarning(`${fn}: modelTopology.training_config ignored (${(err as Error).message}); the model is loaded uncompiled: compile it with the functions again`);
      training = null;
    }
  }
  if (training) {
    const optEntries = entries.filter((e) => e.group === 'optimizer');
    if (optEntries.length > 0) {
      try {
        const slotCount = model.getOptimizerState().slots.length;
        model.setOptimizerState(readOptimizerState(training.optimizer, optEntries, decode, trainableVariables(built), slotCount));
      } catch (err) {
        throw new Error(`${fn}: ${(err as Error).message}`);
      }
    }
  }
  return model;
}
