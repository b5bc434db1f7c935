// BatchNormalization and LayerNormalization over the feature axis of [batch, features].
import { checkBool, checkNumber, rangeError, show } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions, requireFlat } from './layer';

const OPTIONS = ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer'] as const;
const BATCH_OPTIONS = [...OPTIONS, 'momentum', 'movingMeanInitializer', 'movingVarianceInitializer'] as const;

/** Options shared by the normalization layers. */
export interface NormalizationArgs extends LayerArgs {
  /** Feature axis; only -1 (the last) is supported. */
  axis?: number;
  /** Added to the variance (default 1e-3, as Keras). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  /** Initializer of beta (default 'zeros'). */
  betaInitializer?: InitializerIdentifier | Initializer;
  /** Initializer of gamma (default 'ones'). */
  gammaInitializer?: InitializerIdentifier | Initializer;
}

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationArgs extends NormalizationArgs {
  /** Momentum of the moving mean and variance (default 0.99). */
  momentum?: number;
  /** Initializer of the moving mean (default 'zeros'). */
  movingMeanInitializer?: InitializerIdentifier | Initializer;
  /** Initializer of the moving variance (default 'ones'). */
  movingVarianceInitializer?: InitializerIdentifier | Initializer;
}

abstract class NormalizationBase extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;

  protected constructor(fn: string, className: string, a: NormalizationArgs) {
    super(fn, className, a);
    if (a.axis !== undefined && a.axis !== -1) throw rangeError(fn, `only axis -1 is supported, got ${show(a.axis)}`);
    this.epsilon = checkNumber(fn, 'epsilon', a.epsilon ?? 1e-3, 0, Infinity, true);
    this.center = a.center === undefined ? true : checkBool(fn, 'center', a.center);
    this.scale = a.scale === undefined ? true : checkBool(fn, 'scale', a.scale);
    this.betaInitializer = getInitializer(fn, 'betaInitializer', a.betaInitializer, 'zeros');
    this.gammaInitializer = getInitializer(fn, 'gammaInitializer', a.gammaInitializer, 'ones');
  }

  computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  protected affineSpecs(n: number): WeightSpec[] {
    const w: WeightSpec[] = [];
    if (this.scale) w.push({ name: 'gamma', shape: [n], initializer: this.gammaInitializer, trainable: true });
    if (this.center) w.push({ name: 'beta', shape: [n], initializer: this.betaInitializer, trainable: true });
    return w;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/**
 * Normalizes each feature with the batch's mean and variance during training,
 * and with moving averages of them at inference (Ioffe & Szegedy 2015).
 */
export class BatchNormalization extends NormalizationBase {
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;

  constructor(args: BatchNormalizationArgs = {}) {
    const a = layerOptions('batchNormalization', args, BATCH_OPTIONS) as BatchNormalizationArgs;
    super('batchNormalization', 'BatchNormalization', a);
    this.momentum = checkNumber('batchNormalization', 'momentum', a.momentum ?? 0.99, 0, 1);
    this.movingMeanInitializer = getInitializer('batchNormalization', 'movingMeanInitializer', a.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = getInitializer('batchNormalization', 'movingVarianceInitializer', a.movingVarianceInitializer, 'ones');
    this.lockConfig();
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('batchNormalization', this, inputShape);
    return { kind: 3, epsilon: this.epsilon, momentum: this.momentum, center: this.center, scale: this.scale };
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const n = requireFlat('batchNormalization', this, inputShape);
    return [
      ...this.affineSpecs(n),
      { name: 'moving_mean', shape: [n], initializer: this.movingMeanInitializer, trainable: false },
      { name: 'moving_variance', shape: [n], initializer: this.movingVarianceInitializer, trainable: false },
    ];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum };
  }
}

/** Normalizes each sample over its features (Ba et al. 2016); the same in training and inference. */
export class LayerNormalization extends NormalizationBase {
  readonly className = 'LayerNormalization';

  constructor(args: NormalizationArgs = {}) {
    super('layerNormalization', 'LayerNormalization', layerOptions('layerNormalization', args, OPTIONS) as NormalizationArgs);
    this.lockConfig();
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('layerNormalization', this, inputShape);
    return { kind: 4, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    return this.affineSpecs(requireFlat('layerNormalization', this, inputShape));
  }
}
