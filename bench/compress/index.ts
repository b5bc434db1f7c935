// Post-training int8 quantization and weight-only storage on Fashion-MNIST
// (issue 20): the seed model (784-64-10) and the large MLP (784-512-512-10),
// trained here, then quantized (tf.quantization.quantize, per channel and per
// tensor, calibrated on 1000 training images) and saved float32 / float16 /
// uint8. Reports test accuracy, bytes as stored, and predict time side by side
// (float32 model.predict vs the int8 model on each int8 path this CPU runs),
// at batch 1 (latency) and batch 1000 (throughput), medians of interleaved
// rounds, with the CPU named. No timing is asserted.
//
//   npx tsx bench/compress/index.ts [--quick] [--epochs=N] [--threads=N]   (npm run bench:compress)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/index';
import { parseArgs, table } from '../lib/util';

const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
const epochs = Number(args.epochs ?? (quick ? 1 : 3));

function cpuName(): string {
  return /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
}

function accuracy(probs: tf.Tensor, labels: Float32Array | Int32Array): number {
  const p = probs.dataSync();
  const k = probs.shape[1];
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
    right += best === labels[r] ? 1 : 0;
  }
  return right / labels.length;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
}

/** Median milliseconds per call of each runner, rounds interleaved so machine load hits all alike. */
function timeSideBySide(runners: Record<string, () => void>, rounds: number, reps: number): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  for (const r of Object.values(runners)) r();
  for (let i = 0; i < rounds; i++) {
    for (const [k, r] of Object.entries(runners)) {
      const t0 = performance.now();
      for (let j = 0; j < reps; j++) r();
      times[k].push((performance.now() - t0) / reps);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, t.sort((a, b) => a - b)[Math.floor(t.length / 2)]]));
}

async function main(): Promise<void> {
  if (args.threads !== undefined) tf.setNumThreads(Number(args.threads));
  const { train, test } = await tf.datasets.fashionMnist(quick ? { subset: true } : {});
  const labels = test.y.dataSync() as Float32Array;
  const calibration = tf.tensor(train.x.dataSync().subarray(0, 1000 * 784), [1000, 784]);
  const batch1000 = tf.tensor(test.x.dataSync().subarray(0, 1000 * 784), [1000, 784]);
  const one = tf.tensor(test.x.dataSync().subarray(0, 784), [1, 784]);
  const paths = tf.quantization.int8Paths();
  const out: string[] = [];
  out.push(`CPU: ${cpuName()} (${os.cpus().length} logical CPUs), int8 paths: ${paths.join(', ')}, engine threads: ${tf.getNumThreads()}, ` +
    `Fashion-MNIST ${train.x.shape[0]} train / ${test.x.shape[0]} test, ${epochs} epoch(s) of Adam`);
  for (const [title, hidden] of [['seed 784-64-10', [64]], ['large 784-512-512-10', [512, 512]]] as const) {
    tf.setSeed(1);
    const model = tf.sequential([
      ...hidden.map((units) => tf.layers.dense({ units, activation: 'relu' })),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs, batchSize: 64, verbose: 0 });
    const q = tf.quantization.quantize(model, { calibration, perChannel: true });
    const qt = tf.quantization.quantize(model, { calibration, perChannel: false });
    const sizes: Record<string, number> = {};
    for (const kind of ['float32', 'float16', 'uint8'] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-compress-'));
      await model.save(dir, kind === 'float32' ? {} : { quantizeWeights: kind });
      sizes[kind] = dirBytes(dir);
      if (kind !== 'float32') {
        const back = await tf.loadLayersModel(dir);
        sizes[`${kind} acc`] = accuracy(back.predict(test.x), labels);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const floatAcc = accuracy(model.predict(test.x), labels);
    const rows: (string | number)[][] = [
      ['float32', (100 * floatAcc).toFixed(2), sizes.float32, '1.00x'],
      ['weights float16 (save)', (100 * sizes['float16 acc']).toFixed(2), sizes.float16, `${(sizes.float32 / sizes.float16).toFixed(2)}x`],
      ['weights uint8 (save)', (100 * sizes['uint8 acc']).toFixed(2), sizes.uint8, `${(sizes.float32 / sizes.uint8).toFixed(2)}x`],
      ['int8 per channel', (100 * accuracy(q.predict(test.x), labels)).toFixed(2), q.storedBytes(), `${(sizes.float32 / q.storedBytes()).toFixed(2)}x`],
      ['int8 per tensor', (100 * accuracy(qt.predict(test.x), labels)).toFixed(2), qt.storedBytes(), `${(sizes.float32 / qt.storedBytes()).toFixed(2)}x`],
    ];
    out.push('', `### ${title}`, '', table(['variant', 'test accuracy %', 'weight bytes', 'smaller'], rows));

    const runners = (x: tf.Tensor): Record<string, () => void> => ({
      float32: () => model.predict(x, { batchSize: 1000 }).dispose(),
      ...Object.fromEntries(paths.map((p) => [`int8 ${p}`, () => q.predict(x, { path: p }).dispose()])),
    });
    const big = timeSideBySide(runners(batch1000), quick ? 5 : 15, quick ? 2 : 5);
    const lat = timeSideBySide(runners(one), quick ? 5 : 15, quick ? 200 : 1000);
    const timing = Object.keys(big).map((k) => [k, (1000 / big[k] * 1000).toFixed(0), `${(big.float32 / big[k]).toFixed(2)}x`, (lat[k] * 1000).toFixed(1), `${(lat.float32 / lat[k]).toFixed(2)}x`]);
    out.push('', table(['predict', 'samples/s (batch 1000)', 'vs float32', 'us (batch 1)', 'vs float32'], timing));
  }
  console.log(out.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
