// BatchNormalization and LayerNormalization over the feature axis of [batch, features].
import { checkBool, checkNumber, rangeError, show } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { native } from '../native';
import { LayerConfig, baseArgs, checkFeatureAxis, checkLayerConfig, deserializeInitializer, optional, serializeInitializer } from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions, requireFlat } from './layer';
import { registerLayer } from './registry';

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

  /** @internal The options both layers read from a config; the feature axis must be the last. */
  protected static commonArgs(fn: string, c: LayerConfig): NormalizationArgs {
    checkFeatureAxis(fn, optional(c, 'axis'));
    return {
      ...baseArgs(fn, c), epsilon: optional(c, 'epsilon'), center: optional(c, 'center'), scale: optional(c, 'scale'),
      betaInitializer: deserializeInitializer(optional(c, 'betaInitializer'), 'zeros'),
      gammaInitializer: deserializeInitializer(optional(c, 'gammaInitializer'), 'ones'),
    } as NormalizationArgs;
  }

  /** @internal */
  protected affineSpecs(n: number): WeightSpec[] {
    const w: WeightSpec[] = [];
    if (this.scale) w.push({ name: 'gamma', shape: [n], initializer: this.gammaInitializer, trainable: true });
    if (this.center) w.push({ name: 'beta', shape: [n], initializer: this.betaInitializer, trainable: true });
    return w;
  }

  /** The options both layers share, as Keras writes them, before their own. */
  protected commonConfig(): LayerConfig {
    return {
      axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer), gammaInitializer: serializeInitializer(this.gammaInitializer),
    };
  }
}

/**
 * Normalizes each feature with the batch's mean and variance during training,
 * and with moving averages of them at inference (Ioffe & Szegedy 2015).
 */
export class BatchNormalization extends NormalizationBase {
  /** The Keras class name. */
  static readonly className = 'BatchNormalization';
  readonly className = BatchNormalization.className;
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

  /** A BatchNormalization layer from its {@link BatchNormalization.getConfig} or a Keras / TensorFlow.js one (renorm refused). */
  static fromConfig(config: LayerConfig): BatchNormalization {
    const fn = 'BatchNormalization.fromConfig';
    const c = checkLayerConfig(fn, config);
    if (optional(c, 'renorm') === true) throw rangeError(fn, 'renorm is not supported');
    return new BatchNormalization({
      ...NormalizationBase.commonArgs(fn, c), momentum: optional(c, 'momentum'),
      movingMeanInitializer: deserializeInitializer(optional(c, 'movingMeanInitializer'), 'zeros'),
      movingVarianceInitializer: deserializeInitializer(optional(c, 'movingVarianceInitializer'), 'ones'),
    } as BatchNormalizationArgs);
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('batchNormalization', this, inputShape);
    return { kind: native.enums.layer.batchNormalization, epsilon: this.epsilon, momentum: this.momentum, center: this.center, scale: this.scale };
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

  override getConfig(): LayerConfig {
    const { axis, ...common } = this.commonConfig();
    return {
      axis, momentum: this.momentum, ...common,
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: null, gammaRegularizer: null, betaConstraint: null, gammaConstraint: null, ...super.getConfig(),
    };
  }
}

registerLayer(BatchNormalization);

/** Normalizes each sample over its features (Ba et al. 2016); the same in training and inference. */
export class LayerNormalization extends NormalizationBase {
  /** The Keras class name. */
  static readonly className = 'LayerNormalization';
  readonly className = LayerNormalization.className;

  constructor(args: NormalizationArgs = {}) {
    super('layerNormalization', 'LayerNormalization', layerOptions('layerNormalization', args, OPTIONS) as NormalizationArgs);
    this.lockConfig();
  }

  /** A LayerNormalization layer from its {@link LayerNormalization.getConfig} or a Keras / TensorFlow.js one (rms_scaling refused). */
  static fromConfig(config: LayerConfig): LayerNormalization {
    const fn = 'LayerNormalization.fromConfig';
    const c = checkLayerConfig(fn, config);
    if (optional(c, 'rmsScaling') === true) throw rangeError(fn, 'rms_scaling is not supported');
    return new LayerNormalization(NormalizationBase.commonArgs(fn, c));
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('layerNormalization', this, inputShape);
    return { kind: native.enums.layer.layerNormalization, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    return this.affineSpecs(requireFlat('layerNormalization', this, inputShape));
  }

  override getConfig(): LayerConfig {
    return { ...this.commonConfig(), betaRegularizer: null, gammaRegularizer: null, ...super.getConfig() };
  }
}

registerLayer(LayerNormalization);
