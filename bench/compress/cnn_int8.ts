// Post-training int8 quantization of the example CNN (examples/cnn.ts,
// bench/lib/models.ts) on Fashion-MNIST: trains it briefly, quantizes it
// (per channel, 500 training images of calibration) and reports, side by side
// in this process: test accuracy of both, the bytes of both saved files,
// predict throughput at batch 1000 and latency at batch 1 (timings
// interleaved round by round: the machine is shared), with the CPU and the
// load. No timing is asserted.
//
//   npx tsx bench/compress/cnn_int8.ts                 full data when installed, 1 epoch on 20,000 images
//   options: --train=N (images, default 20000) --epochs=N (default 1) --rounds=N (default 5) --json
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '../../src/index';
import { exampleCnn } from '../lib/models';
import { accuracy, savedBytes } from './tensorforge';
import { timeSideBySide } from './timing';

function option(name: string, fallback: number): number {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`--${name} takes a positive integer`);
  return v;
}

function cpu(): string {
  const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
}

async function main(): Promise<void> {
  const trainN = option('train', 20000), epochs = option('epochs', 1), rounds = option('rounds', 5);
  const { train, test, dir } = await tf.datasets.fashionMnist();
  const n = Math.min(trainN, train.x.shape[0]);
  const x = tf.slice(train.x, [0, 0], [n, 784]).reshape([n, 28, 28, 1]);
  const y = tf.slice(train.y, [0], [n]);
  const xTest = test.x.reshape([test.x.shape[0], 28, 28, 1]);
  const labels = test.y.dataSync();
  const model = exampleCnn(tf);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(x, y, { epochs, batchSize: 64, verbose: 0 });
  const trainSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const q = tf.quantization.quantize(model, { calibration: tf.slice(x, [0, 0, 0, 0], [500, 28, 28, 1]) });
  const quantizeSeconds = (performance.now() - t1) / 1000;

  const floatAcc = accuracy(model.predict(xTest), labels);
  const int8Acc = accuracy(q.predict(xTest), labels);
  const perTensorAcc = accuracy(tf.quantization.quantize(model, { calibration: tf.slice(x, [0, 0, 0, 0], [500, 28, 28, 1]), perChannel: false }).predict(xTest), labels);
  const floatBytes = await savedBytes((d) => model.save(`file://${d}`));
  const int8Bytes = await savedBytes((d) => q.save(d));

  const thousand = tf.slice(xTest, [0, 0, 0, 0], [1000, 28, 28, 1]);
  const one = tf.slice(xTest, [0, 0, 0, 0], [1, 28, 28, 1]);
  const batch = option('batch', 32);
  const t = timeSideBySide({
    'float32 batch 1000': () => model.predict(thousand, { batchSize: batch }),
    'int8 batch 1000': () => q.predict(thousand, { batchSize: batch }),
    'float32 batch 1': () => model.predict(one),
    'int8 batch 1': () => q.predict(one),
  }, rounds, 1);
  // CPU seconds per batch-1000 call (the float convolutions may use a second core through the BLAS; the int8 nodes run on one).
  const cpuPerCall = (f: () => unknown) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 5; i++) f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6 / 5;
  };
  const cpuFloat = cpuPerCall(() => model.predict(thousand, { batchSize: batch }));
  const cpuInt8 = cpuPerCall(() => q.predict(thousand, { batchSize: batch }));
  const result = {
    cpu: cpu(), loadAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100), int8Paths: tf.quantization.int8Paths(),
    openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null, data: dir, trainImages: n, epochs, trainSeconds, quantizeSeconds, predictBatchSize: batch,
    accuracy: { float32: floatAcc, int8: int8Acc, differencePoints: 100 * (int8Acc - floatAcc), int8PerTensor: perTensorAcc },
    bytes: { float32: floatBytes, int8: int8Bytes, ratio: floatBytes / int8Bytes },
    batch1000SamplesPerSecond: { float32: 1000 / t['float32 batch 1000'], int8: 1000 / t['int8 batch 1000'], ratio: t['float32 batch 1000'] / t['int8 batch 1000'] },
    batch1000CpuSecondsPerCall: { float32: cpuFloat, int8: cpuInt8, ratio: cpuFloat / cpuInt8 },
    batch1Ms: { float32: 1000 * t['float32 batch 1'], int8: 1000 * t['int8 batch 1'], ratio: t['float32 batch 1'] / t['int8 batch 1'] },
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(`example CNN, Fashion-MNIST from ${dir}: ${n} training images, ${epochs} epoch(s) (${trainSeconds.toFixed(1)} s); quantize ${quantizeSeconds.toFixed(2)} s`);
  console.log(`CPU ${result.cpu}, int8 paths ${result.int8Paths.join(', ')}, load at end ${result.loadAtEnd.join(' ')}`);
  console.log(`test accuracy   float32 ${(100 * floatAcc).toFixed(2)}%  int8 ${(100 * int8Acc).toFixed(2)}%  (${result.accuracy.differencePoints.toFixed(2)} points); per-tensor weights ${(100 * perTensorAcc).toFixed(2)}%`);
  console.log(`saved weights   float32 ${floatBytes} B  int8 ${int8Bytes} B  (${result.bytes.ratio.toFixed(2)}x smaller)`);
  console.log(`batch 1000      float32 ${Math.round(result.batch1000SamplesPerSecond.float32)}/s  int8 ${Math.round(result.batch1000SamplesPerSecond.int8)}/s  (${result.batch1000SamplesPerSecond.ratio.toFixed(2)}x)`);
  console.log(`batch 1000 CPU  float32 ${(1000 * cpuFloat).toFixed(1)} ms  int8 ${(1000 * cpuInt8).toFixed(1)} ms per call  (${(cpuFloat / cpuInt8).toFixed(2)}x)`);
  console.log(`batch 1         float32 ${result.batch1Ms.float32.toFixed(3)} ms  int8 ${result.batch1Ms.int8.toFixed(3)} ms  (${result.batch1Ms.ratio.toFixed(2)}x)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
