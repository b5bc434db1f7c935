// Shared by the packaging tests: they build, pack and install, which takes
// minutes, so they run under CI (.ci/run) or on request
// (`npm run test:packaging`) and are skipped by a plain `npm test`.
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const TUPLE = `${process.platform}-${process.arch}`;
export const PREBUILD = path.join(REPO, 'prebuilds', TUPLE, 'tensorforge.node');
export const ENABLED = !!process.env.CI || process.env.TF_PACKAGING_TESTS === '1';
/** What backendInfo().blas must report for the prebuild: the BLAS scripts/prebuild.mjs links by default. */
export const EXPECTED_BLAS = process.env.TF_EXPECT_BLAS ?? ({ linux: 'OpenBLAS', darwin: 'Accelerate', win32: 'OpenBLAS' } as Record<string, string>)[process.platform] ?? 'OpenBLAS';
/** Shared-library names that would mean the BLAS (or its runtime) was linked dynamically. */
export const BLAS_LIBRARY = /blas|blis|lapack|gfortran|quadmath|gomp|mkl/i;

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; the result carries its exit status and both outputs. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Formats a failed run for an assertion message. */
export function describeRun(what: string, r: RunResult): string {
  return `${what} exited ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Build tools the prebuilt install must not need. */
export const BUILD_TOOLS = /^(cmake|ctest|cpack|make|gmake|ninja|cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cpp|ld|ld\.\w+|(x86_64|aarch64|i686)-linux-gnu-.*|(gcc|g\+\+|cpp|clang|clang\+\+)-[\d.]+)$/;

/**
 * A directory of symlinks to every program on PATH except the build tools, to
 * use as the whole PATH: node, npm and the shell stay reachable, cmake and the
 * compilers do not, wherever they are installed.
 */
export function toolFreeBin(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    // Skip node_modules/.bin (this repository's cmake-js, tsc, ...) and npm's node-gyp shim: the fresh project has its own.
    if (d.split(path.sep).includes('node_modules')) continue;
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names) {
      const link = path.join(dir, name);
      if (BUILD_TOOLS.test(name) || fs.existsSync(link)) continue; // the first PATH entry wins, as in a shell
      try {
        fs.accessSync(path.join(d, name), fs.constants.X_OK);
        fs.symlinkSync(path.join(d, name), link);
      } catch {
        // not an executable file
      }
    }
  }
  return dir;
}
