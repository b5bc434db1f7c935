// optimizer.applyGradients and optimizer.minimize over tf.Variables: every
// optimizer's update, step by step, against the float64 transcription of
// Keras 3's rules that test/training/optimizers.test.ts checks fit against
// (ReferenceOptimizer), through the same fused native step.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { OptRefConfig, ReferenceOptimizer, Rng, expectClose, exponentialDecayRef } from '../training/reference';

const STEPS = 3;
const STEP_SCALE = [1, 3, 0.5];
const VAR_SCALE = [1, 0.3, 2, 0.05];
const SHAPES = [[4, 3], [3], [3, 2], [2]];
// As in optimizers.test.ts: float32 weights and state against a float64 reference.
const ATOL = 1e-6;
const RTOL = 1e-6;

const CASES: [string, () => tf.optimizers.Optimizer, OptRefConfig][] = [
  ['sgd', () => tf.optimizers.sgd({ learningRate: 0.1 }), { kind: 'sgd', lr: 0.1 }],
  ['sgd nesterov momentum', () => tf.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }],
  ['adam', () => tf.optimizers.adam({ learningRate: 0.05 }), { kind: 'adam', lr: 0.05 }],
  ['adam amsgrad', () => tf.optimizers.adam({ learningRate: 0.05, amsgrad: true, beta2: 0.9 }), { kind: 'adam', lr: 0.05, amsgrad: true, beta2: 0.9 }],
  ['adamw', () => tf.optimizers.adamw({ learningRate: 0.05 }), { kind: 'adamw', lr: 0.05 }],
  ['rmsprop centered momentum', () => tf.optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 }), { kind: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 }],
  ['adagrad', () => tf.optimizers.adagrad({ learningRate: 0.05 }), { kind: 'adagrad', lr: 0.05 }],
  ['adadelta', () => tf.optimizers.adadelta({ learningRate: 1 }), { kind: 'adadelta', lr: 1 }],
  ['adamax', () => tf.optimizers.adamax({ learningRate: 0.05 }), { kind: 'adamax', lr: 0.05 }],
  ['nadam', () => tf.optimizers.nadam({ learningRate: 0.05 }), { kind: 'nadam', lr: 0.05 }],
  ['sgd clipNorm 0.5 (per variable)', () => tf.optimizers.sgd({ learningRate: 0.1, clipNorm: 0.5 }), { kind: 'sgd', lr: 0.1, clipNorm: 0.5 }],
  ['adam globalClipNorm 1', () => tf.optimizers.adam({ learningRate: 0.05, globalClipNorm: 1 }), { kind: 'adam', lr: 0.05, globalClipNorm: 1 }],
  ['sgd weightDecay 0.1', () => tf.optimizers.sgd({ learningRate: 0.1, weightDecay: 0.1 }), { kind: 'sgd', lr: 0.1, weightDecay: 0.1 }],
  [
    'sgd with exponentialDecay', () => tf.optimizers.sgd({ learningRate: tf.optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }) }),
    { kind: 'sgd', lr: exponentialDecayRef(0.1, 2, 0.5) },
  ],
];

describe('applyGradients matches each optimizer\'s published update, step by step', () => {
  CASES.forEach(([name, make, refConfig], i) => it(name, () => {
    const rng = new Rng(3000 + i);
    const w0 = SHAPES.map((s) => rng.array(s.reduce((a, b) => a * b, 1), -0.5, 0.5));
    const vars = w0.map((w, k) => tf.variable(tf.tensor(Float32Array.from(w), SHAPES[k]), true, `apply-${i}-${k}`));
    const ref64 = w0.map((w) => Float64Array.from(w, Math.fround));
    const ref = new ReferenceOptimizer(refConfig);
    const opt = make();
    for (let step = 0; step < STEPS; step++) {
      const grads = SHAPES.map((s, k) => Float32Array.from(rng.array(s.reduce((a, b) => a * b, 1), -1, 1), (g) => Math.fround(g * VAR_SCALE[k] * STEP_SCALE[step])));
      const tensors = grads.map((g, k) => tf.tensor(g, SHAPES[k]));
      // Both forms TensorFlow.js accepts: {name: tensor} and [{name, tensor}].
      if (step % 2 === 0) opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, tensors[k]])));
      else opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: tensors[k] })));
      ref.apply(ref64, grads.map((g) => Float64Array.from(g)));
      vars.forEach((v, k) => expectClose(v.dataSync(), ref64[k], RTOL, ATOL, `step ${step + 1}, variable ${k}`));
    }
    const moved = Math.max(...ref64.map((v, k) => Math.max(...v.map((x, j) => Math.abs(x - w0[k][j])))));
    expect(moved).toBeGreaterThan(100 * ATOL);
    vars.forEach((v) => v.dispose());
  }));
});

describe('minimize', () => {
  it('descends f with the gradient variableGrads gives (SGD on a quadratic)', () => {
    const x = tf.variable(tf.tensor1d([3, -2]), true, 'min-x');
    const target = tf.tensor1d([1, 1]);
    const opt = tf.optimizers.sgd({ learningRate: 0.25 });
    const expected = [3, -2];
    for (let i = 0; i < 4; i++) {
      const cost = opt.minimize(() => tf.sum(tf.squaredDifference(x, target)), true, [x]);
      // cost before the step; then x -= 0.25 * 2 (x - 1)
      expectClose(cost!.dataSync(), [(expected[0] - 1) ** 2 + (expected[1] - 1) ** 2], 1e-6, 1e-6);
      for (let k = 0; k < 2; k++) expected[k] -= 0.25 * 2 * (expected[k] - 1);
      expectClose(x.dataSync(), expected, 1e-6, 1e-6);
    }
    expect(opt.minimize(() => tf.sum(tf.square(x)), false, [x])).toBeNull();
    x.dispose();
  });

  it('an assign between steps is what the next step updates', () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, 'assign-between');
    const opt = tf.optimizers.sgd({ learningRate: 0.5 });
    opt.applyGradients({ 'assign-between': tf.tensor1d([1, 1]) });
    expect(Array.from(v.dataSync())).toEqual([0.5, 1.5]);
    v.assign(tf.tensor1d([10, 20]));
    opt.applyGradients({ 'assign-between': tf.tensor1d([1, 1]) });
    expect(Array.from(v.dataSync())).toEqual([9.5, 19.5]);
    // A second optimizer's update is seen by the first.
    tf.optimizers.sgd({ learningRate: 1 }).applyGradients({ 'assign-between': tf.tensor1d([1, 1]) });
    opt.applyGradients({ 'assign-between': tf.tensor1d([2, 2]) });
    expect(Array.from(v.dataSync())).toEqual([7.5, 17.5]);
    v.dispose();
  });

  it('keeps one state per set of variables updated together', () => {
    const a = tf.variable(tf.scalar(1), true, 'set-a');
    const b = tf.variable(tf.scalar(1), true, 'set-b');
    const opt = tf.optimizers.adam({ learningRate: 0.1 });
    // Adam's first step moves each weight by about lr whatever the gradient's scale.
    opt.minimize(() => tf.square(a), false, [a]);
    opt.minimize(() => tf.mul(tf.square(b), tf.scalar(100)), false, [b]);
    expectClose(a.dataSync(), [0.9], 1e-5, 1e-5);
    expectClose(b.dataSync(), [0.9], 1e-5, 1e-5);
    a.dispose();
    b.dispose();
  });
});
