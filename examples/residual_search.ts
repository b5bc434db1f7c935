// Searching how layers connect: a tuner that chooses, trial by trial,
// between plain and residual blocks (and their width, depth and the learning
// rate), on Fashion-MNIST. The build function uses the functional API: with
// `hp.choice('block', ['plain', 'residual'])`, each block's output is either
// its Dense alone or the Dense plus the block's input (a skip connection).
//
//   npx tsx examples/residual_search.ts              (after npm run build)
//   npx tsx examples/residual_search.ts --budget=60  (seconds of search; default 120)
//
// Uses the bundled 10,000/2,000-image subset, so a search finishes in minutes.
import * as tf from 'tensorforge';

function build(hp: tf.tuner.HyperParameters): tf.LayersModel {
  const width = hp.choice('width', [64, 128, 256]);
  const blocks = hp.int('blocks', 1, 3);
  const residual = hp.choice('block', ['plain', 'residual']) === 'residual';

  const input = tf.input({ shape: [784] });
  let h = tf.layers.dense({ units: width, activation: 'relu' }).apply(input);
  for (let b = 0; b < blocks; b++) {
    const f = tf.layers.dense({ units: width, activation: 'relu' }).apply(h);
    h = residual ? tf.layers.add().apply([f, h]) : f;
  }
  const output = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h);
  const model = tf.model({ inputs: input, outputs: output });
  model.compile({
    optimizer: tf.optimizers.adam({ learningRate: hp.float('learning_rate', 1e-4, 1e-2, { sampling: 'log' }) }),
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

async function main(): Promise<void> {
  const budget = Number(/^--budget=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--budget=')) ?? '')?.[1] ?? 120);
  const { train, test } = await tf.datasets.fashionMnist({ subset: true });
  const tuner = tf.tuner.tpe({ build, objective: 'val_accuracy', maxEpochs: 4, timeBudgetSeconds: budget, seed: 1, verbose: 1 });
  await tuner.search(train.x, train.y, { validationSplit: 0.2, batchSize: 64 });
  tuner.resultsSummary(5);

  const [best] = tuner.getBestTrials(1);
  const [model] = tuner.getBestModels(1);
  model.summary();
  const { accuracy } = await model.evaluate(test.x, test.y);
  console.log(`Best trial: ${JSON.stringify(best.values)}; test accuracy ${accuracy.toFixed(4)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
