// BatchNormalization and LayerNormalization through the generic harness,
// against float64 references (Ioffe & Szegedy 2015; Ba et al. 2016, as Keras
// computes them: biased variance, epsilon inside the square root) and
// against TensorFlow.js with the same weights.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer } from '../../src/layers/registry';
import { LayerCase, Matrix, Weights, runLayerTest } from './harness';

const F = 4;

interface NormOptions {
  center?: boolean;
  scale?: boolean;
  epsilon?: number;
  momentum?: number;
}

const affine = (w: Weights, o: NormOptions) => (xh: number, f: number) =>
  (o.scale === false ? 1 : w.gamma[f]) * xh + (o.center === false ? 0 : w.beta[f]);

function affineWeights(o: NormOptions) {
  return [
    ...(o.scale === false ? [] : [{ name: 'gamma', shape: [F], trainable: true }]),
    ...(o.center === false ? [] : [{ name: 'beta', shape: [F], trainable: true }]),
  ];
}

const label = (o: NormOptions) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'defaults';

function batchNormCase(o: NormOptions): LayerCase {
  const eps = o.epsilon ?? 1e-3;
  return {
    name: `BatchNormalization, ${label(o)}`,
    make: () => tf.layers.batchNormalization(o),
    inputShape: [F],
    outputShape: [F],
    weights: [
      ...affineWeights(o),
      { name: 'moving_mean', shape: [F], trainable: false },
      { name: 'moving_variance', shape: [F], trainable: false },
    ],
    // Training: the batch's mean and biased variance per feature; inference: the moving ones.
    reference: (x: Matrix, w: Weights, training: boolean) => {
      const B = x.length;
      const mean = training ? Array.from({ length: F }, (_, f) => x.reduce((a, r) => a + r[f], 0) / B) : Array.from(w.moving_mean);
      const vari = training ? Array.from({ length: F }, (_, f) => x.reduce((a, r) => a + (r[f] - mean[f]) ** 2, 0) / B) : Array.from(w.moving_variance);
      const out = affine(w, o);
      return x.map((r) => r.map((v, f) => out((v - mean[f]) / Math.sqrt(vari[f] + eps), f)));
    },
    config: { axis: -1, epsilon: eps, momentum: o.momentum ?? 0.99, center: o.center ?? true, scale: o.scale ?? true },
    tfjs: () => tfjs.layers.batchNormalization({ epsilon: eps, momentum: o.momentum, center: o.center, scale: o.scale }),
  };
}

function layerNormCase(o: NormOptions): LayerCase {
  const eps = o.epsilon ?? 1e-3;
  return {
    name: `LayerNormalization, ${label(o)}`,
    make: () => tf.layers.layerNormalization(o),
    inputShape: [F],
    outputShape: [F],
    weights: affineWeights(o),
    // Each sample over its own features, the same in training and inference.
    reference: (x: Matrix, w: Weights) => {
      const out = affine(w, o);
      return x.map((r) => {
        const mean = r.reduce((a, b) => a + b, 0) / F;
        const vari = r.reduce((a, b) => a + (b - mean) ** 2, 0) / F;
        return r.map((v, f) => out((v - mean) / Math.sqrt(vari + eps), f));
      });
    },
    config: { axis: -1, epsilon: eps, center: o.center ?? true, scale: o.scale ?? true },
    tfjs: () => tfjs.layers.layerNormalization({ epsilon: eps, center: o.center, scale: o.scale }),
  };
}

const cases = [
  batchNormCase({}),
  batchNormCase({ center: false }),
  batchNormCase({ scale: false, epsilon: 0.1 }),
  batchNormCase({ momentum: 0.9, epsilon: 1e-5 }),
  layerNormCase({}),
  layerNormCase({ center: false }),
  layerNormCase({ scale: false, epsilon: 0.1 }),
];
cases.forEach((c, i) => runLayerTest(c, 5000 + i));

describe('normalization configs from other writers', () => {
  it('the feature axis as -1, 1 or a one-element list; another axis, renorm and rms_scaling are refused', () => {
    for (const className of ['BatchNormalization', 'LayerNormalization']) {
      for (const axis of [-1, 1, [-1], [1], null]) expect(deserializeLayer({ className, config: { name: 'n', axis } }).className).toBe(className);
      // BatchNormalization reads any positive axis (Keras 2 writes [3] for images) and checks it at build (batch_norm_nd.test.ts).
      for (const axis of className === 'BatchNormalization' ? [0, -2, [1, 2]] : [0, 2, [1, 2]]) {
        expect(() => deserializeLayer({ className, config: { name: 'n', axis } })).toThrow(new RegExp(`^${className}\\.fromConfig: only the last axis is supported`));
      }
    }
    expect(() => deserializeLayer({ className: 'BatchNormalization', config: { name: 'n', renorm: true } })).toThrow(/^BatchNormalization\.fromConfig: renorm is not supported$/);
    expect(() => deserializeLayer({ className: 'LayerNormalization', config: { name: 'n', rmsScaling: true } })).toThrow(/^LayerNormalization\.fromConfig: rms_scaling is not supported$/);
  });

  it('initializers it cannot read fall back to the defaults; those it can are kept', () => {
    const l = deserializeLayer({
      className: 'BatchNormalization',
      config: { name: 'n', gammaInitializer: { className: 'Identity', config: {} }, movingVarianceInitializer: { className: 'Constant', config: { value: 2 } } },
    }) as tf.layers.BatchNormalization;
    expect(l.gammaInitializer.className).toBe('Ones');
    expect(l.movingVarianceInitializer.getConfig()).toEqual({ value: 2 });
  });
});
