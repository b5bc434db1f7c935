// bench/matmul: matMul throughput, tensorforge vs TensorFlow.js vs raw BLAS.
//
//   npm run bench:matmul                      square sweep n = 1..2048: tensorforge, tfjs (cpu), raw cblas_sgemm
//   npm run bench:matmul -- --shapes          the engine's real training GEMMs, 1 and 2 threads
//   npm run bench:matmul -- --blas            BLIS vs OpenBLAS (raw and inside tensorforge), sweep + shapes, 1 and 2 threads
//   npm run bench:matmul -- --quick           CI smoke run (< 1 min)
//   npm run bench:matmul -- --blis-contexts   BLIS's haswell vs skx kernels per shape, in one process
//   npm run bench:matmul -- --paths           tensorforge's GEMM paths (BLAS, AVX-512 kernel unpacked/packed, libxsmm
//                                             and BLIS skx when installed) per training shape, 1 and 2 threads, in one process (paths.cc)
// Options: --systems=tf,tfjs,raw-blis,...  --sizes=64,128  --threads=1,2  --runs=7
//          --min-time=0.1 (s per run)  --tfjs-max=1024 (largest n given to tfjs-cpu, ~0.7 GFLOP/s)
//          --settle=50 (ms idle between systems)  --json  --no-save  --rebuild-addons
//          --hog=1 (run N busy-looping processes meanwhile: BLAS threads vs a loaded machine)
//          --wait-quiet=120 (before each case wait up to N s for other people's load to stop, and measure
//          a case again, --attempts=3 in all, when others used > 0.1 core meanwhile)
//          --merge (re-measured cases replace those rows in the saved result; the rest is kept)
//          --save-as=NAME (bench/results/NAME.json instead of the mode's default name)
// Report: --from=bench/results/matmul-blas.json re-renders a saved run (--repeak: % of the current peak.json); --no-pct --no-us --only=id,id trim columns.
//
// Method: every system is its own process (systems.ts). For each shape and
// thread count, all systems are prepared (inputs filled with the same
// deterministic pattern, one warm-up call, checksums compared), then timed
// run by run in rotation A B C A B C ...; a run repeats the call for
// ~min-time seconds and reports time per call. We report the median of the
// runs and their min-max spread, GFLOP/s (2·M·N·K per call), % of the peak
// measured by bench/peak for that thread count, and ratios to a reference.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPeak, type PeakResult } from '../peak/index';
import { compileCxx, readResult, foreignLoadMeter, waitForQuiet, fmt, machineInfo, numList, parseArgs, sleep, spread, table, warnIfBusy, writeResult, type MachineInfo, type Spread } from '../lib/util';
import { BLAS_PATHS, System, engineKernelSuffix, systemSpec } from './systems';

export interface Case {
  /** Group heading, e.g. a model. */
  group: string;
  name: string;
  M: number;
  N: number;
  K: number;
  ta?: boolean;
  tb?: boolean;
}

/** Square sweep. */
export function squareCases(sizes: number[]): Case[] {
  return sizes.map((n) => ({ group: 'square', name: `n=${n}`, M: n, N: n, K: n }));
}

/**
 * The GEMMs of one training step, with the transposes the engine passes as
 * flags (row-major; X [B,in], W [in,out], Z = X·W, dZ = ∂L/∂Z):
 *   forward   Z  = X · W            M=B,   N=out, K=in
 *   weights   dW = Xᵀ · dZ          M=in,  N=out, K=B    (transA)
 *   inputs    dX = dZ · Wᵀ          M=B,   N=in,  K=out  (transB; not for the first layer)
 */
export function mlpCases(label: string, layers: number[], batch: number): Case[] {
  const out: Case[] = [];
  const L = layers.length - 1;
  for (let l = 0; l < L; l++) {
    const [i, o] = [layers[l], layers[l + 1]];
    out.push({ group: label, name: `fwd${l + 1} X·W${l + 1}`, M: batch, N: o, K: i });
  }
  for (let l = L - 1; l >= 0; l--) {
    const [i, o] = [layers[l], layers[l + 1]];
    out.push({ group: label, name: `dW${l + 1} Xᵀ·dZ${l + 1}`, M: i, N: o, K: batch, ta: true });
    if (l > 0) out.push({ group: label, name: `dX${l + 1} dZ${l + 1}·W${l + 1}ᵀ`, M: batch, N: i, K: o, tb: true });
  }
  return out;
}

export const SHAPE_CASES: Case[] = [
  ...mlpCases('seed 784-64-10, batch 32', [784, 64, 10], 32),
  ...mlpCases('MLP 784-512-512-10, batch 256', [784, 512, 512, 10], 256),
];

