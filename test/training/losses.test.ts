// Every loss: its value against a float64 transcription of Keras 3's formula
// (clip probabilities to [1e-7, 1 - 1e-7], mean over the last axis, mean over
// the batch), and its gradient through the network against central
// differences of the model's own loss.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import {
  ActName, LayerDesc, LossName, Matrix, Rng, batchLoss, buildModel, expectClose, expectGradientsMatch,
  finiteDifferences, forwardRef, toMatrix,
} from './reference';

const IN = 3;
const HIDDEN = 4;
const OUT = 3;
const BATCH = 5;

// Central differences as in gradients.test.ts: step 5e-3. Measured worst error
// over the cases below: 3.5e-5 absolute, 3.6e-4 relative, so 3e-4 / 5e-3 keep a
// margin of ~10x while a wrong loss derivative is off by far more (the clipped
// cross-entropy bug this file caught was off by 0.45 on a gradient of 0.017).
const FD_EPS = 5e-3;
const RTOL = 5e-3;
const ATOL = 3e-4;
// The loss value is computed in float32 (forward pass) and accumulated in
// float64: ~1e-6 relative to the float64 reference.
const VALUE_RTOL = 1e-5;
const VALUE_ATOL = 1e-6;

type Targets = 'labels' | 'onehot' | 'soft' | 'binary' | 'softBinary' | 'real';

interface LossCase {
  name: string;
  loss: LossName;
  fromLogits?: boolean;
  delta?: number;
  layers: LayerDesc[];
  targets: Targets;
  /** Rejects data that would put the check near a kink of the loss; also may pick labels. */
  accept?: (out: Matrix, z: Matrix, y: (number[] | number)[]) => boolean;
}

const body = (out: ActName): LayerDesc[] => [{ dense: HIDDEN, act: 'tanh' }, { dense: OUT, act: out }];

const awayFrom = (out: Matrix, y: (number[] | number)[], points: number[]) =>
  out.every((row, r) => row.every((p, c) => points.every((k) => Math.abs(Math.abs(p - (y[r] as number[])[c]) - k) > 0.02)));

