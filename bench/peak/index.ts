// bench/peak: measured clock and FMA peak of this machine (see peak.cc).
//
//   npm run bench:peak              # measure, print, cache bench/results/peak.json
//   npm run bench:peak -- --json    # print the JSON object only
//   npm run bench:peak -- --quick   # shorter runs (CI)
//   npm run bench:peak -- --wait-quiet=120   # before each of the --repeat=3 runs, wait (<= 120 s) for other load to stop
//
// Other benchmarks call `loadPeak()`: the cached figure if there is one,
// else a fresh measurement.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { compileCxx, machineInfo, parseArgs, readResult, waitForQuiet, warnIfBusy, writeResult } from '../lib/util';

export interface PeakVariant {
  simd: string;
  flopsPerCycle: number;
  peak1: number;
  peakAll: number;
  peak1Cpu?: number;
}

export interface PeakResult {
  /** Measured core clock, GHz (dependent integer add chain). */
  clockGHz: number;
  /** FP32 FLOP per cycle per core at the headline SIMD width (peak1 / clockGHz). */
  flopsPerCycle: number;
  /** GFLOP/s on one thread. */
  peak1: number;
  /** GFLOP/s on all hardware threads together. */
  peakAll: number;
  /**
   * 1-thread GFLOP per CPU second of the measuring thread: what a core does
   * while it runs us, which other people's load on a shared machine does not
   * lower (compare with bench/matmul --paths' per-CPU-second figures).
   */
  peak1Cpu?: number;
  cores: number;
  cpuModel: string;
  /** Headline width: the widest FMA the CPU has ("zmm-fma" with AVX-512F, else "ymm-fma"). */
  simd: string;
  chains: number;
  /** Every width measured (xmm, ymm, and zmm when the CPU has AVX-512F). */
  variants: PeakVariant[];
  date?: string;
  loadavg?: number[];
}

export interface PeakOptions {
  quick?: boolean;
  /** Headline width: the widest the CPU has (default), or 'ymm' / 'xmm' / 'zmm'. */
  simd?: string;
  /** Wait up to this many seconds for the machine to go idle first (default 0). */
  waitQuiet?: number;
  /** Write bench/results/peak.json (default true). */
  cache?: boolean;
  log?: (s: string) => void;
}

export function buildPeak(): string {
  return compileCxx('peak', path.join(__dirname, 'peak.cc'));
}

/**
 * Measures now: runs the peak program `repeat` times (default 3; 1 with quick),
 * each after waiting for the machine to be idle when `waitQuiet` is set, and
 * keeps the best figure of each kind — a peak is what the hardware can do, and
 * on a shared machine any lower figure means someone else had a core.
 */
export async function run(options: PeakOptions & { repeat?: number } = {}): Promise<PeakResult> {
  const bin = buildPeak();
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const args = ['--json'];
  if (options.quick) args.push('--quick');
  if (options.simd) args.push(`--simd=${options.simd}`);
  const repeat = options.repeat ?? (options.quick ? 1 : 3);
  let best: PeakResult | undefined;
  for (let i = 0; i < repeat; i++) {
    if (options.waitQuiet) await waitForQuiet(options.waitQuiet, 0.1, log);
    else if (i === 0) warnIfBusy(log);
    const p: PeakResult = JSON.parse(execFileSync(bin, args, { encoding: 'utf8' }));
    if (!best) {
      best = p;
      continue;
    }
    best.clockGHz = Math.max(best.clockGHz, p.clockGHz);
    best.peak1 = Math.max(best.peak1, p.peak1);
    best.peakAll = Math.max(best.peakAll, p.peakAll);
    best.peak1Cpu = Math.max(best.peak1Cpu ?? 0, p.peak1Cpu ?? 0);
    for (const v of best.variants) {
      const w = p.variants.find((x) => x.simd === v.simd);
      if (w) {
        v.peak1 = Math.max(v.peak1, w.peak1);
        v.peakAll = Math.max(v.peakAll, w.peakAll);
        v.peak1Cpu = Math.max(v.peak1Cpu ?? 0, w.peak1Cpu ?? 0);
      }
    }
  }
  const r = best!;
  r.flopsPerCycle = Math.round((r.peak1 / r.clockGHz) * 100) / 100;
  for (const v of r.variants) v.flopsPerCycle = Math.round((v.peak1 / r.clockGHz) * 100) / 100;
  const m = machineInfo();
  const result: PeakResult = { ...r, date: m.date, loadavg: m.loadavg };
  if (options.cache !== false) writeResult('peak', result);
  return result;
}

/** The cached peak (bench/results/peak.json), measuring it first if absent. */
export async function loadPeak(options: PeakOptions = {}): Promise<PeakResult> {
  const cached = readResult<PeakResult>('peak');
  if (cached && typeof cached.peak1 === 'number') return cached;
  return run(options);
}

export function formatPeak(p: PeakResult): string {
  const lines = [
    `CPU      ${p.cpuModel}, ${p.cores} hardware threads`,
    `clock    ${p.clockGHz.toFixed(2)} GHz (measured; /proc/cpuinfo's MHz is not the core clock)`,
  ];
  for (const v of p.variants) {
    lines.push(
      `${v.simd.padEnd(8)} ${v.flopsPerCycle.toFixed(1).padStart(5)} FLOP/cycle  ` +
        `1 thread ${v.peak1.toFixed(1).padStart(6)} GFLOP/s  ${p.cores} threads ${v.peakAll.toFixed(1).padStart(6)} GFLOP/s` +
        (v.peak1Cpu ? `  per CPU second ${v.peak1Cpu.toFixed(1).padStart(6)}` : '') +
        (v.simd === p.simd ? '  <- peak' : ''),
    );
  }
  return lines.join('\n');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const p = await run({
    quick: !!a.quick,
    simd: typeof a.simd === 'string' ? a.simd : undefined,
    waitQuiet: a['wait-quiet'] ? Number(a['wait-quiet'] === true ? 120 : a['wait-quiet']) : undefined,
    repeat: a.repeat ? Number(a.repeat) : undefined,
  });
  if (a.json) process.stdout.write(JSON.stringify(p) + '\n');
  else process.stdout.write(formatPeak(p) + '\n(cached in bench/results/peak.json)\n');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
