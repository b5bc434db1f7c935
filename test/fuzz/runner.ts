// One chunk of fuzz cases, in its own process (started by harness.ts), so that
// a crash takes down only this process and the parent can name the case.
//
//   node --expose-gc --import tsx test/fuzz/runner.ts <suite> <seed> <start> <count> <workdir>
//
// Before each case it writes "<index> <target>" to <workdir>/progress; at the
// end it writes a JSON summary to <workdir>/result.json. A case passes when it
// returns, resolves, throws or rejects with an Error whose message starts with
// the function's name; anything else (a raw JavaScript error such as "Cannot
// read properties of undefined", a thrown non-Error, an uncaught exception or
// unhandled rejection from library code, a hang) is a violation, and a dead
// process is a crash. TF_FUZZ_TARGETS (target names separated by ';') narrows
// the run to those targets.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../../src/index';
import { Gen } from './gen';
import { FILE_TARGETS } from './files';
import { Pool, TARGETS, pickTarget } from './targets';

const [suite, seedArg, startArg, countArg, workdir] = process.argv.slice(2);
const seed = Number(seedArg);
const start = Number(startArg);
const count = Number(countArg);

/** Each case's memory cap: keeps "huge" shapes cheap to refuse and never lets the fuzzer exhaust the machine. */
const MEMORY_LIMIT = 256 * 2 ** 20;
/**
 * A case that has not settled after this long is a hang. The sanitizer job
 * raises it (TF_FUZZ_CASE_TIMEOUT_MS): under ASan on a loaded machine,
 * reading the 50 MB Fashion-MNIST files once took over 30 s, which is slow,
 * not hung.
 */
const CASE_TIMEOUT_MS = Number(process.env.TF_FUZZ_CASE_TIMEOUT_MS) > 0 ? Number(process.env.TF_FUZZ_CASE_TIMEOUT_MS) : 30_000;

interface Violation {
  case: number;
  target: string;
  kind: string;
  detail: string;
}

const summary = {
  suite, seed, start, count, ran: 0, returned: 0,
  errors: {} as Record<string, number>,
  /** Error messages that do not start with a function name, thrown by library code: each is also a violation. */
  unlabelled: {} as Record<string, number>,
  /** Raw errors thrown by the fuzzer's own code calling junk (not the library's; not failures). */
  harness: {} as Record<string, number>,
  violations: [] as Violation[],
  perTarget: {} as Record<string, number>,
  /** Milliseconds per target, to keep the run's cost visible. */
  msPerTarget: {} as Record<string, number>,
};

let current = { index: -1, target: '' };
const progressFile = path.join(workdir, 'progress');
const defaultThreads = tf.getNumThreads();

function record(kind: string, detail: string, index = current.index, target = current.target): void {
  if (summary.violations.length < 200) summary.violations.push({ case: index, target, kind, detail: detail.slice(0, 500) });
}

/**
 * An error the library may pass through unlabelled: the fuzzer's own planted
 * throws, and an AbortSignal's reason (fit rejects with it, as fetch does).
 */
function passedThrough(e: Error): boolean {
  return e.message.startsWith('fuzz: ') || e.name === 'AbortError' || e.name === 'TimeoutError';
}

/**
 * Whether the innermost frame with a source file is the fuzzer's own code
 * (frames of V8 builtins and Node internals are skipped): the library never ran.
 */
function thrownByFuzzer(e: Error): boolean {
  for (const line of (e.stack ?? '').split('\n').slice(1)) {
    const frame = /^\s*at (?:.*\((.*)\)|(.*))$/.exec(line);
    const where = frame ? frame[1] ?? frame[2] : '';
    if (!where || where.startsWith('node:') || where === '<anonymous>' || where === 'native') continue;
    return where.includes('/test/fuzz/');
  }
  return false;
}