export interface MatmulOptions {
  mode?: 'sweep' | 'shapes' | 'blas';
  quick?: boolean;
  systems?: string[];
  sizes?: number[];
  threads?: number[];
  runs?: number;
  minTime?: number;
  tfjsMax?: number;
  settleMs?: number;
  /** Reference system for ratios (default: raw-<BLAS of tf> or the first raw system). */
  ref?: string;
  save?: boolean;
  rebuildAddons?: boolean;
  /**
   * Start this many busy-looping processes for the duration (an experiment:
   * how each BLAS copes when its threads must share the cores with other work).
   */
  hog?: number;
  /**
   * Merge into the saved result of the same mode instead of replacing it:
   * rows (case + threads) measured now replace the saved ones (to re-measure
   * cases that someone else's load disturbed).
   */
  merge?: boolean;
  /** Result file name in bench/results/ (default matmul, matmul-<mode>, + -quick / -hogN). */
  saveAs?: string;
  /** Attempts per case when other processes load the machine meanwhile (with waitQuiet; default 3). */
  attempts?: number;
  /** Before each case, wait up to this many seconds for other load to stop (default 0). */
  waitQuiet?: number;
  log?: (s: string) => void;
}

export interface SystemResult {
  /** Seconds per call. */
  time: Spread;
  gflops: number;
  gflopsMin: number;
  gflopsMax: number;
  pctPeak: number;
  checksum: number;
  /**
   * Median over rounds of (reference time / this system's time) within the
   * same round: runs of one round are seconds apart, so a slowdown of the
   * shared machine that lasts longer than a round cancels out.
   */
  pairedRatio?: number;
}

export interface Row {
  case: Case;
  threads: number;
  flops: number;
  results: Record<string, SystemResult | undefined>;
  checksumMismatch?: string[];
  /** Cores' worth of CPU other processes used while the case ran (Linux). */
  foreignLoad?: number;
  /** CPU busy fraction just before the case (with --wait-quiet). */
  busyBefore?: number;
}

export interface Section {
  title: string;
  systems: { id: string; label: string; info: string }[];
  ref: string;
  rows: Row[];
}

export interface MatmulResult {
  benchmark: 'matmul';
  mode: string;
  machine: MachineInfo;
  peak: Pick<PeakResult, 'clockGHz' | 'flopsPerCycle' | 'peak1' | 'peakAll' | 'simd'>;
  options: Required<Pick<MatmulOptions, 'runs' | 'minTime' | 'settleMs' | 'tfjsMax'>>;
  /** Dates of the runs merged into this result (--merge). */
  merged?: string[];
  /** Busy processes running alongside (the --hog experiment). */
  hog?: number;
  sections: Section[];
}

const flopsOf = (c: Case) => 2 * c.M * c.N * c.K;
const peakFor = (p: PeakResult, threads: number) =>
  threads <= 1 ? p.peak1 : threads >= p.cores ? p.peakAll : (p.peakAll * threads) / p.cores;

