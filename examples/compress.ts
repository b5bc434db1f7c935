// Structural pruning and int8 quantization on Fashion-MNIST: train a
// 784-256-128-10 MLP, shrink every hidden layer to half its units
// (tf.pruning.shrinkUnits keeps the units with the largest L1 kernel
// columns), fine-tune the smaller model for two epochs, quantize it to int8
// (tf.quantization.quantize, calibrated on 1000 training images), and compare
// parameters, FLOPs per sample, test accuracy and predict time at batch 1000;
// then print tf.compression.report of the int8 model.
//
//   npx tsx examples/compress.ts [--subset] [--keep 0.5] [--epochs 5]
//
// Uses the full dataset when Debian's dataset-fashion-mnist package is
// installed, else the bundled 10,000/2,000-image subset (--subset forces it).
import * as tf from 'tensorforge';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Multiply-adds x 2 of the Dense layers for one sample. */
function flops(model: tf.Sequential): number {
  return model.weightSpecs().filter((w) => w.name.endsWith('/kernel')).reduce((a, w) => a + 2 * w.shape[0] * w.shape[1], 0);
}

/** Median wall time of predict on `x`, in milliseconds. */
function predictMs(model: tf.Sequential | tf.quantization.QuantizedModel, x: tf.Tensor): number {
  const run = () => (model instanceof tf.quantization.QuantizedModel ? model.predict(x) : model.predict(x, { batchSize: 1000 }));
  run();
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[3];
}

async function main(): Promise<void> {
  const keep = arg('keep', 0.5);
  const epochs = arg('epochs', 5);
  const { train, test } = await tf.datasets.fashionMnist(process.argv.includes('--subset') ? { subset: true } : {});
  tf.setSeed(1);
  const model = tf.sequential([
    tf.layers.dense({ units: 256, activation: 'relu' }),
    tf.layers.dense({ units: 128, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs, batchSize: 64, verbose: 0 });

  const small = tf.pruning.shrinkUnits(model, { keep, criterion: 'l1' });
  const before = (await small.evaluate(test.x, test.y)).accuracy;
  await small.fit(train.x, train.y, { epochs: 2, batchSize: 64, verbose: 0 });

  const batch = test.x.shape[0] >= 1000 ? tf.tensor(test.x.dataSync().subarray(0, 1000 * 784), [1000, 784]) : test.x;
  const rows = [
    ['model', 'parameters', 'FLOPs / sample', 'test accuracy', 'predict ms (batch 1000)'],
    ['original', model.countParams(), flops(model), (await model.evaluate(test.x, test.y)).accuracy.toFixed(4), predictMs(model, batch).toFixed(2)],
    [`shrunk (keep ${keep}), no fine-tuning`, small.countParams(), flops(small), before.toFixed(4), ''],
    [`shrunk, 2 epochs fine-tuned`, small.countParams(), flops(small), (await small.evaluate(test.x, test.y)).accuracy.toFixed(4), predictMs(small, batch).toFixed(2)],
  ];
  const q = tf.quantization.quantize(small, { calibration: tf.tensor(train.x.dataSync().subarray(0, 1000 * 784), [1000, 784]) });
  const probs = q.predict(test.x).dataSync();
  const labels = test.y.dataSync();
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[r * 10 + c] > probs[r * 10 + best]) best = c;
    right += best === labels[r] ? 1 : 0;
  }
  rows.push(['shrunk, int8', small.countParams(), flops(small), (right / labels.length).toFixed(4), predictMs(q, batch).toFixed(2)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => String(v).padStart(widths[c])).join('  '));
  console.log();
  tf.compression.report(q);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