function classify(e: unknown): void {
  if (e instanceof Error) {
    summary.errors[e.constructor.name] = (summary.errors[e.constructor.name] ?? 0) + 1;
    if (!/^[\w.]+: /.test(e.message) && !passedThrough(e)) {
      // Where it was thrown (first frame in src/), so the gap can be found.
      const at = /\/src\/[\w/.-]+:\d+/.exec(e.stack ?? '')?.[0] ?? '?';
      const key = `${e.message.slice(0, 100)} (${at}, ${current.target})`;
      if (thrownByFuzzer(e)) {
        // The fuzzer's own call on a junk object ("t.cast is not a function").
        summary.harness[key] = (summary.harness[key] ?? 0) + 1;
        return;
      }
      summary.unlabelled[key] = (summary.unlabelled[key] ?? 0) + 1;
      // A raw JavaScript error ("Cannot read properties of undefined", "x is
      // not a function") is input that reached code unvalidated: a failure.
      record('raw error', `${e.constructor.name}: ${e.message.slice(0, 200)} (at ${at})`);
    }
    return;
  }
  record('non-Error thrown', `${typeof e}: ${String(e).slice(0, 200)}`);
}

process.on('uncaughtException', (e) => record('uncaught exception', e instanceof Error ? e.stack ?? e.message : String(e)));
process.on('unhandledRejection', (e) => record('unhandled rejection', e instanceof Error ? e.stack ?? e.message : String(e)));
// Library output (progress bars, print, summary) is noise here.
console.log = () => undefined;
console.warn = () => undefined;
process.emitWarning = () => undefined;

async function settle(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), CASE_TIMEOUT_MS); });
  try {
    const r = await Promise.race([p.then(() => 'ok', (e) => { classify(e); return 'err'; }), timeout]);
    if (r === 'timeout') record('hang', `did not settle within ${CASE_TIMEOUT_MS} ms`);
    else if (r === 'ok') summary.returned++;
  } finally {
    clearTimeout(timer);
  }
}

function runLater(g: Gen): void {
  for (const f of g.later.splice(0)) {
    try {
      f();
    } catch {
      // a buffer that could not be shrunk
    }
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(workdir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(workdir, 'cwd-'));
  process.chdir(dir);
  tf.setMemoryLimit(MEMORY_LIMIT);
  const pool: Pool = { models: [], tensors: [], objects: [], background: [], dir };
  const all = suite === 'files' ? FILE_TARGETS : TARGETS;
  // TF_FUZZ_TARGETS="raw native binding;model methods" runs only those targets (a focused campaign; names hold commas, so ';' separates them).
  const only = process.env.TF_FUZZ_TARGETS?.split(';').map((t) => t.trim()).filter(Boolean);
  const targets = only ? all.filter((t) => only.includes(t.name)) : all;
  if (targets.length === 0) throw new Error(`no fuzz target matches TF_FUZZ_TARGETS=${process.env.TF_FUZZ_TARGETS}; targets: ${all.map((t) => t.name).join(', ')}`);
  for (let i = start; i < start + count; i++) {
    const g = new Gen(seed, i);
    const target = pickTarget(g, targets);
    current = { index: i, target: target.name };
    fs.writeFileSync(progressFile, `${i} ${target.name}\n`);
    summary.perTarget[target.name] = (summary.perTarget[target.name] ?? 0) + 1;
    const t0 = performance.now();
    try {
      const r = target.run({ g, pool });
      // Hooks the case left (detach or shrink a buffer it passed) run while its async work is in flight.
      runLater(g);
      if (r instanceof Promise) await settle(r);
      else summary.returned++;
    } catch (e) {
      runLater(g);
      classify(e);
    }
    summary.ran++;
    summary.msPerTarget[target.name] = Math.round((summary.msPerTarget[target.name] ?? 0) + performance.now() - t0);
    // Cases may change process-wide settings; each starts from the same ones.
    tf.setMemoryLimit(MEMORY_LIMIT);
    tf.setNumThreads(defaultThreads);
    // Background fits: collect the finished ones, classify how they ended.
    if (pool.background.length > 4 || i === start + count - 1) {
      const bg = pool.background.splice(0);
      for (const p of bg) await settle(p);
    }
  }
  fs.writeFileSync(path.join(workdir, 'result.json'), JSON.stringify(summary));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (e) => {
  record('runner failure', e instanceof Error ? e.stack ?? e.message : String(e));
  fs.writeFileSync(path.join(workdir, 'result.json'), JSON.stringify(summary));
  process.exit(0);
});
