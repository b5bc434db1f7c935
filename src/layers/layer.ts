// The Layer contract (Keras's life cycle): the constructor stores the config,
// the model builds it for an input shape, the native engine runs it, and
// getConfig() round-trips it. Weights live in the model's native arena.
import { rangeError, show, typeError } from '../errors';
import type { Initializer } from '../initializers';
import { Tensor } from '../tensor';

/** Options every layer accepts. */
export interface LayerArgs {
  /** Unique name; default: the class name in snake_case plus a counter (`dense_1`). */
  name?: string;
  /** Shape of one input sample, without the batch dimension (first layer only). */
  inputShape?: number[];
  /** Shape including the batch dimension (`[null, 784]`); an alternative to inputShape. */
  batchInputShape?: (number | null)[];
  /** Whether the layer's weights are updated by training (default true). Only `true` is supported for now. */
  trainable?: boolean;
}

/** @internal The layer as the native engine sees it (native/network.h LayerSpec). */
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

function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Base class of every layer. */
export abstract class Layer {
  /** The Keras class name, e.g. 'Dense'. */
  abstract readonly className: string;
  /** Unique layer name. */
  readonly name: string;
  /** Whether training updates this layer's weights. */
  readonly trainable: boolean;
  /** @internal Input shape given by the user (first layer). */
  readonly inputShapeArg?: number[];
  /** @internal Set when a model builds this layer. */
  owner: WeightOwner | null = null;
  /** @internal Per-sample input shape once built. */
  builtInputShape: number[] | null = null;

  protected constructor(fn: string, className: string, args: LayerArgs) {
    if (args !== undefined && (typeof args !== 'object' || args === null)) throw typeError(fn, `options must be an object, got ${show(args)}`);
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
    if (args.trainable !== undefined && args.trainable !== true) {
      throw rangeError(fn, 'trainable: false is not supported yet');
    }
    this.trainable = true;
    let shape = args.inputShape;
    if (shape === undefined && args.batchInputShape !== undefined) {
      if (!Array.isArray(args.batchInputShape)) throw typeError(fn, `batchInputShape must be an array, got ${show(args.batchInputShape)}`);
      shape = args.batchInputShape.slice(1) as number[];
    }
    if (shape !== undefined) {
      if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw rangeError(fn, `inputShape must be a non-empty array of positive integers, got ${show(shape)}`);
      }
      this.inputShapeArg = [...shape];
    }
  }

  /** Output shape of one sample for a given input shape (no batch dimension). */
  abstract computeOutputShape(inputShape: number[]): number[];

  /** @internal Native spec, or null for layers that only reinterpret the shape (Flatten). */
  abstract toNative(inputShape: number[]): NativeLayerSpec | null;

  /** @internal Weights in Keras order for a given input shape. */
  weightSpecs(_inputShape: number[]): WeightSpec[] {
    return [];
  }

  /** The layer's options, in Keras/TensorFlow.js config form (camelCase). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.inputShapeArg) c.batchInputShape = [null, ...this.inputShapeArg];
    return c;
  }

  /** Current weights (Keras order, e.g. kernel then bias). Requires the layer to be built in a model. */
  getWeights(): Tensor[] {
    if (!this.owner) throw new Error(`getWeights: layer '${this.name}' is not built yet (add it to a model and build or fit it)`);
    return this.owner.layerWeights(this);
  }

  /** Replaces the weights (same order and shapes as {@link Layer.getWeights}). */
  setWeights(weights: Tensor[]): void {
    if (!this.owner) throw new Error(`setWeights: layer '${this.name}' is not built yet`);
    this.owner.setLayerWeights(this, weights);
  }

  /** Number of scalar weights (requires a built layer). */
  countParams(): number {
    if (!this.builtInputShape) throw new Error(`countParams: layer '${this.name}' is not built yet`);
    return this.weightSpecs(this.builtInputShape).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** @internal Layers operate on flat features; anything else needs a Flatten first. */
export function requireFlat(fn: string, layer: Layer, inputShape: number[]): number {
  if (!Array.isArray(inputShape)) throw typeError(fn, `inputShape must be an array of integers, got ${show(inputShape)}`);
  if (inputShape.length !== 1) {
    throw rangeError(fn, `layer '${layer.name}' expects flat input [batch, features], got per-sample shape ${show(inputShape)}; add tf.layers.flatten() before it`);
  }
  return inputShape[0];
}
