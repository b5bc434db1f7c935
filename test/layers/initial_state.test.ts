// initialState (Keras's initial_state) of LSTM, GRU and SimpleRNN in
// functional models: forward against a float64 reference, backward into the
// layers that make the state (central differences of the reference), with a
// mask too, against TensorFlow.js with copied weights (predictions, files
// both ways), and the shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Matrix, Weights, expectClose } from './harness';
import { CLASS, Kind, cellsReference, seededValues as values } from './recurrent_reference';

const T = 4;
const F = 2;
const U = 3;
const S = 2;  // features of the input the state is made from
const D = 2;
const B = 4;
/** Steps kept by the mask in the masked case: full, post-padded, pre-padded, none. */
const KEEP = [[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]];

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});

function rnn(kind: Kind, extra: Record<string, unknown> = {}): tf.layers.Layer {
  if (kind === 'lstm') return tf.layers.lstm({ units: U, ...extra });
  if (kind === 'gru') return tf.layers.gru({ units: U, resetAfter: false, ...extra });
  return tf.layers.simpleRNN({ units: U, ...extra });
}

const dense = (x: number[], k: ArrayLike<number>, b: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, j) => x.reduce((a, v, i) => a + v * k[i * n + j], b[j]));

/**
 * x [T, F] and s [S] -> h0 = tanh(s Wh + bh) (and c0 = s Wc + bc for the LSTM)
 * -> the recurrent layer from that state -> Dense(D). With `masked`, a
 * masking layer before the recurrent one and returnSequences (flattened).
 */
function build(kind: Kind, masked: boolean): tf.LayersModel {
  const x = tf.input({ shape: [T, F] });
  const s = tf.input({ shape: [S] });
  const h0 = tf.layers.dense({ units: U, activation: 'tanh' }).apply(s);
  const states = kind === 'lstm' ? [h0, tf.layers.dense({ units: U }).apply(s)] : [h0];
  const seq = masked ? tf.layers.masking().apply(x) : x;
  const r = (rnn(kind, masked ? { returnSequences: true } : {}) as tf.layers.LSTM).apply(seq, { initialState: states });
  const out = tf.layers.dense({ units: D }).apply(masked ? tf.layers.flatten().apply(r) : r);
  return tf.model({ inputs: [x, s], outputs: out });
}

/** The float64 model of {@link build}; weights in the model's order. */
function reference(kind: Kind, masked: boolean, xs: Matrix, ss: Matrix, w: Float64Array[]): Matrix {
  const lstm = kind === 'lstm';
  const k = lstm ? 4 : 2;  // where the recurrent weights start
  const rw: Weights = { kernel: w[k], recurrent_kernel: w[k + 1], bias: w[k + 2] };
  return xs.map((row, b) => {
    const h0 = dense(ss[b], w[0], w[1], U).map(Math.tanh);
    const c0 = lstm ? dense(ss[b], w[2], w[3], U) : undefined;
    if (!masked) {
      const h = cellsReference(kind, { T, F, U, resetAfter: false }, [row], rw, undefined, undefined, { h: [h0], c: c0 && [c0] })[0];
      return dense(h, w[k + 3], w[k + 4], D);
    }
    // Keras's masked loop: the state starts at the initial state, the previous output at zero.
    const kept = KEEP[b].map((v, t) => (v ? t : -1)).filter((t) => t >= 0);
    const seq = kept.length ? cellsReference(kind, { T: kept.length, F, U, returnSequences: true, resetAfter: false }, [kept.flatMap((t) => row.slice(t * F, (t + 1) * F))], rw,
      undefined, undefined, { h: [h0], c: c0 && [c0] })[0] : [];
    let prev = new Array(U).fill(0);
    let n = 0;
    const out = KEEP[b].flatMap((v) => (v ? (prev = seq.slice(n * U, ++n * U)) : prev));
    return dense(out, w[k + 3], w[k + 4], D);
  });
}

function data(seed: number, masked: boolean) {
  const x = values(B * T * F, seed, 2);
  if (masked) KEEP.forEach((r, b) => r.forEach((v, t) => v || x.fill(0, (b * T + t) * F, (b * T + t + 1) * F)));
  const s = values(B * S, seed + 1, 1);
  const rows = (a: Float32Array, n: number): Matrix => Array.from({ length: B }, (_, b) => Array.from(a.subarray(b * n, (b + 1) * n)));
  return { x, s, xs: rows(x, T * F), ss: rows(s, S) };
}

describe('initialState against a float64 reference and its central differences', () => {
  (['lstm', 'gru', 'simpleRNN'] as Kind[]).forEach((kind, i) => [false, true].forEach((masked) => it(`${CLASS[kind]}${masked ? ', after masking, returnSequences (leading masked steps output zeros)' : ''}`, () => {
    const m = build(kind, masked);
    const w32 = m.weightSpecs().map((sp, k) => values(sp.shape.reduce((a, b) => a * b, 1), 20 + 7 * i + k, 0.8));
    m.setWeights(w32.map((v, k) => tf.tensor(v, m.weightSpecs()[k].shape)));
    const w = w32.map((v) => Float64Array.from(v));
    const { x, s, xs, ss } = data(30 + i, masked);
    const inputs = [tf.tensor(x, [B, T, F]), tf.tensor(s, [B, S])];
    expectClose(m.predict(inputs).values as Float32Array, reference(kind, masked, xs, ss, w).flat(), { rtol: 1e-5, atol: 5e-6 }, 'forward');
    const y = values(B * D, 40 + i, 1);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const got = m.computeGradients(inputs, tf.tensor(y, [B, D]));
    const loss = (v: Float64Array[]) => reference(kind, masked, xs, ss, v).reduce((a, o, b) => a + o.reduce((q, p, j) => q + (p - y[b * D + j]) ** 2, 0) / D, 0) / B;
    expect(got.loss).toBeCloseTo(loss(w), 5);
    const fd: number[] = [];
    w.forEach((v, k) => v.forEach((_, e) => {
      const at = (d: number) => loss(w.map((u, kk) => (kk === k ? u.map((q, ee) => (ee === e ? q + d : q)) : u)));
      fd.push((at(1e-6) - at(-1e-6)) / 2e-6);
    }));
    expectClose(got.grads, fd, { rtol: 1e-4, atol: 1e-6 }, 'gradients');
    // Not vacuous: the state's own Dense gets a gradient through the recurrent layer.
    expect(Math.max(...Array.from(got.grads.subarray(0, S * U)).map(Math.abs))).toBeGreaterThan(1e-3);
  })));
});

