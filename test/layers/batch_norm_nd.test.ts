// BatchNormalization over the channel (last) axis of 3-D and 4-D inputs
// through the generic harness: statistics per channel over the batch and
// every position (Ioffe & Szegedy 2015's convolutional form, as Keras
// computes it: biased variance, epsilon inside the square root), against a
// float64 reference, central differences and TensorFlow.js; and the saved
// axis Keras writes for images.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer } from '../../src/layers/registry';
import { LayerCase, Matrix, Weights, runLayerTest } from './harness';

function batchNormNdCase(input: number[], o: { center?: boolean; scale?: boolean; axis?: number } = {}): LayerCase {
  const C = input[input.length - 1];
  const P = input.reduce((a, b) => a * b, 1) / C;
  const eps = 1e-3;
  return {
    name: `BatchNormalization over ${input.join('x')}${o.axis !== undefined ? `, axis ${o.axis}` : ''}${o.center === false ? ', no center' : ''}${o.scale === false ? ', no scale' : ''}`,
    make: () => tf.layers.batchNormalization(o),
    inputShape: input,
    outputShape: input,
    weights: [
      ...(o.scale === false ? [] : [{ name: 'gamma', shape: [C], trainable: true }]),
      ...(o.center === false ? [] : [{ name: 'beta', shape: [C], trainable: true }]),
      { name: 'moving_mean', shape: [C], trainable: false },
      { name: 'moving_variance', shape: [C], trainable: false },
    ],
    // Training: each channel's mean and biased variance over the batch and every position; inference: the moving ones.
    reference: (x: Matrix, w: Weights, training: boolean) => {
      const n = x.length * P;
      const at = (r: number[], p: number, c: number) => r[p * C + c];
      const sum = (f: (r: number[], p: number) => number) => x.reduce((a, r) => a + Array.from({ length: P }, (_, p) => f(r, p)).reduce((u, v) => u + v, 0), 0);
      const mean = training ? Array.from({ length: C }, (_, c) => sum((r, p) => at(r, p, c)) / n) : Array.from(w.moving_mean);
      const vari = training ? Array.from({ length: C }, (_, c) => sum((r, p) => (at(r, p, c) - mean[c]) ** 2) / n) : Array.from(w.moving_variance);
      return x.map((r) => r.map((v, i) => {
        const c = i % C;
        return (o.scale === false ? 1 : w.gamma[c]) * ((v - mean[c]) / Math.sqrt(vari[c] + eps)) + (o.center === false ? 0 : w.beta[c]);
      }));
    },
    config: { axis: o.axis ?? -1, epsilon: eps, momentum: 0.99 },
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.batchNormalization({ axis: -1, center: o.center, scale: o.scale }),
  };
}

[
  batchNormNdCase([3, 2, 3]),
  batchNormNdCase([2, 3, 2], { axis: 3, center: false }),
  batchNormNdCase([5, 2]),
  batchNormNdCase([4, 3], { axis: 2, scale: false }),
].forEach((c, i) => runLayerTest(c, 4500 + i));

describe('BatchNormalization axes over N-D inputs', () => {
  it('reads the axis Keras 2 saves for images ([3]) and writes it back; refuses an axis that is not the last of its input', () => {
    const l = deserializeLayer({ className: 'BatchNormalization', config: { name: 'bn_img', axis: [3] } }) as tf.layers.BatchNormalization;
    expect(l.axis).toBe(3);
    expect(l.getConfig().axis).toBe(3);
    expect(l.computeOutputShape([4, 4, 2])).toEqual([4, 4, 2]);
    expect(() => l.computeOutputShape([4, 2])).toThrow(new RangeError("batchNormalization: layer 'bn_img' normalizes axis 3, which is not the last axis of its input [batch, 4, 2]; only the last is supported"));
    expect(() => tf.layers.batchNormalization({ axis: 0 })).toThrow(/^batchNormalization: only the last axis is supported \(-1, or its index counted with the batch axis\), got 0$/);
    expect(() => tf.layers.batchNormalization({ axis: 1.5 })).toThrow(RangeError);
    expect(() => tf.layers.layerNormalization({ axis: 2 })).toThrow(/^layerNormalization: only the last axis is supported \(-1\), got 2$/);
  });

  it('trains in a small convnet (conv2d -> batchNormalization -> relu activation -> dropout, all over [h, w, c] -> pooling)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 1] }), tf.layers.batchNormalization(), tf.layers.activation({ activation: 'relu' }),
        tf.layers.dropout({ rate: 0.1, seed: 3 }), tf.layers.globalAveragePooling2d(), tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    // Two classes told apart by the sign of the image's mean.
    const x = tf.tensor(Float32Array.from({ length: 16 * 36 }, (_, i) => Math.sin(i * 0.7) + (Math.floor(i / 36) % 2 ? 0.8 : -0.8)), [16, 6, 6, 1]);
    const y = tf.tensor(Array.from({ length: 16 }, (_, b) => b % 2), [16]);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 8, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.7);
    expect(m.predict(x).shape).toEqual([16, 2]);
  });
});
