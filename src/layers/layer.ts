// The Layer contract (Keras's life cycle): the constructor stores the config,
// the model builds it for an input shape, the native engine runs it, and
// getConfig() round-trips it. Weights live in the model's native arena.
import { checkArray, checkBool, checkOptions, checkString, rangeError, show, typeError } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { native } from '../native';
import { Tensor } from '../tensor';
import { LayerConfig, snakeCase } from './config';
import { LayerVariable, MAKE_LAYER_VARIABLE } from './layer_variable';
import { LayerOutput, SymbolicTensor, applyLayer } from './symbolic_tensor';

/** Options every layer accepts. */
export interface LayerArgs {
  /** Unique name; default: the class name in snake_case plus a counter (`dense_1`). */
  name?: string;
  /** Shape of one input sample, without the batch dimension (first layer only). */
  inputShape?: number[];
  /** Shape including the batch dimension (`[null, 784]`); an alternative to inputShape. */
  batchInputShape?: (number | null)[];
  /** Whether the layer's weights are updated by training (default true); see {@link Layer.trainable}. */
  trainable?: boolean;
}

/** @internal The layer as the native engine reads it: `kind` from native.enums.layer, then the kind's options (native/layers/<kind>.cc). */
export interface NativeLayerSpec {
  kind: number;
  units?: number;
  useBias?: boolean;
  activation?: number;
  activationParam?: number;
  rate?: number;
  seed?: number;
  epsilon?: number;
  momentum?: number;
  center?: boolean;
  scale?: boolean;
  l1?: number;
  l2?: number;
  /** False for a frozen layer: its weights go to the non-trainable arena and get no gradient. */
  trainable?: boolean;
  /** reshape: the per-sample output shape. */
  targetShape?: number[];
  /** permute: the order of the per-sample axes (0-based). */
  dims?: number[];
  /** repeatVector: how many times. */
  n?: number;
  /** concatenate: the per-sample axis (0-based). */
  axis?: number;
  /** host (a custom layer): which of the model's custom-layer applications this node is. */
  hostId?: number;
  /** host: the per-sample output shape. */
  outputShape?: number[];
  /** host: each weight's shape, and whether it is trainable (1 / 0). */
  weightShapes?: number[][];
  weightTrainable?: number[];
}

/** @internal One weight a layer declares, in Keras order. */
export interface WeightSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
  trainable: boolean;
}

/** @internal What a layer needs from the model that owns its weights. */
export interface WeightOwner {
  layerWeights(layer: Layer): Tensor[];
  setLayerWeights(layer: Layer, weights: Tensor[]): void;
}

const nameCounters = new Map<string, number>();

/** Options every layer takes (besides its own). */
export const LAYER_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'trainable'] as const;

/**
 * @internal Reads a layer factory's options: unknown keys are refused, and the
 * result is a snapshot the constructor reads from.
 */
export function layerOptions<K extends string>(fn: string, args: unknown, own: readonly K[], required = false): Partial<Record<K | (typeof LAYER_OPTIONS)[number], unknown>> {
  return checkOptions<K | (typeof LAYER_OPTIONS)[number]>(fn, args, [...LAYER_OPTIONS, ...own], required);
}

/** @internal Throws unless `shape` is a non-empty array of positive integers; returns a copy. */
export function checkInputShape(fn: string, shape: unknown, name = 'inputShape'): number[] {
  const list = [...checkArray(fn, name, shape, 'an array of positive integers')];
  if (list.length === 0 || list.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) {
    throw rangeError(fn, `${name} must be a non-empty array of positive integers, got ${show(shape)}`);
  }
  return list as number[];
}

/** The model a layer belongs to and the input shapes it was built for, out of reach of the layer's own fields. */
const placement = new WeakMap<Layer, { owner: WeightOwner; inputShapes: number[][] | null }>();

/** @internal The model the layer was added to, or null. */
export function layerOwner(layer: Layer): WeightOwner | null {
  return placement.get(layer)?.owner ?? null;
}

/** @internal The per-sample input shape the layer was built for (its first input's, for a merge layer), or null. */
export function layerInputShape(layer: Layer): number[] | null {
  return placement.get(layer)?.inputShapes?.[0] ?? null;
}

