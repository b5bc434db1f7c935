// LayersModel: what every model made of layers shares (TensorFlow.js's
// tf.LayersModel) — building the native model from its layers, compile, fit,
// evaluate, predict, weights, saving. Sequential (sequential.ts) supplies a
// chain of layers; the training loop lives in fit_loop.ts and fit_dataset.ts.
// fit's hot loop runs in native code on a worker thread, many steps per call;
// JavaScript sees batch and epoch events (DESIGN.md principle 1).
import { Logs, TrainableModel } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions, rangeError, show, typeError } from '../errors';
import { Layer, checkInputShape, setLayerOwner } from '../layers/layer';
import { losses, nativeLoss, resolveLoss, type Loss, type LossFunction } from '../losses';
import { resolveMetrics } from '../metrics';
import { checkAllocation } from '../limits';
import { native } from '../native';
import type { NativeChunkResult, NativeData, NativeEvalResult, NativeModel, NativeOptimizerSpec, NativePruningSpec } from '../native';
import { allocateUninitializedF32 } from '../ops/shapes';
import { resolveOptimizer } from '../optimizers/optimizer';
import { randomFrom } from '../random';
import { Tensor, ownedTensor } from '../tensor';
import { Dataset } from '../data/dataset';
import { DatasetFitHost, EvaluateDatasetArgs, FitDatasetArgs, elementParts, evaluateDatasetLoop, fitDatasetLoop } from './fit_dataset';
import {
  Features, InputLike, InputSpec, ModelInputs, Targets, classWeights, combineWeights, packInputs, sampleWeights, sliceSamples, toFeatures, toTargets,
} from './data';
import { assertFinite } from './finite';
import { FitHost, LabelledData, runFit } from './fit_loop';
import { ModelLock, abortable } from './model_lock';
import {
  EvalSums, agreeBoundary, averageState, callbacksOfRank, copyRank0Model, dataFields, gatherRows, logsOf, modelFields, operationField, sumOverRanks,
} from './data_parallel';
import { JobInfo, checkBatchForRanks, distributedJob, handshake, handshakeSync, runAgreed, runAgreedSync, shareOf } from '../rank_agreement';
import {
  COMPILE_OPTIONS, CompileArgs, CompiledConfig, EVALUATE_OPTIONS, EvaluateArgs, FIT_OPTIONS, FitArgs, fitSettings, PREDICT_OPTIONS, PredictArgs,
  compiledLogKeys, compiledMeanLogs, compiledReportCount, sizeOf, sliceRows,
} from './model_args';
import { OutputSpec, nativeOutputs, packTargets, resolveOutputs } from './output_losses';
import { ModelGraph, chainGraph, planNativeModel } from './native_graph';
import { checkTokenIds } from './token_ids';
import { TapePlan, lossFunctionOf, tapeChunk, tapeEvaluate } from './tape_training';
import { customLayerCalls } from './custom_layer_calls';
import { SummaryInputs, formatSummary, summaryRows } from './summary';
import { PlacedLayer, WeightLayout, WeightSlot, checkFlatGradients } from './weight_layout';
import { modelToArtifacts } from '../io/artifacts';
import { saveModel } from '../io/save_model';
import type { IOHandler, ModelArtifacts, SaveConfig, SaveResult } from '../io/types';

/** What build() made: the native model and where everything lives in it. */
interface Built {
  nm: NativeModel;
  inputShape: number[];
  /** The layer applications it was built from. */
  graph: ModelGraph;
  /** Per node of `graph`, the per-sample shape of each of its outputs. */
  shapes: number[][][];
  /** Per-sample shape of each model output. */
  outputShapes: number[][];
  placed: PlacedLayer[];
  weights: WeightLayout;
  /** Whether custom layers run in it (host nodes: training and prediction then run on the calling thread, custom_layer_calls.ts). */
  custom: boolean;
}

/**
 * A model made of layers, with Keras's compile / fit / evaluate / predict.
 * Create one with {@link sequential}; Sequential is the LayersModel whose
 * layers form one chain.
 */
export abstract class LayersModel implements TrainableModel {
  /** Model name. */
  readonly name: string;
  /** Set to true (e.g. from a callback) to stop fit at the next step boundary. */
  stopTraining = false;

  #built: Built | null = null;
  #declaredInput: number[] | null = null;
  #compiled: CompiledConfig | null = null;
  #training = false;
  #lock = new ModelLock();
  #epochSerial = 0;
  /** The running fitDataset's signal, to detach its abort listener at the end. */
  #signal: AbortSignal | undefined = undefined;

  /** @internal */
  protected constructor(name: string) {
    this.name = name;
    Object.defineProperty(this, 'name', { writable: false, configurable: false });
  }

  /** The layers, in order. */
  abstract get layers(): Layer[];

