// DepthwiseConv2D over channels-last images (native/layers/depthwise_conv2d.cc):
// each input channel convolved with its own depthMultiplier filters, kernel
// [kernelHeight, kernelWidth, inChannels, depthMultiplier] as in TensorFlow.
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

const OPTIONS = ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'dataFormat', 'dilationRate', 'depthwiseInitializer', 'depthwiseRegularizer',
  ...ACTIVATION_BIAS_OPTIONS] as const;

/** Options of {@link depthwiseConv2d}. */
export interface DepthwiseConv2DArgs extends LayerArgs, ActivationBiasArgs {
  /** Window height and width, or one number for both. Required. */
  kernelSize: number | [number, number];
  /** Filters per input channel (default 1): output channels = inChannels * depthMultiplier. */
  depthMultiplier?: number;
  /** Step between windows, [h, w] or one number (default 1). */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output ceil(input / strides), as TensorFlow). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default). */
  dataFormat?: 'channelsLast';
  /** Spacing between the kernel's taps, [h, w] or one number (default 1); not with strides above 1. */
  dilationRate?: number | [number, number];
  /** Kernel initializer (default 'glorotUniform'). */
  depthwiseInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the kernel: 'l1' | 'l2' | 'l1l2' or tf.regularizers.l2({l2}) (default none). */
  depthwiseRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A depthwise 2-D convolution: each channel filtered on its own. */
export class DepthwiseConv2D extends Layer {
  /** The Keras class name. */
  static readonly className = 'DepthwiseConv2D';
  override readonly className = DepthwiseConv2D.className;
  readonly kernelSize: readonly [number, number];
  readonly depthMultiplier: number;
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly dilationRate: readonly [number, number];
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;

  constructor(options: DepthwiseConv2DArgs) {
    const fn = 'depthwiseConv2d';
    const args = layerOptions(fn, options, OPTIONS, true) as DepthwiseConv2DArgs;
    // 'DepthwiseConv2d' names the layers depthwise_conv2d, ... as Keras does.
    super(fn, 'DepthwiseConv2d', args);
    this.kernelSize = Object.freeze(checkPair(fn, 'kernelSize', args.kernelSize));
    this.depthMultiplier = args.depthMultiplier === undefined ? 1 : checkInt(fn, 'depthMultiplier', args.depthMultiplier, 1, 1 << 20);
    this.strides = Object.freeze(checkPair(fn, 'strides', args.strides, [1, 1]));
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.dilationRate = Object.freeze(checkPair(fn, 'dilationRate', args.dilationRate, [1, 1]));
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw rangeError(fn, `strides ${show(this.strides)} and dilationRate ${show(this.dilationRate)} cannot both be above 1 (as in Keras)`);
    }
    ({ activation: this.activation, alpha: this.alpha, useBias: this.useBias, biasInitializer: this.biasInitializer } = readActivationBias(fn, args));
    ({ initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer } = readKernel(fn, args, 'depthwise'));
    this.lockConfig();
  }

  /** A DepthwiseConv2D layer from its {@link DepthwiseConv2D.getConfig} or a Keras / TensorFlow.js one (constraints and other regularizers ignored, as in Dense). */
  static override fromConfig(config: LayerConfig): DepthwiseConv2D {
    const fn = 'DepthwiseConv2D.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new DepthwiseConv2D({
      ...baseArgs(fn, c), kernelSize: optional(c, 'kernelSize'), depthMultiplier: optional(c, 'depthMultiplier'), strides: optional(c, 'strides'),
      padding: optional(c, 'padding'), dataFormat: optional(c, 'dataFormat'), dilationRate: optional(c, 'dilationRate'),
      ...kernelArgsFrom(fn, c, ['depthwise']),
    } as DepthwiseConv2DArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [h, w, c] = windowOutput('depthwiseConv2d', `layer '${this.name}'`, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
    return [h, w, c * this.depthMultiplier];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = {
      kind: native.enums.layer.depthwiseConv2d, depthMultiplier: this.depthMultiplier, kernelSize: [...this.kernelSize], strides: [...this.strides],
      dilationRate: [...this.dilationRate], same: this.padding === 'same', ...activationBiasSpec(this),
      l1: this.depthwiseRegularizer?.l1 ?? 0, l2: this.depthwiseRegularizer?.l2 ?? 0,
    };
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const c = windowOutput('depthwiseConv2d', `layer '${this.name}'`, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding)[2];
    const w: WeightSpec[] = [{
      name: 'depthwise_kernel', shape: [this.kernelSize[0], this.kernelSize[1], c, this.depthMultiplier], initializer: this.depthwiseInitializer, trainable: true,
    }];
    if (this.useBias) w.push({ name: 'bias', shape: [c * this.depthMultiplier], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** TensorFlow.js's DepthwiseConv2D config (Keras names); `alpha` is written only when it is not the activation's default. */
  override getConfig(): LayerConfig {
    return {
      kernelSize: [...this.kernelSize], depthMultiplier: this.depthMultiplier, strides: [...this.strides], padding: this.padding,
      dataFormat: 'channels_last', dilationRate: [...this.dilationRate],
      ...kernelConfig('depthwiseConv2d', this, { depthwise: { initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer } }),
      ...super.getConfig(),
    };
  }
}

registerLayer(DepthwiseConv2D);
