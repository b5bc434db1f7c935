// tf.train (TensorFlow.js's positional optimizer factories) and tf.cast:
// the same program minimized by tensorforge and TensorFlow.js gives the same
// variables, step by step, for every factory.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const W0 = [0.5, -1.25, 2, 0.75, -0.3, 1.1];
const TARGET = [1, 0.5, -1, 2, 0, -0.5];

type Api = typeof tf | typeof tfjs;
// A loss with curvature that differs per weight: sum((w - t)^2 * scale) + 0.1 * sum(w^4).
const program = (lib: Api, w: never) => {
  const t = lib.tensor1d(TARGET);
  const scale = lib.tensor1d([1, 2, 0.5, 3, 1.5, 0.25]);
  const d = lib.sub(w, t as never);
  return lib.add(lib.sum(lib.mul(lib.mul(d as never, d as never), scale as never)), lib.mul(0.1, lib.sum(lib.pow(w, 4)))) as never;
};

function theirs(make: () => tfjs.Optimizer, steps: number): number[] {
  const w = tfjs.variable(tfjs.tensor1d(W0));
  const opt = make();
  for (let i = 0; i < steps; i++) opt.minimize(() => program(tfjs, w as never) as tfjs.Scalar);
  return Array.from(w.dataSync());
}

function ours(make: () => tf.optimizers.Optimizer, steps: number): number[] {
  const w = tf.variable(tf.tensor1d(W0));
  const opt = make();
  for (let i = 0; i < steps; i++) opt.minimize(() => program(tf, w as never));
  return Array.from(w.dataSync());
}

describe('tf.train', () => {
  const cases: [string, () => tf.optimizers.Optimizer, () => tfjs.Optimizer][] = [
    ['sgd(0.05)', () => tf.train.sgd(0.05), () => tfjs.train.sgd(0.05)],
    ['momentum(0.05, 0.9)', () => tf.train.momentum(0.05, 0.9), () => tfjs.train.momentum(0.05, 0.9)],
    ['momentum(0.05, 0.9, nesterov)', () => tf.train.momentum(0.05, 0.9, true), () => tfjs.train.momentum(0.05, 0.9, true)],
    ['adam(0.1)', () => tf.train.adam(0.1), () => tfjs.train.adam(0.1)],
    ['adam(0.05, 0.8, 0.99)', () => tf.train.adam(0.05, 0.8, 0.99), () => tfjs.train.adam(0.05, 0.8, 0.99)],
    ['adagrad(0.3)', () => tf.train.adagrad(0.3), () => tfjs.train.adagrad(0.3)],
    ['adamax(0.1)', () => tf.train.adamax(0.1), () => tfjs.train.adamax(0.1)],
    ['rmsprop(0.01)', () => tf.train.rmsprop(0.01), () => tfjs.train.rmsprop(0.01)],
    ['rmsprop(0.01, 0.8, 0.5)', () => tf.train.rmsprop(0.01, 0.8, 0.5), () => tfjs.train.rmsprop(0.01, 0.8, 0.5)],
  ];
  for (const [name, mine, tfjsMake] of cases) {
    it(`${name} takes the steps TensorFlow.js's takes`, () => {
      const a = ours(mine, 8);
      const b = theirs(tfjsMake, 8);
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(b[i]))));
      expect(a).not.toEqual(W0); // it moved
    });
  }

  // Adadelta, and Adam with a large epsilon, are compared with their tf.optimizers twins: the
  // update rules are Keras's (Adam adds epsilon to sqrt(v) before the bias correction, TensorFlow.js
  // after it: the same for the default 1e-7, 1.6e-4 apart here with 1e-4); TensorFlow.js 4's
  // adadelta on this program flips the weights' signs each step rather than taking Adadelta's steps.
  it('adadelta and adam with an epsilon are their tf.optimizers twins, argument for argument', () => {
    expect(ours(() => tf.train.adadelta(1, 0.9, 1e-6), 8)).toEqual(ours(() => tf.optimizers.adadelta({ learningRate: 1, rho: 0.9, epsilon: 1e-6 }), 8));
    expect(ours(() => tf.train.adadelta(), 8)).toEqual(ours(() => tf.optimizers.adadelta({ learningRate: 0.001, rho: 0.95, epsilon: 1e-7 }), 8));
    expect(ours(() => tf.train.adam(0.05, 0.8, 0.99, 1e-4), 8))
      .toEqual(ours(() => tf.optimizers.adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 }), 8));
    expect(ours(() => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-3, true), 8))
      .toEqual(ours(() => tf.optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-3, centered: true }), 8));
  });

  it('bad arguments are errors naming the function and the value', () => {
    expect(() => tf.train.sgd(undefined as never)).toThrow(/train\.sgd: learningRate/);
    expect(() => tf.train.sgd('0.1' as never)).toThrow(TypeError);
    expect(() => tf.train.momentum(0.1, undefined as never)).toThrow(/train\.momentum: momentum/);
    expect(() => tf.train.momentum(0.1, 0.9, 'yes' as never)).toThrow(/train\.momentum: useNesterov/);
    expect(() => tf.train.adamax(0.1, 0.9, 0.999, null, 0.01)).toThrow(/train\.adamax: decay 0\.01 is not supported/);
    expect(() => tf.train.rmsprop(0.1, NaN)).toThrow(/train\.rmsprop: decay/);
    expect(() => tf.train.adam(-1)).toThrow(RangeError);
  });
});

describe('tf.cast', () => {
  it('converts as TensorFlow.js does: truncation toward zero to int32, the same tensor for its own dtype', () => {
    const x = tf.tensor1d([-2.7, -0.5, 0, 1.9, 3]);
    const y = tf.cast(x, 'int32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual(Array.from(tfjs.cast(tfjs.tensor1d([-2.7, -0.5, 0, 1.9, 3]), 'int32').dataSync()));
    expect(tf.cast(x, 'float32')).toBe(x);
    expect(Array.from(tf.cast(y, 'float32').dataSync())).toEqual([-2, 0, 0, 1, 3]);
    expect(() => tf.cast(x, 'complex64' as never)).toThrow(/cast: unknown dtype 'complex64'/);
    expect(() => tf.cast([1, 2] as never, 'int32')).toThrow(/cast: x/);
  });

  it('a float32 cast of a float32 tensor passes the gradient through', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.cast(x, 'float32'), x)))(tf.tensor1d([1, -2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
  });
});
