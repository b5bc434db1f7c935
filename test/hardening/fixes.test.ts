// Regression tests for fixes that had none:
// - gelu_new's backward beyond |x| = 10 (a2df4bd: v³ and v² overflowed float32
//   and gave inf·0 = NaN; activations.test.ts draws inputs in [-10, 10] only);
// - Dropout's own seed (3fb2401): the mask follows the layer's seed, not the
//   fit seed or tf.setSeed;
// - cosineDecay with an explicit warmupTarget of 0 (852808c: 0 meant "none"
//   natively, so the rate decayed from the initial rate instead of staying 0);
// - clipNorm and globalClipNorm are exclusive (031886a, as Keras).
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng, cosineDecayRef } from '../training/reference';

describe('gelu_new (tanh approximation) backward for large |x|', () => {
  const C = Math.sqrt(2 / Math.PI);
  /** d/dx of 0.5·x·(1 + tanh(c·(x + 0.044715·x³))), float64; sech² via cosh so it underflows to 0, not NaN. */
  const dGeluNew = (x: number) => {
    const u = C * (x + 0.044715 * x ** 3);
    const sech2 = 1 / Math.cosh(u) ** 2;
    return 0.5 * (1 + Math.tanh(u)) + 0.5 * x * sech2 * C * (1 + 3 * 0.044715 * x * x);
  };

  it('is dy (x > 0) or 0 (x < 0) up to the largest floats, and continuous across |x| = 10', () => {
    const big = [9.5, 9.99, 10, 10.01, 10.5, 12, 20, 100, 1e3, 1e5, 1e13, 1e19, 1e20, 1e30, 3e38];
    const xs = Float32Array.from([...big, ...big.map((v) => -v)]);
    const r = new Rng(51);
    const dy = r.array(xs.length, -2, 2, 0.1);
    const dx = tf.activationBackward('gelu', tf.tensor1d(xs), tf.tensor1d(dy), { approximate: true }).dataSync();
    xs.forEach((x, i) => {
      const want = dy[i] * dGeluNew(x);
      expect(Number.isFinite(dx[i]), `x = ${x}`).toBe(true);
      // float32 evaluation of f' near |x| = 10 (where the sech² term is
      // ~e^-100 already): ~1e-7 relative; |dy| <= 2.
      expect(Math.abs(dx[i] - want), `x = ${x}: ${dx[i]} vs ${want}`).toBeLessThanOrEqual(4e-7);
    });
  });

  it('trains through a gelu_new layer whose pre-activations reach 1e20 without a NaN gradient', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [1], activation: 'gelu_new', useBias: false })] });
    m.compile({ optimizer: 'sgd', loss: 'meanAbsoluteError' });
    m.setWeights([tf.tensor2d([[1e10, -1e10]])]);
    // Pre-activations ±1e20; the output of the positive unit is 1e20, finite in float32.
    const { grads } = m.computeGradients(tf.tensor2d([[1e10]]), tf.tensor2d([[0, 0]]));
    expect(Array.from(grads).every(Number.isFinite)).toBe(true);
    // MAE: dL/dout = sign(out)/2; through gelu_new' = 1 and 0; times x = 1e10.
    expect(Array.from(grads)).toEqual([0.5 * 1e10, 0].map(Math.fround));
  });
});

