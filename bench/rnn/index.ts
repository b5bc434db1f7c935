// bench/rnn: the sequence issue's benchmark. One epoch of the row-wise
// LSTM(128) + Dense(10) on Fashion-MNIST (28 steps of 28 pixels, Adam,
// sparse cross-entropy) with tensorforge and with PyTorch 1.13's nn.LSTM at 1
// and 2 threads, at batch 32 and 128, each in its own process, alternating.
// Reports wall seconds and CPU seconds (all threads) per epoch and the test
// accuracy after that epoch, with the CPU name and the load average: on a
// shared machine the CPU seconds are the steadier figure.
//
//   npx tsx bench/rnn/index.ts                  full epoch (60,000 images)
//   npx tsx bench/rnn/index.ts --images=6000    the first 6,000 images only
//   npx tsx bench/rnn/index.ts --rounds=2 --batches=32,128 --threads=1,2 --torch-threads=1,2
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { torchEnv } from '../inference/index';
import { ROOT, machineInfo, numList, parseArgs, table, warnIfBusy, writeResult } from '../lib/util';

const PYTHON = '/usr/bin/python3';
const DATA = '/usr/share/datasets/fashion-mnist';

interface Run {
  system: string;
  batch: number;
  seconds: number;
  cpuSeconds: number;
  images: number;
  accuracy: number;
  load: number;
}

function ours(batch: number, images: number, threads: number): Omit<Run, 'system' | 'batch' | 'load'> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker.ts'), String(batch), String(images), String(threads)], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function torch(batch: number, threads: number, images: number): Omit<Run, 'system' | 'batch' | 'load'> {
  const out = execFileSync(PYTHON, [path.join(__dirname, 'torch_lstm.py'), DATA, String(batch), String(threads), String(images)], {
    env: torchEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const images = Number(args.images ?? 60000);
  const rounds = Number(args.rounds ?? 1);
  const batches = numList(args.batches) ?? [32, 128];
  const info = machineInfo();
  warnIfBusy();
  const runs: Run[] = [];
  const plural = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;
  const systems: [string, (b: number) => Omit<Run, 'system' | 'batch' | 'load'>][] = [
    ...(numList(args.threads) ?? [1, 2]).map((n): [string, (b: number) => Omit<Run, 'system' | 'batch' | 'load'>] => [`tensorforge ${plural(n)}`, (b) => ours(b, images, n)]),
    ...(numList(args['torch-threads']) ?? [1, 2]).map((n): [string, (b: number) => Omit<Run, 'system' | 'batch' | 'load'>] => [`pytorch ${plural(n)}`, (b) => torch(b, n, images)]),
  ];
  for (let r = 0; r < rounds; r++) {
    for (const batch of batches) {
      for (const [system, run] of r % 2 ? [...systems].reverse() : systems) {
        const load = Number(require('node:os').loadavg()[0].toFixed(2));
        const res = run(batch);
        runs.push({ system, batch, load, ...res });
        process.stderr.write(`${system} batch ${batch}: ${res.seconds.toFixed(1)} s wall, ${res.cpuSeconds.toFixed(1)} s CPU, accuracy ${res.accuracy.toFixed(4)} (load ${load})\n`);
      }
    }
  }
  const scale = (v: number, n: number) => (v * 60000) / n;
  console.log(`CPU: ${info.cpuModel}, ${info.cores} cores; load average at start ${info.loadavg.join(' ')}`);
  console.log(table(['system', 'batch', 's / epoch (wall)', 'CPU s / epoch', 'accuracy', 'load'],
    runs.map((r) => [r.system, r.batch, scale(r.seconds, r.images).toFixed(1), scale(r.cpuSeconds, r.images).toFixed(1), r.accuracy.toFixed(4), r.load])));
  writeResult('rnn', { info, images, runs });
}

main();
