// SpatialDropout2D through the generic harness (inference, config, save /
// load; at rate 0 training is deterministic and takes every check), then its
// training behaviour: whole channels of a sample are dropped or scaled by
// 1 / (1 - rate) together, backward uses forward's mask, and the share of
// channels dropped matches the rate. TensorFlow.js has no SpatialDropout2D.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerCase, runLayerTest } from './harness';

function spatialCase(rate: number, seed?: number): LayerCase {
  return {
    name: `SpatialDropout2D rate ${rate}${seed !== undefined ? `, seed ${seed}` : ''}`,
    make: () => tf.layers.spatialDropout2d({ rate, seed }),
    inputShape: [2, 3, 2],
    outputShape: [2, 3, 2],
    weights: [],
    // Inference, and training at rate 0: the identity.
    reference: (x) => x.map((row) => [...row]),
    config: { rate, seed: seed ?? null, dataFormat: 'channels_last' },
    stochasticTraining: rate > 0,
    probe: true,
    tail: true,
  };
}

[spatialCase(0), spatialCase(0.4), spatialCase(0.5, 9)].forEach((c, i) => runLayerTest(c, 4300 + i));

describe('SpatialDropout2D in training', () => {
  // An identity Dense (zero bias) in front, reshaped to [H, W, C], makes the
  // layer's input all ones for input ones; with MSE against 0 over one sample,
  // dL/dbias_j = 2 s² kept_j / F (s = 1 / (1 - rate), F = H * W * C), so the
  // bias gradient shows which elements were kept.
  const [H, W, C] = [3, 2, 200];
  const F = H * W * C;

  function keptOf(model: tf.Sequential): number[] {
    const { grads } = model.computeGradients(tf.ones([1, F]), tf.zeros([1, F]));
    return Array.from(grads.subarray(F * F));
  }

  function identityModel(rate: number, seed?: number): tf.Sequential {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: F, inputShape: [F] }), tf.layers.reshape({ targetShape: [H, W, C] }),
        tf.layers.spatialDropout2d({ rate, seed }), tf.layers.flatten(),
      ],
    });
    model.setWeights([tf.tensor(Float32Array.from({ length: F * F }, (_, i) => (i % (F + 1) === 0 ? 1 : 0)), [F, F]), tf.zeros([F])]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return model;
  }

  for (const rate of [0.25, 0.6]) {
    it(`rate ${rate}: every position of a channel kept or dropped together, kept ones scaled by 1 / (1 - rate), about 1 - rate of the channels kept`, () => {
      const s = 1 / (1 - rate);
      const kept = keptOf(identityModel(rate, 5)).map((g) => (g * F) / (2 * s * s));
      let channels = 0;
      for (let c = 0; c < C; c++) {
        const k = kept[c];
        expect(Math.abs(k - Math.round(k)), `channel ${c}: ${k}`).toBeLessThan(1e-3);
        expect([0, 1]).toContain(Math.round(k));
        for (let p = 1; p < H * W; p++) expect(kept[p * C + c], `channel ${c} at position ${p}`).toBe(k);
        channels += Math.round(k);
      }
      // Binomial(C, 1 - rate): within 5 standard deviations.
      expect(Math.abs(channels - C * (1 - rate))).toBeLessThan(5 * Math.sqrt(C * rate * (1 - rate)));
    });
  }

  it('two training passes draw different masks; inference drops nothing', () => {
    const model = identityModel(0.5);
    expect(keptOf(model)).not.toEqual(keptOf(model));
    expect(Array.from(model.predict(tf.ones([2, F])).values as Float32Array).every((v) => v === 1)).toBe(true);
  });

  it('refuses bad options and inputs, naming the function, the layer and the value', () => {
    expect(tf.layers.spatialDropout2d({ rate: 0.1 }).name).toMatch(/^spatial_dropout2d(_\d+)?$/);
    expect(() => tf.layers.spatialDropout2d({ rate: 1 })).toThrow(new RangeError('spatialDropout2d: rate must be in [0, 1), got 1'));
    expect(() => tf.layers.spatialDropout2d({ rate: -0.1 })).toThrow(/^spatialDropout2d: rate must be/);
    expect(() => tf.layers.spatialDropout2d({ rate: NaN })).toThrow(/^spatialDropout2d: rate/);
    expect(() => tf.layers.spatialDropout2d(undefined as never)).toThrow(TypeError);
    expect(() => tf.layers.spatialDropout2d({ rate: 0.1, seed: -1 })).toThrow(/^spatialDropout2d: seed/);
    expect(() => tf.layers.spatialDropout2d({ rate: 0.1, noiseShape: [1] } as never)).toThrow(/spatialDropout2d: unknown option 'noiseShape'/);
    expect(() => tf.layers.spatialDropout2d({ rate: 0.1, name: 's1' }).computeOutputShape([4, 4])).toThrow(/^spatialDropout2d: layer 's1' expects per-sample input \[height, width, channels\], got \[4,4\]$/);
    expect(tf.layers.SpatialDropout2D.fromConfig({ rate: 0.2, seed: -5, noiseShape: null }).seed).toBeUndefined();
  });
});
