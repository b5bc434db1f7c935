// Heap reuse (native/heap_reuse.h): on glibc the addon keeps freed memory in
// the process, so that the outputs of a stream of ops land on pages already
// mapped instead of faulting in fresh ones; the user's own malloc settings and
// TENSORFORGE_HEAP_REUSE=0 leave glibc's defaults alone. Each case runs in a
// child process because the setting is made once, when the addon loads.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

// Runs `body` in a child node with tensorforge loaded from src/ as `tf`; returns its stdout.
function child(body: string, env: Record<string, string | undefined> = {}): string {
  const script = `const tf = require(${JSON.stringify(path.join(ROOT, 'src', 'index'))});\n${body}`;
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', env: merged, timeout: 120_000 });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

const clean = {
  GLIBC_TUNABLES: undefined, MALLOC_TRIM_THRESHOLD_: undefined, MALLOC_MMAP_THRESHOLD_: undefined,
  MALLOC_TOP_PAD_: undefined, MALLOC_MMAP_MAX_: undefined, TENSORFORGE_HEAP_REUSE: undefined,
};
const glibc = process.platform === 'linux' && !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header?.glibcVersionRuntime;
// The sanitizer job preloads ASan, whose allocator refuses mallopt.
const sanitized = /asan/.test(process.env.LD_PRELOAD ?? '');
const expected = !glibc
  ? 'system allocator, unchanged'
  : sanitized
    ? 'malloc unchanged (mallopt refused)'
    : 'glibc malloc, freed memory kept for reuse (mmap threshold 32 MiB, trim threshold 64 MiB)';

describe('heap reuse', () => {
  it('is reported by backendInfo(), and is on by default on glibc', () => {
    expect(child('console.log(tf.backendInfo().allocator)', clean)).toBe(expected);
  });

  it("leaves glibc's defaults with TENSORFORGE_HEAP_REUSE=0 or when the user set malloc up", () => {
    if (!glibc) return void expect(child('console.log(tf.backendInfo().allocator)', clean)).toBe(expected);
    const report = (env: Record<string, string>) => child('console.log(tf.backendInfo().allocator)', { ...clean, ...env });
    expect(report({ TENSORFORGE_HEAP_REUSE: '0' })).toBe('glibc malloc defaults (TENSORFORGE_HEAP_REUSE=0)');
    expect(report({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1048576' })).toBe('glibc malloc as set by GLIBC_TUNABLES');
    expect(report({ MALLOC_TRIM_THRESHOLD_: '1048576' })).toBe('glibc malloc as set by MALLOC_TRIM_THRESHOLD_');
    // Tunables for something other than malloc are not a malloc setting.
    expect(report({ GLIBC_TUNABLES: 'glibc.rtld.nns=4' })).toBe(expected);
  });

  it('outputs of a stream of 256x256 products reuse mapped memory (Linux: page faults per call, against glibc defaults)', () => {
    if (!glibc || sanitized) return void expect(child('console.log(tf.backendInfo().allocator)', clean)).toBe(expected);
    // 600 products make ~150 MB of garbage, several garbage collections'
    // worth; each output spans 64 pages. Without reuse glibc hands the freed
    // batches back to the kernel and most output pages fault again.
    const faultsPerCall = (env: Record<string, string | undefined>) => Number(child(`
      const fs = require('node:fs');
      const minflt = () => Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
      tf.setNumThreads(1);
      const a = tf.randomUniform([256, 256]);
      for (let i = 0; i < 600; i++) tf.matMul(a, a);
      const f0 = minflt();
      for (let i = 0; i < 600; i++) tf.matMul(a, a);
      console.log((minflt() - f0) / 600);`, env));
    // No absolute bound: how often fresh pages fault depends on the host
    // (transparent huge pages, memory pressure). The verdict is relative to a
    // control with glibc's defaults, measured alternately (twice each, the
    // lower count kept, so a burst of outside memory pressure in one run does
    // not decide).
    const counts = { reuse: [] as number[], defaults: [] as number[] };
    for (let round = 0; round < 2; round++) {
      counts.reuse.push(faultsPerCall(clean));
      counts.defaults.push(faultsPerCall({ ...clean, TENSORFORGE_HEAP_REUSE: '0' }));
    }
    const reuse = Math.min(...counts.reuse);
    const defaults = Math.min(...counts.defaults);
    console.log(`page faults per 256x256 matMul: ${counts.reuse.join(', ')} with heap reuse, ${counts.defaults.join(', ')} with glibc's defaults`);
    // Each output spans 64 pages. Where the defaults fault (>= 4 pages a
    // call), reuse must remove at least three quarters; where they barely do
    // (THP "always" backs the heap with huge pages), reuse must not fault
    // more than once a call.
    expect(reuse).toBeLessThanOrEqual(Math.max(defaults / 4, 1));
  });
});
