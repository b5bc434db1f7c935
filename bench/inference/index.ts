// bench/inference: prediction latency (batch 1), throughput (batch 1000) and
// first-call latency (module load + model build + first prediction) for
// tensorforge, TensorFlow.js (cpu and wasm backends) and PyTorch.
//
//   npm run bench:inference              # full run (~3 minutes)
//   npm run bench:inference -- --quick   # CI smoke run (< 1 minute)
//   options: --systems=tensorforge,pytorch,tfjs-wasm,tfjs-cpu  --runs=7  --min-time=0.2  --first-runs=7  --json  --no-save
//
// Method: every system is its own process (worker.cjs, torch_worker.py) with
// the same weights and inputs (weights.cjs), so their outputs must agree — the
// suite compares the output checksums and predicted classes before comparing
// speed. Per case, all systems are prepared (3 warm-up calls, calls per run
// chosen for ~min-time s), then timed run by run in rotation A B C, B C A, ...;
// a run reports the mean time per call. We report the median of the runs, the
// min-max spread, and ratios to tensorforge. The first-call figure spawns a
// fresh process per run (one discarded warm-up spawn per system fills the OS
// file cache), alternating systems; it is measured from spawn to the arrival
// of the first prediction, and broken down inside the process.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ROOT, fmt, foreignLoadMeter, machineInfo, parseArgs, sleep, spread, table, warnIfBusy, writeResult, type MachineInfo, type Spread } from '../lib/util';

const PYTHON = '/usr/bin/python3';
/**
 * PyTorch's thread setting: OpenBLAS on both cores (what bench/train found
 * best here) and, per case, the faster of 1 and 2 intra-op threads.
 */
const TORCH_THREADS = ['--threads=auto', '--blas-threads=2'];

export const SYSTEMS = ['tensorforge', 'pytorch', 'tfjs-wasm', 'tfjs-cpu'] as const;
export type SystemId = (typeof SYSTEMS)[number];
export const LABELS: Record<string, string> = { tensorforge: 'tensorforge', pytorch: 'PyTorch', 'tfjs-wasm': 'tfjs-wasm', 'tfjs-cpu': 'tfjs-cpu' };

export const MODEL_TITLES: Record<string, string> = { seed: 'seed 784-64-10', large: 'large 784-512-512-10' };
const FLOPS_PER_SAMPLE: Record<string, number> = { seed: 2 * (784 * 64 + 64 * 10), large: 2 * (784 * 512 + 512 * 512 + 512 * 10) };

export interface InferenceOptions {
  quick?: boolean;
  systems?: string[];
  models?: string[];
  batches?: number[];
  /** Timed runs per system and case (default 7; quick 3). */
  runs?: number;
  /** Seconds per run (default 0.2; quick 0.05). */
  minTime?: number;
  /** Fresh processes per system for the first-call figure (default 7; quick 3). */
  firstRuns?: number;
  save?: boolean;
  log?: (s: string) => void;
}

export interface CaseResult {
  system: string;
  /** Seconds per predict call: median, min, max over runs. */
  time: Spread;
  /** Samples per second at the median. */
  samplesPerSecond: number;
  gflops: number;
  checksum: number;
  argmaxHash: number;
  /** A setting the system chose for this case (PyTorch: its intra-op threads). */
  config?: string;
  /** tensorforge's speed relative to this system: its time / tensorforge's time (> 1: tensorforge is faster). */
  tensorforgeSpeedup: number;
}

export interface CaseRow {
  model: string;
  batch: number;
  results: CaseResult[];
  /** Every system predicted the same classes and its output checksum agrees with tensorforge's within 1e-4. */
  outputsAgree: boolean;
  disagreeing: string[];
  foreignLoad: number;
}

export interface FirstCallRun {
  wallMs: number;
  loadMs: number;
  buildMs: number;
  firstPredictMs: number;
  inProcessMs: number;
}

export interface FirstCallRow {
  system: string;
  model: string;
  /** Spawn -> first prediction received by the parent. */
  wallMs: Spread;
  loadMs: Spread;
  buildMs: Spread;
  firstPredictMs: Spread;
  tensorforgeSpeedup: number;
}

export interface InferenceResult {
  benchmark: 'inference';
  mode: 'quick' | 'full';
  machine: MachineInfo;
  options: { runs: number; minTime: number; firstRuns: number };
  systems: { id: string; label: string; info: Record<string, unknown> }[];
  cases: CaseRow[];
  firstCall: FirstCallRow[];
  notes: string[];
}

