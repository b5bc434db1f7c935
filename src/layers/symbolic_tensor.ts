// The functional API's placeholders (TensorFlow.js's SymbolicTensor, Keras's
// KerasTensor): `tf.input` makes one for a model input, and each
// `layer.apply(symbolic)` records one application of the layer (a node) and
// returns its output. Nothing is computed: the shapes are worked out and
// checked, and `tf.model` (models/functional.ts) turns the recorded graph into
// a model. A layer applied twice is one set of weights used by two nodes.
import { checkArray, checkOptions, rangeError, show, typeError } from '../errors';
import { Tensor } from '../tensor';
import type { Layer } from './layer';

/** One application of a layer: the tensors it read and those it made (one, but for a recurrent layer with returnState). */
export interface LayerNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  /** The layer's n-th application (Keras's node index). */
  readonly index: number;
}

/** Options of {@link input}. */
export interface InputArgs {
  /** Shape of one sample, without the batch dimension (`[784]`). Required unless batchShape is given. */
  shape?: number[];
  /** Shape with the batch dimension first (`[null, 784]`); an alternative to shape. */
  batchShape?: (number | null)[];
  /** Name of the input (default 'input_1', 'input_2', ...). */
  name?: string;
  /** Element type (default 'float32', the only one models compute in). */
  dtype?: 'float32';
  /** Whether the input is sparse (default false; only false is supported). */
  sparse?: boolean;
}

const INPUT_OPTIONS = ['shape', 'batchShape', 'name', 'dtype', 'sparse'] as const;

/** Symbolic tensors `new` may make: only {@link input} and `apply` create them. */
const making = { allowed: false };
let inputCounter = 0;

/**
 * A placeholder for the tensor a model input or a layer's output will hold,
 * with its shape (batch dimension first, as `null`). Made by {@link input} and
 * by `layer.apply`, consumed by `layer.apply` and `tf.model`.
 */
export class SymbolicTensor {
  /** The input's name, or the name of the layer that makes it (with `_<n>` for its n-th application, n > 0). */
  readonly name: string;
  /** Shape with the batch dimension first (`[null, 784]`). */
  readonly shape: (number | null)[];
  /** Element type. */
  readonly dtype = 'float32' as const;
  /** The layer whose output it is, or null for a model input. */
  readonly sourceLayer: Layer | null;
  /** The tensors the source layer read to make it (none for a model input). */
  readonly inputs: readonly SymbolicTensor[];
  /** Which application of the source layer made it (0 for the first, and for a model input). */
  readonly nodeIndex: number;
  /**
   * Which of that application's outputs it is (Keras's tensor_index): 0 but
   * for the states a recurrent layer with returnState returns after its output.
   */
  readonly tensorIndex: number;

  /** @internal Use {@link input} or `layer.apply`. */
  constructor(name: string, sampleShape: readonly number[], node: LayerNode | null, tensorIndex = 0) {
    if (!making.allowed) throw typeError('SymbolicTensor', 'is made by tf.input(...) and layer.apply(...), not with new');
    this.name = name;
    this.shape = [null, ...sampleShape];
    this.sourceLayer = node?.layer ?? null;
    this.inputs = node ? [...node.inputs] : [];
    this.nodeIndex = node?.index ?? 0;
    this.tensorIndex = tensorIndex;
    Object.freeze(this.shape);
    Object.freeze(this.inputs);
    nodes.set(this, node);
    Object.freeze(this);
  }

  /** Number of dimensions, the batch one included. */
  get rank(): number {
    return this.shape.length;
  }
}

/** The node that made each symbolic tensor (null: a model input); out of reach of callers. */
const nodes = new WeakMap<SymbolicTensor, LayerNode | null>();
/** Each layer's applications, in order. */
const applications = new WeakMap<Layer, LayerNode[]>();

/** @internal Whether `v` is a symbolic tensor this module made. */
export function isSymbolic(v: unknown): v is SymbolicTensor {
  return v instanceof SymbolicTensor && nodes.has(v);
}

/** @internal The node that made `t`, or null for a model input. */
export function nodeOf(t: SymbolicTensor): LayerNode | null {
  return nodes.get(t) ?? null;
}

/** @internal The shape of one sample of `t` (no batch dimension). */
export function sampleShape(t: SymbolicTensor): number[] {
  return t.shape.slice(1) as number[];
}

/** @internal The layer's applications so far, in order. */
export function layerApplications(layer: Layer): readonly LayerNode[] {
  return applications.get(layer) ?? [];
}

function make(name: string, shape: readonly number[], node: LayerNode | null, tensorIndex = 0): SymbolicTensor {
  making.allowed = true;
  try {
    return new SymbolicTensor(name, shape, node, tensorIndex);
  } finally {
    making.allowed = false;
  }
}

/**
 * A model input (TensorFlow.js's `tf.input`, Keras's `keras.Input`): a
 * symbolic tensor to apply layers to and pass to `tf.model` as `inputs`.
 */
