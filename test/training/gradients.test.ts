// Gradient checks of the native training engine: every activation, the
// normalization layers, Dense without bias and kernel regularizers, each
// against central differences of the model's own loss (setWeights +
// computeGradients). Also the training/inference behaviour of BatchNormalization
// (moving statistics) and Dropout.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import {
  ALL_ACTIVATIONS, ActName, LayerDesc, Rng, batchLoss, buildModel, expectClose, expectGradientsMatch, f32,
  finiteDifferences, forwardRef, kinkMargin, toMatrix,
} from './reference';

const IN = 3;
const HIDDEN = 4;
const OUT = 3;
const BATCH = 5;

// Central-difference step. The loss is computed in float32 (noise ~3e-7 on a
// loss of O(1)), so the difference quotient carries ~3e-7 / (2 eps) = 3e-5 of
// rounding noise; the truncation error eps² f''' / 6 grows with eps. Measured
// over all activation cases, 5e-3 balanced the two best (1e-3 and 1e-2 gave 2-3x
// larger errors).
const FD_EPS = 5e-3;
// Measured worst case over all activation cases at FD_EPS: 6e-5 absolute and
// 7e-4 relative. These tolerances leave ~5x margin; a wrong derivative (a
// missing factor, a wrong branch, a dropped term) is off by far more.
const RTOL = 5e-3;
const ATOL = 3e-4;
// Normalization layers curve the loss sharply where a feature's batch variance
// is small (the truncation error at 5e-3 reached 3e-3 and shrank as eps²), so
// they use a smaller step; the rounding noise then rises to ~2e-4, hence the
// wider absolute tolerance.
const NORM_FD = { eps: 1e-3, rtol: 5e-3, atol: 6e-4 };
// Pre-activations of kinked activations stay this far from the kink: a weight
// step of FD_EPS moves a pre-activation by at most FD_EPS * (|x| + 1) < 0.02.
const KINK_MARGIN = 0.05;

interface Case {
  model: tf.Sequential;
  x: tf.Tensor;
  y: tf.Tensor;
  ref: ReturnType<typeof buildModel>['ref'];
  xs: Float32Array;
  ys: Float32Array;
}

/** A model with MSE loss and data whose pre-activations avoid every kink (retries seeds until they do). */
function kinkFreeCase(descs: LayerDesc[], seed: number, xRange = 2): Case {
  for (let attempt = 0; attempt < 500; attempt++) {
    const rng = new Rng(seed * 7919 + attempt);
    const built = buildModel(IN, descs, rng);
    const xs = rng.array(BATCH * IN, -xRange, xRange);
    if (kinkMargin(built.ref, toMatrix(xs, BATCH, IN)) < KINK_MARGIN) continue;
    const outDim = built.model.outputShape![0];
    const ys = rng.array(BATCH * outDim, -1, 1);
    built.model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return { ...built, x: tf.tensor(xs, [BATCH, IN]), y: tf.tensor(ys, [BATCH, outDim]), xs, ys };
  }
  throw new Error('no kink-free data found');
}

/** The analytic loss must match the float64 forward pass (MSE) before gradients are compared. */
function expectLossMatchesReference(c: Case, penalty = 0): void {
  const { outputs } = forwardRef(c.ref, toMatrix(c.xs, BATCH, IN));
  const out = outputs[outputs.length - 1];
  const expected = batchLoss('meanSquaredError', toMatrix(c.ys, BATCH, out[0].length), out) + penalty;
  // float32 forward pass: ~1e-6 relative.
  expectClose([c.model.computeGradients(c.x, c.y).loss], [expected], 1e-5, 1e-6, 'loss');
}

function checkCase(c: Case, penalty = 0, fd = { eps: FD_EPS, rtol: RTOL, atol: ATOL }): void {
  expectLossMatchesReference(c, penalty);
  expectGradientsMatch(finiteDifferences(c.model, c.x, c.y, fd.eps), fd.rtol, fd.atol);
}

