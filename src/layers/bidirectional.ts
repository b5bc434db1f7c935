// Bidirectional: a recurrent layer and a goBackwards copy as one native layer
// (native/layers/bidirectional.cc), Keras's wrapper and weight names.
import { checkOneOf, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { GRU } from './gru';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, isLayer, layerOptions } from './layer';
import { LSTM } from './lstm';
import { RecurrentLayer } from './recurrent';
import { deserializeLayer, registerLayer, serializeLayer } from './registry';
import { SimpleRNN } from './simple_rnn';

const OPTIONS = ['layer', 'mergeMode'] as const;
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;

/** How {@link bidirectional} combines the two directions' outputs. */
export type BidirectionalMergeMode = (typeof MERGE_MODES)[number];

/** Options of {@link bidirectional}. */
export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer (lstm, gru or simpleRNN) to run both ways; its copies are made from its config. Required. */
  layer: RecurrentLayer;
  /** 'concat' (on the feature axis, the default), 'sum', 'mul' or 'ave'. */
  mergeMode?: BidirectionalMergeMode;
}

const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));

/**
 * Runs a recurrent layer over the sequence forwards and a copy of it
 * backwards (goBackwards flipped) and merges their outputs; with
 * returnSequences the backward output is put back in time order first, as
 * Keras. Weights: the forward copy's, then the backward one's, named
 * `forward_<layer>/...` and `backward_<layer>/...` as Keras and TensorFlow.js save them.
 */
export class Bidirectional extends Layer {
  /** The Keras class name. */
  static readonly className = 'Bidirectional';
  override readonly className = Bidirectional.className;
  /** The wrapped layer (its config; the model runs two copies of it). */
  readonly layer: RecurrentLayer;
  readonly mergeMode: BidirectionalMergeMode;

  constructor(options: BidirectionalArgs) {
    const fn = 'bidirectional';
    const args = layerOptions(fn, options, OPTIONS, true) as BidirectionalArgs;
    super(fn, 'Bidirectional', args);
    if (args.layer === undefined) throw typeError(fn, 'layer is required (an lstm, gru or simpleRNN layer)');
    if (!isLayer(args.layer) || !(args.layer instanceof LSTM || args.layer instanceof GRU || args.layer instanceof SimpleRNN)) {
      throw typeError(fn, `layer must be an lstm, gru or simpleRNN layer, got ${isLayer(args.layer) ? `a ${(args.layer as Layer).className} layer` : show(args.layer)}`);
    }
    this.layer = args.layer;
    this.mergeMode = args.mergeMode === undefined ? 'concat' : checkOneOf(fn, 'mergeMode', args.mergeMode, MERGE_MODES);
    this.lockConfig();
  }

  /**
   * A Bidirectional layer from its {@link Bidirectional.getConfig} or a Keras /
   * TensorFlow.js one (camelCase keys): the wrapped layer as `{ className,
   * config }`. Keras 3's backwardLayer, when it is the mirror of the layer, is
   * what this layer makes anyway; mergeMode null (two outputs) is not supported.
   */
  static override fromConfig(config: LayerConfig): Bidirectional {
    const fn = 'Bidirectional.fromConfig';
    const c = checkLayerConfig(fn, config);
    const inner = checkLayerConfig(fn, optional(c, 'layer'), 'layer');
    const layer = deserializeLayer(inner as never);
    const mode = optional(c, 'mergeMode');
    if (c.mergeMode === null) throw rangeError(fn, 'mergeMode null (the two directions as two outputs) is not supported');
    const back = optional(c, 'backwardLayer');
    if (back !== undefined) {
      const b = deserializeLayer(checkLayerConfig(fn, back, 'backwardLayer') as never);
      const mirrored = b.className === layer.className && (b as RecurrentLayer).goBackwards !== (layer as RecurrentLayer).goBackwards;
      if (!mirrored) {
        throw rangeError(fn, 'a backwardLayer other than the goBackwards copy of the layer is not supported');
      }
    }
    return new Bidirectional({ ...baseArgs(fn, c), layer: layer as RecurrentLayer, mergeMode: mode as BidirectionalMergeMode | undefined });
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const out = this.layer.computeOutputShape(inputShape);
    if (this.mergeMode === 'concat') out[out.length - 1] *= 2;
    return out;
  }

  /** Whether `apply` returns the final states after the output (the wrapped layer's returnState). */
  get returnState(): boolean {
    return this.layer.returnState;
  }

  /** @internal The merged output's shape, then with returnState the forward copy's states and the backward copy's ([units] each), as Keras. */
  override outputShapesFor(inputShapes: number[][]): number[][] {
    const out = this.outputShapeFor(inputShapes);
    if (!this.layer.returnState) return [out];
    return [out, ...Array.from({ length: 2 * this.layer.stateCount }, () => [this.layer.units])];
  }

  private prefix(direction: 'forward' | 'backward'): string {
    return `${direction}_${this.layer.name}`;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    const inner = this.layer.toNative(inputShape) as NativeLayerSpec & Record<string, unknown>;
    if (!this.layer.trainable) inner.trainable = false;
    const spec: NativeLayerSpec & Record<string, unknown> = { kind: native.enums.layer.bidirectional };
    spec.layer = inner;
    spec.mergeMode = MERGE_MODES.indexOf(this.mergeMode);
    spec.forwardName = utf8(this.prefix('forward'));
    spec.backwardName = utf8(this.prefix('backward'));
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const own = this.layer.weightSpecs(inputShape);
    return (['forward', 'backward'] as const).flatMap((d) => own.map((w) => ({ ...w, name: `${this.prefix(d)}/${w.name}` })));
  }

  /** Keras's Bidirectional config: the wrapped layer as `{ className, config }`. */
  override getConfig(): LayerConfig {
    return { layer: serializeLayer(this.layer) as unknown as LayerConfig, mergeMode: this.mergeMode, ...super.getConfig() };
  }
}

registerLayer(Bidirectional);
