// npm run bench: every benchmark in bench/, peers side by side, one report.
//
//   npm run bench                    full run (~20 minutes on 2 cores; tune's search is cut to 90 s)
//   npm run bench -- --quick         CI smoke run (< 3 minutes): shorter runs, fewer peers, no tune
//   options: --only=peak,matmul,train,residual,conv,rnn,latency,tape,compress,inference,server,tune  --skip=...   --tune-budget=90 (s)
//            --charts=DIR (default bench/results/charts)  --wait-quiet=N (s, before peak and each GEMM case)
//            --json (print the JSON instead of the Markdown report)
//   tsx bench/index.ts --from=bench/results/<run>.json [--charts=DIR] [--charts-prefix=URL/] [--compact]
//            re-renders a saved run: its charts, and its report to stdout
//
// Writes bench/results/<date>-<host>[-quick].json (everything, with the
// machine context) and the same report as Markdown (.md) beside it, one SVG
// chart per workload, and prints the report to stdout (progress to stderr).
// A missing peer (PyTorch, a BLAS for the raw GEMM baseline) is skipped with
// a note; a benchmark that crashes is reported and makes the exit status 1,
// the others still run. No timing is asserted anywhere.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, RESULTS_DIR, machineInfo, parseArgs, readResult, writeResult } from './lib/util';
import { loadPeak, run as runPeak, type PeakResult } from './peak/index';
import { run as runMatmul } from './matmul/index';
import { run as runTrain } from './train/index';
import { run as runResidual } from './residual/index';
import { run as runConv } from './conv/index';
import { run as runRnn } from './rnn/index';
import { run as runTape } from './tape/index';
import { run as runCompress } from './compress/index';
import { run as runLatency } from './latency/index';
import { run as runInference, openblasCoretype } from './inference/index';
import { writeCharts } from './charts/index';
import { formatReport, type SuiteResult, type Step, type ServerSuite, type TuneSuite, type Context } from './report';
import type * as ServerModule from './server';
import type * as TensorforgeModule from '../src/index';

export const STEPS = ['peak', 'matmul', 'train', 'residual', 'conv', 'rnn', 'latency', 'tape', 'compress', 'inference', 'server', 'tune'] as const;
export type StepName = (typeof STEPS)[number];

export interface SuiteOptions {
  quick?: boolean;
  only?: StepName[];
  skip?: StepName[];
  /** Seconds of tuner search inside the suite (default 90; bench:tune alone uses 600). */
  tuneBudget?: number;
  chartsDir?: string;
  waitQuiet?: number;
  log?: (s: string) => void;
}

const PYTHON = '/usr/bin/python3';
const LIB = '/usr/lib/x86_64-linux-gnu';

function tryExec(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 }).trim();
  } catch {
    return undefined;
  }
}

/** SIMD extensions of the CPU that matter for FP32 kernels (Linux /proc/cpuinfo flags). */
function cpuSimd(): string[] {
  try {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    const names: [string, string][] = [['sse4_2', 'SSE4.2'], ['avx', 'AVX'], ['avx2', 'AVX2'], ['fma', 'FMA'], ['avx512f', 'AVX-512F'],
      ['avx512bw', 'AVX-512BW'], ['avx512vl', 'AVX-512VL'], ['avx512_vnni', 'AVX-512 VNNI'], ['avx512_bf16', 'AVX-512 BF16'], ['avx512_fp16', 'AVX-512 FP16'], ['amx_tile', 'AMX']];
    return names.filter(([f]) => flags.has(f)).map(([, n]) => n);
  } catch {
    return [];
  }
}