// Non-default alphas too, to check the parameter reaches the kernels.
const ACTIVATION_CASES: { act: ActName; alpha?: number }[] = [
  ...ALL_ACTIVATIONS.map((act) => ({ act })),
  { act: 'leakyRelu', alpha: 0.05 },
  { act: 'elu', alpha: 0.5 },
];
const label = (a: { act: ActName; alpha?: number }) => (a.alpha === undefined ? a.act : `${a.act} alpha ${a.alpha}`);

describe('gradients of activations', () => {
  ACTIVATION_CASES.forEach((a, i) => {
    it(`${label(a)} in a hidden Dense layer`, () => {
      checkCase(kinkFreeCase([{ dense: HIDDEN, act: a.act, alpha: a.alpha }, { dense: OUT }], 100 + i));
    });
    it(`${label(a)} as an Activation layer`, () => {
      checkCase(kinkFreeCase([{ dense: HIDDEN }, { activation: a.act, alpha: a.alpha }, { dense: OUT }], 200 + i));
    });
    it(`${label(a)} on the output Dense layer (MSE, not fused)`, () => {
      checkCase(kinkFreeCase([{ dense: HIDDEN, act: 'tanh' }, { dense: OUT, act: a.act, alpha: a.alpha }], 300 + i));
    });
  });

  it('relu6 and hardSigmoid in their saturated ranges too', () => {
    // Inputs in ±6 push pre-activations past 6 and ±3, so the flat pieces are exercised.
    for (const act of ['relu6', 'hardSigmoid'] as const) {
      const c = kinkFreeCase([{ dense: 6, act }, { dense: OUT }], act === 'relu6' ? 401 : 402, 6);
      const { pre } = forwardRef(c.ref, toMatrix(c.xs, BATCH, IN));
      const z = pre[0]!.flat();
      expect(z.some((v) => (act === 'relu6' ? v > 6 : v > 3))).toBe(true);
      expect(z.some((v) => (act === 'relu6' ? v < 0 : v < -3))).toBe(true);
      checkCase(c);
    }
  });
});

describe('gradients of layers', () => {
  it('Dense without bias', () => {
    const c = kinkFreeCase([{ dense: HIDDEN, act: 'tanh', useBias: false }, { dense: OUT, useBias: false }], 500);
    expect(c.model.weightSpecs().map((s) => s.name.split('/')[1])).toEqual(['kernel', 'kernel']);
    checkCase(c);
  });

  it('BatchNormalization in training mode (gradient through the batch statistics)', () => {
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { batchNorm: true }, { activation: 'tanh' }, { dense: OUT }], 510), 0, NORM_FD);
  });

  it('BatchNormalization as the first layer', () => {
    checkCase(kinkFreeCase([{ batchNorm: true }, { dense: OUT, act: 'tanh' }], 511), 0, NORM_FD);
  });

  it('BatchNormalization without center or scale, and with epsilon 0.1', () => {
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { batchNorm: true, center: false }, { activation: 'tanh' }, { dense: OUT }], 512), 0, NORM_FD);
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { batchNorm: true, scale: false, epsilon: 0.1 }, { activation: 'tanh' }, { dense: OUT }], 513), 0, NORM_FD);
  });

  it('LayerNormalization', () => {
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { layerNorm: true }, { activation: 'tanh' }, { dense: OUT }], 520), 0, NORM_FD);
    checkCase(kinkFreeCase([{ layerNorm: true }, { dense: OUT, act: 'tanh' }], 521), 0, NORM_FD);
  });

  it('LayerNormalization without center or scale, and with epsilon 0.1', () => {
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { layerNorm: true, center: false }, { activation: 'tanh' }, { dense: OUT }], 522), 0, NORM_FD);
    checkCase(kinkFreeCase([{ dense: HIDDEN }, { layerNorm: true, scale: false, epsilon: 0.1 }, { activation: 'tanh' }, { dense: OUT }], 523), 0, NORM_FD);
  });

  const penaltyOf = (c: Case, l1: number, l2: number) =>
    c.ref.reduce((a, l) => (l.kind === 'dense' ? a + Array.from(l.kernel).reduce((s, w) => s + l1 * Math.abs(w) + l2 * w * w, 0) : a), 0);

  for (const [name, l1, l2] of [['l1', 0.05, 0], ['l2', 0, 0.05], ['l1l2', 0.02, 0.03]] as const) {
    it(`kernelRegularizer ${name}: the loss includes the penalty and its gradient`, () => {
      const c = kinkFreeCase([{ dense: HIDDEN, act: 'tanh', l1, l2 }, { dense: OUT, l1, l2 }], 530 + l1 * 100);
      // Keras: l1 * sum|w| + l2 * sum w², over each regularized kernel, added to the loss.
      checkCase(c, penaltyOf(c, l1, l2));
    });
  }

  it("kernelRegularizer 'l2' uses Keras's default factor 0.01", () => {
    const rng = new Rng(540);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: 'l2', useBias: false })] });
    const kernel = rng.array(6, -1, 1, 0.05);
    model.setWeights([tf.tensor(kernel, [3, 2])]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    // x = 0 makes the data loss exactly mean(y²) and the data gradient zero.
    const x = tf.tensor(new Float32Array(6), [2, 3]);
    const ys = rng.array(4, -1, 1);
    const { loss, grads } = model.computeGradients(x, tf.tensor(ys, [2, 2]));
    const dataLoss = ys.reduce((a, v) => a + v * v, 0) / 4;
    expectClose([loss], [dataLoss + 0.01 * kernel.reduce((a, w) => a + w * w, 0)], 1e-6, 1e-7, 'loss');
    expectClose(grads, Array.from(kernel, (w) => 2 * 0.01 * w), 1e-6, 1e-9, 'penalty gradient');
  });
});

