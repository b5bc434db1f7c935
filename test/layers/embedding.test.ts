// Embedding: forward against the table rows, the gradient as a scatter-add
// (against central differences of a float64 reference loss), TensorFlow.js
// with the same table (outputs, and an Embedding -> LSTM -> Dense model after
// a few SGD steps), config and file round trips, and bad ids.
import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer, serializeLayer } from '../../src/layers/registry';
import { expectClose } from './harness';

const V = 7;
const D = 3;
const T = 5;

function values(n: number, seed: number, a = 0.5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 * 2 - 1) * a;
  });
}
/** Ids in [0, V), with repeats (so the scatter-add sums several positions into one row). */
const IDS = Float32Array.from([0, 3, 3, 6, 1, 2, 2, 2, 5, 0, 6, 6, 4, 1, 3]);
const B = IDS.length / T;

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});

/** Embedding -> Flatten -> Dense(2), the model the checks train. */
function model(): { m: tf.Sequential; table: Float32Array; kernel: Float32Array } {
  const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: D, inputLength: T }), tf.layers.flatten(), tf.layers.dense({ units: 2, useBias: false })] });
  const table = values(V * D, 1);
  const kernel = values(T * D * 2, 2);
  m.setWeights([tf.tensor(table, [V, D]), tf.tensor(kernel, [T * D, 2])]);
  return { m, table, kernel };
}

