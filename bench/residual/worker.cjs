// One training run of the residual MLP (issue 16's benchmark) in its own
// process, on the compiled package (dist/) as users run it:
//   node bench/residual/worker.cjs --epochs=N [--samples=N]
// 784 -> dense 256 relu -> three blocks (dense 256 relu, plus the block's
// input) -> dense 10 softmax; Adam (Keras defaults), batch 128, Fashion-MNIST.
// Prints one JSON line: { system, samples, epochs, epochTimes, testAccuracy, peakRssMB, info }.
// TENSORFORGE_PACKAGE=/path/to/cjs/index.js runs another compiled copy (e.g. a private build).
'use strict';
const tf = require(process.env.TENSORFORGE_PACKAGE || '../../dist/cjs/index.js');

function parseArgs(argv) {
  const o = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) o[m[1]] = m[2] ?? true;
  }
  return o;
}

/** The residual MLP with the functional API. */
function residualMlp() {
  const x = tf.input({ shape: [784] });
  let h = tf.layers.dense({ units: 256, activation: 'relu' }).apply(x);
  for (let b = 0; b < 3; b++) {
    const f = tf.layers.dense({ units: 256, activation: 'relu' }).apply(h);
    h = tf.layers.add().apply([f, h]);
  }
  return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h), name: 'residual_mlp' });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const epochs = Number(o.epochs ?? 1);
  const data = await tf.datasets.fashionMnist();
  const samples = Math.min(Number(o.samples ?? data.train.x.shape[0]), data.train.x.shape[0]);
  const xTrain = data.train.x.dataSync().subarray(0, samples * 784);
  const yTrain = data.train.y.dataSync().subarray(0, samples);
  tf.setSeed(1);
  const m = residualMlp();
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const epochTimes = [];
  let t0 = 0;
  await m.fit(tf.tensor(xTrain, [samples, 784]), tf.tensor(yTrain, [samples], 'int32'), {
    epochs, batchSize: 128, verbose: 0,
    callbacks: { onEpochBegin: () => { t0 = performance.now(); }, onEpochEnd: () => { epochTimes.push((performance.now() - t0) / 1000); } },
  });
  const testAccuracy = (await m.evaluate(data.test.x, data.test.y, { batchSize: 1000 })).accuracy;
  const b = tf.backendInfo();
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({
    system: 'tensorforge', samples, epochs, epochTimes, testAccuracy, peakRssMB,
    info: { blas: `${b.blas} ${b.blasVersion} (${b.blasConfig})`, threads: b.threads, params: m.countParams() },
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
