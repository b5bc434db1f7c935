// Activation functions as tensor ops, and their derivatives. Both run the
// native kernels in native/activations.h that the training engine also uses.
import { checkBool, checkNumber, checkOneOf, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { recycle } from '../buffer_pool';
import { Tensor, checkTensor, disposeTemporary, ownedTensor } from '../tensor';
import { permute } from './movement';
import { allocate, normalizeAxis } from './shapes';
import { TAPE, record } from '../autodiff/tape';

// Must match tf::Activation in native/activations.h.
const Kind = {
  relu: 1, relu6: 2, leakyRelu: 3, elu: 4, selu: 5, sigmoid: 6, tanh: 8, softplus: 9, softsign: 10,
  gelu: 11, geluTanh: 12, silu: 13,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Float32 view of x: activations of int32 tensors are computed in float32. */
function asFloat(fn: string, name: string, x: Tensor): Tensor {
  checkTensor(fn, name, x);
  return x.cast('float32');
}

function elementwise(fn: string, kind: Kind, x: Tensor, param = 0): Tensor {
  const input = asFloat(fn, 'x', x);
  const out = allocate('float32', input.size, fn) as Float32Array;
  native.activation(kind, param, input.backing.array, out);
  disposeTemporary(input, x);
  const y = ownedTensor(out, x.shape, 'float32');
  // One kernel name for every activation: activationBackward differentiates them all.
  if (TAPE.active !== null) record('Activation', [x], y, { name: fn, kind, param, alpha: param, approximate: kind === Kind.geluTanh });
  return y;
}

/** max(x, 0) elementwise (int32 input gives float32, as for every activation here). */
export function relu(x: Tensor): Tensor {
  return elementwise('relu', Kind.relu, x);
}

/** min(max(x, 0), 6) elementwise. */
export function relu6(x: Tensor): Tensor {
  return elementwise('relu6', Kind.relu6, x);
}

/**
 * x for x > 0, alpha * x otherwise.
 * @param alpha slope for negative inputs (default 0.2, as in tfjs; Keras uses 0.3).
 */
export function leakyRelu(x: Tensor, alpha = 0.2): Tensor {
  checkNumber('leakyRelu', 'alpha', alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  return elementwise('leakyRelu', Kind.leakyRelu, x, alpha);
}

/** Exponential linear unit: x for x > 0, e^x - 1 otherwise. */
export function elu(x: Tensor): Tensor {
  return elementwise('elu', Kind.elu, x, 1);
}

/** Scaled ELU (Klambauer et al. 2017): scale * (x > 0 ? x : alpha * (e^x - 1)), alpha ≈ 1.6733, scale ≈ 1.0507. */
export function selu(x: Tensor): Tensor {
  return elementwise('selu', Kind.selu, x);
}

/** 1 / (1 + e^-x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  return elementwise('sigmoid', Kind.sigmoid, x);
}

/** Hyperbolic tangent elementwise. */
export function tanh(x: Tensor): Tensor {
  return elementwise('tanh', Kind.tanh, x);
}

/** log(1 + e^x), exact for large |x|. */
export function softplus(x: Tensor): Tensor {
  return elementwise('softplus', Kind.softplus, x);
}

/** x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return elementwise('softsign', Kind.softsign, x);
}

/**
 * Gaussian error linear unit x * Φ(x) (Hendrycks & Gimpel 2016).
 * @param approximate use the tanh approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))
 *   instead of the exact erf form (default false).
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  checkBool('gelu', 'approximate', approximate);
  return elementwise('gelu', approximate ? Kind.geluTanh : Kind.gelu, x);
}

/** Sigmoid linear unit x * sigmoid(x), a.k.a. swish. */
export function silu(x: Tensor): Tensor {
  return elementwise('silu', Kind.silu, x);
}

/** Alias of {@link silu}. */
export function swish(x: Tensor): Tensor {
  return elementwise('swish', Kind.silu, x);
}

/**
 * Runs a row-wise kernel along `axis`: the axis is swapped to the end (one
 * transpose) when it is not already last, and swapped back afterwards.
 */
function alongAxis(fn: string, x: Tensor, axis: unknown, run: (src: Tensor, rows: number, cols: number) => Float32Array): Tensor {
  if (x.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(fn, axis, x.rank);
  const last = x.rank - 1;
  const perm = x.shape.map((_, i) => (i === ax ? last : i === last ? ax : i));
  const src = ax === last ? x : permute(fn, x, perm);
  const cols = x.shape[ax];
  const rows = cols === 0 ? 0 : x.size / cols;
  const result = ownedTensor(run(src, rows, cols), src.shape, 'float32');
  disposeTemporary(src, x);
  if (ax === last) return result;
  const restored = permute(fn, result, perm);
  result.dispose();
  return restored;
}

function softmaxOp(fn: string, x: Tensor, axis: unknown, log: boolean): Tensor {
  const input = asFloat(fn, 'x', x);
  const result = alongAxis(fn, input, axis, (src, rows, cols) => {
    const out = allocate('float32', src.size, fn) as Float32Array;
    if (out.length > 0) native.softmax(src.backing.array, out, rows, cols, log);
    return out;
  });
  disposeTemporary(input, x);
  if (TAPE.active !== null) record('Activation', [x], result, { name: fn, axis });
  return result;
}

/**
 * e^x / Σ e^x along `axis`, computed stably (the row maximum is subtracted
 * first, so large logits give no NaN). `-Infinity` entries (masked logits)
 * get 0; a row whose maximum is `Infinity`, or whose entries are all
 * `-Infinity`, has no softmax and gives NaN, as in TensorFlow.js.
 * @param axis the axis to normalise over (default -1, the last).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('softmax', x, axis, false);
}

/**
 * x - log Σ e^x along `axis`, by log-sum-exp (finite for any finite logits).
 * @param axis the axis to normalise over (default -1, the last).
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('logSoftmax', x, axis, true);
}

/** Activations {@link activationBackward} can differentiate. */
export type ActivationOpName =
  | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'sigmoid' | 'tanh' | 'softplus' | 'softsign'
  | 'gelu' | 'silu' | 'swish' | 'softmax' | 'logSoftmax';

const NAMES: readonly ActivationOpName[] = [
  'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'softsign',
  'gelu', 'silu', 'swish', 'softmax', 'logSoftmax',
];

/** Options of {@link activationBackward}; each applies to the activations named. */
export interface ActivationBackwardOptions {
  /** leakyRelu: slope for negative inputs (default 0.2). */
  alpha?: number;
  /** gelu: differentiate the tanh approximation (default false). */
  approximate?: boolean;
  /** softmax / logSoftmax: the normalised axis (default -1). */
  axis?: number;
}

/**
 * The vector-Jacobian product of an activation: dx = dy · ∂f(x)/∂x, the
 * gradient the training engine propagates. Elementwise activations give
 * dy * f'(x); softmax gives y * (dy - Σ dy·y) and logSoftmax dy - softmax(x) * Σ dy
 * along the axis. At a kink one of the one-sided derivatives is used
 * (relu'(0) = 0, relu6'(6) = 0).
 * @param name the activation, as in the op of the same name.
 * @param x the activation's input.
 * @param dy the gradient with respect to the activation's output (same shape as x).
 * @param options per-activation parameters, matching the forward op's defaults.
 */
export function activationBackward(name: ActivationOpName, x: Tensor, dy: Tensor, options: ActivationBackwardOptions = {}): Tensor {
  const fn = 'activationBackward';
  const act = checkOneOf(fn, 'activation', name, NAMES);
  const xf = asFloat(fn, 'x', x);
  const dyf = asFloat(fn, 'dy', dy);
  if (xf.rank !== dyf.rank || xf.shape.some((d, i) => d !== dyf.shape[i])) {
    throw rangeError(fn, `x and dy must have the same shape, got ${show(x.shape)} and ${show(dy.shape)}`);
  }
  if (options === null || typeof options !== 'object') throw typeError(fn, `options must be an object, got ${show(options)}`);
  const alpha = options.alpha === undefined ? 0.2 : checkNumber(fn, 'alpha', options.alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  const approximate = options.approximate === undefined ? false : checkBool(fn, 'approximate', options.approximate);
  const axis = options.axis === undefined ? -1 : options.axis;

  if (act === 'softmax' || act === 'logSoftmax') {
    const log = act === 'logSoftmax';
    if (xf.rank === 0) throw rangeError(fn, 'x must have rank >= 1, got a scalar');
    const ax = normalizeAxis(fn, axis, xf.rank);
    const last = xf.rank - 1;
    const perm = xf.shape.map((_, i) => (i === ax ? last : i === last ? ax : i));
    const gy = ax === last ? dyf : permute(fn, dyf, perm);
    const result = alongAxis(fn, xf, ax, (src, rows, cols) => {
      const y = allocate('float32', src.size, fn) as Float32Array;
      const dx = allocate('float32', src.size, fn) as Float32Array;
      if (y.length > 0) {
        native.softmax(src.backing.array, y, rows, cols, log);
        native.softmaxGrad(y, gy.backing.array, dx, rows, cols, log);
      }
      recycle(y);
      return dx;
    });
    disposeTemporary(gy, dyf);
    disposeTemporary(xf, x);
    disposeTemporary(dyf, dy);
    return result;
  }

  const kind: Kind = act === 'swish' ? Kind.silu : act === 'gelu' && approximate ? Kind.geluTanh : Kind[act];
  const param = act === 'leakyRelu' ? alpha : act === 'elu' ? 1 : 0;
  const y = allocate('float32', xf.size, fn) as Float32Array;
  const dx = allocate('float32', xf.size, fn) as Float32Array;
  native.activation(kind, param, xf.backing.array, y);
  native.activationGrad(kind, param, xf.backing.array, y, dyf.backing.array, dx);
  recycle(y);
  disposeTemporary(xf, x);
  disposeTemporary(dyf, dy);
  return ownedTensor(dx, x.shape, 'float32');
}
