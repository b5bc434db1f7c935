// Activation names (Keras snake_case and TensorFlow.js camelCase) and the
// codes the native engine uses for them (native.enums.activation).
import { checkNumber, checkOneOf } from './errors';
import { nativeCodes } from './native_codes';

/** Activation functions a layer can apply. */
export type ActivationIdentifier =
  | 'linear' | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'sigmoid' | 'hardSigmoid' | 'tanh'
  | 'softplus' | 'softsign' | 'gelu' | 'gelu_new' | 'silu' | 'swish' | 'softmax'
  | 'leaky_relu' | 'hard_sigmoid' | 'geluNew';

const CANONICAL = ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh',
  'softplus', 'softsign', 'gelu', 'gelu_new', 'silu', 'softmax'] as const;
/** An activation's canonical name (aliases such as 'leaky_relu' or 'swish' resolve to one of these). */
export type CanonicalActivation = (typeof CANONICAL)[number];

const ALIASES: Record<string, CanonicalActivation> = {
  leaky_relu: 'leakyRelu', leakyrelu: 'leakyRelu', hard_sigmoid: 'hardSigmoid', hardsigmoid: 'hardSigmoid',
  swish: 'silu', geluNew: 'gelu_new', gelu_approximate: 'gelu_new', approximate: 'gelu_new',
};

/** @internal Native code of each activation, from the addon's table (TF_ACTIVATIONS in native/activations.h). */
export const ACTIVATION_CODE: Readonly<Record<CanonicalActivation, number>> = nativeCodes('activation', CANONICAL);

/** @internal Keras's serialized name for each activation (used by save/load). */
export const KERAS_ACTIVATION_NAME: Record<CanonicalActivation, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', leakyRelu: 'leaky_relu', elu: 'elu', selu: 'selu',
  sigmoid: 'sigmoid', hardSigmoid: 'hard_sigmoid', tanh: 'tanh', softplus: 'softplus', softsign: 'softsign',
  gelu: 'gelu', gelu_new: 'gelu_new', silu: 'silu', softmax: 'softmax',
};

/** @internal Resolves a user-given activation name; undefined/null mean linear. */
export function resolveActivation(fn: string, name: unknown): CanonicalActivation {
  if (name === undefined || name === null) return 'linear';
  return checkOneOf(fn, 'activation', name, CANONICAL, ALIASES);
}

/** @internal Default parameter for parameterised activations (alpha). */
export function activationParam(fn: string, a: CanonicalActivation, alpha?: unknown): number {
  if (alpha !== undefined) checkNumber(fn, 'alpha', alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  if (a === 'leakyRelu') return (alpha as number | undefined) ?? 0.2;  // TensorFlow.js default (Keras 3's leaky_relu uses 0.2 too)
  if (a === 'elu') return (alpha as number | undefined) ?? 1;
  return 0;
}
