// Masks (Keras's): masking and embedding({ maskZero }) mark padding, the
// layers that keep positions pass the mask on, and the recurrent layers skip
// the masked steps (the state carried over, the output the previous one).
// Checked against: the same model run on each sequence with its masked steps
// removed (predictions, loss, gradients, weights after SGD steps), a float64
// reference and its central differences, and TensorFlow.js with copied
// weights (predictions, training, files both ways).
import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer, serializeLayer } from '../../src/layers/registry';
import { Matrix, Weights, expectClose, runLayerTest } from './harness';
import { Random } from '../../src/random';
import { CLASS, Kind, cellsReference, seededValues as values, drawMask } from './recurrent_reference';

const T = 5;
const F = 2;
const U = 3;
const D = 2;
/** Which steps of each sample hold data: full, post-padded, pre-padded, a hole in the middle, one step. */
const KEEP = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0],
  [0, 0, 1, 1, 1],
  [1, 0, 1, 1, 0],
  [0, 0, 1, 0, 0],
];
const B = KEEP.length;
const SAME: { rtol: number; atol: number } = { rtol: 1e-5, atol: 2e-6 };

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});

/** Zero-padded sequences [B, T, F]: random features where KEEP has 1, zeros (the mask value) elsewhere. */
function padded(seed: number, keep = KEEP): Float32Array {
  const x = values(keep.length * T * F, seed, 2);
  keep.forEach((row, b) => row.forEach((k, t) => {
    if (!k) x.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
  }));
  return x;
}

/** Sample b's unmasked steps, in order: [L_b * F]. */
function unpadded(x: Float32Array, b: number, keep = KEEP): Float32Array {
  const out: number[] = [];
  keep[b].forEach((k, t) => {
    if (k) out.push(...x.subarray((b * T + t) * F, (b * T + t + 1) * F));
  });
  return Float32Array.from(out);
}

interface RnnOptions {
  returnSequences?: boolean;
  goBackwards?: boolean;
  resetAfter?: boolean;
}

function rnn(kind: Kind, o: RnnOptions, extra: Record<string, unknown> = {}): tf.layers.Layer {
  const { resetAfter, ...common } = o;
  if (kind === 'lstm') return tf.layers.lstm({ units: U, ...common, ...extra });
  if (kind === 'gru') return tf.layers.gru({ units: U, resetAfter, ...common, ...extra });
  return tf.layers.simpleRNN({ units: U, ...common, ...extra });
}

/** Sets every weight of `m` from seeds (kernels ±1, the rest ±0.5) and returns the values. */
function setWeights(m: tf.LayersModel, seed: number): Float32Array[] {
  const w = m.weightSpecs().map((s, k) => values(s.shape.reduce((a, b) => a * b, 1), seed + k, k % 3 === 0 ? 1 : 0.5));
  m.setWeights(w.map((v, k) => tf.tensor(v, m.weightSpecs()[k].shape)));
  return w;
}

const CASES: [Kind, RnnOptions][] = [
  ['lstm', {}], ['lstm', { goBackwards: true }], ['gru', {}], ['gru', { resetAfter: false, goBackwards: true }], ['simpleRNN', {}],
];
const label = (kind: Kind, o: RnnOptions) => `${CLASS[kind]}${Object.entries(o).map(([k, v]) => `, ${k} ${v}`).join('')}`;

