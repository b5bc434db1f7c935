// SeparableConv2D over channels-last images (native/layers/separable_conv2d.cc):
// a depthwise convolution (depthwise_kernel [kernelHeight, kernelWidth,
// inChannels, depthMultiplier]) then a pointwise 1x1 one (pointwise_kernel
// [1, 1, inChannels * depthMultiplier, filters]) and the bias, as Keras.
import { CanonicalActivation } from '../activations';
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

const KERNELS = ['depthwise', 'pointwise'] as const;
const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'depthMultiplier', 'depthwiseInitializer',
  'pointwiseInitializer', 'depthwiseRegularizer', 'pointwiseRegularizer', ...ACTIVATION_BIAS_OPTIONS] as const;

/** Options of {@link separableConv2d}. */
export interface SeparableConv2DArgs extends LayerArgs, ActivationBiasArgs {
  /** Output channels (of the pointwise step). Required. */
  filters: number;
  /** Window height and width of the depthwise step, or one number for both. Required. */
  kernelSize: number | [number, number];
  /** Step between windows, [h, w] or one number (default 1). */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output ceil(input / strides), as TensorFlow). */
  padding?: PaddingMode;
  /** Only 'channelsLast' (default). */
  dataFormat?: 'channelsLast';
  /** Spacing between the depthwise kernel's taps, [h, w] or one number (default 1); not with strides above 1. */
  dilationRate?: number | [number, number];
  /** Depthwise filters per input channel (default 1). */
  depthMultiplier?: number;
  /** Depthwise kernel initializer (default 'glorotUniform'). */
  depthwiseInitializer?: InitializerIdentifier | Initializer;
  /** Pointwise kernel initializer (default 'glorotUniform'). */
  pointwiseInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the depthwise kernel (default none). */
  depthwiseRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  /** Penalty on the pointwise kernel (default none). */
  pointwiseRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A depthwise separable 2-D convolution: each channel filtered on its own, then mixed by a 1x1 convolution. */
export class SeparableConv2D extends Layer {
  /** The Keras class name. */
  static readonly className = 'SeparableConv2D';
  override readonly className = SeparableConv2D.className;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
  readonly dataFormat: 'channelsLast';
  readonly dilationRate: readonly [number, number];
  readonly depthMultiplier: number;
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly biasInitializer: Initializer;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly pointwiseRegularizer: Regularizer | null;

  constructor(options: SeparableConv2DArgs) {
    const fn = 'separableConv2d';
    const args = layerOptions(fn, options, OPTIONS, true) as SeparableConv2DArgs;
    // 'SeparableConv2d' names the layers separable_conv2d, ... as Keras does.
    super(fn, 'SeparableConv2d', args);
    this.filters = checkInt(fn, 'filters', args.filters, 1, 1 << 24);
    this.kernelSize = Object.freeze(checkPair(fn, 'kernelSize', args.kernelSize));
    this.strides = Object.freeze(checkPair(fn, 'strides', args.strides, [1, 1]));
    this.padding = checkPadding(fn, args.padding);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.dilationRate = Object.freeze(checkPair(fn, 'dilationRate', args.dilationRate, [1, 1]));
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw rangeError(fn, `strides ${show(this.strides)} and dilationRate ${show(this.dilationRate)} cannot both be above 1 (as in Keras)`);
    }
    this.depthMultiplier = args.depthMultiplier === undefined ? 1 : checkInt(fn, 'depthMultiplier', args.depthMultiplier, 1, 1 << 20);
    ({ activation: this.activation, alpha: this.alpha, useBias: this.useBias, biasInitializer: this.biasInitializer } = readActivationBias(fn, args));
    ({ initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer } = readKernel(fn, args, 'depthwise'));
    ({ initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer } = readKernel(fn, args, 'pointwise'));
    this.lockConfig();
  }

  /** A SeparableConv2D layer from its {@link SeparableConv2D.getConfig} or a Keras / TensorFlow.js one (constraints and other regularizers ignored, as in Dense). */
  static override fromConfig(config: LayerConfig): SeparableConv2D {
    const fn = 'SeparableConv2D.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new SeparableConv2D({
      ...baseArgs(fn, c), filters: optional(c, 'filters'), kernelSize: optional(c, 'kernelSize'), strides: optional(c, 'strides'),
      padding: optional(c, 'padding'), dataFormat: optional(c, 'dataFormat'), dilationRate: optional(c, 'dilationRate'),
      depthMultiplier: optional(c, 'depthMultiplier'), ...kernelArgsFrom(fn, c, KERNELS),
    } as SeparableConv2DArgs);
  }

  #window(inputShape: number[]): [number, number, number] {
    return windowOutput('separableConv2d', `layer '${this.name}'`, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [h, w] = this.#window(inputShape);
    return [h, w, this.filters];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = {
      kind: native.enums.layer.separableConv2d, filters: this.filters, depthMultiplier: this.depthMultiplier, kernelSize: [...this.kernelSize],
      strides: [...this.strides], dilationRate: [...this.dilationRate], same: this.padding === 'same', ...activationBiasSpec(this),
      depthwiseL1: this.depthwiseRegularizer?.l1 ?? 0, depthwiseL2: this.depthwiseRegularizer?.l2 ?? 0,
      pointwiseL1: this.pointwiseRegularizer?.l1 ?? 0, pointwiseL2: this.pointwiseRegularizer?.l2 ?? 0,
    };
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const c = this.#window(inputShape)[2];
    const cm = c * this.depthMultiplier;
    const w: WeightSpec[] = [
      { name: 'depthwise_kernel', shape: [this.kernelSize[0], this.kernelSize[1], c, this.depthMultiplier], initializer: this.depthwiseInitializer, trainable: true },
      { name: 'pointwise_kernel', shape: [1, 1, cm, this.filters], initializer: this.pointwiseInitializer, trainable: true },
    ];
    if (this.useBias) w.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** TensorFlow.js's SeparableConv2D config (Keras names). */
  override getConfig(): LayerConfig {
    return {
      filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, dataFormat: 'channels_last',
      dilationRate: [...this.dilationRate], depthMultiplier: this.depthMultiplier,
      ...kernelConfig('separableConv2d', this, {
        depthwise: { initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer },
        pointwise: { initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer },
      }),
      ...super.getConfig(),
    };
  }
}

registerLayer(SeparableConv2D);
