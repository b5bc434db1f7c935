// dropout and recurrentDropout of LSTM, GRU and SimpleRNN. Through the
// generic harness: a seeded layer draws its masks from its own generator,
// the same xoshiro128** as src/random.ts, so the float64 reference below
// draws the same masks (the input mask [batch, features] row by row, then
// the state mask [batch, units]) and the training loss and every gradient
// are checked against it and its central differences. Then: inference drops
// nothing (TensorFlow.js with the same weights and rates), the masks are
// new each pass, fit's seed makes training reproducible, and files both ways.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { LayerCase, Matrix, Weights, expectClose, runLayerTest } from './harness';
import { CLASS, GATES, Kind, cellsReference, drawMask } from './recurrent_reference';

const T = 3;
const F = 2;
const U = 3;
const SEED = 5;

interface Options {
  dropout: number;
  recurrentDropout: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  resetAfter?: boolean;
}
/** The layer's masks drawn from its seed, then the shared reference. */
function reference(kind: Kind, o: Options, x: Matrix, w: Weights, training: boolean): Matrix {
  const r = new Random(SEED);
  const xMask = training ? drawMask(r, o.dropout, x.length, F) : undefined;
  const hMask = training ? drawMask(r, o.recurrentDropout, x.length, U) : undefined;
  return cellsReference(kind, { ...o, T, F, U }, x, w, xMask, hMask);
}

function make(kind: Kind, o: Options, seed: number | undefined = SEED): tf.layers.Layer {
  const { resetAfter, ...common } = o;
  if (kind === 'lstm') return tf.layers.lstm({ units: U, seed, ...common });
  if (kind === 'gru') return tf.layers.gru({ units: U, seed, ...common, resetAfter });
  return tf.layers.simpleRNN({ units: U, seed, ...common });
}