describe('BatchNormalization moving statistics', () => {
  const F = 4;
  const B = 8;

  function batchStats(xs: Float32Array): { mean: number[]; variance: number[] } {
    const m = toMatrix(xs, B, F);
    const mean = Array.from({ length: F }, (_, f) => m.reduce((a, r) => a + r[f], 0) / B);
    // Keras 3 tracks the biased batch variance (ops.moments).
    const variance = Array.from({ length: F }, (_, f) => m.reduce((a, r) => a + (r[f] - mean[f]) ** 2, 0) / B);
    return { mean, variance };
  }

  for (const momentum of [undefined, 0.9] as const) {
    it(`update after each training step with momentum ${momentum ?? '0.99 (default)'}, then inference uses them`, async () => {
      const mom = momentum ?? 0.99;
      const rng = new Rng(600 + mom * 100);
      const bn = tf.layers.batchNormalization({ inputShape: [F], momentum });
      const model = tf.sequential({ layers: [bn] });
      // lr 0: gamma and beta stay put, so only the moving statistics change.
      model.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0 }), loss: 'meanSquaredError' });
      const gamma = rng.array(F, 0.5, 1.5);
      const beta = rng.array(F, -0.5, 0.5);
      model.setWeights([tf.tensor(gamma, [F]), tf.tensor(beta, [F]), tf.tensor(new Float32Array(F), [F]), tf.tensor(new Float32Array(F).fill(1), [F])]);
      const mm = new Array<number>(F).fill(0);
      const mv = new Array<number>(F).fill(1);
      for (let step = 0; step < 3; step++) {
        // Offset and spread so the statistics are far from the initial 0 and 1.
        const xs = Float32Array.from(rng.array(B * F, -1, 1), (v, i) => 3 * v + (i % F) - 1);
        await model.trainOnBatch(tf.tensor(xs, [B, F]), tf.tensor(new Float32Array(B * F), [B, F]));
        const { mean, variance } = batchStats(xs);
        for (let f = 0; f < F; f++) {
          mm[f] = mm[f] * mom + mean[f] * (1 - mom);
          mv[f] = mv[f] * mom + variance[f] * (1 - mom);
        }
        const w = model.getWeights();
        // float32 running averages of O(1) values: 1e-6.
        expectClose(w[2].values, mm, 1e-6, 1e-6, `moving_mean after step ${step + 1}`);
        expectClose(w[3].values, mv, 1e-6, 1e-6, `moving_variance after step ${step + 1}`);
        expectClose(w[0].values, gamma, 0, 0, 'gamma (lr 0)');
      }
      // Inference normalizes with the moving statistics, not the batch's.
      const xs = rng.array(B * F, -2, 2);
      const out = model.predict(tf.tensor(xs, [B, F])).values;
      const expected = Array.from(xs, (v, i) => {
        const f = i % F;
        return gamma[f] * ((v - mm[f]) / Math.sqrt(mv[f] + 1e-3)) + beta[f];
      });
      expectClose(out, expected, 1e-5, 1e-5, 'inference output');
      // evaluate is inference too: MSE against zeros is mean(out²).
      const logs = await model.evaluate(tf.tensor(xs, [B, F]), tf.tensor(new Float32Array(B * F), [B, F]));
      expectClose([logs.loss], [expected.reduce((a, v) => a + v * v, 0) / (B * F)], 1e-5, 1e-6, 'evaluate loss');
    });
  }
});