/** Machine and peer facts printed with every result. */
async function context(peak: PeakResult | undefined): Promise<Context> {
  const m = machineInfo();
  // In a child process: loading the addon here would change this process's
  // environment (it selects BLAS kernels through BLIS_ARCH_TYPE /
  // OPENBLAS_CORETYPE) and every system spawned later would inherit that.
  const b = JSON.parse(tryExec(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require("./dist/cjs/index.js").backendInfo()))']) ??
    '{"blas":"unknown (dist/ missing: npm run build)","blasVersion":"","blasConfig":"?","threads":0,"simd":"?"}') as ReturnType<typeof TensorforgeModule.backendInfo>;
  const tfjsVersion = (() => {
    try {
      return require('@tensorflow/tfjs/package.json').version as string;
    } catch {
      return undefined;
    }
  })();
  // tfjs-wasm's SIMD and threads as its backend detects them in Node.
  const wasmFlags = tryExec(process.execPath, ['-e', `
    console.log = () => {};
    const tfjs = require('@tensorflow/tfjs'), w = require('@tensorflow/tfjs-backend-wasm'), p = require('path');
    w.setWasmPaths(p.join(p.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    tfjs.setBackend('wasm').then(() => { const f = tfjs.env().features;
      process.stdout.write(JSON.stringify({ simd: f.WASM_HAS_SIMD_SUPPORT, threads: f.WASM_HAS_MULTITHREAD_SUPPORT })); });`]);
  const torch = tryExec(PYTHON, ['-c', 'import os; os.environ["OMP_NUM_THREADS"]="1"; import torch, numpy; print(torch.__version__, numpy.__version__)']);
  const blasLink = (() => {
    try {
      return fs.realpathSync(`${LIB}/libblas.so.3`);
    } catch {
      return undefined;
    }
  })();
  return {
    cpuModel: m.cpuModel,
    cores: m.cores,
    clockGHz: peak?.clockGHz,
    cpuSimd: cpuSimd(),
    peak: peak ? { peak1: peak.peak1, peakAll: peak.peakAll, simd: peak.simd, flopsPerCycle: peak.flopsPerCycle, date: peak.date } : undefined,
    tensorforge: {
      version: require('../package.json').version,
      blas: b.blas,
      blasVersion: b.blasVersion,
      blasCoreType: b.blasConfig,
      threads: b.threads,
      compiledSimd: b.compiledSimd,
      kernelSimd: b.simd,
    },
    node: m.node,
    os: m.os,
    host: os.hostname(),
    loadavgAtStart: m.loadavg,
    peers: {
      tfjs: tfjsVersion ?? null,
      tfjsWasm: wasmFlags ? { version: tfjsVersion ?? null, ...JSON.parse(wasmFlags) } : null,
      torch: torch ? torch.split(' ')[0] : null,
      numpy: torch ? torch.split(' ')[1] : null,
      systemBlas: blasLink ?? null,
    },
  };
}

/** Peak: the cached figure (quick), or a fresh best-of-3 that replaces the cache only when higher. */
async function peakStep(o: SuiteOptions, log: (s: string) => void): Promise<PeakResult> {
  if (o.quick) return loadPeak({ quick: true, log });
  const fresh = await runPeak({ repeat: 3, waitQuiet: o.waitQuiet, cache: false, log });
  const cached = readResult<PeakResult>('peak');
  // A peak is what the hardware can do: on a shared machine a lower figure means
  // someone else had a core, so the higher of the two measurements stands.
  if (cached && cached.cpuModel === fresh.cpuModel && cached.cores === fresh.cores && cached.peakAll > fresh.peakAll) {
    log(`  peak: this run measured ${fresh.peakAll.toFixed(1)} GFLOP/s on all cores, below the cached ${cached.peakAll.toFixed(1)} (${cached.date}); keeping the cached figure`);
    return cached;
  }
  writeResult('peak', fresh);
  return fresh;
}

/** The raw-GEMM baselines whose BLAS is installed (headers and library). */
function rawSystems(log: (s: string) => void, notes: string[]): string[] {
  const have = (dir: string, lib: string) => fs.existsSync(`/usr/include/x86_64-linux-gnu/${dir}/cblas.h`) && fs.existsSync(`${LIB}/${dir}/${lib}`);
  const out: string[] = [];
  // BLIS with its own kernel choice; bench/matmul adds the baseline with the
  // kernels tensorforge selects when they differ.
  if (have('blis-pthread', 'libblis.so')) out.push('raw-blis');
  else notes.push('raw BLIS baseline skipped: libblis-pthread-dev is not installed.');
  // NumPy's BLAS, with the kernels PyTorch gets (bench/inference: openblasCoretype).
  const core = openblasCoretype();
  if (have('openblas-pthread', 'libopenblas.so')) out.push(core === 'SkylakeX' && !process.env.OPENBLAS_CORETYPE ? 'raw-openblas-skx' : core === 'Haswell' && !process.env.OPENBLAS_CORETYPE ? 'raw-openblas-haswell' : 'raw-openblas');
  else notes.push('raw OpenBLAS baseline (NumPy\'s BLAS) skipped: libopenblas-dev is not installed.');
  if (!out.length) log('  matmul: no BLAS for a raw baseline');
  return out;
}

/**
 * Event-loop delay during fit, alternating libraries round by round; then the
 * example server under load. Runs in a child process (see context()).
 */
