// LSTM, GRU and SimpleRNN through the generic layer harness, against a float64 reference
// written from Keras's equations (forward, and backward through time by
// central differences), and against TensorFlow.js with copied weights:
// predictions, weights after a few SGD steps, and files both ways.
import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeInitializer, serializeInitializer } from '../../src/layers/config';
import { LayerCase, Matrix, Weights, expectClose, runLayerTest } from './harness';

const T = 3;
const F = 2;
const U = 3;

type Act = 'tanh' | 'sigmoid' | 'relu' | 'linear' | 'softsign' | 'hardSigmoid';
const ACT: Record<Act, (x: number) => number> = {
  tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)), relu: (x) => Math.max(x, 0), linear: (x) => x,
  softsign: (x) => x / (1 + Math.abs(x)), hardSigmoid: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
};

interface RnnOptions {
  units?: number;
  activation?: Act;
  recurrentActivation?: Act;
  useBias?: boolean;
  returnSequences?: boolean;
  goBackwards?: boolean;
  resetAfter?: boolean;
}

/**
 * Runs a recurrence over each sample's rows [T * F] (Keras's RNN loop): `step`
 * maps (x_t, state) to the new state, whose first U values are h.
 */
function runRef(x: Matrix, o: RnnOptions, stateSize: number, step: (xt: number[], s: number[]) => number[]): Matrix {
  const u = o.units ?? U;
  return x.map((row) => {
    let s = new Array(stateSize).fill(0);
    const seq: number[] = [];
    for (let k = 0; k < T; k++) {
      const t = o.goBackwards ? T - 1 - k : k;
      s = step(row.slice(t * F, (t + 1) * F), s);
      seq.push(...s.slice(0, u));
    }
    return o.returnSequences ? seq : s.slice(0, u);
  });
}

/** z = x · kernel + h · recurrent_kernel + bias, for gates of width `width` (kernel [F, width]). */
function affine(xt: number[], h: number[], w: Weights, width: number, useBias: boolean): number[] {
  return Array.from({ length: width }, (_, k) => {
    let v = useBias ? w.bias[k] : 0;
    xt.forEach((xv, f) => (v += xv * w.kernel[f * width + k]));
    h.forEach((hv, j) => (v += hv * w.recurrent_kernel[j * width + k]));
    return v;
  });
}

/** Keras's LSTM cell: gates i, f, c, o; state [h, c]. */
function lstmRef(x: Matrix, w: Weights, o: RnnOptions): Matrix {
  const u = o.units ?? U;
  const g = ACT[o.activation ?? 'tanh'];
  const r = ACT[o.recurrentActivation ?? 'sigmoid'];
  return runRef(x, o, 2 * u, (xt, s) => {
    const h = s.slice(0, u), c = s.slice(u);
    const z = affine(xt, h, w, 4 * u, o.useBias ?? true);
    const c2 = c.map((cv, j) => r(z[u + j]) * cv + r(z[j]) * g(z[2 * u + j]));
    const h2 = c2.map((cv, j) => r(z[3 * u + j]) * g(cv));
    return [...h2, ...c2];
  });
}

/** Keras's GRU cell: gates z, r, h; with resetAfter the bias is [2, 3u] (input row, recurrent row). */
function gruRef(x: Matrix, w: Weights, o: RnnOptions): Matrix {
  const u = o.units ?? U;
  const g = ACT[o.activation ?? 'tanh'];
  const r = ACT[o.recurrentActivation ?? 'sigmoid'];
  const resetAfter = o.resetAfter ?? true;
  const useBias = o.useBias ?? true;
  return runRef(x, o, u, (xt, h) => {
    const noRec = { ...w, recurrent_kernel: new Float64Array(u * 3 * u) };
    const xz = affine(xt, h, useBias ? { ...noRec, bias: w.bias.subarray(0, 3 * u) } : noRec, 3 * u, useBias);
    const hr = affine([], h, useBias && resetAfter ? { ...w, bias: w.bias.subarray(3 * u) } : w, 3 * u, useBias && resetAfter);
    const z = h.map((_, j) => r(xz[j] + hr[j]));
    const rr = h.map((_, j) => r(xz[u + j] + hr[u + j]));
    const hh = h.map((_, j) => {
      if (resetAfter) return g(xz[2 * u + j] + rr[j] * hr[2 * u + j]);
      let v = xz[2 * u + j];
      h.forEach((hv, i) => (v += rr[i] * hv * w.recurrent_kernel[i * 3 * u + 2 * u + j]));
      return g(v);
    });
    return h.map((hv, j) => z[j] * hv + (1 - z[j]) * hh[j]);
  });
}

