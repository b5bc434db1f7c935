// Bidirectional through the generic harness: the float64 reference runs the
// wrapped cell both ways (the backward copy with goBackwards flipped, its
// output sequence put back in time order) and merges; TensorFlow.js's
// Bidirectional with the same weights; files both ways with Keras's
// forward_* / backward_* weight names; bad input.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, Matrix, Weights, expectClose, runLayerTest } from './harness';
import { CLASS, GATES, Kind, cellsReference } from './recurrent_reference';

const T = 3;
const F = 2;
const U = 3;
type Merge = 'concat' | 'sum' | 'mul' | 'ave';
interface Options {
  mergeMode: Merge;
  returnSequences?: boolean;
  goBackwards?: boolean;
  resetAfter?: boolean;
}

function inner(kind: Kind, o: Options): tf.layers.LSTM | tf.layers.GRU | tf.layers.SimpleRNN {
  const common = { units: U, name: 'cell', returnSequences: o.returnSequences, goBackwards: o.goBackwards };
  if (kind === 'lstm') return tf.layers.lstm(common);
  if (kind === 'gru') return tf.layers.gru({ ...common, resetAfter: o.resetAfter });
  return tf.layers.simpleRNN(common);
}

function reference(kind: Kind, o: Options, x: Matrix, w: Weights): Matrix {
  const part = (prefix: string): Weights => ({
    kernel: w[`${prefix}_cell/kernel`], recurrent_kernel: w[`${prefix}_cell/recurrent_kernel`], bias: w[`${prefix}_cell/bias`],
  });
  const opts = { T, F, U, returnSequences: o.returnSequences, resetAfter: o.resetAfter };
  const yf = cellsReference(kind, { ...opts, goBackwards: o.goBackwards }, x, part('forward'));
  const yb = cellsReference(kind, { ...opts, goBackwards: !o.goBackwards }, x, part('backward'));
  const merge = (a: number[], b: number[]) => {
    if (o.mergeMode === 'concat') return [...a, ...b];
    return a.map((v, j) => (o.mergeMode === 'sum' ? v + b[j] : o.mergeMode === 'mul' ? v * b[j] : (v + b[j]) / 2));
  };
  return yf.map((f, s) => {
    if (!o.returnSequences) return merge(f, yb[s]);
    const out: number[] = [];
    for (let t = 0; t < T; t++) out.push(...merge(f.slice(t * U, (t + 1) * U), yb[s].slice((T - 1 - t) * U, (T - t) * U)));
    return out;
  });
}

function tfjsLayer(kind: Kind, o: Options): tfjs.layers.Layer {
  const args = { units: U, returnSequences: o.returnSequences, goBackwards: o.goBackwards };
  const layer = kind === 'lstm' ? tfjs.layers.lstm({ ...args, recurrentActivation: 'sigmoid' })
    : kind === 'gru' ? tfjs.layers.gru({ ...args, recurrentActivation: 'sigmoid' }) : tfjs.layers.simpleRNN(args);
  return tfjs.layers.bidirectional({ layer: layer as never, mergeMode: o.mergeMode });
}

