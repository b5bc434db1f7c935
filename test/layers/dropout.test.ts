// Dropout through the generic harness (inference, config, save / load; with
// rate 0 training is deterministic and takes every check), then its training
// behaviour, which draws random masks: every element is dropped or scaled by
// 1 / (1 - rate), the backward pass uses the forward's mask, and the share
// dropped matches the rate.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, runLayerTest } from './harness';

const F = 4;

function dropoutCase(rate: number, seed?: number): LayerCase {
  return {
    name: `Dropout rate ${rate}${seed !== undefined ? `, seed ${seed}` : ''}`,
    make: () => tf.layers.dropout({ rate, seed }),
    inputShape: [F],
    outputShape: [F],
    weights: [],
    // Inference: the identity. Training (deterministic only at rate 0): the identity too.
    reference: (x) => x.map((row) => [...row]),
    config: { rate, noiseShape: null, seed: seed ?? null },
    stochasticTraining: rate > 0,
  };
}

[dropoutCase(0), dropoutCase(0.3), dropoutCase(0.5, 7)].forEach((c, i) => runLayerTest(c, 3000 + i));

describe('Dropout in training', () => {
  // A linear Dense with the identity kernel and a zero bias in front makes the
  // dropout's input all ones (x = 1) and its bias gradient a per-feature count
  // of kept elements: with MSE against 0, L = kept * s² / N (s = 1 / (1 - rate),
  // N = B * F elements) and dL/dbias_j = 2 s² kept_j / N.
  const B = 256;
  const W = 16;
  const N = B * W;

  for (const rate of [0.2, 0.5, 0.75]) {
    it(`rate ${rate}: kept elements scaled by 1 / (1 - rate), the same mask forward and backward, and about 1 - rate of them kept`, () => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: W, inputShape: [W] }), tf.layers.dropout({ rate, seed: 11 })] });
      model.setWeights([tf.tensor(Float32Array.from({ length: W * W }, (_, i) => (i % (W + 1) === 0 ? 1 : 0)), [W, W]), tf.zeros([W])]);
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const s = 1 / (1 - rate);
      const { loss, grads } = model.computeGradients(tf.ones([B, W]), tf.zeros([B, W]));
      const biasGrads = grads.subarray(W * W);
      // Each column's count is an integer in [0, B].
      const counts = Array.from(biasGrads, (g) => (g * N) / (2 * s * s));
      for (const k of counts) {
        expect(Math.abs(k - Math.round(k)), `count ${k}`).toBeLessThan(1e-3);
        expect(Math.round(k)).toBeGreaterThanOrEqual(0);
        expect(Math.round(k)).toBeLessThanOrEqual(B);
      }
      const kept = counts.reduce((a, k) => a + Math.round(k), 0);
      // The loss counts the same kept elements (float32 sums: ~1e-6 relative).
      expect(Math.abs(loss - (kept * s * s) / N)).toBeLessThan(1e-5 * loss);
      // Binomial(N, 1 - rate): within 5 standard deviations.
      const sd = Math.sqrt(N * rate * (1 - rate));
      expect(Math.abs(kept - N * (1 - rate))).toBeLessThan(5 * sd);
    });
  }

  it('two training passes draw different masks; inference drops nothing', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: W, inputShape: [W] }), tf.layers.dropout({ rate: 0.5 })] });
    model.setWeights([tf.tensor(Float32Array.from({ length: W * W }, (_, i) => (i % (W + 1) === 0 ? 1 : 0)), [W, W]), tf.zeros([W])]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const a = model.computeGradients(tf.ones([B, W]), tf.zeros([B, W])).grads.slice(W * W);
    const b = model.computeGradients(tf.ones([B, W]), tf.zeros([B, W])).grads.slice(W * W);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(model.predict(tf.ones([B, W])).values as Float32Array).every((v) => v === 1)).toBe(true);
  });
});
