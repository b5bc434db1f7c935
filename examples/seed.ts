// The reference program: a 784-64-10 MLP on Fashion-MNIST, written as it is
// in Keras. Prints the progress bar, the test accuracy and the time per epoch.
//
//   npm run demo              (builds, then runs this file with tsx)
//
// Uses the full dataset when Debian's dataset-fashion-mnist package is
// installed (/usr/share/datasets/fashion-mnist), else the 10,000/2,000-image
// subset bundled with tensorforge (`npm run demo -- --subset` forces it).
//
// The package imports itself by name through package.json's "exports" (Node's
// self-reference), so this is the code a user writes. The repository's
// package.json has no "type": "module", so tsx runs this file as CommonJS,
// where top-level await is not allowed: the program sits in an async main().
import * as tf from 'tensorforge';

async function main(): Promise<void> {
  const { train, test, dir } = await tf.datasets.fashionMnist(process.argv.includes('--subset') ? { subset: true } : {});
  const full = dir === tf.datasets.debianFashionMnistDir;
  console.log(`Fashion-MNIST: ${full ? 'full dataset' : 'bundled subset'} (${train.x.shape[0]} train / ${test.x.shape[0]} test images, from ${dir})`);

  const model = tf.sequential([
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

  // Wall-clock time of each epoch, as the progress bar measures it.
  const seconds: number[] = [];
  let start = 0;
  const timer = {
    onEpochBegin: () => { start = performance.now(); },
    onEpochEnd: () => { seconds.push((performance.now() - start) / 1000); },
  };
  await model.fit(train.x, train.y, { epochs: 5, callbacks: [timer] });

  const { accuracy } = await model.evaluate(test.x, test.y);
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  console.log(`Test accuracy: ${accuracy.toFixed(4)}`);
  console.log(`Time per epoch: ${mean.toFixed(2)} s (${seconds.map((s) => s.toFixed(2)).join(', ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
