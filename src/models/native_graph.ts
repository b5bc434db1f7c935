// How a model's layers become the native engine's nodes: the one place that
// turns a graph of layer applications (a chain for Sequential, a DAG for a
// functional model) into NativeModel's chain form or graph form.
//
// Each tensor has a TypeScript shape and a native shape. They are the same,
// except that Flatten has no native node: it passes its input on and only
// the shape it reports changes. So the native shape of a flattened tensor is
// its source's; where a consumer needs the flat one (a Dense after Flatten of
// an N-D tensor another layer made), the Flatten becomes a native reshape. A
// model input read only through Flatten is given to the engine flat, as the
// chain form always did, so a Sequential model runs as it did before graphs.
//
// A layer with several outputs (a recurrent layer with returnState: its
// output, then its final states) is one native node whose output packs them
// per sample; each output a consumer or the model reads gets a native
// outputPart node that cuts it out (native/layers/output_part.cc). So
// references to a layer's outputs carry a tensor index, as Keras's
// [layer, node, tensor] do, and the executor keeps one output per node.
import { show } from '../errors';
import type { Layer, NativeLayerSpec } from '../layers/layer';
import { native } from '../native';
import type { NativeGraphNode, NativeGraphSpec, NativeLayerSpec as NativeOptionsSpec } from '../native';
import { sizeOf } from './model_args';
import type { PlacedLayer } from './weight_layout';

/** @internal One application of a layer: what feeds each of its inputs (`-1 - k`: model input k; `j >= 0`: node j). */
export interface ModelNode {
  layer: Layer;
  inputs: number[];
  /** Per input, which output of node `inputs[k]` it reads (Keras's tensor index; absent: 0 for every input). */
  tensors?: number[];
}

/** @internal A model's layer applications, each after the nodes it reads, and the nodes whose outputs the model returns. */
export interface ModelGraph {
  nodes: ModelNode[];
  outputs: number[];
  /** Per model output, which output of its node it is (absent: 0 for every output). */
  outputTensors?: number[];
}

/** @internal What NativeModel is constructed from: the chain form (layers, input shape) or the graph form. */
export type NativeModelArgs = { chain: NativeOptionsSpec[]; input: number | number[] } | { graph: NativeGraphSpec };

/** @internal A model's graph, planned for the native engine. */
export interface NativePlan {
  /** Per model node, its per-sample output shape (its first output's, for a layer with several). */
  shapes: number[][];
  /** Per model node, the per-sample shape of each of its outputs (one, but for a layer with several). */
  nodeOutputShapes: number[][][];
  /** Each layer once, with the input shapes of its first application and its weights' native node. */
  placed: PlacedLayer[];
  native: NativeModelArgs;
  /** Per model output, its per-sample shape. */
  outputShapes: number[][];
  /** The applications of custom layers (native host nodes), by hostId. */
  hosts: HostNode[];
}

/** @internal One application of a custom layer: the native engine calls back into its call() (custom_layer_calls.ts). */
export interface HostNode {
  layer: Layer;
  inputShapes: number[][];
  outputShape: number[];
}

/** A tensor as the engine holds it: native node `ref` (or model input `-1 - k`) and its native shape. */
interface NativeTensor {
  ref: number;
  shape: number[];
}

/** @internal The chain of layers a Sequential model is. */
export function chainGraph(layers: Layer[]): ModelGraph {
  return { nodes: layers.map((layer, i) => ({ layer, inputs: [i - 1] })), outputs: [layers.length - 1] };
}

/**
 * @internal Works out every node's shapes and the native nodes; throws what
 * the layers throw for shapes they cannot take (labelled with their own
 * function) and Errors naming `fn` for a model the engine cannot run.
 */
