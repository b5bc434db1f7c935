import { checkInt, checkNumber, rangeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['rate', 'seed'] as const;

/** Options of {@link dropout}. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs to drop during training, in [0, 1). Required. */
  rate: number;
  /** Seed of the dropout mask (default: the fit seed / global generator). */
  seed?: number;
}

/** Randomly zeroes a fraction of inputs during training and scales the rest by 1 / (1 - rate); identity at inference. */
export class Dropout extends Layer {
  /** The Keras class name. */
  static readonly className = 'Dropout';
  override readonly className = Dropout.className;
  readonly rate: number;
  readonly seed?: number;

  constructor(options: DropoutArgs) {
    const args = layerOptions('dropout', options, OPTIONS, true) as DropoutArgs;
    super('dropout', 'Dropout', args);
    this.rate = checkNumber('dropout', 'rate', args.rate, 0, 1);
    if (this.rate >= 1) throw rangeError('dropout', `rate must be < 1, got ${this.rate}`);
    if (args.seed !== undefined) this.seed = checkInt('dropout', 'seed', args.seed, 0);
    this.lockConfig();
  }

  /**
   * A Dropout layer from its {@link Dropout.getConfig} or a Keras / TensorFlow.js
   * one. A seed other than a non-negative integer (Keras allows any Python
   * integer) is read as none.
   */
  static override fromConfig(config: LayerConfig): Dropout {
    const fn = 'Dropout.fromConfig';
    const c = checkLayerConfig(fn, config);
    const seed = optional(c, 'seed');
    return new Dropout({ ...baseArgs(fn, c), rate: optional(c, 'rate'), seed: Number.isInteger(seed) && (seed as number) >= 0 ? seed : undefined } as DropoutArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    checkInputShape('dropout', inputShape);  // any rank: elementwise
    return { kind: native.enums.layer.dropout, rate: this.rate, seed: this.seed ?? -1 };
  }

  override getConfig(): LayerConfig {
    return { rate: this.rate, noiseShape: null, seed: this.seed ?? null, ...super.getConfig() };
  }
}

registerLayer(Dropout);