function serverStep(quick: boolean, log: (s: string) => void): Promise<ServerSuite> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', __filename, '--internal-step=server', ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      log(d.toString().trimEnd());
    });
    p.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ServerSuite);
      else reject(new Error(`server step exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

async function serverStepInProcess(quick: boolean, log: (s: string) => void): Promise<ServerSuite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const server: typeof ServerModule = require('./server');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf: typeof TensorforgeModule = require('../src/index');
  const opts = { quick, duration: quick ? 2 : 5, connections: 10, workers: 0, tfjsSamples: quick ? 1000 : 4000 };
  const rounds = quick ? 2 : 5;
  const { train, test } = await tf.datasets.fashionMnist(quick ? { subset: true } : {});
  const fitRounds: ServerModule.FitRow[][] = [];
  for (let r = 0; r < rounds; r++) {
    log(`  server: event-loop delay during fit, round ${r + 1}/${rounds}`);
    fitRounds.push(await server.fitDelays(train, opts));
  }
  log('  server: example server under autocannon');
  const load = await server.serverLoad(train, test, opts);
  return { options: { ...opts, rounds }, fitRounds, load };
}

/** The tuner with a shorter budget than its own 10-minute benchmark, in a child process. */
function tuneStep(budget: number, log: (s: string) => void): Promise<TuneSuite> {
  const args = ['--import', 'tsx', path.join(__dirname, 'tune.ts'), '--budget', String(budget), '--throughput-trials', '4', '--throughput-epochs', '1', '--json'];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = '';
    let err = '';
    let buf = '';
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('{')) last = l;
        else if (l.trim()) log(`  tune: ${l}`);
      }
    });
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      if (buf.startsWith('{')) last = buf;
      if (code === 0 && last) resolve(JSON.parse(last) as TuneSuite);
      else reject(new Error(`bench/tune exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** 2026-01-31T1405Z: UTC, sortable, no characters a file system dislikes. */
function stamp(d: Date): string {
  return d.toISOString().slice(0, 16).replace(':', '') + 'Z';
}

export async function run(o: SuiteOptions = {}): Promise<{ result: SuiteResult; report: string; files: string[] }> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const quick = !!o.quick;
  const t0 = Date.now();
  const start = new Date();
  const wanted = (s: StepName) => (!o.only || o.only.includes(s)) && !(o.skip ?? []).includes(s);
  const notes: string[] = [];
  const steps: Partial<Record<StepName, Step<unknown>>> = {};

  async function step<T>(name: StepName, fn: () => Promise<T>, skipNote?: string): Promise<T | undefined> {
    if (!wanted(name) || skipNote) {
      steps[name] = { status: 'skipped', seconds: 0, note: skipNote ?? 'not selected (--only/--skip)' };
      return undefined;
    }
    log(`\n== ${name} ==`);
    const s0 = Date.now();
    try {
      const r = await fn();
      steps[name] = { status: 'ok', seconds: (Date.now() - s0) / 1000, result: r };
      log(`== ${name}: ${((Date.now() - s0) / 1000).toFixed(0)} s`);
      return r;
    } catch (e) {
      const msg = String((e as Error)?.stack ?? e);
      steps[name] = { status: 'failed', seconds: (Date.now() - s0) / 1000, error: msg.split('\n').slice(0, 6).join('\n') };
      log(`== ${name}: FAILED\n${msg}`);
      return undefined;
    }
  }

  const peak = await step('peak', () => peakStep(o, log));
  const ctx = await context(peak ?? readResult<PeakResult>('peak'));
  log(`machine: ${ctx.cpuModel}, ${ctx.cores} cores, ${ctx.clockGHz?.toFixed(2) ?? '?'} GHz, ${ctx.tensorforge.blas} ${ctx.tensorforge.blasVersion} (${ctx.tensorforge.blasCoreType}), load ${ctx.loadavgAtStart.join(' ')}`);

  await step('matmul', () => runMatmul({
    mode: 'sweep',
    quick,
    systems: ['tf', 'tf-dispose', 'tf-prealloc', ...(quick ? [] : ['tf-ring']), 'tfjs', 'tfjs-wasm', ...rawSystems(log, notes)],
    sizes: quick ? [1, 64, 256, 512] : [1, 8, 64, 128, 256, 512, 1024, 2048],
    waitQuiet: o.waitQuiet,
    log,
  }));
  await step('train', () => runTrain({ quick, log }));
  await step('residual', () => runResidual({ quick, log }));
  await step('conv', () => runConv({ quick, log }));
  await step('rnn', () => runRnn({ quick, log }));
  await step('latency', () => runLatency({ quick, log }));
  await step('tape', () => runTape({ quick, log }));
  await step('compress', () => runCompress({ quick, log }));
  await step('inference', () => runInference({ quick, models: quick ? ['seed'] : undefined, log }));
  await step('server', () => serverStep(quick, log));
  const budget = o.tuneBudget ?? 90;
  await step('tune', () => tuneStep(budget, log), quick ? 'quick mode: a search needs minutes; `npm run bench:tune` runs the 10-minute search' : undefined);

  const finished = new Date();
  const result: SuiteResult = {
    benchmark: 'suite',
    mode: quick ? 'quick' : 'full',
    date: start.toISOString(),
    finished: finished.toISOString(),
    seconds: (Date.now() - t0) / 1000,
    context: { ...ctx, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    options: { tuneBudget: budget, waitQuiet: o.waitQuiet ?? 0 },
    steps: steps as SuiteResult['steps'],
    notes,
  };
  const base = path.join(RESULTS_DIR, `${stamp(start)}-${os.hostname()}${quick ? '-quick' : ''}`);
  const chartsDir = path.resolve(ROOT, o.chartsDir ?? path.join('bench', 'results', 'charts'));
  const files: string[] = [];
  let charts: string[] = [];
  try {
    charts = writeCharts(result, chartsDir);
    files.push(...charts);
  } catch (e) {
    result.notes.push(`charts failed: ${(e as Error).message}`);
    result.chartsFailed = true;
  }
  result.charts = charts.map((f) => path.relative(ROOT, f));
  const report = formatReport(result, { chartsRelativeTo: path.dirname(base) });
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(base + '.json', JSON.stringify(result, null, 1) + '\n');
  fs.writeFileSync(base + '.md', report);
  files.unshift(base + '.json', base + '.md');
  return { result, report, files };
}

/** Re-renders a saved run: charts into `chartsDir`, the report to stdout. */
function rerender(file: string, chartsDir: string | undefined, prefix: string | undefined, compact: boolean): string {
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResult;
  const dir = path.resolve(ROOT, chartsDir ?? path.join('bench', 'results', 'charts'));
  result.charts = writeCharts(result, dir).map((f) => path.relative(ROOT, f));
  return formatReport(result, { ...(prefix ? { chartsPrefix: prefix } : { chartsRelativeTo: process.cwd() }), compact });
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a['internal-step'] === 'server') {
    // TensorFlow.js prints a banner with console.log; stdout carries the JSON.
    console.log = console.error;
    const r = await serverStepInProcess(!!a.quick, (s) => process.stderr.write(s + '\n'));
    process.stdout.write(JSON.stringify(r) + '\n');
    setTimeout(() => process.exit(0), 100).unref();
    return;
  }
  if (typeof a.from === 'string') {
    process.stdout.write(rerender(a.from, typeof a.charts === 'string' ? a.charts : undefined, typeof a['charts-prefix'] === 'string' ? a['charts-prefix'] : undefined, !!a.compact));
    return;
  }
  const list = (v: string | boolean | undefined) => (typeof v === 'string' ? (v.split(',').filter(Boolean) as StepName[]) : undefined);
  for (const s of [...(list(a.only) ?? []), ...(list(a.skip) ?? [])]) if (!STEPS.includes(s)) throw new Error(`unknown benchmark ${s}; known: ${STEPS.join(', ')}`);
  const { result, report, files } = await run({
    quick: !!a.quick,
    only: list(a.only),
    skip: list(a.skip),
    tuneBudget: a['tune-budget'] ? Number(a['tune-budget']) : undefined,
    chartsDir: typeof a.charts === 'string' ? a.charts : undefined,
    waitQuiet: a['wait-quiet'] ? Number(a['wait-quiet'] === true ? 120 : a['wait-quiet']) : undefined,
  });
  process.stdout.write(a.json ? JSON.stringify(result, null, 1) + '\n' : report);
  process.stderr.write(`\nwrote ${files.map((f) => path.relative(ROOT, f)).join(', ')}\n`);
  const failed = Object.entries(result.steps).filter(([, s]) => s?.status === 'failed').map(([n]) => n);
  if (failed.length || result.chartsFailed) {
    process.stderr.write(`bench: FAILED: ${[...failed, ...(result.chartsFailed ? ['charts'] : [])].join(', ')}\n`);
    process.exitCode = 1;
  }
  // Workers and the addon's thread pool must not keep the process alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 100).unref();
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