/** Keras's SimpleRNN cell: h' = g(x W + h R + b). */
function simpleRnnRef(x: Matrix, w: Weights, o: RnnOptions): Matrix {
  const u = o.units ?? U;
  const g = ACT[o.activation ?? 'tanh'];
  return runRef(x, o, u, (xt, h) => affine(xt, h, w, u, o.useBias ?? true).map(g));
}

type Kind = 'lstm' | 'gru' | 'simpleRNN';
const GATES: Record<Kind, number> = { lstm: 4, gru: 3, simpleRNN: 1 };
const REF: Record<Kind, (x: Matrix, w: Weights, o: RnnOptions) => Matrix> = { lstm: lstmRef, gru: gruRef, simpleRNN: simpleRnnRef };
const CLASS: Record<Kind, string> = { lstm: 'LSTM', gru: 'GRU', simpleRNN: 'SimpleRNN' };

function makeLayer(kind: Kind, o: RnnOptions): tf.layers.Layer {
  const { resetAfter, recurrentActivation, ...common } = o;
  if (kind === 'lstm') return tf.layers.lstm({ units: U, ...common, recurrentActivation });
  if (kind === 'gru') return tf.layers.gru({ units: U, ...common, recurrentActivation, resetAfter });
  return tf.layers.simpleRNN({ units: U, ...common });
}

function rnnCase(kind: Kind, o: RnnOptions): LayerCase {
  const u = o.units ?? U;
  const useBias = o.useBias ?? true;
  const label = Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'defaults';
  const width = GATES[kind] * u;
  const biasShape = kind === 'gru' && (o.resetAfter ?? true) ? [2, width] : [width];
  return {
    name: `${CLASS[kind]}, ${label}`,
    make: () => makeLayer(kind, o),
    inputShape: [T, F],
    outputShape: o.returnSequences ? [T, u] : [u],
    weights: [
      { name: 'kernel', shape: [F, width], trainable: true },
      { name: 'recurrent_kernel', shape: [u, width], trainable: true },
      ...(useBias ? [{ name: 'bias', shape: biasShape, trainable: true }] : []),
    ],
    reference: (x, w) => REF[kind](x, w, o),
    probe: true,
    // A model's output is flat: a sequence output goes through a Flatten and a Dense.
    tail: o.returnSequences,
    config: {
      units: u, activation: o.activation ?? 'tanh', useBias, returnSequences: o.returnSequences ?? false, goBackwards: o.goBackwards ?? false,
      recurrentInitializer: { className: 'Orthogonal', config: { gain: 1, seed: null } },
      ...(kind === 'gru' ? { resetAfter: o.resetAfter ?? true } : {}),
    },
  };
}

function lstmCase(o: RnnOptions): LayerCase {
  const u = o.units ?? U;
  const useBias = o.useBias ?? true;
  const label = Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'defaults';
  return {
    name: `LSTM, ${label}`,
    make: () => tf.layers.lstm({ units: u, ...o }),
    inputShape: [T, F],
    outputShape: o.returnSequences ? [T, u] : [u],
    weights: [
      { name: 'kernel', shape: [F, 4 * u], trainable: true },
      { name: 'recurrent_kernel', shape: [u, 4 * u], trainable: true },
      ...(useBias ? [{ name: 'bias', shape: [4 * u], trainable: true }] : []),
    ],
    reference: (x, w) => lstmRef(x, w, o),
    // relu's kink: only reached when the test picks relu, whose data the seed keeps away from 0.
    probe: true,
    // A model's output is flat: a sequence output goes through a Flatten and a Dense.
    tail: o.returnSequences,
    config: {
      units: u, activation: o.activation === 'hardSigmoid' ? 'hard_sigmoid' : o.activation ?? 'tanh',
      recurrentActivation: o.recurrentActivation === 'hardSigmoid' ? 'hard_sigmoid' : o.recurrentActivation ?? 'sigmoid',
      useBias, returnSequences: o.returnSequences ?? false, goBackwards: o.goBackwards ?? false, unitForgetBias: true,
      recurrentInitializer: { className: 'Orthogonal', config: { gain: 1, seed: null } },
    },
  };
}

