// tensorforge's side of bench/compress: one model trained on Fashion-MNIST,
// then every compression the library offers, each measured the same way
// (test accuracy, bytes of the file as saved, FLOPs, predict latency at
// batch 1 and throughput at batch 1000; timings interleaved round by round
// so that machine load hits every variant alike).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as TF from '../../src/index';
import { timeSideBySide } from './timing';

/** The two models of the issue: hidden layer sizes. */
export const HIDDEN = { seed: [64], large: [512, 512] } as const;
export type ModelName = keyof typeof HIDDEN;

/** One compressed (or dense) variant of one model in one library. */
export interface VariantRow {
  system: 'tensorforge' | 'pytorch';
  model: ModelName;
  variant: string;
  /** Test accuracy, 0..1. */
  accuracy: number;
  /** Test accuracy before fine-tuning, where the variant is fine-tuned. */
  accuracyBeforeFinetune?: number;
  /** Bytes of the saved weights file(s). */
  bytes: number;
  /** Dense-layer kernel values and how many of them are not zero. */
  kernelParameters?: number;
  kernelNonzeros?: number;
  /** FLOPs per sample as tf.compression.report counts them. */
  flopsPerSample?: number;
  /** Median seconds of a batch-1 predict; absent when it predicts as another row does (weight-only files load as float32). */
  latencySeconds?: number;
  /** Samples per second of a batch-1000 predict. */
  samplesPerSecond?: number;
  /** Threads the timing ran on. */
  threads?: string;
  note?: string;
}

export interface TfOptions {
  model: ModelName;
  epochs: number;
  finetune: number;
  sparsity: number;
  rounds: number;
  quick: boolean;
  /** Also prune every layer's kernel to `sparsity` (the output layer too), for contrast, and train the dense model as long as the fine-tuned ones, for reference. */
  everyLayer: boolean;
  log: (s: string) => void;
}

/** Top-1 accuracy of class probabilities [n, k] against labels; disposes `probs`. */
export function accuracy(probs: TF.Tensor, labels: ArrayLike<number>): number {
  const p = probs.dataSync();
  const k = probs.shape[1];
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
    right += best === labels[r] ? 1 : 0;
  }
  probs.dispose();
  return right / labels.length;
}

