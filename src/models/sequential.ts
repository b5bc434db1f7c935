// Sequential: a linear stack of layers with Keras's compile / fit / evaluate /
// predict. fit's hot loop runs in native code on a worker thread, many steps
// per call; JavaScript sees batch and epoch events (DESIGN.md principle 1).
import { Callback, CallbackHooks, CallbackList, Logs, TrainableModel, TrainingParams } from '../callbacks/callback';
import { History } from '../callbacks/history';
import { ProgressBar } from '../callbacks/progress_bar';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions, rangeError, show, typeError } from '../errors';
import { Layer, checkInputShape, isLayer, layerInputShape, layerOwner, setLayerOwner } from '../layers/layer';
import { Loss, LOSS_CODE, LossIdentifier, resolveLoss } from '../losses';
import { MetricIdentifier, ResolvedMetric, resolveMetrics } from '../metrics';
import { checkAllocation } from '../limits';
import { native } from '../native';
import { allocateUninitializedF32 } from '../ops/shapes';
import { Optimizer, resolveOptimizer } from '../optimizers/optimizer';
import { Random, randomFrom } from '../random';
import { Tensor, TensorLike, checkTensor, ownedTensor } from '../tensor';
import { Dataset } from '../data/dataset';
import type { NativeChunkResult } from '../native';
import { EpochTally } from './epoch_tally';
import { DatasetFitHost, EvaluateDatasetArgs, FitDatasetArgs, elementParts, evaluateDatasetLoop, fitDatasetLoop } from './fit_dataset';
import { Features, InputLike, Targets, classWeights, combineWeights, sampleWeights, sliceSamples, toFeatures, toTargets } from './data';
import { assertFinite } from './finite';
import { ModelLock, abortable } from './model_lock';
import { formatSummary } from './summary';
import { saveModel } from '../io';
import { modelToArtifacts } from '../io/artifacts';
import type { IOHandler, ModelArtifacts, SaveConfig, SaveResult } from '../io/types';

/** Options of {@link Sequential.compile}. */
export interface CompileArgs {
  /** Optimizer name ('adam', 'sgd', 'rmsprop', ...) or a configured `tf.optimizers.*` object. */
  optimizer: string | Optimizer;
  /** Loss name ('sparse_categorical_crossentropy', 'meanSquaredError', ...) or a `tf.losses.*` object. */
  loss: LossIdentifier | string | Loss;
  /** Metrics to report, e.g. ['accuracy'] (default none). */
  metrics?: (MetricIdentifier | string)[] | string;
}

/** Options of {@link Sequential.fit}. */
export interface FitArgs {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Shuffle the sample order every epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling (as Keras), held out for validation (default 0). */
  validationSplit?: number;
  /** Explicit validation data `[x, y]`; overrides validationSplit. */
  validationData?: [InputLike, InputLike];
  /** Epoch to start counting from, to resume (default 0). */
  initialEpoch?: number;
  /** Loss weight per class index, e.g. `{0: 1, 1: 5}`. */
  classWeight?: Record<number, number>;
  /**
   * Loss weight per sample (Keras's sample_weight): one finite number >= 0
   * per sample of x, multiplied with classWeight where both are given; with
   * validationSplit, the held-out part is weighted by its samples' weights.
   */
  sampleWeight?: TensorLike | Tensor;
  /** 0 = silent, 1 = progress bar (one line per epoch when not a TTY), 2 = one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Callbacks: objects with onEpochEnd/onBatchEnd/... or `tf.callbacks.*`. */
  callbacks?: CallbackHooks | CallbackHooks[];
  /** Seed for shuffling and dropout; with the same seed and thread count, two runs are bit-identical. */
  seed?: number;
  /** Stops training at the next step boundary; fit then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link Sequential.evaluate}. */
export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Loss weight per sample (Keras's sample_weight); metrics stay unweighted, as Keras's compiled metrics. */
  sampleWeight?: TensorLike | Tensor;
}

/** Options of {@link Sequential.predict}. */
export interface PredictArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** predictAsync only: reject with the signal's reason if it aborts before the result is ready. */
  signal?: AbortSignal;
}

/** Options of {@link sequential} in object form. */
export interface SequentialArgs {
  /** Layers to add in order (default none: add them with `add`). */
  layers?: Layer[];
  /** Model name (default 'sequential', then 'sequential_1', ...). */
  name?: string;
}

interface Slot {
  layer: Layer;
  name: string;
  trainable: boolean;
  offset: number;
  shape: number[];
}

