// tensorforge's side of bench/rnn: one epoch of the row-wise LSTM(128) +
// Dense(10) on Fashion-MNIST at each given batch size, then the test accuracy.
// Prints one JSON line per batch size: {"batch", "seconds", "cpuSeconds", "images", "accuracy", "testImages"}.
//   node --import tsx bench/rnn/worker.ts BATCH[,BATCH...] [IMAGES] [THREADS] [--subset]
// THREADS 0 or absent: the default thread budget. --subset: the bundled 10,000/2,000-image subset.
import * as tf from '../../src/index';
import { rowLstm } from '../lib/models';

async function main(): Promise<void> {
  const subset = process.argv.includes('--subset');
  const [batches, images, threads] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const { train, test } = await tf.datasets.fashionMnist(subset ? { subset: true } : {});
  const limit = Math.min(Number(images ?? train.x.shape[0]), train.x.shape[0]);
  const x = train.x.reshape([train.x.shape[0], 28, 28]);
  const xs = limit < train.x.shape[0] ? tf.tensor((x.values as Float32Array).subarray(0, limit * 784), [limit, 28, 28]) : x;
  const ys = limit < train.x.shape[0] ? tf.tensor((train.y.values as Int32Array).subarray(0, limit), [limit], 'int32') : train.y;
  if (Number(threads) > 0) tf.setNumThreads(Number(threads));
  for (const batchSize of batches.split(',').map(Number)) {
    tf.setSeed(0);
    const model = rowLstm(tf);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs: 1, batchSize, verbose: 0 });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const { accuracy } = await model.evaluate(test.x.reshape([test.x.shape[0], 28, 28]), test.y, { batchSize: 500 });
    console.log(JSON.stringify({
      batch: batchSize, seconds, cpuSeconds: (used.user + used.system) / 1e6, images: limit, accuracy, testImages: test.y.shape[0],
      info: { threads: tf.getNumThreads() },
    }));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
