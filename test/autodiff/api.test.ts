// tf.grad / grads / valueAndGrad(s) / variableGrads / customGrad and
// tf.variable: values, TensorFlow.js's semantics (compared with its own
// tf.grad on shared programs), bad input, and memory (no tensor left behind).
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Tensor, trackTensors } from '../../src/tensor';
import { expectClose } from '../ops/ref';

/** Runs `body`, returning what it returned and the tensors it created that are still undisposed. */
function live<T>(body: () => T): { result: T; undisposed: Tensor[] } {
  const created: Tensor[] = [];
  const outer = trackTensors(created);
  let result: T;
  try {
    result = body();
  } finally {
    trackTensors(outer);
  }
  return { result, undisposed: created.filter((t) => !t.isDisposed) };
}

describe('grad, grads, valueAndGrad, valueAndGrads', () => {
  it('grad of sum(x^3 + 2x) at several points', () => {
    const g = tf.grad((x) => tf.sum(tf.add(tf.pow(x, tf.scalar(3)), tf.mul(tf.scalar(2), x))));
    expectClose(g(tf.tensor1d([1, -2, 0.5])).dataSync(), [5, 14, 2.75], 1e-6, 1e-6);
  });

  it('grad with dy for a non-scalar result', () => {
    const g = tf.grad((x) => tf.square(x));
    expectClose(g(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0.5, -1])).dataSync(), [2, 2, -6], 1e-6, 1e-6);
  });

  it('grads and valueAndGrads of a * b with broadcasting', () => {
    const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = tf.tensor1d([10, 20, 30]);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(x, y));
    const [da, db] = tf.grads(f)([a, b]);
    expect(da.arraySync()).toEqual([[10, 20, 30], [10, 20, 30]]);
    expect(db.arraySync()).toEqual([5, 7, 9]);
    const { value, grads } = tf.valueAndGrads(f)([a, b]);
    expect(value.arraySync()).toBe(10 + 40 + 90 + 40 + 100 + 180);
    expect(grads[1].arraySync()).toEqual([5, 7, 9]);
  });

  it('valueAndGrad returns the value', () => {
    const { value, grad } = tf.valueAndGrad((x) => tf.sum(tf.exp(x)))(tf.tensor1d([0, 1]));
    expectClose(value.dataSync(), [1 + Math.E], 1e-6, 1e-6);
    expectClose(grad.dataSync(), [1, Math.E], 1e-6, 1e-6);
  });

  it('an input used twice accumulates both paths; each gradient is its own tensor', () => {
    const x = tf.tensor1d([3]);
    const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.add(tf.mul(a, a), b)))([x, x]);
    // Both xs are the same tensor: each gets the full gradient 2x + 1.
    expect(g1.dataSync()[0]).toBe(7);
    expect(g2.dataSync()[0]).toBe(7);
    expect(g1).not.toBe(g2);
  });

  it('a tidy() inside f does not free what the backward pass needs', () => {
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((t) => tf.tidy(() => tf.sum(tf.square(tf.mul(t, tf.scalar(3))))))(x);
    expect(Array.from(g.dataSync())).toEqual([18, 36]);
    expect(x.backing.kept).toBe(false);
  });

  it('split (recorded as its slices), clone and reshape pass gradients through', () => {
    const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const g = tf.grad((t) => {
      const [a, b] = tf.split(t.clone(), [1, 3], 1);
      return tf.add(tf.sum(tf.mul(a, tf.scalar(10))), tf.sum(tf.square(b.reshape([6]))));
    })(x);
    expect(g.arraySync()).toEqual([[10, 4, 6, 8], [10, 12, 14, 16]]);
  });

  it('f = identity gives ones', () => {
    expect(tf.grad((x) => x)(tf.scalar(4)).arraySync()).toBe(1);
  });
});