export function input(args: InputArgs): SymbolicTensor {
  const fn = 'input';
  const a = checkOptions(fn, args, INPUT_OPTIONS, true);
  if (a.dtype !== undefined && a.dtype !== 'float32') throw rangeError(fn, `dtype must be 'float32' (models compute in float32), got ${show(a.dtype)}`);
  if (a.sparse !== undefined && a.sparse !== false) throw rangeError(fn, `sparse inputs are not supported, got sparse ${show(a.sparse)}`);
  if (a.shape !== undefined && a.batchShape !== undefined) throw typeError(fn, 'give shape or batchShape, not both');
  let shape: unknown = a.shape;
  if (a.batchShape !== undefined) {
    if (!Array.isArray(a.batchShape) || a.batchShape.length < 2) throw rangeError(fn, `batchShape must be [batch, ...sample dimensions], got ${show(a.batchShape)}`);
    if (a.batchShape[0] !== null && a.batchShape[0] !== undefined) {
      throw rangeError(fn, `the batch dimension of batchShape must be null (any batch size), got ${show(a.batchShape[0])}`);
    }
    shape = a.batchShape.slice(1);
  }
  if (shape === undefined) throw typeError(fn, 'shape is required (the shape of one sample, e.g. [784])');
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d > 2 ** 31)) {
    throw rangeError(fn, `shape must be a non-empty array of positive integers (one sample, no batch dimension), got ${show(shape)}`);
  }
  if (shape.reduce((p: number, d: number) => p * d, 1) > 2 ** 31) throw rangeError(fn, `shape ${show(shape)} has more than 2^31 elements per sample`);
  let name: string;
  if (a.name !== undefined) {
    if (typeof a.name !== 'string' || a.name === '') throw typeError(fn, `name must be a non-empty string, got ${show(a.name)}`);
    name = a.name;
  } else {
    name = `input_${++inputCounter}`;
  }
  return make(name, shape as number[], null);
}

/**
 * @internal `layer.apply(inputs)`: checks the inputs, works out the output
 * shape with the layer's own rules, and records the application. A layer
 * with weights applied again must get inputs those same weights fit.
 */
export function applyLayer(layer: Layer, inputs: unknown): SymbolicTensor | SymbolicTensor[] {
  const fn = 'apply';
  if (inputs instanceof Tensor) {
    throw typeError(fn, `layer '${layer.name}' was given a Tensor; apply layers to symbolic tensors (tf.input(...)) and run the model with predict`);
  }
  const list = Array.isArray(inputs) ? [...checkArray(fn, `layer '${layer.name}': inputs`, inputs, 'a symbolic tensor or an array of them')] : [inputs];
  if (list.length === 0) throw typeError(fn, `layer '${layer.name}' needs at least one input, got []`);
  list.forEach((t, i) => {
    if (!isSymbolic(t)) {
      throw typeError(fn, `layer '${layer.name}': ${Array.isArray(inputs) ? `inputs[${i}]` : 'the input'} must be a symbolic tensor (from tf.input or layer.apply), got ${show(t)}`);
    }
  });
  const tensors = list as SymbolicTensor[];
  const shapes = tensors.map(sampleShape);
  let outs: number[][];
  try {
    // Both checks build makes, so a shape the engine cannot run is refused here, where the caller wired it.
    layer.nativeSpecFor(shapes);
    outs = layer.outputShapesFor(shapes);
  } catch (e) {
    // The layer names its own function; apply is what the caller called.
    if (e instanceof Error) e.message = `${fn}: ${e.message.replace(/^[\w.]+: /, '')}`;
    throw e;
  }
  const previous = applications.get(layer) ?? [];
  if (previous.length > 0) {
    const first = previous[0].inputs.map(sampleShape);
    const had = layer.weightSpecsFor(first);
    const needs = layer.weightSpecsFor(shapes);
    const same = had.length === needs.length && had.every((w, k) => w.name === needs[k].name && show(w.shape) === show(needs[k].shape));
    if (!same) {
      const describe = (ws: typeof had) => ws.map((w) => `${w.name} ${show(w.shape)}`).join(', ') || 'no weights';
      throw rangeError(fn, `layer '${layer.name}' was first applied to inputs of shape ${shapes.length > 1 ? show(first) : show(first[0])} (${describe(had)}); `
        + `applying it again shares those weights, and inputs of shape ${shapes.length > 1 ? show(shapes) : show(shapes[0])} would need ${describe(needs)}`);
    }
  }
  const node: LayerNode = Object.freeze({ layer, inputs: Object.freeze([...tensors]), index: previous.length });
  applications.set(layer, [...previous, node]);
  const name = node.index === 0 ? layer.name : `${layer.name}_${node.index}`;
  if (outs.length === 1) return make(name, outs[0], node);
  // Several outputs (Keras's list): the output, then the states, named name, name:1, name:2, ...
  return outs.map((shape, k) => make(k === 0 ? name : `${name}:${k}`, shape, node, k));
}

/**
 * What `layer.apply` returns for a layer of type L: one symbolic tensor, or
 * for a layer with several outputs (a recurrent layer or a bidirectional one
 * with `returnState: true`) the array `[output, ...states]`; both where the
 * type does not say which (`returnState: boolean`).
 */
export type LayerOutput<L> = L extends { readonly returnState: true } ? SymbolicTensor[]
  : L extends { readonly returnState: false } ? SymbolicTensor
  : L extends { readonly returnState: boolean } ? SymbolicTensor | SymbolicTensor[]
  : SymbolicTensor;