interface Compiled {
  optimizer: Optimizer;
  loss: Loss;
  metrics: ResolvedMetric[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeModel = any;

/** Result of one native training chunk. */
type ChunkResult = NativeChunkResult;
interface EvalResult {
  lossSum: number;
  samples: number;
  metricSums: Float64Array;
}

let modelCounter = 0;

/** A linear stack of layers. Create with {@link sequential}. */
export class Sequential implements TrainableModel {
  /** Model name. */
  readonly name: string;
  /** Set to true (e.g. from a callback) to stop fit at the next step boundary. */
  stopTraining = false;

  #stack: Layer[] = [];
  #nm: NativeModel = null;
  #inputShape: number[] | null = null;
  #shapes: number[][] = [];
  #slots: Slot[] = [];
  #trainableSize = 0;
  #stateSize = 0;
  #compiled: Compiled | null = null;
  #training = false;
  #lock = new ModelLock();
  #epochSerial = 0;
  /** The running fitDataset's signal, to detach its abort listener at the end. */
  #signal: AbortSignal | undefined = undefined;

  constructor(args: SequentialArgs = {}) {
    const fn = 'sequential';
    const a = checkOptions(fn, args, SEQUENTIAL_OPTIONS, true);
    if (a.name !== undefined && (typeof a.name !== 'string' || !a.name)) throw typeError(fn, `name must be a non-empty string, got ${show(a.name)}`);
    this.name = (a.name as string | undefined) ?? (modelCounter++ === 0 ? 'sequential' : `sequential_${modelCounter - 1}`);
    Object.defineProperty(this, 'name', { writable: false, configurable: false });
    if (a.layers !== undefined) {
      for (const l of [...checkArray(fn, 'layers', a.layers, 'an array of layers')]) this.add(l as Layer);
    }
  }

  /** The layers, in order. */
  get layers(): Layer[] {
    return [...this.#stack];
  }

  /** Whether weights exist (after build, or the first fit/predict). */
  get built(): boolean {
    return this.#nm !== null;
  }

  /** Per-sample input shape once known. */
  get inputs(): number[] | null {
    return this.#inputShape ? [...this.#inputShape] : null;
  }

  /** Per-sample output shape once built. */
  get outputShape(): number[] | null {
    return this.#shapes.length ? [...this.#shapes[this.#shapes.length - 1]] : null;
  }

  /** Appends a layer. Not allowed once the model is built. */
  add(layer: Layer): void {
    const fn = 'add';
    if (!isLayer(layer)) throw typeError(fn, `expected a layer (e.g. tf.layers.dense({units: 10})), got ${show(layer)}`);
    if (this.built) throw new Error(`add: model '${this.name}' is already built; create a new model to change its layers`);
    if (this.#stack.includes(layer) || layerOwner(layer)) throw new Error(`add: layer '${layer.name}' is already in a model`);
    if (this.#stack.some((l) => l.name === layer.name)) throw new Error(`add: a layer named '${layer.name}' is already in the model`);
    if (this.#stack.length > 0 && layer.inputShapeArg) throw rangeError(fn, `only the first layer may set inputShape (layer '${layer.name}')`);
    this.#stack.push(layer);
    setLayerOwner(layer, this, null);
    // NOTE: the declared input shape is recorded, not built: building here would
    // build a one-layer model and make every later add() fail. The weights are
    // created on first use (requireBuilt / ensureBuilt), with this shape.
    if (this.#stack.length === 1 && layer.inputShapeArg) this.#inputShape = [...layer.inputShapeArg];
  }

  /** Creates the weights for a per-sample input shape (done automatically from the first data). */
  build(inputShape: number[]): void {
    const fn = 'build';
    inputShape = checkInputShape(fn, inputShape);
    if (this.built) {
      if (show(inputShape) !== show(this.#inputShape)) throw rangeError(fn, `model is built for input ${show(this.#inputShape)}, got ${show(inputShape)}`);
      return;
    }
    if (this.#stack.length === 0) throw new Error(`build: model '${this.name}' has no layers`);
    const shapes: number[][] = [];
    const specs: unknown[] = [];
    const nativeIndex: number[] = [];
    let shape = [...inputShape];
    for (const layer of this.#stack) {
      const spec = layer.toNative(shape);
      nativeIndex.push(spec ? specs.length : -1);
      if (spec) specs.push(spec);
      shape = layer.computeOutputShape(shape);
      shapes.push(shape);
    }
    if (specs.length === 0) throw new Error(`build: model '${this.name}' needs at least one layer besides Flatten`);
    if (shape.length !== 1) throw rangeError(fn, `the last layer must output flat features, got ${show(shape)}`);
    const inputSize = inputShape.reduce((a, b) => a * b, 1);
    checkModelMemory(fn, this.#stack, inputShape, shapes);
    const nm = new native.NativeModel(specs, inputSize);
    // Map native slots to layers and check they match the layers' declared weights.
    const raw: { layer: number; name: string; trainable: boolean; offset: number; rows: number; cols: number }[] = nm.slots();
    const slots: Slot[] = [];
    let layerIn = [...inputShape];
    for (let i = 0; i < this.#stack.length; i++) {
      const layer = this.#stack[i];
      const declared = layer.weightSpecs(layerIn);
      const mine = raw.filter((s) => s.layer === nativeIndex[i]);
      if (declared.length !== mine.length || declared.some((d, k) => d.name !== mine[k].name)) {
        throw new Error(`build: internal weight layout mismatch in layer '${layer.name}'`);
      }
      declared.forEach((d, k) => slots.push({ layer, name: d.name, trainable: d.trainable, offset: mine[k].offset, shape: d.shape }));
      layerIn = shapes[i];
    }
    this.#nm = nm;
    this.#inputShape = [...inputShape];
    this.#shapes = shapes;
    this.#slots = slots;
    this.#trainableSize = slots.filter((s) => s.trainable).reduce((a, s) => a + size(s.shape), 0);
    this.#stateSize = slots.filter((s) => !s.trainable).reduce((a, s) => a + size(s.shape), 0);
    layerIn = [...inputShape];
    this.#stack.forEach((l, i) => {
      setLayerOwner(l, this, layerIn);
      layerIn = shapes[i];
    });
    this.#initializeWeights();
    if (this.#compiled) this.#nm.compile(this.#compiled.optimizer.toNative(), this.#nativeLoss(this.#compiled.loss), this.#compiled.metrics.map((m) => m.native));
  }

  #initializeWeights(): void {
    const rng = randomFrom();
    const params = new Float32Array(this.#trainableSize);
    const state = new Float32Array(this.#stateSize);
    for (const s of this.#slots) {
      const arena = s.trainable ? params : state;
      const specs = s.layer.weightSpecs(layerInputShape(s.layer)!);
      const spec = specs.find((w) => w.name === s.name)!;
      spec.initializer.fill(arena.subarray(s.offset, s.offset + size(s.shape)), s.shape, new Random(rng.seed()));
    }
    this.#nm.writeWeights(true, params);
    this.#nm.writeWeights(false, state);
  }

  #nativeLoss(loss: Loss) {
    return { kind: LOSS_CODE[loss.name], fromLogits: loss.fromLogits, delta: loss.delta };
  }

  /** Configures training: optimizer, loss and metrics. Recompiling resets the optimizer state. */
  compile(args: CompileArgs): void {
    const fn = 'compile';
    const a = checkOptions(fn, args, COMPILE_OPTIONS, true);
    if (this.#training) throw new Error('compile: the model is training');
    if (a.optimizer === undefined) throw typeError(fn, 'optimizer is required');
    if (a.loss === undefined) throw typeError(fn, 'loss is required');
    const optimizer = resolveOptimizer(fn, a.optimizer);
    const loss = resolveLoss(fn, a.loss);
    const last = this.#stack[this.#stack.length - 1];
    const units = this.outputShape?.[0] ?? (last && 'units' in last ? (last as unknown as { units: number }).units : 0);
    const metrics = resolveMetrics(fn, a.metrics, loss, units);
    // Native first: if it refuses, the model keeps its previous configuration on both sides.
    if (this.#nm) this.#nm.compile(optimizer.toNative(), this.#nativeLoss(loss), metrics.map((m) => m.native));
    this.#compiled = { optimizer, loss, metrics };
  }

  /** The compiled optimizer, loss and metrics, or null. */
  get compileConfig(): Readonly<Compiled> | null {
    return this.#compiled;
  }

  #requireCompiled(fn: string): Compiled {
    if (!this.#compiled) throw new Error(`${fn}: call model.compile({optimizer, loss}) first`);
    return this.#compiled;
  }

  #ensureBuilt(fn: string, sampleShape: number[]): void {
    if (this.built) return;
    try {
      this.build(sampleShape);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(/^build:/, `${fn}:`);
      throw e;
    }
  }

  /**
   * Trains the model. The arithmetic runs on a worker thread, many steps per
   * native call; the event loop stays free. Resolves to the {@link History}.
   */
  async fit(x: InputLike, y: InputLike, options: FitArgs = {}): Promise<History> {
    const fn = 'fit';
    const args = checkOptions(fn, options, FIT_OPTIONS, true) as FitArgs;
    if (this.#training) throw new Error(`fit: model '${this.name}' is already training; wait for the running fit to finish`);
    const compiled = this.#requireCompiled(fn);
    const epochs = checkInt(fn, 'epochs', args.epochs ?? 1, 0);
    const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
    const shuffle = args.shuffle === undefined ? true : checkBool(fn, 'shuffle', args.shuffle);
    const initialEpoch = checkInt(fn, 'initialEpoch', args.initialEpoch ?? 0, 0);
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw rangeError(fn, `verbose must be 0, 1 or 2, got ${show(verbose)}`);
    const split = checkNumber(fn, 'validationSplit', args.validationSplit ?? 0, 0, 1);
    if (split >= 1) throw rangeError(fn, `validationSplit must be < 1, got ${split}`);
    if (args.seed !== undefined) checkInt(fn, 'seed', args.seed, 0);
    const signal = args.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
    const userCallbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    checkArray(fn, 'callbacks', userCallbacks, 'a callback or an array of callbacks');
    for (const c of userCallbacks) if (c === null || typeof c !== 'object') throw typeError(fn, `callbacks must be objects, got ${show(c)}`);

    // NaN/Infinity in x is checked below, off the event loop (assertFinite).
    const feats = toFeatures(fn, x, this.#inputShape, false);
    this.#ensureBuilt(fn, feats.sampleShape);
    const units = this.outputShape![0];
    const targets = toTargets(fn, y, feats.n, units, compiled.loss);
    const perSample = sampleWeights(fn, args.sampleWeight, feats.n);
    const weights = combineWeights(classWeights(fn, args.classWeight, targets, feats.n, units), perSample);

    let train = { x: feats, t: targets, w: weights };
    let val: { x: Features; t: Targets; w: Float32Array | null } | null = null;
    if (args.validationData !== undefined) {
      if (!Array.isArray(args.validationData) || args.validationData.length < 2) throw typeError(fn, `validationData must be [x, y], got ${show(args.validationData)}`);
      const vx = toFeatures(fn, args.validationData[0], this.#inputShape, false);
      val = { x: vx, t: toTargets(fn, args.validationData[1], vx.n, units, compiled.loss), w: null };
    } else if (split > 0) {
      const cut = Math.floor(feats.n * (1 - split));
      if (cut === 0 || cut === feats.n) throw rangeError(fn, `validationSplit ${split} leaves no ${cut === 0 ? 'training' : 'validation'} samples out of ${feats.n}`);
      train = sliceSamples(feats, targets, weights, 0, cut, units);
      val = sliceSamples(feats, targets, perSample, cut, feats.n, units);
    }
    const n = train.x.n;
    if (n === 0) throw rangeError(fn, 'x has no samples');
    const steps = Math.ceil(n / batchSize);
    const metricKeys = compiled.metrics.flatMap((m) => [m.key, ...m.aliases]);
    const logKeys = ['loss', ...metricKeys];
    const params: TrainingParams = {
      epochs, initialEpoch, samples: n, steps, batchSize, verbose,
      metrics: [...logKeys, ...(val ? logKeys.map((k) => `val_${k}`) : [])],
    };
    const history = new History();
    const callbacks = new CallbackList([history, ...(verbose ? [new ProgressBar(verbose)] : []), ...userCallbacks]);
    callbacks.setup(this, params);

    const rng = randomFrom(args.seed);
    this.#nm.reseed(rng.seed());
    const order = new Int32Array(n);
    this.#training = true;
    this.stopTraining = false;
    const onAbort = () => this.#nm.cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      signal?.throwIfAborted();
      await assertFinite(fn, feats);
      if (val && args.validationData !== undefined) await assertFinite(fn, val.x);
      await callbacks.trainBegin({});
      let perBatchMs = 0;
      // Chunks of ~50 ms: the progress bar and callbacks stay live, the
      // per-chunk thread hop (~tens of µs) is negligible, and the chunk's
      // private copy of its rows (made on this thread) stays a few ms.
      // At most ~8 MB of rows per chunk: each chunk trains on a private copy.
      const maxChunk = Math.max(1, Math.floor(sliceRows(this.#inputSize()) / batchSize));
      const chunkFor = (from: number): number =>
        perBatchMs > 0 ? Math.max(1, Math.min(steps - from, maxChunk, Math.round(50 / perBatchMs))) : 1;
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        await callbacks.epochBegin(epoch, {});
        for (let i = 0; i < n; i++) order[i] = i;
        if (shuffle) {
          for (let i = n - 1; i > 0; i--) {
            const j = rng.int(i + 1);
            const tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
          }
        }
        const tally = new EpochTally(compiled.metrics.length, (loss, sums, samples) => meanLogs(loss, compiled.metrics, sums, samples));
        // Identifies this epoch's shuffled order to the native prefetch.
        const epochId = ++this.#epochSerial;
        let staged: { first: number; count: number } | null = null;
        while (tally.batch < steps && !this.stopTraining) {
          const batch = tally.batch;
          const count: number = staged && staged.first === batch ? staged.count : chunkFor(batch);
          const nextFirst: number = batch + count;
          const nextCount: number = nextFirst < steps && perBatchMs > 0 ? chunkFor(nextFirst) : 0;
          const t0 = performance.now();
          const r = await this.#lock.write((): Promise<ChunkResult> => {
            // Checked here, in the same synchronous block as the native call: an
            // abort that arrived while we waited (callbacks, readers) is not lost.
            signal?.throwIfAborted();
            // The native side copies the next chunk's rows while this one trains.
            return this.#nm.trainChunk(train.x.values, train.t.labels, train.t.targets, train.w, n, order, batchSize, batch, count,
              nextFirst, nextCount, epochId);
          });
          staged = nextCount > 0 ? { first: nextFirst, count: nextCount } : null;
          const ms = performance.now() - t0;
          if (r.batches > 0) perBatchMs = perBatchMs === 0 ? ms / r.batches : 0.5 * perBatchMs + 0.5 * (ms / r.batches);
          if (await tally.add(r, callbacks, verbose)) this.stopTraining = true;
          if (r.cancelled || signal?.aborted) signal?.throwIfAborted();
        }
        if (tally.seen === 0) break;
        const logs = tally.logs();
        if (val && !tally.nonFinite) {
          const v = await this.#evaluateFeatures(val.x, val.t, val.w, batchSize);
          signal?.throwIfAborted();
          for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
        }
        await callbacks.epochEnd(epoch, logs);
      }
      await callbacks.trainEnd({});
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#training = false;
    }
    return history;
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
    return {
      metricCount: compiled.metrics.length,
      logKeys: ['loss', ...compiled.metrics.flatMap((m) => [m.key, ...m.aliases])],
      model: this,
      get stopTraining() { return self.stopTraining; },
      set stopTraining(v: boolean) { self.stopTraining = v; },
      stage: (fn, element, index) => {
        const { xs, ys, sw } = elementParts(fn, element, index);
        const at = (e: unknown): never => {
          if (e instanceof Error) e.message = e.message.replace(/^(\w+): /, `$1: batch ${index}: `);
          throw e;
        };
        try {
          const feats = toFeatures(fn, xs, this.#inputShape, true);
          this.#ensureBuilt(fn, feats.sampleShape);
          const t = toTargets(fn, ys, feats.n, this.outputShape![0], compiled.loss);
          return { x: feats.values, labels: t.labels, targets: t.targets, weights: sampleWeights(fn, sw, feats.n), n: feats.n };
        } catch (e) {
          return at(e);
        }
      },
      train: (chunk, batchSize, count) => this.#lock.write((): Promise<ChunkResult> => {
        const order = Int32Array.from({ length: chunk.n }, (_, i) => i);
        return this.#nm.trainChunk(chunk.x, chunk.labels, chunk.targets, chunk.weights, chunk.n, order, batchSize, 0, count);
      }),
      evaluate: (b) => this.#lock.read((): Promise<EvalResult> => this.#nm.evaluate(b.x, b.labels, b.targets, b.weights, b.n, b.n)),
      evaluateTensors: (x, y, batchSize) => this.evaluate(x as InputLike, y as InputLike, { batchSize }),
      meanLogs: (loss, sums, samples) => meanLogs(loss, compiled.metrics, sums, samples),
      begin: (signal) => {
        this.#training = true;
        if (signal) {
          abort = () => this.#nm.cancel();
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
    // Slices of at most ~8 MB of rows: the native side evaluates a private copy
    // of its input, and a whole test set copied at once costs that much memory.
    const units = this.outputShape![0];
    const step = Math.max(1, Math.floor(sliceRows(this.#inputSize()) / batchSize)) * batchSize;
    const r = { lossSum: 0, samples: 0, metricSums: new Float64Array(compiled.metrics.length) };
    for (let start = 0; start < x.n; start += step) {
      // The caller's buffers may have been detached or shrunk while an earlier slice ran.
      for (const [name, a] of [['x', x.values], ['y', t.labels ?? t.targets]] as const) {
        if (a && a.length === 0 && x.n > 0) throw new Error(`evaluate: ${name} was detached or shrunk while evaluating`);
      }
      const part = sliceSamples(x, t, w, start, Math.min(x.n, start + step), units);
      const run = (): Promise<EvalResult> => this.#nm.evaluate(part.x.values, part.t.labels, part.t.targets, part.w, part.x.n, batchSize);
      const pr = await (locked ? run() : this.#lock.read(run));
      r.lossSum += pr.lossSum;
      r.samples += pr.samples;
      pr.metricSums.forEach((v, k) => (r.metricSums[k] += v));
    }
    return meanLogs(r.samples ? r.lossSum / r.samples : NaN, compiled.metrics, r.metricSums, r.samples);
  }

  /** Loss and metrics on data, in inference mode. Resolves to `{ loss, accuracy, ... }`. */
  async evaluate(x: InputLike, y: InputLike, options: EvaluateArgs = {}): Promise<Logs> {
    const fn = 'evaluate';
    const args = checkOptions(fn, options, EVALUATE_OPTIONS, true) as EvaluateArgs;
    const compiled = this.#requireCompiled(fn);
    const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
    const feats = toFeatures(fn, x, this.#inputShape, false);
    this.#ensureBuilt(fn, feats.sampleShape);
    const t = toTargets(fn, y, feats.n, this.outputShape![0], compiled.loss);
    if (feats.n === 0) throw rangeError(fn, 'x has no samples');
    const w = sampleWeights(fn, args.sampleWeight, feats.n);
    // One read for the whole call, taken now: setWeights throws from here on,
    // a fit called later waits for it, and no training chunk runs between the
    // slices of a large input (each slice would otherwise see other weights).
    return this.#lock.read(async () => {
      await assertFinite(fn, feats);
      return this.#evaluateFeatures(feats, t, w, batchSize, true);
    });
  }

  #predictInputs(fn: string, x: InputLike, options: PredictArgs, onlyDuringCall: boolean) {
    const args = checkOptions(fn, options, PREDICT_OPTIONS, true) as PredictArgs;
    const batchSize = checkInt(fn, 'batchSize', args.batchSize ?? 32, 1, 2 ** 31 - 1);
    const feats = toFeatures(fn, x, this.#inputShape, false, onlyDuringCall);
    this.#ensureBuilt(fn, feats.sampleShape);
    const units = this.outputShape![0];
    // Every element is written by the native predict: no zeroing needed, and a disposed output may be reused.
    const out = allocateUninitializedF32(feats.n * units, fn, () => `the output [${feats.n}, ${units}]`);
    return { feats, batchSize, out, units, signal: args.signal };
  }

  /**
   * Predictions for x [N, ...features] → [N, outputs], synchronously (as in
   * TensorFlow.js). For large inputs in a server, prefer {@link predictAsync}.
   * Throws if a native training chunk is running at that moment (it cannot
   * wait without blocking the event loop); between chunks, e.g. in callbacks,
   * it works. During fit, use {@link predictAsync}.
   */
  predict(x: InputLike, args: PredictArgs = {}): Tensor {
    const fn = 'predict';
    const { feats, batchSize, out, units } = this.#predictInputs(fn, x, args, true);
    if (this.#lock.writing) {
      throw new Error(`predict: model '${this.name}' is running native work (training); use predictAsync(), which waits for a consistent snapshot of the weights`);
    }
    this.#nm.predict(feats.values, feats.n, batchSize, out);
    return ownedTensor(out, [feats.n, units], 'float32');
  }

  /**
   * Predictions computed on a worker thread; never blocks the event loop.
   * During fit it waits for the running training chunk and then reads a
   * consistent snapshot of the weights; training resumes after it. Any number
   * may run at once. With `signal`, an abort rejects at once with the
   * signal's reason (also while waiting for a training chunk) and stops the
   * native work at the next batch.
   */
  async predictAsync(x: InputLike, args: PredictArgs = {}): Promise<Tensor> {
    const fn = 'predictAsync';
    const { feats, batchSize, out, units, signal } = this.#predictInputs(fn, x, args, false);
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError(fn, `signal must be an AbortSignal, got ${show(signal)}`);
    signal?.throwIfAborted();
    if (feats.n > 0) {
      const cancel = signal ? new Int32Array(1) : null;
      const work = this.#lock.read((): Promise<void> =>
        signal?.aborted ? Promise.resolve() : this.#nm.predictAsync(feats.values, feats.n, batchSize, out, cancel));
      await abortable(work, signal, () => cancel!.fill(1));
    }
    return ownedTensor(out, [feats.n, units], 'float32');
  }

  /** One gradient step on one batch. Resolves to `{ loss, ...metrics }` for that batch. */
  async trainOnBatch(x: InputLike, y: InputLike): Promise<Logs> {
    const fn = 'trainOnBatch';
    if (this.#training) throw new Error(`trainOnBatch: model '${this.name}' is training`);
    const compiled = this.#requireCompiled(fn);
    const feats = toFeatures(fn, x, this.#inputShape, true);
    this.#ensureBuilt(fn, feats.sampleShape);
    const t = toTargets(fn, y, feats.n, this.outputShape![0], compiled.loss);
    if (feats.n === 0) throw rangeError(fn, 'x has no samples');
    const order = Int32Array.from({ length: feats.n }, (_, i) => i);
    const r = await this.#lock.write((): Promise<ChunkResult> => this.#nm.trainChunk(feats.values, t.labels, t.targets, null, feats.n, order, feats.n, 0, 1));
    return meanLogs(r.loss[0], compiled.metrics, r.metricSums, feats.n);
  }

  #requireBuilt(fn: string): void {
    if (!this.built && this.#inputShape) this.#ensureBuilt(fn, this.#inputShape);
    if (!this.built) throw new Error(`${fn}: model '${this.name}' is not built yet; call build(inputShape), fit or predict first`);
  }

  #readArenas(): [Float32Array, Float32Array] {
    const p = new Float32Array(this.#trainableSize);
    const s = new Float32Array(this.#stateSize);
    this.#nm.readWeights(true, p);
    this.#nm.readWeights(false, s);
    return [p, s];
  }

  #slotTensors(slots: Slot[]): Tensor[] {
    if (!this.#lock.idle && this.#lock.writing) throw new Error('getWeights: a training step is running; read weights from a callback or after fit');
    const [p, s] = this.#readArenas();
    return slots.map((sl) => new Tensor((sl.trainable ? p : s).slice(sl.offset, sl.offset + size(sl.shape)), sl.shape, 'float32'));
  }

  #writeSlots(fn: string, slots: Slot[], weights: unknown): void {
    weights = [...checkArray(fn, 'weights', weights, 'an array of tensors')];
    if (!Array.isArray(weights)) throw typeError(fn, `weights must be an array of tensors, got ${show(weights)}`);
    if (weights.length !== slots.length) throw rangeError(fn, `expected ${slots.length} weight tensors (${slots.map((s) => `${s.layer.name}/${s.name}`).join(', ')}), got ${weights.length}`);
    weights.forEach((w, i) => {
      checkTensor(fn, `weights[${i}]`, w);
      if (show(w.shape) !== show(slots[i].shape)) throw rangeError(fn, `weights[${i}] (${slots[i].layer.name}/${slots[i].name}) must have shape ${show(slots[i].shape)}, got ${show(w.shape)}`);
    });
    if (!this.#lock.idle) {
      throw new Error(`${fn}: model '${this.name}' is ${this.#lock.writing ? 'training' : 'running predictAsync/evaluate'}; await that work before changing the weights`);
    }
    const [p, s] = this.#readArenas();
    weights.forEach((w: Tensor, i) => {
      const sl = slots[i];
      (sl.trainable ? p : s).set(w.values, sl.offset);
    });
    this.#nm.writeWeights(true, p);
    this.#nm.writeWeights(false, s);
  }

  /** All weights, layer by layer in Keras order (kernel, bias, ...). */
  getWeights(): Tensor[] {
    this.#requireBuilt('getWeights');
    return this.#slotTensors(this.#slots);
  }

  /** Replaces all weights (same order and shapes as {@link getWeights}). Rejected while fit runs. */
  setWeights(weights: Tensor[]): void {
    this.#requireBuilt('setWeights');
    if (this.#training) throw new Error(`setWeights: model '${this.name}' is training; set weights before or after fit`);
    this.#writeSlots('setWeights', this.#slots, weights);
  }

  /** @internal Used by callbacks (restoreBestWeights) during fit, between steps. */
  restoreWeights(weights: Tensor[]): void {
    this.#requireBuilt('restoreWeights');
    this.#writeSlots('restoreWeights', this.#slots, weights);
  }

  /** @internal WeightOwner for Layer.getWeights. */
  layerWeights(layer: Layer): Tensor[] {
    this.#requireBuilt('getWeights');
    return this.#slotTensors(this.#slots.filter((s) => s.layer === layer));
  }

  /** @internal WeightOwner for Layer.setWeights. */
  setLayerWeights(layer: Layer, weights: Tensor[]): void {
    this.#requireBuilt('setWeights');
    if (this.#training) throw new Error(`setWeights: model '${this.name}' is training; set weights before or after fit`);
    this.#writeSlots('setWeights', this.#slots.filter((s) => s.layer === layer), weights);
  }

  /** @internal Weight names and shapes in order (`dense/kernel`), for save/load. */
  weightSpecs(): { name: string; shape: number[]; trainable: boolean }[] {
    this.#requireBuilt('weightSpecs');
    return this.#slots.map((s) => ({ name: `${s.layer.name}/${s.name}`, shape: [...s.shape], trainable: s.trainable }));
  }

  /** The optimizer's current learning rate. */
  getLearningRate(): number {
    this.#requireCompiled('getLearningRate');
    this.#requireBuilt('getLearningRate');
    return this.#nm.learningRate();
  }

  /** Sets the learning rate (replacing a schedule with a constant), e.g. from a callback. */
  setLearningRate(lr: number): void {
    checkNumber('setLearningRate', 'lr', lr, 0);
    this.#requireCompiled('setLearningRate');
    this.#requireBuilt('setLearningRate');
    this.#nm.setLearningRate(lr);
  }

  /** @internal Optimizer state, for saving with includeOptimizer. */
  getOptimizerState(): { iterations: number; nadamMomentumProduct: number; slots: Float32Array[] } {
    this.#requireCompiled('getOptimizerState');
    this.#requireBuilt('getOptimizerState');
    return this.#nm.optimizerState();
  }

  /** @internal */
  setOptimizerState(state: { iterations: number; nadamMomentumProduct: number; slots: Float32Array[] }): void {
    this.#requireCompiled('setOptimizerState');
    this.#requireBuilt('setOptimizerState');
    const fn = 'setOptimizerState';
    if (state === null || typeof state !== 'object') throw typeError(fn, `state must be {iterations, nadamMomentumProduct, slots}, got ${show(state)}`);
    const { iterations, nadamMomentumProduct, slots } = state;
    checkInt(fn, 'iterations', iterations, 0);
    checkNumber(fn, 'nadamMomentumProduct', nadamMomentumProduct);
    const list = [...checkArray(fn, 'slots', slots, 'an array of Float32Arrays')];
    list.forEach((a, i) => {
      if (!(a instanceof Float32Array)) throw typeError(fn, `slots[${i}] must be a Float32Array, got ${show(a)}`);
    });
    this.#nm.setOptimizerState(iterations, nadamMomentumProduct, list);
  }

  /**
   * @internal For gradient checks: loss and the gradient of every trainable
   * weight (flat, in getWeights order of the trainable ones) on one batch, in
   * training mode, without updating anything.
   */
  computeGradients(x: InputLike, y: InputLike): { loss: number; grads: Float32Array } {
    const compiled = this.#requireCompiled('computeGradients');
    const feats = toFeatures('computeGradients', x, this.#inputShape, true);
    this.#ensureBuilt('computeGradients', feats.sampleShape);
    const t = toTargets('computeGradients', y, feats.n, this.outputShape![0], compiled.loss);
    const grads = new Float32Array(this.#trainableSize);
    const loss = this.#nm.computeGradients(feats.values, t.labels, t.targets, null, feats.n, grads);
    return { loss, grads };
  }

  /** @internal For optimizer tests: one update with the given flat gradients. */
  applyGradients(grads: Float32Array): void {
    this.#requireCompiled('applyGradients');
    this.#requireBuilt('applyGradients');
    if (!(grads instanceof Float32Array)) throw typeError('applyGradients', `grads must be a Float32Array, got ${show(grads)}`);
    if (grads.length !== this.#trainableSize) throw rangeError('applyGradients', `grads must have ${this.#trainableSize} values, got ${grads.length}`);
    this.#nm.applyGradients(grads);
  }

  #inputSize(): number {
    return (this.#inputShape ?? [1]).reduce((a, b) => a * b, 1);
  }

  /** Number of weights (trainable and not). */
  countParams(): number {
    this.#requireBuilt('countParams');
    return this.#trainableSize + this.#stateSize;
  }

  /** Prints a table of layers, output shapes and parameter counts. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    if (typeof printFn !== 'function') throw typeError('summary', `printFn must be a function, got ${show(printFn)}`);
    this.#requireBuilt('summary');
    for (const line of formatSummary(this.name, this.#stack, this.#shapes, this.#trainableSize, this.#stateSize, lineLength, positions)) printFn(line);
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

const SEQUENTIAL_OPTIONS = ['layers', 'name'] as const;
const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics'] as const;
const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'initialEpoch', 'classWeight', 'sampleWeight',
  'verbose', 'callbacks', 'seed', 'signal'] as const;
const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight'] as const;
const PREDICT_OPTIONS = ['batchSize', 'signal'] as const;

/** Rows per slice of private copies handed to native work (~8 MB of features). */
function sliceRows(features: number): number {
  return Math.max(1, Math.floor((8 << 20) / (4 * Math.max(1, features))));
}

/** `{ loss, ...metrics }`, each metric's mean (its sum over `samples`) under its key and its aliases. */
function meanLogs(loss: number, metrics: ResolvedMetric[], sums: ArrayLike<number>, samples: number): Logs {
  const logs: Logs = { loss };
  metrics.forEach((m, k) => {
    logs[m.key] = sums[k] / samples;
    for (const a of m.aliases) logs[a] = logs[m.key];
  });
  return logs;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Refuses a model whose weights would not fit the memory limit, before the
 * native arena is allocated: per trainable weight its value, gradient and up
 * to 3 optimizer slots (AMSGrad), per non-trainable weight its value.
 */
function checkModelMemory(fn: string, stack: Layer[], inputShape: number[], shapes: number[][]): void {
  let trainable = 0;
  let state = 0;
  stack.forEach((layer, i) => {
    for (const w of layer.weightSpecs(i === 0 ? inputShape : shapes[i - 1])) {
      if (w.trainable) trainable += size(w.shape);
      else state += size(w.shape);
    }
  });
  checkAllocation(fn, `a model of ${trainable + state} weights (with gradients and optimizer slots)`, (5 * trainable + state) * 4);
}

/** Creates a Sequential model from layers, or from `{ layers, name }`. */
export function sequential(config?: Layer[] | SequentialArgs): Sequential {
  if (Array.isArray(config)) return new Sequential({ layers: config });
  return new Sequential(config ?? {});
}

export type { Callback };
