import { ACTIVATION_CODE, ActivationIdentifier, CanonicalActivation, activationParam, resolveActivation } from '../activations';
import { rangeError, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkFeatureAxis, checkLayerConfig, deserializeActivation, optional, serializeActivation } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { LayerAliases, registerLayer } from './registry';

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
  /** The Keras class name. */
  static readonly className = 'Activation';
  override readonly className = ActivationLayer.className;
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

  /**
   * An Activation layer from a Keras / TensorFlow.js Activation config: its
   * `activation` is required (null is linear); Keras's Activation has no
   * alpha. The LeakyReLU and ELU configs {@link ActivationLayer.getConfig}
   * may return are read by `deserializeLayer` under their own class names.
   */
  static override fromConfig(config: LayerConfig): ActivationLayer {
    const fn = 'Activation.fromConfig';
    const c = checkLayerConfig(fn, config);
    const base = baseArgs(fn, c);
    if (!Object.hasOwn(c, 'activation')) throw typeError(fn, 'config.activation is required (null means linear)');
    return new ActivationLayer({ ...base, activation: deserializeActivation(fn, optional(c, 'activation')) } as ActivationArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return checkInputShape('computeOutputShape', inputShape);
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    checkInputShape('activation', inputShape);  // any rank: the native layer works elementwise (softmax over the last axis)
    return { kind: native.enums.layer.activation, activation: ACTIVATION_CODE[this.activation], activationParam: this.alpha };
  }

  /**
   * 'Activation', or the Keras layer that carries this activation's alpha:
   * Keras's Activation layer has none, so leaky ReLU is saved as a LeakyReLU
   * layer and ELU with an alpha other than 1 as an ELU layer (both Keras and
   * TensorFlow.js read them).
   */
  override getClassName(): string {
    if (this.activation === 'leakyRelu') return 'LeakyReLU';
    if (this.activation === 'elu' && this.alpha !== 1) return 'ELU';
    return ActivationLayer.className;
  }

  /** The config of the class {@link ActivationLayer.getClassName} names: `{ activation }`, or `{ alpha }` for LeakyReLU and ELU. */
  override getConfig(): LayerConfig {
    const own = this.getClassName() === ActivationLayer.className ? { activation: serializeActivation(this.activation) } : { alpha: this.alpha };
    return { ...own, ...super.getConfig() };
  }
}

// Keras's advanced-activation layers, read as Activation layers. Writers
// disagree on names and defaults, as the comments say.
const advancedActivations: LayerAliases = {
  /** Keras 2 / TensorFlow.js: alpha (default 0.3); Keras 3: negative_slope (default 0.3). */
  LeakyReLU(config) {
    const fn = 'LeakyReLU.fromConfig';
    const c = checkLayerConfig(fn, config);
    const alpha = optional(c, 'alpha') ?? optional(c, 'negativeSlope') ?? 0.3;
    return new ActivationLayer({ ...baseArgs(fn, c), activation: 'leakyRelu', alpha } as ActivationArgs);
  },
  ELU(config) {
    const fn = 'ELU.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new ActivationLayer({ ...baseArgs(fn, c), activation: 'elu', alpha: optional(c, 'alpha') ?? 1 } as ActivationArgs);
  },
  /** Plain ReLU (max_value null) or ReLU6 (max_value 6); the leaky and thresholded forms are refused. */
  ReLU(config) {
    const fn = 'ReLU.fromConfig';
    const c = checkLayerConfig(fn, config);
    const max = optional(c, 'maxValue');
    if ((optional(c, 'negativeSlope') ?? 0) !== 0 || (optional(c, 'threshold') ?? 0) !== 0 || (max !== undefined && max !== 6)) {
      throw rangeError(fn, 'only ReLU with max_value null or 6, negative_slope 0 and threshold 0 is supported');
    }
    return new ActivationLayer({ ...baseArgs(fn, c), activation: max === 6 ? 'relu6' : 'relu' });
  },
  Softmax(config) {
    const fn = 'Softmax.fromConfig';
    const c = checkLayerConfig(fn, config);
    checkFeatureAxis(fn, optional(c, 'axis'));
    return new ActivationLayer({ ...baseArgs(fn, c), activation: 'softmax' });
  },
};

registerLayer(ActivationLayer, advancedActivations);
