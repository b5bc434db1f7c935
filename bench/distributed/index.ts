// Data-parallel training over MPI (issue 22): the large MLP (784-512-512-10,
// Adam) for an epoch of Fashion-MNIST on 1 rank x 1 thread, 2 ranks x 1
// thread (global batch 512 = 256 per rank, and 256 = 128 per rank) and 1 rank
// x 2 threads; two independent single-thread processes training at once,
// with no exchange at all (what the machine allows two ranks: their shared
// caches, memory and clock); the time of a training step's gradient exchange
// against its size; and from those a model of scaling to more hosts.
//   npm run bench:distributed -- [--rounds 3] [--epochs 2] [--quick]
// Every run is a fresh process (mpirun for two ranks); per round the
// configurations run in alternating order (A B C D, then D C B A), and the
// figures are medians over rounds of per-epoch medians. Wall seconds carry
// the machine's other load; CPU seconds (user + system of each process) do
// not, so the speedups are given both ways. Writes bench/results/distributed.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Args { rounds: number; epochs: number }

function parse(argv: string[]): Args {
  const a: Args = { rounds: 3, epochs: 2 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--rounds': a.rounds = Number(v); i++; break;
      case '--epochs': a.epochs = Number(v); i++; break;
      case '--quick': a.rounds = 1; a.epochs = 1; break;
      default: throw new Error(`bench:distributed: unknown argument '${argv[i]}'; usage: [--rounds N] [--epochs N] [--quick]`);
    }
  }
  if (!(a.rounds >= 1) || !(a.epochs >= 1)) throw new Error('bench:distributed: --rounds and --epochs must be >= 1');
  return a;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// independent: `ranks` separate processes, each training alone on the whole data.
interface Config { key: string; label: string; ranks: number; threads: number; batchSize: number; independent?: boolean }
const CONFIGS: Config[] = [
  { key: 'r1t1', label: '1 rank x 1 thread, batch 256', ranks: 1, threads: 1, batchSize: 256 },
  { key: 'r2t1', label: '2 ranks x 1 thread, global batch 512 (256 per rank)', ranks: 2, threads: 1, batchSize: 512 },
  { key: 'r2t1b256', label: '2 ranks x 1 thread, global batch 256 (128 per rank)', ranks: 2, threads: 1, batchSize: 256 },
  { key: 'r1t2', label: '1 rank x 2 threads, batch 256', ranks: 1, threads: 2, batchSize: 256 },
  { key: 'pair', label: '2 independent processes x 1 thread, batch 256 each (no exchange)', ranks: 2, threads: 1, batchSize: 256, independent: true },
];

interface Sync { steps: number; bytes: number; controlSeconds: number; reduceSeconds: number; reduceCpuSeconds: number }
interface RankResult { steps: number; wall: number[]; cpu: number[]; syncs: Sync[]; accuracy: number[] }

const WORKER = path.join(__dirname, 'worker.ts');
// mpirun as root needs these; traffic stays on this host (self + shared memory). Waiting
// ranks yield the core (the machine is shared: a spinning rank would take its peer's core).
const ENV = {
  ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl: 'self,vader',
  OMPI_MCA_mpi_yield_when_idle: process.env.OMPI_MCA_mpi_yield_when_idle ?? '1',
};

function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-dist-')), name);
}

function runFit(c: Config, epochs: number): RankResult[] {
  const out = tmpFile('fit.json');
  const args = ['fit', String(c.threads), String(c.batchSize), String(epochs), c.ranks > 1 && !c.independent ? 'distributed' : 'single', out];
  if (c.independent) {
    // Started together by one shell, each writing its own file; the command
    // comes as the shell's arguments ("$@"), so nothing needs quoting.
    const loop = 'i=0; while [ "$i" -lt "$RANKS" ]; do "$@" "$OUT.rank$i" & i=$((i + 1)); done; wait';
    execFileSync('sh', ['-c', loop, 'sh', process.execPath, '--import', 'tsx', WORKER, ...args.slice(0, -1)],
      { env: { ...ENV, RANKS: String(c.ranks), OUT: out }, stdio: ['ignore', 'ignore', 'inherit'] });
    return Array.from({ length: c.ranks }, (_, r) => JSON.parse(fs.readFileSync(`${out}.rank${r}`, 'utf8')) as RankResult);
  }
  if (c.ranks > 1) {
    execFileSync('mpirun', ['-np', String(c.ranks), '--oversubscribe', '--bind-to', 'none', process.execPath, '--import', 'tsx', WORKER, ...args],
      { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] });
    return Array.from({ length: c.ranks }, (_, r) => JSON.parse(fs.readFileSync(`${out}.rank${r}`, 'utf8')) as RankResult);
  }
  execFileSync(process.execPath, ['--import', 'tsx', WORKER, ...args], { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] });
  return [JSON.parse(fs.readFileSync(out, 'utf8')) as RankResult];
}