const cases: LayerCase[] = [
  lstmCase({}),
  lstmCase({ returnSequences: true }),
  lstmCase({ goBackwards: true }),
  lstmCase({ returnSequences: true, goBackwards: true, useBias: false }),
  lstmCase({ activation: 'softsign', recurrentActivation: 'hardSigmoid', units: 2 }),
];
const otherCases: LayerCase[] = [
  rnnCase('gru', {}),
  rnnCase('gru', { returnSequences: true, goBackwards: true }),
  rnnCase('gru', { resetAfter: false }),
  rnnCase('gru', { resetAfter: false, returnSequences: true, useBias: false, activation: 'softsign' }),
  rnnCase('simpleRNN', {}),
  rnnCase('simpleRNN', { returnSequences: true, goBackwards: true, activation: 'sigmoid', useBias: false }),
];
[...cases, ...otherCases].forEach((c, i) => runLayerTest(c, 7000 + i));

const tfjsCases: [Kind, string, RnnOptions][] = [
  ['lstm', 'defaults', {}], ['lstm', 'returnSequences', { returnSequences: true }], ['lstm', 'goBackwards', { goBackwards: true }],
  ['lstm', 'returnSequences, goBackwards, no bias, relu', { returnSequences: true, goBackwards: true, useBias: false, activation: 'relu' }],
  ['gru', 'resetAfter false (TensorFlow.js has no other)', { resetAfter: false }],
  ['gru', 'resetAfter false, returnSequences, goBackwards, no bias', { resetAfter: false, returnSequences: true, goBackwards: true, useBias: false }],
  ['simpleRNN', 'defaults', {}], ['simpleRNN', 'returnSequences, goBackwards, relu', { returnSequences: true, goBackwards: true, activation: 'relu' }],
];

/** The TensorFlow.js layer of the same kind and options (gates: Keras's sigmoid, not TensorFlow.js's default hard sigmoid). */
function tfjsLayer(kind: Kind, o: RnnOptions, extra: Record<string, unknown> = {}): tfjs.layers.Layer {
  const args = {
    units: o.units ?? U, activation: o.activation ?? 'tanh', useBias: o.useBias ?? true, returnSequences: o.returnSequences,
    goBackwards: o.goBackwards, ...extra,
  } as never;
  if (kind === 'lstm') return tfjs.layers.lstm({ ...(args as object), recurrentActivation: 'sigmoid' } as never);
  if (kind === 'gru') return tfjs.layers.gru({ ...(args as object), recurrentActivation: 'sigmoid' } as never);
  return tfjs.layers.simpleRNN(args);
}

describe('the same weights give the same outputs as TensorFlow.js', () => {
  tfjsCases.forEach(([kind, label, o], i) => it(`${CLASS[kind]}, ${label}`, () => {
    const layer = makeLayer(kind, o);
    const m = tf.sequential({ layers: o.returnSequences ? [layer, tf.layers.flatten()] : [layer] });
    m.build([T, F]);
    const w = m.weightSpecs().map((s, k) => values(s.shape.reduce((a, b) => a * b, 1), 90 + 7 * i + k, k === 0 ? 1 : 0.5));
    m.setWeights(w.map((v, k) => tf.tensor(v, m.weightSpecs()[k].shape)));
    const x = values(6 * T * F, 30 + i, 2);
    // The harness's check builds the layer before applying it, which TensorFlow.js's RNN layers refuse (they build their cell again).
    const tl = tfjsLayer(kind, o);
    const xt = tfjs.tensor(x, [6, T, F]);
    tl.apply(xt);
    tl.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    const theirs = (tl.apply(xt) as tfjs.Tensor).dataSync();
    expectClose(m.predict(tf.tensor(x, [6, T, F])).values as Float32Array, theirs, { rtol: 1e-5, atol: 2e-6 }, 'output');
  }));
});

/** Deterministic values in [-a, a). */
function values(n: number, seed: number, a = 0.5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 * 2 - 1) * a;
  });
}