function dropoutCase(kind: Kind, o: Options): LayerCase {
  const width = GATES[kind] * U;
  return {
    name: `${CLASS[kind]}, ${Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    make: () => make(kind, o),
    inputShape: [T, F],
    outputShape: o.returnSequences ? [T, U] : [U],
    weights: [
      { name: 'kernel', shape: [F, width], trainable: true },
      { name: 'recurrent_kernel', shape: [U, width], trainable: true },
      { name: 'bias', shape: kind === 'gru' && (o.resetAfter ?? true) ? [2, width] : [width], trainable: true },
    ],
    reference: (x, w, training) => reference(kind, o, x, w, training),
    probe: true,
    tail: o.returnSequences,
    config: { dropout: o.dropout, recurrentDropout: o.recurrentDropout, seed: SEED },
  };
}

// Rates high enough that each case's masks drop some of the 6 samples' inputs and states.
const cases: LayerCase[] = [
  dropoutCase('lstm', { dropout: 0.4, recurrentDropout: 0.3 }),
  dropoutCase('lstm', { dropout: 0.5, recurrentDropout: 0, returnSequences: true, goBackwards: true }),
  dropoutCase('gru', { dropout: 0.3, recurrentDropout: 0.4 }),
  dropoutCase('gru', { dropout: 0, recurrentDropout: 0.5, resetAfter: false, returnSequences: true }),
  dropoutCase('gru', { dropout: 0.4, recurrentDropout: 0.4, resetAfter: false, goBackwards: true }),
  dropoutCase('simpleRNN', { dropout: 0.4, recurrentDropout: 0.4 }),
  dropoutCase('simpleRNN', { dropout: 0, recurrentDropout: 0.5, returnSequences: true }),
];
cases.forEach((c, i) => runLayerTest(c, 7100 + i));

/** Deterministic values in [-a, a). */
function values(n: number, seed: number, a = 0.5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 * 2 - 1) * a;
  });
}

const save = async (m: { save: (h: never) => Promise<unknown> }) => {
  let captured: tfjs.io.ModelArtifacts | null = null;
  await m.save(tfjs.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }) as never);
  return captured! as tfjs.io.ModelArtifacts;
};

describe('recurrent dropout', () => {
  it('the masks reach the reference: the seeded draws above drop some inputs and states', () => {
    const r = new Random(SEED);
    const xm = drawMask(r, 0.4, 6, F).flat();
    const hm = drawMask(r, 0.3, 6, U).flat();
    expect(xm.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(hm.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(xm.filter((v) => v !== 0).length).toBeGreaterThan(0);
  });

  (['lstm', 'gru', 'simpleRNN'] as Kind[]).forEach((kind) => it(`${CLASS[kind]}: inference equals TensorFlow.js's layer with the same rates and weights`, () => {
    const o = { dropout: 0.3, recurrentDropout: 0.2, returnSequences: true, resetAfter: false };
    const m = tf.sequential({ layers: [make(kind, o, undefined), tf.layers.flatten()] });
    m.build([T, F]);
    const w = m.weightSpecs().map((s, k) => values(s.shape.reduce((a, b) => a * b, 1), 60 + k, 0.8));
    m.setWeights(w.map((v, k) => tf.tensor(v, m.weightSpecs()[k].shape)));
    const args = { units: U, returnSequences: true, dropout: 0.3, recurrentDropout: 0.2 };
    const tl = kind === 'lstm' ? tfjs.layers.lstm({ ...args, recurrentActivation: 'sigmoid' })
      : kind === 'gru' ? tfjs.layers.gru({ ...args, recurrentActivation: 'sigmoid' }) : tfjs.layers.simpleRNN(args);
    const x = values(5 * T * F, 8, 2);
    const xt = tfjs.tensor(x, [5, T, F]);
    tl.apply(xt);
    tl.setWeights(w.map((v, k) => tfjs.tensor(v, m.weightSpecs()[k].shape)));
    expectClose(m.predict(tf.tensor(x, [5, T, F])).values as Float32Array, (tl.apply(xt) as tfjs.Tensor).dataSync(), { rtol: 1e-5, atol: 2e-6 }, 'output');
  }));

  it('each training pass draws new masks; without dropout the same batch gives the same gradients', () => {
    const grads = (layer: tf.layers.Layer) => {
      const m = tf.sequential({ layers: [layer] });
      m.build([T, F]);
      m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 20 + k), s.shape)));
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const x = tf.tensor(values(16 * T * F, 3, 2), [16, T, F]);
      const y = tf.tensor(values(16 * U, 4), [16, U]);
      return [Array.from(m.computeGradients(x, y).grads), Array.from(m.computeGradients(x, y).grads)];
    };
    const [a, b] = grads(tf.layers.gru({ units: U, dropout: 0.5, recurrentDropout: 0.5, seed: 1 }));
    expect(a).not.toEqual(b);
    const [c, d] = grads(tf.layers.gru({ units: U }));
    expect(c).toEqual(d);
  });

  it("fit's seed makes training with dropout reproducible (no layer seed), and another seed trains otherwise", async () => {
    const train = async (seed: number) => {
      const m = tf.sequential({ layers: [tf.layers.lstm({ units: 4, dropout: 0.3, recurrentDropout: 0.3, inputShape: [T, F] }), tf.layers.dense({ units: 1 })] });
      m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 30 + k), s.shape)));
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      await m.fit(tf.tensor(values(32 * T * F, 6, 2), [32, T, F]), tf.tensor(values(32, 7), [32, 1]), { epochs: 2, batchSize: 8, seed, verbose: 0 });
      return m.getWeights().flatMap((w) => Array.from(w.values as Float32Array));
    };
    const a = await train(3);
    expect(await train(3)).toEqual(a);
    expect(await train(4)).not.toEqual(a);
  });

  it('saved with its rates, loaded by TensorFlow.js, and back: the same rates and predictions', async () => {
    const m = tf.sequential({ layers: [tf.layers.gru({ units: 4, dropout: 0.25, recurrentDropout: 0.125, resetAfter: false, inputShape: [T, F] })] });
    m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 50 + k), s.shape)));
    const x = values(4 * T * F, 9, 2);
    const want = m.predict(tf.tensor(x, [4, T, F])).values as Float32Array;
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(await save(m as never)));
    expect((tm.layers[0].getConfig() as Record<string, unknown>).recurrentDropout).toBe(0.125);
    expectClose((tm.predict(tfjs.tensor(x, [4, T, F])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 1e-5 }, 'TensorFlow.js');
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await save(tm as never)) as never);
    const l = loaded.layers[0] as tf.layers.GRU;
    expect([l.dropout, l.recurrentDropout]).toEqual([0.25, 0.125]);
    expectClose(loaded.predict(tf.tensor(x, [4, T, F])).values as Float32Array, want, { rtol: 1e-5, atol: 1e-5 }, 'reloaded');
  });

  it('bad rates and seeds are errors naming the layer and the value', () => {
    expect(() => tf.layers.lstm({ units: 2, dropout: 1 })).toThrow(/^lstm: dropout must be < 1, got 1/);
    expect(() => tf.layers.gru({ units: 2, recurrentDropout: -0.1 })).toThrow(RangeError);
    expect(() => tf.layers.gru({ units: 2, recurrentDropout: -0.1 })).toThrow(/^gru: recurrentDropout must be in \[0, 1\], got -0.1/);
    expect(() => tf.layers.simpleRNN({ units: 2, dropout: '0.5' as never })).toThrow(TypeError);
    expect(() => tf.layers.simpleRNN({ units: 2, seed: 1.5 })).toThrow(/^simpleRNN: seed/);
    expect(() => tf.layers.LSTM.fromConfig({ units: 2, dropout: 2 })).toThrow(/^lstm: dropout must be in/);
  });
});
