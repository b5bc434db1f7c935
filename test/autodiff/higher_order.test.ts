// Gradients of gradients: a gradient function called inside another's f
// records on a nested tape, and its backward pass is recorded on the
// enclosing one (src/autodiff/backprop.ts). Second derivatives against
// central differences of the first derivative, against TensorFlow.js, the
// ops that cannot be differentiated twice yet (a clear error, never a missing
// term), and memory.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Tensor, trackTensors } from '../../src/tensor';

const X = [0.3, -0.7, 1.2, 0.05];

/** d/dx_i of sum(grad f), by central differences of the tape's first derivative. */
function secondByDifferences(f: (t: tf.Tensor) => tf.Tensor, at: number[], eps = 1e-3): number[] {
  const g = tf.grad(f);
  return at.map((_, i) => {
    const up = [...at];
    const down = [...at];
    up[i] += eps;
    down[i] -= eps;
    return (tf.sum(g(tf.tensor1d(up))).dataSync()[0] - tf.sum(g(tf.tensor1d(down))).dataSync()[0]) / (2 * eps);
  });
}

const shift = (t: tf.Tensor) => tf.add(t, tf.scalar(2));
const CASES: Record<string, (t: tf.Tensor) => tf.Tensor> = {
  cube: (t) => tf.sum(tf.mul(tf.mul(t, t), t)),
  tanh: (t) => tf.sum(tf.mul(tf.tanh(t), t)),
  sigmoid: (t) => tf.sum(tf.sigmoid(tf.mul(t, t))),
  relu: (t) => tf.sum(tf.mul(tf.relu(t), t)),
  softplus: (t) => tf.sum(tf.mul(tf.softplus(t), t)),
  exp: (t) => tf.sum(tf.exp(tf.mul(t, tf.scalar(0.5)))),
  log: (t) => tf.sum(tf.log(shift(t))),
  sqrt: (t) => tf.sum(tf.sqrt(shift(t))),
  div: (t) => tf.sum(tf.div(t, shift(t))),
  abs: (t) => tf.sum(tf.mul(tf.abs(t), t)),
  square: (t) => tf.mean(tf.square(tf.sub(t, tf.scalar(0.1)))),
  matMul: (t) => tf.sum(tf.matMul(tf.reshape(t, [2, 2]), tf.reshape(tf.mul(t, t), [2, 2]))),
  'sum x times sum x': (t) => tf.mul(tf.sum(t), tf.sum(tf.mul(t, t))),
  'mean and broadcast': (t) => tf.sum(tf.mul(tf.sub(t, tf.mean(t)), tf.sub(t, tf.mean(t)))),
  max: (t) => tf.max(tf.mul(t, t)),
  logSumExp: (t) => tf.logSumExp(tf.mul(t, t)),
};

describe('gradients of gradients', () => {
  it('the second derivative of x^3 is 6x (grad of grad)', () => {
    const d2 = tf.grad(tf.grad((x) => tf.mul(tf.mul(x, x), x)));
    expect(d2(tf.scalar(2)).dataSync()[0]).toBeCloseTo(12, 5);
    // Third order too.
    const d3 = tf.grad(tf.grad(tf.grad((x) => tf.mul(tf.mul(x, x), tf.mul(x, x)))));
    expect(d3(tf.scalar(1.5)).dataSync()[0]).toBeCloseTo(24 * 1.5, 4);
  });

  for (const [name, f] of Object.entries(CASES)) {
    it(`d/dx sum(grad f) of ${name} equals central differences of the first derivative`, () => {
      const tape = tf.grad((t: tf.Tensor) => tf.sum(tf.grad(f)(t)))(tf.tensor1d(X)).dataSync();
      const ref = secondByDifferences(f, X);
      ref.forEach((r, i) => expect(Math.abs(tape[i] - r)).toBeLessThan(2e-3 * Math.max(1, Math.abs(r))));
    });
  }

  // A gradient penalty: the squared norm of dLoss/dx, differentiated by the weights.
  const w0 = [0.4, -0.3, 0.2, 0.7, -0.5, 0.1];
  const x0 = [0.5, -1, 2];
  const penaltyGrad = (act: (t: tf.Tensor) => tf.Tensor, w: number[]) => Array.from(tf.grad((wt: tf.Tensor) => {
    const dx = tf.grad((x: tf.Tensor) => tf.sum(act(tf.matMul(x, wt))))(tf.tensor2d(x0, [1, 3]));
    return tf.sum(tf.square(dx));
  })(tf.tensor2d(w, [3, 2])).dataSync());

  it('a gradient penalty equals TensorFlow.js (square activation) and central differences (tanh)', () => {
    const ours = penaltyGrad(tf.square, w0);
    const theirs = Array.from(tfjs.grad((wt: tfjs.Tensor) => {
      const dx = tfjs.grad((x: tfjs.Tensor) => tfjs.sum(tfjs.square(tfjs.matMul(x as tfjs.Tensor2D, wt as tfjs.Tensor2D))))(tfjs.tensor2d(x0, [1, 3]));
      return tfjs.sum(tfjs.square(dx));
    })(tfjs.tensor2d(w0, [3, 2])).dataSync());
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-5));
    // NOTE: TensorFlow.js 4.22 gives other values with tanh, sigmoid or exp here: its gradients of
    // those ops read the saved output without differentiating it. Central differences decide.
    const tape = penaltyGrad(tf.tanh, w0);
    const penalty = (w: number[]) => {
      const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(x, tf.tensor2d(w, [3, 2])))))(tf.tensor2d(x0, [1, 3]));
      return tf.sum(tf.square(dx)).dataSync()[0];
    };
    w0.forEach((_, i) => {
      const up = [...w0];
      const down = [...w0];
      up[i] += 1e-3;
      down[i] -= 1e-3;
      expect(Math.abs(tape[i] - (penalty(up) - penalty(down)) / 2e-3)).toBeLessThan(2e-3);
    });
  });

  it('an op whose gradient cannot be differentiated yet is an error naming it, not a missing term', () => {
    const x = tf.tensor1d(X);
    const through = (f: (t: tf.Tensor) => tf.Tensor) => () => tf.grad((t: tf.Tensor) => tf.sum(tf.grad(f)(t)))(x);
    expect(through((t) => tf.sum(tf.mul(tf.softmax(t), t)))).toThrow(/^grad: a gradient of gradients reaches the gradient of softmax, which cannot be differentiated yet/);
    expect(through((t) => tf.sum(tf.pow(shift(t), tf.scalar(3))))).toThrow(/^grad: a gradient of gradients reaches the gradient of Pow/);
    // First derivatives of the same functions are unaffected.
    expect(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), t)))(x).shape).toEqual([4]);
  });

  it('leaves only its results alive', () => {
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(t), tf.matMul(tf.reshape(t, [2, 2]), tf.reshape(t, [2, 2])).reshape([4])));
    const x = tf.tensor1d(X);
    for (let i = 0; i < 3; i++) {
      const created: Tensor[] = [];
      const outer = trackTensors(created);
      let result: Tensor;
      try {
        result = tf.grad((t: tf.Tensor) => tf.sum(tf.grad(f)(t)))(x);
      } finally {
        trackTensors(outer);
      }
      expect(created.filter((t) => !t.isDisposed)).toEqual([result]);
    }
  });
});