describe('results equal TensorFlow.js tf.grad on shared programs', () => {
  type Prog<T> = (ops: Record<string, (...a: never[]) => T>, x: T, w: T) => T;
  const programs: { name: string; prog: Prog<unknown> }[] = [
    { name: 'sum(relu(x W))', prog: (o, x, w) => o.sum(o.relu(o.matMul(x, w))) },
    { name: 'mean(sigmoid(x W) * x W)', prog: (o, x, w) => { const z = o.matMul(x, w); return o.mean(o.mul(o.sigmoid(z), z)); } },
    { name: 'sum(logSoftmax(x W)) + max(x)', prog: (o, x, w) => o.add(o.sum(o.logSoftmax(o.matMul(x, w))), o.max(x)) },
    { name: 'sum(tanh(x Wᵀ...)) through transpose and squaredDifference', prog: (o, x, w) => o.sum(o.squaredDifference(o.tanh(o.matMul(x, w)), o.transpose(o.matMul(o.transpose(w), o.transpose(x))))) },
  ];
  const x0 = [[0.3, -1.2, 0.8], [1.5, 0.1, -0.4], [-0.7, 0.9, 2.0], [0.2, -0.3, 0.6]];
  const w0 = [[0.5, -0.1, 0.3], [0.2, 0.7, -0.6], [-0.4, 0.1, 0.9]];
  for (const { name, prog } of programs) {
    it(name, () => {
      const ours = tf.grads((x: tf.Tensor, w: tf.Tensor) => prog(tf as never, x, w) as tf.Tensor)([tf.tensor2d(x0), tf.tensor2d(w0)]);
      const theirs = tfjs.grads((x: tfjs.Tensor, w: tfjs.Tensor) => prog(tfjs as never, x, w) as tfjs.Tensor)([tfjs.tensor2d(x0), tfjs.tensor2d(w0)]);
      for (let k = 0; k < 2; k++) expectClose(ours[k].dataSync(), theirs[k].dataSync(), 1e-5, 1e-6, `${name} input ${k}`);
    });
  }
});

describe('variables and variableGrads', () => {
  it('variableGrads over every trainable variable by default, named', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'vg-w');
    const b = tf.variable(tf.scalar(0.5), true, 'vg-b');
    const frozen = tf.variable(tf.scalar(3), false, 'vg-frozen');
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.add(tf.mul(w, w), b), frozen)));
    expect(value.arraySync()).toBe(3 * (1 + 0.5 + 4 + 0.5));
    expect(grads['vg-w'].arraySync()).toEqual([6, 12]);
    expect(grads['vg-b'].arraySync()).toBe(6);
    expect('vg-frozen' in grads).toBe(false);
    [w, b, frozen].forEach((v) => v.dispose());
  });

  it('a listed variable the result does not reach is left out, as in TensorFlow.js', () => {
    const a = tf.variable(tf.scalar(2), true, 'reach-a');
    const c = tf.variable(tf.scalar(5), true, 'reach-c');
    const { grads } = tf.variableGrads(() => tf.square(a), [a, c]);
    expect(Object.keys(grads)).toEqual(['reach-a']);
    expect(() => tf.variableGrads(() => tf.square(a), [c])).toThrow(/variableGrads: the result of f depends on none of the 1 variables \('reach-c'\)/);
    a.dispose();
    c.dispose();
  });

  it('assign replaces the values; tensors computed before keep theirs; tidy never disposes a variable', () => {
    const v = tf.tidy(() => tf.variable(tf.tensor2d([[1, 2], [3, 4]]), true, 'assign-v'));
    expect(v.isDisposed).toBe(false);
    const r = v.reshape([4]);
    v.assign(tf.tensor2d([[5, 6], [7, 8]]));
    expect(Array.from(r.dataSync())).toEqual([1, 2, 3, 4]);
    expect(v.arraySync()).toEqual([[5, 6], [7, 8]]);
    expect(() => v.assign(tf.tensor1d([1, 2, 3, 4]))).toThrow(RangeError);
    expect(() => v.assign(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'))).toThrow(/Variable.assign: newValue has dtype int32/);
    expect(() => tf.variable(tf.scalar(1), true, 'assign-v')).toThrow(/variable: a variable named 'assign-v' already exists/);
    v.dispose();
    tf.variable(tf.scalar(1), true, 'assign-v').dispose();
  });

  it('default names are numbers, as in TensorFlow.js', () => {
    const v = tf.variable(tf.scalar(1));
    expect(v.name).toMatch(/^\d+$/);
    expect(v.trainable).toBe(true);
    v.dispose();
  });
});