  /**
   * A layer by name, or by its position in {@link layers} (Keras's
   * `get_layer`; a functional model's inputs are not layers here).
   */
  getLayer(nameOrIndex: string | number): Layer {
    const fn = 'getLayer';
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= layers.length) {
        throw rangeError(fn, `index must be an integer in [0, ${layers.length - 1}] (model '${this.name}' has ${layers.length} layers), got ${show(nameOrIndex)}`);
      }
      return layers[nameOrIndex];
    }
    if (typeof nameOrIndex !== 'string') throw typeError(fn, `expected a layer name or index, got ${show(nameOrIndex)}`);
    const found = layers.find((l) => l.name === nameOrIndex);
    if (!found) throw rangeError(fn, `model '${this.name}' has no layer named ${show(nameOrIndex)}; its layers: ${layers.map((l) => l.name).join(', ')}`);
    return found;
  }

  /** Whether weights exist (after build, or the first fit/predict). */
  get built(): boolean {
    return this.#built !== null;
  }

  /** Per-sample input shape once known. */
  get inputs(): number[] | null {
    const s = this.#built?.inputShape ?? this.#declaredInput;
    return s ? [...s] : null;
  }

  /** Per-sample output shape once built (with several outputs, the first's; see {@link outputShapes}). */
  get outputShape(): number[] | null {
    const s = this.#built?.outputShapes[0];
    return s ? [...s] : null;
  }

  /** Per-sample shape of every output, once built. */
  get outputShapes(): number[][] | null {
    return this.#built ? this.#built.outputShapes.map((s) => [...s]) : null;
  }

  /** @internal The outputs of a model with several (names and sizes); null for one. */
  protected multipleOutputs(): OutputSpec | null {
    return null;
  }

  /**
   * @internal The layer applications the model is made of, in an order where
   * each follows those it reads (input `-1 - k` is model input k). A chain of
   * {@link layers} unless the model says otherwise (functional models).
   */
  protected topology(): ModelGraph {
    return chainGraph(this.layers);
  }

  /** @internal Records the input shape the first layer declares; the weights are made on first use. */
  protected declareInputShape(shape: number[]): void {
    if (this.#built) throw new Error(`declareInputShape: model '${this.name}' is already built`);
    this.#declaredInput = checkInputShape('declareInputShape', shape);
  }

  /** Creates the weights for a per-sample input shape (done automatically from the first data). */
  build(inputShape: number[]): void {
    const fn = 'build';
    inputShape = checkInputShape(fn, inputShape);
    if (this.#built) {
      if (show(inputShape) !== show(this.#built.inputShape)) throw rangeError(fn, `model is built for input ${show(this.#built.inputShape)}, got ${show(inputShape)}`);
      return;
    }
    if (this.layers.length === 0) throw new Error(`build: model '${this.name}' has no layers`);
    // The one place layers become native nodes (models/native_graph.ts): a chain stays NativeModel's chain form.
    const graph = this.topology();
    const plan = planNativeModel(fn, this.name, graph, this.inputShapesFor(inputShape));
    for (const shape of plan.outputShapes) {
      if (shape.length !== 1) throw rangeError(fn, `${plan.outputShapes.length > 1 ? 'every output' : 'the last layer'} must output flat features, got ${show(shape)}`);
    }
    const placed = plan.placed;
    checkModelMemory(fn, placed);
    const nm = 'chain' in plan.native ? new native.NativeModel(plan.native.chain, plan.native.input) : new native.NativeModel(plan.native.graph);
    const weights = new WeightLayout(fn, nm, placed);
    const custom = plan.hosts.length > 0;
    if (custom) {
      const calls = customLayerCalls(plan.hosts);
      nm.setHostCallbacks(calls.forward, calls.backward);
    }
    this.#built = { nm, inputShape: [...inputShape], graph, shapes: plan.nodeOutputShapes, outputShapes: plan.outputShapes, placed, weights, custom };
    for (const p of placed) setLayerOwner(p.layer, this, p.inputShapes);
    weights.initialize(nm, placed);
    const c = this.#compiled;
    if (c) compileNative(nm, c);
  }

  /** Configures training: optimizer, loss and metrics. Recompiling resets the optimizer state. */
  compile(args: CompileArgs): void {
    const fn = 'compile';
    const a = checkOptions(fn, args, COMPILE_OPTIONS, true);
    if (this.#training) throw new Error('compile: the model is training');
    if (a.optimizer === undefined) throw typeError(fn, 'optimizer is required');
    if (a.loss === undefined) throw typeError(fn, 'loss is required');
    const optimizer = resolveOptimizer(fn, a.optimizer);
    const several = this.multipleOutputs();
    let compiled: CompiledConfig;
    if (several) {
      const outputs = resolveOutputs(fn, several, a.loss, a.metrics, a.lossWeights);
      const tape = outputs.losses.some((l) => typeof l === 'function') || outputs.metrics.flat().some((m) => typeof m.compute === 'function');
      compiled = { optimizer, loss: outputs.losses[0], metrics: outputs.metrics.flat(), outputs, ...(tape ? { tape } : {}) };
    } else {
      if (a.lossWeights !== undefined) throw rangeError(fn, `lossWeights weighs the losses of a model with several outputs; model '${this.name}' has one`);
      const loss = typeof a.loss === 'function' ? (a.loss as LossFunction) : resolveLoss(fn, a.loss);
      const layers = this.layers;
      const last = layers[layers.length - 1];
      const units = this.outputShape?.[0] ?? (last && 'units' in last ? (last as unknown as { units: number }).units : 0);
      const metrics = resolveMetrics(fn, a.metrics, loss, units);
      const tape = typeof loss === 'function' || metrics.some((m) => typeof m.compute === 'function');
      compiled = { optimizer, loss, metrics, ...(tape ? { tape } : {}) };
    }
    // A change of `trainable` since the model was built takes effect here, as in Keras: the
    // frozen weights move to the non-trainable arena (no gradients, no optimizer slots).
    if (this.#built && this.#trainableChanged(this.#built)) this.#rebuild(fn, true);
    // Native first: if it refuses, the model keeps its previous configuration on both sides.
    if (this.#built) compileNative(this.#built.nm, compiled);
    this.#compiled = compiled;
  }

  /** Whether a layer's `trainable` differs from where the built model keeps its weights. */
  #trainableChanged(built: Built): boolean {
    return built.placed.some(({ layer, inputShapes }) => {
      const declared = layer.weightSpecsFor(inputShapes);
      const slots = built.weights.slots.filter((s) => s.layer === layer);
      return declared.some((w, k) => (w.trainable && layer.trainable) !== slots[k].trainable);
    });
  }

  /**
   * @internal After a change of layers (Sequential's add / pop): a built
   * model is built again, every weight still there keeping its value, and
   * is no longer compiled (the loss and metrics were chosen for the old
   * output), so the next compile() starts training afresh, as in Keras.
   */
  protected layersChanged(fn: 'add' | 'pop'): void {
    // The label is chosen here, never taken from a caller: this method is reachable from JavaScript.
    if (this.#built) this.#rebuild(fn === 'pop' ? 'pop' : 'add', false);
    else this.#compiled = null;
  }

  /**
   * Builds the native model again, each weight still there keeping its
   * value, new ones initialized; the optimizer state starts over. A model
   * left without layers is unbuilt.
   */
  #rebuild(fn: string, keepCompile: boolean): void {
    const old = this.#built;
    if (!old) return;
    if (this.#training) throw new Error(`${fn}: model '${this.name}' is training`);
    if (!this.#lock.idle) throw new Error(`${fn}: model '${this.name}' is running predictAsync/evaluate; await that work first`);
    const compiled = this.#compiled;
    if (!keepCompile) this.#compiled = null;
    const values = old.weights.tensors(old.nm, old.weights.slots);
    const kept = new Map<Layer, Map<string, Tensor>>();
    old.weights.slots.forEach((s, i) => {
      if (!kept.has(s.layer)) kept.set(s.layer, new Map());
      kept.get(s.layer)!.set(s.name, values[i]);
    });
    this.#built = null;
    if (this.layers.length === 0) return;
    try {
      this.build(old.inputShape);
    } catch (e) {
      this.#built = old;
      this.#compiled = compiled;
      throw e;
    }
    const built = this.#built as Built | null;
    if (!built) return;
    const fresh = built.weights.tensors(built.nm, built.weights.slots);
    built.weights.write(built.nm, built.weights.slots, built.weights.slots.map((s, i) => {
      const v = kept.get(s.layer)?.get(s.name);
      return v && show(v.shape) === show(s.shape) ? v : fresh[i];
    }));
  }

  /** The compiled optimizer, loss and metrics, or null. */
  get compileConfig(): Readonly<CompiledConfig> | null {
    return this.#compiled;
  }

  #requireCompiled(fn: string): CompiledConfig {
    if (!this.#compiled) throw new Error(`${fn}: call model.compile({optimizer, loss}) first`);
    return this.#compiled;
  }

  /** Builds from the first data's sample shape; build's errors are relabelled with the caller. */
  /** Builds on first use, and checks the data's token ids once before any native work reads them. */
  #builtFor(fn: string, feats: Features): Built {
    const built = this.#ensureBuilt(fn, feats.sampleShape);
    checkTokenIds(fn, built.graph, feats);
    return built;
  }

  #ensureBuilt(fn: string, sampleShape: number[]): Built {
    if (!this.#built) {
      try {
        // Packed rows of several inputs (packInputs) were checked against the declared shapes.
        this.build(this.multipleInputs() ? this.#declaredInput! : sampleShape);
      } catch (e) {
        if (e instanceof Error) e.message = e.message.replace(/^build:/, `${fn}:`);
        throw e;
      }
    }
    return this.#built!;
  }

  /**
   * x as the native engine reads it: a float32 [N, ...sample] copy or view,
   * checked against the input shape; for a model of several inputs, their
   * values packed into one row per sample (packInputs).
   */
  #features(fn: string, x: unknown, finite: boolean, onlyDuringCall = false): Features {
    const inputs = this.multipleInputs();
    return inputs ? packInputs(fn, x, inputs, finite) : toFeatures(fn, x, this.inputs, finite, onlyDuringCall);
  }

  /** @internal The inputs of a model with several (names and shapes); null for one. */
  protected multipleInputs(): InputSpec | null {
    return null;
  }

  /** @internal The per-sample shape of every model input, given the first one's. */
  protected inputShapesFor(inputShape: number[]): number[][] {
    return [inputShape];
  }

  #requireBuilt(fn: string): Built {
    if (!this.#built && this.#declaredInput) this.#ensureBuilt(fn, this.#declaredInput);
    if (!this.#built) throw new Error(`${fn}: model '${this.name}' is not built yet; call build(inputShape), fit or predict first`);
    return this.#built;
  }

  /** Floats per sample of a prediction: every output's, one after another. */
  #units(): number {
    return this.#built!.outputShapes.reduce((a, s) => a + s[0], 0);
  }

  /** The targets of y as the trainer reads them (with several outputs, packed per sample). */
  #targets(fn: string, y: unknown, n: number, compiled: CompiledConfig): Targets {
    return compiled.outputs ? packTargets(fn, y, n, compiled.outputs) : toTargets(fn, y, n, this.#units(), compiled.loss);
  }

  /**
   * Trains the model. The arithmetic runs on a worker thread, many steps per
   * native call; the event loop stays free. Resolves to the {@link History}.
   */
  async fit(x: ModelInputs, y: InputLike, options: FitArgs = {}): Promise<History> {
    // Distributed: a failure on this rank, a bad argument included, fails every rank's fit (rank_agreement.ts).
    const job = distributedJob('fit', options);
    return job ? runAgreed('fit', () => this.#fit(x, y, options, job)) : this.#fit(x, y, options, null);
  }

  async #fit(x: ModelInputs, y: InputLike, options: FitArgs, job: JobInfo | null): Promise<History> {
    const fn = 'fit';
    const args = checkOptions(fn, options, FIT_OPTIONS, true) as FitArgs;
    if (args.distributed !== undefined) checkBool(fn, 'distributed', args.distributed);
    if (this.#training) throw new Error(`fit: model '${this.name}' is already training; wait for the running fit to finish`);
    const compiled = this.#requireCompiled(fn);
    if (job && compiled.tape) {
      throw typeError(fn, 'distributed training takes built-in losses and metrics; this model was compiled with a loss or metric written as a function');
    }
    const { epochs, batchSize, shuffle, initialEpoch, verbose, split, signal, callbacks } = fitSettings(fn, args);

    // NaN/Infinity in x is checked off the event loop (runFit's assertFinite).
    const feats = this.#features(fn, x, false);
    const built = this.#builtFor(fn, feats);
    if (job && built.custom) throw typeError(fn, `distributed training takes built-in layers; model '${this.name}' has custom layers`);
    const units = this.#units();
    const targets = this.#targets(fn, y, feats.n, compiled);
    if (compiled.outputs && args.classWeight !== undefined && args.classWeight !== null) {
      throw rangeError(fn, `classWeight weighs the classes of one output; model '${this.name}' has ${compiled.outputs.names.length} (use sampleWeight)`);
    }
    const perSample = sampleWeights(fn, args.sampleWeight, feats.n);
    const weights = combineWeights(classWeights(fn, args.classWeight, targets, feats.n, units), perSample);

    let train: LabelledData = { x: feats, t: targets, w: weights };
    let val: LabelledData | null = null;
    const finiteChecks = [feats];
    if (args.validationData !== undefined) {
      if (!Array.isArray(args.validationData) || args.validationData.length < 2) throw typeError(fn, `validationData must be [x, y], got ${show(args.validationData)}`);
      const vx = this.#features(fn, args.validationData[0], false);
      val = { x: vx, t: this.#targets(fn, args.validationData[1], vx.n, compiled), w: null };
      finiteChecks.push(vx);
    } else if (split > 0) {
      const cut = Math.floor(feats.n * (1 - split));
      if (cut === 0 || cut === feats.n) throw rangeError(fn, `validationSplit ${split} leaves no ${cut === 0 ? 'training' : 'validation'} samples out of ${feats.n}`);
      train = sliceSamples(feats, targets, weights, 0, cut, units);
      val = sliceSamples(feats, targets, perSample, cut, feats.n, units);
    }
    if (train.x.n === 0) throw rangeError(fn, 'x has no samples');

    let rng = randomFrom(args.seed);
    this.#training = true;
    this.stopTraining = false;
    const onAbort = () => built.nm.cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      if (job) {
        // The ranks check they were given the same model, arguments and data; rank 0's seed orders the samples for all.
        rng = randomFrom(await handshake(fn, [
          operationField('fit'), ...modelFields(built.weights, compiled), { what: 'batchSize', value: batchSize }, { what: 'epochs', value: epochs },
          { what: 'initialEpoch', value: initialEpoch }, { what: 'shuffle', value: shuffle ? 1 : 0 },
          { what: 'seed', value: args.seed ?? -1 },
          ...dataFields('training', train.x, train.t, train.w), ...dataFields('validation', val?.x ?? null, val?.t ?? null, val?.w ?? null),
        ], args.seed ?? rng.seed()));
        checkBatchForRanks(fn, batchSize, job.size);
        await this.#lock.write(() => copyRank0Model(built.nm, built.weights, job));
      }
      // Dropout differs between ranks (their rows differ too); the order of samples does not.
      const dropoutSeed = rng.seed();
      built.nm.reseed(job ? (dropoutSeed + job.rank * 0x9e3779b) % 2 ** 31 : dropoutSeed);
      return await runFit(this.#onTape(compiled) ? this.#tapeFitHost(built, compiled) : this.#fitHost(built, compiled, job), {
        train, val, finiteChecks, epochs, initialEpoch, batchSize, shuffle, rng, signal,
        // Rank 0 speaks: the progress bar and the callbacks that write files run there only.
        verbose: job && job.rank !== 0 ? 0 : verbose, callbacks: job ? callbacksOfRank(callbacks, job) : callbacks,
        logKeys: compiledLogKeys(compiled), metricCount: compiledReportCount(compiled),
      });
    } catch (e) {
      // A distributed step stops every rank on any rank's abort: this rank reports its own signal's reason.
      if (job) signal?.throwIfAborted();
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#training = false;
    }
  }

  /** Whether training and evaluation take the tape path: a loss or metric in code, or custom layers (which run on the calling thread). */
  #onTape(compiled: CompiledConfig): boolean {
    return compiled.tape === true || this.#built?.custom === true;
  }

  /** What {@link TapePlan} this compiled model trains with. */
  #tapePlan(built: Built, compiled: CompiledConfig): TapePlan {
    const o = compiled.outputs;
    const asFunction = (l: Loss | LossFunction) => (typeof l === 'function' ? l : lossFunctionOf(l));
    return o
      ? { losses: o.losses.map(asFunction), weights: o.weights, metrics: o.metrics, outputShapes: built.outputShapes, outputLosses: true }
      : { losses: [asFunction(compiled.loss)], weights: [1], metrics: [compiled.metrics], outputShapes: [built.outputShapes[0]], outputLosses: false };
  }

  /** fit's host when the loss or a metric is code: one native step per batch, the loss on the tape (tape_training.ts). */
  #tapeFitHost(built: Built, compiled: CompiledConfig): FitHost {
    const plan = this.#tapePlan(built, compiled);
    return {
      model: this,
      trainChunk: (d, order, batchSize, first, count, _nextFirst, _nextCount, _epochId, beforeStart) =>
        this.#lock.write(async (): Promise<NativeChunkResult> => {
          beforeStart();
          return tapeChunk('fit', built.nm, plan, d, order, batchSize, first, count);
        }),
      evaluate: (d, batchSize) => this.#evaluateFeatures(d.x, d.t, d.w, batchSize),
      meanLogs: (loss, sums, samples) => compiledMeanLogs(compiled, loss, sums, samples),
      nextEpochId: () => ++this.#epochSerial,
    };
  }

  #fitHost(built: Built, compiled: CompiledConfig, job: JobInfo | null): FitHost {
    return {
      model: this,
      trainChunk: (d, order, batchSize, first, count, nextFirst, nextCount, epochId, beforeStart) =>
        this.#lock.write((): Promise<NativeChunkResult> => {
          beforeStart();
          // The native side copies the next chunk's rows while this one trains.
          // Distributed: this rank's shares of the batches, the gradients summed over ranks each step.
          const data = { x: d.x.values, labels: d.t.labels, targets: d.t.targets, weights: d.w, n: d.x.n };
          return built.nm.trainChunk(data, { order, batchSize, firstBatch: first, count, nextFirst, nextCount, epochId, distributed: job !== null });
        }),
      evaluate: (d, batchSize) => (job ? this.#evaluateShare('fit', d.x, d.t, d.w, batchSize, job, false) : this.#evaluateFeatures(d.x, d.t, d.w, batchSize)),
      meanLogs: (loss, sums, samples) => compiledMeanLogs(compiled, loss, sums, samples),
      nextEpochId: () => ++this.#epochSerial,
      ranks: job ? {
        boundary: (phase, local) => agreeBoundary('fit', phase, local, job),
        endEpoch: () => this.#lock.write(() => averageState(built.nm, built.weights, job)),
      } : undefined,
    };
  }

  /**
   * Trains from a tf.data Dataset whose elements are batches (`{ xs, ys }` or
   * `[xs, ys]`, optionally with a sample weight), for data that does not fit
   * in memory. Batches of one size train in native chunks while the next ones
   * are read from the dataset. Resolves to the {@link History}.
   */
  async fitDataset(dataset: Dataset, options?: FitDatasetArgs): Promise<History> {
    if (this.#training) throw new Error(`fitDataset: model '${this.name}' is already training; wait for the running fit to finish`);
    this.#requireCompiled('fitDataset');
    return fitDatasetLoop(this.#datasetHost(), dataset, options);
  }

  /** Loss and metrics over the batches of a Dataset, in inference mode. */
  async evaluateDataset(dataset: Dataset, options?: EvaluateDatasetArgs): Promise<Logs> {
    this.#requireCompiled('evaluateDataset');
    return evaluateDatasetLoop(this.#datasetHost(), dataset, options);
  }

  #datasetHost(): DatasetFitHost {
    const compiled = this.#compiled!;
    const self = this;
    let abort: (() => void) | null = null;
    // The native model exists once the first batch is staged (stage builds it).
    const nm = (): NativeModel => this.#built!.nm;
    // The tape path reads staged rows as fit's data; a loss in code also needs y's per-sample shape (the same in every batch).
    let targetShape: number[] | undefined;
    const labelled = (b: NativeData): LabelledData => ({
      x: { values: b.x, n: b.n, sampleShape: [] }, t: { labels: b.labels, targets: b.targets, sampleShape: targetShape }, w: b.weights,
    });
    return {
      metricCount: compiledReportCount(compiled),
      logKeys: compiledLogKeys(compiled),
      model: this,
      get stopTraining() { return self.stopTraining; },
      set stopTraining(v: boolean) { self.stopTraining = v; },
      stage: (fn, element, index) => {
        const { xs, ys, sw } = elementParts(fn, element, index, this.multipleInputs()?.names.length ?? 1, compiled.outputs?.names.length ?? 1);
        try {
          const feats = this.#features(fn, xs, true);
          this.#builtFor(fn, feats);
          const t = this.#targets(fn, ys, feats.n, compiled);
          targetShape = t.sampleShape;
          return { x: feats.values, labels: t.labels, targets: t.targets, weights: sampleWeights(fn, sw, feats.n), n: feats.n };
        } catch (e) {
          if (e instanceof Error) e.message = e.message.replace(/^(\w+): /, `$1: batch ${index}: `);
          throw e;
        }
      },
      train: (chunk, batchSize, count) => this.#lock.write(async (): Promise<NativeChunkResult> => {
        const order = Int32Array.from({ length: chunk.n }, (_, i) => i);
        if (this.#onTape(compiled)) return tapeChunk('fitDataset', nm(), this.#tapePlan(this.#built!, compiled), labelled(chunk), order, batchSize, 0, count);
        return nm().trainChunk(chunk, { order, batchSize, firstBatch: 0, count });
      }),
      evaluate: (b) => this.#lock.read(async (): Promise<NativeEvalResult> => (this.#onTape(compiled)
        ? tapeEvaluate('evaluateDataset', nm(), this.#tapePlan(this.#built!, compiled), labelled(b), b.n) : nm().evaluate(b, b.n))),
      evaluateTensors: (x, y, batchSize) => this.evaluate(x as InputLike, y as InputLike, { batchSize }),
      meanLogs: (loss, sums, samples) => compiledMeanLogs(compiled, loss, sums, samples),
      begin: (signal) => {
        this.#training = true;
        if (signal) {
          abort = () => this.#built?.nm.cancel();
          signal.addEventListener('abort', abort);
        }
        this.#signal = signal;
      },
      end: () => {
        if (abort) this.#signal?.removeEventListener('abort', abort);
        this.#training = false;
      },
    };
  }

  /** `locked`: the caller already holds a read of the model's lock for the whole evaluation. */
  async #evaluateFeatures(x: Features, t: Targets, w: Float32Array | null, batchSize: number, locked = false): Promise<Logs> {
    const compiled = this.#compiled!;
    return logsOf(await this.#evaluateSums(x, t, w, batchSize, locked), (loss, sums, samples) => compiledMeanLogs(compiled, loss, sums, samples));
  }

  /** Distributed: this rank evaluates its share of the samples, and the sums of all ranks make the logs. */
  async #evaluateShare(fn: string, x: Features, t: Targets, w: Float32Array | null, batchSize: number, job: JobInfo, locked: boolean): Promise<Logs> {
    const compiled = this.#compiled!;
    const { begin, end } = shareOf(x.n, job.rank, job.size);
    const part = sliceSamples(x, t, w, begin, end, this.#units());
    const sums = await sumOverRanks(fn, await this.#evaluateSums(part.x, part.t, part.w, batchSize, locked));
    return logsOf(sums, (loss, s, samples) => compiledMeanLogs(compiled, loss, s, samples));
  }

  async #evaluateSums(x: Features, t: Targets, w: Float32Array | null, batchSize: number, locked: boolean): Promise<EvalSums> {
    const compiled = this.#compiled!;
    const nm = this.#built!.nm;
    // Slices of at most ~8 MB of rows: the native side evaluates a private copy
    // of its input, and a whole test set copied at once costs that much memory.
    const units = this.#units();
    if (this.#onTape(compiled)) {
      const plan = this.#tapePlan(this.#built!, compiled);
      const run = async (): Promise<EvalSums> => tapeEvaluate('evaluate', nm, plan, { x, t, w }, batchSize);
      return locked ? run() : this.#lock.read(run);
    }
    const step = Math.max(1, Math.floor(sliceRows(sizeOf(x.sampleShape)) / batchSize)) * batchSize;
    const r = { lossSum: 0, samples: 0, metricSums: new Float64Array(compiledReportCount(compiled)) };
    for (let start = 0; start < x.n; start += step) {
      // The caller's buffers may have been detached or shrunk while an earlier slice ran.
      for (const [name, a] of [['x', x.values], ['y', t.labels ?? t.targets]] as const) {
        if (a && a.length === 0 && x.n > 0) throw new Error(`evaluate: ${name} was detached or shrunk while evaluating`);
      }
      const part = sliceSamples(x, t, w, start, Math.min(x.n, start + step), units);
      const run = (): Promise<NativeEvalResult> => nm.evaluate({ x: part.x.values, labels: part.t.labels, targets: part.t.targets, weights: part.w, n: part.x.n }, batchSize);
      const pr = await (locked ? run() : this.#lock.read(run));
      r.lossSum += pr.lossSum;
      r.samples += pr.samples;
      pr.metricSums.forEach((v, k) => (r.metricSums[k] += v));
    }
    return r;
  }

  /** Loss and metrics on data, in inference mode. Resolves to `{ loss, accuracy, ... }`. */
  async evaluate(x: ModelInputs, y: InputLike, options: EvaluateArgs = {}): Promise<Logs> {
    const job = distributedJob('evaluate', options);
    return job ? runAgreed('evaluate', () => this.#evaluate(x, y, options, job)) : this.#evaluate(x, y, options, null);
  }

  async #evaluate(x: ModelInputs, y: InputLike, options: EvaluateArgs, job: JobInfo | null): Promise<Logs> {
    const fn = 'evaluate';
    const args = checkOptions(fn, options, EVALUATE_OPTIONS, true) as EvaluateArgs;
    if (args.distributed !== undefined) checkBool(fn, 'distributed', args.distributed);
    const compiled = this.#requireCompiled(fn);
    const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
    const feats = this.#features(fn, x, false);
    this.#builtFor(fn, feats);
    const t = this.#targets(fn, y, feats.n, compiled);
    if (feats.n === 0) throw rangeError(fn, 'x has no samples');
    const w = sampleWeights(fn, args.sampleWeight, feats.n);
    if (job) await handshake(fn, [operationField('evaluate'), ...modelFields(this.#built!.weights, compiled), ...dataFields('evaluation', feats, t, w)]);
    // One read for the whole call, taken now: setWeights throws from here on,
    // a fit called later waits for it, and no training chunk runs between the
    // slices of a large input (each slice would otherwise see other weights).
    return this.#lock.read(async () => {
      await assertFinite(fn, feats);
      return job ? this.#evaluateShare(fn, feats, t, w, batchSize, job, true) : this.#evaluateFeatures(feats, t, w, batchSize, true);
    });
  }

  #predictInputs(fn: string, x: ModelInputs, options: PredictArgs, onlyDuringCall: boolean) {
    const args = checkOptions(fn, options, PREDICT_OPTIONS, true) as PredictArgs;
    if (args.distributed !== undefined) checkBool(fn, 'distributed', args.distributed);
    const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
    const feats = this.#features(fn, x, false, onlyDuringCall);
    const built = this.#builtFor(fn, feats);
    const units = this.#units();
    // Every element is written by the native predict: no zeroing needed, and a disposed output may be reused.
    const out = allocateUninitializedF32(feats.n * units, fn, () => `the output [${feats.n}, ${units}]`);
    return { nm: built.nm, built, feats, batchSize, out, units, signal: args.signal };
  }

  /**
   * Distributed predict: after a handshake, this rank predicts its share of
   * the rows (on the calling thread, or a worker with `predictAsync`) and the
   * ranks gather every share, so every rank returns all the predictions.
   */
  #predictShares(fn: string, x: ModelInputs, options: PredictArgs, job: JobInfo, run: (p: SharePrediction) => Promise<void> | void): Prediction | Promise<Prediction> {
    const { nm, built, feats, batchSize, out, units } = this.#predictInputs(fn, x, options, fn === 'predict');
    const fields = [operationField('predict'), ...modelFields(built.weights, null), ...dataFields('input', feats, null, null)];
    const { begin, end } = shareOf(feats.n, job.rank, job.size);
    const inSize = sizeOf(feats.sampleShape);
    const share: SharePrediction = {
      nm, n: end - begin, batchSize, x: feats.values.subarray(begin * inSize, end * inSize), out: out.subarray(begin * units, end * units),
    };
    const finish = (): Prediction => {
      gatherRows(fn, out, feats.n, units, job);
      return this.#prediction(out, feats.n);
    };
    if (fn === 'predict') {
      handshakeSync(fn, fields);
      if (this.#lock.writing) throw new Error(`predict: model '${this.name}' is running native work (training); use predictAsync()`);
      run(share);
      return finish();
    }
    return (async () => {
      await handshake(fn, fields);
      await run(share);
      return finish();
    })();
  }

  /**
   * Predictions for x [N, ...features] → [N, units], synchronously (as in
   * TensorFlow.js); a model with several outputs returns one tensor per output. For large inputs in a server, prefer {@link predictAsync}.
   * Throws if a native training chunk is running at that moment (it cannot
   * wait without blocking the event loop); between chunks, e.g. in callbacks,
   * it works. During fit, use {@link predictAsync}.
   */
  predict(x: ModelInputs, args: PredictArgs = {}): Prediction {
    const fn = 'predict';
    const job = distributedJob(fn, args);
    if (job) {
      return runAgreedSync(fn, () => this.#predictShares(fn, x, args, job, (p) => {
        if (p.n > 0) p.nm.predict(p.x, p.n, p.batchSize, p.out);
      }) as Prediction);
    }
    const { nm, feats, batchSize, out } = this.#predictInputs(fn, x, args, true);
    if (this.#lock.writing) {
      throw new Error(`predict: model '${this.name}' is running native work (training); use predictAsync(), which waits for a consistent snapshot of the weights`);
    }
    nm.predict(feats.values, feats.n, batchSize, out);
    return this.#prediction(out, feats.n);
  }

  /** The native prediction rows as the output tensor, or (several outputs) one tensor per output. */
  #prediction(out: Float32Array, n: number): Prediction {
    const shapes = this.#built!.outputShapes;
    if (shapes.length === 1) return ownedTensor(out, [n, shapes[0][0]], 'float32');
    const row = this.#units();
    let offset = 0;
    return shapes.map(([w]) => {
      const part = new Float32Array(n * w);
      for (let i = 0; i < n; i++) part.set(out.subarray(i * row + offset, i * row + offset + w), i * w);
      offset += w;
      return ownedTensor(part, [n, w], 'float32');
    });
  }

  /**
   * Predictions computed on a worker thread; never blocks the event loop.
   * During fit it waits for the running training chunk and then reads a
   * consistent snapshot of the weights; training resumes after it. Any number
   * may run at once. With `signal`, an abort rejects at once with the
   * signal's reason (also while waiting for a training chunk) and stops the
   * native work at the next batch.
   */
  async predictAsync(x: ModelInputs, args: PredictArgs = {}): Promise<Prediction> {
    const fn = 'predictAsync';
    const job = distributedJob(fn, args);
    if (job) {
      if (args.signal !== undefined) throw typeError(fn, 'signal is not supported with distributed: true (every rank must finish its share)');
      return runAgreed(fn, () => this.#predictShares(fn, x, args, job, (p) =>
        this.#lock.read((): Promise<void> => (p.n > 0 ? this.#predictOff(p.nm, p.x, p.n, p.batchSize, p.out) : Promise.resolve()))) as Promise<Prediction>);
    }
    const { nm, feats, batchSize, out, signal } = this.#predictInputs(fn, x, args, false);
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
    signal?.throwIfAborted();
    if (feats.n > 0) {
      const cancel = signal ? new Int32Array(1) : undefined;
      const work = this.#lock.read((): Promise<void> =>
        signal?.aborted ? Promise.resolve() : this.#predictOff(nm, feats.values, feats.n, batchSize, out, cancel));
      await abortable(work, signal, () => cancel!.fill(1));
    }
    return this.#prediction(out, feats.n);
  }

  /** A prediction on a worker thread; with custom layers, whose call() runs in JavaScript, on this thread. */
  async #predictOff(nm: NativeModel, x: Float32Array, n: number, batchSize: number, out: Float32Array, cancel?: Int32Array): Promise<void> {
    if (this.#built?.custom) return nm.predict(x, n, batchSize, out);
    return nm.predictAsync(x, n, batchSize, out, cancel);
  }

  /** One gradient step on one batch. Resolves to `{ loss, ...metrics }` for that batch. */
  async trainOnBatch(x: ModelInputs, y: InputLike): Promise<Logs> {
    const fn = 'trainOnBatch';
    if (this.#training) throw new Error(`trainOnBatch: model '${this.name}' is training`);
    const compiled = this.#requireCompiled(fn);
    const feats = this.#features(fn, x, true);
    const { nm } = this.#builtFor(fn, feats);
    const t = this.#targets(fn, y, feats.n, compiled);
    if (feats.n === 0) throw rangeError(fn, 'x has no samples');
    const order = Int32Array.from({ length: feats.n }, (_, i) => i);
    if (this.#onTape(compiled)) {
      const plan = this.#tapePlan(this.#built!, compiled);
      const r = await this.#lock.write(async () => tapeChunk(fn, nm, plan, { x: feats, t, w: null }, order, feats.n, 0, 1));
      return compiledMeanLogs(compiled, r.loss[0], r.metricSums, feats.n);
    }
    const r = await this.#lock.write((): Promise<NativeChunkResult> => nm.trainChunk({ x: feats.values, labels: t.labels, targets: t.targets, weights: null, n: feats.n },
      { order, batchSize: feats.n, firstBatch: 0, count: 1 }));
    return compiledMeanLogs(compiled, r.loss[0], r.metricSums, feats.n);
  }

  #slotTensors(built: Built, slots: readonly WeightSlot[]): Tensor[] {
    if (!this.#lock.idle && this.#lock.writing) throw new Error('getWeights: a training step is running; read weights from a callback or after fit');
    return built.weights.tensors(built.nm, slots);
  }

  #writeSlots(fn: string, built: Built, slots: readonly WeightSlot[], weights: unknown): void {
    const checked = built.weights.check(fn, slots, weights);
    if (!this.#lock.idle) {
      throw new Error(`${fn}: model '${this.name}' is ${this.#lock.writing ? 'training' : 'running predictAsync/evaluate'}; await that work before changing the weights`);
    }
    built.weights.write(built.nm, slots, checked);
  }

  /** All weights, layer by layer in Keras order (kernel, bias, ...). */
  getWeights(): Tensor[] {
    const built = this.#requireBuilt('getWeights');
    return this.#slotTensors(built, built.weights.slots);
  }

  /** Replaces all weights (same order and shapes as {@link getWeights}). Rejected while fit runs. */
  setWeights(weights: Tensor[]): void {
    const built = this.#requireBuilt('setWeights');
    if (this.#training) throw new Error(`setWeights: model '${this.name}' is training; set weights before or after fit`);
    this.#writeSlots('setWeights', built, built.weights.slots, weights);
  }

  /** @internal Used by callbacks (restoreBestWeights) during fit, between steps. */
  restoreWeights(weights: Tensor[]): void {
    const built = this.#requireBuilt('restoreWeights');
    this.#writeSlots('restoreWeights', built, built.weights.slots, weights);
  }

  /** @internal WeightOwner for Layer.getWeights. */
  layerWeights(layer: Layer): Tensor[] {
    const built = this.#requireBuilt('getWeights');
    return this.#slotTensors(built, built.weights.slots.filter((s) => s.layer === layer));
  }

  /** @internal WeightOwner for Layer.setWeights. */
  setLayerWeights(layer: Layer, weights: Tensor[]): void {
    const built = this.#requireBuilt('setWeights');
    if (this.#training) throw new Error(`setWeights: model '${this.name}' is training; set weights before or after fit`);
    this.#writeSlots('setWeights', built, built.weights.slots.filter((s) => s.layer === layer), weights);
  }

  /** @internal Weight names and shapes in order (`dense/kernel`), for save/load. */
  weightSpecs(): { name: string; shape: number[]; trainable: boolean }[] {
    return this.#requireBuilt('weightSpecs').weights.slots.map((s) => ({ name: `${s.layer.name}/${s.name}`, shape: [...s.shape], trainable: s.trainable }));
  }

  /** The optimizer's current learning rate. */
  getLearningRate(): number {
    this.#requireCompiled('getLearningRate');
    return this.#requireBuilt('getLearningRate').nm.learningRate();
  }

  /** Sets the learning rate (replacing a schedule with a constant), e.g. from a callback. */
  setLearningRate(lr: number): void {
    checkNumber('setLearningRate', 'lr', lr, 0);
    this.#requireCompiled('setLearningRate');
    this.#requireBuilt('setLearningRate').nm.setLearningRate(lr);
  }

  /** @internal Optimizer state, for saving with includeOptimizer. */
  getOptimizerState(): { iterations: number; nadamMomentumProduct: number; slots: Float32Array[] } {
    this.#requireCompiled('getOptimizerState');
    return this.#requireBuilt('getOptimizerState').nm.optimizerState();
  }

  /** @internal */
  setOptimizerState(state: { iterations: number; nadamMomentumProduct: number; slots: Float32Array[] }): void {
    const fn = 'setOptimizerState';
    this.#requireCompiled(fn);
    const { nm } = this.#requireBuilt(fn);
    if (state === null || typeof state !== 'object') throw typeError(fn, `state must be {iterations, nadamMomentumProduct, slots}, got ${show(state)}`);
    const { iterations, nadamMomentumProduct, slots } = state;
    checkInt(fn, 'iterations', iterations, 0);
    checkNumber(fn, 'nadamMomentumProduct', nadamMomentumProduct);
    const list = [...checkArray(fn, 'slots', slots, 'an array of Float32Arrays')];
    list.forEach((a, i) => {
      if (!(a instanceof Float32Array)) throw typeError(fn, `slots[${i}] must be a Float32Array, got ${show(a)}`);
    });
    nm.setOptimizerState(iterations, nadamMomentumProduct, list as Float32Array[]);
  }

  /**
   * @internal For gradient checks: loss and the gradient of every trainable
   * weight (flat, in getWeights order of the trainable ones) on one batch, in
   * training mode, without updating anything.
   */
  computeGradients(x: ModelInputs, y: InputLike): { loss: number; grads: Float32Array } {
    const fn = 'computeGradients';
    const compiled = this.#requireCompiled(fn);
    const feats = this.#features(fn, x, true);
    const built = this.#builtFor(fn, feats);
    const t = this.#targets(fn, y, feats.n, compiled);
    const grads = new Float32Array(built.weights.trainableSize);
    const loss = built.nm.computeGradients({ x: feats.values, labels: t.labels, targets: t.targets, weights: null, n: feats.n }, grads);
    return { loss, grads };
  }

  /** @internal For optimizer tests: one update with the given flat gradients. */
  applyGradients(grads: Float32Array): void {
    this.#requireCompiled('applyGradients');
    const built = this.#requireBuilt('applyGradients');
    built.nm.applyGradients(checkFlatGradients('applyGradients', grads, built.weights.trainableSize));
  }

  /** Number of weights (trainable and not). */
  /**
   * @internal Magnitude pruning of the kernels of `layers` (all layers with a
   * trainable `kernel` when null) after every optimizer update, in native code
   * (tf.pruning.lowMagnitude), until pruning is set again, cleared with null
   * (tf.pruning.strip) or the model is recompiled.
   */
  setPruning(caller: string, schedule: Omit<NativePruningSpec, 'ranges'> | null, layers: string[] | null): void {
    // The label is chosen here, never taken from the caller (junk would read '[object Object]: ...').
    const fn = caller === 'pruning.strip' ? caller : 'pruning.lowMagnitude';
    if (schedule !== null && (typeof schedule !== 'object' || Array.isArray(schedule))) throw typeError(fn, `the schedule must be an object, got ${show(schedule)}`);
    if (layers !== null && (!Array.isArray(layers) || layers.some((n) => typeof n !== 'string'))) throw typeError(fn, `layers must be an array of layer names, got ${show(layers)}`);
    const built = this.#requireBuilt(fn);
    this.#requireCompiled(fn);
    if (schedule === null) {
      built.nm.setPruning(null);
      return;
    }
    const kernels = built.weights.slots.filter((s) => s.trainable && s.name === 'kernel' && (layers === null || layers.includes(s.layer.name)));
    if (layers) {
      for (const name of layers) {
        if (!kernels.some((s) => s.layer.name === name)) throw rangeError(fn, `layer '${name}' of model '${this.name}' has no trainable kernel to prune`);
      }
    }
    if (kernels.length === 0) throw rangeError(fn, `model '${this.name}' has no trainable kernel to prune`);
    const ranges = kernels.map((s) => [s.offset, sizeOf(s.shape)] as const).sort((a, b) => a[0] - b[0]);
    built.nm.setPruning({ ...schedule, ranges });
  }

  /** @internal Each layer application of the built model with its per-sample input shapes (compression.report's FLOPs). */
  placedLayers(): readonly { layer: Layer; inputShapes: number[][] }[] {
    return this.#requireBuilt('placedLayers').placed;
  }

  countParams(): number {
    const { weights } = this.#requireBuilt('countParams');
    return weights.trainableSize + weights.stateSize;
  }

  /** Prints a table of layers, output shapes and parameter counts. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    if (typeof printFn !== 'function') throw typeError('summary', `printFn must be a function, got ${show(printFn)}`);
    const built = this.#requireBuilt('summary');
    const inputs = this.summaryInputs(built.inputShape);
    // Trainable as the layers are now (as Keras counts): a change of `trainable` reaches training at the next compile.
    let trainable = 0;
    let frozen = 0;
    for (const { layer, inputShapes } of built.placed) {
      for (const w of layer.weightSpecsFor(inputShapes)) {
        if (w.trainable && layer.trainable) trainable += sizeOf(w.shape);
        else frozen += sizeOf(w.shape);
      }
    }
    const rows = summaryRows(built.graph, built.shapes, built.placed, inputs);
    for (const line of formatSummary(this.name, rows, trainable, frozen, lineLength, positions)) printFn(line);
  }

  /** @internal The model inputs a summary lists as rows with a "Connected to" column (functional models); null for none. */
  protected summaryInputs(_inputShape: number[]): SummaryInputs | null {
    return null;
  }

  /**
   * Saves the model in the TensorFlow.js layers format: to a directory
   * (`'file:///path/to/dir'` or a plain path; writes model.json and
   * weights.bin atomically) or through a TensorFlow.js IO handler. The
   * training configuration is saved too; `includeOptimizer: true` adds the
   * optimizer state so training resumes exactly. See src/io.
   */
  async save(handlerOrURL: string | IOHandler, config?: SaveConfig): Promise<SaveResult> {
    // A reader: waits for a running training chunk, so the weights are a consistent snapshot.
    return saveModel(handlerOrURL, () => this.#lock.read(async () => modelToArtifacts(this, config, 'save')), 'save');
  }

  /** The model as TensorFlow.js ModelArtifacts, for storing it elsewhere (a database, an object store); `tf.fromArtifacts` reads it back. */
  async toArtifacts(config?: SaveConfig): Promise<ModelArtifacts> {
    return this.#lock.read(async () => modelToArtifacts(this, config, 'toArtifacts'));
  }
}

/**
 * What predict returns: the output tensor [N, units], or for a model with
 * several outputs one tensor per output, in output order (as TensorFlow.js).
 */
export type Prediction = Tensor | Tensor[];

/** One rank's share of a distributed prediction. */
interface SharePrediction {
  nm: NativeModel;
  x: Float32Array;
  n: number;
  batchSize: number;
  out: Float32Array;
}

/** Compiles the native model: one loss and its metrics, or (several outputs) one of each per output. */
function compileNative(nm: NativeModel, c: CompiledConfig): void {
  const optimizer = c.optimizer.toNative() as NativeOptimizerSpec;
  // The tape path computes the loss and metrics itself: the native trainer keeps only the optimizer (its loss is never read).
  const loss = typeof c.loss === 'function' ? nativeLoss(losses.meanSquaredError()) : nativeLoss(c.loss);
  nm.compile(optimizer, c.outputs ? nativeOutputs(c.outputs, c.tape === true) : [{ loss, weight: 1, metrics: c.tape ? [] : c.metrics.map((m) => m.native) }]);
}

/**
 * Refuses a model whose weights would not fit the memory limit, before the
 * native arena is allocated: per trainable weight its value, gradient and up
 * to 3 optimizer slots (AMSGrad), per non-trainable weight its value.
 */
function checkModelMemory(fn: string, placed: readonly PlacedLayer[]): void {
  let trainable = 0;
  let state = 0;
  for (const { layer, inputShapes } of placed) {
    for (const w of layer.weightSpecsFor(inputShapes)) {
      if (w.trainable) trainable += sizeOf(w.shape);
      else state += sizeOf(w.shape);
    }
  }
  checkAllocation(fn, `a model of ${trainable + state} weights (with gradients and optimizer slots)`, (5 * trainable + state) * 4);
}
