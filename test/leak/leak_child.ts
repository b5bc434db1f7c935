// The leak measurement (run by leak.test.ts as `node --expose-gc`): 20,000
// training steps and 20,000 predictAsync calls on a small model, with RSS and
// process.memoryUsage().external taken after a warm-up and at the end, each
// after garbage collection. Prints one JSON line.
import * as tf from '../../src/index';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const STEPS = Number(process.env.TF_LEAK_STEPS ?? 20_000);
const PREDICTS = Number(process.env.TF_LEAK_PREDICTS ?? 20_000);
const N = 512;
const BATCH = 16;

async function settle(): Promise<{ rss: number; external: number; arrayBuffers: number }> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 10));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, heapTotal: m.heapTotal, heapUsed: m.heapUsed };
}

async function train(m: tf.Sequential, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<void> {
  const perEpoch = N / BATCH;
  await m.fit(x, y, { epochs: Math.ceil(steps / perEpoch), batchSize: BATCH, verbose: 0 });
}

async function predictMany(m: tf.Sequential, x: tf.Tensor, calls: number): Promise<void> {
  // Eight in flight at a time, as a server would have.
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      await m.predictAsync(x);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function main(): Promise<void> {
  tf.setSeed(3);
  const m = tf.sequential({ layers: [
    tf.layers.dense({ units: 32, inputShape: [16], activation: 'relu' }),
    tf.layers.dropout({ rate: 0.1 }),
    tf.layers.dense({ units: 4, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomNormal([N, 16], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Int32Array.from({ length: N }, (_, i) => i % 4), 'int32');
  const q = tf.randomNormal([8, 16], 0, 1, 'float32', 2);

  // Warm-up: allocator arenas, JIT, thread pool, workspaces, and V8's heap,
  // which grows its reserved size in steps of ~16 MB during the first ~100k
  // promises and then stays (its used size does not grow).
  for (let i = 0; i < 2; i++) {
    await train(m, x, y, 5_000);
    await predictMany(m, q, 50_000);
  }
  const base = await settle();
  await train(m, x, y, STEPS);
  const afterTrain = await settle();
  await predictMany(m, q, PREDICTS);
  const end = await settle();
  console.log(JSON.stringify({ steps: STEPS, predicts: PREDICTS, base, afterTrain, end }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
