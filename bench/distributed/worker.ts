// One process of bench/distributed (alone, or one rank under mpirun):
//   npx tsx bench/distributed/worker.ts fit <threads> <batchSize> <epochs> <single|distributed> <out.json>
//   npx tsx bench/distributed/worker.ts allreduce <out.json>
// fit: the large MLP (784-512-512-10, Adam) on Fashion-MNIST; per epoch the
// wall and this process's CPU seconds (user + system, which the machine's
// other load does not inflate), and with `distributed` the time the steps
// spent exchanging gradients. allreduce: time per allreduceMean against its
// size. Rank 0 (or the single process) writes <out.json>; every rank writes
// <out.json>.rank<r> for the distributed runs.
import * as fs from 'node:fs';
import * as tf from '../../src/index';
import { native } from '../../src/native';

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

async function fit(threads: number, batchSize: number, epochs: number, distributed: boolean, out: string): Promise<void> {
  const job = distributed ? tf.distributed.init({ timeout: 300 }) : { rank: 0, size: 1 };
  tf.setNumThreads(threads);
  const data = await tf.datasets.fashionMnist();
  tf.setSeed(1);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const wall: number[] = [];
  const cpu: number[] = [];
  const syncs: ReturnType<typeof native.distributedSyncTimes>[] = [];
  let t0 = 0;
  let c0: NodeJS.CpuUsage | undefined;
  const h = await model.fit(data.train.x, data.train.y, {
    epochs, batchSize, verbose: 0, seed: 1, distributed,
    callbacks: {
      onEpochBegin: () => {
        if (distributed) native.distributedSyncTimes(true);
        t0 = performance.now();
        c0 = process.cpuUsage();
      },
      onEpochEnd: () => {
        wall.push((performance.now() - t0) / 1000);
        cpu.push(cpuSeconds(c0));
        if (distributed) syncs.push(native.distributedSyncTimes(true));
      },
    },
  });
  const steps = Math.ceil(data.train.x.shape[0] / batchSize);
  const result = {
    threads, batchSize, ranks: job.size, rank: job.rank, steps, wall, cpu, syncs,
    wallMedian: median(wall), cpuMedian: median(cpu), accuracy: h.history.acc ?? h.history.accuracy,
  };
  fs.writeFileSync(distributed ? `${out}.rank${job.rank}` : out, JSON.stringify(result));
}

function allreduce(out: string): void {
  const job = tf.distributed.init({ timeout: 300 });
  // Sizes in floats, up to past the large MLP's gradient arena (669,706 floats, 2.68 MB);
  // each exchange is a training step's: a control round, then the sums (native/rank_agreement.h).
  const sizes = [256, 4096, 65_536, 262_144, 669_706, 2_097_152];
  const stats = new Float64Array(2);
  const rows = sizes.map((n) => {
    const a = new Float32Array(n).fill(1);
    const reps = Math.max(20, Math.min(1000, Math.floor(1e8 / (n * 4))));
    for (let i = 0; i < 5; i++) native.distributedStepExchange(a, stats);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < 5; r++) {
      tf.distributed.barrier();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < reps; i++) native.distributedStepExchange(a, stats);
      wall.push((performance.now() - t0) / 1000 / reps);
      cpu.push(cpuSeconds(c0) / reps);
    }
    // Per-call minimum too: on a loaded machine the median carries waits for a descheduled peer.
    const single: number[] = [];
    for (let i = 0; i < Math.min(reps, 200); i++) {
      tf.distributed.barrier();
      const t0 = performance.now();
      native.distributedStepExchange(a, stats);
      single.push((performance.now() - t0) / 1000);
    }
    const best = Math.min(...single);
    return {
      floats: n, bytes: n * 4, reps, wallSeconds: median(wall), cpuSeconds: median(cpu), bestSeconds: best,
      gbPerSecond: (n * 4) / median(wall) / 1e9, bestGbPerSecond: (n * 4) / best / 1e9,
    };
  });
  if (job.rank === 0) fs.writeFileSync(out, JSON.stringify({ ranks: job.size, rows }));
}

const [what, ...rest] = process.argv.slice(2);
if (what === 'fit') {
  const [threads, batchSize, epochs, mode, out] = rest;
  fit(Number(threads), Number(batchSize), Number(epochs), mode === 'distributed', out).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (what === 'allreduce') {
  allreduce(rest[0]);
} else {
  console.error('usage: worker.ts fit <threads> <batchSize> <epochs> <single|distributed> <out.json> | allreduce <out.json>');
  process.exit(2);
}
