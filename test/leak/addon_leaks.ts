// Exercises the addon's allocation paths (ops, models, training, prediction,
// save/load, and the error paths of the binding), then drops everything and
// collects garbage so every native object is finalized. Run by
// scripts/sanitize.sh under LeakSanitizer: a leak whose allocation stack runs
// through tensorforge.node is the addon's; Node's and V8's own are ignored.
//
//   node --expose-gc --import tsx test/leak/addon_leaks.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/index';
import { native } from '../../src/native';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function expectThrow(f: () => unknown): void {
  try {
    f();
  } catch {
    return;
  }
  throw new Error('expected a throw');
}

async function round(dir: string, i: number): Promise<void> {
  const x = tf.randomNormal([64, 12], 0, 1, 'float32', i);
  const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, k) => k % 3), 'int32');
  // Ops.
  tf.add(x, tf.scalar(1));
  tf.matMul(x, x, false, true);
  tf.softmax(x);
  tf.sum(x, 1);
  tf.argMax(x, 1);
  tf.transpose(x);
  tf.gather(x, [0, 3, 5]);
  tf.concat([x, x], 1);
  tf.oneHot(y, 3);
  // Convolution and pooling ops and their gradients (native LayerOp: cached, new, and refused).
  const img = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', i);
  const kernel = tf.randomNormal([3, 3, 2, 2 + (i % 3)], 0, 1, 'float32', i);
  tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.avgPool(tf.maxPool(tf.depthwiseConv2d(tf.conv2d(a, b, 1, 'same'), tf.ones([2, 2, 2 + (i % 3), 2]), 1, 'valid'), 2, 1, 'same'), 2, 2, 'valid')))([img, kernel]);
  expectThrow(() => new native.LayerOp({ kind: native.enums.layer.dense, units: 2 }, [3]));
  expectThrow(() => new native.LayerOp({ kind: native.enums.layer.conv2d, filters: 2, kernelSize: [3, 3], useBias: false }, [4, 4, 1]).forward(new Float32Array(1), 1, new Float32Array(18), new Float32Array(32)));
  // Models in every layer kind, every optimizer.
  const m = tf.sequential({ layers: [
    tf.layers.dense({ units: 16, inputShape: [12], activation: 'relu', kernelRegularizer: 'l2' }),
    tf.layers.batchNormalization(),
    tf.layers.dropout({ rate: 0.1, seed: i }),
    tf.layers.layerNormalization(),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  const opt = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'][i % 8];
  m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, validationSplit: 0.25 });
  await m.evaluate(x, y);
  m.predict(x);
  await m.predictAsync(x, { batchSize: 8 });
  await m.trainOnBatch(x, y);
  m.computeGradients(x, y);
  const aborted = new AbortController();
  const p = m.predictAsync(x, { signal: aborted.signal });
  aborted.abort();
  await p.catch(() => undefined);
  await m.save(path.join(dir, `m${i % 2}`), { includeOptimizer: true });
  const loaded = await tf.loadLayersModel(path.join(dir, `m${i % 2}`));
  loaded.predict(x);
  // Binding error paths: every argument check throws after some allocations.
  expectThrow(() => native.matMul(new Float32Array(1), new Float32Array(1), new Float32Array(1), 1, 2, 2, 2, false, false));
  expectThrow(() => native.concat([new Float32Array(2), new Int32Array(2)], new Int32Array([1, 1]), new Float32Array(4), 2));
  expectThrow(() => new native.NativeModel([{ kind: 0, units: 2 ** 40 }], 4));
  expectThrow(() => new native.NativeModel([{ kind: 0, units: 4 }, { kind: 9 }], 4));
  const nm = new native.NativeModel([{ kind: 0, units: 3, activation: 0 }], 4);
  expectThrow(() => nm.predict(new Float32Array(3), 1, 1, new Float32Array(3)));
  expectThrow(() => nm.trainChunk({ x: new Float32Array(8), labels: null, targets: new Float32Array(6), weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 1, firstBatch: 0, count: 1 }));
  nm.compile({ kind: 1, schedule: { kind: 0, initial: 0.1 }, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0 }, [{ loss: { kind: 3 }, weight: 1, metrics: [] }]);
  await nm.trainChunk({ x: new Float32Array(8), labels: null, targets: new Float32Array(6), weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 1, firstBatch: 0, count: 2 });
  await nm.trainChunk({ x: new Float32Array(8), labels: null, targets: new Float32Array([NaN, 0, 0, 0, 0, 0]), weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 1, firstBatch: 0, count: 2 });
  await nm.evaluate({ x: new Float32Array(8), labels: null, targets: new Float32Array(6), weights: null, n: 2 }, 1);
  await nm.predictAsync(new Float32Array(8), 2, 1, new Float32Array(6), new Int32Array(1));
  const out = new Float32Array(6);
  const q = nm.predictAsync(new Float32Array(8), 2, 1, out);
  structuredClone(out.buffer, { transfer: [out.buffer] });
  await q.catch(() => undefined);
  tf.setMemoryLimit(1024);
  expectThrow(() => tf.zeros([1024]));
  expectThrow(() => tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [64] })] }).build([64]));
  tf.setMemoryLimit(null);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-leaks-'));
  try {
    for (let i = 0; i < 16; i++) await round(dir, i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Let finalizers run: weak callbacks need a few GC cycles and turns of the loop.
  for (let i = 0; i < 6; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log('addon_leaks: done');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
