// Every differentiable op's gradient, through the tape, against central
// differences of a float64 evaluation of the same program (ref64.ts): odd
// shapes, broadcasting, transposes, several axes. Each program's result is
// weighted by fixed random values before summing, so dy is not uniform.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { expectClose } from '../ops/ref';
import { Ops, R, refOps, tfOps, toR } from './ref64';

interface Input {
  shape: number[];
  /** Values drawn from [lo, hi) (default [-2, 2)). */
  lo?: number;
  hi?: number;
}

interface Case {
  name: string;
  inputs: Input[];
  prog: <T>(o: Ops<T>, xs: T[]) => T;
}

const u = (...shape: number[]): Input => ({ shape });
const pos = (...shape: number[]): Input => ({ shape, lo: 0.5, hi: 2 });

const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference'] as const;
const BROADCASTS: [number[], number[]][] = [[[3, 5], [3, 5]], [[2, 3, 4], [4]], [[3, 1], [1, 5]], [[2, 1, 3], [4, 1]], [[], [3, 2]], [[5, 3], []]];
const ACTS = ['relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'softsign', 'gelu', 'geluTanh', 'silu', 'swish'];

const CASES: Case[] = [
  ...BINARY.flatMap((op) => BROADCASTS.map(([a, b]): Case => ({
    name: `${op} ${JSON.stringify(a)} with ${JSON.stringify(b)}`,
    // div: keep the divisor away from 0.
    inputs: [u(...a), op === 'div' ? pos(...b) : u(...b)],
    prog: (o, [x, y]) => o[op](x, y),
  }))),
  { name: 'pow [3,4] ^ [4] (positive base)', inputs: [pos(3, 4), u(4)], prog: (o, [x, y]) => o.pow(x, y) },
  { name: 'pow [2,3] ^ scalar', inputs: [pos(2, 3), u()], prog: (o, [x, y]) => o.pow(x, y) },
  ...(['neg', 'exp', 'square', 'abs'] as const).map((n): Case => ({ name: n, inputs: [u(3, 5)], prog: (o, [x]) => o.unary(n, x) })),
  ...(['log', 'sqrt'] as const).map((n): Case => ({ name: n, inputs: [pos(4, 3)], prog: (o, [x]) => o.unary(n, x) })),
  ...ACTS.map((n): Case => ({ name: `activation ${n}`, inputs: [u(7, 3)], prog: (o, [x]) => o.act(n, x) })),
  { name: 'softmax last axis', inputs: [u(4, 5)], prog: (o, [x]) => o.act('softmax', x) },
  { name: 'softmax axis 0 of [3,4,2]', inputs: [u(3, 4, 2)], prog: (o, [x]) => o.act('softmax', x, 0) },
  { name: 'logSoftmax axis 1', inputs: [u(3, 4, 2)], prog: (o, [x]) => o.act('logSoftmax', x, 1) },
  ...[[false, false], [false, true], [true, false], [true, true]].flatMap(([tA, tB]): Case[] => [
    {
      name: `matMul [3,5]x[5,2] transposeA ${tA} transposeB ${tB}`,
      inputs: [u(...(tA ? [5, 3] : [3, 5])), u(...(tB ? [2, 5] : [5, 2]))],
      prog: (o, [a, b]) => o.matMul(a, b, tA, tB),
    },
    {
      name: `batched matMul [2,3,4]x[2,4,3] transposeA ${tA} transposeB ${tB}`,
      inputs: [u(...(tA ? [2, 4, 3] : [2, 3, 4])), u(...(tB ? [2, 3, 4] : [2, 4, 3]))],
      prog: (o, [a, b]) => o.matMul(a, b, tA, tB),
    },
  ]),
  ...(['sum', 'mean', 'prod', 'max', 'min'] as const).flatMap((n): Case[] => [
    { name: `${n} over all axes`, inputs: [u(3, 4)], prog: (o, [x]) => o.reduce(n, x, null, false) },
    { name: `${n} axis 1 of [2,3,4]`, inputs: [u(2, 3, 4)], prog: (o, [x]) => o.reduce(n, x, 1, false) },
    { name: `${n} axes [0,2] keepDims`, inputs: [u(2, 3, 4)], prog: (o, [x]) => o.reduce(n, x, [0, 2], true) },
    { name: `${n} axis -1 of [5,3]`, inputs: [u(5, 3)], prog: (o, [x]) => o.reduce(n, x, -1, false) },
  ]),
  { name: 'transpose [2,3,4] perm [2,0,1]', inputs: [u(2, 3, 4)], prog: (o, [x]) => o.transpose(x, [2, 0, 1]) },
  { name: 'transpose [3,5] default', inputs: [u(3, 5)], prog: (o, [x]) => o.transpose(x, [1, 0]) },
  { name: 'slice [4,5,3] begin [1,2,0] size [2,3,2]', inputs: [u(4, 5, 3)], prog: (o, [x]) => o.slice(x, [1, 2, 0], [2, 3, 2]) },
  { name: 'gather axis 1 with repeats', inputs: [u(3, 4, 2)], prog: (o, [x]) => o.gather(x, [3, 0, 3, 1], 1) },
  { name: 'gather axis 0', inputs: [u(5, 3)], prog: (o, [x]) => o.gather(x, [4, 4, 2], 0) },
  { name: 'concat axis 1', inputs: [u(2, 3, 2), u(2, 1, 2), u(2, 4, 2)], prog: (o, xs) => o.concat(xs, 1) },
  { name: 'stack axis 1', inputs: [u(3, 2), u(3, 2)], prog: (o, xs) => o.stack(xs, 1) },
  { name: 'reshape [2,6] -> [3,4]', inputs: [u(2, 6)], prog: (o, [x]) => o.reshape(x, [3, 4]) },
  {
    name: 'a composite: softmax(relu(x W + b)) with a reused input',
    inputs: [u(4, 3), u(3, 5), u(5)],
    prog: (o, [x, w, b]) => o.mul(o.act('softmax', o.act('relu', o.add(o.matMul(x, w, false, false), b))), o.reduce('sum', x, null, false)),
  },
];

function checkCase(c: Case, seed: number): void {
  const rng = new Random(seed);
  const draw = (inp: Input) => {
    const lo = inp.lo ?? -2, hi = inp.hi ?? 2;
    const n = inp.shape.reduce((p, d) => p * d, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform()), inp.shape);
  };
  const xs = c.inputs.map(draw);
  const outShape = [...c.prog(tfOps, xs).shape];
  const w = draw({ shape: outShape });
  const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(c.prog(tfOps, ts), w)))(xs);
  const w64 = toR(w);
  const loss64 = (rs: R[]) => {
    const y = c.prog(refOps, rs);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += y.data[i] * w64.data[i];
    return s;
  };
  const base = xs.map(toR);
  xs.forEach((x, k) => {
    expect(grads[k].shape).toEqual(x.shape);
    const numeric = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(base[k].data[i]));
      const at = (d: number) => loss64(base.map((r, j) => (j === k ? { shape: r.shape, data: r.data.map((v, q) => (q === i ? v + d : v)) } : r)));
      numeric[i] = (at(h) - at(-h)) / (2 * h);
    }
    expectClose(grads[k].dataSync(), numeric, 2e-3, 2e-4, `${c.name}: input ${k}`);
  });
}

describe('gradients against float64 finite differences', () => {
  CASES.forEach((c, i) => it(c.name, () => checkCase(c, 1000 + i)));
});
