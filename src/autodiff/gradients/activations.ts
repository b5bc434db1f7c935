// Gradients of the activation ops (src/ops/activations.ts): the same native
// derivative kernels the training engine runs, fed the recorded output so
// that the forward pass is not computed again.
import { native } from '../../native';
import { ActivationOpName, activationBackward, sigmoid } from '../../ops/activations';
import { mul, sub } from '../../ops/elementwise';
import { allocate } from '../../ops/shapes';
import { Tensor, ownedTensor, scalar } from '../../tensor';
import { TAPE, registerGradient } from '../tape';
import { map } from './helpers';

/**
 * @internal The activations whose gradient is also written with ops: a
 * gradient of gradients (an enclosing tape records the backward pass)
 * differentiates through these (backprop.ts). relu's step is constant where
 * it is differentiable.
 */
export const OP_FORM_ACTIVATIONS = new Set(['tanh', 'sigmoid', 'relu', 'softplus', 'linear']);

function opForm(name: string, x: Tensor, y: Tensor, dy: Tensor): Tensor {
  const one = scalar(1);
  switch (name) {
    case 'tanh': return mul(dy, sub(one, mul(y, y)));
    case 'sigmoid': return mul(dy, mul(y, sub(one, y)));
    case 'relu': return mul(dy, map(x, (v) => (v > 0 ? 1 : 0)));
    case 'softplus': return mul(dy, sigmoid(x));
    default: return dy;
  }
}

registerGradient('Activation', (dy, { inputs: [x], output: y, attrs }) => {
  const name = attrs?.name as ActivationOpName;
  if (TAPE.active !== null && OP_FORM_ACTIVATIONS.has(name)) return [opForm(name, x, y, dy)];
  const kind = attrs?.kind;
  if (typeof kind === 'number') {
    const dx = allocate('float32', x.size, 'gradient');
    native.activationGrad(kind, attrs?.param as number, x.backing.array, y.backing.array, dy.backing.array, dx);
    return [ownedTensor(dx, x.shape, 'float32')];
  }
  const softmax = name === 'softmax' || name === 'logSoftmax';
  const axis = attrs?.axis as number;
  if (softmax && x.rank > 0 && (axis === -1 || axis === x.rank - 1)) {
    const cols = x.shape[x.rank - 1];
    const dx = allocate('float32', x.size, 'gradient');
    if (x.size > 0) native.softmaxGrad(y.backing.array, dy.backing.array, dx, x.size / cols, cols, name === 'logSoftmax');
    return [ownedTensor(dx, x.shape, 'float32')];
  }
  const options = softmax
    ? { axis }
    : { alpha: name === 'leakyRelu' ? (attrs?.alpha as number) : undefined, approximate: attrs?.approximate === true };
  return [activationBackward(name, x, dy, options)];
});