describe('initialState against TensorFlow.js with copied weights', () => {
  (['lstm', 'gru', 'simpleRNN'] as Kind[]).forEach((kind, i) => it(`${CLASS[kind]}: the same predictions, and files both ways`, async () => {
    const m = build(kind, false);
    const w = m.weightSpecs().map((sp, k) => values(sp.shape.reduce((a, b) => a * b, 1), 60 + 7 * i + k, 0.8));
    m.setWeights(w.map((v, k) => tf.tensor(v, m.weightSpecs()[k].shape)));
    const x = tfjs.input({ shape: [T, F] });
    const s = tfjs.input({ shape: [S] });
    const h0 = tfjs.layers.dense({ units: U, activation: 'tanh' }).apply(s) as tfjs.SymbolicTensor;
    const states = kind === 'lstm' ? [h0, tfjs.layers.dense({ units: U }).apply(s) as tfjs.SymbolicTensor] : [h0];
    const layer = kind === 'lstm' ? tfjs.layers.lstm({ units: U, recurrentActivation: 'sigmoid' })
      : kind === 'gru' ? tfjs.layers.gru({ units: U, recurrentActivation: 'sigmoid' }) : tfjs.layers.simpleRNN({ units: U });
    const r = layer.apply(x, { initialState: states }) as tfjs.SymbolicTensor;
    const tm = tfjs.model({ inputs: [x, s], outputs: tfjs.layers.dense({ units: D }).apply(r) as tfjs.SymbolicTensor });
    tm.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    const d = data(70 + i, false);
    const want = m.predict([tf.tensor(d.x, [B, T, F]), tf.tensor(d.s, [B, S])]).values as Float32Array;
    expectClose(want, (tm.predict([tfjs.tensor(d.x, [B, T, F]), tfjs.tensor(d.s, [B, S])]) as tfjs.Tensor).dataSync(), { rtol: 1e-5, atol: 2e-6 }, 'TensorFlow.js');

    let ours: tfjs.io.ModelArtifacts | null = null;
    await m.save(tfjs.io.withSaveHandler(async (a) => {
      ours = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const loadedByTfjs = await tfjs.loadLayersModel(tfjs.io.fromMemory(ours!));
    expectClose((loadedByTfjs.predict([tfjs.tensor(d.x, [B, T, F]), tfjs.tensor(d.s, [B, S])]) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 2e-6 }, 'loaded by TensorFlow.js');
    let theirs: tfjs.io.ModelArtifacts | null = null;
    await tm.save(tfjs.io.withSaveHandler(async (a) => {
      theirs = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const back = await tf.loadLayersModel(tfjs.io.fromMemory(theirs!) as never);
    expectClose(back.predict([tf.tensor(d.x, [B, T, F]), tf.tensor(d.s, [B, S])]).values as Float32Array, want, { rtol: 1e-5, atol: 2e-6 }, 'TensorFlow.js file loaded');
  }));
});

describe('initialState checks', () => {
  it('a state of the wrong shape or count is a clear error naming the layer and both shapes', () => {
    const x = tf.input({ shape: [T, F] });
    const h = tf.input({ shape: [U + 1] });
    const c = tf.input({ shape: [U] });
    const l = tf.layers.lstm({ units: U, name: 'enc' });
    expect(() => l.apply(x, { initialState: [h, c] })).toThrow(new RangeError("apply: layer 'enc' (LSTM): initialState[0] has per-sample shape [4], but the layer's state has shape [3]"));
    expect(() => l.apply(x, { initialState: [c] })).toThrow(new RangeError("apply: layer 'enc' (LSTM) takes an initialState of 2 tensors (h, c), got 1"));
    expect(() => tf.layers.gru({ units: U, name: 'g' }).apply(x, { initialState: [c, c] })).toThrow(/^apply: layer 'g' \(GRU\) takes an initialState of one tensor \(h\), got 2$/);
    expect(() => l.apply(x, { initial: [c] } as never)).toThrow(/^apply: .*initial/);
    expect(() => l.apply([x, c] as never, { initialState: [c, c] })).toThrow(/^apply: layer 'enc': give the sequence alone/);
    expect(() => tf.layers.simpleRNN({ units: U, name: 's' }).apply([x, tf.input({ shape: [2, 3] })])).toThrow(/^apply: layer 's' \(SimpleRNN\): initialState\[0\] has per-sample shape \[2,3\]/);
    // The array form of Keras (and of saved files) is the same as initialState.
    const y = tf.layers.simpleRNN({ units: U }).apply([x, c]);
    expect(y.shape).toEqual([null, U]);
  });
});
