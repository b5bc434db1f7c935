// The example CNN (examples/cnn.ts) in tensorforge: one run, as a user writes it.
//
//   npx tsx bench/conv/tf_cnn.ts --batch=32 [--epochs=1] [--samples=N] [--threads=N]
//   npx tsx bench/conv/tf_cnn.ts --batches=32,128 --samples=2000 --subset     (bench/conv/index.ts)
//
// Prints one JSON line per batch size: wall and process CPU seconds per epoch,
// test accuracy (the same fields as torch_cnn.py; seconds / cpuSeconds /
// accuracy / images for bench/lib/epochs.ts). --subset: the bundled subset.
import * as tf from '../../src/index';
import { exampleCnn } from '../lib/models';

const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => (a.includes('=') ? a.slice(2).split('=') : [a.slice(2), 'true'])));

async function main(): Promise<void> {
  const batches = String(args.batches ?? args.batch ?? 32).split(',').map(Number);
  const epochs = Number(args.epochs ?? 1);
  if (args.threads) tf.setNumThreads(Number(args.threads));
  const { train, test } = await tf.datasets.fashionMnist(args.subset === 'true' ? { subset: true } : {});
  const n = Math.min(Number(args.samples ?? train.x.shape[0]), train.x.shape[0]);
  const x = tf.slice(train.x, [0, 0], [n, 784]).reshape([n, 28, 28, 1]);
  const y = tf.slice(train.y, [0], [n]);
  const xTest = test.x.reshape([test.x.shape[0], 28, 28, 1]);
  for (const batchSize of batches) {
    tf.setSeed(1);
    const model = exampleCnn(tf);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const wall: number[] = [];
    const cpu: number[] = [];
    let t0 = 0;
    let c0 = process.cpuUsage();
    const timer = {
      onEpochBegin: () => { t0 = performance.now(); c0 = process.cpuUsage(); },
      onEpochEnd: () => {
        wall.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      },
    };
    await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks: [timer] });
    const { accuracy } = await model.evaluate(xTest, test.y, { batchSize: 500 });
    console.log(JSON.stringify({
      system: 'tensorforge', batch: batchSize, samples: n, epochWall: wall, epochCpu: cpu, testAccuracy: accuracy, threads: tf.getNumThreads(),
      images: n, seconds: wall[0], cpuSeconds: cpu[0], accuracy, testImages: test.y.shape[0], info: { threads: tf.getNumThreads() },
    }));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
