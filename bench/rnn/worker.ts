// tensorforge's side of bench/rnn: one epoch of the row-wise LSTM(128) +
// Dense(10) on Fashion-MNIST at a given batch size, then the test accuracy.
// Prints one JSON line: {"seconds", "cpuSeconds", "images", "accuracy"}.
//   node --import tsx bench/rnn/worker.ts BATCH [IMAGES] [THREADS]
import * as tf from '../../src/index';

async function main(): Promise<void> {
  const batchSize = Number(process.argv[2]);
  const { train, test } = await tf.datasets.fashionMnist();
  const limit = Math.min(Number(process.argv[3] ?? train.x.shape[0]), train.x.shape[0]);
  const x = train.x.reshape([train.x.shape[0], 28, 28]);
  const xs = limit < train.x.shape[0] ? tf.tensor((x.values as Float32Array).subarray(0, limit * 784), [limit, 28, 28]) : x;
  const ys = limit < train.x.shape[0] ? tf.tensor((train.y.values as Int32Array).subarray(0, limit), [limit], 'int32') : train.y;
  if (process.argv[4]) tf.setNumThreads(Number(process.argv[4]));
  tf.setSeed(0);
  const model = tf.sequential([tf.layers.lstm({ units: 128, inputShape: [28, 28] }), tf.layers.dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await model.fit(xs, ys, { epochs: 1, batchSize, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const { accuracy } = await model.evaluate(test.x.reshape([test.x.shape[0], 28, 28]), test.y);
  console.log(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, images: limit, accuracy }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
