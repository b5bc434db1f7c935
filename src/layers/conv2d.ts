// Conv2D over channels-last images (native/layers/conv2d.cc): the kernel in
// TensorFlow's HWIO layout [kernelHeight, kernelWidth, inChannels, filters],
// so TensorFlow.js and Keras files load without transposes.
import type { CanonicalActivation } from '../activations';
import { checkInt, rangeError, show } from '../errors';
import type { Initializer, InitializerIdentifier } from '../initializers';
import { native } from '../native';
import type { Regularizer } from '../regularizers';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import {
  ACTIVATION_BIAS_OPTIONS, ActivationBiasArgs, activationBiasSpec, kernelArgsFrom, kernelConfig, readActivationBias, readKernel,
} from './kernel_options';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, layerOptions } from './layer';
import { registerLayer } from './registry';
import { PaddingMode, checkDataFormat, checkPadding, checkPair, windowOutput } from './window2d';

const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'kernelInitializer', 'kernelRegularizer',
  ...ACTIVATION_BIAS_OPTIONS] as const;

/** Options of {@link conv2d}. */
export interface Conv2DArgs extends LayerArgs, ActivationBiasArgs {
  /** Output channels. Required. */
  filters: number;
  /** Window height and width, or one number for both. Required. */
  kernelSize: number | [number, number];
  /** Step between windows, [h, w] or one number (default 1). */
  strides?: number | [number, number];
  /** 'valid' (no padding, the default) or 'same' (zero padding, output ceil(input / strides), as TensorFlow). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
  /** Spacing between the kernel's taps, [h, w] or one number (default 1); not with strides above 1. */
  dilationRate?: number | [number, number];
  /** Kernel initializer (default 'glorotUniform'; fans count the window: kh * kw * channels in, kh * kw * filters out). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the kernel: 'l1' | 'l2' | 'l1l2' or tf.regularizers.l2({l2}) (default none). */
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A 2-D convolution over channels-last images: `activation(conv(x, kernel) + bias)`. */
export class Conv2D extends Layer {
  /** The Keras class name. */
  static readonly className = 'Conv2D';
  override readonly className = Conv2D.className;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly dilationRate: readonly [number, number];
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;

  constructor(options: Conv2DArgs) {
    const fn = 'conv2d';
    const args = layerOptions(fn, options, OPTIONS, true) as Conv2DArgs;
    // 'Conv2d' names the layers conv2d, conv2d_1, ... as Keras and TensorFlow.js do.
    super(fn, 'Conv2d', args);
    this.filters = checkInt(fn, 'filters', args.filters, 1, 1 << 24);
    this.kernelSize = Object.freeze(checkPair(fn, 'kernelSize', args.kernelSize));
    this.strides = Object.freeze(checkPair(fn, 'strides', args.strides, [1, 1]));
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.dilationRate = Object.freeze(checkPair(fn, 'dilationRate', args.dilationRate, [1, 1]));
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw rangeError(fn, `strides ${show(this.strides)} and dilationRate ${show(this.dilationRate)} cannot both be above 1 (as in Keras)`);
    }
    ({ activation: this.activation, alpha: this.alpha, useBias: this.useBias, biasInitializer: this.biasInitializer } = readActivationBias(fn, args));
    ({ initializer: this.kernelInitializer, regularizer: this.kernelRegularizer } = readKernel(fn, args, 'kernel'));
    this.lockConfig();
  }

  /**
   * A Conv2D layer from its {@link Conv2D.getConfig}, or from a Keras /
   * TensorFlow.js Conv2D config. Constraints and bias / activity
   * regularizers are ignored, as in Dense; grouped convolutions are refused.
   */
  static override fromConfig(config: LayerConfig): Conv2D {
    const fn = 'Conv2D.fromConfig';
    const c = checkLayerConfig(fn, config);
    const groups = optional(c, 'groups');
    if (groups !== undefined && groups !== 1) throw rangeError(fn, `groups ${show(groups)} is not supported (only 1)`);
    return new Conv2D({
      ...baseArgs(fn, c), filters: optional(c, 'filters'), kernelSize: optional(c, 'kernelSize'), strides: optional(c, 'strides'),
      padding: optional(c, 'padding'), dataFormat: optional(c, 'dataFormat'), dilationRate: optional(c, 'dilationRate'),
      ...kernelArgsFrom(fn, c, ['kernel']),
    } as Conv2DArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [h, w] = windowOutput('conv2d', `layer '${this.name}'`, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
    return [h, w, this.filters];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = {
      kind: native.enums.layer.conv2d, filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides],
      dilationRate: [...this.dilationRate], same: this.padding === 'same', ...activationBiasSpec(this),
      l1: this.kernelRegularizer?.l1 ?? 0, l2: this.kernelRegularizer?.l2 ?? 0,
    };
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const channels = windowOutput('conv2d', `layer '${this.name}'`, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding)[2];
    const w: WeightSpec[] = [{
      name: 'kernel', shape: [this.kernelSize[0], this.kernelSize[1], channels, this.filters], initializer: this.kernelInitializer, trainable: true,
    }];
    if (this.useBias) w.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** TensorFlow.js's Conv2D config (Keras names); `alpha` is written only when it is not the activation's default. */
  override getConfig(): LayerConfig {
    return {
      filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      dataFormat: 'channels_last', dilationRate: [...this.dilationRate],
      ...kernelConfig('conv2d', this, { kernel: { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer } }), ...super.getConfig(),
    };
  }
}

registerLayer(Conv2D);