/** @internal The per-sample shapes of every input the layer was built for, or null. */
export function layerInputShapes(layer: Layer): number[][] | null {
  return placement.get(layer)?.inputShapes ?? null;
}

/** Layers a constructor finished making (an object made with Object.create(Dense.prototype) passes instanceof but has no configuration). */
const constructed = new WeakSet<Layer>();

/** @internal Whether `v` is a layer its constructor made. */
export function isLayer(v: unknown): v is Layer {
  return v instanceof Layer && constructed.has(v);
}

/** @internal Forgets the model the layer was in (Sequential.pop), so another model may take it. */
export function clearLayerOwner(layer: Layer): void {
  placement.delete(layer);
}

/** @internal Records that `owner` holds the layer (and, once built, the shapes of its inputs). */
export function setLayerOwner(layer: Layer, owner: WeightOwner, inputShapes: number[][] | null): void {
  placement.set(layer, { owner, inputShapes: inputShapes && inputShapes.map((s) => [...s]) });
}

/** Layers a user's class made (tf.layers.Layer subclasses with call()): they run through the gradient tape. */
const customLayers = new WeakSet<Layer>();

/** @internal Whether the layer is a user's own class (computed by its call(), custom_layer.ts), not a built-in one. */
export function isCustomLayer(layer: Layer): boolean {
  return customLayers.has(layer);
}

/**
 * Base class of every layer, and of your own (TensorFlow.js's custom
 * layers): extend it, create weights with {@link Layer.addWeight} in
 * `build(inputShape)`, compute in `call(inputs)` with tf ops, and give
 * `computeOutputShape` and `getConfig` when the output shape or options
 * differ from the input's; register the class with
 * `tf.serialization.registerClass` to save and load it. A custom layer's
 * shapes include the batch axis (`[null, 784]`), as in TensorFlow.js. Models
 * run the built-in layers natively and a custom layer's `call` on the
 * gradient tape (docs/custom-layers.md).
 */
export class Layer {
  /** The Keras class name, e.g. 'Dense' (a custom layer's static `className`, else its class name). */
  declare readonly className: string;
  /** Unique layer name. */
  readonly name: string;
  #trainable: boolean;
  /** @internal Input shape given by the user (first layer). */
  readonly inputShapeArg?: number[];
  #built = false;
  #weights: LayerVariable[] = [];