describe('Dropout', () => {
  // [dropout, dense(1, kernel 0, no bias)] with one sample and MSE target -0.5:
  // dLoss/dy = 2 (0 + 0.5) = 1, so the gradient of the kernel is exactly the
  // dropout layer's training-mode output.
  const D = 20000;

  function dropoutModel(rate: number): tf.Sequential {
    const model = tf.sequential({ layers: [tf.layers.dropout({ rate }), tf.layers.dense({ units: 1, useBias: false })] });
    model.build([D]);
    model.setWeights([tf.tensor(new Float32Array(D), [D, 1])]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return model;
  }

  for (const rate of [0.2, 0.5]) {
    it(`rate ${rate}: training drops ~rate of the units and scales the rest by 1 / (1 - rate)`, () => {
      const model = dropoutModel(rate);
      const xs = new Rng(700 + rate * 10).array(D, 0.5, 1.5);
      const { grads } = model.computeGradients(tf.tensor(xs, [1, D]), tf.tensor([[-0.5]]));
      const scale = f32(1 / f32(1 - f32(rate)));
      let dropped = 0;
      for (let i = 0; i < D; i++) {
        if (grads[i] === 0) dropped++;
        // kept: x * scale in float32 (one rounding) — 1 ulp.
        else if (Math.abs(grads[i] - xs[i] * scale) > 2 ** -22 * Math.abs(xs[i] * scale)) expect.fail(`unit ${i}: ${grads[i]} is neither 0 nor x / (1 - rate) = ${xs[i] * scale}`);
      }
      // Binomial(D, rate): standard deviation of the fraction <= 0.0036; 0.02 is > 5 sigma.
      expect(Math.abs(dropped / D - rate)).toBeLessThan(0.02);
    });
  }

  it('inference (predict, evaluate) is the identity', async () => {
    const rng = new Rng(710);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 6 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2 })] });
    model.build([4]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = rng.array(5 * 4, -1, 1);
    const w = model.getWeights().map((t) => t.values);
    const ref = forwardRef([
      { kind: 'dense', kernel: w[0], bias: w[1], units: 6, act: 'linear' },
      { kind: 'dense', kernel: w[2], bias: w[3], units: 2, act: 'linear' },
    ], toMatrix(xs, 5, 4)).outputs[1];
    const x = tf.tensor(xs, [5, 4]);
    const first = model.predict(x).values;
    expectClose(first, ref.flat(), 1e-5, 1e-6, 'predict');
    expectClose(model.predict(x).values, first, 0, 0, 'second predict');
    const ys = rng.array(10, -1, 1);
    const logs = await model.evaluate(x, tf.tensor(ys, [5, 2]));
    expectClose([logs.loss], [batchLoss('meanSquaredError', toMatrix(ys, 5, 2), ref)], 1e-5, 1e-6, 'evaluate loss');
  });
});
