// Gradients of the activation ops (src/ops/activations.ts): the same native
// derivative kernels the training engine runs, fed the recorded output so
// that the forward pass is not computed again.
import { native } from '../../native';
import { ActivationOpName, activationBackward } from '../../ops/activations';
import { allocate } from '../../ops/shapes';
import { ownedTensor } from '../../tensor';
import { registerGradient } from '../tape';

registerGradient('Activation', (dy, { inputs: [x], output: y, attrs }) => {
  const name = attrs?.name as ActivationOpName;
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