const CASES: LossCase[] = [
  { name: 'sparseCategoricalCrossentropy with a softmax output (fused)', loss: 'sparseCategoricalCrossentropy', layers: body('softmax'), targets: 'labels' },
  {
    name: 'sparseCategoricalCrossentropy with a softmax Activation layer (fused)', loss: 'sparseCategoricalCrossentropy',
    layers: [{ dense: HIDDEN, act: 'tanh' }, { dense: OUT }, { activation: 'softmax' }], targets: 'labels',
  },
  { name: 'sparseCategoricalCrossentropy fromLogits', loss: 'sparseCategoricalCrossentropy', fromLogits: true, layers: body('linear'), targets: 'labels' },
  { name: 'sparseCategoricalCrossentropy on unnormalized probabilities (sigmoid output)', loss: 'sparseCategoricalCrossentropy', layers: body('sigmoid'), targets: 'labels' },
  { name: 'categoricalCrossentropy with a softmax output (fused), one-hot', loss: 'categoricalCrossentropy', layers: body('softmax'), targets: 'onehot' },
  { name: 'categoricalCrossentropy with a softmax output (fused), soft targets', loss: 'categoricalCrossentropy', layers: body('softmax'), targets: 'soft' },
  { name: 'categoricalCrossentropy fromLogits, soft targets', loss: 'categoricalCrossentropy', fromLogits: true, layers: body('linear'), targets: 'soft' },
  { name: 'categoricalCrossentropy on unnormalized probabilities (sigmoid output)', loss: 'categoricalCrossentropy', layers: body('sigmoid'), targets: 'soft' },
  {
    // relu outputs of exactly 0 are clipped to 1e-7: where the labelled class
    // is clipped, that sample's loss is the constant -log(1e-7) and passes no
    // gradient to the row's other outputs (through the normalizing sum) either.
    name: 'categoricalCrossentropy on probabilities with clipped entries (relu output)', loss: 'categoricalCrossentropy',
    layers: body('relu'), targets: 'onehot',
    accept: (out, z, y) => {
      if (z.some((row) => row.some((v) => Math.abs(v) < 0.05))) return false;
      if (out.some((row) => row.every((p) => p === 0))) return false;
      let clipped = 0;
      out.forEach((row, r) => {
        const zero = row.findIndex((p) => p === 0);
        const label = zero >= 0 && r % 2 === 0 ? zero : row.indexOf(Math.max(...row));
        if (zero >= 0 && r % 2 === 0) clipped++;
        y[r] = row.map((_, c) => (c === label ? 1 : 0));
      });
      return clipped >= 2;
    },
  },
  { name: 'binaryCrossentropy with a sigmoid output (fused)', loss: 'binaryCrossentropy', layers: body('sigmoid'), targets: 'binary' },
  {
    name: 'binaryCrossentropy with a sigmoid Activation layer (fused), soft targets', loss: 'binaryCrossentropy',
    layers: [{ dense: HIDDEN, act: 'tanh' }, { dense: OUT }, { activation: 'sigmoid' }], targets: 'softBinary',
  },
  { name: 'binaryCrossentropy fromLogits', loss: 'binaryCrossentropy', fromLogits: true, layers: body('linear'), targets: 'softBinary' },
  { name: 'binaryCrossentropy on non-sigmoid probabilities (softmax output)', loss: 'binaryCrossentropy', layers: body('softmax'), targets: 'binary' },
  { name: 'meanSquaredError', loss: 'meanSquaredError', layers: body('linear'), targets: 'real' },
  // MAE's derivative jumps at error 0, Huber's second derivative at |error| = delta.
  { name: 'meanAbsoluteError', loss: 'meanAbsoluteError', layers: body('linear'), targets: 'real', accept: (out, _z, y) => awayFrom(out, y, [0]) },
  {
    name: 'huber (default delta 1)', loss: 'huber', layers: body('linear'), targets: 'real',
    accept: (out, _z, y) => awayFrom(out, y, [1]) && out.some((row, r) => row.some((p, c) => Math.abs(p - (y[r] as number[])[c]) > 1)),
  },
  {
    name: 'huber with delta 0.3', loss: 'huber', delta: 0.3, layers: body('linear'), targets: 'real',
    accept: (out, _z, y) => {
      const e = out.flatMap((row, r) => row.map((p, c) => Math.abs(p - (y[r] as number[])[c])));
      return awayFrom(out, y, [0.3]) && e.some((v) => v < 0.3) && e.some((v) => v > 0.3);
    },
  },
];

function makeTargets(kind: Targets, rng: Rng): (number[] | number)[] {
  return Array.from({ length: BATCH }, () => {
    switch (kind) {
      case 'labels': return rng.int(OUT);
      case 'onehot': {
        const k = rng.int(OUT);
        return Array.from({ length: OUT }, (_, c) => (c === k ? 1 : 0));
      }
      case 'soft': {
        const v = Array.from({ length: OUT }, () => rng.range(0.1, 1));
        const s = v.reduce((a, b) => a + b, 0);
        return v.map((x) => Math.fround(x / s));
      }
      case 'binary': return Array.from({ length: OUT }, () => rng.int(2));
      case 'softBinary': return Array.from({ length: OUT }, () => rng.range(0, 1));
      case 'real': return Array.from({ length: OUT }, () => rng.range(-1.5, 1.5));
    }
  });
}