describe('customGrad', () => {
  it('uses the given gradient (TensorFlow.js documentation example)', () => {
    const customOp = tf.customGrad((...args: unknown[]) => {
      const x = args[0] as tf.Tensor;
      const save = args[1] as (t: tf.Tensor[]) => void;
      save([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => [tf.mul(dy, tf.abs(s))] };
    });
    const x = tf.tensor1d([-1, -2, 3]);
    expect(customOp(x).arraySync()).toEqual([1, 4, 9]);
    expect(tf.grad((t) => tf.sum(customOp(t)))(x).arraySync()).toEqual([1, 2, 3]);
  });
});

describe('more semantics', () => {
  it('customGrad with two inputs returning one gradient each; valueAndGrads with dy', () => {
    const f = tf.customGrad((...args: unknown[]) => {
      const [a, b] = args as tf.Tensor[];
      // value a * b, with a made-up gradient (2, 3) per element
      return { value: tf.mul(a, b), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.scalar(2)), tf.mul(dy, tf.scalar(3))] };
    });
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a, b)))([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]);
    expect(Array.from(ga.dataSync())).toEqual([2, 2]);
    expect(Array.from(gb.dataSync())).toEqual([3, 3]);
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => tf.square(a))([tf.tensor1d([1, 3])], tf.tensor1d([1, -1]));
    expect(Array.from(value.dataSync())).toEqual([1, 9]);
    expect(Array.from(grads[0].dataSync())).toEqual([2, -6]);
  });

  it('an int32 variable gets no gradient; applyGradients refuses one', () => {
    const f = tf.variable(tf.tensor1d([1, 2]), true, 'sem-float');
    const i = tf.variable(tf.tensor1d([1, 2], 'int32'), true, 'sem-int');
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f, i.cast('float32'))), [f, i]);
    expect(Object.keys(grads)).toEqual(['sem-float']);
    expect(() => tf.optimizers.sgd().applyGradients({ 'sem-int': tf.tensor1d([1, 1]) })).toThrow(/must be float32/);
    f.dispose();
    i.dispose();
  });

  it('minimize on a non-scalar names the problem', () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, 'sem-vec');
    expect(() => tf.optimizers.adam().minimize(() => tf.square(v))).toThrow(/variableGrads: f must return a scalar \(rank-0\) Tensor, got shape \[2\]/);
    v.dispose();
  });
});

