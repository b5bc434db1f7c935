import { rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { Tensor, checkTensor, ownedTensor, sizeFromShape } from '../tensor';
import { allocateUninitializedF32 } from './shapes';
import { TAPE, record } from '../autodiff/tape';

/**
 * Matrix product of rank-2 tensors, or of rank-3 tensors batch by batch.
 * Runs `cblas_sgemm`; transposes are passed as flags and never copied.
 * @param transposeA use aᵀ (default false).
 * @param transposeB use bᵀ (default false).
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const fn = 'matMul';
  checkTensor(fn, 'a', a);
  checkTensor(fn, 'b', b);
  if (typeof transposeA !== 'boolean') throw typeError(fn, `transposeA must be a boolean, got ${show(transposeA)}`);
  if (typeof transposeB !== 'boolean') throw typeError(fn, `transposeB must be a boolean, got ${show(transposeB)}`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw typeError(fn, `needs float32 tensors, got ${a.dtype} and ${b.dtype}`);
  }
  if (a.rank !== b.rank || (a.rank !== 2 && a.rank !== 3)) {
    throw rangeError(fn, `needs two rank-2 or two rank-3 tensors, got shapes ${show(a.shape)} and ${show(b.shape)}`);
  }
  // Index arithmetic rather than slice() and destructuring: this wrapper is
  // the whole per-call overhead of a small product (~1 µs of it at n = 64).
  const as = a.shape, bs = b.shape;
  const batched = as.length === 3;
  const batch = batched ? as[0] : 1;
  if (batched && bs[0] !== batch) {
    throw rangeError(fn, `batch dimensions differ: ${show(as)} x ${show(bs)}`);
  }
  const r = as.length - 2;
  const ar = as[r], ac = as[r + 1], br = bs[r], bc = bs[r + 1];
  const M = transposeA ? ac : ar;
  const K = transposeA ? ar : ac;
  const Kb = transposeB ? bc : br;
  const N = transposeB ? br : bc;
  if (K !== Kb) {
    throw rangeError(fn, `inner dimensions differ: ${show(as)}${transposeA ? 'ᵀ' : ''} x ${show(bs)}${transposeB ? 'ᵀ' : ''} (${K} vs ${Kb})`);
  }
  const outShape = batched ? [batch, M, N] : [M, N];
  const out = allocateUninitializedF32(sizeFromShape(fn, outShape), fn);
  native.matMul(a.backing.array, b.backing.array, out, batch, M, N, K, transposeA, transposeB);
  const y = ownedTensor(out, outShape, 'float32');
  if (TAPE.active !== null) record('BatchMatMul', [a, b], y, { transposeA, transposeB });
  return y;
}
