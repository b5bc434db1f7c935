// bench/residual: issue 16's benchmark. A residual MLP (784 -> 256, three
// blocks of dense 256 + skip connection, -> 10; Adam, batch 128) on
// Fashion-MNIST, built with tensorforge's functional API and as the
// nn.Module a PyTorch user would write, PyTorch on 1 and on 2 threads (the
// comparison is with its best). Each run in its own process, systems
// alternated round by round. Target: tensorforge >= 1.2x PyTorch's best.
//
//   npm run bench:residual              # 3 epochs x 3 rounds each (~5-10 minutes on 2 cores)
//   npm run bench:residual -- --quick   # 10,000 samples, 1 epoch, 1 round
//   npm run bench:residual -- --json
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openblasCoretype, torchEnv } from '../inference/index';
import { ROOT, fmt, machineInfo, parseArgs, spread, table, warnIfBusy, writeResult } from '../lib/util';

const PYTHON = '/usr/bin/python3';

interface RunRecord {
  system: string;
  samples: number;
  epochs: number;
  epochTimes: number[];
  testAccuracy: number;
  peakRssMB: number;
  info: Record<string, unknown>;
}

interface Plan {
  /** Row label: 'tensorforge', 'pytorch 1 thread', 'pytorch 2 threads'. */
  label: string;
  threads?: number;
}

export interface ResidualRow {
  system: string;
  runs: number;
  secondsPerEpoch: { median: number; min: number; max: number };
  samplesPerSecond: number;
  testAccuracy: number;
  peakRssMB: number;
  /** This system's epoch time over tensorforge's (how many times faster tensorforge is). */
  speedupOfTensorforge: number;
  info: Record<string, unknown>;
}

export interface ResidualResult {
  benchmark: 'residual';
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo>;
  epochs: number;
  rows: ResidualRow[];
  /** tensorforge's speed-up over PyTorch's best thread setting (the target: >= 1.2). */
  speedupOverBestPytorch: number | null;
  notes: string[];
}

function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function runOnce(p: Plan, epochs: number, samples?: number): RunRecord {
  const common = [`--epochs=${epochs}`, ...(samples ? [`--samples=${samples}`] : [])];
  const out = p.threads
    ? execFileSync(PYTHON, [path.join(__dirname, 'torch_worker.py'), ...common, `--threads=${p.threads}`], { encoding: 'utf8', maxBuffer: 1 << 20, env: torchEnv() })
    : execFileSync(process.execPath, [path.join(__dirname, 'worker.cjs'), ...common], { encoding: 'utf8', maxBuffer: 1 << 20, cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop()!) as RunRecord;
}

export async function run(options: { quick?: boolean; save?: boolean; log?: (s: string) => void } = {}): Promise<ResidualResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const quick = options.quick ?? false;
  if (!fs.existsSync(path.join(ROOT, 'dist/cjs/index.js'))) throw new Error('bench/residual runs the compiled package: run `npm run build` first');
  warnIfBusy(log);
  const notes: string[] = [];
  const plans: Plan[] = [{ label: 'tensorforge' }];
  if (torchAvailable()) plans.push({ label: 'pytorch 1 thread', threads: 1 }, { label: 'pytorch 2 threads', threads: 2 });
  else notes.push('PyTorch skipped: `/usr/bin/python3 -c "import torch"` failed (Debian: apt-get install python3-torch).');
  if (openblasCoretype()) notes.push(`PyTorch runs with OPENBLAS_CORETYPE=${openblasCoretype()}.`);
  const epochs = quick ? 1 : 3;
  const rounds = quick ? 1 : 3;
  const samples = quick ? 10000 : undefined;
  if (quick) notes.push('quick mode: 10,000 training samples, 1 epoch, 1 round.');
  const records = new Map<string, RunRecord[]>();
  // Alternate systems round by round so drifting load hits all alike.
  for (let round = 0; round < rounds; round++) {
    for (const p of plans) {
      log(`  residual ${p.label} round ${round + 1}/${rounds} (${epochs} epoch${epochs > 1 ? 's' : ''})`);
      try {
        const r = runOnce(p, epochs, samples);
        if (!records.has(p.label)) records.set(p.label, []);
        records.get(p.label)!.push(r);
      } catch (e) {
        notes.push(`${p.label} failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  const base = records.get('tensorforge');
  const baseEpoch = base ? spread(base.flatMap((r) => r.epochTimes)).median : NaN;
  const rows: ResidualRow[] = [...records].map(([system, rs]) => {
    const times = spread(rs.flatMap((r) => r.epochTimes));
    return {
      system, runs: rs.length, secondsPerEpoch: { median: times.median, min: times.min, max: times.max },
      samplesPerSecond: rs[0].samples / times.median, testAccuracy: spread(rs.map((r) => r.testAccuracy)).median,
      peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)), speedupOfTensorforge: times.median / baseEpoch, info: rs[0].info,
    };
  });
  const torchRows = rows.filter((r) => r.system.startsWith('pytorch'));
  const best = torchRows.length ? Math.min(...torchRows.map((r) => r.secondsPerEpoch.median)) : NaN;
  const result: ResidualResult = {
    benchmark: 'residual', mode: quick ? 'quick' : 'full', machine: machineInfo(), epochs, rows,
    speedupOverBestPytorch: torchRows.length && base ? best / baseEpoch : null, notes,
  };
  if (options.save !== false) writeResult(quick ? 'residual-quick' : 'residual', result);
  return result;
}

export function formatResult(r: ResidualResult): string {
  const out = ['### Residual MLP 784-256-(3 x dense 256 + skip)-10, Adam, batch 128\n'];
  out.push(table(
    ['system', 'epochs x runs', 's/epoch (median)', 'min-max', 'samples/s', 'test acc', 'peak RSS MB', 'tensorforge faster by'],
    r.rows.map((x) => [
      x.system, `${r.epochs} x ${x.runs}`, fmt(x.secondsPerEpoch.median, 3), `${fmt(x.secondsPerEpoch.min, 3)}-${fmt(x.secondsPerEpoch.max, 3)}`,
      fmt(x.samplesPerSecond, 0), fmt(x.testAccuracy, 4), fmt(x.peakRssMB, 0), x.system === 'tensorforge' ? '-' : `${fmt(x.speedupOfTensorforge, 2)}x`,
    ])));
  if (r.speedupOverBestPytorch !== null) out.push(`\ntensorforge over PyTorch's best thread setting: ${fmt(r.speedupOverBestPytorch, 2)}x (target >= 1.2x).`);
  out.push(`${r.machine.cpuModel}, ${r.machine.cores} cores, Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}.`);
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