function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The OPENBLAS_CORETYPE PyTorch (and NumPy) should run with here. Debian's
 * OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its
 * Prescott (SSE3) kernels, several times slower than the AVX-512 (SkylakeX)
 * or AVX2 (Haswell) ones the CPU can run; a fair comparison gives PyTorch the
 * kernels its CPU supports. A value the user set is kept.
 */
export function openblasCoretype(): string | undefined {
  if (process.env.OPENBLAS_CORETYPE) return process.env.OPENBLAS_CORETYPE;
  try {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    if (flags.has('avx512f') && flags.has('avx512bw') && flags.has('avx512vl')) return 'SkylakeX';
    if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  } catch {
    // not Linux: leave OpenBLAS to detect the CPU
  }
  return undefined;
}

/** Environment for a PyTorch process (see openblasCoretype). */
export function torchEnv(): NodeJS.ProcessEnv {
  const core = openblasCoretype();
  return core ? { ...process.env, OPENBLAS_CORETYPE: core } : { ...process.env };
}

function command(system: string, extra: string[]): [string, string[]] {
  return system === 'pytorch'
    ? [PYTHON, [path.join(__dirname, 'torch_worker.py'), ...TORCH_THREADS, ...extra]]
    : [process.execPath, [path.join(__dirname, 'worker.cjs'), `--system=${system}`, ...extra]];
}

/** A running system process speaking worker.cjs's line protocol. */
class Peer {
  readonly id: string;
  private proc: ChildProcess;
  private lines: AsyncIterator<string>;
  info: Record<string, unknown> = {};

