// bench/train: the training issue's benchmark. The seed model (784-64-10,
// Adam, batch 32) and a large MLP (784-512-512-10, Adam, batch 256) on
// Fashion-MNIST with tensorforge, TensorFlow.js (cpu and wasm backends) and
// PyTorch, each run in its own process, alternating systems round by round.
//
//   npm run bench:train              # full run (~6-8 minutes)
//   npm run bench:train -- --quick   # 10,000 samples, fewer peers (< 1 minute)
//   npm run bench:train -- --json
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPeak } from '../peak/index';
import { openblasCoretype, torchEnv } from '../inference/index';
import { ROOT, fmt, machineInfo, parseArgs, spread, table, warnIfBusy, writeResult } from '../lib/util';

const PYTHON = '/usr/bin/python3';

/** Multiply-adds x 2 per sample for forward + backward (backward ≈ 2 x forward). */
const FLOPS_PER_SAMPLE = { seed: 3 * 2 * (784 * 64 + 64 * 10), large: 3 * 2 * (784 * 512 + 512 * 512 + 512 * 10) };

export interface RunRecord {
  system: string;
  model: 'seed' | 'large';
  samples: number;
  epochs: number;
  epochTimes: number[];
  testAccuracy: number;
  peakRssMB: number;
  info: Record<string, unknown>;
}

export interface Row {
  system: string;
  model: 'seed' | 'large';
  epochs: number;
  runs: number;
  secondsPerEpoch: { median: number; min: number; max: number };
  samplesPerSecond: number;
  gflops: number;
  percentOfPeak: number;
  testAccuracy: number;
  peakRssMB: number;
  /** tensorforge's epoch time divided into this system's (how many times faster tensorforge is). */
  speedupOfTensorforge: number;
  comparableAccuracy: boolean;
  info: Record<string, unknown>;
}

export interface TrainResult {
  benchmark: 'train';
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo>;
  peakGflops: number;
  rows: Row[];
  notes: string[];
}

interface Plan {
  system: string;
  model: 'seed' | 'large';
  epochs: number;
  rounds: number;
  samples?: number;
}

