// TimeDistributed through the generic harness: a Dense over every step
// (float64 reference, central differences, TensorFlow.js's TimeDistributed
// with the same weights) and an LSTM over every frame of a sequence of
// sequences (the shared recurrent reference); files both ways through
// TensorFlow.js; a Flatten per step; bad input.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, Matrix, denseRef, expectClose, runLayerTest } from './harness';
import { cellsReference } from './recurrent_reference';

const T = 4;
const F = 3;

/** Applies `frame` to each of a sample's T frames of `size` values. */
function perStep(x: Matrix, size: number, frame: (rows: Matrix) => Matrix): Matrix {
  return x.map((row) => Array.from({ length: T }, (_, t) => frame([row.slice(t * size, (t + 1) * size)])[0]).flat());
}

function denseCase(units: number, activation: 'tanh' | 'linear', useBias: boolean): LayerCase {
  return {
    name: `TimeDistributed(Dense ${units}, ${activation}${useBias ? '' : ', no bias'})`,
    make: () => tf.layers.timeDistributed({ layer: tf.layers.dense({ units, activation, useBias }) }),
    inputShape: [T, F],
    outputShape: [T, units],
    weights: [{ name: 'kernel', shape: [F, units], trainable: true }, ...(useBias ? [{ name: 'bias', shape: [units], trainable: true }] : [])],
    reference: (x, w) => perStep(x, F, (r) => denseRef(r, w.kernel, useBias ? w.bias : null, units).map((o) => o.map(activation === 'tanh' ? Math.tanh : (v) => v))),
    probe: true,
    tail: true,
    config: { layer: { className: 'Dense', config: expect.objectContaining({ units, activation }) } },
    tfjs: () => tfjs.layers.timeDistributed({ layer: tfjs.layers.dense({ units, activation, useBias }) }),
  };
}

const lstmCase: LayerCase = {
  name: 'TimeDistributed(LSTM 3) over [4 frames, 2 steps, 2 features]',
  make: () => tf.layers.timeDistributed({ layer: tf.layers.lstm({ units: 3 }) }),
  inputShape: [T, 2, 2],
  outputShape: [T, 3],
  weights: [
    { name: 'kernel', shape: [2, 12], trainable: true },
    { name: 'recurrent_kernel', shape: [3, 12], trainable: true },
    { name: 'bias', shape: [12], trainable: true },
  ],
  reference: (x, w) => perStep(x, 4, (r) => cellsReference('lstm', { T: 2, F: 2, U: 3 }, r, w)),
  probe: true,
  tail: true,
};

[denseCase(3, 'tanh', true), denseCase(2, 'linear', false), lstmCase].forEach((c, i) => runLayerTest(c, 7300 + i));

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

describe('TimeDistributed', () => {
  it('saved by tensorforge, loaded by TensorFlow.js, and back: the same predictions', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.gru({ units: 4, returnSequences: true, resetAfter: false, inputShape: [T, F] }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'tanh' }) }),
        tf.layers.flatten(),
      ],
    });
    m.setWeights(m.weightSpecs().map((s, k) => tf.tensor(values(s.shape.reduce((a, b) => a * b, 1), 60 + k), s.shape)));
    const x = values(5 * T * F, 3, 2);
    const want = m.predict(tf.tensor(x, [5, T, F])).values as Float32Array;
    const a = await save(m as never);
    expect(a.weightSpecs!.slice(3).map((s) => s.name)).toEqual([`${m.layers[1].name}/kernel`, `${m.layers[1].name}/bias`]);
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a));
    expectClose((tm.predict(tfjs.tensor(x, [5, T, F])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 1e-5 }, 'TensorFlow.js');
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await save(tm as never)) as never);
    expect(loaded.layers.map((l) => l.className)).toEqual(['GRU', 'TimeDistributed', 'Flatten']);
    expectClose(loaded.predict(tf.tensor(x, [5, T, F])).values as Float32Array, want, { rtol: 1e-5, atol: 1e-5 }, 'reloaded');
  });

  it('a Flatten per step only reshapes: [T, 2, 3] -> [T, 6], the same values (through an identity Dense per step)', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.timeDistributed({ layer: tf.layers.flatten(), inputShape: [T, 2, 3] }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 6 }) }),
        tf.layers.flatten(),
      ],
    });
    expect(m.layers[0].computeOutputShape([T, 2, 3])).toEqual([T, 6]);
    m.setWeights([tf.tensor(Float32Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0)), [6, 6]), tf.zeros([6])]);
    const x = values(2 * T * 6, 5, 1);
    expect(Array.from(m.predict(tf.tensor(x, [2, T, 2, 3])).values as Float32Array)).toEqual(Array.from(x));
  });

  it('bad options and inputs are errors naming the layer and the value', () => {
    expect(() => tf.layers.timeDistributed({} as never)).toThrow(/^timeDistributed: layer is required/);
    expect(() => tf.layers.timeDistributed({ layer: 'dense' } as never)).toThrow(/^timeDistributed: layer must be a layer/);
    expect(() => tf.layers.timeDistributed({ layer: tf.layers.add() })).toThrow(/^timeDistributed: layer must take one input, got a Add layer/);
    expect(() => tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }), units: 3 } as never)).toThrow(/timeDistributed/);
    expect(() => tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }), name: 'td' }).computeOutputShape([5]))
      .toThrow(/^timeDistributed: layer 'td' takes \[batch, time, \.\.\.\] inputs, got per-sample shape \[5\]/);
  });
});