describe('masking equals training on the unpadded sequences', () => {
  CASES.forEach(([kind, o], i) => it(`${label(kind, o)}: predictions, loss, gradients and weights after three SGD steps`, async () => {
    const m = tf.sequential({ layers: [tf.layers.masking({ inputShape: [T, F] }), rnn(kind, o), tf.layers.dense({ units: D })] });
    const start = setWeights(m, 10 + 5 * i);
    // One model per length, over the unpadded sequence, with the same weights.
    const lengths = KEEP.map((r) => r.reduce((a, v) => a + v, 0));
    const plain = new Map<number, tf.Sequential>();
    for (const L of new Set(lengths)) {
      const p = tf.sequential({ layers: [rnn(kind, o, { inputShape: [L, F] }), tf.layers.dense({ units: D })] });
      p.setWeights(start.map((v, k) => tf.tensor(v, p.weightSpecs()[k].shape)));
      p.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
      plain.set(L, p);
    }
    const x = padded(3 + i);
    const y = values(B * D, 7 + i, 1);
    const ys = (b: number) => tf.tensor(y.subarray(b * D, (b + 1) * D), [1, D]);
    const xs = (b: number) => tf.tensor(unpadded(x, b), [1, lengths[b], F]);

    const ours = m.predict(tf.tensor(x, [B, T, F])).values as Float32Array;
    KEEP.forEach((_, b) => expectClose(ours.subarray(b * D, (b + 1) * D), plain.get(lengths[b])!.predict(xs(b)).values as Float32Array, SAME, `prediction ${b}`));

    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const mean = () => {
      // Keras's loss over a batch is the mean of the samples' losses; so is its gradient.
      let loss = 0;
      const grads = new Float64Array(start.reduce((a, v) => a + v.length, 0));
      KEEP.forEach((_, b) => {
        const g = plain.get(lengths[b])!.computeGradients(xs(b), ys(b));
        loss += g.loss / B;
        g.grads.forEach((v, k) => (grads[k] += v / B));
      });
      return { loss, grads };
    };
    const want = mean();
    const got = m.computeGradients(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, D]));
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expectClose(got.grads, want.grads, { rtol: 1e-4, atol: 1e-6 }, 'gradients');

    // Three SGD steps: on the padded batch, and by hand from the unpadded gradients.
    const flat = Float64Array.from(start.flatMap((v) => Array.from(v)));
    for (let step = 0; step < 3; step++) {
      await m.trainOnBatch(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, D]));
      const g = mean().grads;
      flat.forEach((v, k) => (flat[k] = v - 0.5 * g[k]));
      let off = 0;
      const next = start.map((v) => flat.subarray((off += v.length) - v.length, off));
      for (const p of plain.values()) p.setWeights(next.map((v, k) => tf.tensor(Float32Array.from(v), p.weightSpecs()[k].shape)));
    }
    const trained = Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.values as Float32Array)));
    expectClose(trained, flat, { rtol: 1e-4, atol: 1e-5 }, 'weights after three steps');
    const first = start.flatMap((v) => Array.from(v));
    expect(Math.max(...trained.map((v, k) => Math.abs(v - first[k]))), 'training moved the weights').toBeGreaterThan(1e-3);
  }));
});

/** Keras's masked recurrence in float64: the unmasked steps (in reading order) through the cell; a masked step repeats the previous output (zeros with zeroOutput). */
function maskedRef(kind: Kind, o: RnnOptions, row: number[], keep: number[], w: Weights, zeroOutput = false, drop?: { x: number[]; h: number[] }): number[] {
  const order = Array.from({ length: T }, (_, s) => (o.goBackwards ? T - 1 - s : s));
  const used = order.filter((t) => keep[t]);
  const sub = used.flatMap((t) => row.slice(t * F, (t + 1) * F));
  const seq = used.length ? cellsReference(kind, { T: used.length, F, U, returnSequences: true, resetAfter: o.resetAfter }, [sub], w, drop && [drop.x], drop && [drop.h])[0] : [];
  let prev = new Array(U).fill(0);
  const out: number[] = [];
  let k = 0;
  for (const t of order) {
    if (keep[t]) {
      prev = seq.slice(k * U, ++k * U);
      out.push(...prev);
    } else {
      out.push(...(zeroOutput ? new Array(U).fill(0) : prev));
    }
  }
  return o.returnSequences ? out : prev;
}

/** h · kernel + bias in float64 (kernel [h.length, n]). */
function denseOver(h: number[], kernel: ArrayLike<number>, bias: ArrayLike<number>, n = D): number[] {
  return Array.from({ length: n }, (_, j) => h.reduce((a, v, i) => a + v * kernel[i * n + j], bias[j]));
}

