// One run of bench/tape in its own process: the seed model (784-64-10, Adam,
// batch 32) on Fashion-MNIST as tensorforge's fit, as a tensorforge custom
// loop (tf.variableGrads + optimizer.applyGradients per batch), or as the
// same custom loop in TensorFlow.js (wasm backend). Prints one JSON line.
//
//   tsx bench/tape/worker.ts --system=fit|custom-loss-fit|loop|tfjs-wasm-loop --epochs=N [--samples=N]
//
// custom-loss-fit is fit with the same sparse cross-entropy written as a
// function of tensors: the model runs natively, the loss on the tape, one
// native step per batch (src/models/tape_training.ts).
import * as path from 'node:path';
import { tensorforgeEntry } from '../lib/util';
import type * as TF from '../../src/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tf = require(tensorforgeEntry().path) as typeof TF;

const BATCH = 32;
const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));

function shuffled(n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function main(): Promise<void> {
  const system = args.system;
  const epochs = Number(args.epochs ?? 2);
  const data = await tf.datasets.fashionMnist();
  const samples = Math.min(Number(args.samples ?? data.train.x.shape[0]), data.train.x.shape[0]);
  const x = tf.slice(data.train.x, [0, 0], [samples, 784]);
  const y = tf.slice(data.train.y, [0], [samples]);
  const epochTimes: number[] = [];
  // CPU seconds of the process (all threads) per epoch: on a shared machine
  // wall time measures the neighbours as much as the code.
  const epochCpu: number[] = [];
  let cpu0 = process.cpuUsage();
  const cpuMark = () => { cpu0 = process.cpuUsage(); };
  const cpuTake = () => { const d = process.cpuUsage(cpu0); epochCpu.push((d.user + d.system) / 1e6); };
  let testAccuracy = 0;
  let info: Record<string, unknown> = {};
  if (system === 'fit' || system === 'custom-loss-fit') {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
    const sparseCrossentropy = (yTrue: TF.Tensor, yPred: TF.Tensor) =>
      tf.neg(tf.sum(tf.mul(tf.oneHot(Array.from(yTrue.dataSync()), 10, 1, 0, 'float32'), tf.log(tf.clipByValue(yPred, 1e-7, 1 - 1e-7))), -1));
    m.compile({ optimizer: 'adam', loss: system === 'fit' ? 'sparseCategoricalCrossentropy' : sparseCrossentropy, metrics: ['accuracy'] });
    let t0 = 0;
    await m.fit(x, y, {
      epochs, batchSize: BATCH, verbose: 0,
      callbacks: { onEpochBegin: () => { t0 = performance.now(); cpuMark(); }, onEpochEnd: () => { epochTimes.push((performance.now() - t0) / 1000); cpuTake(); } },
    });
    testAccuracy = (await m.evaluate(data.test.x, data.test.y, { batchSize: 1000 })).accuracy;
  } else if (system === 'loop') {
    const glorot = (i: number, o: number) => tf.randomUniform([i, o], -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o)));
    const w1 = tf.variable(glorot(784, 64)), b1 = tf.variable(tf.zeros([64]));
    const w2 = tf.variable(glorot(64, 10)), b2 = tf.variable(tf.zeros([10]));
    const vars = [w1, b1, w2, b2];
    const logits = (t: TF.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(t, w1), b1)), w2), b2);
    const opt = tf.optimizers.adam();
    for (let e = 0; e < epochs; e++) {
      const t0 = performance.now();
      cpuMark();
      const order = shuffled(samples);
      for (let s = 0; s < samples; s += BATCH) {
        tf.tidy(() => {
          const idx = tf.tensor(order.subarray(s, Math.min(samples, s + BATCH)), undefined, 'int32');
          const xb = tf.gather(x, idx);
          const yb = tf.oneHot(tf.gather(y, idx), 10, 1, 0, 'float32');
          const { grads } = tf.variableGrads(() => tf.neg(tf.mean(tf.sum(tf.mul(yb, tf.logSoftmax(logits(xb))), -1))), vars);
          opt.applyGradients(grads);
        });
      }
      epochTimes.push((performance.now() - t0) / 1000);
      cpuTake();
    }
    const p = tf.argMax(logits(data.test.x), 1).dataSync();
    const yt = data.test.y.dataSync();
    testAccuracy = p.reduce((h, v, i) => h + (v === yt[i] ? 1 : 0), 0) / yt.length;
  } else if (system === 'tfjs-wasm-loop') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tfjs = require('@tensorflow/tfjs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    await tfjs.setBackend('wasm');
    await tfjs.ready();
    const xs = tfjs.tensor2d(x.dataSync(), [samples, 784]);
    const ys = tfjs.tensor1d(y.dataSync(), 'int32');
    const glorot = (i: number, o: number) => tfjs.randomUniform([i, o], -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o)));
    const w1 = tfjs.variable(glorot(784, 64)), b1 = tfjs.variable(tfjs.zeros([64]));
    const w2 = tfjs.variable(glorot(64, 10)), b2 = tfjs.variable(tfjs.zeros([10]));
    const vars = [w1, b1, w2, b2];
    const logits = (t: unknown) => tfjs.add(tfjs.matMul(tfjs.relu(tfjs.add(tfjs.matMul(t, w1), b1)), w2), b2);
    const opt = tfjs.train.adam(0.001, 0.9, 0.999, 1e-7);
    for (let e = 0; e < epochs; e++) {
      const t0 = performance.now();
      cpuMark();
      const order = shuffled(samples);
      for (let s = 0; s < samples; s += BATCH) {
        tfjs.tidy(() => {
          const idx = tfjs.tensor1d(order.subarray(s, Math.min(samples, s + BATCH)), 'int32');
          const xb = tfjs.gather(xs, idx);
          const yb = tfjs.oneHot(tfjs.gather(ys, idx), 10).toFloat();
          const { grads } = tfjs.variableGrads(() => tfjs.neg(tfjs.mean(tfjs.sum(tfjs.mul(yb, tfjs.logSoftmax(logits(xb))), -1))), vars);
          opt.applyGradients(grads);
        });
      }
      epochTimes.push((performance.now() - t0) / 1000);
      cpuTake();
    }
    const p = tfjs.argMax(logits(tfjs.tensor2d(data.test.x.dataSync(), [data.test.x.shape[0], 784])), 1).dataSync();
    const yt = data.test.y.dataSync();
    testAccuracy = p.reduce((h: number, v: number, i: number) => h + (v === yt[i] ? 1 : 0), 0) / yt.length;
    info = { backend: tfjs.getBackend(), version: tfjs.version.tfjs };
  } else {
    throw new Error(`unknown system ${system}`);
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ system, samples, epochs, epochTimes, epochCpu, testAccuracy, peakRssMB, info }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
