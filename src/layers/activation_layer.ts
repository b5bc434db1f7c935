import { ACTIVATION_CODE, ActivationIdentifier, CanonicalActivation, KERAS_ACTIVATION_NAME, activationParam, resolveActivation } from '../activations';
import { typeError } from '../errors';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions, requireFlat } from './layer';

const OPTIONS = ['activation', 'alpha'] as const;

/** Options of {@link activation}. */
export interface ActivationArgs extends LayerArgs {
  /** The activation function. Required. */
  activation: ActivationIdentifier;
  /** alpha for 'leakyRelu' (default 0.2) and 'elu' (default 1). */
  alpha?: number;
}

/** Applies an activation function elementwise (softmax: over the features). */
export class ActivationLayer extends Layer {
  readonly className = 'Activation';
  readonly activation: CanonicalActivation;
  readonly alpha: number;

  constructor(options: ActivationArgs) {
    const args = layerOptions('activation', options, OPTIONS, true) as ActivationArgs;
    super('activation', 'Activation', args);
    if (args.activation === undefined) throw typeError('activation', 'options.activation is required');
    this.activation = resolveActivation('activation', args.activation);
    this.alpha = activationParam('activation', this.activation, args.alpha);
    this.lockConfig();
  }

  computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  /** @internal */
  toNative(inputShape: number[]): NativeLayerSpec {
    requireFlat('activation', this, inputShape);
    return { kind: 1, activation: ACTIVATION_CODE[this.activation], activationParam: this.alpha };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: KERAS_ACTIVATION_NAME[this.activation] };
  }
}
