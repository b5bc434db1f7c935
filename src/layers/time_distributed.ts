// TimeDistributed: a layer applied to every time step as one native layer
// over [batch * time, ...] rows (native/layers/time_distributed.cc).
import { rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, isLayer, layerOptions, isCustomLayer } from './layer';
import { deserializeLayer, registerLayer, serializeLayer } from './registry';

const OPTIONS = ['layer'] as const;

/** Options of {@link timeDistributed}. */
export interface TimeDistributedArgs extends LayerArgs {
  /** The layer to apply to every time step (one input; its weights are the wrapper's). Required. */
  layer: Layer;
}

/**
 * Applies a layer to every time step of [batch, time, ...] with one set of
 * weights: [time, ...S] per sample gives [time, ...layer's output for S].
 * Any single-input layer works (a Dense over each step's features is the
 * common case); its weights keep their names under the wrapper, as Keras and
 * TensorFlow.js save them.
 */
export class TimeDistributed extends Layer {
  /** The Keras class name. */
  static readonly className = 'TimeDistributed';
  override readonly className = TimeDistributed.className;
  /** The wrapped layer (its config; the model runs it through the wrapper). */
  readonly layer: Layer;

  constructor(options: TimeDistributedArgs) {
    const fn = 'timeDistributed';
    const args = layerOptions(fn, options, OPTIONS, true) as TimeDistributedArgs;
    super(fn, 'TimeDistributed', args);
    if (args.layer === undefined) throw typeError(fn, 'layer is required');
    if (!isLayer(args.layer)) throw typeError(fn, `layer must be a layer made by a tf.layers factory, got ${show(args.layer)}`);
    if (args.layer.takesSeveralInputs) throw typeError(fn, `layer must take one input, got a ${args.layer.className} layer`);
    if ((args.layer as { returnState?: unknown }).returnState === true) throw typeError(fn, `layer must return one tensor, got layer '${args.layer.name}' with returnState`);
    if (isCustomLayer(args.layer)) throw typeError(fn, `layer must be a built-in layer; custom layer '${args.layer.name}' can itself loop over the time axis in call()`);
    this.layer = args.layer;
    this.lockConfig();
  }

  /** A TimeDistributed layer from its {@link TimeDistributed.getConfig} or a Keras / TensorFlow.js one (the layer as `{ className, config }`). */
  static override fromConfig(config: LayerConfig): TimeDistributed {
    const fn = 'TimeDistributed.fromConfig';
    const c = checkLayerConfig(fn, config);
    const layer = deserializeLayer(checkLayerConfig(fn, optional(c, 'layer'), 'layer') as never);
    return new TimeDistributed({ ...baseArgs(fn, c), layer });
  }

  /** [time, ...frame] of a per-sample input shape, or a RangeError naming the layer. */
  private split(inputShape: unknown): [number, number[]] {
    const shape = checkInputShape('timeDistributed', inputShape);
    if (shape.length < 2) {
      throw rangeError('timeDistributed', `layer '${this.name}' takes [batch, time, ...] inputs, got per-sample shape ${show(shape)}`);
    }
    return [shape[0], shape.slice(1)];
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [time, frame] = this.split(inputShape);
    return [time, ...this.layer.outputShapeFor([frame])];
  }

  /** @internal A layer that only reinterprets its frame (Flatten) is a reshape of the sequence. */
  override toNative(inputShape: number[]): NativeLayerSpec {
    const [, frame] = this.split(inputShape);
    const inner = this.layer.toNative(frame) as (NativeLayerSpec & Record<string, unknown>) | null;
    if (inner === null) return { kind: native.enums.layer.reshape, targetShape: this.computeOutputShape(inputShape) };
    if (!this.layer.trainable) inner.trainable = false;
    const spec: NativeLayerSpec & Record<string, unknown> = { kind: native.enums.layer.timeDistributed };
    spec.layer = inner;
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    return this.layer.weightSpecs(this.split(inputShape)[1]);
  }

  /** Keras's TimeDistributed config: the wrapped layer as `{ className, config }`. */
  override getConfig(): LayerConfig {
    return { layer: serializeLayer(this.layer) as unknown as LayerConfig, ...super.getConfig() };
  }
}

registerLayer(TimeDistributed);