function lossObject(c: LossCase): tf.Loss {
  switch (c.loss) {
    case 'sparseCategoricalCrossentropy': return tf.losses.sparseCategoricalCrossentropy({ fromLogits: c.fromLogits });
    case 'categoricalCrossentropy': return tf.losses.categoricalCrossentropy({ fromLogits: c.fromLogits });
    case 'binaryCrossentropy': return tf.losses.binaryCrossentropy({ fromLogits: c.fromLogits });
    case 'meanSquaredError': return tf.losses.meanSquaredError();
    case 'meanAbsoluteError': return tf.losses.meanAbsoluteError();
    case 'huber': return tf.losses.huber({ delta: c.delta });
  }
}

function setUp(c: LossCase, seed: number) {
  for (let attempt = 0; attempt < 500; attempt++) {
    const rng = new Rng(seed * 104729 + attempt);
    const built = buildModel(IN, c.layers, rng, 1.5);
    const xs = rng.array(BATCH * IN, -2, 2);
    const y = makeTargets(c.targets, rng);
    const { outputs, pre } = forwardRef(built.ref, toMatrix(xs, BATCH, IN));
    const out = outputs[outputs.length - 1];
    const lastDense = pre.filter((p) => p !== null).pop()!;
    if (c.accept && !c.accept(out, lastDense, y)) continue;
    built.model.compile({ optimizer: 'sgd', loss: lossObject(c) });
    const yt = c.targets === 'labels' ? tf.tensor(y as number[], [BATCH]) : tf.tensor((y as number[][]).flat(), [BATCH, OUT]);
    return { ...built, x: tf.tensor(xs, [BATCH, IN]), y: yt, yRef: y, out };
  }
  throw new Error('no acceptable data found');
}

describe('losses', () => {
  CASES.forEach((c, i) => {
    describe(c.name, () => {
      it('value matches Keras', async () => {
        const s = setUp(c, 900 + i);
        const expected = batchLoss(c.loss, s.yRef, s.out, { fromLogits: c.fromLogits, delta: c.delta });
        expectClose([s.model.computeGradients(s.x, s.y).loss], [expected], VALUE_RTOL, VALUE_ATOL, 'training-mode loss');
        // evaluate in batches of 2, 2, 1: the batch losses are weighted by size, so the result is the mean over samples.
        const logs = await s.model.evaluate(s.x, s.y, { batchSize: 2 });
        expectClose([logs.loss], [expected], VALUE_RTOL, VALUE_ATOL, 'evaluate loss');
      });

      it('gradient matches central differences', () => {
        const s = setUp(c, 900 + i);
        expectGradientsMatch(finiteDifferences(s.model, s.x, s.y, FD_EPS), RTOL, ATOL);
      });
    });
  });

  it('a fused softmax cross-entropy stays finite and exact for extreme logits', () => {
    // Logits of ±60: softmax underflows to 0 in float32 for the losing classes, but
    // the loss is computed from the logits with log-sum-exp (fromLogits semantics),
    // as Keras's TF backend does for a softmax output.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [1], useBias: false, activation: 'softmax' })] });
    model.setWeights([tf.tensor([[60, -60]])]);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { loss, grads } = model.computeGradients(tf.tensor([[1]]), tf.tensor([1]));
    // -log softmax(z)[1] = 120 + log(1 + e^-120) = 120.
    expectClose([loss], [120], 1e-6, 0, 'loss');
    // d/dW = x * (p - onehot) = [1, -1].
    expectClose(grads, [1, -1], 1e-6, 0, 'gradient');
  });

  it('probability cross-entropy clips at 1e-7: the loss of a zero probability is -log(1e-7)', () => {
    // relu output [0, 1]: label 0 has probability 0 -> clipped to 1e-7.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [1], useBias: false, activation: 'relu' })] });
    model.setWeights([tf.tensor([[-1, 1]])]);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { loss, grads } = model.computeGradients(tf.tensor([[1]]), tf.tensor([0]));
    expectClose([loss], [-Math.log(1e-7)], 1e-6, 0, 'loss');
    // Constant in the clipped region: no gradient anywhere.
    expect(Array.from(grads)).toEqual([0, 0]);
  });
});