interface RefCase {
  name: string;
  make: () => tf.layers.Layer[];
  /** The float64 forward of the whole model, weights in model order. */
  forward: (x: Matrix, w: Float64Array[]) => Matrix;
  /** The reference is of training mode only (dropout): no check of predict. */
  training?: boolean;
}

const asWeights = (w: Float64Array[], k0: number, hasBias = true): Weights => ({ kernel: w[k0], recurrent_kernel: w[k0 + 1], bias: hasBias ? w[k0 + 2] : new Float64Array(0) });

function refCases(): RefCase[] {
  const list: RefCase[] = [];
  const seqCases: [Kind, RnnOptions][] = [['lstm', { returnSequences: true, goBackwards: true }], ['gru', { returnSequences: true }], ['simpleRNN', { returnSequences: true }], ['gru', { resetAfter: false }]];
  for (const [kind, o] of seqCases) {
    list.push({
      name: label(kind, o),
      make: () => [tf.layers.masking({ inputShape: [T, F] }), rnn(kind, o), ...(o.returnSequences ? [tf.layers.flatten()] : []), tf.layers.dense({ units: D })],
      forward: (x, w) => x.map((row, b) => denseOver(maskedRef(kind, o, row, KEEP[b], asWeights(w, 0)), w[3], w[4])),
    });
  }
  for (const [mergeMode, rs] of [['concat', true], ['sum', false]] as const) {
    list.push({
      name: `Bidirectional(LSTM), mergeMode ${mergeMode}, returnSequences ${rs} (masked steps output zeros)`,
      make: () => [tf.layers.masking({ inputShape: [T, F] }), tf.layers.bidirectional({ layer: tf.layers.lstm({ units: U, returnSequences: rs }) as never, mergeMode }),
        ...(rs ? [tf.layers.flatten()] : []), tf.layers.dense({ units: D })],
      forward: (x, w) => x.map((row, b) => {
        const f = maskedRef('lstm', { returnSequences: rs }, row, KEEP[b], asWeights(w, 0), true);
        const r = maskedRef('lstm', { returnSequences: rs, goBackwards: true }, row, KEEP[b], asWeights(w, 3), true);
        // The backward half's sequence is flipped back to input order before the merge.
        const rev = rs ? Array.from({ length: T }, (_, t) => r.slice((T - 1 - t) * U, (T - t) * U)).flat() : r;
        const merged = mergeMode === 'sum' ? f.map((v, k) => v + rev[k])
          : Array.from({ length: rs ? T : 1 }, (_, t) => [...f.slice(t * U, (t + 1) * U), ...rev.slice(t * U, (t + 1) * U)]).flat();
        return denseOver(merged, w[6], w[7]);
      }),
    });
  }
  // dropout / recurrentDropout: the seeded layer's first masks, drawn as recurrent_dropout.test.ts's reference draws them.
  for (const kind of ['lstm', 'gru', 'simpleRNN'] as Kind[]) {
    list.push({
      name: `${CLASS[kind]}, dropout 0.3, recurrentDropout 0.4 (training: the carried state is the undropped one)`,
      make: () => [tf.layers.masking({ inputShape: [T, F] }), rnn(kind, {}, { dropout: 0.3, recurrentDropout: 0.4, seed: 5 }), tf.layers.dense({ units: D })],
      forward: (x, w) => {
        const r = new Random(5);
        const xm = drawMask(r, 0.3, B, F);
        const hm = drawMask(r, 0.4, B, U);
        return x.map((row, b) => denseOver(maskedRef(kind, {}, row, KEEP[b], asWeights(w, 0), false, { x: xm[b], h: hm[b] }), w[3], w[4]));
      },
      training: true,
    });
  }
  list.push({
    name: 'masking -> timeDistributed(dense) -> activation -> LSTM: the mask passes through both',
    make: () => [tf.layers.masking({ inputShape: [T, F] }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: F }) as never }), tf.layers.activation({ activation: 'tanh' }),
      tf.layers.lstm({ units: U }), tf.layers.dense({ units: D })],
    forward: (x, w) => x.map((row, b) => {
      const h = Array.from({ length: T }, (_, t) => {
        return denseOver(row.slice(t * F, (t + 1) * F), w[0], w[1], F).map(Math.tanh);
      }).flat();
      return denseOver(maskedRef('lstm', {}, h, KEEP[b], asWeights(w, 2)), w[5], w[6]);
    }),
  });
  return list;
}