describe('Embedding', () => {
  it('forward: row id of the table at every position; int32 ids too', () => {
    const table = values(V * D, 1);
    const solo = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: D }), tf.layers.flatten()] });
    solo.build([T]);
    solo.setWeights([tf.tensor(table, [V, D])]);
    const want = Array.from(IDS).flatMap((id) => Array.from(table.subarray(id * D, (id + 1) * D)));
    expect(Array.from(solo.predict(tf.tensor(IDS, [B, T])).values as Float32Array)).toEqual(want);
    expect(Array.from(solo.predict(tf.tensor(Int32Array.from(IDS), [B, T], 'int32')).values as Float32Array)).toEqual(want);
  });

  it('backward: the table gradient is a scatter-add, equal to central differences of the float64 loss', () => {
    const { m, table, kernel } = model();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const y = values(B * 2, 3, 1);
    const { loss, grads } = m.computeGradients(tf.tensor(IDS, [B, T]), tf.tensor(y, [B, 2]));
    const t64 = Float64Array.from(table);
    const lossOf = () => {
      let s = 0;
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < 2; o++) {
          let v = 0;
          for (let p = 0; p < T; p++) for (let k = 0; k < D; k++) v += t64[IDS[b * T + p] * D + k] * kernel[(p * D + k) * 2 + o];
          s += (v - y[b * 2 + o]) ** 2 / 2;
        }
      }
      return s / B;
    };
    expectClose([loss], [lossOf()], { rtol: 1e-5, atol: 5e-6 }, 'loss');
    const numeric = Array.from(t64, (w, j) => {
      t64[j] = w + 1e-6;
      const plus = lossOf();
      t64[j] = w - 1e-6;
      const minus = lossOf();
      t64[j] = w;
      return (plus - minus) / 2e-6;
    });
    expectClose(Array.from(grads).slice(0, V * D), numeric, { rtol: 1e-4, atol: 1e-6 }, 'table gradient');
    // Row 3 is read at three positions and a row no id names gets nothing.
    expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('TensorFlow.js: an Embedding -> LSTM -> Dense model gives the same outputs, and the same weights after three SGD steps', async () => {
    const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: V, outputDim: D, inputLength: T }), tf.layers.lstm({ units: 4 }), tf.layers.dense({ units: 2 })] });
    const tm = tfjs.sequential({
      layers: [tfjs.layers.embedding({ inputDim: V, outputDim: D, inputLength: T }), tfjs.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' }), tfjs.layers.dense({ units: 2 })],
    });
    const start = tm.getWeights().map((w, k) => values(w.size, 20 + k));
    m.setWeights(start.map((v, k) => tf.tensor(v, tm.getWeights()[k].shape as number[])));
    tm.setWeights(start.map((v, k) => tfjs.tensor(v, tm.getWeights()[k].shape)));
    expectClose(m.predict(tf.tensor(IDS, [B, T])).values as Float32Array, (tm.predict(tfjs.tensor(IDS, [B, T])) as tfjs.Tensor).dataSync(), { rtol: 1e-5, atol: 2e-6 }, 'output');
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    tm.compile({ optimizer: tfjs.train.sgd(0.5), loss: 'meanSquaredError' });
    const y = values(B * 2, 5, 1);
    for (let s = 0; s < 3; s++) {
      await m.trainOnBatch(tf.tensor(IDS, [B, T]), tf.tensor(y, [B, 2]));
      await tm.trainOnBatch(tfjs.tensor(IDS, [B, T]), tfjs.tensor(y, [B, 2]));
    }
    const ours = m.getWeights();
    tm.getWeights().forEach((w, k) => expectClose(ours[k].values as Float32Array, w.dataSync(), { rtol: 1e-4, atol: 1e-5 }, `weight ${k}`));
    expect(Math.max(...Array.from(ours[0].values as Float32Array).map((v, i) => Math.abs(v - start[0][i])))).toBeGreaterThan(1e-4);
  });

  it('config and files: getConfig -> fromConfig, TensorFlow.js files both ways', async () => {
    const l = tf.layers.embedding({ inputDim: V, outputDim: D, name: 'emb' });
    expect(l.getConfig()).toMatchObject({ inputDim: V, outputDim: D, maskZero: false, embeddingsInitializer: { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } } });
    expect(deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(l)))).getConfig()).toEqual(l.getConfig());
    const { m } = model();
    const want = m.predict(tf.tensor(IDS, [B, T])).values as Float32Array;
    let a: unknown = null;
    await m.save(tfjs.io.withSaveHandler(async (x) => {
      a = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const tm = await tfjs.loadLayersModel(tfjs.io.fromMemory(a as tfjs.io.ModelArtifacts));
    expectClose((tm.predict(tfjs.tensor(IDS, [B, T])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-6, atol: 1e-6 }, 'TensorFlow.js');
    let back: tfjs.io.ModelArtifacts | null = null;
    await tm.save(tfjs.io.withSaveHandler(async (x) => {
      back = x;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(back!) as never);
    expect(loaded.predict(tf.tensor(IDS, [B, T])).values).toEqual(want);
  });

  it('bad ids and options are clear errors', async () => {
    const { m } = model();
    const bad = Float32Array.from(IDS);
    bad[7] = 7;
    // Checked once over the data before any native work, naming the sample and the position within it.
    expect(() => m.predict(tf.tensor(bad, [B, T]))).toThrow(`predict: layer '${m.layers[0].name}' (Embedding) reads token id 7 at sample 1, position 2; ids must be integers in [0, 7)`);
    bad[7] = 1.5;
    expect(() => m.predict(tf.tensor(bad, [B, T]))).toThrow(/reads token id 1\.5 at sample 1, position 2/);
    bad[7] = -1;
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => w.values);
    await expect(m.fit(tf.tensor(bad, [B, T]), tf.tensor(values(B * 2, 3), [B, 2]), { epochs: 1, verbose: 0 })).rejects.toThrow(/^fit: layer '\w+' \(Embedding\) reads token id -1 at sample 1, position 2/);
    expect(m.getWeights().map((w) => w.values)).toEqual(before);  // refused before training began
    await expect(m.evaluate(tf.tensor(bad, [B, T]), tf.tensor(values(B * 2, 3), [B, 2]))).rejects.toThrow(/^evaluate: layer '\w+' \(Embedding\) reads token id -1/);
    expect(() => tf.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(RangeError);
    expect(() => tf.layers.embedding({ outputDim: 2 } as never)).toThrow(/^embedding: inputDim is required/);
    expect(() => tf.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 'yes' as never })).toThrow(/maskZero/);
    expect(() => tf.layers.embedding({ inputDim: 3, outputDim: 2, mask: true } as never)).toThrow(/mask/);
  });
});
