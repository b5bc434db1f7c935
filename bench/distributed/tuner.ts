// The tuner across MPI ranks (issue 22): trials per hour of one model search
// on 1 rank x 1 thread against 2 ranks x 1 thread (every rank runs trials;
// rank 0 also keeps the study and hands them out).
//   npx tsx bench/distributed/tuner.ts [--rounds 3] [--trials 12]
// The search: random search over an MLP on 24000 synthetic samples of 64
// features (two hidden layers of 32..256 units, 5 epochs, batch 64), trials one
// at a time per rank, no pruning, so both runs do comparable work. Every run is
// a fresh mpirun; the configurations alternate per round; medians over rounds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/index';

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function rank(trials: number, out: string): Promise<void> {
  const job = tf.distributed.init({ timeout: 300 });
  tf.setNumThreads(1);
  tf.setSeed(3);
  const n = 24000;
  const x = tf.randomNormal([n, 64]);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32');
  const tuner = tf.tuner.randomSearch({
    build: (hp) => {
      const m = tf.sequential({
        layers: [
          tf.layers.dense({ units: hp.int('units1', 32, 256, { step: 32 }), activation: 'relu', inputShape: [64] }),
          tf.layers.dense({ units: hp.int('units2', 32, 256, { step: 32 }), activation: 'relu' }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    },
    objective: 'val_accuracy', maxEpochs: 5, maxTrials: trials, parallelism: 1, pruner: null, seed: 7, verbose: 0, keepModels: 1,
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await tuner.search(x, y, { validationSplit: 0.2, batchSize: 64, distributed: true });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  // CPU seconds of the search on this rank (user + system): the machine's other load does not inflate them.
  fs.writeFileSync(`${out}.cpu${job.rank}`, String((c.user + c.system) / 1e6));
  if (job.rank === 0) {
    const perRank = [0, 1].map((k) => tuner.trials.filter((t) => t.rank === k).length);
    const busy = tuner.trials.reduce((a, t) => a + t.duration, 0);
    fs.writeFileSync(out, JSON.stringify({ ranks: job.size, trials: r.trials, seconds, perRank, trialSeconds: busy }));
  }
}

function driver(argv: string[]): void {
  let rounds = 3;
  let trials = 12;
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--rounds') rounds = Number(argv[i + 1]);
    else if (argv[i] === '--trials') trials = Number(argv[i + 1]);
    else throw new Error(`bench/distributed/tuner: unknown argument '${argv[i]}'; usage: [--rounds N] [--trials N]`);
  }
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl: 'self,vader', OMPI_MCA_mpi_yield_when_idle: '1' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-tuner-'));
  const seconds: Record<number, number[]> = { 1: [], 2: [] };
  const cpuPerTrial: Record<number, number[]> = { 1: [], 2: [] };
  let last: Record<number, unknown> = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const np of round % 2 ? [2, 1] : [1, 2]) {
        const out = path.join(dir, `r${round}-${np}.json`);
        execFileSync('mpirun', ['-np', String(np), '--oversubscribe', '--bind-to', 'none', process.execPath, '--import', 'tsx', __filename, 'rank', String(trials), out],
          { env, stdio: ['ignore', 'ignore', 'inherit'] });
        const r = JSON.parse(fs.readFileSync(out, 'utf8'));
        r.cpuSeconds = Array.from({ length: np }, (_, k) => Number(fs.readFileSync(`${out}.cpu${k}`, 'utf8')));
        seconds[np].push(r.seconds);
        cpuPerTrial[np].push(r.cpuSeconds.reduce((a: number, b: number) => a + b, 0) / r.trials);
        last = { ...last, [np]: r };
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const [one, two] = [median(seconds[1]), median(seconds[2])];
  console.log(`tuner across ranks, ${trials} trials, ${cpu}, ${rounds} round(s):`);
  console.log(`  1 rank x 1 thread:  ${one.toFixed(2)} s  (${((trials / one) * 3600).toFixed(0)} trials/hour)`);
  console.log(`  2 ranks x 1 thread: ${two.toFixed(2)} s  (${((trials / two) * 3600).toFixed(0)} trials/hour), ${(one / two).toFixed(2)}x`);
  console.log(`  CPU seconds per trial (all ranks): 1 rank ${median(cpuPerTrial[1]).toFixed(3)}, 2 ranks ${median(cpuPerTrial[2]).toFixed(3)}`);
  console.log(`  last runs: ${JSON.stringify(last)}`);
}

if (process.argv[2] === 'rank') void rank(Number(process.argv[3]), process.argv[4]);
else driver(process.argv.slice(2));
