// One training run of one system in its own process (so peak RSS is its own).
// Plain JavaScript on the compiled package (dist/), as users run it, so the
// TypeScript loader's own memory is not counted in anyone's peak RSS:
//   node bench/train/worker.cjs --system=tensorforge|tfjs-cpu|tfjs-wasm --model=seed|large --epochs=N [--samples=N]
// Prints one JSON line: { system, model, epochTimes, testAccuracy, peakRssMB, info }.
'use strict';
const path = require('node:path');
const tf = require('../../dist/cjs/index.js');

function parseArgs(argv) {
  const o = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) o[m[1]] = m[2] ?? true;
  }
  return o;
}

const MODELS = {
  seed: { units: [64], batchSize: 32 },
  large: { units: [512, 512], batchSize: 256 },
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const system = String(o.system);
  const model = String(o.model);
  const epochs = Number(o.epochs ?? 1);
  const spec = MODELS[model];
  const data = await tf.datasets.fashionMnist();
  const samples = Math.min(Number(o.samples ?? data.train.x.shape[0]), data.train.x.shape[0]);
  const xTrain = data.train.x.dataSync().subarray(0, samples * 784);
  const yTrain = data.train.y.dataSync().subarray(0, samples);
  const epochTimes = [];
  let testAccuracy = NaN;
  let info = {};

  if (system === 'tensorforge') {
    tf.setSeed(1);
    const m = tf.sequential([
      ...spec.units.map((u) => tf.layers.dense({ units: u, activation: 'relu' })),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    let t0 = 0;
    await m.fit(tf.tensor(xTrain, [samples, 784]), tf.tensor(yTrain, [samples], 'int32'), {
      epochs, batchSize: spec.batchSize, verbose: 0,
      callbacks: { onEpochBegin: () => { t0 = performance.now(); }, onEpochEnd: () => { epochTimes.push((performance.now() - t0) / 1000); } },
    });
    testAccuracy = (await m.evaluate(data.test.x, data.test.y, { batchSize: 1000 })).accuracy;
    const b = tf.backendInfo();
    info = { blas: `${b.blas} ${b.blasVersion} (${b.blasConfig})`, threads: b.threads };
  } else if (system === 'tfjs-cpu' || system === 'tfjs-wasm') {
    const tfjs = require('@tensorflow/tfjs');
    if (system === 'tfjs-wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
      await tfjs.setBackend('wasm');
    } else {
      await tfjs.setBackend('cpu');
    }
    await tfjs.ready();
    const m = tfjs.sequential();
    spec.units.forEach((u, i) => m.add(tfjs.layers.dense({ units: u, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) })));
    m.add(tfjs.layers.dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = tfjs.tensor2d(xTrain, [samples, 784]);
    const y = tfjs.tensor1d(Float32Array.from(yTrain));
    let t0 = 0;
    await m.fit(x, y, {
      epochs, batchSize: spec.batchSize, shuffle: true, verbose: 0,
      callbacks: { onEpochBegin: async () => { t0 = performance.now(); }, onEpochEnd: async () => { epochTimes.push((performance.now() - t0) / 1000); } },
    });
    const xt = tfjs.tensor2d(data.test.x.dataSync(), [data.test.x.shape[0], 784]);
    const pred = m.predict(xt, { batchSize: 1000 }).argMax(-1).dataSync();
    const yt = data.test.y.dataSync();
    let hits = 0;
    for (let i = 0; i < yt.length; i++) hits += pred[i] === yt[i] ? 1 : 0;
    testAccuracy = hits / yt.length;
    info = { backend: tfjs.getBackend(), version: tfjs.version.tfjs };
    if (system === 'tfjs-wasm') {
      const flags = tfjs.env().features;
      info.simd = flags.WASM_HAS_SIMD_SUPPORT ?? 'unknown';
      info.threads = flags.WASM_HAS_MULTITHREAD_SUPPORT ?? 'unknown';
    }
  } else {
    throw new Error(`unknown system ${system}`);
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ system, model, samples, epochs, epochTimes, testAccuracy, peakRssMB, info }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
