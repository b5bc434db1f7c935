// Conv1D over sequences [steps, channels] (native/layers/conv2d.cc runs it as
// a conv2d over one row of pixels): the kernel [kernelSize, inChannels,
// filters] as in TensorFlow, padding 'valid', 'same' or 'causal'.
import type { CanonicalActivation } from '../activations';
import { checkInt, checkOneOf, rangeError, show } from '../errors';
import type { Initializer, InitializerIdentifier } from '../initializers';
import { native } from '../native';
import type { Regularizer } from '../regularizers';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import {
  ACTIVATION_BIAS_OPTIONS, ActivationBiasArgs, activationBiasSpec, kernelArgsFrom, kernelConfig, readActivationBias, readKernel,
} from './kernel_options';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { checkDataFormat, checkSingle } from './window2d';

const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'kernelInitializer', 'kernelRegularizer',
  ...ACTIVATION_BIAS_OPTIONS] as const;
const PADDINGS = ['valid', 'same', 'causal'] as const;

/** Options of {@link conv1d}. */
export interface Conv1DArgs extends LayerArgs, ActivationBiasArgs {
  /** Output channels. Required. */
  filters: number;
  /** Window length (a number or [k]). Required. */
  kernelSize: number | [number];
  /** Step between windows (default 1). */
  strides?: number | [number];
  /** 'valid' (default), 'same', or 'causal' (zeros on the left only: output t sees inputs up to t). */
  padding?: 'valid' | 'same' | 'causal';
  /** Only 'channelsLast' (default): inputs are [batch, steps, channels]. */
  dataFormat?: 'channelsLast';
  /** Spacing between the kernel's taps (default 1); not with strides above 1. */
  dilationRate?: number | [number];
  /** Kernel initializer (default 'glorotUniform'). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Penalty on the kernel: 'l1' | 'l2' | 'l1l2' or tf.regularizers.l2({l2}) (default none). */
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

/** A 1-D convolution over sequences: `activation(conv(x, kernel) + bias)`. */
export class Conv1D extends Layer {
  /** The Keras class name. */
  static readonly className = 'Conv1D';
  override readonly className = Conv1D.className;
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: 'channelsLast';
  readonly dilationRate: number;
  readonly activation: CanonicalActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;

  constructor(options: Conv1DArgs) {
    const fn = 'conv1d';
    const args = layerOptions(fn, options, OPTIONS, true) as Conv1DArgs;
    // 'Conv1d' names the layers conv1d, conv1d_1, ... as Keras and TensorFlow.js do.
    super(fn, 'Conv1d', args);
    this.filters = checkInt(fn, 'filters', args.filters, 1, 1 << 24);
    this.kernelSize = checkSingle(fn, 'kernelSize', args.kernelSize);
    this.strides = checkSingle(fn, 'strides', args.strides, 1);
    this.padding = args.padding === undefined ? 'valid' : checkOneOf(fn, 'padding', args.padding, PADDINGS);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
    this.dilationRate = checkSingle(fn, 'dilationRate', args.dilationRate, 1);
    if (this.strides > 1 && this.dilationRate > 1) {
      throw rangeError(fn, `strides ${this.strides} and dilationRate ${this.dilationRate} cannot both be above 1 (as in Keras)`);
    }
    ({ activation: this.activation, alpha: this.alpha, useBias: this.useBias, biasInitializer: this.biasInitializer } = readActivationBias(fn, args));
    ({ initializer: this.kernelInitializer, regularizer: this.kernelRegularizer } = readKernel(fn, args, 'kernel'));
    this.lockConfig();
  }

  /** A Conv1D layer from its {@link Conv1D.getConfig} or a Keras / TensorFlow.js one (constraints and other regularizers ignored, as in Dense). */
  static override fromConfig(config: LayerConfig): Conv1D {
    const fn = 'Conv1D.fromConfig';
    const c = checkLayerConfig(fn, config);
    const groups = optional(c, 'groups');
    if (groups !== undefined && groups !== 1) throw rangeError(fn, `groups ${show(groups)} is not supported (only 1)`);
    return new Conv1D({
      ...baseArgs(fn, c), filters: optional(c, 'filters'), kernelSize: optional(c, 'kernelSize'), strides: optional(c, 'strides'),
      padding: optional(c, 'padding'), dataFormat: optional(c, 'dataFormat'), dilationRate: optional(c, 'dilationRate'),
      ...kernelArgsFrom(fn, c, ['kernel']),
    } as Conv1DArgs);
  }

  /** [steps, channels] of the input; throws RangeError naming the layer and the shape. */
  #input(inputShape: number[]): [number, number] {
    const s = checkInputShape('conv1d', inputShape);
    if (s.length !== 2) throw rangeError('conv1d', `layer '${this.name}' expects per-sample input [steps, channels], got ${show(s)}`);
    return [s[0], s[1]];
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [steps] = this.#input(inputShape);
    const effective = (this.kernelSize - 1) * this.dilationRate + 1;
    if (this.padding !== 'valid') return [Math.ceil(steps / this.strides), this.filters];
    if (effective > steps) {
      throw rangeError('conv1d', `layer '${this.name}': window ${effective} is larger than its input ${show(inputShape)} under 'valid' padding`);
    }
    return [Math.floor((steps - effective) / this.strides) + 1, this.filters];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = {
      kind: native.enums.layer.conv1d, filters: this.filters, kernelSize: [1, this.kernelSize], strides: [1, this.strides],
      dilationRate: [1, this.dilationRate], same: this.padding === 'same', causal: this.padding === 'causal', ...activationBiasSpec(this),
      l1: this.kernelRegularizer?.l1 ?? 0, l2: this.kernelRegularizer?.l2 ?? 0,
    };
    return spec;
  }

  /** @internal */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const [, channels] = this.#input(inputShape);
    const w: WeightSpec[] = [{ name: 'kernel', shape: [this.kernelSize, channels, this.filters], initializer: this.kernelInitializer, trainable: true }];
    if (this.useBias) w.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, trainable: true });
    return w;
  }

  /** TensorFlow.js's Conv1D config (Keras names); `alpha` is written only when it is not the activation's default. */
  override getConfig(): LayerConfig {
    return {
      filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding, dataFormat: 'channels_last',
      dilationRate: [this.dilationRate],
      ...kernelConfig('conv1d', this, { kernel: { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer } }), ...super.getConfig(),
    };
  }
}

registerLayer(Conv1D);
