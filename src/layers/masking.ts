// Masking: marks the time steps whose features all equal maskValue as
// padding, for the layers after it that consume masks (native/layers/masking.cc).
import { checkNumber } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['maskValue'] as const;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Options of {@link masking}. */
export interface MaskingArgs extends LayerArgs {
  /** The value that marks padding: a position whose features all equal it is masked (default 0). */
  maskValue?: number;
}

/**
 * Masks padding in sequences [batch, time, features] (Keras's Masking): a
 * time step whose features all equal `maskValue` is output as zeros and
 * marked masked, so the recurrent layers after it carry their state over
 * it (as if the sequence were shorter). Layers that keep positions (dense,
 * activation, dropout, normalization, timeDistributed) pass the mask on;
 * others drop it, as in Keras 3.
 */
export class Masking extends Layer {
  /** The Keras class name. */
  static readonly className = 'Masking';
  override readonly className = Masking.className;
  readonly maskValue: number;

  constructor(options: MaskingArgs = {}) {
    const fn = 'masking';
    const args = layerOptions(fn, options, OPTIONS) as MaskingArgs;
    super(fn, 'Masking', args);
    this.maskValue = args.maskValue === undefined ? 0 : checkNumber(fn, 'maskValue', args.maskValue, -FLOAT32_MAX, FLOAT32_MAX);
    this.lockConfig();
  }

  /** A Masking layer from its {@link Masking.getConfig} or a Keras / TensorFlow.js one (camelCase keys). */
  static override fromConfig(config: LayerConfig): Masking {
    const fn = 'Masking.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Masking({ ...baseArgs(fn, c), maskValue: optional(c, 'maskValue') as number | undefined });
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('masking', inputShape);
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    checkInputShape('masking', inputShape);
    return { kind: native.enums.layer.masking, maskValue: this.maskValue } as NativeLayerSpec;
  }

  /** Keras's Masking config. */
  override getConfig(): LayerConfig {
    return { maskValue: this.maskValue, ...super.getConfig() };
  }
}

registerLayer(Masking);
