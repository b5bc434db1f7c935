// bench/tape: issue 21's benchmark. One epoch of the seed model (784-64-10,
// Adam, batch 32) on Fashion-MNIST as a custom training loop
// (tf.variableGrads + optimizer.applyGradients per batch) against
// tensorforge's own fit, fit with the loss written as a function (the tape
// path of compile's custom losses), PyTorch eager's equivalent loop
// (bench/train/torch_worker.py) and the same custom loop in TensorFlow.js
// wasm; each run in its own process, systems alternating round by round.
// Each epoch is reported in wall seconds and in process CPU seconds (all
// threads): on a shared machine the CPU figure is the one that measures the
// code rather than the neighbours.
// Then the per-op call overhead at small sizes, outside and inside a
// gradient function.
//
//   npx tsx bench/tape/index.ts              # full dataset when installed, 2 rounds
//   npx tsx bench/tape/index.ts --quick      # 5,000 samples, 1 round, no wasm
//   npx tsx bench/tape/index.ts --systems=loop,fit,pytorch
//   npx tsx bench/tape/index.ts --json
// npm run bench runs it in quick mode (run() below).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { torchEnv } from '../inference/index';
import { ROOT, cpuName, fmt, machineInfo, parseArgs, table, tensorforgeEntry, warnIfBusy, writeResult } from '../lib/util';
import type * as TF from '../../src/index';

const PYTHON = '/usr/bin/python3';
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  system: string;
  samples: number;
  epochTimes: number[];
  epochCpu: number[];
  testAccuracy: number;
  peakRssMB: number;
}

function runOnce(system: string, epochs: number, samples: number | undefined): Run {
  const common = [`--epochs=${epochs}`, ...(samples ? [`--samples=${samples}`] : [])];
  const out = system === 'pytorch'
    ? execFileSync(PYTHON, [path.join(__dirname, 'torch_loop.py'), ...common], { encoding: 'utf8', env: torchEnv() })
    : execFileSync(TSX, [path.join(__dirname, 'worker.ts'), `--system=${system}`, ...common], { encoding: 'utf8', cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop() as string) as Run;
}

/** Median CPU microseconds per call of `f` over `n` calls (5 batches; CPU time, not wall: the machine is shared). */
function perCall(f: () => void, n: number): number {
  for (let i = 0; i < n / 10; i++) f();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const d = process.cpuUsage(c0);
    times.push((d.user + d.system) / n);
  }
  return times.sort((a, b) => a - b)[2];
}

function opOverhead(): Record<string, number> {
  // Loaded here, not at import: npm run bench imports this module into the process that runs the other benchmarks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require(tensorforgeEntry().path) as typeof TF;
  const a = tf.tensor1d([1, 2, 3, 4]);
  const m = tf.tensor2d([[1, 2], [3, 4]]);
  const r: Record<string, number> = {};
  r['add [4] (no gradient function running)'] = perCall(() => tf.add(a, a).dispose(), 100_000);
  r['relu [4]'] = perCall(() => tf.relu(a).dispose(), 100_000);
  r['matMul 2x2'] = perCall(() => tf.matMul(m, m).dispose(), 100_000);
  // 100 chained adds under tf.grad, per add: recording plus its share of the backward pass.
  const g = tf.grad((x) => {
    let y = x;
    for (let i = 0; i < 100; i++) y = tf.add(y, a);
    return tf.sum(y);
  });
  r['add [4] under tf.grad, forward + backward, per add'] = perCall(() => g(a).dispose(), 200) / 100;
  return r;
}

/** What one bench/tape run measured. */
export interface TapeResult {
  benchmark: 'tape';
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo> & { cpuName: string; loadAtStart: number };
  rows: {
    system: string; samples: number; secondsPerEpoch: number; cpuSecondsPerEpoch: number; ratioToLoop: number; cpuRatioToLoop: number;
    testAccuracy: number; peakRssMB: number;
  }[];
  overheadMicroseconds: Record<string, number>;
  notes: string[];
}

