// A layer of your own, as in TensorFlow.js: ReZero (Bachlechner et al.,
// 2020), a residual block y = x + alpha * relu(x W + b) whose learnable
// gate alpha starts at 0, so the block begins as the identity. It extends
// tf.layers.Layer (build / addWeight / call / computeOutputShape /
// getConfig), trains inside an ordinary model with fit (the Dense layers run
// natively, the block's call() on the gradient tape), and saves and loads
// after tf.serialization.registerClass. Prints the test accuracy, the gates
// the blocks learned, and that the reloaded model predicts the same.
//
//   npx tsx examples/custom_layer.ts [--subset] [--epochs 3]
//
// Uses the full dataset when Debian's dataset-fashion-mnist package is
// installed, else the bundled 10,000/2,000-image subset (--subset forces it).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from 'tensorforge';

type Shape = (number | null)[];

class ReZeroDense extends tf.layers.Layer {
  static override className = 'ReZeroDense';
  kernel!: tf.layers.LayerVariable;
  bias!: tf.layers.LayerVariable;
  alpha!: tf.layers.LayerVariable;

  override build(inputShape: Shape | Shape[]): void {
    const features = (inputShape as Shape)[1] as number;
    this.kernel = this.addWeight('kernel', [features, features], 'float32', 'heNormal');
    this.bias = this.addWeight('bias', [features], 'float32', 'zeros');
    this.alpha = this.addWeight('alpha', [1], 'float32', 'zeros');
  }

  // The output has the input's shape: the default computeOutputShape.
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = inputs as tf.Tensor;
    const branch = tf.relu(tf.add(tf.matMul(x, this.kernel.read()), this.bias.read()));
    return tf.add(x, tf.mul(branch, this.alpha.read()));
  }
}
tf.serialization.registerClass(ReZeroDense);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const { train, test, dir: source } = await tf.datasets.fashionMnist(process.argv.includes('--subset') ? { subset: true } : {});
  tf.setSeed(1);
  const model = tf.sequential([
    tf.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    new ReZeroDense({}),
    new ReZeroDense({}),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.summary();
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs: arg('epochs', 3), batchSize: 64, verbose: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const { accuracy } = await model.evaluate(test.x, test.y);
  const gates = model.layers.filter((l) => l instanceof ReZeroDense).map((l) => (l as ReZeroDense).alpha.read().dataSync()[0].toFixed(3));
  console.log(`data: ${source}; training took ${seconds.toFixed(1)} s; test accuracy ${accuracy.toFixed(4)}; learned gates alpha = ${gates.join(', ')}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezero-'));
  try {
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const sample = tf.tensor(test.x.dataSync().subarray(0, 100 * 784), [100, 784]);
    const diff = tf.max(tf.abs(tf.sub(model.predict(sample) as tf.Tensor, loaded.predict(sample) as tf.Tensor))).dataSync()[0];
    console.log(`saved and loaded: layers ${loaded.layers.map((l) => l.className).join(', ')}; largest prediction difference ${diff}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