const trainKinds: [Kind, RnnOptions][] = [['lstm', {}], ['gru', { resetAfter: false }], ['simpleRNN', {}]];
describe('training and files against TensorFlow.js', () => {
  const build = (kind: Kind, o: RnnOptions) => tf.sequential({
    layers: [makeLayer(kind, { ...o, units: 5, returnSequences: true }), makeLayer(kind, { ...o, units: 4 }), tf.layers.dense({ units: 2 })],
  });
  const buildTfjs = (kind: Kind, o: RnnOptions) => tfjs.sequential({
    layers: [tfjsLayer(kind, { ...o, units: 5, returnSequences: true }, { inputShape: [4, 3] }), tfjsLayer(kind, { ...o, units: 4 }), tfjs.layers.dense({ units: 2 })],
  });

  trainKinds.forEach(([kind, o]) => it(`${CLASS[kind]}: weights after three SGD steps equal TensorFlow.js's from the same start`, async () => {
    const m = build(kind, o);
    m.build([4, 3]);
    const tm = buildTfjs(kind, o);
    const start = tm.getWeights().map((w, k) => values(w.size, 11 + k));
    m.setWeights(start.map((v, k) => tf.tensor(v, tm.getWeights()[k].shape as number[])));
    tm.setWeights(start.map((v, k) => tfjs.tensor(v, tm.getWeights()[k].shape)));
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    tm.compile({ optimizer: tfjs.train.sgd(0.5), loss: 'meanSquaredError' });
    const x = values(8 * 4 * 3, 3, 2);
    const y = values(8 * 2, 4, 1);
    for (let step = 0; step < 3; step++) {
      await m.trainOnBatch(tf.tensor(x, [8, 4, 3]), tf.tensor(y, [8, 2]));
      await tm.trainOnBatch(tfjs.tensor(x, [8, 4, 3]), tfjs.tensor(y, [8, 2]));
    }
    const ours = m.getWeights();
    tm.getWeights().forEach((w, k) => expectClose(ours[k].values as Float32Array, w.dataSync(), { rtol: 1e-4, atol: 1e-5 }, `weight ${k}`));
    // Not vacuous: training moved the weights.
    const moved = (k: number) => Math.max(...Array.from(ours[k].values as Float32Array).map((v, i) => Math.abs(v - start[k][i])));
    expect(moved(1), 'first recurrent kernel').toBeGreaterThan(1e-4);
    expect(moved(4), 'second recurrent kernel').toBeGreaterThan(1e-3);
  }));

  trainKinds.forEach(([kind, o]) => it(`${CLASS[kind]}: saved by tensorforge, loaded by TensorFlow.js, and back: the same predictions`, async () => {
    const m = build(kind, o);
    m.build([4, 3]);
    m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 40 + k), s.shape)));
    const x = values(6 * 4 * 3, 5, 2);
    const want = m.predict(tf.tensor(x, [6, 4, 3])).values as Float32Array;
    let captured: unknown = null;
    await m.save(tfjs.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(captured as tfjs.io.ModelArtifacts));
    expectClose((tm.predict(tfjs.tensor(x, [6, 4, 3])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 1e-5 }, 'TensorFlow.js');
    let back: tfjs.io.ModelArtifacts | null = null;
    await tm.save(tfjs.io.withSaveHandler(async (a) => {
      back = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(back!) as never);
    expect(loaded.layers.map((l) => l.className)).toEqual([CLASS[kind], CLASS[kind], 'Dense']);
    expectClose(loaded.predict(tf.tensor(x, [6, 4, 3])).values as Float32Array, want, { rtol: 1e-5, atol: 1e-5 }, 'reloaded');
  }));

  it("TensorFlow.js's default LSTM (Keras 2's hard sigmoid gates) is refused on load, not run as another function", async () => {
    const tm = tfjs.sequential({ layers: [tfjs.layers.lstm({ units: 2, inputShape: [3, 2] })] });
    let a: tfjs.io.ModelArtifacts | null = null;
    await tm.save(tfjs.io.withSaveHandler(async (x) => {
      a = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    await expect(tf.loadLayersModel(tfjs.io.fromMemory(a!) as never)).rejects.toThrow(/hard_sigmoid/);
  });
});

describe('LSTM options and bad input', () => {
  it('defaults: tanh, sigmoid, glorotUniform / orthogonal / zeros with the forget gate at 1', () => {
    const l = tf.layers.lstm({ units: 3 });
    expect([l.activation, l.recurrentActivation, l.useBias, l.unitForgetBias, l.returnSequences, l.goBackwards]).toEqual(['tanh', 'sigmoid', true, true, false, false]);
    const m = tf.sequential({ layers: [l] });
    m.build([5, 4]);
    const [kernel, rec, bias] = l.getWeights();
    expect(Array.from(bias.values as Float32Array)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    // Orthogonal [3, 12]: orthonormal rows.
    const r = rec.values as Float32Array;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let k = 0; k < 12; k++) dot += r[a * 12 + k] * r[b * 12 + k];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    const limit = Math.sqrt(6 / (4 + 12));
    expect(Math.max(...Array.from(kernel.values as Float32Array).map(Math.abs))).toBeLessThanOrEqual(limit);
    const noForget = tf.layers.lstm({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
    tf.sequential({ layers: [noForget] }).build([2, 2]);
    expect(Array.from(noForget.getWeights()[2].values as Float32Array)).toEqual(new Array(8).fill(1));
  });

  it('a [batch, features] input, zero units, unknown options and unsupported activations are clear errors', () => {
    expect(() => tf.sequential({ layers: [tf.layers.lstm({ units: 3, inputShape: [8] })] }).build([8]))
      .toThrow(/lstm: layer '.*' takes sequences \[batch, time, features\], got per-sample shape \[8\]/);
    expect(() => tf.layers.lstm({ units: 3, name: 'l3' }).computeOutputShape([2, 3, 4])).toThrow(/takes sequences/);
    expect(() => tf.layers.lstm({ units: 0 })).toThrow(RangeError);
    expect(() => tf.layers.lstm({} as never)).toThrow(/^lstm: units is required/);
    expect(() => tf.layers.lstm({ units: 2, dropout: 1 })).toThrow(/dropout/);
    expect(() => tf.layers.lstm({ units: 2, activation: 'gelu' })).toThrow(/lstm: activation 'gelu' is not supported/);
    expect(() => tf.layers.lstm({ units: 2, recurrentActivation: 'softmax' })).toThrow(/recurrentActivation 'softmax'/);
    expect(() => tf.layers.lstm({ units: 2, goBackwards: 1 } as never)).toThrow(TypeError);
    expect(() => tf.layers.LSTM.fromConfig({ units: 2, stateful: true })).toThrow(/stateful is not supported/);
    expect(tf.layers.LSTM.fromConfig({ units: 2, returnState: true }).getConfig().returnState).toBe(true);
    expect(() => tf.layers.LSTM.fromConfig({ units: 2, recurrentDropout: 1.5 })).toThrow(/recurrentDropout must be in/);
  });

  it('predict over a sequence batch: the last step of returnSequences is the last state', () => {
    const seq = tf.layers.lstm({ units: 3, returnSequences: true, inputShape: [4, 2] });
    const last = tf.layers.lstm({ units: 3, inputShape: [4, 2] });
    const a = tf.sequential({ layers: [seq, tf.layers.flatten()] });
    const b = tf.sequential({ layers: [last] });
    const w = a.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((p, q) => p * q, 1), 70 + k), s.shape));
    a.setWeights(w);
    b.setWeights(w);
    const x = tf.tensor(values(5 * 4 * 2, 9, 2), [5, 4, 2]);
    const all = a.predict(x).values as Float32Array;
    const end = b.predict(x).values as Float32Array;
    for (let s = 0; s < 5; s++) expect(Array.from(all.subarray(s * 12 + 9, s * 12 + 12))).toEqual(Array.from(end.subarray(s * 3, s * 3 + 3)));
  });
});

describe('initializers.orthogonal', () => {
  it('orthogonal columns of norm gain for a tall matrix, the same values for the same seed, and its config round trip', () => {
    const init = tf.initializers.orthogonal({ gain: 2, seed: 3 });
    const out = new Float32Array(18);
    init.fill(out, [6, 3], undefined as never);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let r = 0; r < 6; r++) dot += out[r * 3 + a] * out[r * 3 + b];
        expect(dot).toBeCloseTo(a === b ? 4 : 0, 5);
      }
    }
    const again = new Float32Array(18);
    tf.initializers.orthogonal({ gain: 2, seed: 3 }).fill(again, [6, 3], undefined as never);
    expect(again).toEqual(out);
    expect(serializeInitializer(init)).toEqual({ className: 'Orthogonal', config: { gain: 2, seed: 3 } });
    expect(deserializeInitializer(serializeInitializer(init), 'zeros').getConfig()).toEqual({ gain: 2, seed: 3 });
    expect(() => tf.initializers.orthogonal({ gain: 'x' } as never)).toThrow(/initializers.orthogonal/);
    expect(() => tf.initializers.orthogonal({ scale: 1 } as never)).toThrow(/initializers.orthogonal/);
  });
});
