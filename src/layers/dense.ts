import { ActivationIdentifier, CanonicalActivation, ACTIVATION_CODE, activationParam, resolveActivation } from '../activations';
import { checkBool, checkInt } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { native } from '../native';
import { Regularizer, getRegularizer } from '../regularizers';
import {
  LayerConfig, baseArgs, checkLayerConfig, deserializeActivation, deserializeInitializer, deserializeRegularizer, optional,
  serializeActivation, serializeInitializer, serializeRegularizer,
} from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, layerOptions, requireFlat } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['units', 'activation', 'alpha', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer'] as const;

/** Options of {@link dense}. */
export interface DenseArgs extends LayerArgs {
  /** Output features. Required. */
  units: number;
  /** Activation applied to the output (default 'linear'). */
  activation?: ActivationIdentifier;
  /** alpha for 'leakyRelu' (default 0.2) and 'elu' (default 1). */
  alpha?: number;
  /** Whether to add a bias vector (default true). */
  useBias?: boolean;
  /** Kernel initializer (default 'glorotUniform'). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Bias initializer (default 'zeros'). */
  biasInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the kernel: 'l1' | 'l2' | 'l1l2' or tf.regularizers.l2({l2}) (default none). */
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A fully connected layer: `activation(x · kernel + bias)`. */
export class Dense extends Layer {
  /** The Keras class name. */
  static readonly className = 'Dense';
  override readonly className = Dense.className;
  readonly units: number;
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;

  constructor(options: DenseArgs) {
    const args = layerOptions('dense', options, OPTIONS, true) as DenseArgs;
    super('dense', 'Dense', args);
    const fn = 'dense';
    this.units = checkInt(fn, 'units', args.units, 1, 1 << 24);
    this.activation = resolveActivation(fn, args.activation);
    this.alpha = activationParam(fn, this.activation, args.alpha);
    this.useBias = args.useBias === undefined ? true : checkBool(fn, 'useBias', args.useBias);
    this.kernelInitializer = getInitializer(fn, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = getInitializer(fn, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(fn, args.kernelRegularizer);
    this.lockConfig();
  }

  /**
   * A Dense layer from its {@link Dense.getConfig}, or from a Keras /
   * TensorFlow.js Dense config (camelCase keys). Keys tensorforge has no use
   * for (constraints, a bias regularizer) are ignored, as they are in files.
   */
  static override fromConfig(config: LayerConfig): Dense {
    const fn = 'Dense.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Dense({
      ...baseArgs(fn, c), units: optional(c, 'units'), activation: deserializeActivation(fn, optional(c, 'activation')),
      alpha: optional(c, 'alpha'), useBias: optional(c, 'useBias'),
      kernelInitializer: deserializeInitializer(optional(c, 'kernelInitializer'), 'glorotUniform'),
      biasInitializer: deserializeInitializer(optional(c, 'biasInitializer'), 'zeros'),
      kernelRegularizer: deserializeRegularizer(fn, optional(c, 'kernelRegularizer')),
    } as DenseArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    requireFlat('dense', this, inputShape);
    return [this.units];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('dense', this, inputShape);
    return {
      kind: native.enums.layer.dense, units: this.units, useBias: this.useBias, activation: ACTIVATION_CODE[this.activation],
      activationParam: this.alpha, l1: this.kernelRegularizer?.l1 ?? 0, l2: this.kernelRegularizer?.l2 ?? 0,
    };
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const inDim = requireFlat('dense', this, inputShape);
    const w: WeightSpec[] = [{ name: 'kernel', shape: [inDim, this.units], initializer: this.kernelInitializer, trainable: true }];
    if (this.useBias) w.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** Keras's Dense config; `alpha` is a tensorforge addition, written only when it is not the activation's default (other readers ignore it). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = {
      units: this.units, activation: serializeActivation(this.activation), useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer), biasRegularizer: null, activityRegularizer: null,
      kernelConstraint: null, biasConstraint: null,
    };
    if (this.alpha !== activationParam('dense', this.activation)) config.alpha = this.alpha;
    return { ...config, ...super.getConfig() };
  }
}

registerLayer(Dense);
