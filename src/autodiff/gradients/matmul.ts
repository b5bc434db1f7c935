// Gradient of matMul (rank 2 or batched rank 3) for every transpose flag:
// each case is one more product with flags, never a copied transpose.
import { matMul } from '../../ops/matmul';
import { registerGradient } from '../tape';

// A product with a data batch (x W) skips the batch's gradient: it is as
// costly as the forward product and nothing needs it.
registerGradient('BatchMatMul', (dy, { inputs: [a, b], attrs }, [needA, needB]) => {
  const tA = attrs?.transposeA === true, tB = attrs?.transposeB === true;
  if (!tA && !tB) return [needA ? matMul(dy, b, false, true) : null, needB ? matMul(a, dy, true, false) : null];
  if (!tA && tB) return [needA ? matMul(dy, b, false, false) : null, needB ? matMul(dy, a, true, false) : null];
  if (tA && !tB) return [needA ? matMul(b, dy, false, true) : null, needB ? matMul(a, dy, false, false) : null];
  return [needA ? matMul(b, dy, true, true) : null, needB ? matMul(dy, a, true, true) : null];
});