interface ExchangeRow { floats: number; bytes: number; wallSeconds: number; cpuSeconds: number; bestSeconds: number; gbPerSecond: number; bestGbPerSecond: number }

function runExchange(): ExchangeRow[] {
  const out = tmpFile('exchange.json');
  execFileSync('mpirun', ['-np', '2', '--oversubscribe', '--bind-to', 'none', process.execPath, '--import', 'tsx', WORKER, 'allreduce', out],
    { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] });
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as { rows: ExchangeRow[] }).rows;
}

function cpuName(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

const ms = (s: number): string => (s * 1e3).toFixed(2);

function main(): void {
  const a = parse(process.argv.slice(2));
  const per: Record<string, { wall: number[]; cpu: number[]; exchange: number[]; exchangeCpu: number[]; control: number[]; steps: number; accuracy: number }> = {};
  for (const c of CONFIGS) per[c.key] = { wall: [], cpu: [], exchange: [], exchangeCpu: [], control: [], steps: 0, accuracy: 0 };
  const exchanges: ExchangeRow[][] = [];
  const loads: number[] = [];
  for (let r = 0; r < a.rounds; r++) {
    const order = r % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const c of order) {
      loads.push(os.loadavg()[0]);
      const ranks = runFit(c, a.epochs);
      const p = per[c.key];
      // A run's epoch: the slowest rank's (every rank waits for it each step).
      p.wall.push(Math.max(...ranks.map((x) => median(x.wall))));
      p.cpu.push(Math.max(...ranks.map((x) => median(x.cpu))));
      p.steps = ranks[0].steps;
      p.accuracy = ranks[0].accuracy.at(-1)!;
      if (c.ranks > 1 && !c.independent) {
        const syncs = ranks.flatMap((x) => x.syncs);
        p.exchange.push(median(syncs.map((s) => s.reduceSeconds / s.steps)));
        p.exchangeCpu.push(median(syncs.map((s) => s.reduceCpuSeconds / s.steps)));
        p.control.push(median(syncs.map((s) => s.controlSeconds / s.steps)));
      }
    }
    exchanges.push(runExchange());
    process.stderr.write(`round ${r + 1}/${a.rounds} done\n`);
  }
  const m = (k: string, f: 'wall' | 'cpu' | 'exchange' | 'exchangeCpu' | 'control') => median(per[k][f]);
  const exchangeRows = exchanges[0].map((row, i) => {
    const all = exchanges.map((e) => e[i]);
    const wallSeconds = median(all.map((x) => x.wallSeconds));
    const bestSeconds = Math.min(...all.map((x) => x.bestSeconds));
    return { floats: row.floats, bytes: row.bytes, wallSeconds, cpuSeconds: median(all.map((x) => x.cpuSeconds)), bestSeconds,
      gbPerSecond: row.bytes / wallSeconds / 1e9, bestGbPerSecond: row.bytes / bestSeconds / 1e9 };
  });
  // The model's exchange: 669,706 floats (its gradient arena, 2.68 MB).
  const arena = exchangeRows.find((x) => x.floats === 669_706)!;
  const stepCpu = m('r1t1', 'cpu') / per.r1t1.steps; // one 256-sample step on one core
  const summary = {
    cpu: cpuName(), cores: os.cpus().length, openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
    load: { min: Math.min(...loads), max: Math.max(...loads) }, rounds: a.rounds, epochs: a.epochs,
    configs: CONFIGS.map((c) => ({
      ...c, steps: per[c.key].steps, wallSeconds: m(c.key, 'wall'), cpuSeconds: m(c.key, 'cpu'), accuracy: per[c.key].accuracy,
      ...(c.ranks > 1 && !c.independent ? { exchangeSeconds: m(c.key, 'exchange'), exchangeCpuSeconds: m(c.key, 'exchangeCpu'), controlSeconds: m(c.key, 'control') } : {}),
    })),
    speedup: {
      twoRanksWall: m('r1t1', 'wall') / m('r2t1', 'wall'),
      twoRanksCpu: m('r1t1', 'cpu') / m('r2t1', 'cpu'),
      twoRanksBatch256Wall: m('r1t1', 'wall') / m('r2t1b256', 'wall'),
      twoRanksBatch256Cpu: m('r1t1', 'cpu') / m('r2t1b256', 'cpu'),
      twoThreadsWall: m('r1t1', 'wall') / m('r1t2', 'wall'),
      // Two processes that never exchange do two epochs in the pair's time:
      // the most any two ranks can gain on this machine.
      independentPairWall: (2 * m('r1t1', 'wall')) / m('pair', 'wall'),
      // Two free cores: each rank's step is a 256-sample step plus the exchange at its uncontended time.
      twoRanksModel: (2 * stepCpu) / (stepCpu + arena.bestSeconds),
    },
    stepCpuSeconds: stepCpu,
    exchangeShareOfStep: { best: arena.bestSeconds / (stepCpu + arena.bestSeconds), inTraining: m('r2t1', 'exchange') / (stepCpu + m('r2t1', 'exchange')) },
    exchange: exchangeRows,
  };
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'distributed.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const lines = [
    `CPU: ${summary.cpu}, ${summary.cores} cores, OPENBLAS_CORETYPE=${summary.openblasCoretype ?? '(unset)'}, load ${summary.load.min.toFixed(1)}-${summary.load.max.toFixed(1)}; ` +
      `${a.rounds} rounds x ${a.epochs} epochs, alternated order, medians`,
    '',
    '| configuration | steps/epoch | wall s/epoch | CPU s/epoch (slowest rank) | exchange ms/step (wall, CPU) | accuracy after run |',
    '|---|---:|---:|---:|---:|---:|',
    ...summary.configs.map((c) => `| ${c.label} | ${c.steps} | ${c.wallSeconds.toFixed(2)} | ${c.cpuSeconds.toFixed(2)} | ` +
      `${c.exchangeSeconds !== undefined ? `${ms(c.exchangeSeconds)}, ${ms(c.exchangeCpuSeconds!)}` : '-'} | ${c.accuracy.toFixed(4)} |`),
    '',
    `2 ranks vs 1 rank (1 thread each, 256 per rank): ${summary.speedup.twoRanksWall.toFixed(2)}x wall, ${summary.speedup.twoRanksCpu.toFixed(2)}x CPU; ` +
      `model on two free cores ${summary.speedup.twoRanksModel.toFixed(2)}x`,
    `2 ranks, global batch 256: ${summary.speedup.twoRanksBatch256Wall.toFixed(2)}x wall, ${summary.speedup.twoRanksBatch256Cpu.toFixed(2)}x CPU; ` +
      `1 rank x 2 threads: ${summary.speedup.twoThreadsWall.toFixed(2)}x wall`,
    `2 independent processes (no exchange): ${summary.speedup.independentPairWall.toFixed(2)}x the throughput of one: the bound for 2 ranks here`,
    `step (256 samples, 1 core): ${ms(stepCpu)} ms CPU; exchange of the 2.68 MB arena: ${ms(arena.bestSeconds)} ms best ` +
      `(${(100 * summary.exchangeShareOfStep.best).toFixed(1)}% of a step), ${ms(m('r2t1', 'exchange'))} ms median in training ` +
      `(${(100 * summary.exchangeShareOfStep.inTraining).toFixed(1)}%)`,
    '',
    '| exchange size | median ms | best ms | median GB/s | best GB/s |',
    '|---:|---:|---:|---:|---:|',
    ...exchangeRows.map((x) => `| ${(x.bytes / 1024).toFixed(0)} KiB | ${ms(x.wallSeconds)} | ${ms(x.bestSeconds)} | ${x.gbPerSecond.toFixed(2)} | ${x.bestGbPerSecond.toFixed(2)} |`),
  ];
  console.log(lines.join('\n'));
}

main();
