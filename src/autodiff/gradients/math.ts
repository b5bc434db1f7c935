// Gradients of the math and shape ops added for custom code (src/ops/math.ts,
// src/ops/shape_ops.ts). Rounding and sign have gradient zero, as in
// TensorFlow.js; comparisons and logical ops are not recorded.
import { div, mul } from '../../ops/elementwise';
import { block, cumsum } from '../../ops/shape_ops';
import { sum } from '../../ops/reduce';
import { ownedTensor, zeros } from '../../tensor';
import { registerGradient } from '../tape';
import { broadcastMap, map, reduceTo } from './helpers';

registerGradient('Log1p', (dy, { inputs: [x] }) => [div(dy, map(x, (v) => 1 + v))]);
// d/dx x^(-1/2) = -1/2 · y³
registerGradient('Rsqrt', (dy, { output: y }) => [mul(dy, map(y, (v) => -0.5 * v * v * v))]);
registerGradient('Reciprocal', (dy, { output: y }) => [mul(dy, map(y, (v) => -v * v))]);
for (const kernel of ['Sign', 'Floor', 'Ceil', 'Round']) registerGradient(kernel, (_dy, { inputs: [x] }) => [zeros([...x.shape])]);
registerGradient('ClipByValue', (dy, { inputs: [x], attrs }) => {
  const lo = attrs?.lo as number, hi = attrs?.hi as number;
  return [mul(dy, map(x, (v) => (v >= lo && v <= hi ? 1 : 0)))];
});
// a mod b = a - floor(a / b) · b
registerGradient('Mod', (dy, { inputs: [a, b] }) => [
  reduceTo(dy, a.shape),
  reduceTo(mul(dy, broadcastMap(a, b, (p, q) => -Math.floor(p / q))), b.shape),
]);
registerGradient('Select', (dy, { inputs: [c, a, b] }) => {
  const cf = map(c, (v) => (v !== 0 ? 1 : 0));
  return [null, reduceTo(mul(dy, cf), a.shape), reduceTo(mul(dy, map(cf, (v) => 1 - v)), b.shape)];
});
registerGradient('PadV2', (dy, { inputs: [x], attrs }) => [block(dy, attrs?.begin as number[], x.shape)]);
// dy reshaped to [reps0, dim0, reps1, dim1, ...] and summed over the repetitions.
registerGradient('Tile', (dy, { inputs: [x], attrs }) => {
  const reps = attrs?.reps as number[];
  const split = x.shape.flatMap((d, i) => [reps[i], d]);
  return [sum(dy.reshape(split), reps.map((_, i) => 2 * i)).reshape([...x.shape])];
});
registerGradient('Cumsum', (dy, { attrs }) => [cumsum(dy, attrs?.axis as number, attrs?.exclusive === true, attrs?.reverse !== true)]);
// Each value's gradient goes back to the position it was taken from.
registerGradient('TopK', (dy, { inputs: [x, indices] }) => {
  const n = x.shape[x.rank - 1];
  const k = indices.shape[indices.rank - 1];
  const out = new Float32Array(x.size);
  const iv = indices.backing.array, dv = dy.backing.array;
  const rows = k === 0 ? 0 : iv.length / k;
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * n + iv[r * k + j]] += dv[r * k + j];
  return [ownedTensor(out, x.shape, 'float32'), null];
});