function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function runOnce(p: Plan): RunRecord {
  const common = [`--model=${p.model}`, `--epochs=${p.epochs}`, ...(p.samples ? [`--samples=${p.samples}`] : [])];
  const out = p.system === 'pytorch'
    ? execFileSync(PYTHON, [path.join(__dirname, 'torch_worker.py'), ...common, '--threads=1', '--blas-threads=2'], { encoding: 'utf8', maxBuffer: 1 << 20, env: torchEnv() })
    : execFileSync(process.execPath, [path.join(__dirname, 'worker.cjs'), `--system=${p.system}`, ...common],
      { encoding: 'utf8', maxBuffer: 1 << 20, cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop()!) as RunRecord;
}

export interface TrainOptions {
  quick?: boolean;
  save?: boolean;
  log?: (s: string) => void;
}

export async function run(options: TrainOptions = {}): Promise<TrainResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const quick = options.quick ?? false;
  if (!fs.existsSync(path.join(ROOT, 'dist/cjs/index.js'))) throw new Error('bench/train runs the compiled package: run `npm run build` first');
  warnIfBusy(log);
  const notes: string[] = [];
  const haveTorch = torchAvailable();
  if (!haveTorch) notes.push('PyTorch skipped: `/usr/bin/python3 -c "import torch"` failed (Debian: apt-get install python3-torch).');
  else if (openblasCoretype()) notes.push(`PyTorch runs with OPENBLAS_CORETYPE=${openblasCoretype()}, the best kernels for this CPU (Debian's OpenBLAS 0.3.21 does not know recent Xeons and falls back to its SSE3 Prescott kernels).`);
  const peers = (model: 'seed' | 'large'): Plan[] => {
    if (quick) {
      const n = 10000;
      return [
        { system: 'tensorforge', model, epochs: model === 'seed' ? 2 : 1, rounds: 2, samples: n },
        ...(haveTorch ? [{ system: 'pytorch', model, epochs: model === 'seed' ? 2 : 1, rounds: 2, samples: n }] : []),
        ...(model === 'seed' ? [{ system: 'tfjs-wasm', model, epochs: 1, rounds: 1, samples: 5000 }] : []),
      ];
    }
    return model === 'seed'
      ? [
          { system: 'tensorforge', model, epochs: 5, rounds: 3 },
          ...(haveTorch ? [{ system: 'pytorch', model, epochs: 5, rounds: 3 }] : []),
          { system: 'tfjs-wasm', model, epochs: 5, rounds: 1 },
          { system: 'tfjs-cpu', model, epochs: 1, rounds: 1 },
        ]
      : [
          { system: 'tensorforge', model, epochs: 1, rounds: 5 },
          ...(haveTorch ? [{ system: 'pytorch', model, epochs: 1, rounds: 5 }] : []),
          { system: 'tfjs-wasm', model, epochs: 1, rounds: 1 },
        ];
  };
  if (quick) notes.push('quick mode: 10,000 training samples (tfjs-wasm: 5,000, 1 epoch); tfjs-cpu skipped.');
  else notes.push('tfjs-cpu runs the seed model for 1 epoch only and skips the large MLP (~80 s and ~10 min per epoch).');
  const peak = (await loadPeak({ quick, log })).peakAll;
  const rows: Row[] = [];
  for (const model of ['seed', 'large'] as const) {
    const plans = peers(model);
    const records = new Map<string, RunRecord[]>();
    const maxRounds = Math.max(...plans.map((p) => p.rounds));
    // Alternate systems round by round (A B C A B C ...) so drifting load hits all alike.
    for (let round = 0; round < maxRounds; round++) {
      for (const p of plans) {
        if (round >= p.rounds) continue;
        log(`  ${model} ${p.system} round ${round + 1}/${p.rounds} (${p.epochs} epoch${p.epochs > 1 ? 's' : ''})`);
        try {
          const r = runOnce(p);
          if (!records.has(p.system)) records.set(p.system, []);
          records.get(p.system)!.push(r);
        } catch (e) {
          notes.push(`${p.system} ${model} failed: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    const base = records.get('tensorforge');
    const baseEpoch = base ? spread(base.flatMap((r) => r.epochTimes)).median : NaN;
    const baseAcc = base ? spread(base.map((r) => r.testAccuracy)).median : NaN;
    for (const [system, rs] of records) {
      const times = spread(rs.flatMap((r) => r.epochTimes));
      const samples = rs[0].samples;
      const acc = spread(rs.map((r) => r.testAccuracy)).median;
      const sps = samples / times.median;
      const gflops = (sps * FLOPS_PER_SAMPLE[model]) / 1e9;
      rows.push({
        system, model, epochs: rs[0].epochs, runs: rs.length,
        secondsPerEpoch: { median: times.median, min: times.min, max: times.max },
        samplesPerSecond: sps, gflops, percentOfPeak: (100 * gflops) / peak, testAccuracy: acc,
        peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
        speedupOfTensorforge: times.median / baseEpoch,
        // Same epochs: accuracies within 2 points; fewer epochs are reported, not compared.
        comparableAccuracy: rs[0].epochs === base?.[0].epochs ? Math.abs(acc - baseAcc) <= 0.02 : true,
        info: rs[0].info,
      });
    }
  }
  const result: TrainResult = { benchmark: 'train', mode: quick ? 'quick' : 'full', machine: machineInfo(), peakGflops: peak, rows, notes };
  if (options.save !== false) writeResult(quick ? 'train-quick' : 'train', result);
  return result;
}

export function formatResult(r: TrainResult): string {
  const out: string[] = [];
  for (const model of ['seed', 'large'] as const) {
    const title = model === 'seed' ? 'Seed model 784-64-10, Adam, batch 32' : 'Large MLP 784-512-512-10, Adam, batch 256';
    out.push(`### ${title}\n`);
    out.push(table(
      ['system', 'epochs x runs', 's/epoch (median)', 'min-max', 'samples/s', 'GFLOP/s', '% peak', 'test acc', 'peak RSS MB', 'tensorforge faster by'],
      r.rows.filter((x) => x.model === model).map((x) => [
        x.system, `${x.epochs} x ${x.runs}`, fmt(x.secondsPerEpoch.median, 3), `${fmt(x.secondsPerEpoch.min, 3)}-${fmt(x.secondsPerEpoch.max, 3)}`,
        fmt(x.samplesPerSecond, 0), fmt(x.gflops, 1), fmt(x.percentOfPeak, 0), fmt(x.testAccuracy, 4) + (x.comparableAccuracy ? '' : ' (!)'),
        fmt(x.peakRssMB, 0), x.system === 'tensorforge' ? '-' : `${fmt(x.speedupOfTensorforge, 2)}x`,
      ])));
    out.push('');
  }
  out.push(`Peak FP32 (bench/peak, all cores): ${fmt(r.peakGflops, 1)} GFLOP/s. ${r.machine.cpuModel}, ${r.machine.cores} cores, Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}.`);
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const r = await run({ quick: Boolean(o.quick) });
  if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else process.stdout.write(formatResult(r) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