describe('bad input', () => {
  const x = tf.tensor1d([1, 2]);
  it('names the function and the value', () => {
    expect(() => tf.grad(3 as never)).toThrow(/^grad: f must be a function, got 3/);
    expect(() => tf.grad(async (t: tf.Tensor) => t)).toThrow(/grad: f is an async function/);
    expect(() => tf.grad((t) => tf.square(t))(x)).toThrow(TypeError);
    expect(() => tf.grad((t) => tf.square(t))(x)).toThrow(/grad: f must return a scalar \(rank-0\) Tensor, got shape \[2\]/);
    expect(() => tf.grad(() => 3 as never)(x)).toThrow(/grad: f must return a Tensor, got 3/);
    expect(() => tf.grad((t) => tf.square(t))(x, tf.scalar(1))).toThrow(/grad: dy has shape \[\] but f returned shape \[2\]/);
    expect(() => tf.grad(() => tf.scalar(1))(x)).toThrow(/grad: cannot compute the gradient with respect to x: the result of f does not depend on it/);
    expect(() => tf.grads((a: tf.Tensor) => tf.sum(a))([x, tf.scalar(1)])).toThrow(/grads: cannot compute the gradient with respect to xs\[1\]/);
    expect(() => tf.grads((a: tf.Tensor) => tf.sum(a))([] as never)).toThrow(RangeError);
    const v = tf.variable(tf.scalar(1), true, 'bad-v');
    expect(() => tf.variableGrads(() => tf.square(v), [v, x as never])).toThrow(/variableGrads: varList\[1\] must be a tf.Variable/);
    expect(() => tf.variableGrads(() => tf.square(v), 'v' as never)).toThrow(/variableGrads: varList must be an array/);
    const frozen = tf.variable(tf.scalar(1), false, 'bad-frozen');
    expect(() => tf.optimizers.sgd().minimize(() => tf.square(frozen), false, [frozen])).toThrow(/none of the 1 variables in varList is trainable/);
    expect(() => tf.optimizers.sgd().minimize(3 as never)).toThrow(/optimizer.minimize: f must be a function/);
    expect(() => tf.optimizers.sgd().applyGradients({ nope: x })).toThrow(/optimizer.applyGradients: grads names 'nope', which is not a live tf.Variable/);
    expect(() => tf.optimizers.sgd().applyGradients({ 'bad-v': x })).toThrow(/the gradient of 'bad-v' has shape \[2\], the variable \[\]/);
    // An array with its own map and iterator, and an array Proxy (campaign seed 77777: a raw '.for is not iterable').
    const odd = Object.assign([{ name: 'nope', tensor: x }], { map: () => 3, [Symbol.iterator]: undefined });
    expect(() => tf.optimizers.sgd().applyGradients(odd as never)).toThrow(/optimizer.applyGradients: grads names 'nope', which is not a live tf.Variable/);
    const hostile = new Proxy([], { get: (t, k) => (k === Symbol.iterator ? undefined : k === 'length' ? 2 ** 31 : 7) });
    expect(() => tf.optimizers.sgd().applyGradients(hostile as never)).toThrow(/^optimizer\.applyGradients: grads must be an object/);
    // The inner gradient of sum(u) is ones: constant, so the outer result does not depend on x (TensorFlow.js refuses it too).
    expect(() => tf.grad((t) => tf.sum(tf.grad((u) => tf.sum(u))(t)))(x)).toThrow(/^grad: cannot compute the gradient with respect to x: the result of f does not depend on it/);
    v.dispose();
    frozen.dispose();
  });
});

describe('memory', () => {
  it('a step leaves only its results; after disposing them nothing it made is alive', () => {
    const w = tf.variable(tf.randomNormal([6, 3]), true, 'mem-w');
    const b = tf.variable(tf.zeros([3]), true, 'mem-b');
    const xb = tf.randomNormal([8, 6]);
    const opt = tf.optimizers.adam({ learningRate: 0.01 });
    const loss = () => tf.mean(tf.square(tf.sub(tf.softmax(tf.add(tf.matMul(xb, w), b)), tf.scalar(0.1))));
    for (let i = 0; i < 3; i++) {
      const { result, undisposed } = live(() => {
        const { value, grads } = tf.variableGrads(loss);
        opt.applyGradients(grads);
        tf.dispose(grads);
        return value;
      });
      expect(undisposed).toEqual([result]);
    }
    const { undisposed } = live(() => tf.tidy(() => { opt.minimize(loss); }));
    expect(undisposed).toEqual([]);
    const { result, undisposed: left } = live(() => opt.minimize(loss, true));
    expect(left).toEqual([result]);
    expect(w.backing.kept).toBe(true);
    expect(xb.backing.kept).toBe(false);
    w.dispose();
    b.dispose();
  });
});