async function measure(
  title: string,
  ids: string[],
  cases: Case[],
  threadsList: number[],
  o: Required<Pick<MatmulOptions, 'runs' | 'minTime' | 'settleMs' | 'tfjsMax'>> & MatmulOptions,
  peak: PeakResult,
): Promise<Section> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const systems = await Promise.all(ids.map((id) => new System(systemSpec(id, { rebuildAddons: o.rebuildAddons })).start()));
  // "tensorforge / raw" compares like with like: the raw baseline must run the
  // BLAS kernels tensorforge runs (it may select other kernels than the
  // library would, see systems.ts). Add that baseline when it is missing.
  const tfSys = systems.find((s) => s.spec.id === 'tf');
  const match = tfSys ? rawMatching(tfSys.info) : undefined;
  if (match && !systems.some((s) => s.spec.id === match)) {
    log(`  adding ${match}: the raw baseline with tensorforge's kernels (${tfSys!.info})`);
    systems.push(await new System(systemSpec(match)).start());
  }
  const sysIds = systems.map((s) => s.spec.id);
  const wantRef = o.ref === 'raw' ? match : o.ref;
  const ref =
    wantRef && sysIds.includes(wantRef)
      ? wantRef
      : match && sysIds.includes(match)
        ? match
        : (sysIds.find((i) => i.startsWith('raw')) ?? sysIds[sysIds.length - 1]);
  const settle = systems.some((s) => s.spec.openblas) ? Math.max(o.settleMs, 200) : o.settleMs;
  const rows: Row[] = [];
  try {
    for (const threads of threadsList) {
      for (const c of cases) {
        const flops = flopsOf(c);
        const active = systems.filter(
          (s) =>
            !(s.spec.id === 'tfjs' && Math.max(c.M, c.N, c.K) > o.tfjsMax) &&
            // Single-threaded peers are measured at the first thread count only.
            !(s.spec.singleThreaded && threads !== threadsList[0]),
        );
        const meter = foreignLoadMeter(() => [process.pid, ...active.map((s) => s.pid)]);
        let prep: Record<string, { checksum: number }> = {};
        let times: Record<string, number[]> = {};
        let foreign = 0;
        let busy: number | undefined;
        // With --wait-quiet, a case during which someone else used more than
        // 0.1 core is measured again (up to 3 attempts in all).
        for (let attempt = 0; attempt < (o.waitQuiet && !o.hog ? (o.attempts ?? 3) : 1); attempt++) {
          busy = o.waitQuiet && !o.hog ? await waitForQuiet(o.waitQuiet, 0.15, log) : undefined;
          meter.start();
          prep = {};
          for (const s of active) prep[s.spec.id] = await s.prep(c.M, c.N, c.K, !!c.ta, !!c.tb, threads, o.minTime);
          times = Object.fromEntries(active.map((s) => [s.spec.id, []]));
          // Alternate systems run by run, rotating the order (A B C, B C A,
          // C A B, ...) so that no system always follows the same one (a Node
          // system's GC threads may still be finishing when the next one starts).
          for (let r = 0; r < o.runs; r++) {
            for (let j = 0; j < active.length; j++) {
              const s = active[(j + r) % active.length];
              await sleep(settle);
              times[s.spec.id].push(await s.run());
            }
          }
          foreign = meter.stop();
          if (foreign <= 0.1) break;
          if (o.waitQuiet && !o.hog) log(`  (other processes used ${foreign.toFixed(2)} cores during ${c.name}; measuring it again)`);
        }
        const pk = peakFor(peak, threads);
        const results: Row['results'] = {};
        const refTimes = times[ref];
        for (const s of active) {
          const own = times[s.spec.id];
          const t = spread(own);
          const gf = flops / t.median / 1e9;
          results[s.spec.id] = {
            time: t,
            gflops: gf,
            gflopsMin: flops / t.max / 1e9,
            gflopsMax: flops / t.min / 1e9,
            pctPeak: (100 * gf) / pk,
            checksum: prep[s.spec.id].checksum,
            ...(refTimes && refTimes.length === own.length ? { pairedRatio: spread(own.map((x, r) => refTimes[r] / x)).median } : {}),
          };
        }
        const base = prep[active[0].spec.id].checksum;
        const bad = active
          .filter((s) => Math.abs(prep[s.spec.id].checksum - base) > 1e-3 * Math.max(1, Math.abs(base)) + 1e-2)
          .map((s) => s.spec.id);
        const row: Row = {
          case: c,
          threads,
          flops,
          results,
          foreignLoad: Math.round(foreign * 100) / 100,
          ...(busy !== undefined ? { busyBefore: Math.round(busy * 100) / 100 } : {}),
          ...(bad.length ? { checksumMismatch: bad } : {}),
        };
        rows.push(row);
        log(
          `  [${title}] ${c.group} ${c.name} (${c.M}x${c.N}x${c.K}${c.ta ? ' Aᵀ' : ''}${c.tb ? ' Bᵀ' : ''}) t=${threads}: ` +
            active.map((s) => `${s.spec.id} ${fmt(results[s.spec.id]!.gflops)}`).join(', ') +
            ' GFLOP/s' +
            (foreign > 0.1 ? `  (others used ${foreign.toFixed(2)} cores meanwhile)` : '') +
            (bad.length ? `  CHECKSUM MISMATCH: ${bad.join(',')}` : ''),
        );
      }
    }
  } finally {
    await Promise.all(systems.map((s) => s.stop()));
  }
  return { title, systems: systems.map((s) => ({ id: s.spec.id, label: s.spec.label, info: s.info })), ref, rows };
}

/**
 * The raw system running the same kernels as a tensorforge system, from its
 * info line ("tensorforge BLIS 0.9.0/skx", "tensorforge OpenBLAS ... /SkylakeX").
 */
export function rawMatching(info: string): string | undefined {
  const m = /^tensorforge(?:-binding)? (BLIS|OpenBLAS)\b.*\/(\S+)$/.exec(info.trim());
  if (!m) return undefined;
  const [, blas, config] = m;
  if (blas === 'BLIS') return ['haswell', 'skx'].includes(config) ? `raw-blis-${config}` : 'raw-blis';
  const core = { haswell: 'haswell', skylakex: 'skx', sapphirerapids: 'spr' }[config.toLowerCase()];
  return core ? `raw-openblas-${core}` : 'raw-openblas';
}

