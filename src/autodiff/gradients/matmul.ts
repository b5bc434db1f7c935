// Gradient of matMul (rank 2 or batched rank 3) for every transpose flag:
// each case is one more product with flags, never a copied transpose.
import { matMul } from '../../ops/matmul';
import { registerGradient } from '../tape';

registerGradient('BatchMatMul', (dy, { inputs: [a, b], attrs }) => {
  const tA = attrs?.transposeA === true, tB = attrs?.transposeB === true;
  if (!tA && !tB) return [matMul(dy, b, false, true), matMul(a, dy, true, false)];
  if (!tA && tB) return [matMul(dy, b, false, false), matMul(dy, a, true, false)];
  if (tA && !tB) return [matMul(b, dy, false, true), matMul(a, dy, false, false)];
  return [matMul(b, dy, true, true), matMul(dy, a, true, true)];
});
