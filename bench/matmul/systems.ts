// The systems bench/matmul compares. Each runs as its own child process that
// speaks the line protocol described in raw_sgemm.cc / server.ts.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { BUILD_DIR, ROOT, compileCxx } from '../lib/util';

const LIB = '/usr/lib/x86_64-linux-gnu';
export const BLAS_PATHS = {
  blis: { inc: '/usr/include/x86_64-linux-gnu/blis-pthread', lib: `${LIB}/blis-pthread`, name: 'blis', define: 'USE_BLIS' },
  openblas: {
    inc: '/usr/include/x86_64-linux-gnu/openblas-pthread',
    lib: `${LIB}/openblas-pthread`,
    name: 'openblas',
    define: 'USE_OPENBLAS',
  },
} as const;
export type BlasKey = keyof typeof BLAS_PATHS;

/** Builds bench/build/bin/raw-sgemm-<blas> (g++ -O2, linked with -rpath to that exact BLAS). */
export function buildRaw(blas: BlasKey): string {
  const p = BLAS_PATHS[blas];
  return compileCxx(`raw-sgemm-${blas}`, path.join(__dirname, 'raw_sgemm.cc'), [
    `-D${p.define}`,
    `-I${p.inc}`,
    `-L${p.lib}`,
    `-l${p.name}`,
    `-Wl,-rpath,${p.lib}`,
  ]);
}

/**
 * A private copy of the addon built against `blas` (cmake-js, same sources,
 * output in bench/build/addon-<blas>), so a comparison is not disturbed by
 * someone rebuilding build/ meanwhile. Reuses an existing build unless `rebuild`.
 */
export function buildAddon(blas: 'BLIS' | 'OpenBLAS', rebuild = false): string {
  const out = path.join(BUILD_DIR, `addon-${blas.toLowerCase()}`);
  const node = path.join(out, 'Release', 'tensorforge.node');
  // Always an (incremental) build: a stale private addon silently measured old
  // kernels once. --rebuild-addons starts from an empty directory.
  if (rebuild) fs.rmSync(out, { recursive: true, force: true });
  const cmakeJs = path.join(ROOT, 'node_modules', '.bin', 'cmake-js');
  execFileSync(cmakeJs, ['compile', '--out', out, `--CDTF_BLAS=${blas}`], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  return node;
}

export interface SystemSpec {
  id: string;
  /** Column heading. */
  label: string;
  /** True when the system computes on one thread whatever the thread budget. */
  singleThreaded?: boolean;
  /** Spawn arguments. */
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Uses OpenBLAS, whose idle workers spin for a while after each call. */
  openblas?: boolean;
}

function nodeServer(kind: string, env: Record<string, string> = {}): Pick<SystemSpec, 'command' | 'args' | 'env'> {
  return { command: process.execPath, args: ['--import', 'tsx', path.join(__dirname, 'server.ts'), kind], env };
}

const OPENBLAS_CORES: Record<string, string> = { haswell: 'Haswell', skx: 'SkylakeX', spr: 'SapphireRapids' };
const BLIS_ARCHS: Record<string, string> = { haswell: 'haswell', skx: 'skx' };

/**
 * The kernel family tensorforge selects for its BLAS on this CPU (native
 * selectBlasKernels(): the skylake-x kernels when the CPU has AVX-512
 * F/DQ/BW/VL and the user set nothing, else the library's own detection).
 * Used to give the tensorforge-vs-raw ratio a raw baseline running the same
 * kernels.
 */
export function engineKernelSuffix(blas: 'blis' | 'openblas'): '' | '-skx' {
  if (process.env[blas === 'blis' ? 'BLIS_ARCH_TYPE' : 'OPENBLAS_CORETYPE']) return '';
  try {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    return ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => flags.has(f)) ? '-skx' : '';
  } catch {
    return '';
  }
}

/**
 * System ids:
 *   tf                 tensorforge as the project loads it (prebuild or build/Release)
 *   tf-dispose         the same, each output disposed before the next call (the TensorFlow.js idiom)
 *   tf-prealloc        its addon's internal matMul, output buffer reused (no JS wrapper, no allocation)
 *   tf-ring            the same, cycling through 64 MB of outputs: the cost of an output that is not in cache
 *   tf-blis, tf-openblas   tensorforge with a private addon build against that BLAS
 *   tfjs, tfjs-wasm    TensorFlow.js cpu / wasm backend
 *   raw-blis, raw-openblas raw cblas_sgemm in C++ against that BLAS, kernels as the library detects them
 *   raw                the raw BLIS baseline with the kernels tensorforge selects (raw-blis-skx on AVX-512 CPUs)
 *   <raw-...>-haswell / -skx (/ -spr for OpenBLAS)  kernels forced with BLIS_ARCH_TYPE / OPENBLAS_CORETYPE
 *       (BLIS 0.9 and OpenBLAS 0.3.21 do not recognise this CPU: they pick haswell and Prescott)
 */
