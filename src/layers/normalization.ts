// BatchNormalization over the channel (last) axis of inputs of any rank
// ([batch, features], [batch, steps, channels], [batch, h, w, channels]:
// statistics per channel over the batch and every position, as Keras), and
// LayerNormalization over the feature axis of [batch, features].
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
  /** Feature axis; only the last: -1 (default), or, for BatchNormalization, its index counted with the batch axis (3 for images), as Keras saves it. */
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

  protected constructor(fn: string, className: string, a: NormalizationArgs, positiveAxis = false) {
    super(fn, className, a);
    const axisOk = a.axis === undefined || a.axis === -1 || (positiveAxis && Number.isInteger(a.axis) && (a.axis as number) >= 1 && (a.axis as number) <= 32);
    if (!axisOk) throw rangeError(fn, `only the last axis is supported (-1${positiveAxis ? ', or its index counted with the batch axis' : ''}), got ${show(a.axis)}`);
    this.epsilon = checkNumber(fn, 'epsilon', a.epsilon ?? 1e-3, 0, Infinity, true);
    this.center = a.center === undefined ? true : checkBool(fn, 'center', a.center);
    this.scale = a.scale === undefined ? true : checkBool(fn, 'scale', a.scale);
    this.betaInitializer = getInitializer(fn, 'betaInitializer', a.betaInitializer, 'zeros');
    this.gammaInitializer = getInitializer(fn, 'gammaInitializer', a.gammaInitializer, 'ones');
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  /** @internal The options both layers read from a config; the feature axis must be the last (checked here for flat inputs unless `anyRank`). */
  protected static commonArgs(fn: string, c: LayerConfig, anyRank = false): NormalizationArgs {
    if (!anyRank) checkFeatureAxis(fn, optional(c, 'axis'));
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
  protected commonConfig(axis = -1): LayerConfig {
    return {
      axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
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
  override readonly className = BatchNormalization.className;
  /** The feature axis: -1, or the last axis's index counted with the batch axis (checked against the input at build). */
  readonly axis: number;
  readonly momentum: number;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;

  constructor(args: BatchNormalizationArgs = {}) {
    const a = layerOptions('batchNormalization', args, BATCH_OPTIONS) as BatchNormalizationArgs;
    super('batchNormalization', 'BatchNormalization', a, true);
    this.axis = a.axis ?? -1;
    this.momentum = checkNumber('batchNormalization', 'momentum', a.momentum ?? 0.99, 0, 1);
    this.movingMeanInitializer = getInitializer('batchNormalization', 'movingMeanInitializer', a.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = getInitializer('batchNormalization', 'movingVarianceInitializer', a.movingVarianceInitializer, 'ones');
    this.lockConfig();
  }

  /** A BatchNormalization layer from its {@link BatchNormalization.getConfig} or a Keras / TensorFlow.js one (renorm refused). */
  static override fromConfig(config: LayerConfig): BatchNormalization {
    const fn = 'BatchNormalization.fromConfig';
    const c = checkLayerConfig(fn, config);
    if (optional(c, 'renorm') === true) throw rangeError(fn, 'renorm is not supported');
    return new BatchNormalization({
      ...NormalizationBase.commonArgs(fn, c, true), axis: savedAxis(fn, optional(c, 'axis')), momentum: optional(c, 'momentum'),
      movingMeanInitializer: deserializeInitializer(optional(c, 'movingMeanInitializer'), 'zeros'),
      movingVarianceInitializer: deserializeInitializer(optional(c, 'movingVarianceInitializer'), 'ones'),
    } as BatchNormalizationArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape('batchNormalization', inputShape);
    if (this.axis !== -1 && this.axis !== s.length) {
      throw rangeError('batchNormalization', `layer '${this.name}' normalizes axis ${this.axis}, which is not the last axis of its input [batch, ${s.join(', ')}]; only the last is supported`);
    }
    return s;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    return { kind: native.enums.layer.batchNormalization, epsilon: this.epsilon, momentum: this.momentum, center: this.center, scale: this.scale };
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const s = this.computeOutputShape(inputShape);
    const n = s[s.length - 1];
    return [
      ...this.affineSpecs(n),
      { name: 'moving_mean', shape: [n], initializer: this.movingMeanInitializer, trainable: false },
      { name: 'moving_variance', shape: [n], initializer: this.movingVarianceInitializer, trainable: false },
    ];
  }

  override getConfig(): LayerConfig {
    const { axis, ...common } = this.commonConfig(this.axis);
    return {
      axis, momentum: this.momentum, ...common,
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: null, gammaRegularizer: null, betaConstraint: null, gammaConstraint: null, ...super.getConfig(),
    };
  }
}

registerLayer(BatchNormalization);

/** A saved BatchNormalization axis: -1, a positive index (Keras 2 writes [3] for images), alone or in a one-element list; absent or null is -1. */
function savedAxis(fn: string, axis: unknown): number {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (a === undefined || a === null) return -1;
  if (a === -1 || (Number.isInteger(a) && (a as number) >= 1 && (a as number) <= 32)) return a as number;
  throw rangeError(fn, `only the last axis is supported, got axis ${show(axis)}`);
}

/** Normalizes each sample over its features (Ba et al. 2016); the same in training and inference. */
export class LayerNormalization extends NormalizationBase {
  /** The Keras class name. */
  static readonly className = 'LayerNormalization';
  override readonly className = LayerNormalization.className;

  constructor(args: NormalizationArgs = {}) {
    super('layerNormalization', 'LayerNormalization', layerOptions('layerNormalization', args, OPTIONS) as NormalizationArgs);
    this.lockConfig();
  }

  /** A LayerNormalization layer from its {@link LayerNormalization.getConfig} or a Keras / TensorFlow.js one (rms_scaling refused). */
  static override fromConfig(config: LayerConfig): LayerNormalization {
    const fn = 'LayerNormalization.fromConfig';
    const c = checkLayerConfig(fn, config);
    if (optional(c, 'rmsScaling') === true) throw rangeError(fn, 'rms_scaling is not supported');
    return new LayerNormalization(NormalizationBase.commonArgs(fn, c));
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
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
