// Shared pieces of the gradient functions: undoing broadcasting, and the
// elementwise masks (x >= y, x == max, sign) that have no op of their own yet.
import { native } from '../../native';
import { add } from '../../ops/elementwise';
import { sum } from '../../ops/reduce';
import { mapBinary } from '../../ops/math';
import { MAX_STRIDED_RANK, allocate, broadcastStrides, coalesce, i32 } from '../../ops/shapes';
import { Tensor, ownedTensor, zeros } from '../../tensor';
import { TAPE, record, registerGradient } from '../tape';

/** @internal `t` broadcast to `shape` (which t's shape broadcasts to), in one native strided copy. */
export function broadcastTo(t: Tensor, shape: readonly number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const m = coalesce(shape, [broadcastStrides(t.shape, shape)]);
  if (m.shape.length > MAX_STRIDED_RANK) return add(zeros([...shape]), t);
  const out = allocate(t.dtype, size, 'gradient');
  if (size > 0) {
    if (m.shape.length === 0) out.fill(t.backing.array[0]);
    else native.stridedCopy(t.backing.array, 0, i32(m.shape), i32(m.strides[0]), out);
  }
  const y = ownedTensor(out, shape, t.dtype);
  // Recorded when a gradient of gradients differentiates the Sum / Mean gradients built from it.
  if (TAPE.active !== null) record('BroadcastTo', [t], y);
  return y;
}

/**
 * @internal The gradient of a broadcast input: `dx` summed over the axes that
 * broadcasting added or stretched from 1, reshaped to `shape`. Returns `dx`
 * itself when nothing was broadcast.
 */
export function reduceTo(dx: Tensor, shape: readonly number[]): Tensor {
  const lead = dx.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dx.rank; i++) if (i < lead || (shape[i - lead] === 1 && dx.shape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return dx.rank === shape.length ? dx : dx.reshape([...shape]);
  return sum(dx, axes).reshape([...shape]);
}

registerGradient('BroadcastTo', (dy, { inputs: [t] }) => [reduceTo(dy, t.shape)]);

/** @internal f(a[i], b[i]) over the broadcast of a and b, as a float32 tensor (gradient masks). */
export function broadcastMap(a: Tensor, b: Tensor, f: (p: number, q: number) => number): Tensor {
  return mapBinary('gradient', a, b, 'float32', f);
}

/** @internal f(x[i]) elementwise as a float32 tensor of x's shape. */
export function map(x: Tensor, f: (v: number) => number): Tensor {
  const v = x.backing.array;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
  return ownedTensor(out, x.shape, 'float32');
}

/** @internal Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
