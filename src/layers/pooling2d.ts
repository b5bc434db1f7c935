// MaxPooling2D and AveragePooling2D over channels-last images
// (native/layers/pooling2d.cc). As TensorFlow: strides default to the pool
// size, and a 'same' average divides by the taps inside the input.
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, layerOptions } from './layer';
import { registerLayer } from './registry';
import { PaddingMode, checkDataFormat, checkPadding, checkPair, windowOutput } from './window2d';

const OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat'] as const;

/** Options of {@link maxPooling2d} and {@link averagePooling2d}. */
export interface Pooling2DArgs extends LayerArgs {
  /** Window height and width, or one number for both (default [2, 2]). */
  poolSize?: number | [number, number];
  /** Step between windows, [h, w] or one number (default: the pool size). */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output ceil(input / strides), as TensorFlow). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
}

/** What the two poolings share: options, shapes, native spec, config. */
abstract class Pooling2D extends Layer {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly #fn: 'maxPooling2d' | 'averagePooling2d';

  protected constructor(fn: 'maxPooling2d' | 'averagePooling2d', namingClass: string, options: Pooling2DArgs | undefined) {
    const args = layerOptions(fn, options, OPTIONS) as Pooling2DArgs;
    super(fn, namingClass, args);
    this.#fn = fn;
    this.poolSize = Object.freeze(checkPair(fn, 'poolSize', args.poolSize, [2, 2]));
    this.strides = Object.freeze(checkPair(fn, 'strides', args.strides, this.poolSize));
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
  }

  /** @internal The constructor arguments a config holds. */
  protected static argsFrom(fn: string, config: LayerConfig): Pooling2DArgs {
    const c = checkLayerConfig(fn, config);
    return {
      ...baseArgs(fn, c), poolSize: optional(c, 'poolSize'), strides: optional(c, 'strides'), padding: optional(c, 'padding'),
      dataFormat: optional(c, 'dataFormat'),
    } as Pooling2DArgs;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return windowOutput(this.#fn, `layer '${this.name}'`, inputShape, this.poolSize, this.strides, [1, 1], this.padding);
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = { kind: native.enums.layer[this.#fn], poolSize: [...this.poolSize], strides: [...this.strides], same: this.padding === 'same' };
    return spec;
  }

  /** TensorFlow.js's pooling config (Keras names). */
  override getConfig(): LayerConfig {
    return {
      poolSize: [...this.poolSize], padding: this.padding, strides: [...this.strides], dataFormat: 'channels_last', ...super.getConfig(),
    };
  }
}

/** The maximum of each window, per channel. */
export class MaxPooling2D extends Pooling2D {
  /** The Keras class name. */
  static readonly className = 'MaxPooling2D';
  override readonly className = MaxPooling2D.className;

  constructor(args?: Pooling2DArgs) {
    // 'MaxPooling2d' names the layers max_pooling2d, ... as Keras does.
    super('maxPooling2d', 'MaxPooling2d', args);
    this.lockConfig();
  }

  /** A MaxPooling2D layer from its {@link MaxPooling2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): MaxPooling2D {
    return new MaxPooling2D(Pooling2D.argsFrom('MaxPooling2D.fromConfig', config));
  }
}

/** The mean of each window, per channel. */
export class AveragePooling2D extends Pooling2D {
  /** The Keras class name. */
  static readonly className = 'AveragePooling2D';
  override readonly className = AveragePooling2D.className;

  constructor(args?: Pooling2DArgs) {
    super('averagePooling2d', 'AveragePooling2d', args);
    this.lockConfig();
  }

  /** An AveragePooling2D layer from its {@link AveragePooling2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): AveragePooling2D {
    return new AveragePooling2D(Pooling2D.argsFrom('AveragePooling2D.fromConfig', config));
  }
}

registerLayer(MaxPooling2D);
registerLayer(AveragePooling2D);