  constructor(id: string) {
    this.id = id;
    const [cmd, args] = command(id, []);
    this.proc = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'], env: id === 'pytorch' ? torchEnv() : process.env });
    this.lines = readline.createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  private async request(line: string, expect: string): Promise<string> {
    this.proc.stdin!.write(line + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.id}: process ended (after "${line}")`);
    const s = r.value.trim();
    if (!s.startsWith(expect + ' ')) throw new Error(`${this.id}: "${line}" -> "${s}"`);
    return s.slice(expect.length + 1);
  }

  async start(): Promise<this> {
    this.info = JSON.parse(await this.request('info', 'info'));
    return this;
  }

  async prep(model: string, batch: number, minTime: number) {
    const [cs, hash, reps, config] = (await this.request(`prep ${model} ${batch} ${minTime}`, 'ok')).split(' ');
    return { checksum: Number(cs), argmaxHash: Number(hash), reps: Number(reps), config };
  }

  async run(): Promise<number> {
    return Number(await this.request('run', 't'));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const done = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin!.end('quit\n');
    await Promise.race([done, sleep(3000)]);
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

/** One fresh process: spawn -> first prediction. */
function firstCallOnce(system: string, model: string): Promise<FirstCallRun> {
  const [cmd, args] = command(system, ['--first-call', `--model=${model}`]);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: system === 'pytorch' ? torchEnv() : process.env });
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    let got: FirstCallRun | undefined;
    const rl = readline.createInterface({ input: p.stdout! });
    rl.on('line', (line) => {
      if (!line.startsWith('first ')) return;
      const wallMs = performance.now() - t0;
      const j = JSON.parse(line.slice(6));
      got = { wallMs, loadMs: j.loadMs, buildMs: j.buildMs, firstPredictMs: j.firstPredictMs, inProcessMs: j.inProcessMs };
    });
    p.on('exit', (code) => {
      if (got) resolve(got);
      else reject(new Error(`${system} first call: exit ${code}: ${err.trim().split('\n').pop()}`));
    });
  });
}

export async function run(options: InferenceOptions = {}): Promise<InferenceResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const quick = !!options.quick;
  if (!fs.existsSync(path.join(ROOT, 'dist/cjs/index.js'))) throw new Error('bench/inference runs the compiled package: run `npm run build` first');
  const o = {
    runs: options.runs ?? (quick ? 3 : 7),
    minTime: options.minTime ?? (quick ? 0.05 : 0.2),
    firstRuns: options.firstRuns ?? (quick ? 3 : 7),
  };
  warnIfBusy(log);
  const notes: string[] = [];
  let ids = (options.systems ?? [...SYSTEMS]).filter((s) => SYSTEMS.includes(s as SystemId));
  if (ids.includes('pytorch') && !torchAvailable()) {
    ids = ids.filter((s) => s !== 'pytorch');
    notes.push('PyTorch skipped: `/usr/bin/python3 -c "import torch"` failed (Debian: apt-get install python3-torch).');
  }
  if (ids.includes('pytorch')) {
    notes.push('PyTorch runs with OpenBLAS on 2 threads and, per case, the faster of 1 and 2 intra-op threads (shown as "threads=N")' +
      (openblasCoretype() ? `, OPENBLAS_CORETYPE=${openblasCoretype()} (its best kernels on this CPU).` : '.'));
  }
  const models = options.models ?? ['seed', 'large'];
  const batches = options.batches ?? [1, 1000];

  const peers: Peer[] = [];
  for (const id of ids) {
    try {
      peers.push(await new Peer(id).start());
    } catch (e) {
      notes.push(`${id} skipped: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const cases: CaseRow[] = [];
  try {
    for (const model of models) {
      for (const batch of batches) {
        const meter = foreignLoadMeter(() => [process.pid, ...peers.map((p) => p.pid)]);
        meter.start();
        const prep: Record<string, { checksum: number; argmaxHash: number; config?: string }> = {};
        for (const p of peers) prep[p.id] = await p.prep(model, batch, o.minTime);
        const times: Record<string, number[]> = Object.fromEntries(peers.map((p) => [p.id, []]));
        for (let r = 0; r < o.runs; r++) {
          for (let j = 0; j < peers.length; j++) {
            const p = peers[(j + r) % peers.length];
            await sleep(20);
            times[p.id].push(await p.run());
          }
        }
        const foreign = meter.stop();
        const tfTime = times.tensorforge ? spread(times.tensorforge).median : NaN;
        const ref = prep.tensorforge ?? prep[peers[0].id];
        const disagreeing = peers
          .filter((p) => prep[p.id].argmaxHash !== ref.argmaxHash || Math.abs(prep[p.id].checksum - ref.checksum) > 1e-4 * Math.abs(ref.checksum))
          .map((p) => p.id);
        const results = peers.map((p): CaseResult => {
          const t = spread(times[p.id]);
          return {
            system: p.id,
            time: t,
            samplesPerSecond: batch / t.median,
            gflops: (batch * FLOPS_PER_SAMPLE[model]) / t.median / 1e9,
            checksum: prep[p.id].checksum,
            argmaxHash: prep[p.id].argmaxHash,
            ...(prep[p.id].config ? { config: prep[p.id].config } : {}),
            tensorforgeSpeedup: t.median / tfTime,
          };
        });
        cases.push({ model, batch, results, outputsAgree: disagreeing.length === 0, disagreeing, foreignLoad: Math.round(foreign * 100) / 100 });
        log(`  [inference] ${model} batch ${batch}: ` + results.map((x) => `${x.system} ${fmtTime(x.time.median)}`).join(', ') +
          (disagreeing.length ? `  OUTPUTS DISAGREE: ${disagreeing.join(',')}` : '') + (foreign > 0.1 ? `  (others used ${foreign.toFixed(2)} cores meanwhile)` : ''));
      }
    }
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }

  // First call: fresh processes, alternating systems.
  const firstIds = peers.map((p) => p.id);
  const firstModel = 'seed';
  const runsOf: Record<string, FirstCallRun[]> = Object.fromEntries(firstIds.map((id) => [id, []]));
  for (const id of firstIds) await firstCallOnce(id, firstModel).catch(() => undefined); // file cache warm-up
  for (let r = 0; r < o.firstRuns; r++) {
    for (let j = 0; j < firstIds.length; j++) {
      const id = firstIds[(j + r) % firstIds.length];
      try {
        runsOf[id].push(await firstCallOnce(id, firstModel));
      } catch (e) {
        if (r === 0) notes.push((e as Error).message);
      }
    }
  }
  const tfWall = runsOf.tensorforge?.length ? spread(runsOf.tensorforge.map((x) => x.wallMs)).median : NaN;
  const firstCall: FirstCallRow[] = firstIds
    .filter((id) => runsOf[id].length)
    .map((id) => {
      const rs = runsOf[id];
      const wall = spread(rs.map((x) => x.wallMs));
      return {
        system: id,
        model: firstModel,
        wallMs: wall,
        loadMs: spread(rs.map((x) => x.loadMs)),
        buildMs: spread(rs.map((x) => x.buildMs)),
        firstPredictMs: spread(rs.map((x) => x.firstPredictMs)),
        tensorforgeSpeedup: wall.median / tfWall,
      };
    });
  log('  [inference] first call: ' + firstCall.map((x) => `${x.system} ${fmt(x.wallMs.median, 0)} ms`).join(', '));

  const result: InferenceResult = {
    benchmark: 'inference',
    mode: quick ? 'quick' : 'full',
    machine: machineInfo(),
    options: o,
    systems: peers.map((p) => ({ id: p.id, label: LABELS[p.id] ?? p.id, info: p.info })),
    cases,
    firstCall,
    notes,
  };
  if (options.save !== false) writeResult(quick ? 'inference-quick' : 'inference', result);
  return result;
}

// ------------------------------------------------------------------ report

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 1e-3) return `${fmt(s * 1e6, s < 1e-5 ? 1 : 0)} µs`;
  if (s < 1) return `${fmt(s * 1e3, s < 1e-2 ? 2 : 1)} ms`;
  return `${fmt(s, 2)} s`;
}

