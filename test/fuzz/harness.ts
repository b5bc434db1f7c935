// Runs fuzz cases in child processes, one chunk per process, and reports every
// crash with the seed and case that caused it. After a crash the run resumes
// at the next case, so one crash does not hide the others.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Crash {
  seed: number;
  chunkStart: number;
  case: number;
  target: string;
  exit: string;
  stderr: string;
  repro: string;
}

export interface FuzzReport {
  suite: string;
  seed: number;
  cases: number;
  returned: number;
  errors: Record<string, number>;
  unlabelled: Record<string, number>;
  perTarget: Record<string, number>;
  violations: { case: number; target: string; kind: string; detail: string }[];
  crashes: Crash[];
}

const ROOT = path.resolve(__dirname, '../..');
const RUNNER = path.join(__dirname, 'runner.ts');

/** Seed: TF_FUZZ_SEED, else a fixed one (CI runs are reproducible). */
export function fuzzSeed(fallback: number): number {
  const v = Number(process.env.TF_FUZZ_SEED);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

/**
 * A case whose progress line stays the same this long has hung: a case's
 * promise is given 30 s and the background fits settled after it at most
 * 5 x 30 s (runner.ts), so anything longer is a synchronous loop that never
 * ends (which the per-promise timeout cannot see). TF_FUZZ_HANG_MS overrides it.
 */
const CASE_HANG_MS = Number(process.env.TF_FUZZ_HANG_MS) || 240_000;

function runChunk(suite: string, seed: number, start: number, count: number, workdir: string): Promise<{ code: number | null; signal: string | null; stderr: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', RUNNER, suite, String(seed), String(start), String(count), workdir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: process.env,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    // A chunk that runs this long has hung outside any one case's timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    let hung = false;
    let line = '';
    let since = Date.now();
    const watchdog = setInterval(() => {
      let now = '';
      try {
        now = fs.readFileSync(path.join(workdir, 'progress'), 'utf8');
      } catch {
        // not written yet
      }
      if (now !== line) {
        line = now;
        since = Date.now();
      } else if (Date.now() - since > CASE_HANG_MS) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 5_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watchdog);
      resolve({ code, signal, stderr, hung });
    });
  });
}

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Cases per child process (default 2,000). */
  chunk?: number;
  /** Child processes running at once (default 1; a campaign uses the cores). */
  parallel?: number;
  /** Called after each finished chunk with the cases done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs cases [0, total) of `suite` from `seed` in child processes of `chunk`
 * cases, `parallel` at a time. A chunk whose process dies is reported with the
 * case it was running and resumed after it, so one crash hides no other.
 */
export async function fuzz(suite: string, seed: number, total: number, options: FuzzOptions = {}): Promise<FuzzReport> {
  const chunk = options.chunk ?? 2_000;
  const parallel = Math.max(1, options.parallel ?? 1);
  const report: FuzzReport = { suite, seed, cases: 0, returned: 0, errors: {}, unlabelled: {}, perTarget: {}, violations: [], crashes: [] };
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `tf-fuzz-${suite}-`));
  const ranges: [number, number][] = [];
  for (let s = 0; s < total; s += chunk) ranges.push([s, Math.min(total, s + chunk)]);
  let done = 0;

  const runRange = async ([from, to]: [number, number]): Promise<void> => {
    let next = from;
    while (next < to) {
      const count = to - next;
      const workdir = path.join(base, `chunk-${next}`);
      fs.mkdirSync(workdir, { recursive: true });
      const r = await runChunk(suite, seed, next, count, workdir);
      const resultFile = path.join(workdir, 'result.json');
      if (r.code === 0 && fs.existsSync(resultFile)) {
        const s = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
        report.cases += s.ran;
        report.returned += s.returned;
        for (const [k, v] of Object.entries(s.errors as Record<string, number>)) report.errors[k] = (report.errors[k] ?? 0) + v;
        for (const [k, v] of Object.entries(s.unlabelled as Record<string, number>)) report.unlabelled[k] = (report.unlabelled[k] ?? 0) + v;
        for (const [k, v] of Object.entries(s.perTarget as Record<string, number>)) report.perTarget[k] = (report.perTarget[k] ?? 0) + v;
        report.violations.push(...s.violations);
        fs.rmSync(workdir, { recursive: true, force: true });
        break;
      }
      // The process died: the progress file names the case it was running.
      const progress = fs.existsSync(path.join(workdir, 'progress')) ? fs.readFileSync(path.join(workdir, 'progress'), 'utf8').trim() : '';
      const m = /^(\d+) (.*)$/.exec(progress);
      const at = m ? Number(m[1]) : next;
      report.crashes.push({
        seed, chunkStart: next, case: at, target: m ? m[2] : '(before the first case)',
        exit: r.hung ? `hung: no progress for ${CASE_HANG_MS / 1000} s, killed` : r.signal ? `signal ${r.signal}` : `exit code ${r.code}`,
        stderr: r.stderr.slice(-3000),
        repro: `${filterEnv()}node --expose-gc --import tsx test/fuzz/runner.ts ${suite} ${seed} ${next} ${at - next + 1} "$(mktemp -d)"`,
      });
      report.cases += at - next + 1;
      next = at + 1;
    }
    done += to - from;
    options.onProgress?.(done, total);
  };

  try {
    let k = 0;
    const lane = async (): Promise<void> => {
      while (k < ranges.length) await runRange(ranges[k++]);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, ranges.length) }, lane));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  report.crashes.sort((a, b) => a.case - b.case);
  report.violations.sort((a, b) => a.case - b.case);
  return report;
}

/** The target filter, as a prefix for a repro command. */
function filterEnv(): string {
  return process.env.TF_FUZZ_TARGETS ? `TF_FUZZ_TARGETS='${process.env.TF_FUZZ_TARGETS}' ` : '';
}

/**
 * A seed that differs between runs (TF_FUZZ_SEED2 replays one): CI runs it
 * beside the fixed seed, so every run explores new cases, and prints it.
 */
export function rotatingSeed(): number {
  const v = Number(process.env.TF_FUZZ_SEED2);
  if (Number.isInteger(v) && v >= 0) return v;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** A readable account of a run, for the test log. */
export function describe(r: FuzzReport): string {
  const lines = [
    `fuzz ${r.suite}: seed ${r.seed}, ${r.cases} cases, ${r.returned} returned, errors ${JSON.stringify(r.errors)}`,
    `  per target: ${JSON.stringify(r.perTarget)}`,
    `  crashes: ${r.crashes.length}, violations: ${r.violations.length}`,
  ];
  for (const c of r.crashes) lines.push(`  CRASH case ${c.case} (${c.target}): ${c.exit}\n    repro: ${c.repro}\n    ${c.stderr.split('\n').slice(-12).join('\n    ')}`);
  for (const v of r.violations.slice(0, 20)) lines.push(`  VIOLATION case ${v.case} (${v.target}): ${v.kind}: ${v.detail}`);
  const unl = Object.entries(r.unlabelled).sort((a, b) => b[1] - a[1]).slice(0, 15);
  if (unl.length) lines.push(`  errors without a function name (each is a 'raw error' violation): ${unl.map(([k, v]) => `\n    ${v} x ${k}`).join('')}`);
  return lines.join('\n');
}
