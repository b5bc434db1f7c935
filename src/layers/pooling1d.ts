// MaxPooling1D and AveragePooling1D over sequences [steps, channels]
// (native/layers/pooling2d.cc runs them as 2-D poolings over one row of
// pixels): strides default to the pool size, a 'same' average divides by the
// taps inside the input, as in TensorFlow.
import { rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { PaddingMode, checkDataFormat, checkPadding, checkSingle, windowOutput } from './window2d';

const OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat'] as const;

/** Options of {@link maxPooling1d} and {@link averagePooling1d}. */
export interface Pooling1DArgs extends LayerArgs {
  /** Window length, n or [n] (default 2). */
  poolSize?: number | [number];
  /** Step between windows, n or [n] (default: the pool size). */
  strides?: number | [number];
  /** 'valid' (default) or 'same' (output ceil(steps / strides), as TensorFlow). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default): inputs are [batch, steps, channels]. */
  dataFormat?: 'channelsLast';
}

/** What the two poolings share: options, shapes, native spec, config. */
abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly #fn: 'maxPooling1d' | 'averagePooling1d';

  protected constructor(fn: 'maxPooling1d' | 'averagePooling1d', namingClass: string, options: Pooling1DArgs | undefined) {
    const args = layerOptions(fn, options, OPTIONS) as Pooling1DArgs;
    super(fn, namingClass, args);
    this.#fn = fn;
    this.poolSize = checkSingle(fn, 'poolSize', args.poolSize, 2);
    this.strides = checkSingle(fn, 'strides', args.strides, this.poolSize);
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
  }

  /** @internal The constructor arguments a config holds. */
  protected static argsFrom(fn: string, config: LayerConfig): Pooling1DArgs {
    const c = checkLayerConfig(fn, config);
    return {
      ...baseArgs(fn, c), poolSize: optional(c, 'poolSize'), strides: optional(c, 'strides'), padding: optional(c, 'padding'),
      dataFormat: optional(c, 'dataFormat'),
    } as Pooling1DArgs;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape(this.#fn, inputShape);
    if (s.length !== 2) throw rangeError(this.#fn, `layer '${this.name}' expects per-sample input [steps, channels], got ${show(s)}`);
    const [, steps, c] = windowOutput(this.#fn, `layer '${this.name}'`, [1, ...s], [1, this.poolSize], [1, this.strides], [1, 1], this.padding);
    return [steps, c];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = { kind: native.enums.layer[this.#fn], poolSize: [1, this.poolSize], strides: [1, this.strides], same: this.padding === 'same' };
    return spec;
  }

  /** TensorFlow.js's pooling config (Keras names). */
  override getConfig(): LayerConfig {
    return { poolSize: [this.poolSize], padding: this.padding, strides: [this.strides], dataFormat: 'channels_last', ...super.getConfig() };
  }
}

/** The maximum of each window of steps, per channel. */
export class MaxPooling1D extends Pooling1D {
  /** The Keras class name. */
  static readonly className = 'MaxPooling1D';
  override readonly className = MaxPooling1D.className;

  constructor(args?: Pooling1DArgs) {
    // 'MaxPooling1d' names the layers max_pooling1d, ... as Keras does.
    super('maxPooling1d', 'MaxPooling1d', args);
    this.lockConfig();
  }

  /** A MaxPooling1D layer from its {@link MaxPooling1D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): MaxPooling1D {
    return new MaxPooling1D(Pooling1D.argsFrom('MaxPooling1D.fromConfig', config));
  }
}

/** The mean of each window of steps, per channel. */
export class AveragePooling1D extends Pooling1D {
  /** The Keras class name. */
  static readonly className = 'AveragePooling1D';
  override readonly className = AveragePooling1D.className;

  constructor(args?: Pooling1DArgs) {
    super('averagePooling1d', 'AveragePooling1d', args);
    this.lockConfig();
  }

  /** An AveragePooling1D layer from its {@link AveragePooling1D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): AveragePooling1D {
    return new AveragePooling1D(Pooling1D.argsFrom('AveragePooling1D.fromConfig', config));
  }
}

registerLayer(MaxPooling1D);
registerLayer(AveragePooling1D);
