// Functional models (TensorFlow.js's tf.model, Keras's functional API): a
// LayersModel whose layers form any graph the caller wired with
// `layer.apply` from `tf.input` — skip connections, branches, merges, a layer
// applied twice (shared weights). It supplies its graph to LayersModel.build,
// which runs it through the same native executor as a Sequential chain.
import { checkOptions, rangeError, show, typeError } from '../errors';
import { FunctionalGraph, functionalGraph } from '../layers/functional_graph';
import { Layer, layerOwner, setLayerOwner } from '../layers/layer';
import { LayerNode, SymbolicTensor, nodeOf, sampleShape } from '../layers/symbolic_tensor';
import { LayersModel } from './layers_model';
import type { ModelGraph } from './native_graph';
import type { SummaryInputs } from './summary';
import type { InputSpec } from './data';
import type { OutputSpec } from './output_losses';

/** Options of {@link model}. */
export interface ModelArgs {
  /** The model's inputs: symbolic tensors from `tf.input` (one, or an array). Required. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's outputs: a symbolic tensor from `layer.apply`, or an array of them (several outputs). Required. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** Model name (default 'model', then 'model_1', ...). */
  name?: string;
}

const MODEL_OPTIONS = ['inputs', 'outputs', 'name'] as const;

let modelCounter = 0;

/**
 * A model made of layers wired with the functional API (skip connections,
 * branches, shared layers). Create one with {@link model}. TensorFlow.js
 * returns such models as a LayersModel, and so does loading one.
 */
export class Functional extends LayersModel {
  /** The Keras class name of functional models. */
  static readonly className = 'Functional';
  readonly #graph: FunctionalGraph;

  constructor(args: ModelArgs) {
    const fn = 'model';
    const a = checkOptions(fn, args, MODEL_OPTIONS, true);
    if (a.inputs === undefined) throw typeError(fn, 'inputs is required (a symbolic tensor from tf.input)');
    if (a.outputs === undefined) throw typeError(fn, 'outputs is required (a symbolic tensor from layer.apply)');
    if (a.name !== undefined && (typeof a.name !== 'string' || !a.name)) throw typeError(fn, `name must be a non-empty string, got ${show(a.name)}`);
    const graph = functionalGraph(fn, a.inputs, a.outputs);
    for (const layer of graph.layers) {
      const owner = layerOwner(layer) as { name?: unknown } | null;
      if (owner) throw new Error(`${fn}: layer '${layer.name}' is already in model '${String(owner.name)}'; a layer's weights belong to one model`);
    }
    super((a.name as string | undefined) ?? (modelCounter++ === 0 ? 'model' : `model_${modelCounter - 1}`));
    this.#graph = graph;
    for (const layer of graph.layers) setLayerOwner(layer, this, null);
    this.declareInputShape(sampleShape(graph.inputs[0]));
  }

  /** The layers, each once, in the order of their first application (model inputs are not layers). */
  get layers(): Layer[] {
    return [...this.#graph.layers];
  }

  /** Per-sample output shape (known from the graph before the model is built). */
  override get outputShape(): number[] | null {
    return super.outputShape ?? sampleShape(this.#graph.outputs[0]);
  }

  /** Names of the model's inputs, in order. */
  get inputNames(): string[] {
    return this.#graph.inputs.map((t) => t.name);
  }

  /**
   * Names of the layers whose outputs the model returns, in order; a state a
   * recurrent layer with returnState returns is `<layer>:<k>` (k >= 1).
   */
  get outputNames(): string[] {
    return this.#graph.outputs.map((t) => nodeOf(t)!.layer.name + (t.tensorIndex > 0 ? `:${t.tensorIndex}` : ''));
  }

  /** @internal */
  protected override multipleInputs(): InputSpec | null {
    const inputs = this.#graph.inputs;
    return inputs.length > 1 ? { names: this.inputNames, shapes: inputs.map(sampleShape) } : null;
  }

  /** @internal */
  protected override multipleOutputs(): OutputSpec | null {
    const outputs = this.#graph.outputs;
    return outputs.length > 1 ? { names: this.outputNames, sizes: outputs.map((t) => sampleShape(t).reduce((a, b) => a * b, 1)) } : null;
  }

  /** @internal */
  protected override inputShapesFor(): number[][] {
    return this.#graph.inputs.map(sampleShape);
  }

  /**
   * Builds the weights (done on first use) for the declared input shape;
   * another shape is refused. With several inputs, the first one's.
   */
  override build(inputShape?: number[]): void {
    const declared = sampleShape(this.#graph.inputs[0]);
    if (inputShape !== undefined && show(inputShape) !== show(declared)) {
      throw rangeError('build', `model '${this.name}' takes inputs of shape ${show(declared)} (input '${this.#graph.inputs[0].name}'), got ${show(inputShape)}`);
    }
    super.build(declared);
  }

  /** @internal */
  protected override summaryInputs(): SummaryInputs {
    return { names: this.inputNames, shapes: this.inputShapesFor() };
  }

  /** @internal */
  protected override topology(): ModelGraph {
    return modelGraphOf(this.#graph);
  }

  /** @internal The symbolic graph, for saving. */
  functionalGraph(): FunctionalGraph {
    return this.#graph;
  }
}

/** @internal The functional graph as model nodes (input `-1 - k` is model input k). */
export function modelGraphOf(graph: FunctionalGraph): ModelGraph {
  const index = new Map<LayerNode, number>(graph.nodes.map((n, i) => [n, i]));
  const refOf = (t: SymbolicTensor): number => {
    const made = nodeOf(t);
    return made ? index.get(made)! : -1 - graph.inputs.indexOf(t);
  };
  const tensorsOf = (list: readonly SymbolicTensor[]) => (list.some((t) => t.tensorIndex > 0) ? { tensors: list.map((t) => t.tensorIndex) } : {});
  const outputTensors = tensorsOf(graph.outputs).tensors;
  return {
    nodes: graph.nodes.map((n) => ({ layer: n.layer, inputs: n.inputs.map(refOf), ...tensorsOf(n.inputs) })),
    outputs: graph.outputs.map(refOf),
    ...(outputTensors ? { outputTensors } : {}),
  };
}

/**
 * A functional model from symbolic tensors (TensorFlow.js's `tf.model`):
 * `const x = tf.input({ shape: [784] })`, layers applied with
 * `layer.apply(x)`, then `tf.model({ inputs: x, outputs: y })`. Several
 * inputs (`inputs: [a, b]`) are fed as `fit([xa, xb], y)` or
 * `fit({ a: xa, b: xb }, y)` (by input name). Several outputs
 * (`outputs: [cls, score]`) take a loss each in compile (an array, or an
 * object by output name) with optional `lossWeights`, targets as
 * `fit(x, [yCls, yScore])` or by output name, and `predict` returns one
 * tensor per output.
 */
export function model(args: ModelArgs): Functional {
  return new Functional(args);
}