function bidiCase(kind: Kind, o: Options): LayerCase {
  const width = GATES[kind] * U;
  const out = o.mergeMode === 'concat' ? 2 * U : U;
  const weights = ['forward', 'backward'].flatMap((d) => [
    { name: `${d}_cell/kernel`, shape: [F, width], trainable: true },
    { name: `${d}_cell/recurrent_kernel`, shape: [U, width], trainable: true },
    { name: `${d}_cell/bias`, shape: kind === 'gru' && (o.resetAfter ?? true) ? [2, width] : [width], trainable: true },
  ]);
  return {
    name: `Bidirectional(${CLASS[kind]}), ${Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    make: () => tf.layers.bidirectional({ layer: inner(kind, o), mergeMode: o.mergeMode }),
    inputShape: [T, F],
    outputShape: o.returnSequences ? [T, out] : [out],
    weights,
    reference: (x, w) => reference(kind, o, x, w),
    probe: true,
    tail: o.returnSequences,
    config: { mergeMode: o.mergeMode, layer: { className: CLASS[kind], config: expect.objectContaining({ name: 'cell', units: U }) } },
    // TensorFlow.js's GRU is Keras 2's (reset before).
    tfjs: kind === 'gru' && (o.resetAfter ?? true) ? undefined : () => tfjsLayer(kind, o),
  };
}

const cases: LayerCase[] = [
  bidiCase('lstm', { mergeMode: 'concat' }),
  bidiCase('lstm', { mergeMode: 'ave', returnSequences: true, goBackwards: true }),
  bidiCase('gru', { mergeMode: 'sum', returnSequences: true, resetAfter: false }),
  bidiCase('gru', { mergeMode: 'concat', returnSequences: true }),
  bidiCase('simpleRNN', { mergeMode: 'mul', returnSequences: true }),
  bidiCase('simpleRNN', { mergeMode: 'mul' }),
];
cases.forEach((c, i) => runLayerTest(c, 7200 + i));

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

describe('Bidirectional', () => {
  it('saved by tensorforge, loaded by TensorFlow.js, and back: forward_* / backward_* weights, the same predictions', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, returnSequences: true, name: 'l1' }), mergeMode: 'concat', inputShape: [T, F] }),
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, resetAfter: false, name: 'g1' }), mergeMode: 'sum' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 80 + k), s.shape)));
    const x = values(4 * T * F, 9, 2);
    const want = m.predict(tf.tensor(x, [4, T, F])).values as Float32Array;
    const a = await save(m as never);
    const names = (inner: string) => ['forward', 'backward'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((w) => `${d}_${inner}/${w}`));
    expect(a.weightSpecs!.map((s) => s.name.split('/').slice(1).join('/'))).toEqual([...names('l1'), ...names('g1'), 'kernel', 'bias']);
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a));
    expectClose((tm.predict(tfjs.tensor(x, [4, T, F])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 1e-5 }, 'TensorFlow.js');
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await save(tm as never)) as never);
    expect(loaded.layers.map((l) => l.className)).toEqual(['Bidirectional', 'Bidirectional', 'Dense']);
    expect((loaded.layers[1] as tf.layers.Bidirectional).mergeMode).toBe('sum');
    expectClose(loaded.predict(tf.tensor(x, [4, T, F])).values as Float32Array, want, { rtol: 1e-5, atol: 1e-5 }, 'reloaded');
  });

  it('trains: a frozen wrapper gets no gradients, an unfrozen one moves both directions', async () => {
    const m = tf.sequential({ layers: [tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3 }), inputShape: [T, F] }), tf.layers.dense({ units: 1 })] });
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => Array.from(w.values as Float32Array));
    await m.fit(tf.tensor(values(16 * T * F, 1, 2), [16, T, F]), tf.tensor(values(16, 2), [16, 1]), { epochs: 2, batchSize: 4, verbose: 0 });
    const after = m.getWeights().map((w) => Array.from(w.values as Float32Array));
    for (const k of [0, 1, 3, 4]) expect(after[k], `weight ${k}`).not.toEqual(before[k]);
    m.layers[0].trainable = false;
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    expect(m.weightSpecs().filter((s) => s.trainable).map((s) => s.name)).toEqual([`${m.layers[1].name}/kernel`, `${m.layers[1].name}/bias`]);
  });

  it('bad options are errors naming the layer and the value', () => {
    expect(() => tf.layers.bidirectional({} as never)).toThrow(/^bidirectional: layer is required/);
    expect(() => tf.layers.bidirectional({ layer: tf.layers.dense({ units: 2 }) } as never)).toThrow(/^bidirectional: layer must be an lstm, gru or simpleRNN layer, got a Dense layer/);
    expect(() => tf.layers.bidirectional({ layer: 3 } as never)).toThrow(TypeError);
    expect(() => tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }), mergeMode: 'max' } as never)).toThrow(/^bidirectional: unknown mergeMode 'max'/);
    expect(() => tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }), merge: 'sum' } as never)).toThrow(/bidirectional/);
    expect(() => tf.layers.Bidirectional.fromConfig({ layer: { className: 'LSTM', config: { units: 2 } }, mergeMode: null })).toThrow(/mergeMode null/);
    // Keras 3 also writes the backward copy: read when it is the mirror, refused otherwise.
    const lstm = { className: 'LSTM', config: { units: 2, name: 'l' } };
    const back = (goBackwards: boolean) => ({ className: 'LSTM', config: { units: 2, name: 'backward_l', goBackwards } });
    expect(tf.layers.Bidirectional.fromConfig({ layer: lstm, backwardLayer: back(true), mergeMode: 'sum' }).mergeMode).toBe('sum');
    expect(() => tf.layers.Bidirectional.fromConfig({ layer: lstm, backwardLayer: back(false) })).toThrow(/^Bidirectional.fromConfig: a backwardLayer other than/);
    expect(() => tf.sequential({ layers: [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) })] }).build([4]))
      .toThrow(/takes sequences \[batch, time, features\]/);
  });
});
