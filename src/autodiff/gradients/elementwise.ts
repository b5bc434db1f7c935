// Gradients of the elementwise ops (src/ops/elementwise.ts), broadcasting
// undone by summing over the broadcast axes. Formulas as TensorFlow.js's.
import { div, mul, neg, pow, sub } from '../../ops/elementwise';
import { scalar } from '../../tensor';
import { registerGradient } from '../tape';
import { broadcastMap, map, reduceTo } from './helpers';

// Inputs that lead to no differentiated tensor (`needs`) get no gradient: a
// constant label batch in a loss costs nothing.
registerGradient('Add', (dy, { inputs: [a, b] }, [na, nb]) => [na ? reduceTo(dy, a.shape) : null, nb ? reduceTo(dy, b.shape) : null]);
registerGradient('Sub', (dy, { inputs: [a, b] }, [na, nb]) => [na ? reduceTo(dy, a.shape) : null, nb ? reduceTo(neg(dy), b.shape) : null]);
registerGradient('Multiply', (dy, { inputs: [a, b] }, [na, nb]) => [na ? reduceTo(mul(dy, b), a.shape) : null, nb ? reduceTo(mul(dy, a), b.shape) : null]);
registerGradient('RealDiv', (dy, { inputs: [a, b] }) => [
  reduceTo(div(dy, b), a.shape),
  reduceTo(neg(div(mul(dy, a), mul(b, b))), b.shape),
]);
// Ties go to a (TensorFlow.js: a gets x >= y for maximum, x <= y for minimum).
registerGradient('Maximum', (dy, { inputs: [a, b] }) => [
  reduceTo(mul(dy, broadcastMap(a, b, (p, q) => (p >= q ? 1 : 0))), a.shape),
  reduceTo(mul(dy, broadcastMap(a, b, (p, q) => (p < q ? 1 : 0))), b.shape),
]);
registerGradient('Minimum', (dy, { inputs: [a, b] }) => [
  reduceTo(mul(dy, broadcastMap(a, b, (p, q) => (p <= q ? 1 : 0))), a.shape),
  reduceTo(mul(dy, broadcastMap(a, b, (p, q) => (p > q ? 1 : 0))), b.shape),
]);
// d(a^b)/da = b·a^(b-1); d/db = a^b·log(a), taken as 0 where a <= 0 (TensorFlow.js).
registerGradient('Pow', (dy, { inputs: [a, b], output: y }) => [
  reduceTo(mul(dy, mul(b, pow(a, sub(b, scalar(1))))), a.shape),
  reduceTo(mul(dy, mul(y, map(a, (v) => (v > 0 ? Math.log(v) : 0)))), b.shape),
]);
registerGradient('SquaredDifference', (dy, { inputs: [a, b] }) => {
  const g = mul(dy, mul(scalar(2), sub(a, b)));
  return [reduceTo(g, a.shape), reduceTo(neg(g), b.shape)];
});

registerGradient('Neg', (dy) => [neg(dy)]);
registerGradient('Exp', (dy, { output: y }) => [mul(dy, y)]);
registerGradient('Log', (dy, { inputs: [x] }) => [div(dy, x)]);
registerGradient('Sqrt', (dy, { output: y }) => [div(dy, mul(scalar(2), y))]);
registerGradient('Square', (dy, { inputs: [x] }) => [mul(dy, mul(scalar(2), x))]);
// sign(0) = 0, as TensorFlow.js.
registerGradient('Abs', (dy, { inputs: [x] }) => [mul(dy, map(x, Math.sign))]);