export function systemSpec(id: string, opts: { rebuildAddons?: boolean } = {}): SystemSpec {
  if (id === 'raw') id = `raw-blis${engineKernelSuffix('blis')}`;
  const m = /^(tf|raw)-(blis|openblas)(?:-(haswell|skx|spr))?$/.exec(id);
  if (id === 'tf') return { id, label: 'tensorforge', ...nodeServer('tf') };
  if (id === 'tf-dispose') return { id, label: 'tensorforge, dispose()', ...nodeServer('tf-dispose') };
  if (id === 'tf-prealloc') return { id, label: 'tf binding, reused output', ...nodeServer('tf-prealloc') };
  if (id === 'tf-ring') return { id, label: 'tf binding, 64 MB output ring', ...nodeServer('tf-ring') };
  if (id === 'tfjs') return { id, label: 'tfjs-cpu', singleThreaded: true, ...nodeServer('tfjs') };
  if (id === 'tfjs-wasm') return { id, label: 'tfjs-wasm', singleThreaded: true, ...nodeServer('tfjs-wasm') };
  if (!m) throw new Error(`unknown system ${id}`);
  const [, kind, blas, core] = m;
  if (kind === 'tf' && core) throw new Error(`${id}: tensorforge selects its kernels itself`);
  const table = blas === 'blis' ? BLIS_ARCHS : OPENBLAS_CORES;
  if (core && !table[core]) throw new Error(`${id}: unknown kernel family ${core}`);
  const env: Record<string, string> = core ? { [blas === 'blis' ? 'BLIS_ARCH_TYPE' : 'OPENBLAS_CORETYPE']: table[core] } : {};
  const blasLabel = (blas === 'blis' ? 'BLIS' : 'OpenBLAS') + (core ? `(${table[core]})` : '');
  if (kind === 'raw') {
    return { id, label: `raw ${blasLabel}`, command: buildRaw(blas as BlasKey), args: [], env, openblas: blas === 'openblas' };
  }
  const addon = buildAddon(blas === 'blis' ? 'BLIS' : 'OpenBLAS', opts.rebuildAddons);
  return { id, label: `tf ${blasLabel}`, ...nodeServer('tf', { TF_BENCH_ADDON: addon }), openblas: blas === 'openblas' };
}

/** A running system process. */
export class System {
  readonly spec: SystemSpec;
  private proc: ChildProcess;
  private lines: AsyncIterator<string>;
  info = '';

  constructor(spec: SystemSpec) {
    this.spec = spec;
    this.proc = spawn(spec.command, spec.args, {
      cwd: ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = readline.createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  }

  private async request(line: string, expect: string): Promise<string[]> {
    this.proc.stdin!.write(line + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.spec.id}: process ended (after "${line}")`);
    const parts = r.value.trim().split(/\s+/);
    if (parts[0] !== expect) throw new Error(`${this.spec.id}: "${line}" -> "${r.value}"`);
    return parts.slice(1);
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  async start(): Promise<this> {
    this.info = (await this.request('info', 'info')).join(' ');
    return this;
  }

  /** Allocates inputs, warms up, picks reps for ~minTime s per run. */
  async prep(M: number, N: number, K: number, ta: boolean, tb: boolean, threads: number, minTime: number) {
    const [cs, reps, est] = await this.request(`prep ${M} ${N} ${K} ${ta ? 1 : 0} ${tb ? 1 : 0} ${threads} ${minTime}`, 'ok');
    return { checksum: Number(cs), reps: Number(reps), estimate: Number(est) };
  }

  /** One timed run: seconds per call. */
  async run(): Promise<number> {
    return Number((await this.request('run', 't'))[0]);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const done = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin!.write('quit\n');
    this.proc.stdin!.end();
    await Promise.race([done, new Promise<void>((r) => setTimeout(r, 3000))]);
    if (this.proc.exitCode === null) this.proc.kill();
  }
}
