// Gradients of the reductions (src/ops/reduce.ts): dy is broadcast back over
// the reduced axes; max/min send it to every element equal to the result
// (ties share it, as in TensorFlow.js); prod to each element the product of
// the others.
import { mul } from '../../ops/elementwise';
import { transpose } from '../../ops/movement';
import { Tensor, ownedTensor, scalar } from '../../tensor';
import { registerGradient } from '../tape';
import { broadcastMap, broadcastTo } from './helpers';

/** x's shape with the reduced axes as size-1 dims. */
function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function axesOf(attrs: Readonly<Record<string, unknown>> | undefined): number[] {
  return (attrs?.axes as number[] | undefined) ?? [];
}

/** dy (shape of the result) broadcast to x's shape. */
function spread(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(dy.reshape(keptShape(x, axes)), x.shape);
}

registerGradient('Sum', (dy, { inputs: [x], attrs }) => [spread(dy, x, axesOf(attrs))]);
registerGradient('Mean', (dy, { inputs: [x], attrs }) => {
  const axes = axesOf(attrs);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  // Scaled before it is broadcast: the small tensor.
  return [spread(mul(dy, scalar(1 / n)), x, axes)];
});

function extremum(dy: Tensor, x: Tensor, y: Tensor, axes: readonly number[]): Tensor {
  const kept = keptShape(x, axes);
  const mask = broadcastMap(x, y.reshape(kept), (p, q) => (p === q ? 1 : 0));
  return mul(mask, dy.reshape(kept));
}
registerGradient('Max', (dy, { inputs: [x], output: y, attrs }) => [extremum(dy, x, y, axesOf(attrs))]);
registerGradient('Min', (dy, { inputs: [x], output: y, attrs }) => [extremum(dy, x, y, axesOf(attrs))]);

// The product of the other elements of each group, by prefix and suffix
// products (exact with zeros, unlike y / x).
registerGradient('Prod', (dy, { inputs: [x], attrs }) => {
  const axes = axesOf(attrs);
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keptAxes, ...axes];
  const xt = transpose(x, perm);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const groups = n === 0 ? 0 : x.size / n;
  const xv = xt.backing.array, gv = dy.backing.array;
  const out = new Float32Array(x.size);
  for (let g = 0; g < groups; g++) {
    const base = g * n;
    let prefix = 1;
    for (let i = 0; i < n; i++) {
      out[base + i] = prefix;
      prefix *= xv[base + i];
    }
    let suffix = 1;
    for (let i = n - 1; i >= 0; i--) {
      out[base + i] *= suffix * gv[g];
      suffix *= xv[base + i];
    }
  }
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return [transpose(ownedTensor(out, xt.shape, 'float32'), inverse)];
});
