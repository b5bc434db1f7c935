// Sequential: the LayersModel whose layers form one chain, built with add()
// or a list of layers (TensorFlow.js's tf.sequential).
import type { Callback } from '../callbacks/callback';
import { checkArray, checkOptions, rangeError, show, typeError } from '../errors';
import { Layer, clearLayerOwner, isLayer, layerOwner, setLayerOwner } from '../layers/layer';
import { LayersModel } from './layers_model';
import type { ModelInputs } from './data';
import type { PredictArgs } from './model_args';
import type { Tensor } from '../tensor';

export type { CompileArgs, EvaluateArgs, FitArgs, PredictArgs } from './model_args';

/** Options of {@link sequential} in object form. */
export interface SequentialArgs {
  /** Layers to add in order (default none: add them with `add`). */
  layers?: Layer[];
  /** Model name (default 'sequential', then 'sequential_1', ...). */
  name?: string;
}

const SEQUENTIAL_OPTIONS = ['layers', 'name'] as const;

let modelCounter = 0;

/** A linear stack of layers. Create with {@link sequential}. */
export class Sequential extends LayersModel {
  #stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    const fn = 'sequential';
    const a = checkOptions(fn, args, SEQUENTIAL_OPTIONS, true);
    if (a.name !== undefined && (typeof a.name !== 'string' || !a.name)) throw typeError(fn, `name must be a non-empty string, got ${show(a.name)}`);
    super((a.name as string | undefined) ?? (modelCounter++ === 0 ? 'sequential' : `sequential_${modelCounter - 1}`));
    if (a.layers !== undefined) {
      for (const l of [...checkArray(fn, 'layers', a.layers, 'an array of layers')]) this.add(l as Layer);
    }
  }

  /** The layers, in order. */
  get layers(): Layer[] {
    return [...this.#stack];
  }

  /**
   * Appends a layer. On a built model the other layers keep their weights
   * and the model must be compiled again before training.
   */
  add(layer: Layer): void {
    const fn = 'add';
    if (!isLayer(layer)) throw typeError(fn, `expected a layer (e.g. tf.layers.dense({units: 10})), got ${show(layer)}`);
    if (this.#stack.includes(layer) || layerOwner(layer)) throw new Error(`add: layer '${layer.name}' is already in a model`);
    if (this.#stack.some((l) => l.name === layer.name)) throw new Error(`add: a layer named '${layer.name}' is already in the model`);
    if (this.#stack.length > 0 && layer.inputShapeArg) throw rangeError(fn, `only the first layer may set inputShape (layer '${layer.name}')`);
    // Keras refuses it too: every layer of a Sequential model has one output.
    if ((layer as { returnState?: unknown }).returnState === true) {
      throw typeError(fn, `layer '${layer.name}' (${layer.className}) has returnState, so it returns its output and its states; a Sequential model's layers return one tensor each (use the functional API, tf.model, for the states)`);
    }
    this.#stack.push(layer);
    setLayerOwner(layer, this, null);
    if (this.built) {
      try {
        this.layersChanged(fn);
      } catch (e) {
        this.#stack.pop();
        clearLayerOwner(layer);
        throw e;
      }
      return;
    }
    // NOTE: the declared input shape is recorded, not built: building here would
    // build a one-layer model and make every later add() fail. The weights are
    // created on first use, with this shape.
    if (this.#stack.length === 1 && layer.inputShapeArg) this.declareInputShape(layer.inputShapeArg);
  }

  /**
   * Removes the last layer (Keras's `pop`), e.g. to put another head on a
   * loaded model. The other layers keep their weights; the removed layer may
   * go into another model. Compile again before training.
   */
  pop(): void {
    const fn = 'pop';
    if (this.#stack.length === 0) throw typeError(fn, `model '${this.name}' has no layers`);
    const layer = this.#stack.pop()!;
    try {
      this.layersChanged(fn);
    } catch (e) {
      this.#stack.push(layer);
      throw e;
    }
    clearLayerOwner(layer);
  }

  /** Predictions for x [N, ...features] → [N, units] (a Sequential model has one output). */
  override predict(x: ModelInputs, args: PredictArgs = {}): Tensor {
    return super.predict(x, args) as Tensor;
  }

  /** {@link predict} on a worker thread; see {@link LayersModel.predictAsync}. */
  override async predictAsync(x: ModelInputs, args: PredictArgs = {}): Promise<Tensor> {
    return (await super.predictAsync(x, args)) as Tensor;
  }
}

/** Creates a Sequential model from layers, or from `{ layers, name }`. */
export function sequential(config?: Layer[] | SequentialArgs): Sequential {
  if (Array.isArray(config)) return new Sequential({ layers: config });
  return new Sequential(config ?? {});
}

export type { Callback };
