// A float64 reference of Keras's LSTM, GRU and SimpleRNN cells (tanh /
// sigmoid) with dropout masks, shared by the recurrent layer tests.
import { Random } from '../../src/random';
import { Matrix, Weights } from './harness';

export type Kind = 'lstm' | 'gru' | 'simpleRNN';
export const GATES: Record<Kind, number> = { lstm: 4, gru: 3, simpleRNN: 1 };
export const CLASS: Record<Kind, string> = { lstm: 'LSTM', gru: 'GRU', simpleRNN: 'SimpleRNN' };

export interface CellOptions {
  /** Sequence length and features per step, and units. */
  T: number;
  F: number;
  U: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  resetAfter?: boolean;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Inverted-dropout masks as the native layers draw them: keep 1 / (1 - rate) where uniform >= rate. */
/** Deterministic values in [-a, a) from a linear congruential generator, never 0 (a zero would hide a missing term). */
export function seededValues(n: number, seed: number, a = 0.5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * a || a / 3;
  });
}

export function drawMask(r: Random, rate: number, rows: number, width: number): Matrix {
  const keep = 1 / (1 - Math.fround(rate));
  return Array.from({ length: rows }, () => Array.from({ length: width }, () => {
    if (rate === 0) return 1;
    return (r.nextU32() >>> 8) / 2 ** 24 < Math.fround(rate) ? 0 : Math.fround(keep);
  }));
}

/** v · m[:, k0:k0+width] (m row-major with `cols` columns). */
function project(v: number[], m: ArrayLike<number>, cols: number, k0: number, width: number): number[] {
  return Array.from({ length: width }, (_, k) => v.reduce((a, vv, i) => a + vv * m[i * cols + k0 + k], 0));
}

/**
 * Keras's cells over each sample (rows of T * F values), with optional masks:
 * the input mask on x, the state mask on h where it enters the recurrent
 * products (GRU's z * h takes the unmasked state).
 */
export function cellsReference(kind: Kind, o: CellOptions, x: Matrix, w: Weights, xMask?: Matrix, hMask?: Matrix, init?: { h: Matrix; c?: Matrix }): Matrix {
  const { T, F, U } = o;
  const G = GATES[kind] * U;
  const resetAfter = o.resetAfter ?? true;
  return x.map((row, b) => {
    // The initial state (Keras's initial_state), zeros by default.
    let h = init ? [...init.h[b]] : new Array(U).fill(0);
    let c = init?.c ? [...init.c[b]] : new Array(U).fill(0);
    const seq: number[] = [];
    for (let s = 0; s < T; s++) {
      const t = o.goBackwards ? T - 1 - s : s;
      const xt = row.slice(t * F, (t + 1) * F).map((v, f) => v * (xMask ? xMask[b][f] : 1));
      const hm = h.map((v, j) => v * (hMask ? hMask[b][j] : 1));
      const xz = project(xt, w.kernel, G, 0, G).map((v, k) => v + w.bias[k]);
      if (kind === 'simpleRNN') {
        const hr = project(hm, w.recurrent_kernel, G, 0, G);
        h = xz.map((v, k) => Math.tanh(v + hr[k]));
      } else if (kind === 'lstm') {
        const z = project(hm, w.recurrent_kernel, G, 0, G).map((v, k) => v + xz[k]);
        c = c.map((cv, j) => sigmoid(z[U + j]) * cv + sigmoid(z[j]) * Math.tanh(z[2 * U + j]));
        h = c.map((cv, j) => sigmoid(z[3 * U + j]) * Math.tanh(cv));
      } else {
        const hr = project(hm, w.recurrent_kernel, G, 0, G).map((v, k) => v + (resetAfter ? w.bias[G + k] : 0));
        const z = h.map((_, j) => sigmoid(xz[j] + hr[j]));
        const rr = h.map((_, j) => sigmoid(xz[U + j] + hr[U + j]));
        const rh = project(hm.map((v, j) => v * rr[j]), w.recurrent_kernel, G, 2 * U, U);
        const hh = h.map((_, j) => Math.tanh(xz[2 * U + j] + (resetAfter ? rr[j] * hr[2 * U + j] : rh[j])));
        h = h.map((hv, j) => z[j] * hv + (1 - z[j]) * hh[j]);
      }
      seq.push(...h);
    }
    return o.returnSequences ? seq : h;
  });
}
