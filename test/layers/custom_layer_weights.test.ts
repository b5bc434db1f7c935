// A custom layer's weights cross from the model's arena into its variables
// only when they changed (binding/host_hooks.h, src/models/custom_layer_calls.ts):
// repeated predictions load nothing, and every way the weights change
// (setWeights, a training step, a variable written directly) still gives the
// output of the model's current weights, computed here from getWeights().
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { expectClose } from './harness';
import { Rng } from '../training/reference';

type Shape = (number | null)[];

/** tanh(x · K) ⊙ s. */
class LoadCountingTanh extends tf.layers.Layer {
  static override className = 'LoadCountingTanh';
  k!: tf.layers.LayerVariable;
  s!: tf.layers.LayerVariable;
  override build(inputShape: Shape): void {
    this.k = this.addWeight('k', [inputShape[1] as number, 3], undefined, tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 5 }));
    this.s = this.addWeight('s', [3], undefined, tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 6 }));
  }
  override computeOutputShape(s: Shape): Shape {
    return [s[0], 3];
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(tf.tanh(tf.matMul(x as tf.Tensor, this.k.read())), this.s.read());
  }
}

const proto = tf.layers.LayerVariable.prototype as unknown as { load(values: Float32Array): void };
const originalLoad = proto.load;
afterEach(() => {
  proto.load = originalLoad;
});

describe('custom layer weights cross only when they change', () => {
  it('predict loads no weights while they are unchanged; setWeights, fit and a written variable still give the current weights\' output', async () => {
    const rng = new Rng(31);
    const x = tf.tensor(rng.array(6 * 4, -1, 1), [6, 4]);
    const custom = new LoadCountingTanh({});
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [4], activation: 'tanh' }), custom, tf.layers.dense({ units: 2 })] });
    model.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    let loads = 0;
    proto.load = function (this: unknown, values: Float32Array) {
      loads++;
      return originalLoad.call(this, values);
    };
    // The model's output from its weights, with ops.
    const expected = () => tf.tidy(() => {
      const [w1, b1, k, s, w2, b2] = model.getWeights();
      const h = tf.tanh(tf.add(tf.matMul(x, w1), b1));
      return Float32Array.from(tf.add(tf.matMul(tf.mul(tf.tanh(tf.matMul(h, k)), s), w2), b2).dataSync() as Float32Array);
    });
    const predicted = () => Float32Array.from((model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const TOL = { rtol: 1e-5, atol: 1e-6 };

    expectClose(predicted(), expected(), TOL, 'first predict');
    expect(loads).toBe(2);  // k and s, once
    loads = 0;
    const first = predicted();
    predicted();
    expect(loads).toBe(0);
    expectClose(predicted(), first, { rtol: 0, atol: 0 }, 'unchanged weights');

    // setWeights: the new values cross.
    const w = model.getWeights();
    w[2] = tf.tensor(rng.array(4 * 3, -1, 1), [4, 3]);
    model.setWeights(w);
    expectClose(predicted(), expected(), TOL, 'after setWeights');
    expect(loads).toBe(2);

    // Training steps change every weight: the second batch's forward pass loads them.
    loads = 0;
    await model.fit(x, tf.tensor(rng.array(6 * 2, -1, 1), [6, 2]), { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
    expect(loads).toBe(2);
    const afterFit = predicted();
    expectClose(afterFit, expected(), TOL, 'after fit');
    expect(Array.from(afterFit)).not.toEqual(Array.from(first));

    // Writing a variable directly: the next call loads the model's values into it again.
    custom.k.read().assign(tf.zeros([4, 3]));
    loads = 0;
    expectClose(predicted(), afterFit, { rtol: 0, atol: 0 }, 'after writing the variable directly');
    expect(loads).toBe(1);
    predicted();
    expect(loads).toBe(1);
  });
});
