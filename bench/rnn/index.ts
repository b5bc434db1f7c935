// bench/rnn: the sequence issue's benchmark. One epoch of the row-wise
// LSTM(128) + Dense(10) on Fashion-MNIST (28 steps of 28 pixels, Adam, sparse
// cross-entropy): tensorforge against PyTorch 1.13's nn.LSTM at its best
// thread setting and TensorFlow.js wasm, batch 32 and 128, test accuracy
// beside each time, GFLOP/s as a share of bench/peak (bench/lib/epochs.ts
// runs it; each system in its own process, alternating over rounds). On a
// shared machine the CPU seconds are the steadier figure.
//
//   npm run bench:rnn                       whole epochs (TensorFlow.js: 2,000 images, scaled)
//   npm run bench:rnn -- --quick            2,000 images of the bundled subset (CI smoke run)
//   npm run bench:rnn -- --images=6000 --rounds=2 --batches=32,128 --threads=1,2 --torch-threads=1,2 --json
import * as path from 'node:path';
import { FULL_DIR, SUBSET_DIR, formatEpochs, runEpochs, type EpochOptions, type EpochResult, type EpochSpec } from '../lib/epochs';
import { numList, parseArgs } from '../lib/util';

/** Forward FLOPs of one image: 28 steps of the four gates' products over [x, h] (28 + 128 inputs), then the dense layer. */
const FORWARD_FLOPS = 2 * (28 * 4 * 128 * (28 + 128) + 128 * 10);

export const LSTM_SPEC: EpochSpec = {
  name: 'rnn',
  title: 'Row-wise LSTM(128) + dense 10 (28 steps of 28 pixels), Adam, one epoch',
  flopsPerImage: 3 * FORWARD_FLOPS,
  workers: {
    tensorforge: (batches, images, subset, threads) => [process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker.ts'),
      batches.join(','), String(images), String(threads ?? 0), ...(subset ? ['--subset'] : [])]],
    pytorch: (batches, images, subset, threads) => ['/usr/bin/python3', [path.join(__dirname, 'torch_lstm.py'),
      subset ? SUBSET_DIR : FULL_DIR, batches.join(','), String(threads), String(images)]],
    tfjs: (batches, images, subset) => [process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'lib', 'tfjs_epoch.ts'),
      '--model=lstm', `--batches=${batches.join(',')}`, `--images=${images}`, ...(subset ? ['--subset'] : [])]],
  },
};

export function run(options: EpochOptions = {}): Promise<EpochResult> {
  return runEpochs(LSTM_SPEC, options);
}

export const formatResult = formatEpochs;

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const r = await run({
    quick: !!a.quick, images: a.images ? Number(a.images) : undefined, batches: numList(a.batches), rounds: a.rounds ? Number(a.rounds) : undefined,
    threads: numList(a.threads), torchThreads: numList(a['torch-threads'])?.filter((n) => n > 0), probeImages: a['probe-images'] ? Number(a['probe-images']) : undefined,
    tfjsImages: a['tfjs-images'] ? Number(a['tfjs-images']) : undefined,
  });
  process.stdout.write(a.json ? JSON.stringify(r, null, 2) + '\n' : formatResult(r) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