describe('masked forward and backward against a float64 reference and its central differences', () => {
  refCases().forEach((c, i) => it(c.name, () => {
    const m = tf.sequential({ layers: c.make() });
    const w32 = setWeights(m, 50 + 11 * i);
    const w = w32.map((v) => Float64Array.from(v));
    const x = padded(60 + i);
    const rows: Matrix = Array.from({ length: B }, (_, b) => Array.from(x.subarray(b * T * F, (b + 1) * T * F)));
    if (!c.training) expectClose(m.predict(tf.tensor(x, [B, T, F])).values as Float32Array, c.forward(rows, w).flat(), { rtol: 1e-5, atol: 5e-6 }, 'forward');
    const y = values(B * D, 70 + i, 1);
    const loss = (v: Float64Array[]) => c.forward(rows, v).reduce((a, o, b) => a + o.reduce((s, p, j) => s + (p - y[b * D + j]) ** 2, 0) / D, 0) / B;
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const got = m.computeGradients(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, D]));
    expect(got.loss).toBeCloseTo(loss(w), 5);
    const fd: number[] = [];
    const h = 1e-6;
    w.forEach((v, k) => v.forEach((_, e) => {
      const at = (d: number) => loss(w.map((u, kk) => (kk === k ? u.map((q, ee) => (ee === e ? q + d : q)) : u)));
      fd.push((at(h) - at(-h)) / (2 * h));
    }));
    expectClose(got.grads, fd, { rtol: 1e-4, atol: 1e-6 }, 'gradients');
  }));
});

describe('embedding({ maskZero })', () => {
  const V = 6;
  /** Ids with 0 as padding where KEEP has 0. */
  const ids = (seed: number) => Float32Array.from(KEEP.flat(), (k, e) => (k ? 1 + ((Math.imul(seed + e, 2654435761) >>> 0) % (V - 1)) : 0));

  it('masks id 0: GRU over padded ids equals GRU over the unpadded ids (predictions, gradients)', () => {
    const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: F, maskZero: true, inputLength: T }), tf.layers.gru({ units: U }), tf.layers.dense({ units: D })] });
    const start = setWeights(m, 80);
    const x = ids(1);
    const y = values(B * D, 81, 1);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const got = m.computeGradients(tf.tensor(x, [B, T]), tf.tensor(y, [B, D]));
    const pred = m.predict(tf.tensor(x, [B, T])).values as Float32Array;
    const grads = new Float64Array(got.grads.length);
    let loss = 0;
    KEEP.forEach((row, b) => {
      const sub = Float32Array.from(row.flatMap((k, t) => (k ? [x[b * T + t]] : [])));
      const p = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: F, inputLength: sub.length }), tf.layers.gru({ units: U }), tf.layers.dense({ units: D })] });
      p.setWeights(start.map((v, k) => tf.tensor(v, p.weightSpecs()[k].shape)));
      p.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      expectClose(pred.subarray(b * D, (b + 1) * D), p.predict(tf.tensor(sub, [1, sub.length])).values as Float32Array, SAME, `prediction ${b}`);
      const g = p.computeGradients(tf.tensor(sub, [1, sub.length]), tf.tensor(y.subarray(b * D, (b + 1) * D), [1, D]));
      loss += g.loss / B;
      g.grads.forEach((v, k) => (grads[k] += v / B));
    });
    expect(got.loss).toBeCloseTo(loss, 5);
    expectClose(got.grads, grads, { rtol: 1e-4, atol: 1e-6 }, 'gradients');
    // The padding row is read but gets no gradient: every step that reads it is skipped.
    expect(Array.from(got.grads.subarray(0, F))).toEqual([0, 0]);
  });

  it('TensorFlow.js with the same weights: the same predictions (embedding maskZero -> GRU, returnSequences)', () => {
    for (const rs of [false, true]) {
      // A flattened sequence shows every step's output (Flatten drops the mask in both).
      const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: F, maskZero: true, inputLength: T }), tf.layers.gru({ units: U, resetAfter: false, returnSequences: rs }),
        ...(rs ? [tf.layers.flatten()] : [])] });
      const w = setWeights(m, 90);
      const tm = tfjs.sequential({ layers: [tfjs.layers.embedding({ inputDim: V, outputDim: F, maskZero: true, inputLength: T }), tfjs.layers.gru({ units: U, recurrentActivation: 'sigmoid', returnSequences: rs }),
        ...(rs ? [tfjs.layers.flatten()] : [])] });
      tm.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
      const x = ids(2);
      expectClose(m.predict(tf.tensor(x, [B, T])).values as Float32Array, (tm.predict(tfjs.tensor(x, [B, T])) as tfjs.Tensor).dataSync(), SAME, `returnSequences ${rs}`);
    }
  });

  it('maskZero round-trips through getConfig, the registry and TensorFlow.js files', async () => {
    const l = tf.layers.embedding({ inputDim: V, outputDim: F, maskZero: true });
    expect(l.getConfig().maskZero).toBe(true);
    expect((deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(l)))) as tf.layers.Embedding).maskZero).toBe(true);
    const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: F, maskZero: true, inputLength: T }), tf.layers.gru({ units: U, resetAfter: false })] });
    setWeights(m, 95);
    const x = ids(3);
    const want = m.predict(tf.tensor(x, [B, T])).values as Float32Array;
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(await saved(m)));
    expect(tm.layers[0].getConfig().maskZero).toBe(true);
    expectClose((tm.predict(tfjs.tensor(x, [B, T])) as tfjs.Tensor).dataSync(), want, SAME, 'TensorFlow.js');
    const back = await tf.loadLayersModel(tfjs.io.fromMemory(await savedTfjs(tm)) as never);
    expectClose(back.predict(tf.tensor(x, [B, T])).values as Float32Array, want, SAME, 'reloaded');
  });

  it('maskZero must be a boolean', () => {
    expect(() => tf.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 1 as never })).toThrow(new TypeError('embedding: maskZero must be a boolean, got 1'));
  });
});

