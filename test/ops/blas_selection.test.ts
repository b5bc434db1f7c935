// BLAS kernel selection (native/gemm.cc, selectBlasKernels): on a CPU with
// AVX-512, a BLAS that fell back to older kernels is switched to its
// skylake-x ones by setting OPENBLAS_CORETYPE / BLIS_ARCH_TYPE only while it
// re-initialises; the variable is removed again, so child processes do not
// inherit the choice (a child with another BLAS aborted on it: 1707d9f), and
// it happens once per process, not again in each worker_thread that loads the
// addon (39ad94c). A variable the user set is left alone. Each case runs in a
// child process: the selection happens when the addon loads. The machine's own
// setting is honoured, never removed or changed (some machines preset
// OPENBLAS_CORETYPE because their OpenBLAS misbehaves on the CPU's own
// kernels): where a variable is preset, the cases check that it is kept.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
/** The BLAS variables as this machine has them (null: unset). */
const PRESET: [string | null, string | null] = [process.env.OPENBLAS_CORETYPE ?? null, process.env.BLIS_ARCH_TYPE ?? null];
const presetLine = `${PRESET[0] ?? ''}|${PRESET[1] ?? ''}`;

/** Runs `body` in a child node with tensorforge (src/) as `tf` and this process's environment plus `env`; returns its JSON output. */
function child(body: string, env: Record<string, string> = {}): Record<string, unknown> {
  const script = `const tf = require(${JSON.stringify(path.join(ROOT, 'src', 'index'))});\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

// What the child reports: its kernel choice, the variables as its own
// environment and a shell it spawns see them, and a small product's check.
const REPORT = `
  const { execFileSync } = require('node:child_process');
  const seen = execFileSync('sh', ['-c', 'echo "$OPENBLAS_CORETYPE|$BLIS_ARCH_TYPE"'], { encoding: 'utf8' }).trim();
  const info = tf.backendInfo();
  const report = { blas: info.blas, version: info.blasVersion, config: info.blasConfig,
    env: [process.env.OPENBLAS_CORETYPE ?? null, process.env.BLIS_ARCH_TYPE ?? null], childSees: seen };
`;

const cpuFlags = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/) ?? [] : [];
const skylakeX = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => cpuFlags.includes(f));

// A worker_thread that loads the addon (from src/, through tsx's CommonJS hook) and reports what it sees.
const WORKER = `require('tsx/cjs/api').register();
const tf = require(${JSON.stringify(path.join(ROOT, 'src', 'index.ts'))});
require('node:worker_threads').parentPort.postMessage([tf.backendInfo().blasConfig, process.env.OPENBLAS_CORETYPE ?? null,
  process.env.BLIS_ARCH_TYPE ?? null, Array.from(tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync().slice(0, 3))]);
`;

describe('BLAS kernel selection', () => {
  it('leaves no variable behind: the process and its children see the environment they were given', () => {
    const r = child(`${REPORT} console.log(JSON.stringify(report));`);
    expect(r.env).toEqual(PRESET);
    expect(r.childSees).toBe(presetLine);
    // A grandchild that loads tensorforge itself makes the same choice on its own.
    const again = child(`
      const { execFileSync } = require('node:child_process');
      const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', ${JSON.stringify(`const tf = require(${JSON.stringify(path.join(ROOT, 'src', 'index'))}); console.log(JSON.stringify([tf.backendInfo().blasConfig, process.env.OPENBLAS_CORETYPE ?? null, process.env.BLIS_ARCH_TYPE ?? null]))`)}], { encoding: 'utf8', cwd: ${JSON.stringify(ROOT)} });
      console.log(JSON.stringify({ parent: tf.backendInfo().blasConfig, grandchild: JSON.parse(out.trim()) }));`);
    expect(again.grandchild).toEqual([again.parent, ...PRESET]);
  });

  it('on an AVX-512 CPU, a dynamic OpenBLAS does not stay on its fallback kernels, unless the environment chose them', () => {
    const r = child(`${REPORT} console.log(JSON.stringify(report));`);
    expect(r.env).toEqual(PRESET);
    if (r.blas !== 'OpenBLAS' || !String(r.version).includes('DYNAMIC_ARCH')) return;
    if (PRESET[0] !== null) {
      // The machine's choice wins, whatever the CPU.
      expect(String(r.config).toLowerCase()).toBe(PRESET[0].toLowerCase());
    } else if (skylakeX) {
      // OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to these.
      expect(['Prescott', 'Haswell', 'Sandybridge', 'Core2', 'Nehalem']).not.toContain(r.config);
    }
  });

  it("keeps the user's own variable, in the process and for its children", () => {
    // The machine's preset where there is one; else a conservative choice, given to this child only.
    const env = { OPENBLAS_CORETYPE: PRESET[0] ?? 'Prescott', BLIS_ARCH_TYPE: PRESET[1] ?? 'generic' };
    const r = child(`${REPORT} console.log(JSON.stringify(report));`, env);
    expect(r.env).toEqual([env.OPENBLAS_CORETYPE, env.BLIS_ARCH_TYPE]);
    expect(r.childSees).toBe(`${env.OPENBLAS_CORETYPE}|${env.BLIS_ARCH_TYPE}`);
    if (r.blas === 'OpenBLAS') expect(String(r.config).toLowerCase()).toBe(env.OPENBLAS_CORETYPE.toLowerCase());
  });

  it('worker_threads loading the addon keep the choice and the environment; products stay correct meanwhile', () => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      ${REPORT}
      const workers = Array.from({ length: 3 }, () => new Promise((resolve, reject) => {
        const w = new Worker(${JSON.stringify(WORKER)}, { eval: true });
        w.once('message', resolve);
        w.once('error', reject);
      }));
      // The main thread keeps multiplying while the workers load the addon.
      let bad = 0, done = false;
      const a = tf.randomUniform([200, 200], 0, 1, 'float32', 1);
      const want = tf.matMul(a, a).dataSync().slice();
      const spin = () => { if (done) return; const got = tf.matMul(a, a).dataSync(); for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) { bad++; break; } setImmediate(spin); };
      spin();
      Promise.all(workers).then((ws) => {
        done = true;
        console.log(JSON.stringify({ ...report, workers: ws, bad, after: [process.env.OPENBLAS_CORETYPE ?? null, process.env.BLIS_ARCH_TYPE ?? null] }));
      });`);
    const workers = r.workers as unknown[][];
    expect(workers).toHaveLength(3);
    for (const w of workers) expect(w).toEqual([r.config, ...PRESET, [64, 64, 64]]);
    expect(r.after).toEqual(PRESET);
    expect(r.bad).toBe(0);
  });
});