/** Runs the systems (PyTorch only when Debian's python3 has torch) and the op overhead. */
export async function run(options: { quick?: boolean; systems?: string[]; log?: (line: string) => void } = {}): Promise<TapeResult> {
  const quick = options.quick === true;
  const log = options.log ?? (() => {});
  const load = warnIfBusy();
  const samples = quick ? 5_000 : undefined;
  const rounds = quick ? 1 : 2;
  const notes: string[] = [];
  const torch = fs.existsSync(PYTHON) && (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!torch) notes.push('PyTorch is not installed (Debian python3-torch): its row is skipped.');
  if (!tensorforgeEntry().built) notes.push('dist/ is missing (npm run build): tensorforge ran from its sources through tsx, which adds to the per-op overhead.');
  const systems = (options.systems ?? ['loop', 'fit', 'custom-loss-fit', 'pytorch', ...(quick ? [] : ['tfjs-wasm-loop'])])
    .filter((s) => s !== 'pytorch' || torch);
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that a change in load hits every system alike.
    const order = round % 2 === 0 ? systems : [...systems].reverse();
    for (const s of order) {
      try {
        log(`tape: ${s}, round ${round + 1}`);
        runs.push(runOnce(s, 2, samples));
      } catch (e) {
        notes.push(`${s}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  // The second epoch of each run (the first includes warm-up), median over rounds.
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const bySystem = new Map<string, Run[]>();
  for (const r of runs) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r]);
  const last = (xs: number[]) => xs[xs.length - 1];
  const epoch = (s: string) => median((bySystem.get(s) ?? []).map((r) => last(r.epochTimes)));
  const epochCpu = (s: string) => median((bySystem.get(s) ?? []).map((r) => last(r.epochCpu)));
  const loop = epoch('loop'), loopCpu = epochCpu('loop');
  const rows = [...bySystem.keys()].map((s) => {
    const rs = bySystem.get(s) as Run[];
    return {
      system: s, samples: rs[0].samples, secondsPerEpoch: epoch(s), cpuSecondsPerEpoch: epochCpu(s),
      ratioToLoop: epoch(s) / loop, cpuRatioToLoop: epochCpu(s) / loopCpu,
      testAccuracy: median(rs.map((r) => r.testAccuracy)), peakRssMB: median(rs.map((r) => r.peakRssMB)),
    };
  });
  return {
    benchmark: 'tape', mode: quick ? 'quick' : 'full', machine: { ...machineInfo(), cpuName: cpuName(), loadAtStart: load }, rows,
    overheadMicroseconds: opOverhead(), notes,
  };
}

/** The result as Markdown tables. */
export function formatResult(result: TapeResult): string {
  return [
    `CPU: ${result.machine.cpuName}, ${result.machine.cores} cores, 1-minute load at start ${result.machine.loadAtStart.toFixed(1)}; ${result.mode} mode`,
    '',
    table(['system', 'samples', 'wall s / epoch', 'CPU s / epoch', 'wall: that / loop', 'CPU: that / loop', 'test accuracy', 'peak RSS MB'],
      result.rows.map((r) => [r.system, r.samples, fmt(r.secondsPerEpoch, 3), fmt(r.cpuSecondsPerEpoch, 3), fmt(r.ratioToLoop, 2), fmt(r.cpuRatioToLoop, 2), fmt(r.testAccuracy, 4), fmt(r.peakRssMB, 0)])),
    '',
    table(['op', 'CPU µs / call'], Object.entries(result.overheadMicroseconds).map(([k, v]) => [k, fmt(v, 2)])),
    ...result.notes.map((n) => `- ${n}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await run({ quick: args.quick === true, systems: typeof args.systems === 'string' ? args.systems.split(',') : undefined });
  console.log(args.json ? JSON.stringify(result, null, 2) : formatResult(result));
  writeResult('tape', result);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
