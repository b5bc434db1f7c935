import { checkInt, checkNumber, rangeError } from '../errors';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions, requireFlat } from './layer';

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
  readonly className = 'Dropout';
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

  computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('dropout', this, inputShape);
    return { kind: 2, rate: this.rate, seed: this.seed ?? -1 };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null };
  }
}
