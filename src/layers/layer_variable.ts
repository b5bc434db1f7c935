// A custom layer's weight, as TensorFlow.js's LayerVariable: what addWeight
// returns and call() reads with read(). Once the layer is in a built model,
// the model's weight arena holds the values (the optimizer updates them
// there, save and getWeights read them there); read() gives a tf.Variable
// with those values, written fresh before each call the model makes.
import { Variable, adoptValues, writeValues } from '../autodiff/variable';
import { rangeError, show, typeError } from '../errors';
import type { Initializer } from '../initializers';
import { Random } from '../random';
import { Tensor, checkTensor, tensor } from '../tensor';

/** @internal What a LayerVariable needs of its layer (layer.ts implements it; no import cycle). */
export interface VariableHost {
  readonly name: string;
  customWeights(): readonly LayerVariable[];
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  readonly owner: unknown;
}

/** @internal The proof that addWeight, not a caller, makes a LayerVariable. */
export const MAKE_LAYER_VARIABLE: unique symbol = Symbol('LayerVariable');

/** @internal Nesting depth of the model's calls into custom layers: inside one, the variables already hold the model's values. */
export const HOST_CALLS = { depth: 0 };

/** A custom layer's weight (TensorFlow.js's LayerVariable), made by {@link Layer.addWeight}. */
export class LayerVariable {
  /** `<layer name>/<weight name>`, as TensorFlow.js names layer weights. */
  readonly name: string;
  /** The name given to addWeight. */
  readonly originalName: string;
  readonly shape: number[];
  readonly dtype = 'float32' as const;
  /** Whether training updates it (also false while its layer is frozen). */
  get trainable(): boolean {
    return this.#trainable && (this.#layer as unknown as { trainable: boolean }).trainable;
  }
  /** @internal */
  readonly initializer: Initializer;
  readonly #trainable: boolean;
  readonly #layer: VariableHost;
  readonly #value: Variable;

  /** @internal Made by addWeight. */
  constructor(token: typeof MAKE_LAYER_VARIABLE, layer: VariableHost, name: string, shape: number[], initializer: Initializer, trainable: boolean) {
    if (token !== MAKE_LAYER_VARIABLE) throw typeError('LayerVariable', 'is made by layer.addWeight(name, shape, ...) in a custom layer\'s build()');
    this.#layer = layer;
    this.originalName = name;
    this.name = `${layer.name}/${name}`;
    this.shape = [...shape];
    this.initializer = initializer;
    this.#trainable = trainable;
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    initializer.fill(values, shape, new Random(Math.floor(Math.random() * 2 ** 31)));
    const initial = tensor(values, shape);
    // Not trainable as a tf.Variable: the model's optimizer updates it, not optimizer.minimize's default list.
    this.#value = new Variable(initial, false);
    initial.dispose();
  }

  #index(): number {
    return this.#layer.customWeights().indexOf(this);
  }

  /** The current values as a tf.Variable (the model's, once the layer is in a built model). */
  read(): Variable {
    if (HOST_CALLS.depth === 0 && this.#layer.owner) {
      const current = this.#layer.getWeights();
      writeValues(this.#value, current[this.#index()].dataSync());
      for (const t of current) t.dispose();
    }
    return this.#value;
  }

  /** Replaces the values (in the model's weights too, once the layer is in a built model). */
  write(value: Tensor): void {
    const fn = 'LayerVariable.write';
    checkTensor(fn, 'value', value);
    if (value.rank !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw rangeError(fn, `weight '${this.name}' has shape ${show(this.shape)}, got ${show(value.shape)}`);
    }
    if (this.#layer.owner) {
      const current = this.#layer.getWeights();
      current[this.#index()].dispose();
      current[this.#index()] = value;
      this.#layer.setWeights(current);
      current.forEach((t, i) => i !== this.#index() && t.dispose());
    }
    writeValues(this.#value, value.dataSync());
  }

  /**
   * @internal The model's values before a call (no copy back into the model):
   * the engine's array itself, which the caller keeps and never writes.
   */
  load(values: Float32Array): void {
    adoptValues(this.#value, values);
  }

  /** @internal The tf.Variable call() reads, for the tape. */
  get variable(): Variable {
    return this.#value;
  }
}
