// Fashion-MNIST read row by row: each 28x28 image is a sequence of 28 steps
// of 28 pixels, classified by an LSTM(128) and a softmax layer, as one would
// write it in Keras. Prints the progress bar, the time per epoch and the test
// accuracy.
//
//   npx tsx examples/sequence.ts              full dataset when Debian's dataset-fashion-mnist is installed
//   npx tsx examples/sequence.ts --subset     the 10,000 / 2,000-image subset bundled with tensorforge
//   options: --epochs N (default 10), --batch N (default 32)
//
// The package imports itself by name (package.json "exports"), so this is the
// code a user writes; tsx runs it as CommonJS, hence the async main().
import * as tf from 'tensorforge';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} takes a positive integer, got ${process.argv[at + 1]}`);
  return v;
}

async function main(): Promise<void> {
  const epochs = option('--epochs', 10);
  const batchSize = option('--batch', 32);
  const { train, test, dir } = await tf.datasets.fashionMnist(process.argv.includes('--subset') ? { subset: true } : {});
  console.log(`Fashion-MNIST: ${train.x.shape[0]} train / ${test.x.shape[0]} test images, from ${dir}`);
  // [n, 784] -> [n, 28 rows (time steps), 28 pixels (features)]: the same memory, another shape.
  const rows = (x: tf.Tensor) => x.reshape([x.shape[0], 28, 28]);

  const model = tf.sequential([
    tf.layers.lstm({ units: 128, inputShape: [28, 28] }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

  const seconds: number[] = [];
  let start = 0;
  const timer = {
    onEpochBegin: () => { start = performance.now(); },
    onEpochEnd: () => { seconds.push((performance.now() - start) / 1000); },
  };
  await model.fit(rows(train.x), train.y, { epochs, batchSize, callbacks: [timer] });

  const { accuracy } = await model.evaluate(rows(test.x), test.y);
  console.log(`Test accuracy: ${accuracy.toFixed(4)}`);
  console.log(`Time per epoch at batch ${batchSize}: ${seconds.map((s) => s.toFixed(2)).join(', ')} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
