// Conv2DTranspose over channels-last images (native/layers/conv2d_transpose.cc):
// the kernel in TensorFlow's layout [kernelHeight, kernelWidth, filters,
// inChannels], output size as Keras computes it (valid: in * strides +
// max(kernelSize - strides, 0); same: in * strides).
import { checkInt, rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import {
  ACTIVATION_BIAS_OPTIONS, ActivationBiasArgs, KernelParts, activationBiasSpec, kernelArgsFrom, kernelConfig, readActivationBias, readKernel,
} from './kernel_options';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions } from './layer';
import type { Initializer, InitializerIdentifier } from '../initializers';
import type { Regularizer } from '../regularizers';
import { CanonicalActivation } from '../activations';
import { registerLayer } from './registry';
import { PaddingMode, checkDataFormat, checkPadding, checkPair } from './window2d';

const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'kernelInitializer', 'kernelRegularizer', ...ACTIVATION_BIAS_OPTIONS] as const;

/** Options of {@link conv2dTranspose}. */
export interface Conv2DTransposeArgs extends LayerArgs, ActivationBiasArgs {
  /** Output channels. Required. */
  filters: number;
  /** Window height and width, or one number for both. Required. */
  kernelSize: number | [number, number];
  /** Upsampling factor per axis, [h, w] or one number (default 1). */
  strides?: number | [number, number];
  /** 'valid' (default: output in * strides + max(kernelSize - strides, 0)) or 'same' (output in * strides). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default). */
  dataFormat?: 'channelsLast';
  /** Kernel initializer (default 'glorotUniform'). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the kernel: 'l1' | 'l2' | 'l1l2' or tf.regularizers.l2({l2}) (default none). */
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A transposed 2-D convolution (learnable upsampling): the input gradient of a conv2d, as a layer. */
export class Conv2DTranspose extends Layer {
  /** The Keras class name. */
  static readonly className = 'Conv2DTranspose';
  override readonly className = Conv2DTranspose.className;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;

  constructor(options: Conv2DTransposeArgs) {
    const fn = 'conv2dTranspose';
    const args = layerOptions(fn, options, OPTIONS, true) as Conv2DTransposeArgs;
    // 'Conv2dTranspose' names the layers conv2d_transpose, ... as Keras does.
    super(fn, 'Conv2dTranspose', args);
    this.filters = checkInt(fn, 'filters', args.filters, 1, 1 << 24);
    this.kernelSize = Object.freeze(checkPair(fn, 'kernelSize', args.kernelSize));
    this.strides = Object.freeze(checkPair(fn, 'strides', args.strides, [1, 1]));
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    ({ activation: this.activation, alpha: this.alpha, useBias: this.useBias, biasInitializer: this.biasInitializer } = readActivationBias(fn, args));
    ({ initializer: this.kernelInitializer, regularizer: this.kernelRegularizer } = readKernel(fn, args, 'kernel'));
    this.lockConfig();
  }

  /** A Conv2DTranspose layer from its {@link Conv2DTranspose.getConfig} or a Keras / TensorFlow.js one (constraints and other regularizers ignored, as in Dense; dilation and outputPadding refused). */
  static override fromConfig(config: LayerConfig): Conv2DTranspose {
    const fn = 'Conv2DTranspose.fromConfig';
    const c = checkLayerConfig(fn, config);
    const dilation = optional(c, 'dilationRate');
    if (dilation !== undefined && !(dilation === 1 || (Array.isArray(dilation) && dilation.every((d) => d === 1)))) {
      throw rangeError(fn, `dilationRate ${show(dilation)} is not supported (only 1)`);
    }
    if (optional(c, 'outputPadding') !== undefined) throw rangeError(fn, `outputPadding ${show(optional(c, 'outputPadding'))} is not supported`);
    return new Conv2DTranspose({
      ...baseArgs(fn, c), filters: optional(c, 'filters'), kernelSize: optional(c, 'kernelSize'), strides: optional(c, 'strides'),
      padding: optional(c, 'padding'), dataFormat: optional(c, 'dataFormat'), ...kernelArgsFrom(fn, c, ['kernel']),
    } as Conv2DTransposeArgs);
  }

  /** [h, w, channels] of the input; throws RangeError naming the layer and the shape. */
  #input(inputShape: number[]): number[] {
    const s = checkInputShape('conv2dTranspose', inputShape);
    if (s.length !== 3) throw rangeError('conv2dTranspose', `layer '${this.name}' expects per-sample input [height, width, channels], got ${show(s)}`);
    return s;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = this.#input(inputShape);
    const out = [0, 1].map((k) => s[k] * this.strides[k] + (this.padding === 'same' ? 0 : Math.max(this.kernelSize[k] - this.strides[k], 0)));
    if (out.some((d) => d > 2 ** 24)) throw rangeError('conv2dTranspose', `layer '${this.name}': output ${show(out)} of input ${show(s)} is too large (at most 2^24 per axis)`);
    return [out[0], out[1], this.filters];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = {
      kind: native.enums.layer.conv2dTranspose, filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      same: this.padding === 'same', ...activationBiasSpec(this), l1: this.kernelRegularizer?.l1 ?? 0, l2: this.kernelRegularizer?.l2 ?? 0,
    };
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const channels = this.#input(inputShape)[2];
    const w: WeightSpec[] = [{
      name: 'kernel', shape: [this.kernelSize[0], this.kernelSize[1], this.filters, channels], initializer: this.kernelInitializer, trainable: true,
    }];
    if (this.useBias) w.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** TensorFlow.js's Conv2DTranspose config (Keras names). */
  override getConfig(): LayerConfig {
    const kernel: KernelParts = { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer };
    return {
      filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, dataFormat: 'channels_last',
      dilationRate: [1, 1], ...kernelConfig('conv2dTranspose', this, { kernel }), ...super.getConfig(),
    };
  }
}

registerLayer(Conv2DTranspose);
