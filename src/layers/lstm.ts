// LSTM: one native layer over the whole sequence (native/layers/lstm.cc).
import { ActivationIdentifier, CanonicalActivation, ACTIVATION_CODE } from '../activations';
import { checkBool } from '../errors';
import { Initializer } from '../initializers';
import { native } from '../native';
import { serializeActivation, LayerConfig, checkLayerConfig, deserializeActivation, optional } from './config';
import { NativeLayerSpec, layerOptions } from './layer';
import { RECURRENT_OPTIONS, RecurrentArgs, RecurrentLayer, recurrentActivation, recurrentArgsFromConfig } from './recurrent';
import { registerLayer } from './registry';

const OPTIONS = [...RECURRENT_OPTIONS, 'recurrentActivation', 'unitForgetBias'] as const;

/** Options of {@link lstm}. */
export interface LSTMArgs extends RecurrentArgs {
  /** Activation of the input, forget and output gates (default 'sigmoid', as Keras; TensorFlow.js defaults to Keras 2's hard sigmoid, which tensorforge does not have). */
  recurrentActivation?: ActivationIdentifier;
  /** Start the forget gate's bias at 1 (Jozefowicz et al. 2015), whatever biasInitializer gives the others (default true). */
  unitForgetBias?: boolean;
}

/**
 * Long short-term memory over sequences [batch, time, features]: gates i, f,
 * c, o in Keras's order and layout (kernel [features, 4 units],
 * recurrent_kernel [units, 4 units], bias [4 units]), so Keras and
 * TensorFlow.js files load unchanged.
 */
export class LSTM extends RecurrentLayer {
  /** The Keras class name. */
  static readonly className = 'LSTM';
  override readonly className = LSTM.className;
  readonly recurrentActivation: CanonicalActivation;
  readonly unitForgetBias: boolean;
  protected readonly gates = 4;
  protected readonly nativeKind = native.enums.layer.lstm;

  constructor(options: LSTMArgs) {
    const args = layerOptions('lstm', options, OPTIONS, true) as LSTMArgs;
    super('lstm', 'LSTM', args);
    this.recurrentActivation = recurrentActivation('lstm', 'recurrentActivation', args.recurrentActivation, 'sigmoid');
    this.unitForgetBias = args.unitForgetBias === undefined ? true : checkBool('lstm', 'unitForgetBias', args.unitForgetBias);
    this.lockConfig();
  }

  protected get fn(): string {
    return 'lstm';
  }

  /** @internal h and c. */
  override get stateCount(): number {
    return 2;
  }

  /** An LSTM layer from its {@link LSTM.getConfig} or a Keras / TensorFlow.js one (camelCase keys). */
  static override fromConfig(config: LayerConfig): LSTM {
    const fn = 'LSTM.fromConfig';
    const c = checkLayerConfig(fn, config);
    const ra = optional(c, 'recurrentActivation');
    return new LSTM({
      ...recurrentArgsFromConfig(fn, c),
      recurrentActivation: (ra === undefined ? undefined : deserializeActivation(fn, ra)) as ActivationIdentifier | undefined,
      unitForgetBias: optional(c, 'unitForgetBias') as boolean | undefined,
    });
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    const spec = this.nativeSpec(inputShape);
    spec.recurrentActivation = ACTIVATION_CODE[this.recurrentActivation];
    return spec;
  }

  /** @internal */
  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    return { shape: [4 * this.units], initializer: this.unitForgetBias ? this.forgetGateOnes() : this.biasInitializer };
  }

  /** Keras's LSTM config. */
  override getConfig(): LayerConfig {
    const { units, activation, ...rest } = super.getConfig();
    return {
      units, activation, recurrentActivation: serializeActivation(this.recurrentActivation), unitForgetBias: this.unitForgetBias, ...rest,
    };
  }
}

registerLayer(LSTM);
