// Gradients of the activation ops (src/ops/activations.ts): the same native
// derivative kernels the training engine runs, through activationBackward.
import { ActivationOpName, activationBackward } from '../../ops/activations';
import { registerGradient } from '../tape';

registerGradient('Activation', (dy, { inputs: [x], attrs }) => {
  const name = attrs?.name as ActivationOpName;
  const options = name === 'softmax' || name === 'logSoftmax'
    ? { axis: attrs?.axis as number }
    : { alpha: name === 'leakyRelu' ? (attrs?.alpha as number) : undefined, approximate: attrs?.approximate === true };
  return [activationBackward(name, x, dy, options)];
});
