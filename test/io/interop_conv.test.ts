// Interop of the convolution, border, resampling, 1-D pooling and N-D batch
// normalization layers with the real peer, @tensorflow/tfjs (CPU backend):
// models built by TensorFlow.js load into tensorforge, and models saved by
// tensorforge load into TensorFlow.js (layer classes, configs, weight names
// and layouts), with the same predictions. Tolerance as interop.test.ts:
// max |difference| <= 1e-5.
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { captureTfjs, cleanupDirs, data, maxAbsDiff, rng, tempDir, tfPredict, tfjsLoadDir, tfjsPredict } from './helpers';

const TOL = 1e-5;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});
afterAll(cleanupDirs);

/** Random weights in ±0.5 (moving variances in [0.5, 2)), so nothing is at its initial value. */
function randomValues(shape: number[], name: string, r: () => number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => (name.includes('moving_variance') ? 0.5 + 1.5 * r() : r() - 0.5));
}

const L = tfjs.layers;
const T = tf.layers;

const IMAGE = [8, 8, 2];
const SEQUENCE = [12, 3];

describe('TensorFlow.js -> tensorforge (convolution layers)', () => {
  const cases: { name: string; inputShape: number[]; build: () => tfjs.LayersModel }[] = [
    {
      // (Multiplier 1: TensorFlow.js 4's SeparableConv2D leaves depthMultiplier out of its config, so its own files cannot carry another.)
      name: 'separableConv2d, zeroPadding2d, batchNormalization over images, upSampling2d, cropping2D, conv2dTranspose', inputShape: IMAGE,
      build: () => tfjs.sequential({
        layers: [
          L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: IMAGE }), L.zeroPadding2d({ padding: [[1, 0], [0, 2]] }),
          L.separableConv2d({ filters: 4, kernelSize: 3, activation: 'tanh' }), L.batchNormalization(),
          L.maxPooling2d({ poolSize: 2 }), L.upSampling2d({ size: [2, 1] }), L.cropping2D({ cropping: [[1, 0], [0, 1]] }),
          L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
          L.globalAveragePooling2d({}), L.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    },
    {
      name: 'conv1d, maxPooling1d, averagePooling1d, globalMaxPooling1d', inputShape: SEQUENCE,
      build: () => tfjs.sequential({
        layers: [
          L.conv1d({ filters: 4, kernelSize: 3, inputShape: SEQUENCE }), L.maxPooling1d({ poolSize: 2 }),
          L.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }), L.globalMaxPooling1d({}), L.dense({ units: 2 }),
        ],
      }),
    },
    {
      name: 'globalAveragePooling1d, conv2dTranspose valid', inputShape: SEQUENCE,
      build: () => tfjs.sequential({
        layers: [
          L.reshape({ targetShape: [4, 3, 3], inputShape: SEQUENCE }), L.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [3, 1] }),
          L.reshape({ targetShape: [12 * 5, 2] }), L.globalAveragePooling1d({}), L.dense({ units: 2 }),
        ],
      }),
    },
  ];
  cases.forEach((c, i) => {
    it(`${c.name}: via tf.io.fromMemory`, async () => {
      const m = c.build();
      const r = rng(700 + i);
      m.setWeights(m.weights.map((w) => tfjs.tensor(randomValues(w.shape as number[], w.name, r), w.shape as number[])));
      const loaded = await tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(m)) as Any);
      const x = data(8, c.inputShape, 710 + i);
      expect(maxAbsDiff(tfPredict(loaded, x, c.inputShape), tfjsPredict(m, x, c.inputShape))).toBeLessThanOrEqual(TOL);
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
    });
  });
});

describe('tensorforge -> TensorFlow.js (convolution layers)', () => {
  const cases: { name: string; inputShape: number[]; build: () => tf.Sequential }[] = [
    {
      name: 'images', inputShape: IMAGE,
      build: () => tf.sequential([
        T.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: IMAGE }), T.batchNormalization(), T.activation({ activation: 'relu' }),
        T.zeroPadding2d({ padding: 1 }), T.separableConv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', depthMultiplier: 2, activation: 'elu' }),
        T.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2 }), T.cropping2d({ cropping: [1, 2] }), T.upSampling2d({ size: 2 }),
        T.averagePooling2d({ poolSize: 3 }), T.flatten(), T.dense({ units: 3, activation: 'softmax' }),
      ]),
    },
    {
      name: 'sequences', inputShape: SEQUENCE,
      build: () => tf.sequential([
        T.conv1d({ filters: 4, kernelSize: 2, inputShape: SEQUENCE, activation: 'relu' }), T.averagePooling1d({ poolSize: 2 }),
        T.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }), T.batchNormalization(), T.globalAveragePooling1d(), T.dense({ units: 2 }),
      ]),
    },
  ];
  cases.forEach((c, i) => {
    it(`${c.name}: from the saved directory`, async () => {
      const m = c.build();
      const r = rng(800 + i);
      m.setWeights(m.weightSpecs().map((s) => tf.tensor(randomValues(s.shape, s.name, r), s.shape)));
      const x = data(8, c.inputShape, 810 + i);
      const dir = tempDir();
      await m.save(`file://${dir}`);
      const theirs = await tfjsLoadDir(dir);
      expect(theirs.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
      expect(maxAbsDiff(tfjsPredict(theirs, x, c.inputShape), tfPredict(m, x, c.inputShape))).toBeLessThanOrEqual(TOL);
    });
  });
});
