// UpSampling2D over channels-last images (native/layers/up_sampling2d.cc):
// each pixel repeated size[0] times down and size[1] times across (nearest
// neighbour, Keras's default interpolation).
import { checkOneOf, rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { checkDataFormat, checkPair } from './window2d';

const OPTIONS = ['size', 'interpolation', 'dataFormat'] as const;
const INTERPOLATIONS = ['nearest'] as const;

/** Options of {@link upSampling2d}. */
export interface UpSampling2DArgs extends LayerArgs {
  /** Repeats down and across, [h, w] or one number for both (default [2, 2]). */
  size?: number | [number, number];
  /** Only 'nearest' (default). */
  interpolation?: 'nearest';
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
}

/** Repeats each pixel of an image into a size[0] x size[1] block. */
export class UpSampling2D extends Layer {
  /** The Keras class name. */
  static readonly className = 'UpSampling2D';
  override readonly className = UpSampling2D.className;
  readonly size: readonly [number, number];
  readonly interpolation: 'nearest';
  readonly dataFormat: 'channelsLast';

  constructor(options?: UpSampling2DArgs) {
    const fn = 'upSampling2d';
    const args = layerOptions(fn, options, OPTIONS) as UpSampling2DArgs;
    // 'UpSampling2d' names the layers up_sampling2d, ... as Keras does.
    super(fn, 'UpSampling2d', args);
    this.size = Object.freeze(checkPair(fn, 'size', args.size, [2, 2]));
    if ((args.interpolation as unknown) === 'bilinear') throw rangeError(fn, "interpolation 'bilinear' is not supported yet (only 'nearest')");
    this.interpolation = args.interpolation === undefined ? 'nearest' : checkOneOf(fn, 'interpolation', args.interpolation, INTERPOLATIONS);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.lockConfig();
  }

  /** An UpSampling2D layer from its {@link UpSampling2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): UpSampling2D {
    const fn = 'UpSampling2D.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new UpSampling2D({
      ...baseArgs(fn, c), size: optional(c, 'size'), interpolation: optional(c, 'interpolation'), dataFormat: optional(c, 'dataFormat'),
    } as UpSampling2DArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape('upSampling2d', inputShape);
    if (s.length !== 3) throw rangeError('upSampling2d', `layer '${this.name}' expects per-sample input [height, width, channels], got ${show(s)}`);
    const out = [s[0] * this.size[0], s[1] * this.size[1], s[2]];
    if (out[0] > 2 ** 24 || out[1] > 2 ** 24) throw rangeError('upSampling2d', `layer '${this.name}': output ${show(out)} of input ${show(s)} is too large (at most 2^24 per axis)`);
    return out;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = { kind: native.enums.layer.upSampling2d, size: [...this.size] };
    return spec;
  }

  /** TensorFlow.js's UpSampling2D config (Keras names). */
  override getConfig(): LayerConfig {
    return { size: [...this.size], dataFormat: 'channels_last', interpolation: this.interpolation, ...super.getConfig() };
  }
}

registerLayer(UpSampling2D);