async function saved(m: tf.LayersModel): Promise<tfjs.io.ModelArtifacts> {
  let captured: tfjs.io.ModelArtifacts | null = null;
  await m.save(tfjs.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }) as never);
  return captured!;
}

async function savedTfjs(m: tfjs.LayersModel): Promise<tfjs.io.ModelArtifacts> {
  let captured: tfjs.io.ModelArtifacts | null = null;
  await m.save(tfjs.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return captured!;
}

describe('masking -> LSTM against TensorFlow.js with copied weights', () => {
  const tfjsModel = (o: RnnOptions) => tfjs.sequential({ layers: [tfjs.layers.masking({ inputShape: [T, F] }),
    tfjs.layers.lstm({ units: U, recurrentActivation: 'sigmoid', returnSequences: o.returnSequences, goBackwards: o.goBackwards }),
    ...(o.returnSequences ? [tfjs.layers.flatten()] : []), tfjs.layers.dense({ units: D })] });
  const ours = (o: RnnOptions) => tf.sequential({ layers: [tf.layers.masking({ inputShape: [T, F] }), tf.layers.lstm({ units: U, ...o }),
    ...(o.returnSequences ? [tf.layers.flatten()] : []), tf.layers.dense({ units: D })] });

  ([{}, { goBackwards: true }, { returnSequences: true }, { returnSequences: true, goBackwards: true }] as RnnOptions[]).forEach((o, i) => it(`predictions${Object.keys(o).map((k) => `, ${k}`).join('')}`, () => {
    const m = ours(o);
    const w = setWeights(m, 100 + i);
    const tm = tfjsModel(o);
    tm.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    const x = padded(110 + i);
    const shape = [B, T, F];
    expectClose(m.predict(tf.tensor(x, shape)).values as Float32Array, (tm.predict(tfjs.tensor(x, shape)) as tfjs.Tensor).dataSync(), SAME, 'output');
  }));

  it('weights after three SGD steps on padded data equal TensorFlow.js\'s', async () => {
    const m = ours({});
    const w = setWeights(m, 120);
    const tm = tfjsModel({});
    tm.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    tm.compile({ optimizer: tfjs.train.sgd(0.5), loss: 'meanSquaredError' });
    const x = padded(121);
    const y = values(B * D, 122, 1);
    for (let step = 0; step < 3; step++) {
      await m.trainOnBatch(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, D]));
      await tm.trainOnBatch(tfjs.tensor(x, [B, T, F]), tfjs.tensor(y, [B, D]));
    }
    const got = m.getWeights();
    tm.getWeights().forEach((t, k) => expectClose(got[k].values as Float32Array, t.dataSync(), { rtol: 1e-4, atol: 1e-5 }, `weight ${k}`));
  });

  it('the masking layer round-trips in the TensorFlow.js format both ways', async () => {
    const m = tf.sequential({ layers: [tf.layers.masking({ inputShape: [T, F], maskValue: -1 }), tf.layers.lstm({ units: U }), tf.layers.dense({ units: D })] });
    setWeights(m, 130);
    const x = padded(131).map((v) => (v === 0 ? -1 : v));
    const want = m.predict(tf.tensor(x, [B, T, F])).values as Float32Array;
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(await saved(m)));
    expect(tm.layers[0].getClassName()).toBe('Masking');
    expect(tm.layers[0].getConfig().maskValue).toBe(-1);
    expectClose((tm.predict(tfjs.tensor(x, [B, T, F])) as tfjs.Tensor).dataSync(), want, SAME, 'TensorFlow.js');
    const back = await tf.loadLayersModel(tfjs.io.fromMemory(await savedTfjs(tm)) as never);
    expect(back.layers[0].className).toBe('Masking');
    expect((back.layers[0] as tf.layers.Masking).maskValue).toBe(-1);
    expectClose(back.predict(tf.tensor(x, [B, T, F])).values as Float32Array, want, SAME, 'reloaded');
  });
});

