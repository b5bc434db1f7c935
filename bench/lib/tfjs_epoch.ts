// TensorFlow.js's side of bench/conv and bench/rnn: one epoch of the example
// CNN (examples/cnn.ts) or the row-wise LSTM(128) over the first IMAGES
// training images, as a TensorFlow.js user writes it (wasm backend by
// default), then the test accuracy. One JSON line per batch size, the fields
// of bench/lib/epochs.ts's EpochRun.
//
//   node --import tsx bench/lib/tfjs_epoch.ts --model=cnn|lstm --batches=32,128 --images=2000 [--backend=wasm|cpu] [--subset]
import * as path from 'node:path';
import { fashionMnist } from '../../src/datasets';

const args = Object.fromEntries(process.argv.slice(2).map((a) => /^--([^=]+)(?:=(.*))?$/.exec(a)).filter((m) => m).map((m) => [m![1], m![2] ?? 'true']));

async function main(): Promise<void> {
  const model = args.model;
  if (model !== 'cnn' && model !== 'lstm') throw new Error(`--model must be cnn or lstm, got ${model}`);
  const backend = args.backend ?? 'wasm';
  // TensorFlow.js greets on stdout; the JSON lines are what the harness reads.
  const print = console.log;
  console.log = () => {};
  console.warn = () => {};
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tfjs = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  }
  await tfjs.setBackend(backend);
  await tfjs.ready();
  const { train, test } = await fashionMnist(args.subset === 'true' ? { subset: true } : {});
  const images = Math.min(Number(args.images ?? train.y.shape[0]), train.y.shape[0]);
  const shape = model === 'cnn' ? [28, 28, 1] : [28, 28];
  const x = tfjs.tensor(train.x.values.subarray(0, images * 784) as Float32Array, [images, ...shape]);
  const y = tfjs.tensor1d(Float32Array.from(train.y.values.subarray(0, images) as Int32Array));
  const nTest = test.y.shape[0];
  const xt = tfjs.tensor(test.x.values as Float32Array, [nTest, ...shape]);
  const yt = test.y.values as Int32Array;
  for (const batch of (args.batches ?? '32').split(',').map(Number)) {
    const m = tfjs.sequential({
      layers: model === 'cnn'
        ? [
            tfjs.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
            tfjs.layers.maxPooling2d({ poolSize: 2 }),
            tfjs.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
            tfjs.layers.maxPooling2d({ poolSize: 2 }),
            tfjs.layers.flatten(),
            tfjs.layers.dropout({ rate: 0.5 }),
            tfjs.layers.dense({ units: 10, activation: 'softmax' }),
          ]
        : [tfjs.layers.lstm({ units: 128, inputShape: [28, 28] }), tfjs.layers.dense({ units: 10, activation: 'softmax' })],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await m.fit(x, y, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0 });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const pred = (m.predict(xt, { batchSize: 500 }) as import('@tensorflow/tfjs').Tensor).argMax(-1).dataSync();
    let hits = 0;
    for (let i = 0; i < nTest; i++) hits += pred[i] === yt[i] ? 1 : 0;
    const f = tfjs.env().features;
    print(JSON.stringify({
      batch, images, seconds, cpuSeconds: (used.user + used.system) / 1e6, accuracy: hits / nTest, testImages: nTest,
      info: { backend: tfjs.getBackend(), version: tfjs.version.tfjs, ...(backend === 'wasm' ? { simd: f.WASM_HAS_SIMD_SUPPORT, threads: f.WASM_HAS_MULTITHREAD_SUPPORT } : {}) },
    }));
    m.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
