import { ACTIVATION_CODE, ActivationIdentifier, CanonicalActivation, KERAS_ACTIVATION_NAME, activationParam, resolveActivation } from '../activations';
import { checkBool, checkInt } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { Regularizer, getRegularizer } from '../regularizers';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, layerOptions, requireFlat } from './layer';

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
  readonly className = 'Dense';
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

  computeOutputShape(inputShape: number[]): number[] {
    requireFlat('dense', this, inputShape);
    return [this.units];
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('dense', this, inputShape);
    return {
      kind: 0, units: this.units, useBias: this.useBias, activation: ACTIVATION_CODE[this.activation],
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

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: KERAS_ACTIVATION_NAME[this.activation], useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.className, config: this.kernelInitializer.getConfig() },
      biasInitializer: { className: this.biasInitializer.className, config: this.biasInitializer.getConfig() },
      kernelRegularizer: this.kernelRegularizer ? { className: 'L1L2', config: { l1: this.kernelRegularizer.l1, l2: this.kernelRegularizer.l2 } } : null,
    };
  }
}
