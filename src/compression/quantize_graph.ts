// tf.quantization.quantize for models other than a chain of Dense layers:
// convolutional Sequential models and functional models (issue 20). The
// model's graph runs in the native graph executor as the float model does,
// with each Dense, Conv2D and Conv1D application replaced by an
// inference-only int8 node (native/layers/quantized_dense.cc,
// quantized_conv2d.cc): uint8 activations (scale and zero point from the
// range of that node's input over the calibration data, observed by running
// the float graph with those inputs as extra outputs), int8 weights per
// output channel or per tensor, int32 accumulation, fused dequantization and
// bias, then the activation. Every other layer runs in float32 with a copy
// of the float model's weights, so the original model is never modified and
// later changes to it do not reach the quantized one.
import { rangeError, typeError } from '../errors';
import { isCustomLayer, Layer } from '../layers/layer';
import { native } from '../native';
import type { NativeModel } from '../native';
import { sizeOf } from '../models/model_args';
import { ModelGraph, ModelNode, planNativeModel } from '../models/native_graph';
import { WeightLayout } from '../models/weight_layout';

/** The layer classes made int8. */
export const QUANTIZED_CLASSES = ['Dense', 'Conv2D', 'Conv1D'] as const;
/** Layer classes refused: recurrent layers keep float state across steps. */
const REFUSED = new Set(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional']);
const NATIVE_KIND: Record<string, 'quantizedDense' | 'quantizedConv2d' | 'quantizedConv1d'> = {
  Dense: 'quantizedDense', Conv2D: 'quantizedConv2d', Conv1D: 'quantizedConv1d',
};
/** Int8Path names in the order of native's Int8Path codes. */
export const PATH_CODES = ['portable', 'avx2', 'avx-vnni', 'avx512-vnni'] as const;

/** @internal One int8 node: the float layer's int8 weights and its input's uint8 quantization. */
export interface QuantizedNodeParams {
  /** Inputs per output (kh * kw * channels for a convolution) and outputs (units / filters). */
  inputs: number;
  units: number;
  /** [inputs, units] row-major (a convolution's HWIO kernel flattened), values in [-127, 127]. */
  kernel: Int8Array;
  weightScales: Float32Array;
  /** Float32 bias, or null without one. */
  bias: Float32Array | null;
  inputScale: number;
  inputZeroPoint: number;
}

/** @internal One layer application of a quantized graph. */
export interface QuantizedGraphNode {
  /** The float layer (its options, shapes and, when not quantized, its float computation). */
  layer: Layer;
  inputs: number[];
  tensors?: number[];
  /** Set where the node runs int8. */
  quantized: QuantizedNodeParams | null;
}

/** @internal The float weights of the layers that stay float, by layer, in Keras order. */
export type FloatWeights = Map<Layer, Float32Array[]>;

/** @internal A quantized model run by the graph executor. */
export class QuantizedGraph {
  /** Per-sample shape of each model input, and their names (one input: ['input']); predict rows pack them in order. */
  readonly inputShapes: number[][];
  readonly inputNames: string[];
  readonly nodes: QuantizedGraphNode[];
  readonly outputs: number[];
  readonly outputTensors: number[] | undefined;
  readonly floatWeights: FloatWeights;
  /** Per-sample output shape (one flat output). */
  readonly outputShape: number[];
  /** Per node, the per-sample shapes of its inputs. */
  readonly nodeInputShapes: number[][][];
  /** Per node, the per-sample shape of its (first) output. */
  readonly outputShapes: number[][];
  readonly #native = new Map<string, NativeModel>();

  constructor(fn: string, name: string, inputShapes: number[][], inputNames: string[], nodes: QuantizedGraphNode[], outputs: number[], outputTensors: number[] | undefined, floatWeights: FloatWeights) {
    this.inputShapes = inputShapes;
    this.inputNames = inputNames;
    this.nodes = nodes;
    this.outputs = outputs;
    this.outputTensors = outputTensors;
    this.floatWeights = floatWeights;
    const { nm, plan } = buildNative(fn, name, this, null);
    if (plan.outputShapes.length !== 1 || plan.outputShapes[0].length !== 1) throw rangeError(fn, `model '${name}' must have one output of flat features`);
    this.outputShape = plan.outputShapes[0];
    this.outputShapes = plan.shapes;
    this.nodeInputShapes = nodes.map((n) => n.inputs.map((r, k) => (r < 0 ? inputShapes[-1 - r] : plan.nodeOutputShapes[r][n.tensors?.[k] ?? 0])));
    this.#native.set('default', nm);
  }

  /** The native model running int8 through `path` (default: the widest this CPU runs), made once per path. */
  native(fn: string, name: string, path?: string): NativeModel {
    const key = path ?? 'default';
    let nm = this.#native.get(key);
    if (!nm) {
      nm = buildNative(fn, name, this, path ?? null).nm;
      this.#native.set(key, nm);
    }
    return nm;
  }
}

/** The native options of an int8 node standing in for `node`'s float layer. */
function quantizedSpec(node: QuantizedGraphNode, q: QuantizedNodeParams, inShapes: number[][], path: string | null): Record<string, unknown> {
  const { kind: _k, l1: _l1, l2: _l2, trainable: _t, ...options } = node.layer.nativeSpecFor(inShapes) as unknown as Record<string, unknown>;
  const fan = inShapes[0][inShapes[0].length - 1];
  return {
    ...options, kind: native.enums.layer[NATIVE_KIND[node.layer.className]],
    ...(node.layer.className === 'Dense' ? { inputs: fan } : { channels: fan }),
    kernel: q.kernel, weightScales: q.weightScales, bias: q.bias ?? [], useBias: q.bias !== null,
    inputScale: q.inputScale, inputZeroPoint: q.inputZeroPoint,
    ...(path === null ? {} : { path: PATH_CODES.indexOf(path as (typeof PATH_CODES)[number]) }),
  };
}

/**
 * @internal The native model of a graph: int8 nodes where `quantized` is set
 * (path null: the default), float layers with their weights elsewhere. With
 * `extraOutputs`, the float graph returning those tensors too (calibration).
 */
function buildNative(fn: string, name: string, g: Pick<QuantizedGraph, 'inputShapes' | 'nodes' | 'outputs' | 'outputTensors' | 'floatWeights'>, path: string | null,
  extraOutputs: [number, number][] = []): { nm: NativeModel; plan: ReturnType<typeof planNativeModel> } {
  const nodes: ModelNode[] = g.nodes.map((n) => {
    const q = n.quantized;
    if (!q) return { layer: n.layer, inputs: n.inputs, ...(n.tensors ? { tensors: n.tensors } : {}) };
    // A stand-in with no weights of its own: planNativeModel asks it for shapes and its native options only.
    const standIn = {
      name: n.layer.name, className: n.layer.className, trainable: false,
      nativeSpecFor: (s: number[][]) => quantizedSpec(n, q, s, path),
      outputShapesFor: (s: number[][]) => n.layer.outputShapesFor(s),
      weightSpecsFor: () => [],
    } as unknown as Layer;
    return { layer: standIn, inputs: n.inputs, ...(n.tensors ? { tensors: n.tensors } : {}) };
  });
  const graph: ModelGraph = {
    nodes, outputs: [...g.outputs, ...extraOutputs.map(([r]) => r)],
    outputTensors: [...g.outputs.map((_, j) => g.outputTensors?.[j] ?? 0), ...extraOutputs.map(([, t]) => t)],
  };
  const plan = planNativeModel(fn, name, graph, g.inputShapes);
  const nm = 'chain' in plan.native ? new native.NativeModel(plan.native.chain, plan.native.input) : new native.NativeModel(plan.native.graph);
  const layout = new WeightLayout(fn, nm, plan.placed);
  const params = new Float32Array(layout.trainableSize);
  const state = new Float32Array(layout.stateSize);
  const seen = new Map<Layer, number>();
  for (const s of layout.slots) {
    const k = seen.get(s.layer) ?? 0;
    seen.set(s.layer, k + 1);
    const values = g.floatWeights.get(s.layer)?.[k];
    if (!values || values.length !== sizeOf(s.shape)) throw new Error(`${fn}: internal error: no float weight ${s.name} for layer '${s.layer.name}'`);
    (s.trainable ? params : state).set(values, s.offset);
  }
  nm.writeWeights(true, params);
  nm.writeWeights(false, state);
  return { nm, plan };
}

/** @internal Throws a RangeError naming the layer and its class unless an int8 model can run it (recurrent and custom layers cannot). */
export function checkSupported(fn: string, l: Layer): void {
  const inner = (l as unknown as { layer?: Layer }).layer;
  if (isCustomLayer(l) || REFUSED.has(l.className) || (l.className === 'TimeDistributed' && inner && REFUSED.has(inner.className))) {
    throw rangeError(fn, `layer '${l.name}' (${l.className}) is not supported: int8 models run Dense, Conv2D and Conv1D in int8 and the other built-in non-recurrent layers in float32`);
  }
}

/**
 * @internal Quantizes a model's graph (topology and inputs given by the
 * caller), with calibration rows (checked, finite) each holding every
 * input's values one after another.
 */
export function quantizeGraph(fn: string, name: string, topology: ModelGraph, inputShapes: number[][], inputNames: string[], calibration: Float32Array, rows: number, perChannel: boolean): QuantizedGraph {
  for (const n of topology.nodes) checkSupported(fn, n.layer);
  if (topology.outputs.length !== 1) throw rangeError(fn, `model '${name}' has ${topology.outputs.length} outputs; int8 models have one`);
  const floatWeights: FloatWeights = new Map();
  for (const n of topology.nodes) {
    if (!floatWeights.has(n.layer)) floatWeights.set(n.layer, n.layer.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array)));
  }
  const nodes: QuantizedGraphNode[] = topology.nodes.map((n) => ({ layer: n.layer, inputs: [...n.inputs], ...(n.tensors ? { tensors: [...n.tensors] } : {}), quantized: null }));
  const g = { inputShapes, nodes, outputs: [...topology.outputs], outputTensors: topology.outputTensors ? [...topology.outputTensors] : undefined, floatWeights };

  // What each quantized node reads, through Flatten (which only renames the shape): a model input (-1) or [node, tensor].
  const source = (r: number, t: number): [number, number] => {
    while (r >= 0 && nodes[r].layer.className === 'Flatten') [r, t] = [nodes[r].inputs[0], nodes[r].tensors?.[0] ?? 0];
    return [r, t];
  };
  const key = ([r, t]: [number, number]) => `${r}:${t}`;
  const targets = nodes.map((n, i) => (QUANTIZED_CLASSES.includes(n.layer.className as never) ? i : -1)).filter((i) => i >= 0);
  if (targets.length === 0) throw rangeError(fn, `model '${name}' has no Dense, Conv2D or Conv1D layer to quantize`);
  const outKeys = g.outputs.map((o, j) => key(source(o, g.outputTensors?.[j] ?? 0)));
  const extra: [number, number][] = [];
  const reads = targets.map((i) => {
    const s = source(nodes[i].inputs[0], nodes[i].tensors?.[0] ?? 0);
    if (s[0] < 0) return s[0];  // model input -1 - s[0]: the calibration data itself
    const j = outKeys.indexOf(key(s));
    if (j >= 0) return j;
    const e = extra.findIndex((x) => key(x) === key(s));
    if (e >= 0) return g.outputs.length + e;
    extra.push(s);
    return g.outputs.length + extra.length - 1;
  });

  // Observe the ranges: the float graph over the calibration rows, a chunk at a time.
  const lo = new Float64Array(g.outputs.length + extra.length).fill(Infinity);
  const hi = new Float64Array(lo.length).fill(-Infinity);
  if (extra.length > 0 || reads.some((r) => r >= 0)) {
    const { nm, plan } = buildNative(fn, name, g, null, extra);
    const sizes = plan.outputShapes.map(sizeOf);
    const row = sizes.reduce((a, b) => a + b, 0);
    const inSize = inputShapes.reduce((a, sh) => a + sizeOf(sh), 0);
    const chunk = Math.max(1, Math.min(rows, Math.floor((1 << 22) / Math.max(row, 1))));
    const out = new Float32Array(chunk * row);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const m = Math.min(chunk, rows - r0);
      nm.predict(calibration.subarray(r0 * inSize, (r0 + m) * inSize), m, Math.min(m, 64), out);
      for (let s = 0; s < m; s++) {
        let off = s * row;
        sizes.forEach((size, j) => {
          let a = lo[j], b = hi[j];
          for (let i = off; i < off + size; i++) {
            const v = out[i];
            if (v < a) a = v;
            if (v > b) b = v;
          }
          lo[j] = a;
          hi[j] = b;
          off += size;
        });
      }
    }
  }
  // Each model input's range, over its columns of the packed rows.
  const widths = inputShapes.map(sizeOf);
  const row = widths.reduce((a, b) => a + b, 0);
  const inLo = widths.map(() => Infinity), inHi = widths.map(() => -Infinity);
  for (let r = 0; r < rows; r++) {
    let off = r * row;
    widths.forEach((w, k) => {
      for (let i = off; i < off + w; i++) {
        inLo[k] = Math.min(inLo[k], calibration[i]);
        inHi[k] = Math.max(inHi[k], calibration[i]);
      }
      off += w;
    });
  }

  targets.forEach((i, t) => {
    const n = nodes[i];
    const [kernelT, biasT] = floatWeights.get(n.layer)!;
    const units = n.layer.className === 'Dense' ? (n.layer as unknown as { units: number }).units : (n.layer as unknown as { filters: number }).filters;
    const K = kernelT.length / units;
    if (K > 65536) throw rangeError(fn, `layer '${n.layer.name}' has ${K} inputs per output; int8 layers take at most 65536 (255 x 127 x inputs must fit the int32 sums)`);
    const r = reads[t];
    const range = r < 0 ? [inLo[-1 - r], inHi[-1 - r]] : [lo[r], hi[r]];
    if (!Number.isFinite(range[0]) || !Number.isFinite(range[1])) {
      throw rangeError(fn, `the input of layer '${n.layer.name}' is not finite on the calibration data (range [${range[0]}, ${range[1]}])`);
    }
    // The rules of the native int8 chain (native/int8_quantization.h), so both paths give the same int8 values.
    const xq = native.uint8QuantFromRange(range[0], range[1]);
    if (!kernelT.every(Number.isFinite)) throw typeError(fn, `layer '${n.layer.name}' has a non-finite weight`);
    const { kernel: q, weightScales } = native.int8QuantizeKernel(kernelT, K, units, perChannel);
    const useBias = (n.layer as unknown as { useBias: boolean }).useBias;
    n.quantized = { inputs: K, units, kernel: q, weightScales, bias: useBias ? biasT : null, inputScale: xq.scale, inputZeroPoint: xq.zeroPoint };
  });
  // The quantized layers' float weights are not needed any more.
  for (const i of targets) if (!nodes.some((n) => n.layer === nodes[i].layer && !n.quantized)) floatWeights.delete(nodes[i].layer);
  return new QuantizedGraph(fn, name, inputShapes, inputNames, nodes, g.outputs, g.outputTensors, floatWeights);
}
