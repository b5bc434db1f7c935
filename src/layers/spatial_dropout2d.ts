// SpatialDropout2D (native/layers/spatial_dropout2d.cc): dropout of whole
// feature maps, as Keras's SpatialDropout2D (noise shape [batch, 1, 1, channels]).
import { checkInt, checkNumber, rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { checkDataFormat } from './window2d';

const OPTIONS = ['rate', 'seed', 'dataFormat'] as const;

/** Options of {@link spatialDropout2d}. */
export interface SpatialDropout2DArgs extends LayerArgs {
  /** Fraction of channels to drop per sample during training, in [0, 1). Required. */
  rate: number;
  /** Seed of the dropout masks (default: the fit seed / global generator). */
  seed?: number;
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
}

/**
 * In training, zeroes each channel of each sample whole with probability
 * `rate` and scales the others by 1 / (1 - rate); identity at inference.
 */
export class SpatialDropout2D extends Layer {
  /** The Keras class name. */
  static readonly className = 'SpatialDropout2D';
  override readonly className = SpatialDropout2D.className;
  readonly rate: number;
  readonly seed?: number;
  readonly dataFormat: 'channelsLast';

  constructor(options: SpatialDropout2DArgs) {
    const fn = 'spatialDropout2d';
    const args = layerOptions(fn, options, OPTIONS, true) as SpatialDropout2DArgs;
    // 'SpatialDropout2d' names the layers spatial_dropout2d, ... as Keras does.
    super(fn, 'SpatialDropout2d', args);
    this.rate = checkNumber(fn, 'rate', args.rate, 0, 1);
    if (this.rate >= 1) throw rangeError(fn, `rate must be in [0, 1), got ${this.rate}`);
    if (args.seed !== undefined) this.seed = checkInt(fn, 'seed', args.seed, 0);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.lockConfig();
  }

  /** A SpatialDropout2D layer from its {@link SpatialDropout2D.getConfig} or a Keras one; a seed other than a non-negative integer is read as none (as Dropout). */
  static override fromConfig(config: LayerConfig): SpatialDropout2D {
    const fn = 'SpatialDropout2D.fromConfig';
    const c = checkLayerConfig(fn, config);
    const seed = optional(c, 'seed');
    return new SpatialDropout2D({
      ...baseArgs(fn, c), rate: optional(c, 'rate'), seed: Number.isInteger(seed) && (seed as number) >= 0 ? seed : undefined,
      dataFormat: optional(c, 'dataFormat'),
    } as SpatialDropout2DArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape('spatialDropout2d', inputShape);
    if (s.length !== 3) throw rangeError('spatialDropout2d', `layer '${this.name}' expects per-sample input [height, width, channels], got ${show(s)}`);
    return s;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    return { kind: native.enums.layer.spatialDropout2d, rate: this.rate, seed: this.seed ?? -1 };
  }

  /** Keras's SpatialDropout2D config. */
  override getConfig(): LayerConfig {
    return { rate: this.rate, seed: this.seed ?? null, dataFormat: 'channels_last', ...super.getConfig() };
  }
}

registerLayer(SpatialDropout2D);
