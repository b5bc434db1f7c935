// The tuner searches connection patterns (issue 16, point 4): a build
// function that uses the functional API chooses plain or residual blocks
// with hp.choice; both kinds train, the trial's parameter count follows the
// choice, and the best model comes back as a functional model with its best
// epoch's weights.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import type { HyperParameters } from '../../src/tuner';

const N = 400;
const xs = new Float32Array(N * 4);
const ys = new Int32Array(N);
const rng = new Random(11);
for (let i = 0; i < N; i++) {
  ys[i] = i % 3;
  for (let j = 0; j < 4; j++) xs[4 * i + j] = (j === ys[i] ? 1.5 : 0) + rng.normal();
}

/** One block: a Dense of `width`, plus its input when residual. */
function build(hp: HyperParameters): tf.LayersModel {
  const width = hp.choice('width', [8, 16]);
  const blocks = hp.int('blocks', 1, 2);
  const residual = hp.choice('block', ['plain', 'residual']) === 'residual';
  const x = tf.input({ shape: [4] });
  let h = tf.layers.dense({ units: width, activation: 'relu' }).apply(x);
  for (let b = 0; b < blocks; b++) {
    const f = tf.layers.dense({ units: width, activation: 'relu' }).apply(h);
    h = residual ? tf.layers.add().apply([f, h]) : f;
  }
  const m = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) });
  m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

describe('searching plain and residual blocks', () => {
  it('grid search over the choice trains both kinds and returns the best functional model', async () => {
    const tuner = tf.tuner.gridSearch({ build, objective: 'val_accuracy', maxEpochs: 3, keepModels: 1, seed: 1, verbose: 0, pruner: null });
    const r = await tuner.search(tf.tensor2d(xs, [N, 4]), tf.tensor1d(ys, 'int32'), { validationSplit: 0.25, batchSize: 32 });
    expect(r.trials).toBe(8);
    const kinds = new Set(tuner.trials.map((t) => t.values.block));
    expect(kinds).toEqual(new Set(['plain', 'residual']));
    for (const t of tuner.trials) {
      expect(t.status).toBe('completed');
      const w = t.values.width as number;
      // Parameters do not depend on the connections: a skip adds none.
      expect(t.params).toBe(5 * w + (t.values.blocks as number) * (w + 1) * w + (w + 1) * 3);
    }
    const [best] = tuner.getBestTrials(1);
    const [model] = tuner.getBestModels(1);
    expect(model).toBeInstanceOf(tf.Functional);
    expect(model.layers.some((l) => l.className === 'Add')).toBe(best.values.block === 'residual');
    const xVal = tf.tensor2d(xs.slice(300 * 4), [100, 4]);
    const yVal = tf.tensor1d(ys.slice(300), 'int32');
    expect((await model.evaluate(xVal, yVal)).accuracy).toBeCloseTo(best.score!, 6);
    expect(best.score!).toBeGreaterThan(0.5);
  });
});