/** Bytes of the .bin files a save wrote into a fresh directory (removed afterwards). */
export async function savedBytes(save: (dir: string) => Promise<unknown>): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-compress-'));
  try {
    await save(dir);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Units per hidden layer with the most units whose Dense FLOPs are at most half the original's (every hidden layer the same fraction). */
export function halfFlopsUnits(hidden: readonly number[], inputs = 784, outputs = 10): number[] {
  const flops = (h: readonly number[]) => [...h, outputs].reduce((a, u, i) => a + 2 * ([inputs, ...h][i]) * u + u, 0);
  const target = flops(hidden) / 2;
  for (let k = hidden[0]; k >= 1; k--) {
    const h = hidden.map((u) => Math.round((u * k) / hidden[0]));
    if (flops(h) <= target) return h;
  }
  return hidden.map(() => 1);
}

/** Trains the model, builds its variants and measures them. */
export async function measureTensorforge(tf: typeof TF, data: Awaited<ReturnType<typeof TF.datasets.fashionMnist>>, o: TfOptions): Promise<VariantRow[]> {
  const { train, test } = data;
  const labels = test.y.dataSync();
  const hidden = HIDDEN[o.model];
  const build = () => {
    const m = tf.sequential([
      ...hidden.map((units, i) => tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) })),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    return m;
  };
  const fitArgs = (epochs: number, extra: Record<string, unknown> = {}) => ({ epochs, batchSize: 64, verbose: 0 as const, ...extra });
  const base = { system: 'tensorforge' as const, model: o.model };
  const cost = (m: TF.Sequential) => tf.compression.report(m, { print: false });
  const kernels = (m: TF.Sequential) => {
    const s = tf.pruning.sparsity(m).kernels;
    return { kernelParameters: s.size, kernelNonzeros: s.size - s.zeros };
  };

  tf.setSeed(1);
  o.log(`  compress: tensorforge ${o.model}: training ${o.epochs} epoch(s)`);
  const dense = build();
  await dense.fit(train.x, train.y, fitArgs(o.epochs));
  const denseAcc = accuracy(dense.predict(test.x), labels);
  const rows: VariantRow[] = [];
  rows.push({ ...base, variant: 'dense float32', accuracy: denseAcc, bytes: await savedBytes((d) => dense.save(d)), ...kernels(dense), flopsPerSample: cost(dense).flopsPerSample });
  if (o.everyLayer) {
    // The dense model trained as long as the fine-tuned variants were: how
    // much of their accuracy is the extra epochs rather than the compression.
    const longer = build();
    longer.setWeights(dense.getWeights());
    await longer.fit(train.x, train.y, fitArgs(o.finetune));
    rows.push({ ...base, variant: `dense float32, +${o.finetune} epoch(s) (reference)`, accuracy: accuracy(longer.predict(test.x), labels), bytes: rows[0].bytes, note: 'predicts as dense' });
  }
  for (const kind of ['float16', 'uint8'] as const) {
    const bytes = await savedBytes(async (d) => {
      await dense.save(d, { quantizeWeights: kind });
      rows.push({ ...base, variant: `weights ${kind} (file)`, accuracy: accuracy((await tf.loadLayersModel(d)).predict(test.x) as TF.Tensor, labels), bytes: 0, note: 'loads as float32: predicts as dense' });
    });
    rows[rows.length - 1].bytes = bytes;
  }

  // Magnitude pruning, TFMOT-style: fine-tuning from the dense weights while
  // the sparsity rises polynomially to the target over the first 60% of the
  // steps, then holds. 'hidden': the output layer stays dense (as TFMOT's
  // guide advises: a 64 x 10 kernel cut to 10% leaves ~6 weights per class)
  // and the hidden kernels are cut a little deeper so that `sparsity` of all
  // kernel weights are zero; 'every layer': each kernel cut to `sparsity`.
  const steps = Math.ceil(train.x.shape[0] / 64) * o.finetune;
  const endStep = Math.max(1, Math.floor(steps * 0.6));
  const sizes = [...hidden, 10].map((u, i) => [784, ...hidden][i] * u);
  const total = sizes.reduce((a, b) => a + b, 0);
  const hiddenShare = (o.sparsity * total) / (total - sizes[sizes.length - 1]);
  const pruneVariants: { variant: string; target: number; layers?: (m: TF.Sequential) => string[] }[] = [
    { variant: `low-magnitude ${Math.round(o.sparsity * 100)}% (hidden kernels ${(100 * hiddenShare).toFixed(1)}%)`, target: hiddenShare, layers: (m) => m.layers.slice(0, -1).map((l) => l.name) },
    ...(o.everyLayer ? [{ variant: `low-magnitude ${Math.round(o.sparsity * 100)}% every layer`, target: o.sparsity }] : []),
  ];
  const prunedModels: Record<string, TF.Sequential> = {};
  for (const p of pruneVariants) {
    o.log(`  compress: tensorforge ${o.model}: ${p.variant}, ${o.finetune} epoch(s)`);
    const pruned = build();
    pruned.setWeights(dense.getWeights());
    const names = p.layers?.(pruned);
    // What the dense model scores with the same cut made at once, before any fine-tuning.
    const oneShot = build();
    oneShot.setWeights(dense.getWeights().map((w, i) => (i % 2 === 0 && (!names || i / 2 < names.length) ? cut(tf, w, p.target) : w)));
    const before = accuracy(oneShot.predict(test.x), labels);
    await pruned.fit(train.x, train.y, fitArgs(o.finetune, {
      callbacks: [tf.pruning.lowMagnitude({ targetSparsity: p.target, beginStep: 0, endStep, frequency: Math.max(1, Math.min(100, Math.floor(endStep / 10))), ...(names ? { layers: names } : {}) })],
    }));
    tf.pruning.strip(pruned);
    prunedModels[p.variant] = pruned;
    rows.push({ ...base, variant: p.variant, accuracy: accuracy(pruned.predict(test.x), labels), accuracyBeforeFinetune: before,
      bytes: await savedBytes((d) => pruned.save(d)), ...kernels(pruned), flopsPerSample: cost(pruned).flopsPerSample, note: 'zeros stored densely' });
  }

  // Structural shrinking to at most half the FLOPs, then fine-tuning.
  const units = halfFlopsUnits(hidden);
  o.log(`  compress: tensorforge ${o.model}: shrinkUnits to ${units.join('-')} units, ${o.finetune} epoch(s)`);
  const small = tf.pruning.shrinkUnits(dense, { keep: units[0] / hidden[0] });
  const smallOneShot = accuracy(small.predict(test.x), labels);
  await small.fit(train.x, train.y, fitArgs(o.finetune));
  rows.push({ ...base, variant: `shrinkUnits 784-${units.join('-')}-10`, accuracy: accuracy(small.predict(test.x), labels), accuracyBeforeFinetune: smallOneShot,
    bytes: await savedBytes((d) => small.save(d)), ...kernels(small), flopsPerSample: cost(small).flopsPerSample });

  // Post-training int8, calibrated on 1000 training images.
  const calibration = tf.tensor(train.x.dataSync().subarray(0, 1000 * 784), [1000, 784]);
  const q = tf.quantization.quantize(dense, { calibration, perChannel: true });
  const qt = tf.quantization.quantize(dense, { calibration, perChannel: false });
  for (const [variant, m] of [['int8 per channel', q], ['int8 per tensor', qt]] as const) {
    rows.push({ ...base, variant, accuracy: accuracy(m.predict(test.x), labels), bytes: await savedBytes((d) => m.save(d)), flopsPerSample: cost(dense).flopsPerSample });
  }

  // The same int8 model kept on one thread (setNumThreads(1) withholds the
  // helper): what the helper thread adds, and the like of PyTorch's 1-thread rows.
  const perChannel = rows[rows.length - 2];
  rows.push({ ...perChannel, variant: 'int8 per channel, 1 thread', note: 'the int8 per channel model, no helper thread' });
  o.log(`  compress: tensorforge ${o.model}: timing`);
  const big = tf.tensor(test.x.dataSync().subarray(0, 1000 * 784), [1000, 784]);
  const one = tf.tensor(test.x.dataSync().subarray(0, 784), [1, 784]);
  const runners = (x: TF.Tensor): Record<string, () => void> => ({
    'dense float32': () => dense.predict(x, { batchSize: 1000 }).dispose(),
    ...Object.fromEntries(Object.entries(prunedModels).map(([k, m]) => [k, () => m.predict(x, { batchSize: 1000 }).dispose()])),
    [rows.find((r) => r.variant.startsWith('shrinkUnits'))!.variant]: () => small.predict(x, { batchSize: 1000 }).dispose(),
    'int8 per channel': () => q.predict(x).dispose(),
    'int8 per tensor': () => qt.predict(x).dispose(),
    'int8 per channel, 1 thread': () => {
      const n = tf.getNumThreads();
      tf.setNumThreads(1);
      try {
        q.predict(x).dispose();
      } finally {
        tf.setNumThreads(n);
      }
    },
  });
  const thr = timeSideBySide(runners(big), o.rounds, o.quick ? 0.05 : 0.25);
  const lat = timeSideBySide(runners(one), o.rounds, o.quick ? 0.05 : 0.25);
  for (const r of rows) {
    if (thr[r.variant] === undefined) continue;
    r.samplesPerSecond = 1000 / thr[r.variant];
    r.latencySeconds = lat[r.variant];
    // int8: batch 1 on one thread; 1000 rows split over a helper when a core is free.
    r.threads = r.variant === 'int8 per channel, 1 thread' ? '1' : r.variant.startsWith('int8') ? `1 / ${Math.min(2, tf.getNumThreads())}` : String(tf.getNumThreads());
  }
  for (const t of [calibration, big, one]) t.dispose();
  return rows;
}

/** A copy of `w` with its smallest-magnitude `sparsity` share set to zero (the one-shot cut, for the before-fine-tuning figure). */
function cut(tf: typeof TF, w: TF.Tensor, sparsity: number): TF.Tensor {
  const v = Float32Array.from(w.dataSync());
  const order = Array.from(v.keys()).sort((a, b) => Math.abs(v[a]) - Math.abs(v[b]) || a - b);
  for (let i = 0; i < Math.floor(sparsity * v.length); i++) v[order[i]] = 0;
  return tf.tensor(v, [...w.shape]);
}