/** Runs the benchmark; returns the JSON result (and saves bench/results/matmul[-mode].json). */
export async function run(options: MatmulOptions = {}): Promise<MatmulResult> {
  const mode = options.mode ?? 'sweep';
  const quick = !!options.quick;
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const o = {
    ...options,
    runs: options.runs ?? (quick ? 3 : 5),
    minTime: options.minTime ?? (quick ? 0.02 : 0.1),
    settleMs: options.settleMs ?? (quick ? 10 : 50),
    tfjsMax: options.tfjsMax ?? (quick ? 256 : 1024),
  };
  warnIfBusy(o.log);
  const peak = await loadPeak({ quick: true });
  const hogs = Array.from({ length: options.hog ?? 0 }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
  try {
    return await runModes(mode, quick, cores, o, options, peak, hogs.length);
  } finally {
    for (const h of hogs) h.kill();
  }
}

async function runModes(
  mode: string,
  quick: boolean,
  cores: number,
  o: Required<Pick<MatmulOptions, 'runs' | 'minTime' | 'settleMs' | 'tfjsMax'>> & MatmulOptions,
  options: MatmulOptions,
  peak: PeakResult,
  hog: number,
): Promise<MatmulResult> {
  const sections: Section[] = [];
  const threadsAll = options.threads ?? [1, Math.min(2, cores)].filter((x, i, a) => a.indexOf(x) === i);
  if (mode === 'sweep') {
    const sizes = options.sizes ?? (quick ? [1, 64, 256, 512] : [1, 8, 64, 128, 256, 512, 1024, 2048]);
    const ids = options.systems ?? ['tf', 'tf-dispose', 'tf-prealloc', 'tf-ring', 'tfjs', 'tfjs-wasm'];
    sections.push(await measure('square', ids, squareCases(sizes), threadsAll, o, peak));
  } else if (mode === 'shapes') {
    const ids = options.systems ?? ['tf', 'tf-prealloc', 'raw-openblas' + engineKernelSuffix('openblas')];
    const cases = quick ? SHAPE_CASES.filter((c) => c.group.startsWith('seed')) : SHAPE_CASES;
    sections.push(await measure('shapes', ids, cases, threadsAll, o, peak));
  } else {
    const ids = options.systems ?? ['raw-blis', 'raw-blis-skx', 'raw-openblas', 'raw-openblas-haswell', 'raw-openblas-skx', 'tf-blis', 'tf-openblas'];
    const sizes = options.sizes ?? (quick ? [64, 256] : [64, 128, 192, 256, 320, 512, 1024, 2048]);
    const bo = { ...o, ref: o.ref ?? `raw-blis${engineKernelSuffix('blis')}` };
    sections.push(await measure('BLAS square', ids, squareCases(sizes), threadsAll, bo, peak));
    sections.push(await measure('BLAS shapes', ids, quick ? SHAPE_CASES.slice(0, 5) : SHAPE_CASES, threadsAll, bo, peak));
  }
  const result: MatmulResult = {
    benchmark: 'matmul',
    mode,
    machine: machineInfo(),
    peak: { clockGHz: peak.clockGHz, flopsPerCycle: peak.flopsPerCycle, peak1: peak.peak1, peakAll: peak.peakAll, simd: peak.simd },
    options: { runs: o.runs, minTime: o.minTime, settleMs: o.settleMs, tfjsMax: o.tfjsMax },
    ...(hog ? { hog } : {}),
    sections,
  };
  const name =
    options.saveAs ?? (mode === 'sweep' ? 'matmul' : `matmul-${mode}`) + (quick ? '-quick' : '') + (hog ? `-hog${hog}` : '');
  if (options.merge) mergeInto(result, readResult<MatmulResult>(name));
  if (options.save !== false) writeResult(name, result);
  return result;
}

/** Adds the old result's rows that `r` did not re-measure (same section, case and threads). */
function mergeInto(r: MatmulResult, old: MatmulResult | undefined): void {
  if (!old) return;
  const key = (x: Row) => `${x.case.group}|${x.case.name}|${x.case.M}x${x.case.N}x${x.case.K}|${x.threads}`;
  for (const os of old.sections) {
    const ns = r.sections.find((s) => s.title === os.title);
    if (!ns) {
      r.sections.push(os);
      continue;
    }
    const have = new Set(ns.rows.map(key));
    const order = os.rows.map(key);
    ns.rows = [...ns.rows, ...os.rows.filter((x) => !have.has(key(x)))];
    ns.rows.sort((a, b) => {
      const ia = order.indexOf(key(a));
      const ib = order.indexOf(key(b));
      return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
    });
    for (const sys of os.systems) if (!ns.systems.some((x) => x.id === sys.id)) ns.systems.push(sys);
  }
  r.merged = [...(old.merged ?? [old.machine.date]), r.machine.date];
}

// ------------------------------------------------------------------ BLIS kernel sets

export interface BlisContextRow {
  case: Case;
  haswellUs: number;
  skxUs: number;
}

/**
 * BLIS's haswell vs skx kernel sets in one process, per shape, 1 thread
 * (blis_contexts.cc): evidence for choosing the kernel set by shape.
 */
export async function runBlisContexts(cases: Case[] = [...squareCases([8, 64, 128, 256, 512, 1024]), ...SHAPE_CASES]): Promise<BlisContextRow[]> {
  const p = BLAS_PATHS.blis;
  const bin = compileCxx('blis-contexts', path.join(__dirname, 'blis_contexts.cc'), [`-I${p.inc}`, `${p.lib}/libblis.a`, '-lm']);
  const input = cases.map((c) => `${c.M} ${c.N} ${c.K} ${c.ta ? 1 : 0} ${c.tb ? 1 : 0}`).join('\n') + '\n';
  const out = execFileSync(bin, [], { input, encoding: 'utf8', env: { ...process.env, BLIS_NUM_THREADS: '1' } });
  const lines = out.trim().split('\n');
  return cases.map((c, i) => {
    const v = lines[i].trim().split(/\s+/).map(Number);
    return { case: c, haswellUs: v[5], skxUs: v[6] };
  });
}

export function formatBlisContexts(rows: BlisContextRow[]): string {
  return table(
    ['case', 'M×N×K', 'haswell µs', 'skx µs', 'haswell GFLOP/s', 'skx GFLOP/s', 'faster'],
    rows.map((r) => {
      const fl = flopsOf(r.case);
      return [
        r.case.group === 'square' ? r.case.name : `${r.case.group.split(',')[0]}: ${r.case.name}`,
        shapeLabel(r.case),
        fmt(r.haswellUs, 2),
        fmt(r.skxUs, 2),
        fmt(fl / r.haswellUs / 1e3),
        fmt(fl / r.skxUs / 1e3),
        r.haswellUs < r.skxUs ? `haswell ×${fmt(r.skxUs / r.haswellUs, 2)}` : `skx ×${fmt(r.haswellUs / r.skxUs, 2)}`,
      ];
    }),
  );
}

// ------------------------------------------------------------------ GEMM paths

export interface PathRow {
  label: string;
  M: number;
  N: number;
  K: number;
  ta: number;
  tb: number;
  threads: number;
  maxRelDiff: number;
  /** Per path: median GFLOP/s (wall), GFLOP per CPU second, median per-run ratio of blas time to this path's. */
  paths: Record<string, { gflops: number; cpuGflops: number; ratio: number }>;
}

/**
 * The GEMM paths side by side in one process (paths.cc), built from the
 * native sources with the OpenBLAS of bench/matmul and, when libxsmm-dev is
 * installed, libxsmm.
 */
export function runPaths(cases: Case[], threads: number[], args: string[] = []): { info: Record<string, unknown>; rows: PathRow[] } {
  const p = BLAS_PATHS.openblas;
  const native = path.join(__dirname, '..', '..', 'native');
  const xsmm = fs.existsSync('/usr/include/libxsmm.h');
  const blis = fs.existsSync(`${BLAS_PATHS.blis.lib}/libblis.a`);
  const bin = compileCxx('gemm-paths', path.join(__dirname, 'paths.cc'), [
    '-O3', `-I${native}`, `-I${p.inc}`, '-DTF_BLAS_OPENBLAS', '-DTF_BLAS_NAME="OpenBLAS"', ...(xsmm ? ['-DUSE_XSMM'] : []),
    ...(blis ? ['-DUSE_BLIS', `-idirafter${BLAS_PATHS.blis.inc}`] : []),
    ...['gemm.cc', 'gemm_portable.cc', 'cpu_features.cc', 'gemm_avx512.cc', 'gemm_avx512_kernel.cc'].map((f) => path.join(native, f)),
    `-L${p.lib}`, ...(xsmm ? ['-lxsmm'] : []), '-lopenblas', ...(blis ? [`${BLAS_PATHS.blis.lib}/libblis.a`] : []), `-Wl,-rpath,${p.lib}`, '-ldl', '-lm',
  ], true);
  const input = threads.flatMap((t) => cases.map((c) => `${c.M} ${c.N} ${c.K} ${c.ta ? 1 : 0} ${c.tb ? 1 : 0} ${t} ${c.group.split(',')[0]}: ${c.name}`)).join('\n') + '\n';
  const lines = execFileSync(bin, args, { input, encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').map((l) => JSON.parse(l));
  return { info: lines[0].info, rows: lines.slice(1) };
}

export function formatPaths(rows: PathRow[], peak: PeakResult): string {
  const ids = Object.keys(rows[0]?.paths ?? {});
  const perCpu = (peak as PeakResult & { peak1Cpu?: number }).peak1Cpu;
  return table(
    ['case', 'M×N×K', 'thr', ...ids.map((i) => `${i} GFLOP/s (per CPU s${perCpu ? ', % of peak' : ''})`), ...ids.slice(1).map((i) => `${i} vs blas`)],
    rows.map((r) => [
      r.label,
      `${r.M}×${r.N}×${r.K}${r.ta ? ' Aᵀ' : ''}${r.tb ? ' Bᵀ' : ''}`,
      String(r.threads),
      ...ids.map((i) => `${fmt(r.paths[i].gflops)} (${fmt(r.paths[i].cpuGflops)}${perCpu ? `, ${fmt((100 * r.paths[i].cpuGflops) / perCpu, 0)}%` : ''})`),
      ...ids.slice(1).map((i) => `×${fmt(r.paths[i].ratio, 2)}`),
    ]),
  );
}

// ------------------------------------------------------------------ report

/** Recomputes % of peak against another peak measurement (e.g. a later, quieter one). */
export function repeak(r: MatmulResult, p: PeakResult): void {
  r.peak = { clockGHz: p.clockGHz, flopsPerCycle: p.flopsPerCycle, peak1: p.peak1, peakAll: p.peakAll, simd: p.simd };
  for (const s of r.sections)
    for (const row of s.rows)
      for (const x of Object.values(row.results)) if (x) x.pctPeak = (100 * x.gflops) / peakFor(p, row.threads);
}

const shapeLabel = (c: Case) => `${c.M}×${c.N}×${c.K}${c.ta ? ' Aᵀ' : ''}${c.tb ? ' Bᵀ' : ''}`;

function cellGf(r: SystemResult | undefined) {
  return r ? `${fmt(r.gflops)} (${fmt(r.gflopsMin)}–${fmt(r.gflopsMax)})` : '-';
}
function cellUs(r: SystemResult | undefined) {
  return r ? fmt(r.time.median * 1e6, r.time.median < 1e-4 ? 2 : 0) : '-';
}

export interface FormatOptions {
  /** Columns: GFLOP/s with spread (always), % of peak, µs per call, ratios. */
  pct?: boolean;
  us?: boolean;
  /** Only these systems (ids), in this order. */
  only?: string[];
}

/** Markdown tables for one section. */
export function formatSection(s: Section, f: FormatOptions = {}): string {
  const out: string[] = [];
  const ids = (f.only ?? s.systems.map((x) => x.id)).filter((i) => s.systems.some((x) => x.id === i));
  const label = (id: string) => s.systems.find((x) => x.id === id)!.label;
  const others = ids.filter((i) => i !== s.ref && !i.startsWith('tfjs'));
  const pctIds = f.pct === false ? [] : ids.filter((i) => !i.startsWith('tfjs'));
  const usIds = f.us === false ? [] : ids;
  out.push(`### ${s.title}`);
  out.push('');
  out.push(s.systems.filter((x) => ids.includes(x.id)).map((x) => `- ${x.label}: ${x.info}`).join('\n'));
  const threadsList = [...new Set(s.rows.map((r) => r.threads))];
  const groups = [...new Set(s.rows.map((r) => r.case.group))];
  for (const t of threadsList) {
    for (const g of groups) {
      const rows = s.rows.filter((r) => r.threads === t && r.case.group === g);
      if (!rows.length) continue;
      out.push('');
      out.push(
        `**${g}, ${t} thread${t > 1 ? 's' : ''}** — GFLOP/s median (min–max)` +
          (pctIds.length ? ', % of measured peak' : '') +
          (usIds.length ? ', µs per call (median)' : '') +
          (others.length ? `, GFLOP/s ratio to ${label(s.ref)} (of the medians; in parentheses the median of per-round ratios, which cancels slowdowns longer than a round)` : ''),
      );
      out.push('');
      const head = [
        'case',
        ...ids.map((i) => `${label(i)}`),
        ...pctIds.map((i) => `${label(i)} %pk`),
        ...usIds.map((i) => `${label(i)} µs`),
        ...others.map((i) => `${label(i)} / ${label(s.ref)}`),
      ];
      const body = rows.map((r) => [
        (g === 'square' ? r.case.name : `${r.case.name} ${shapeLabel(r.case)}`) + ((r.foreignLoad ?? 0) > 0.1 ? ' †' : ''),
        ...ids.map((i) => cellGf(r.results[i])),
        ...pctIds.map((i) => (r.results[i] ? fmt(r.results[i]!.pctPeak, 0) + '%' : '-')),
        ...usIds.map((i) => cellUs(r.results[i])),
        ...others.map((i) => {
          const own = r.results[i];
          const ref = r.results[s.ref];
          if (!own || !ref) return '-';
          const ratio = fmt(own.gflops / ref.gflops, 2);
          return own.pairedRatio === undefined ? ratio : `${ratio} (${fmt(own.pairedRatio, 2)})`;
        }),
      ]);
      if (g !== 'square') {
        // Whole training step: sum of the GEMM medians.
        const tot = (i: string) => rows.reduce((a, r) => a + (r.results[i]?.time.median ?? NaN), 0);
        const fl = rows.reduce((a, r) => a + r.flops, 0);
        body.push([
          '**all GEMMs of one step**',
          ...ids.map((i) => fmt(fl / tot(i) / 1e9)),
          ...pctIds.map(() => ''),
          ...usIds.map((i) => fmt(tot(i) * 1e6, 0)),
          ...others.map((i) => fmt(tot(s.ref) / tot(i), 2)),
        ]);
      }
      out.push(table(head, body));
      if (t !== threadsList[0] && ids.some((i) => i.startsWith('tfjs')))
        out.push(`\nTensorFlow.js's cpu and wasm backends run on one thread here; they are measured in the ${threadsList[0]}-thread table only.`);
      const noisy = rows.filter((r) => (r.foreignLoad ?? 0) > 0.1);
      if (noisy.length)
        out.push(`\n† other processes used ${noisy.map((r) => `${(r.foreignLoad ?? 0).toFixed(1)}`).join(', ')} cores meanwhile: disturbed, read with care`);
      const bad = rows.filter((r) => r.checksumMismatch);
      if (bad.length) out.push(`\nCHECKSUM MISMATCH in: ${bad.map((r) => `${r.case.name} (${r.checksumMismatch!.join(',')})`).join('; ')}`);
    }
  }
  return out.join('\n');
}

/** Per-call overhead table from a square section: tensorforge minus raw BLAS at small n. */
export function formatOverhead(s: Section, tf = 'tf', pre = 'tf-prealloc', ring = 'tf-ring', disposed = 'tf-dispose'): string {
  const ref = s.ref;
  const rows = s.rows.filter((r) => r.case.group === 'square' && r.case.M <= 64 && r.results[tf] && r.results[ref]);
  if (!rows.length) return '';
  const us = (r: SystemResult | undefined) => (r ? r.time.median * 1e6 : NaN);
  const withRing = rows.some((r) => r.results[ring]);
  const withDispose = rows.some((r) => r.results[disposed]);
  const optional = (on: boolean, cells: (string | number)[]) => (on ? cells : []);
  return [
    `Per-call overhead (µs, medians): public matMul = JS checks + output allocation + binding + BLAS` +
      (withDispose ? `; "+ dispose" = the same with each output disposed before the next call (it reuses that memory)` : '') +
      `; "binding" = the addon's matMul on a reused output buffer` +
      (withRing ? `; "ring" = the same writing into a 64 MB ring of outputs (an output not in cache, as a new one is)` : '') +
      `; raw = cblas_sgemm from C++. Compare at 1 thread: a raw multi-threaded BLIS call spawns threads each time.`,
    '',
    table(
      ['n', 'threads', 'matMul µs', ...optional(withDispose, ['+ dispose µs']), 'binding µs', ...optional(withRing, ['ring µs']), 'raw µs',
        'matMul − raw', ...optional(withDispose, ['+ dispose − raw']), 'binding − raw', ...optional(withRing, ['ring − raw']),
        'tfjs-cpu µs', 'tfjs-wasm µs'],
      rows.map((r) => [
        r.case.M,
        r.threads,
        fmt(us(r.results[tf]), 2),
        ...optional(withDispose, [fmt(us(r.results[disposed]), 2)]),
        fmt(us(r.results[pre]), 2),
        ...optional(withRing, [fmt(us(r.results[ring]), 2)]),
        fmt(us(r.results[ref]), 2),
        fmt(us(r.results[tf]) - us(r.results[ref]), 2),
        ...optional(withDispose, [fmt(us(r.results[disposed]) - us(r.results[ref]), 2)]),
        fmt(us(r.results[pre]) - us(r.results[ref]), 2),
        ...optional(withRing, [fmt(us(r.results[ring]) - us(r.results[ref]), 2)]),
        fmt(us(r.results.tfjs), 2),
        fmt(us(r.results['tfjs-wasm']), 2),
      ]),
    ),
  ].join('\n');
}

export function formatResult(r: MatmulResult, f: FormatOptions = {}): string {
  const head =
    `matmul (${r.mode}) — ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.date}, load ${r.machine.loadavg.join(' ')}\n` +
    `peak (bench/peak, ${r.peak.simd}): ${fmt(r.peak.peak1)} GFLOP/s on 1 thread, ${fmt(r.peak.peakAll)} on all; ` +
    `${r.options.runs} runs of ~${r.options.minTime}s per system, alternated` +
    (r.hog ? `\nWITH ${r.hog} busy-looping process(es) competing for the cores (--hog experiment)` : '');
  const parts = [head];
  for (const s of r.sections) {
    parts.push(formatSection(s, f));
    if (s.title === 'square') parts.push(formatOverhead(s));
  }
  return parts.filter(Boolean).join('\n\n') + '\n';
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const f: FormatOptions = {
    pct: !a['no-pct'],
    us: !a['no-us'],
    only: typeof a.only === 'string' ? a.only.split(',') : undefined,
  };
  if (a['blis-contexts']) {
    if (a['wait-quiet']) await waitForQuiet(Number(a['wait-quiet'] === true ? 120 : a['wait-quiet']), 0.1, (l) => process.stderr.write(l + '\n'));
    else warnIfBusy();
    const rows = await runBlisContexts();
    if (!a['no-save']) writeResult('matmul-blis-contexts', { benchmark: 'matmul-blis-contexts', machine: machineInfo(), rows });
    process.stdout.write(a.json ? JSON.stringify(rows) + '\n' : formatBlisContexts(rows) + '\n');
    return;
  }
  if (a.paths) {
    warnIfBusy();
    const peak = await loadPeak();
    const cases = [...SHAPE_CASES, ...squareCases(numList(a.sizes) ?? [1, 64, 128, 256, 512, 1024])];
    const args = [`--runs=${a.runs ?? 7}`, ...(typeof a['only-paths'] === 'string' ? [`--paths=${a['only-paths']}`] : [])];
    const r = runPaths(cases, numList(a.threads) ?? [1, 2], args);
    if (!a['no-save']) writeResult('matmul-paths', { benchmark: 'matmul-paths', machine: machineInfo(), peak, ...r });
    process.stdout.write(a.json ? JSON.stringify(r) + '\n' : `${peak.cpuModel}: ${JSON.stringify(r.info)}\n` + formatPaths(r.rows, peak) + '\n');
    return;
  }
  if (typeof a.from === 'string') {
    // Re-render a saved result without measuring.
    const r = JSON.parse(fs.readFileSync(a.from, 'utf8')) as MatmulResult;
    if (a.repeak) repeak(r, await loadPeak());
    process.stdout.write(formatResult(r, f));
    return;
  }
  const mode = a.blas ? 'blas' : a.shapes ? 'shapes' : 'sweep';
  const r = await run({
    mode,
    quick: !!a.quick,
    systems: typeof a.systems === 'string' ? a.systems.split(',') : undefined,
    sizes: numList(a.sizes),
    threads: numList(a.threads),
    runs: a.runs ? Number(a.runs) : undefined,
    minTime: a['min-time'] ? Number(a['min-time']) : undefined,
    tfjsMax: a['tfjs-max'] ? Number(a['tfjs-max']) : undefined,
    settleMs: a.settle ? Number(a.settle) : undefined,
    ref: typeof a.ref === 'string' ? a.ref : undefined,
    save: !a['no-save'],
    rebuildAddons: !!a['rebuild-addons'],
    hog: a.hog ? Number(a.hog === true ? 1 : a.hog) : undefined,
    merge: !!a.merge,
    saveAs: typeof a['save-as'] === 'string' ? a['save-as'] : undefined,
    attempts: a.attempts ? Number(a.attempts) : undefined,
    waitQuiet: a['wait-quiet'] ? Number(a['wait-quiet'] === true ? 120 : a['wait-quiet']) : undefined,
  });
  process.stdout.write(a.json ? JSON.stringify(r) + '\n' : formatResult(r, f));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
