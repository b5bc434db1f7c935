// Source builds: with the BLAS disabled (-DTF_BLAS=OFF) the portable blocked
// GEMM passes the native kernel tests and the matMul suite; a build that finds
// no BLAS warns and falls back, while a prebuild build (TF_STATIC_BLAS=ON)
// refuses to. Builds into build-portable/, next to the development build.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, ENABLED, REPO, run } from './helpers';

const PORTABLE = path.join(REPO, 'build-portable');
const JOBS = String(os.availableParallelism?.() ?? os.cpus().length);

describe.skipIf(!ENABLED)('source build with -DTF_BLAS=OFF (portable GEMM)', () => {
  let configureLog = '';

  beforeAll(() => {
    // cmake-js puts the addon in <out>/Release; with <out> = build-portable/build,
    // TENSORFORGE_PREBUILD=build-portable makes node-gyp-build load it.
    const r = run(process.execPath, [path.join(REPO, 'node_modules/cmake-js/bin/cmake-js'), 'compile', '-d', REPO, '-O', path.join(PORTABLE, 'build'),
      '-p', JOBS, '--CDTF_BLAS=OFF', '--CDTF_NATIVE_TESTS=ON', '--CDTF_STATIC_BLAS=OFF'], { cwd: REPO });
    if (r.status !== 0) throw new Error(describeRun('cmake-js compile -DTF_BLAS=OFF', r));
    configureLog = (r.stdout + r.stderr).replace(/\s+/g, ' '); // CMake wraps its warnings
  }, 900_000);

  it('builds without the missing-BLAS warning (OFF is deliberate)', () => {
    expect(configureLog).not.toMatch(/not found; building with the portable blocked GEMM/);
    expect(fs.existsSync(path.join(PORTABLE, 'build', 'Release', 'tensorforge.node'))).toBe(true);
  });

  it('the addon reports the portable GEMM', () => {
    const r = run(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(path.join(PORTABLE, 'build', 'Release', 'tensorforge.node'))}).backendInfo())`]);
    expect(r.status, describeRun('node -p backendInfo', r)).toBe(0);
    expect(JSON.parse(r.stdout).blas).toBe('portable');
  });

  it('passes the native kernel tests', () => {
    const r = run(path.join(PORTABLE, 'build', 'tf_native_tests'), [], { cwd: REPO });
    console.log(r.stdout.split('\n').filter((l) => /native tests/.test(l)).join('\n'));
    expect(r.status, describeRun('tf_native_tests (portable GEMM)', r)).toBe(0);
    expect(r.stdout).toMatch(/native tests, 0 failed/);
  });

  it('passes test/ops/matmul.test.ts with this addon loaded', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TENSORFORGE_PREBUILD: PORTABLE };
    delete env.CI; // no JSON report: it would overwrite the one .ci/run reads
    delete env.TF_PACKAGING_TESTS;
    const r = run(process.execPath, [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', 'test/ops/matmul.test.ts', '--reporter=dot'], { cwd: REPO, env });
    expect(r.status, describeRun('vitest run test/ops/matmul.test.ts (portable addon)', r)).toBe(0);
    expect(r.stdout).toMatch(/Tests\s.*\d+ passed/);
  }, 300_000);
});

describe.skipIf(!ENABLED)('source build that finds no BLAS', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-noblas-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Configures (no build) with every find_* re-rooted under an empty directory, as on a machine without a BLAS. */
  function configureWithoutBlas(dir: string, staticBlas: boolean) {
    return run('cmake', ['-S', REPO, '-B', path.join(tmp, dir), `-DTF_STATIC_BLAS=${staticBlas ? 'ON' : 'OFF'}`,
      `-DCMAKE_FIND_ROOT_PATH=${path.join(tmp, 'empty')}`, '-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY', '-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY']);
  }

  it('warns and falls back to the portable GEMM', () => {
    const r = configureWithoutBlas('dynamic', false);
    expect(r.status, describeRun('cmake configure', r)).toBe(0);
    expect(r.stderr.replace(/\s+/g, ' ')).toMatch(/BLAS 'OpenBLAS' not found; building with the portable blocked GEMM/);
  }, 120_000);

  it('stops when building a prebuild (TF_STATIC_BLAS=ON) instead of shipping the portable GEMM', () => {
    const r = configureWithoutBlas('static', true);
    expect(r.status).not.toBe(0);
    expect(r.stderr.replace(/\s+/g, ' ')).toMatch(/TF_STATIC_BLAS=ON but no static OpenBLAS library was found/);
  }, 120_000);
});
