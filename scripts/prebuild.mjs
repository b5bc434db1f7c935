// Builds the prebuilt binary for this platform and puts it where node-gyp-build
// looks: prebuilds/<platform>-<arch>/tensorforge.node. It is the source build's
// CMake project with one option, TF_STATIC_BLAS=ON (BLAS, libstdc++ and libgcc
// linked in, symbols stripped), configured in its own directory so the
// development build in build/ keeps its dynamic BLAS and its symbols.
//
//   node scripts/prebuild.mjs [--blas BLIS|OpenBLAS|Accelerate|Generic] [--jobs N]
//   node scripts/prebuild.mjs --list     what prebuilds/ holds (prepack runs this)
//
// Default BLAS: OpenBLAS on Linux, Accelerate on macOS, OpenBLAS on Windows (set
// TF_BLAS_ROOT to a static OpenBLAS, e.g. a vcpkg x64-windows-static tree).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tuple = `${process.platform}-${process.arch}`;
const DEFAULT_BLAS = { linux: 'OpenBLAS', darwin: 'Accelerate', win32: 'OpenBLAS' };
// What backendInfo().blas reports for each TF_BLAS value.
const REPORTED_NAME = { BLIS: 'BLIS', OpenBLAS: 'OpenBLAS', Accelerate: 'Accelerate', Generic: 'Generic CBLAS', OFF: 'portable' };

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { blas: DEFAULT_BLAS[process.platform] ?? 'Generic', jobs: os.availableParallelism?.() ?? os.cpus().length, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') args.list = true;
    else if (a === '--blas') args.blas = argv[++i];
    else if (a === '--jobs' || a === '-j') args.jobs = Number(argv[++i]);
    else fail(`unknown argument '${a}' (expected --blas NAME, --jobs N or --list)`);
  }
  if (!(args.blas in REPORTED_NAME)) fail(`--blas must be one of ${Object.keys(REPORTED_NAME).join(', ')}, got '${args.blas}'`);
  if (!Number.isInteger(args.jobs) || args.jobs < 1) fail(`--jobs must be a positive integer, got '${args.jobs}'`);
  return args;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Prints what prebuilds/ holds; warns when it is empty (the tarball would then need a compiler). */
function list() {
  const dir = path.join(root, 'prebuilds');
  const found = [];
  for (const t of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    for (const f of fs.readdirSync(path.join(dir, t))) if (f.endsWith('.node')) found.push(`${t}/${f} (${mb(fs.statSync(path.join(dir, t, f)).size)})`);
  }
  if (found.length === 0) console.warn('prebuild: WARNING prebuilds/ is empty: installs of this package will compile from source (run `npm run prebuild` first)');
  else console.log(`prebuild: shipping ${found.join(', ')}`);
}

/** A process's parent and command line, or undefined where neither /proc nor ps can tell. */
function processInfo(pid) {
  try {
    // npm sets process.title ("npm run build"), which turns its cmdline into one space-separated string.
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0\s]+/).filter(Boolean);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { argv, ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) };
  } catch {
    const r = spawnSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' });
    const m = r.status === 0 && /^\s*(\d+)\s+(.*)$/.exec(r.stdout.trim());
    return m ? { argv: m[2].split(/\s+/), ppid: Number(m[1]) } : undefined;
  }
}

/**
 * True when npm runs this file as the automatic pre-hook of `npm run build`
 * rather than as `npm run prebuild`: npm gives both the same environment, so
 * the command line of the nearest npm ancestor tells them apart. When it
 * cannot be told (no /proc, no ps), the prebuild runs.
 */
function isPreHookOfBuild() {
  if (process.env.npm_lifecycle_event !== 'prebuild') return false;
  let pid = process.ppid;
  for (let depth = 0; depth < 5 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return false;
    const run = info.argv.findIndex((a) => a === 'run' || a === 'run-script' || a === 'rum' || a === 'urn');
    if (run > 0 && /npm/.test(info.argv.slice(0, run).join(' '))) {
      return info.argv.slice(run + 1).find((a) => !a.startsWith('-')) === 'build';
    }
    pid = info.ppid;
  }
  return false;
}

/** Shared libraries the binary needs (ELF only: readelf -d), or undefined where that cannot be read. */
function neededLibraries(file) {
  const r = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

function build({ blas, jobs }) {
  // One directory per BLAS: CMake keeps TF_BLAS in its cache, so a reused
  // directory would quietly build the BLAS it was first configured with.
  const buildDir = path.join(root, 'build-prebuild', `${tuple}-${blas}`);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, 'compile', '-d', root, '-O', buildDir, '-p', String(jobs), '--CDTF_STATIC_BLAS=ON', `--CDTF_BLAS=${blas}`];
  console.log(`prebuild: ${tuple}, BLAS ${blas}, static, in ${path.relative(root, buildDir)}/`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`cmake-js failed (exit ${r.status ?? r.signal})`);

  const built = [path.join(buildDir, 'Release', 'tensorforge.node'), path.join(buildDir, 'tensorforge.node')].find((f) => fs.existsSync(f));
  if (!built) fail(`cmake-js succeeded but no tensorforge.node is in ${buildDir}`);

  const destDir = path.join(root, 'prebuilds', tuple);
  const dest = path.join(destDir, 'tensorforge.node');
  fs.mkdirSync(destDir, { recursive: true });
  fs.copyFileSync(built, `${dest}.tmp`);
  fs.renameSync(`${dest}.tmp`, dest);

  // Load it in a fresh process: a prebuild that does not load, or that fell
  // back to the portable GEMM, must not be shipped.
  const info = JSON.parse(execFileSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(dest)}).backendInfo())`], { encoding: 'utf8' }));
  if (info.blas !== REPORTED_NAME[blas]) fail(`${dest} reports BLAS '${info.blas}', expected '${REPORTED_NAME[blas]}'`);

  const needed = neededLibraries(dest);
  if (needed?.some((lib) => /blas|blis|lapack|gfortran|quadmath|gomp/i.test(lib))) {
    fail(`${dest} still needs a shared BLAS: ${needed.join(', ')}`);
  }
  console.log(`prebuild: ${path.relative(root, dest)} ${mb(fs.statSync(dest).size)}, BLAS ${info.blas} ${info.blasVersion} (${info.blasConfig} on this CPU)` +
    (needed ? `, needs ${needed.join(' ')}` : ''));
}

const args = parseArgs(process.argv.slice(2));
if (args.list) list();
else if (isPreHookOfBuild()) console.log('prebuild: skipped (npm runs "prebuild" before "build"; run `npm run prebuild` to build prebuilds/)');
else build(args);
