// The options every layer with kernels shares (Dense, the convolutions):
// the fused activation and its alpha, the bias and its initializer, and each
// kernel's initializer and regularizer, read once here: from the factory's
// arguments, from a saved config, and back into a config (Keras names). A
// layer with several kernels (separableConv2d: depthwise and pointwise) names
// each one's prefix.
import { ActivationIdentifier, ACTIVATION_CODE, CanonicalActivation, activationParam, resolveActivation } from '../activations';
import { checkBool } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { Regularizer, getRegularizer } from '../regularizers';
import {
  LayerConfig, deserializeActivation, deserializeInitializer, deserializeRegularizer, optional, serializeActivation, serializeInitializer,
  serializeRegularizer,
} from './config';

/** The activation and bias options of a kernel layer. */
export interface ActivationBiasArgs {
  /** Activation applied to the output (default 'linear'), fused into the output pass. */
  activation?: ActivationIdentifier;
  /** alpha for 'leakyRelu' (default 0.2) and 'elu' (default 1). */
  alpha?: number;
  /** Whether to add a bias per output channel (default true). */
  useBias?: boolean;
  /** Bias initializer (default 'zeros'). */
  biasInitializer?: InitializerIdentifier | Initializer;
}

/** The option names of {@link ActivationBiasArgs}, for layerOptions. */
export const ACTIVATION_BIAS_OPTIONS = ['activation', 'alpha', 'useBias', 'biasInitializer'] as const;

/** The checked values of {@link ActivationBiasArgs}. */
export interface ActivationBias {
  activation: CanonicalActivation;
  alpha: number;
  useBias: boolean;
  biasInitializer: Initializer;
}

/** One kernel's checked initializer and regularizer. */
export interface KernelParts {
  initializer: Initializer;
  regularizer: Regularizer | null;
}

/** @internal Checks the activation and bias options of `fn`. */
export function readActivationBias(fn: string, args: ActivationBiasArgs): ActivationBias {
  const activation = resolveActivation(fn, args.activation);
  return {
    activation,
    alpha: activationParam(fn, activation, args.alpha),
    useBias: args.useBias === undefined ? true : checkBool(fn, 'useBias', args.useBias),
    biasInitializer: getInitializer(fn, 'biasInitializer', args.biasInitializer, 'zeros'),
  };
}

/** @internal Checks `<prefix>Initializer` and `<prefix>Regularizer` of `fn` (default initializer glorotUniform, as Keras). */
export function readKernel(fn: string, args: object, prefix: string): KernelParts {
  const a = args as Record<string, unknown>;
  return {
    initializer: getInitializer(fn, `${prefix}Initializer`, a[`${prefix}Initializer`], 'glorotUniform'),
    regularizer: getRegularizer(fn, a[`${prefix}Regularizer`]),
  };
}

/** @internal The activation and bias options of a saved config, and each named kernel's initializer and regularizer, as factory arguments. */
export function kernelArgsFrom(fn: string, c: LayerConfig, prefixes: readonly string[]): Record<string, unknown> {
  const args: Record<string, unknown> = {
    activation: deserializeActivation(fn, optional(c, 'activation')), alpha: optional(c, 'alpha'), useBias: optional(c, 'useBias'),
    biasInitializer: deserializeInitializer(optional(c, 'biasInitializer'), 'zeros'),
  };
  for (const p of prefixes) {
    args[`${p}Initializer`] = deserializeInitializer(optional(c, `${p}Initializer`), 'glorotUniform');
    args[`${p}Regularizer`] = deserializeRegularizer(fn, optional(c, `${p}Regularizer`));
  }
  return args;
}

/** @internal The config entries (Keras names) of the activation, the bias and each named kernel; `alpha` only when it is not the activation's default. */
export function kernelConfig(fn: string, o: ActivationBias, kernels: Readonly<Record<string, KernelParts>>): LayerConfig {
  const config: LayerConfig = { activation: serializeActivation(o.activation), useBias: o.useBias };
  for (const [p, k] of Object.entries(kernels)) config[`${p}Initializer`] = serializeInitializer(k.initializer);
  config.biasInitializer = serializeInitializer(o.biasInitializer);
  for (const [p, k] of Object.entries(kernels)) config[`${p}Regularizer`] = serializeRegularizer(k.regularizer);
  config.biasRegularizer = null;
  config.activityRegularizer = null;
  for (const p of Object.keys(kernels)) config[`${p}Constraint`] = null;
  config.biasConstraint = null;
  if (o.alpha !== activationParam(fn, o.activation)) config.alpha = o.alpha;
  return config;
}

/** @internal The native layer's activation and bias options. */
export function activationBiasSpec(o: ActivationBias): { useBias: boolean; activation: number; activationParam: number } {
  return { useBias: o.useBias, activation: ACTIVATION_CODE[o.activation], activationParam: o.alpha };
}