describe("Dropout's own seed", () => {
  const UNITS = 64;
  /** Which of the dropout layer's units were kept in one training-mode pass, read from the first kernel's gradient. */
  function mask(dropoutSeed: number | undefined, globalSeed: number): boolean[] {
    tf.setSeed(globalSeed);
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ units: UNITS, inputShape: [1], useBias: false, kernelInitializer: 'ones' }),
        tf.layers.dropout({ rate: 0.5, seed: dropoutSeed ?? undefined }),
        tf.layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones' }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { grads } = m.computeGradients(tf.tensor2d([[1]]), tf.tensor2d([[0]]));
    // dL/dW1[0][j] = 2·out·mask_j/(1 - rate): non-zero exactly where kept.
    return Array.from(grads.subarray(0, UNITS), (g) => g !== 0);
  }

  it('the mask follows the layer seed, whatever tf.setSeed says', () => {
    const a = mask(7, 1);
    expect(mask(7, 2)).toEqual(a);
    expect(mask(8, 1)).not.toEqual(a);
    // About half kept (Binomial(64, 0.5): 32 ± 4; 4 std).
    expect(Math.abs(a.filter(Boolean).length - 32)).toBeLessThanOrEqual(16);
  });

  it("a fit with another seed applies the same masks (shuffle off: the fit seed only feeds dropout's default)", async () => {
    const run = async (fitSeed: number, dropoutSeed: number | null) => {
      tf.setSeed(3);
      const m = tf.sequential({
        layers: [
          tf.layers.dense({ units: 16, inputShape: [4] }),
          tf.layers.dropout({ rate: 0.5, seed: dropoutSeed ?? undefined }),
          tf.layers.dense({ units: 1 }),
        ],
      });
      m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
      const x = tf.tensor(new Rng(52).array(32 * 4, -1, 1), [32, 4]);
      await m.fit(x, tf.ones([32, 1]), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, seed: fitSeed });
      return m.getWeights().map((w) => Array.from(w.dataSync()));
    };
    expect(await run(2, 99)).toEqual(await run(1, 99));
    // Control: without a layer seed the fit seed decides the masks.
    expect(await run(2, null)).not.toEqual(await run(1, null));
  });
});

describe('cosineDecay with warmupTarget: 0', () => {
  it('warms down linearly to 0 and stays there (Keras 3), in the engine and in at()', () => {
    const make = () => tf.optimizers.cosineDecay({ initialLearningRate: 0.1, decaySteps: 3, warmupTarget: 0, warmupSteps: 2 });
    const ref = cosineDecayRef(0.1, 3, 0, 0, 2); // 0.1, 0.05, then 0
    expect([0, 1, 2, 3, 6].map(ref)).toEqual([0.1, 0.05, 0, 0, 0]);
    const s = make();
    for (let step = 0; step <= 8; step++) expect(Math.abs(s.at(step) - ref(step)), `at(${step})`).toBeLessThanOrEqual(1e-15);

    // The engine: SGD steps with a gradient of ones move each weight by exactly the rate.
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })] });
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: make() }), loss: 'meanSquaredError' });
    let w = 0;
    for (let step = 0; step < 6; step++) {
      // float32 round trip of the rate.
      expect(Math.abs(m.getLearningRate() - ref(step)), `rate before step ${step + 1}`).toBeLessThanOrEqual(1e-8);
      m.applyGradients(Float32Array.of(1));
      w -= ref(step);
      expect(Math.abs(m.getWeights()[0].dataSync()[0] - w), `weight after step ${step + 1}`).toBeLessThanOrEqual(1e-7);
    }
  });
});

describe('clipNorm and globalClipNorm are exclusive', () => {
  it('every optimizer refuses both, naming them; either one alone is accepted', () => {
    const names = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const;
    for (const name of names) {
      const make = tf.optimizers[name] as (a: Record<string, unknown>) => tf.Optimizer;
      expect(() => make({ clipNorm: 1, globalClipNorm: 1 }), name).toThrow(TypeError);
      expect(() => make({ clipNorm: 1, globalClipNorm: 1 }), name).toThrow(/give at most one of clipNorm and globalClipNorm/);
      expect(() => tf.optimizers.get(name, { clipNorm: 2, globalClipNorm: 3 }), name).toThrow(/give at most one of clipNorm and globalClipNorm/);
      expect(make({ clipNorm: 1 })).toBeDefined();
      expect(make({ globalClipNorm: 1 })).toBeDefined();
      expect(make({ clipNorm: 1, clipValue: 0.5 })).toBeDefined(); // clipValue combines with either
    }
  });
});
