// GlobalAveragePooling2D and GlobalMaxPooling2D (native/layers/global_pooling2d.cc):
// [height, width, channels] -> [channels]; GlobalAveragePooling1D and
// GlobalMaxPooling1D the same over sequences, [steps, channels] -> [channels].
import { rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { checkDataFormat } from './window2d';

const OPTIONS = ['dataFormat'] as const;

/** Options of {@link globalAveragePooling2d}, {@link globalMaxPooling2d} and their 1-D forms. */
export interface GlobalPooling2DArgs extends LayerArgs {
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels] ([batch, steps, channels] in 1-D). */
  dataFormat?: 'channelsLast';
}

type GlobalPoolingFn = 'globalAveragePooling2d' | 'globalMaxPooling2d' | 'globalAveragePooling1d' | 'globalMaxPooling1d';

abstract class GlobalPooling2D extends Layer {
  readonly dataFormat: 'channelsLast';
  readonly #fn: GlobalPoolingFn;

  protected constructor(fn: GlobalPoolingFn, namingClass: string, options: GlobalPooling2DArgs | undefined) {
    const args = layerOptions(fn, options, OPTIONS) as GlobalPooling2DArgs;
    super(fn, namingClass, args);
    this.#fn = fn;
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
  }

  /** @internal The constructor arguments a config holds; Keras 3's keepdims: true is refused. */
  protected static argsFrom(fn: string, config: LayerConfig): GlobalPooling2DArgs {
    const c = checkLayerConfig(fn, config);
    const keepdims = optional(c, 'keepdims');
    if (keepdims !== undefined && keepdims !== false) throw rangeError(fn, `keepdims ${show(keepdims)} is not supported (only false)`);
    return { ...baseArgs(fn, c), dataFormat: optional(c, 'dataFormat') } as GlobalPooling2DArgs;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape(this.#fn, inputShape);
    const oneD = this.#fn.endsWith('1d');
    if (s.length !== (oneD ? 2 : 3)) {
      throw rangeError(this.#fn, `layer '${this.name}' expects per-sample input ${oneD ? '[steps, channels]' : '[height, width, channels]'}, got ${show(s)}`);
    }
    return [s[s.length - 1]];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    return { kind: native.enums.layer[this.#fn] };
  }

  override getConfig(): LayerConfig {
    return { dataFormat: 'channels_last', ...super.getConfig() };
  }
}

/** The mean of each channel over all positions. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  /** The Keras class name. */
  static readonly className = 'GlobalAveragePooling2D';
  override readonly className = GlobalAveragePooling2D.className;

  constructor(args?: GlobalPooling2DArgs) {
    // 'GlobalAveragePooling2d' names the layers global_average_pooling2d, ... as Keras does.
    super('globalAveragePooling2d', 'GlobalAveragePooling2d', args);
    this.lockConfig();
  }

  /** A GlobalAveragePooling2D layer from its {@link GlobalAveragePooling2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(GlobalPooling2D.argsFrom('GlobalAveragePooling2D.fromConfig', config));
  }
}

/** The maximum of each channel over all positions. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  /** The Keras class name. */
  static readonly className = 'GlobalMaxPooling2D';
  override readonly className = GlobalMaxPooling2D.className;

  constructor(args?: GlobalPooling2DArgs) {
    super('globalMaxPooling2d', 'GlobalMaxPooling2d', args);
    this.lockConfig();
  }

  /** A GlobalMaxPooling2D layer from its {@link GlobalMaxPooling2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(GlobalPooling2D.argsFrom('GlobalMaxPooling2D.fromConfig', config));
  }
}

/** The mean of each channel over all steps. */
export class GlobalAveragePooling1D extends GlobalPooling2D {
  /** The Keras class name. */
  static readonly className = 'GlobalAveragePooling1D';
  override readonly className = GlobalAveragePooling1D.className;

  constructor(args?: GlobalPooling2DArgs) {
    super('globalAveragePooling1d', 'GlobalAveragePooling1d', args);
    this.lockConfig();
  }

  /** A GlobalAveragePooling1D layer from its {@link GlobalAveragePooling1D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): GlobalAveragePooling1D {
    return new GlobalAveragePooling1D(GlobalPooling2D.argsFrom('GlobalAveragePooling1D.fromConfig', config));
  }
}

/** The maximum of each channel over all steps. */
export class GlobalMaxPooling1D extends GlobalPooling2D {
  /** The Keras class name. */
  static readonly className = 'GlobalMaxPooling1D';
  override readonly className = GlobalMaxPooling1D.className;

  constructor(args?: GlobalPooling2DArgs) {
    super('globalMaxPooling1d', 'GlobalMaxPooling1d', args);
    this.lockConfig();
  }

  /** A GlobalMaxPooling1D layer from its {@link GlobalMaxPooling1D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): GlobalMaxPooling1D {
    return new GlobalMaxPooling1D(GlobalPooling2D.argsFrom('GlobalMaxPooling1D.fromConfig', config));
  }
}

registerLayer(GlobalAveragePooling2D);
registerLayer(GlobalMaxPooling2D);
registerLayer(GlobalAveragePooling1D);
registerLayer(GlobalMaxPooling1D);
