// bench/latency: inference of the two sequence and image models of issues 18
// and 19, against PyTorch 1.13 (eval mode, no_grad) at 1 and 2 threads: the
// median time of one predict of a single sample (a server answering one
// request) and images per second at batch 1000 (a batch job), fresh weights.
// Each system runs in its own process, rounds alternating the order; medians
// over rounds. Wall time: the figures are per call.
//
//   npx tsx bench/latency/index.ts [--quick] [--rounds=3] [--calls=2000] [--json]   (npm run bench:latency)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { torchEnv } from '../inference/index';
import { ROOT, cpuName, fmt, machineInfo, parseArgs, table, tensorforgeEntry, warnIfBusy, writeResult } from '../lib/util';

const PYTHON = '/usr/bin/python3';
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MODELS = ['cnn', 'lstm'] as const;

interface Figures {
  batch1Us: number;
  batch1000PerSecond: number;
}
interface Run {
  system: string;
  threads: number;
  cnn: Figures;
  lstm: Figures;
}

/** What one bench/latency run measured. */
export interface LatencyResult {
  benchmark: 'latency';
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo> & { cpuName: string; loadAtStart: number };
  rows: { model: string; system: string; batch1Us: number; batch1000PerSecond: number }[];
  notes: string[];
}

function runOnce(system: string, threads: number, calls: number): Run {
  const out = system === 'pytorch'
    ? execFileSync(PYTHON, [path.join(__dirname, 'torch_latency.py'), String(calls), String(threads)], { encoding: 'utf8', env: torchEnv() })
    : execFileSync(TSX, [path.join(__dirname, 'worker.ts'), `--calls=${calls}`], { encoding: 'utf8', cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop() as string) as Run;
}

function hasTorch(): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs tensorforge and (when Debian's python3 has torch) PyTorch at 1 and 2 threads. */
export async function run(options: { quick?: boolean; rounds?: number; calls?: number; log?: (line: string) => void } = {}): Promise<LatencyResult> {
  const quick = options.quick === true;
  const log = options.log ?? (() => {});
  const load = warnIfBusy();
  const rounds = options.rounds ?? (quick ? 1 : 3);
  const calls = options.calls ?? (quick ? 200 : 2000);
  const notes: string[] = [];
  const systems: [string, number][] = [['tensorforge', 0]];
  if (hasTorch()) systems.push(['pytorch', 1], ['pytorch', 2]);
  else notes.push('PyTorch is not installed (Debian python3-torch): its rows are skipped.');
  if (!tensorforgeEntry().built) notes.push('dist/ is missing (npm run build): tensorforge ran from its sources through tsx.');
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [system, threads] of round % 2 === 0 ? systems : [...systems].reverse()) {
      log(`latency: ${system}${threads ? ` ${threads} thread(s)` : ''}, round ${round + 1}`);
      try {
        runs.push(runOnce(system, threads, calls));
      } catch (e) {
        notes.push(`${system}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const rows: LatencyResult['rows'] = [];
  for (const model of MODELS) {
    for (const [system, threads] of systems) {
      const mine = runs.filter((r) => r.system === system && (system !== 'pytorch' || r.threads === threads));
      if (mine.length === 0) continue;
      rows.push({
        model, system: system === 'pytorch' ? `PyTorch, ${threads} thread${threads > 1 ? 's' : ''}` : 'tensorforge',
        batch1Us: median(mine.map((r) => r[model].batch1Us)), batch1000PerSecond: median(mine.map((r) => r[model].batch1000PerSecond)),
      });
    }
  }
  return { benchmark: 'latency', mode: quick ? 'quick' : 'full', machine: { ...machineInfo(), cpuName: cpuName(), loadAtStart: load }, rows, notes };
}

/** The result as a Markdown table, with each figure's ratio to PyTorch's best setting. */
export function formatResult(result: LatencyResult): string {
  const best = (model: string, key: 'batch1Us' | 'batch1000PerSecond') => {
    const torch = result.rows.filter((r) => r.model === model && r.system.startsWith('PyTorch')).map((r) => r[key]);
    return torch.length === 0 ? NaN : key === 'batch1Us' ? Math.min(...torch) : Math.max(...torch);
  };
  return [
    `CPU: ${result.machine.cpuName}, ${result.machine.cores} cores, 1-minute load at start ${result.machine.loadAtStart.toFixed(1)}; ${result.mode} mode`,
    '',
    table(['model', 'system', 'batch 1: µs / predict', 'vs PyTorch best', 'batch 1000: images / s', 'vs PyTorch best'],
      result.rows.map((r) => [r.model === 'cnn' ? 'example CNN' : 'row-wise LSTM(128)', r.system, fmt(r.batch1Us, 1),
        r.system === 'tensorforge' ? `${fmt(best(r.model, 'batch1Us') / r.batch1Us, 2)}x` : '', fmt(r.batch1000PerSecond, 0),
        r.system === 'tensorforge' ? `${fmt(r.batch1000PerSecond / best(r.model, 'batch1000PerSecond'), 2)}x` : ''])),
    ...result.notes.map((n) => `- ${n}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await run({
    quick: args.quick === true, rounds: typeof args.rounds === 'string' ? Number(args.rounds) : undefined,
    calls: typeof args.calls === 'string' ? Number(args.calls) : undefined, log: (l) => process.stderr.write(l + '\n'),
  });
  console.log(args.json ? JSON.stringify(result, null, 2) : formatResult(result));
  writeResult('latency', result);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
