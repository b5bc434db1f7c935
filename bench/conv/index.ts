// bench/conv: the convolution issue's benchmark. One epoch of the example
// CNN (examples/cnn.ts: Conv2D 32 3x3 relu -> MaxPool 2 -> Conv2D 64 3x3 relu
// -> MaxPool 2 -> Flatten -> Dropout 0.5 -> Dense 10 softmax, Adam) on
// Fashion-MNIST: tensorforge against PyTorch 1.13 at its best thread setting,
// batch 32 and 128, test accuracy beside each time, GFLOP/s as a share of
// bench/peak (bench/lib/epochs.ts runs it). TensorFlow.js cannot take part:
// see TFJS_NOTE.
//
//   npm run bench:conv                      whole epochs (several minutes on 2 cores)
//   npm run bench:conv -- --quick           2,000 images of the bundled subset (CI smoke run)
//   npm run bench:conv -- --images=6000 --batches=32 --torch-threads=1 --rounds=2 --json
// The single-run scripts: tf_cnn.ts, torch_cnn.py; parts.cc times the layers.
import * as path from 'node:path';
import { FULL_DIR, SUBSET_DIR, formatEpochs, runEpochs, type EpochOptions, type EpochResult, type EpochSpec } from '../lib/epochs';
import { numList, parseArgs } from '../lib/util';

/** Forward FLOPs of one 28x28 image: the two convolutions and the dense layer (2 per multiply-add). */
const FORWARD_FLOPS = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * (9 * 32) + 1600 * 10);

/** Why TensorFlow.js has no row (measured with @tensorflow/tfjs 4.22 in bench/lib/tfjs_epoch.ts). */
export const TFJS_NOTE = 'TensorFlow.js skipped: its wasm backend (4.22) cannot train this network (`Kernel \'Conv2DBackpropFilter\' not registered for backend \'wasm\'`), ' +
  'and its cpu backend trained 256 images in 122 s at batch 32 here (about 8 hours per epoch); ' +
  '`node --import tsx bench/lib/tfjs_epoch.ts --model=cnn --backend=cpu --images=256 --subset` reproduces it.';

export const CNN_SPEC: EpochSpec = {
  name: 'conv',
  title: 'Example CNN (examples/cnn.ts): conv 32 -> pool -> conv 64 -> pool -> dropout -> dense 10, Adam, one epoch',
  flopsPerImage: 3 * FORWARD_FLOPS,
  tfjsNote: TFJS_NOTE,
  workers: {
    tensorforge: (batches, images, subset, threads) => [process.execPath, ['--import', 'tsx', path.join(__dirname, 'tf_cnn.ts'),
      `--batches=${batches.join(',')}`, `--samples=${images}`, ...(subset ? ['--subset'] : []), ...(threads ? [`--threads=${threads}`] : [])]],
    pytorch: (batches, images, subset, threads) => ['/usr/bin/python3', [path.join(__dirname, 'torch_cnn.py'),
      `--batches=${batches.join(',')}`, `--samples=${images}`, `--threads=${threads}`, `--dir=${subset ? SUBSET_DIR : FULL_DIR}`]],
  },
};

export function run(options: EpochOptions = {}): Promise<EpochResult> {
  return runEpochs(CNN_SPEC, options);
}

export const formatResult = formatEpochs;

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const r = await run({
    quick: !!a.quick, images: a.images ? Number(a.images) : undefined, batches: numList(a.batches), rounds: a.rounds ? Number(a.rounds) : undefined,
    threads: numList(a.threads), torchThreads: numList(a['torch-threads'])?.filter((n) => n > 0), probeImages: a['probe-images'] ? Number(a['probe-images']) : undefined,
  });
  process.stdout.write(a.json ? JSON.stringify(r, null, 2) + '\n' : formatResult(r) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