describe('Masking', () => {
  runLayerTest({
    name: 'Masking (no position equal to maskValue: the identity)',
    make: () => tf.layers.masking({ maskValue: 0.25 }),
    inputShape: [4, 3],
    outputShape: [4, 3],
    weights: [],
    probe: true,
    tail: true,
    reference: (x) => x,
    config: { maskValue: 0.25 },
    tfjs: () => tfjs.layers.masking({ maskValue: 0.25 }),
  }, 7);

  it('zeroes the masked steps and sends them no gradient', () => {
    // Dense probe -> masking -> flatten -> dense: a probe output row equal to maskValue everywhere is masked.
    const m = tf.sequential({ layers: [tf.layers.masking({ inputShape: [T, F], maskValue: 0 }), tf.layers.flatten(), tf.layers.dense({ units: 1, useBias: false })] });
    m.setWeights([tf.tensor(values(T * F, 3), [T * F, 1])]);
    const x = padded(4);
    const k = m.getWeights()[0].values as Float32Array;
    const out = m.predict(tf.tensor(x, [B, T, F])).values as Float32Array;
    KEEP.forEach((_, b) => expect(out[b]).toBeCloseTo(x.subarray(b * T * F, (b + 1) * T * F).reduce((a, v, e) => a + v * k[e], 0), 5));
    const y = new Float32Array(B);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const g = m.computeGradients(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, 1])).grads;
    // dLoss/dk[e] = mean over samples of 2 out_b x_b[e]: zero where every sample is masked.
    const want = Array.from({ length: T * F }, (_, e) => KEEP.reduce((a, _r, b) => a + (2 * out[b] * x[b * T * F + e]) / B, 0));
    expectClose(g, want, { rtol: 1e-5, atol: 1e-6 }, 'gradients');
  });

  it('a layer that does not support masks drops it (Keras 3): masking -> reshape -> LSTM reads the padding', () => {
    const m = tf.sequential({ layers: [tf.layers.masking({ inputShape: [T, F] }), tf.layers.reshape({ targetShape: [T, F] }), tf.layers.lstm({ units: U })] });
    const w = setWeights(m, 140);
    const plain = tf.sequential({ layers: [tf.layers.lstm({ units: U, inputShape: [T, F] })] });
    plain.setWeights(w.map((v, k) => tf.tensor(v, plain.weightSpecs()[k].shape)));
    const x = padded(141);
    expectClose(m.predict(tf.tensor(x, [B, T, F])).values as Float32Array, plain.predict(tf.tensor(x, [B, T, F])).values as Float32Array, SAME, 'unmasked');
  });

  it('options are checked', () => {
    expect(() => tf.layers.masking({ maskValue: '0' as never })).toThrow(new TypeError("masking: maskValue must be a number, got '0'"));
    expect(() => tf.layers.masking({ maskValue: NaN })).toThrow(RangeError);
    expect(() => tf.layers.masking({ mask: 0 } as never)).toThrow(/^masking: .*mask/);
    expect(tf.layers.masking().maskValue).toBe(0);
  });
});

