// Shared helpers for the benchmarks: paths, statistics, machine facts, tables.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root (bench/lib/.. /..). */
export const ROOT = path.resolve(__dirname, '..', '..');
/** Compiled helper programs and private addon builds (gitignored: `build/`). */
export const BUILD_DIR = path.join(ROOT, 'bench', 'build');

/** The CPU's name as lscpu gives it (os.cpus() can be terse in VMs). */
export function cpuName(): string {
  try {
    const m = /^Model name:\s*(.*)$/m.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) return m[1].trim();
  } catch {
    // no lscpu
  }
  return machineInfo().cpuModel;
}

/**
 * Where tensorforge loads from in a benchmark: the built package (dist/, as
 * `import 'tensorforge'` resolves; npm run build makes it), else the sources
 * through tsx, whose module getters add a fraction of a microsecond per call.
 */
export function tensorforgeEntry(): { path: string; built: boolean } {
  const dist = path.join(ROOT, 'dist', 'cjs', 'index.js');
  return fs.existsSync(dist) ? { path: dist, built: true } : { path: path.join(ROOT, 'src', 'index'), built: false };
}
/** Cached JSON results (gitignored: bench/results/*.json). */
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

/** One-line description of the machine and its load, for result files. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  loadavg: number[];
  node: string;
  os: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
  };
}

/**
 * Warns (on stderr) when the machine is busy: with two cores and other people
 * compiling, numbers taken under load are not worth much.
 */
export function warnIfBusy(log: (s: string) => void = (s) => process.stderr.write(s + '\n')): number {
  const load1 = os.loadavg()[0];
  const cores = machineInfo().cores;
  if (load1 > 0.5 * cores) {
    log(`warning: 1-minute load average is ${load1.toFixed(2)} on ${cores} cores; results will be noisy`);
  }
  return load1;
}

export function writeResult(name: string, data: unknown): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  fs.writeFileSync(file + '.tmp', JSON.stringify(data, null, 2) + '\n');
  fs.renameSync(file + '.tmp', file);
  return file;
}

export function readResult<T>(name: string): T | undefined {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Markdown table; numbers are formatted by the caller. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  const sep = '|' + w.map((x, i) => (i === 0 ? '-'.repeat(x + 1) + '-' : '-'.repeat(x + 1) + ':')).join('|') + '|';
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n');
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/**
 * Compiles one C++ file with g++ -O2 into bench/build/bin/<name> unless the
 * binary is newer than the source. No cmake: these are single-file programs.
 */
export function compileCxx(name: string, source: string, extra: string[] = [], force = false): string {
  const binDir = path.join(BUILD_DIR, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  const out = path.join(binDir, name);
  const flagFile = out + '.flags';
  const flags = ['-O2', '-std=c++17', '-pthread', '-Wall', source, '-o', out, ...extra];
  const same = fs.existsSync(flagFile) && fs.readFileSync(flagFile, 'utf8') === flags.join(' ');
  if (!force && same && fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs) return out;
  const cxx = process.env.CXX || 'g++';
  execFileSync(cxx, flags, { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(flagFile, flags.join(' '));
  return out;
}

/** Minimal `--key=value` / `--flag` parser. */
export function parseArgs(argv: string[]): Record<string, string | boolean> {
  const o: Record<string, string | boolean> = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    o[m[1]] = m[2] ?? true;
  }
  return o;
}

export const numList = (s: string | boolean | undefined): number[] | undefined =>
  typeof s === 'string' ? s.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x)) : undefined;

function cpuTimes(): { idle: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

/** Fraction of all cores busy over `ms` (Linux /proc/stat; 0 elsewhere). */
export async function cpuBusy(ms = 500): Promise<number> {
  if (!fs.existsSync('/proc/stat')) return 0;
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  const dt = b.total - a.total;
  return dt > 0 ? 1 - (b.idle - a.idle) / dt : 0;
}

/**
 * Waits (up to maxSeconds) until the machine is nearly idle, i.e. other
 * people's builds and tests are not running, so a measurement is not mixed
 * with theirs. Returns the last busy fraction seen.
 */
export async function waitForQuiet(maxSeconds: number, threshold = 0.15, log?: (s: string) => void): Promise<number> {
  const t0 = Date.now();
  let busy = await cpuBusy();
  let said = false;
  while (busy > threshold && (Date.now() - t0) / 1000 < maxSeconds) {
    if (!said && log) log(`  waiting for the machine to go quiet (${Math.round(busy * 100)}% busy)...`);
    said = true;
    busy = await cpuBusy(1000);
  }
  return busy;
}

/** CPU time (jiffies, all threads) of a process; 0 when unreadable. */
export function procJiffies(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/**
 * Measures how much CPU *other* processes used while `ours` (pids) ran:
 * call start() before and stop() after; returns cores' worth of foreign load
 * (0 = nobody else ran, 1 = one core fully taken by someone else).
 */
export function foreignLoadMeter(ours: () => number[]) {
  if (!fs.existsSync('/proc/stat')) return { start() {}, stop: () => 0 };
  const ncpu = os.cpus().length;
  let a = cpuTimes();
  let mine = 0;
  const ourJiffies = () => ours().reduce((s, p) => s + procJiffies(p), 0);
  return {
    start() {
      a = cpuTimes();
      mine = ourJiffies();
    },
    stop(): number {
      const b = cpuTimes();
      const wall = (b.total - a.total) / ncpu;
      const busy = b.total - a.total - (b.idle - a.idle);
      const foreign = busy - (ourJiffies() - mine);
      return wall > 0 ? Math.max(0, foreign / wall) : 0;
    },
  };
}