  /** A custom layer: `super(config)` with the layer options ({@link LayerArgs}) and the class's own. */
  constructor(config?: LayerArgs);
  /** @internal Built-in layers pass their factory's name, class name and the options snapshot {@link layerOptions} made. */
  constructor(fn: string, className: string, args: LayerArgs);
  constructor(fnOrConfig?: string | LayerArgs, classNameArg?: string, argsArg?: LayerArgs) {
    // NOTE: the label comes from the subclass, never from a caller.
    if (new.target === Layer) throw typeError('Layer', 'is abstract; create layers with the factories (tf.layers.dense(...), ...) or extend tf.layers.Layer');
    const custom = typeof fnOrConfig !== 'string';
    let fn: string, className: string, args: LayerArgs;
    if (custom) {
      const ctor = new.target as unknown as { className?: unknown; name?: unknown };
      className = typeof ctor.className === 'string' && ctor.className !== '' ? ctor.className : String(ctor.name || 'Layer');
      fn = className;
      const config: unknown = fnOrConfig ?? {};
      if (config === null || typeof config !== 'object' || Array.isArray(config)) throw typeError(fn, `config must be an object, got ${show(config)}`);
      const c = config as LayerArgs;
      args = { name: c.name, inputShape: c.inputShape, batchInputShape: c.batchInputShape, trainable: c.trainable };
    } else {
      fn = fnOrConfig;
      className = classNameArg as string;
      args = argsArg as LayerArgs;
    }
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw typeError(fn, `name must be a non-empty string, got ${show(args.name)}`);
    }
    const base = snakeCase(className);
    if (args.name !== undefined) {
      this.name = args.name;
    } else {
      const n = nameCounters.get(base) ?? 0;
      nameCounters.set(base, n + 1);
      this.name = n === 0 ? base : `${base}_${n}`;
    }
    this.#trainable = args.trainable === undefined ? true : checkBool(fn, 'trainable', args.trainable);
    let shape: unknown = args.inputShape;
    if (shape === undefined && args.batchInputShape !== undefined) {
      shape = checkArray(fn, 'batchInputShape', args.batchInputShape, 'an array').slice(1);
    }
    if (shape !== undefined) this.inputShapeArg = checkInputShape(fn, shape);
    if (custom) {
      Object.defineProperty(this, 'className', { value: className, enumerable: true, writable: true, configurable: true });
      customLayers.add(this);
      constructed.add(this);
    }
  }

  /**
   * Whether training updates this layer's weights (Keras's transfer
   * learning: freeze a loaded model's layers, train a new head). A frozen
   * layer's weights get no gradient and no optimizer slots, and a frozen
   * BatchNormalization runs in inference mode (its moving statistics stay).
   * As in Keras, a change reaches a built model at its next `compile()`;
   * `summary()` counts the layer's weights as it is now.
   */
  get trainable(): boolean {
    return this.#trainable;
  }

  set trainable(value: boolean) {
    this.#trainable = checkBool('trainable', 'trainable', value);
  }

  /** @internal The model this layer was added to, or null. */
  get owner(): WeightOwner | null {
    return layerOwner(this);
  }

  /** @internal The per-sample input shape the layer was built for, or null. */
  get builtInputShape(): number[] | null {
    const s = layerInputShape(this);
    return s && [...s];
  }

  /**
   * @internal Called at the end of each concrete constructor: the layer's
   * configuration (readonly in TypeScript) cannot be reassigned from
   * JavaScript either, so a built model and its layers always agree.
   */
  protected lockConfig(): void {
    constructed.add(this);
    for (const k of Object.keys(this)) Object.defineProperty(this, k, { writable: false, configurable: false });
  }

  /**
   * The output shape for an input shape. Built-in layers: of one sample (no
   * batch axis). A custom layer overrides it with TensorFlow.js's convention
   * (batch axis first, `null`; a list of shapes for several inputs); the
   * default returns the input shape unchanged.
   */
  computeOutputShape(inputShape: number[] | (number | null)[] | (number | null)[][]): number[] | (number | null)[] {
    return inputShape as (number | null)[];
  }

  /** @internal Native spec, or null for layers that only reinterpret the shape (Flatten). A custom layer is a host node. */
  toNative(_inputShape: number[]): NativeLayerSpec | null {
    throw new Error(`toNative: layer '${this.name}' (${this.className}) has no native form`);
  }

  /**
   * A custom layer creates its weights here, once, with {@link Layer.addWeight}
   * (`inputShape` includes the batch axis: `[null, features]`; a list of
   * shapes for several inputs). Called before the first `call`.
   */
  build(_inputShape: (number | null)[] | (number | null)[][]): void {
    this.#built = true;
  }

  /**
   * A custom layer's computation, with tf ops (differentiated by the gradient
   * tape): `inputs` is one tensor `[batch, ...]`, or a list for a layer
   * applied to several; `kwargs.training` is true inside `fit`. Returns one
   * tensor of the shape {@link Layer.computeOutputShape} gives. The default
   * returns its input.
   */
  call(inputs: Tensor | Tensor[], _kwargs: { training?: boolean } = {}): Tensor | Tensor[] {
    return inputs;
  }

  /** Whether {@link Layer.build} ran (a custom layer) or the layer is part of a built model. */
  get built(): boolean {
    return this.#built || layerInputShapes(this) !== null;
  }

  set built(value: boolean) {
    if (customLayers.has(this)) this.#built = checkBool('built', 'built', value);
  }

  /**
   * Creates a weight of a custom layer, in {@link Layer.build} (TensorFlow.js's
   * `addWeight`): its values live in the model's weights, trained by the
   * model's optimizer and saved with the model; read them in `call` with
   * `variable.read()`. `initializer` is a `tf.initializers` object or name
   * (default 'glorotUniform'). Regularizers and constraints are not taken:
   * add a penalty to the loss instead.
   */
  addWeight(name: string, shape: number[], dtype?: 'float32', initializer?: Initializer | InitializerIdentifier, regularizer?: unknown,
    trainable = true, constraint?: unknown): LayerVariable {
    const fn = 'addWeight';
    if (!customLayers.has(this)) throw typeError(fn, `layer '${this.name}' is a built-in layer; addWeight is for custom layers`);
    checkString(fn, 'name', name);
    const dims = checkInputShape(fn, shape, 'shape');
    if (dtype !== undefined && dtype !== null && dtype !== 'float32') throw typeError(fn, `dtype must be 'float32', got ${show(dtype)}`);
    if (regularizer !== undefined && regularizer !== null) throw typeError(fn, `regularizer is not supported on custom layer weights; add the penalty to the loss (got ${show(regularizer)})`);
    if (constraint !== undefined && constraint !== null) throw typeError(fn, `constraint is not supported on custom layer weights, got ${show(constraint)}`);
    checkBool(fn, 'trainable', trainable);
    if (layerInputShapes(this) !== null) throw new Error(`${fn}: layer '${this.name}' is already in a built model; create weights in build()`);
    if (this.#weights.some((w) => w.originalName === name)) throw rangeError(fn, `layer '${this.name}' already has a weight named '${name}'`);
    const init = getInitializer(fn, 'initializer', initializer, 'glorotUniform');
    const v = new LayerVariable(MAKE_LAYER_VARIABLE, this, name, dims, init, trainable);
    this.#weights.push(v);
    return v;
  }

  /** @internal A custom layer's weights, in creation order. */
  customWeights(): readonly LayerVariable[] {
    return this.#weights;
  }

  /** Per-sample shapes as TensorFlow.js's custom layers see them: batch axis first (null), a list for several inputs. */
  #batchShapes(inputShapes: number[][]): (number | null)[] | (number | null)[][] {
    const withBatch = inputShapes.map((s) => [null, ...s]);
    return withBatch.length === 1 ? withBatch[0] : withBatch;
  }

  #buildCustom(inputShapes: number[][]): void {
    if (this.#built) return;
    this.build(this.#batchShapes(inputShapes));
    this.#built = true;
  }

  #customOutputShape(inputShapes: number[][]): number[] {
    const fn = `${this.className}.computeOutputShape`;
    this.#buildCustom(inputShapes);
    const out: unknown = this.computeOutputShape(this.#batchShapes(inputShapes));
    if (!Array.isArray(out) || out.length < 2 || out.slice(1).some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) {
      throw typeError(fn, `layer '${this.name}' must return one shape [batch, ...positive integers] (the batch axis null), got ${show(out)}`);
    }
    return out.slice(1) as number[];
  }

  /** @internal Weights in Keras order for a given input shape. */
  weightSpecs(_inputShape: number[]): WeightSpec[] {
    return [];
  }

  /**
   * Applies the layer to symbolic tensors (from {@link input} or another
   * layer's `apply`) and returns the symbolic output, for `tf.model`. A merge
   * layer takes an array of them. Applying one layer twice shares its
   * weights, so the second inputs must fit the weights the first made. A
   * recurrent layer with `returnState` returns `[output, ...states]`.
   */
  apply<L extends Layer>(this: L, inputs: SymbolicTensor | SymbolicTensor[]): LayerOutput<L> {
    return applyLayer(this, inputs) as LayerOutput<L>;
  }

  /** @internal Whether the layer takes several inputs (merge layers). */
  get takesSeveralInputs(): boolean {
    return false;
  }

  /** @internal The output shape for the shapes of all the layer's inputs (one, but for merge and custom layers). */
  outputShapeFor(inputShapes: number[][]): number[] {
    if (customLayers.has(this)) return this.#customOutputShape(inputShapes);
    return this.computeOutputShape(this.#single('computeOutputShape', inputShapes)) as number[];
  }

  /**
   * @internal The output shapes for the shapes of all the layer's inputs: one,
   * but for a layer with several outputs (a recurrent layer with returnState:
   * its output's, then each state's). The native layer packs them per sample.
   */
  outputShapesFor(inputShapes: number[][]): number[][] {
    return [this.outputShapeFor(inputShapes)];
  }

  /** @internal The native spec for the shapes of all the layer's inputs. */
  nativeSpecFor(inputShapes: number[][]): NativeLayerSpec | null {
    if (customLayers.has(this)) {
      const weights = this.weightSpecsFor(inputShapes);
      return {
        kind: native.enums.layer.host, hostId: 0, outputShape: this.#customOutputShape(inputShapes),
        weightShapes: weights.map((w) => [...w.shape]), weightTrainable: weights.map((w) => (w.trainable ? 1 : 0)),
      };
    }
    return this.toNative(this.#single('toNative', inputShapes));
  }

  /** @internal The weights for the shapes of all the layer's inputs. */
  weightSpecsFor(inputShapes: number[][]): WeightSpec[] {
    if (customLayers.has(this)) {
      this.#buildCustom(inputShapes);
      return this.#weights.map((w) => ({ name: w.originalName, shape: [...w.shape], initializer: w.initializer, trainable: w.trainable }));
    }
    return this.weightSpecs(this.#single('weightSpecs', inputShapes));
  }

  #single(fn: string, inputShapes: number[][]): number[] {
    const list = checkArray(fn, 'inputShapes', inputShapes, 'an array of input shapes');
    if (list.length !== 1) throw typeError(fn, `layer '${this.name}' (${this.className}) takes one input, got ${list.length}`);
    return list[0] as number[];
  }

  /**
   * The layer's configuration in Keras / TensorFlow.js form (camelCase keys,
   * values as Keras writes them), complete enough that the class's static
   * `fromConfig` rebuilds the layer from it. It is the layer's only
   * serialization: saved models hold it under {@link Layer.getClassName}.
   * Subclasses put their own options first and these shared ones last, as
   * TensorFlow.js does.
   */
  getConfig(): LayerConfig {
    const c: LayerConfig = { name: this.name, trainable: this.trainable };
    if (this.inputShapeArg) c.batchInputShape = [null, ...this.inputShapeArg];
    return c;
  }

  /**
   * The class name this layer is saved under with its {@link Layer.getConfig}
   * (TensorFlow.js's `getClassName`): its `className`, unless a Keras class of
   * its own carries the configuration better.
   */
  getClassName(): string {
    return this.className;
  }

  /**
   * Rebuilds a layer from {@link Layer.getConfig}: `new this(config)`, which
   * suits a custom layer whose constructor reads its own options from config.
   * Built-in classes read their configuration their own way.
   */
  static fromConfig(config: LayerConfig): Layer {
    return new (this as unknown as new (c: LayerConfig) => Layer)(config);
  }

  /** Current weights (Keras order, e.g. kernel then bias). Requires the layer to be built in a model. */
  getWeights(): Tensor[] {
    const owner = layerOwner(this);
    if (!owner) throw new Error(`getWeights: layer '${this.name}' is not built yet (add it to a model and build or fit it)`);
    return owner.layerWeights(this);
  }

  /** Replaces the weights (same order and shapes as {@link Layer.getWeights}). */
  setWeights(weights: Tensor[]): void {
    const owner = layerOwner(this);
    if (!owner) throw new Error(`setWeights: layer '${this.name}' is not built yet`);
    owner.setLayerWeights(this, weights);
  }

  /** Number of scalar weights (requires a built layer). */
  countParams(): number {
    const shapes = layerInputShapes(this);
    if (!shapes) throw new Error(`countParams: layer '${this.name}' is not built yet`);
    return this.weightSpecsFor(shapes).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** @internal Layers operate on flat features; anything else needs a Flatten first. */
export function requireFlat(fn: string, layer: Layer, shape: unknown): number {
  const inputShape = checkInputShape(fn, shape);
  if (inputShape.length !== 1) {
    throw rangeError(fn, `layer '${layer.name}' expects flat input [batch, features], got per-sample shape ${show(inputShape)}; add tf.layers.flatten() before it`);
  }
  return inputShape[0];
}