describe('merge layers combine masks as Keras does', () => {
  // The oracle: TensorFlow.js's masking -> LSTM over the merged values with
  // the combined mask's padding zeroed (its own merge masks are unusable:
  // Merge.computeMask leaves out the last mask and keeps an extra axis).
  /** A second pattern of kept steps, so the AND differs from either mask. */
  const KEEP2 = [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0], [1, 1, 0, 1, 1], [0, 1, 1, 1, 0]];
  const step = (x: Float32Array, b: number, t: number) => Array.from(x.subarray((b * T + t) * F, (b * T + t + 1) * F));
  const both = (b: number, t: number) => KEEP[b][t] && KEEP2[b][t];
  const merges: [string, () => tf.layers.Layer, number, number, (x1: Float32Array, x2: Float32Array) => number[]][] = [
    ['add: the AND of the masks', () => tf.layers.add(), T, F,
      (x1, x2) => KEEP.flatMap((_, b) => Array.from({ length: T }, (_, t) => step(x1, b, t).map((v, f) => (both(b, t) ? v + step(x2, b, t)[f] : 0))).flat())],
    ['concatenate over features: the AND', () => tf.layers.concatenate({ axis: -1 }), T, 2 * F,
      (x1, x2) => KEEP.flatMap((_, b) => Array.from({ length: T }, (_, t) => (both(b, t) ? [...step(x1, b, t), ...step(x2, b, t)] : new Array(2 * F).fill(0))).flat())],
    ['concatenate over time: the masks concatenated', () => tf.layers.concatenate({ axis: 1 }), 2 * T, F,
      (x1, x2) => KEEP.flatMap((_, b) => [...Array.from(x1.subarray(b * T * F, (b + 1) * T * F)), ...Array.from(x2.subarray(b * T * F, (b + 1) * T * F))])],
  ];
  merges.forEach(([name, ours, steps, width, merge], i) => it(name, () => {
    const a = tf.input({ shape: [T, F] });
    const b = tf.input({ shape: [T, F] });
    const merged = ours().apply([tf.layers.masking().apply(a), tf.layers.masking().apply(b)]);
    const m = tf.model({ inputs: [a, b], outputs: tf.layers.dense({ units: D }).apply(tf.layers.lstm({ units: U }).apply(merged)) });
    const w = setWeights(m, 150 + 3 * i);
    const tm = tfjs.sequential({ layers: [tfjs.layers.masking({ inputShape: [steps, width] }), tfjs.layers.lstm({ units: U, recurrentActivation: 'sigmoid' }), tfjs.layers.dense({ units: D })] });
    tm.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    const x1 = padded(160 + i);
    const x2 = padded(170 + i, KEEP2);
    const want = (tm.predict(tfjs.tensor(merge(x1, x2), [B, steps, width])) as tfjs.Tensor).dataSync();
    expectClose(m.predict([tf.tensor(x1, [B, T, F]), tf.tensor(x2, [B, T, F])]).values as Float32Array, want, SAME, 'output');
  }));
});
