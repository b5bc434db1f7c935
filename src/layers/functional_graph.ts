// The graph `tf.model({ inputs, outputs })` describes: the layer applications
// the outputs need, in an order where each comes after what it reads, checked
// against the inputs the caller listed. Shared by the functional model
// (models/functional.ts) and the reader of saved functional models
// (io/model_json.ts), so both order layers and weights alike.
import { checkArray, rangeError, show, typeError } from '../errors';
import type { Layer } from './layer';
import { LayerNode, SymbolicTensor, isSymbolic, nodeOf } from './symbolic_tensor';

/** @internal The applications behind a model's outputs. */
export interface FunctionalGraph {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Every application the outputs need, each after the applications it reads. */
  nodes: LayerNode[];
  /** The layers, each once, in the order of their first application. */
  layers: Layer[];
}

function tensorList(fn: string, what: string, v: unknown): SymbolicTensor[] {
  const list = Array.isArray(v) ? [...checkArray(fn, what, v)] : [v];
  if (list.length === 0) throw typeError(fn, `${what} must be a symbolic tensor or a non-empty array of them, got []`);
  list.forEach((t, i) => {
    if (!isSymbolic(t)) throw typeError(fn, `${what}${Array.isArray(v) ? `[${i}]` : ''} must be a symbolic tensor (from tf.input or layer.apply), got ${show(t)}`);
  });
  return list as SymbolicTensor[];
}

/**
 * @internal Walks back from `outputs` to `inputs`. Refuses inputs that are
 * not model inputs, an output that needs an input not listed, a listed input
 * no output needs, and two layers (or a layer and an input) of one name.
 */
export function functionalGraph(fn: string, inputsArg: unknown, outputsArg: unknown): FunctionalGraph {
  const inputs = tensorList(fn, 'inputs', inputsArg);
  const outputs = tensorList(fn, 'outputs', outputsArg);
  inputs.forEach((t, i) => {
    const made = nodeOf(t);
    if (made) throw typeError(fn, `inputs${inputs.length > 1 ? `[${i}]` : ''} ('${t.name}') is the output of layer '${made.layer.name}'; model inputs come from tf.input`);
    if (inputs.indexOf(t) !== i) throw rangeError(fn, `input '${t.name}' is listed twice`);
  });
  for (const t of outputs) {
    if (!nodeOf(t)) throw rangeError(fn, `output '${t.name}' is a model input; a model needs at least one layer between its inputs and outputs`);
  }

  // Depth-first from the outputs, each node after its inputs' nodes (an explicit stack: models may be deep).
  const order: LayerNode[] = [];
  const done = new Set<LayerNode>();
  const reached = new Set<SymbolicTensor>();
  for (const out of outputs) {
    const start = nodeOf(out)!;
    if (done.has(start)) continue;
    const stack: { node: LayerNode; next: number }[] = [{ node: start, next: 0 }];
    const onStack = new Set<LayerNode>([start]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const t = top.node.inputs[top.next++];
        const from = nodeOf(t);
        if (!from) reached.add(t);
        else if (!done.has(from) && !onStack.has(from)) {
          stack.push({ node: from, next: 0 });
          onStack.add(from);
        }
      } else {
        stack.pop();
        onStack.delete(top.node);
        done.add(top.node);
        order.push(top.node);
      }
    }
  }
  for (const t of reached) {
    if (!inputs.includes(t)) throw rangeError(fn, `the outputs depend on input '${t.name}', which is not in inputs`);
  }
  for (const t of inputs) {
    if (!reached.has(t)) throw rangeError(fn, `input '${t.name}' is not used by any output`);
  }

  const layers: Layer[] = [];
  const seen = new Set<Layer>();
  const names = new Map<string, string>();
  for (const t of inputs) {
    if (names.has(t.name)) throw rangeError(fn, `two inputs are named '${t.name}'`);
    names.set(t.name, `input '${t.name}'`);
  }
  for (const n of order) {
    if (seen.has(n.layer)) continue;
    seen.add(n.layer);
    const other = names.get(n.layer.name);
    if (other) throw rangeError(fn, `layer '${n.layer.name}' has the name of ${other}; names must be unique within a model`);
    names.set(n.layer.name, `another layer (${n.layer.className})`);
    layers.push(n.layer);
  }
  return { inputs, outputs, nodes: order, layers };
}
