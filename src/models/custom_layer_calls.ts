// The model's side of custom layers (tf.layers.Layer subclasses): the native
// engine runs every built-in layer and, at a custom layer's node (a host node,
// native/host_layer.h), calls back here on the JavaScript thread. Forward
// runs the layer's call() on a gradient tape of its own with the model's
// current weight values; in training the recording is kept until the engine
// asks for the backward pass, which returns dLoss/d(inputs) and
// dLoss/d(weights) for the engine's fused optimizer step. Everything a call
// creates is freed once its values are copied out. The engine hands over a
// node's weights only when they changed (binding/host_hooks.h): the arrays
// of the last change are kept here, read-only, and loaded into the layer's
// variables again only if something wrote those variables since.
import { Recording, recordForBackward } from '../autodiff/backprop';
import { show, typeError } from '../errors';
import { HOST_CALLS, LayerVariable } from '../layers/layer_variable';
import type { HostBackward, HostForward } from '../native';
import { Tensor, tensor } from '../tensor';
import type { HostNode } from './native_graph';

interface Pending {
  recording: Recording;
  inputs: Tensor[];
}

/** A node's weights as the engine last handed them over, and each variable's version once loaded from them. */
interface Loaded {
  arrays: Float32Array[];
  versions: number[];
}

/** A call's output as the engine takes it, after checking it is what computeOutputShape promised. */
function outputValues(fn: string, node: HostNode, y: Tensor, batch: number): Float32Array {
  const want = [batch, ...node.outputShape];
  if (y.rank !== want.length || y.shape.some((d, i) => d !== want[i])) {
    throw typeError(fn, `layer '${node.layer.name}' returned shape ${show(y.shape)}, but computeOutputShape gives ${show([null, ...node.outputShape])} (batch ${batch})`);
  }
  if (y.dtype !== 'float32') throw typeError(fn, `layer '${node.layer.name}' must return a float32 tensor, got ${y.dtype}`);
  return y.dataSync() as Float32Array;
}

/** A gradient as the engine takes it: a copy (the recording frees its tensors), zeros where the output does not depend on the tensor. */
function gradientValues(g: Tensor | null, size: number): Float32Array {
  return g === null ? new Float32Array(size) : Float32Array.from(g.dataSync() as Float32Array);
}

/** @internal The forward and backward functions a model with custom layers hands to its native model (setHostCallbacks). */
export function customLayerCalls(nodes: readonly HostNode[]): { forward: HostForward; backward: HostBackward } {
  const pending = new Map<number, Pending>();
  const loaded = new Map<number, Loaded>();
  /** Loads the node's weights into its variables: the engine's new arrays, or (null: unchanged) the kept ones where a variable was written since. */
  const loadWeights = (hostId: number, vars: readonly LayerVariable[], weights: Float32Array[] | null): void => {
    if (vars.length === 0) return;
    let l = loaded.get(hostId);
    if (weights !== null) {
      l = { arrays: weights, versions: vars.map(() => -1) };
      loaded.set(hostId, l);
    }
    if (l === undefined || l.arrays.length !== vars.length) {
      throw new Error(`custom layer '${nodes[hostId].layer.name}': the engine passed no weights and none are kept`);
    }
    vars.forEach((v, k) => {
      if (v.variable.version === l.versions[k]) return;
      v.load(l.arrays[k]);
      l.versions[k] = v.variable.version;
    });
  };
  const drop = (hostId: number): void => {
    const p = pending.get(hostId);
    if (!p) return;
    pending.delete(hostId);
    p.recording.release();
    for (const t of p.inputs) t.dispose();
  };

  const forward: HostForward = (hostId, training, batch, inputs, weights) => {
    const node = nodes[hostId];
    const layer = node.layer;
    const fn = `${layer.className}.call`;
    drop(hostId);  // a training pass that never reached its backward (an error after it)
    const vars = layer.customWeights();
    loadWeights(hostId, vars, weights);
    const xs = inputs.map((a, k) => tensor(a, [batch, ...node.inputShapes[k]]));
    HOST_CALLS.depth++;
    let recording: Recording | null = null;
    try {
      recording = recordForBackward(fn, () => layer.call(xs.length === 1 ? xs[0] : xs, { training }), [...xs, ...vars.map((v) => v.variable)]);
      // The output's own array: dataSync() hands it out, so releasing the
      // recording leaves it to the garbage collector, after the engine copied it.
      const values = outputValues(fn, node, recording.value, batch);
      if (!training) return values;
      pending.set(hostId, { recording, inputs: xs });
      recording = null;
      return values;
    } finally {
      HOST_CALLS.depth--;
      if (recording !== null || !pending.has(hostId)) {
        recording?.release();
        for (const t of xs) t.dispose();
      }
    }
  };

  const backward: HostBackward = (hostId, batch, dOut, needed) => {
    const node = nodes[hostId];
    const p = pending.get(hostId);
    if (!p) throw new Error(`custom layer '${node.layer.name}': a backward pass without its training call`);
    HOST_CALLS.depth++;
    const dy = tensor(dOut, [batch, ...node.outputShape]);
    try {
      const grads = p.recording.backward(dy);
      const vars = node.layer.customWeights();
      const n = p.inputs.length;
      return {
        dInputs: needed.map((need, k) => (need ? gradientValues(grads[k], p.inputs[k].size) : null)),
        dWeights: vars.map((v, j) => (v.trainable ? gradientValues(grads[n + j], v.shape.reduce((a, b) => a * b, 1)) : null)),
      };
    } finally {
      HOST_CALLS.depth--;
      dy.dispose();
      drop(hostId);
    }
  };
  return { forward, backward };
}
