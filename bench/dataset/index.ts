// fitDataset against in-memory fit (issue 23), side by side in one run:
//   npm run bench:dataset [-- --quick] [-- --rounds=3] [-- --tfjs]
// The seed model (784-64-10, Adam, batch 32) for one epoch on Fashion-MNIST,
// alternating systems each round: tensorforge fit on tensors; fitDataset from
// a generator of batches; fitDataset from a CSV file on disk (labels and 784
// pixels per row, read with TensorFlow.js's idiom: each row's Object.values,
// then batch). With --tfjs, TensorFlow.js (CPU backend) fitDataset from the
// same generator and from the same CSV pipeline, on a subset (it is ~100x
// slower), scaled per sample. Prints medians, the ratios to fit and
// TensorFlow.js's time over each tensorforge system's; no timing is asserted
// anywhere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/index';
import { machineInfo, parseArgs } from '../lib/util';

const B = 32;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function seedModel() {
  tf.setSeed(1);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const quick = Boolean(o.quick);
  const rounds = Number(o.rounds ?? (quick ? 1 : 3));
  const { train } = await tf.datasets.fashionMnist();
  const n = quick ? 10_000 : train.x.shape[0];
  const xv = (train.x.dataSync() as Float32Array).subarray(0, n * 784);
  const yv = (train.y.dataSync() as Int32Array).subarray(0, n);
  const x = new tf.Tensor(xv, [n, 784], 'float32'), y = new tf.Tensor(yv, [n], 'int32');
  const batches = function* () {
    for (let i = 0; i < n; i += B) {
      const k = Math.min(B, n - i);
      yield { xs: new tf.Tensor(xv.slice(i * 784, (i + k) * 784), [k, 784], 'float32'), ys: new tf.Tensor(yv.slice(i, i + k), [k], 'int32') };
    }
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-dataset-'));
  const csvPath = path.join(dir, 'fmnist.csv');
  const tfjsSamples = quick ? 1000 : 5000;
  // The first tfjsSamples rows again, for TensorFlow.js's CSV reader (which reads its file whole).
  const tfjsCsvPath = path.join(dir, 'fmnist-subset.csv');
  {
    const lines = ['label,' + Array.from({ length: 784 }, (_, j) => `p${j}`).join(',')];
    for (let i = 0; i < n; i++) lines.push(`${yv[i]},${Array.from(xv.subarray(i * 784, (i + 1) * 784), (v) => +v.toFixed(4)).join(',')}`);
    fs.writeFileSync(csvPath, lines.join('\n'));
    fs.writeFileSync(tfjsCsvPath, lines.slice(0, tfjsSamples + 1).join('\n'));
  }
  const csvBatches = () => tf.data.csv(csvPath, { columnConfigs: { label: { isLabel: true, dtype: 'int32' } } })
    .map((r) => {
      const row = r as { xs: Record<string, number>; ys: { label: number } };
      return { xs: Object.values(row.xs), ys: row.ys.label };
    }).batch(B).map((b) => {
      const e = b as { xs: tf.Tensor; ys: tf.Tensor };
      return { xs: e.xs, ys: new tf.Tensor(Int32Array.from(e.ys.dataSync()), [e.ys.shape[0]], 'int32') };
    });

  const systems: Record<string, () => Promise<number>> = {
    'fit (tensors)': async () => { const m = seedModel(); const t0 = performance.now(); await m.fit(x, y, { epochs: 1, batchSize: B, shuffle: false, verbose: 0 }); return performance.now() - t0; },
    'fitDataset (generator)': async () => { const m = seedModel(); const t0 = performance.now(); await m.fitDataset(tf.data.generator(batches), { epochs: 1, verbose: 0 }); return performance.now() - t0; },
    'fitDataset (CSV file)': async () => { const m = seedModel(); const t0 = performance.now(); await m.fitDataset(csvBatches(), { epochs: 1, verbose: 0 }); return performance.now() - t0; },
  };
  if (o.tfjs) {
    systems['tfjs-cpu fitDataset (generator, per sample x n)'] = async () => {
      const tfjs = await import('@tensorflow/tfjs');
      await tfjs.setBackend('cpu');
      const m = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }), tfjs.layers.dense({ units: 10, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const ds = tfjs.data.generator(function* () {
        for (let i = 0; i < tfjsSamples; i += B) {
          const k = Math.min(B, tfjsSamples - i);
          yield { xs: tfjs.tensor2d(xv.slice(i * 784, (i + k) * 784), [k, 784]), ys: tfjs.tensor1d(Float32Array.from(yv.slice(i, i + k))) };
        }
      });
      const t0 = performance.now();
      await m.fitDataset(ds, { epochs: 1, verbose: 0 });
      return ((performance.now() - t0) / tfjsSamples) * n;
    };
    systems['tfjs-cpu fitDataset (CSV file, per sample x n)'] = async () => {
      const tfjs = await import('@tensorflow/tfjs');
      await tfjs.setBackend('cpu');
      const m = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }), tfjs.layers.dense({ units: 10, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const ds = tfjs.data.csv(`file://${tfjsCsvPath}`, { columnConfigs: { label: { isLabel: true } } })
        .map((r) => {
          const row = r as unknown as { xs: Record<string, number>; ys: { label: number } };
          return { xs: Object.values(row.xs), ys: row.ys.label };
        }).batch(B);
      const t0 = performance.now();
      await m.fitDataset(ds, { epochs: 1, verbose: 0 });
      return ((performance.now() - t0) / tfjsSamples) * n;
    };
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(systems).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(systems)) {
      times[name].push(await run());
      process.stderr.write(`round ${r + 1}/${rounds} ${name}: ${(times[name].at(-1)! / 1000).toFixed(2)} s\n`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const base = median(times['fit (tensors)']);
  const m = machineInfo();
  console.log(`\nfitDataset vs fit, seed model 784-64-10, batch ${B}, ${n} Fashion-MNIST samples, 1 epoch, ${rounds} alternated round(s); CPU: ${m.cpuModel}, ${m.cores} cores, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}; load average ${m.loadavg.join(' / ')}\n`);
  // TensorFlow.js's fitDataset time over ours, per round (the same round's figures), then the median of those ratios.
  const tfjsOver = (ours: string, theirs: string) => {
    if (!times[theirs]) return '';
    const r = times[ours].map((t, k) => times[theirs][k] / t);
    return ` ${median(r).toFixed(1)} |`;
  };
  const gen = 'tfjs-cpu fitDataset (generator, per sample x n)', csvT = 'tfjs-cpu fitDataset (CSV file, per sample x n)';
  console.log(`| system | s/epoch (median) | x fit |${o.tfjs ? ' tfjs generator / this | tfjs CSV / this |' : ''}`);
  console.log(`|---|---:|---:|${o.tfjs ? '---:|---:|' : ''}`);
  for (const [name, t] of Object.entries(times)) {
    const ratios = o.tfjs ? (name.startsWith('tfjs') ? ' | |' : `${tfjsOver(name, gen)}${tfjsOver(name, csvT)}`) : '';
    console.log(`| ${name} | ${(median(t) / 1000).toFixed(2)} | ${(median(t) / base).toFixed(2)} |${ratios}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