const ratio = (x: number) => (Number.isFinite(x) ? `${fmt(x, 2)}x` : '-');

export function formatResult(r: InferenceResult): string {
  const out: string[] = [];
  out.push(r.systems.map((s) => `- ${s.label}: ${Object.entries(s.info).filter(([k]) => k !== 'library').map(([k, v]) => `${k} ${v}`).join(', ')}`).join('\n'));
  for (const batch of [...new Set(r.cases.map((c) => c.batch))]) {
    const rows = r.cases.filter((c) => c.batch === batch);
    out.push('');
    out.push(batch === 1
      ? `**Latency, batch 1** — time per predict call (median of ${r.options.runs} alternated runs, min–max); "tensorforge faster by" = the system's time / tensorforge's`
      : `**Throughput, batch ${batch}** — samples/s at the median time per call (min–max time), GFLOP/s of the forward pass`);
    out.push('');
    out.push(table(
      ['model', 'system', batch === 1 ? 'latency' : 'time per call', 'min–max', batch === 1 ? 'predictions/s' : 'samples/s', 'GFLOP/s', 'tensorforge faster by', 'outputs agree'],
      rows.flatMap((c) => c.results.map((x) => [
        MODEL_TITLES[c.model] + ((c.foreignLoad ?? 0) > 0.1 ? ' †' : ''),
        (LABELS[x.system] ?? x.system) + (x.config ? ` (${x.config})` : ''),
        fmtTime(x.time.median),
        `${fmtTime(x.time.min)}–${fmtTime(x.time.max)}`,
        fmt(x.samplesPerSecond, 0),
        fmt(x.gflops, batch === 1 ? 2 : 1),
        x.system === 'tensorforge' ? '-' : ratio(x.tensorforgeSpeedup),
        c.disagreeing.includes(x.system) ? 'NO' : 'yes',
      ])),
    ));
    const noisy = rows.filter((c) => c.foreignLoad > 0.1);
    if (noisy.length) out.push(`\n† other processes used ${noisy.map((c) => c.foreignLoad.toFixed(1)).join(', ')} cores meanwhile: disturbed, read with care`);
  }
  if (r.firstCall.length) {
    out.push('');
    out.push(`**First call** (${MODEL_TITLES[r.firstCall[0].model]}): a fresh process from spawn to the first batch-1 prediction; ` +
      `inside it, module load (require/import, backend init), model build (layers + setting the weights) and the first predict. Median of ${r.options.firstRuns} alternated runs (min–max).`);
    out.push('');
    out.push(table(
      ['system', 'spawn → first prediction', 'min–max', 'module load', 'model build', 'first predict', 'tensorforge faster by'],
      r.firstCall.map((x) => [
        LABELS[x.system] ?? x.system,
        `${fmt(x.wallMs.median, 0)} ms`,
        `${fmt(x.wallMs.min, 0)}–${fmt(x.wallMs.max, 0)} ms`,
        `${fmt(x.loadMs.median, 0)} ms`,
        `${fmt(x.buildMs.median, 1)} ms`,
        `${fmt(x.firstPredictMs.median, 2)} ms`,
        x.system === 'tensorforge' ? '-' : ratio(x.tensorforgeSpeedup),
      ]),
    ));
  }
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join('\n');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const r = await run({
    quick: !!a.quick,
    systems: typeof a.systems === 'string' ? a.systems.split(',') : undefined,
    runs: a.runs ? Number(a.runs) : undefined,
    minTime: a['min-time'] ? Number(a['min-time']) : undefined,
    firstRuns: a['first-runs'] ? Number(a['first-runs']) : undefined,
    save: !a['no-save'],
  });
  process.stdout.write(a.json ? JSON.stringify(r, null, 2) + '\n' : formatResult(r) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
