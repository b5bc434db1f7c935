// Gradients of the data-movement ops (src/ops/movement.ts) and of
// Tensor.reshape / clone: each routes dy back to where the values came from.
import { slice, transpose } from '../../ops/movement';
import { Tensor, ownedTensor } from '../../tensor';
import { registerGradient } from '../tape';
import { stridesOf } from './helpers';

registerGradient('Identity', (dy) => [dy]);
registerGradient('Reshape', (dy, { inputs: [x] }) => [dy.reshape([...x.shape])]);
registerGradient('Transpose', (dy, { attrs }) => {
  const perm = attrs?.perm as number[];
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return [transpose(dy, inverse)];
});

// dy written into zeros of x's shape at `begin`.
registerGradient('Slice', (dy, { inputs: [x], attrs }) => {
  const begin = attrs?.begin as number[];
  const out = new Float32Array(x.size);
  const xs = stridesOf(x.shape);
  const rank = dy.rank;
  const dv = dy.backing.array;
  const idx = new Array<number>(rank).fill(0);
  let offset = begin.reduce((acc, b, d) => acc + b * xs[d], 0);
  for (let k = 0; k < dv.length; k++) {
    out[offset] = dv[k];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      offset += xs[d];
      if (idx[d] < dy.shape[d]) break;
      offset -= xs[d] * dy.shape[d];
      idx[d] = 0;
    }
  }
  return [ownedTensor(out, x.shape, 'float32')];
});

// Rows of dy added back at their indices (an index picked twice gets both).
registerGradient('GatherV2', (dy, { inputs: [x, indices], attrs }) => {
  const axis = attrs?.axis as number;
  const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const dim = x.shape[axis];
  const iv = indices.backing.array;
  const dv = dy.backing.array;
  const out = new Float32Array(x.size);
  const m = iv.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * m + j) * inner;
      const dst = (o * dim + iv[j]) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += dv[src + i];
    }
  }
  return [ownedTensor(out, x.shape, 'float32'), null];
});

/** dy cut along `axis` into the inputs' extents (`squeeze`: drop that axis, for stack). */
function pieces(dy: Tensor, inputs: readonly Tensor[], axis: number, squeeze: boolean): Tensor[] {
  const begin = new Array<number>(dy.rank).fill(0);
  const size = [...dy.shape];
  return inputs.map((t) => {
    const extent = squeeze ? 1 : t.shape[axis];
    size[axis] = extent;
    const piece = slice(dy, begin, size);
    begin[axis] += extent;
    return squeeze ? piece.reshape([...t.shape]) : piece;
  });
}
registerGradient('Concat', (dy, { inputs, attrs }) => pieces(dy, inputs, attrs?.axis as number, false));
registerGradient('Pack', (dy, { inputs, attrs }) => pieces(dy, inputs, attrs?.axis as number, true));