export function planNativeModel(fn: string, modelName: string, graph: ModelGraph, inputShapes: number[][]): NativePlan {
  const specs = graph.nodes.map(() => null as NativeLayerSpec | null);
  // Per node, the shape of each of its outputs.
  const outShapes: number[][][] = [];
  const inShapesOf = (n: ModelNode) => n.inputs.map((r, k) => (r < 0 ? inputShapes[-1 - r] : outShapes[r][n.tensors?.[k] ?? 0]));
  // Shapes first, each layer asked for its native spec before its output shape (as build always did).
  graph.nodes.forEach((n, i) => {
    const inShapes = inShapesOf(n);
    specs[i] = n.layer.nativeSpecFor(inShapes);
    outShapes.push(n.layer.outputShapesFor(inShapes));
  });
  graph.nodes.forEach((n, i) => n.inputs.forEach((r, k) => {
    const t = n.tensors?.[k] ?? 0;
    if (r >= 0 && !(t < outShapes[r].length)) throw new Error(`${fn}: layer '${n.layer.name}' reads output ${t} of layer '${graph.nodes[r].layer.name}', which has ${outShapes[r].length}`);
  }));
  const shapes = outShapes.map((o) => o[0]);
  // The outputs of multi-output nodes that something reads, by `node:tensor`.
  const read = new Set<string>();
  graph.nodes.forEach((n) => n.inputs.forEach((r, k) => read.add(`${r}:${n.tensors?.[k] ?? 0}`)));
  graph.outputs.forEach((o, j) => read.add(`${o}:${graph.outputTensors?.[j] ?? 0}`));
  // A model input that only Flatten reads goes to the engine flat.
  const inputs: NativeTensor[] = inputShapes.map((s, k) => {
    const flat = s.length === 1 || graph.nodes.every((n, i) => !n.inputs.includes(-1 - k) || specs[i] === null);
    return { ref: -1 - k, shape: flat ? [sizeOf(s)] : [...s] };
  });

  const nodes: NativeGraphNode[] = [];
  // Per model node, each of its outputs as the engine holds it (absent: an output nothing reads).
  const tensors: NativeTensor[][] = [];
  const weightNode = new Map<Layer, number>();
  const placed = new Map<Layer, PlacedLayer>();
  const hosts: HostNode[] = [];
  graph.nodes.forEach((n, i) => {
    const inShapes = inShapesOf(n);
    const sources = n.inputs.map((r, k) => (r < 0 ? inputs[-1 - r] : tensors[r][n.tensors?.[k] ?? 0]));
    let spec = specs[i];
    if (spec === null) {
      // Flatten: the same values under another shape; a native reshape only where the native shape differs.
      const src = sources[0];
      if (show(src.shape) === show(shapes[i]) || src.shape.length === 1) {
        tensors.push([src]);
      } else {
        nodes.push({ layer: { kind: native.enums.layer.reshape, targetShape: [...shapes[i]] }, inputs: [src.ref] });
        tensors.push([{ ref: nodes.length - 1, shape: shapes[i] }]);
      }
    } else {
      sources.forEach((s, k) => {
        if (show(s.shape) !== show(inShapes[k])) throw new Error(`${fn}: internal error: layer '${n.layer.name}' reads native shape ${show(s.shape)} for ${show(inShapes[k])}`);
      });
      const weights = n.layer.weightSpecsFor(inShapes);
      if (!n.layer.trainable && weights.length > 0) spec = { ...spec, trainable: false };
      if (spec.kind === native.enums.layer.host) {
        spec = { ...spec, hostId: hosts.length };
        hosts.push({ layer: n.layer, inputShapes: inShapes.map((s) => [...s]), outputShape: [...shapes[i]] });
      }
      const owner = weightNode.get(n.layer);
      nodes.push({ layer: spec as NativeOptionsSpec, inputs: sources.map((s) => s.ref), ...(owner !== undefined && weights.length > 0 ? { shareWeightsWith: owner } : {}) });
      if (owner === undefined) weightNode.set(n.layer, nodes.length - 1);
      const outs = outShapes[i];
      if (outs.length === 1) {
        tensors.push([{ ref: nodes.length - 1, shape: shapes[i] }]);
      } else {
        // The packed output, cut into the outputs something reads; the first carries the mask on.
        const packed = nodes.length - 1;
        const parts: NativeTensor[] = [];
        let offset = 0;
        outs.forEach((shape, k) => {
          if (read.has(`${i}:${k}`)) {
            nodes.push({ layer: { kind: native.enums.layer.outputPart, offset, targetShape: [...shape], passMask: k === 0 } as NativeOptionsSpec, inputs: [packed] });
            parts[k] = { ref: nodes.length - 1, shape };
          }
          offset += sizeOf(shape);
        });
        tensors.push(parts);
      }
    }
    if (!placed.has(n.layer)) placed.set(n.layer, { layer: n.layer, inputShapes: inShapes, nativeNode: -1 });
  });
  for (const p of placed.values()) p.nativeNode = weightNode.get(p.layer) ?? -1;

  const outs = graph.outputs.map((o, j) => tensors[o][graph.outputTensors?.[j] ?? 0]);
  if (nodes.length === 0 || outs.some((t) => t.ref < 0)) throw new Error(`${fn}: model '${modelName}' needs at least one layer besides Flatten`);
  const refs = outs.map((t) => t.ref);
  if (new Set(refs).size !== refs.length) throw new Error(`${fn}: model '${modelName}' returns one tensor as two outputs; list each output once`);
  const outputShapes = graph.outputs.map((o, j) => outShapes[o][graph.outputTensors?.[j] ?? 0]);
  const isChain = inputs.length === 1 && refs.length === 1 && refs[0] === nodes.length - 1
    && nodes.every((nd, j) => nd.inputs.length === 1 && nd.inputs[0] === j - 1 && nd.shareWeightsWith === undefined);
  const nativeArgs: NativeModelArgs = isChain
    ? { chain: nodes.map((nd) => nd.layer), input: inputs[0].shape.length === 1 ? inputs[0].shape[0] : inputs[0].shape }
    : { graph: { inputs: inputs.map((t) => t.shape), nodes, ...(refs.length === 1 ? { output: refs[0] } : { outputs: refs }) } };
  return { shapes, nodeOutputShapes: outShapes, placed: [...placed.values()], native: nativeArgs, outputShapes, hosts };
}
