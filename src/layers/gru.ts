// GRU: one native layer over the whole sequence (native/layers/gru.cc).
import { ActivationIdentifier, CanonicalActivation, ACTIVATION_CODE } from '../activations';
import { checkBool } from '../errors';
import { Initializer } from '../initializers';
import { native } from '../native';
import { LayerConfig, checkLayerConfig, deserializeActivation, optional, serializeActivation } from './config';
import { NativeLayerSpec, layerOptions } from './layer';
import { RECURRENT_OPTIONS, RecurrentArgs, RecurrentLayer, recurrentActivation, recurrentArgsFromConfig } from './recurrent';
import { registerLayer } from './registry';

const OPTIONS = [...RECURRENT_OPTIONS, 'recurrentActivation', 'resetAfter'] as const;

/** Options of {@link gru}. */
export interface GRUArgs extends RecurrentArgs {
  /** Activation of the update and reset gates (default 'sigmoid', as Keras; TensorFlow.js defaults to Keras 2's hard sigmoid, which tensorforge does not have). */
  recurrentActivation?: ActivationIdentifier;
  /**
   * Apply the reset gate after the recurrent product, with a second
   * (recurrent) bias row: bias [2, 3 units] (default true, as Keras 3 and
   * cuDNN). false is Keras 2's GRU, the one TensorFlow.js implements: bias [3 units].
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit over sequences [batch, time, features]: gates z, r, h
 * in Keras's order and layout (kernel [features, 3 units], recurrent_kernel
 * [units, 3 units]), so Keras and TensorFlow.js files load unchanged.
 */
export class GRU extends RecurrentLayer {
  /** The Keras class name. */
  static readonly className = 'GRU';
  override readonly className = GRU.className;
  readonly recurrentActivation: CanonicalActivation;
  readonly resetAfter: boolean;
  protected readonly gates = 3;
  protected readonly nativeKind = native.enums.layer.gru;

  constructor(options: GRUArgs) {
    const args = layerOptions('gru', options, OPTIONS, true) as GRUArgs;
    super('gru', 'GRU', args);
    this.recurrentActivation = recurrentActivation('gru', 'recurrentActivation', args.recurrentActivation, 'sigmoid');
    this.resetAfter = args.resetAfter === undefined ? true : checkBool('gru', 'resetAfter', args.resetAfter);
    this.lockConfig();
  }

  protected get fn(): string {
    return 'gru';
  }

  /** A GRU layer from its {@link GRU.getConfig} or a Keras / TensorFlow.js one (camelCase keys; a config without resetAfter is Keras 2's, reset before). */
  static override fromConfig(config: LayerConfig): GRU {
    const fn = 'GRU.fromConfig';
    const c = checkLayerConfig(fn, config);
    const ra = optional(c, 'recurrentActivation');
    return new GRU({
      ...recurrentArgsFromConfig(fn, c),
      recurrentActivation: (ra === undefined ? undefined : deserializeActivation(fn, ra)) as ActivationIdentifier | undefined,
      // TensorFlow.js writes no reset_after (its GRU is Keras 2's); Keras always writes it.
      resetAfter: (optional(c, 'resetAfter') ?? false) as boolean,
    });
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    const spec = this.nativeSpec(inputShape);
    spec.recurrentActivation = ACTIVATION_CODE[this.recurrentActivation];
    spec.resetAfter = this.resetAfter;
    return spec;
  }

  /** @internal */
  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    return { shape: this.resetAfter ? [2, 3 * this.units] : [3 * this.units], initializer: this.biasInitializer };
  }

  /** Keras's GRU config. */
  override getConfig(): LayerConfig {
    const { units, activation, ...rest } = super.getConfig();
    return { units, activation, recurrentActivation: serializeActivation(this.recurrentActivation), resetAfter: this.resetAfter, ...rest };
  }
}

registerLayer(GRU);
