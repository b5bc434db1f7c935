// The suite's report: machine context, headline ratios, the accuracy check,
// then every benchmark's own tables (their formatters), as Markdown.
import * as path from 'node:path';
import { fmt, spread, table, type Spread } from './lib/util';
import type { PeakResult } from './peak/index';
import { formatResult as formatMatmul, type MatmulResult, type Row as MatmulRow } from './matmul/index';
import { formatResult as formatTrain, type TrainResult } from './train/index';
import { formatResult as formatResidual, type ResidualResult } from './residual/index';
import { EPOCH_IMAGES, bestTorch, formatEpochs, type EpochResult } from './lib/epochs';
import { formatResult as formatInference, fmtTime, type InferenceResult } from './inference/index';
import { formatResult as formatTape, type TapeResult } from './tape/index';
import { formatResult as formatCompress, type CompressResult } from './compress/index';
import { formatResult as formatLatency, type LatencyResult } from './latency/index';
import type { FitRow, LoadRow, Options as ServerOptions } from './server';

export interface Step<T> {
  status: 'ok' | 'skipped' | 'failed';
  seconds: number;
  note?: string;
  error?: string;
  result?: T;
}

export interface Context {
  cpuModel: string;
  cores: number;
  /** Measured by bench/peak (not /proc/cpuinfo's MHz). */
  clockGHz?: number;
  cpuSimd: string[];
  peak?: { peak1: number; peakAll: number; simd: string; flopsPerCycle: number; date?: string };
  tensorforge: { version: string; blas: string; blasVersion: string; blasCoreType: string; threads: number; compiledSimd: string; kernelSimd?: string };
  node: string;
  os: string;
  host: string;
  loadavgAtStart: number[];
  loadavgAtEnd?: number[];
  peers: {
    tfjs: string | null;
    tfjsWasm: { version: string | null; simd?: boolean; threads?: boolean } | null;
    torch: string | null;
    numpy: string | null;
    systemBlas: string | null;
  };
}

export interface ServerSuite {
  options: ServerOptions & { rounds: number };
  fitRounds: FitRow[][];
  load: LoadRow[];
}

export interface TuneSuite {
  seedModel: { testAccuracy: number };
  search: { strategy: string; budgetSeconds: number; seconds: number; trials: number; epochs: number; best: { valAccuracy: number; testAccuracy: number; values: Record<string, unknown> }; targetMet: boolean };
  throughput: { trials: number; epochs: number; parallel: { parallelism: number; seconds: number; trialsPerHour: number }; serial: { seconds: number; trialsPerHour: number } };
}

export interface SuiteResult {
  benchmark: 'suite';
  mode: 'quick' | 'full';
  date: string;
  finished: string;
  seconds: number;
  context: Context;
  options: { tuneBudget: number; waitQuiet: number };
  steps: Partial<{ peak: Step<PeakResult>; matmul: Step<MatmulResult>; train: Step<TrainResult>; residual: Step<ResidualResult>; conv: Step<EpochResult>; rnn: Step<EpochResult>; latency: Step<LatencyResult>; tape: Step<TapeResult>; compress: Step<CompressResult>; inference: Step<InferenceResult>; server: Step<ServerSuite>; tune: Step<TuneSuite> }> & Record<string, Step<unknown> | undefined>;
  notes: string[];
  charts?: string[];
  chartsFailed?: boolean;
}

// ------------------------------------------------------------------ event loop

export interface DelayRow {
  library: string;
  samples: number;
  rounds: number;
  p99: Spread;
  p50: number;
  max: number;
  fitSeconds: number;
}

/** Per library and sample count: the median p99 over rounds, its min-max, the median p50 and the worst max. */
export function delayRows(s: ServerSuite): DelayRow[] {
  const keys = [...new Set(s.fitRounds.flat().map((r) => `${r.library}\u0000${r.samples}`))];
  return keys.map((k) => {
    const rs = s.fitRounds.flat().filter((r) => `${r.library}\u0000${r.samples}` === k);
    return {
      library: rs[0].library,
      samples: rs[0].samples,
      rounds: rs.length,
      p99: spread(rs.map((r) => r.delayMs.p99)),
      p50: spread(rs.map((r) => r.delayMs.p50)).median,
      max: Math.max(...rs.map((r) => r.delayMs.max)),
      fitSeconds: spread(rs.map((r) => r.seconds)).median,
    };
  });
}

function formatServer(s: ServerSuite): string {
  const out = [
    `**Event-loop delay during fit** (seed model, batch 32, 1 epoch; excess over the 1 ms timer; ${s.options.rounds} rounds alternating the libraries, ` +
      'median p99 with min–max, worst max)',
    '',
    table(['library', 'samples', 'fit time (s, median)', 'p50 ms', 'p99 ms (median)', 'p99 min–max', 'max ms (worst)'],
      delayRows(s).map((r) => [r.library, r.samples, fmt(r.fitSeconds, 2), fmt(r.p50, 2), fmt(r.p99.median, 2), `${fmt(r.p99.min, 2)}–${fmt(r.p99.max, 2)}`, fmt(r.max, 1)])),
    '',
    `**Example server** (examples/server.ts), batch-1 POST /predict, autocannon ${s.options.connections} connections for ${s.options.duration} s, ` +
      'load generator on the same event loop',
    '',
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'requests', 'failed', 'training batches meanwhile'],
      s.load.map((x) => [x.scenario, fmt(x.requestsPerSecond, 0), x.latencyMs.p50, x.latencyMs.p99, x.latencyMs.max, x.requests, x.failed, x.trainingBatches ?? '-'])),
  ];
  return out.join('\n');
}

function formatTune(t: TuneSuite): string {
  const th = t.throughput;
  return [
    `- seed model 784-64-10, Adam, 5 epochs: test accuracy ${fmt(t.seedModel.testAccuracy, 4)}`,
    `- ${t.search.strategy} search, ${t.search.budgetSeconds} s budget: ${t.search.trials} trials, ${t.search.epochs} epochs trained in ${fmt(t.search.seconds, 0)} s`,
    `- best trial: validation accuracy ${fmt(t.search.best.valAccuracy, 4)}, test accuracy ${fmt(t.search.best.testAccuracy, 4)} ` +
      `(target > 0.8833 and > the seed model: ${t.search.targetMet ? 'met' : 'not met'} within this short budget)`,
    `- best hyperparameters: \`${JSON.stringify(t.search.best.values)}\``,
    `- throughput, the same ${th.trials} trials x ${th.epochs} epoch: ${th.parallel.parallelism} at a time ${fmt(th.parallel.trialsPerHour, 0)} trials/hour, ` +
      `1 at a time ${fmt(th.serial.trialsPerHour, 0)} (${fmt(th.parallel.trialsPerHour / th.serial.trialsPerHour, 2)}x)`,
  ].join('\n');
}

// ------------------------------------------------------------------ headline

/** Headline columns. raw BLIS (tensorforge's own BLAS, its ceiling) stays in the GEMM tables. */
export const PEERS = ['PyTorch', 'tfjs-wasm', 'tfjs-cpu', 'raw OpenBLAS'] as const;
const TRAIN_LABEL: Record<string, string> = { tensorforge: 'tensorforge', pytorch: 'PyTorch', 'tfjs-wasm': 'tfjs-wasm', 'tfjs-cpu': 'tfjs-cpu' };
const MATMUL_LABEL: Record<string, string> = {
  tf: 'tensorforge', tfjs: 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm', 'raw-openblas': 'raw OpenBLAS', 'raw-openblas-skx': 'raw OpenBLAS', 'raw-openblas-haswell': 'raw OpenBLAS',
};

export interface Cell {
  value: number;
  text: string;
  /** How many times better tensorforge is than this system (> 1: tensorforge wins). */
  ratio?: number;
  caveat?: string;
}

export interface HeadlineRow {
  workload: string;
  metric: string;
  cells: Record<string, Cell>;
}

const ratioText = (r: number | undefined) => (r === undefined || !Number.isFinite(r) ? '-' : r >= 10 ? `${fmt(r, 0)}x` : `${fmt(r, 2)}x`);
const rate = (x: number) => (x >= 1e4 ? `${fmt(x / 1e3, 1)}k` : fmt(x, 0));

export function headline(r: SuiteResult): HeadlineRow[] {
  const rows: HeadlineRow[] = [];
  const mm = r.steps.matmul?.result;
  if (mm) {
    const sec = mm.sections[0];
    const pick = (n: number, threads: number) => sec.rows.find((x: MatmulRow) => x.case.M === n && x.threads === threads);
    const sizes = [...new Set(sec.rows.map((x) => x.case.M))];
    const nBig = Math.max(...sizes);
    const nTfjs = Math.max(...sec.rows.filter((x) => x.results.tfjs).map((x) => x.case.M), 0);
    for (const [n, threads] of [[nTfjs, 1], [nBig, Math.max(...sec.rows.map((x) => x.threads))]] as const) {
      const row = pick(n, threads);
      if (!row?.results.tf) continue;
      const tf = row.results.tf.gflops;
      const cells: Record<string, Cell> = { tensorforge: { value: tf, text: fmt(tf, 1) } };
      for (const [id, res] of Object.entries(row.results)) {
        const label = MATMUL_LABEL[id];
        if (!res || !label || id === 'tf') continue;
        cells[label] = { value: res.gflops, text: fmt(res.gflops, 1), ratio: tf / res.gflops };
      }
      rows.push({ workload: `GEMM n=${n}, ${threads} thread${threads > 1 ? 's' : ''}`, metric: 'GFLOP/s (higher is better)', cells });
    }
  }
  const tr = r.steps.train?.result;
  if (tr) {
    for (const model of ['seed', 'large'] as const) {
      const xs = tr.rows.filter((x) => x.model === model);
      const tf = xs.find((x) => x.system === 'tensorforge');
      if (!tf) continue;
      const cells: Record<string, Cell> = {};
      for (const x of xs) {
        const c: Cell = { value: x.secondsPerEpoch.median, text: `${fmt(x.secondsPerEpoch.median, x.secondsPerEpoch.median < 10 ? 2 : 0)} s` };
        if (x.system !== 'tensorforge') c.ratio = x.speedupOfTensorforge;
        if (!x.comparableAccuracy) c.caveat = 'accuracy differs';
        cells[TRAIN_LABEL[x.system] ?? x.system] = c;
      }
      rows.push({ workload: model === 'seed' ? 'train seed 784-64-10, batch 32' : 'train MLP 784-512-512-10, batch 256', metric: 'seconds per epoch (lower is better)', cells });
    }
  }
  const res = r.steps.residual?.result;
  const resTf = res?.rows.find((x) => x.system === 'tensorforge');
  if (res && resTf) {
    const seconds = (x: { secondsPerEpoch: { median: number } }) => `${fmt(x.secondsPerEpoch.median, x.secondsPerEpoch.median < 10 ? 2 : 0)} s`;
    const cells: Record<string, Cell> = { tensorforge: { value: resTf.secondsPerEpoch.median, text: seconds(resTf) } };
    // PyTorch at its best thread setting (the issue's comparison).
    const torch = res.rows.filter((x) => x.system.startsWith('pytorch')).sort((a, b) => a.secondsPerEpoch.median - b.secondsPerEpoch.median)[0];
    if (torch) cells.PyTorch = { value: torch.secondsPerEpoch.median, text: `${seconds(torch)} (${torch.system.replace('pytorch ', '')})`, ratio: torch.speedupOfTensorforge };
    rows.push({ workload: 'train residual MLP (functional, 3 skip blocks), batch 128', metric: 'seconds per epoch (lower is better)', cells });
  }
  for (const [name, workload] of [['conv', 'train example CNN (examples/cnn.ts)'], ['rnn', 'train row-wise LSTM(128)']] as const) {
    const e = r.steps[name]?.result;
    if (e) rows.push(...epochHeadline(e, workload));
  }
  const inf = r.steps.inference?.result;
  if (inf) {
    for (const c of inf.cases) {
      const tf = c.results.find((x) => x.system === 'tensorforge');
      if (!tf) continue;
      const cells: Record<string, Cell> = {};
      for (const x of c.results) {
        const label = TRAIN_LABEL[x.system] ?? x.system;
        cells[label] = c.batch === 1
          ? { value: x.time.median, text: fmtTime(x.time.median) }
          : { value: x.samplesPerSecond, text: `${rate(x.samplesPerSecond)}/s` };
        if (x.system !== 'tensorforge') cells[label].ratio = x.tensorforgeSpeedup;
        if (c.disagreeing.includes(x.system)) cells[label].caveat = 'outputs differ';
      }
      rows.push({
        workload: `predict ${c.model === 'seed' ? 'seed' : 'MLP 784-512-512-10'}, batch ${c.batch}`,
        metric: c.batch === 1 ? 'latency (lower is better)' : 'samples/s (higher is better)',
        cells,
      });
    }
    if (inf.firstCall.length) {
      const cells: Record<string, Cell> = {};
      for (const x of inf.firstCall) {
        const label = TRAIN_LABEL[x.system] ?? x.system;
        cells[label] = { value: x.wallMs.median, text: `${fmt(x.wallMs.median, 0)} ms`, ...(x.system !== 'tensorforge' ? { ratio: x.tensorforgeSpeedup } : {}) };
      }
      rows.push({ workload: 'first call (spawn, load, build, predict)', metric: 'ms (lower is better)', cells });
    }
  }
  const sv = r.steps.server?.result;
  if (sv) {
    const d = delayRows(sv);
    const few = Math.min(...d.map((x) => x.samples));
    const tf = d.find((x) => x.library === 'tensorforge' && x.samples === few);
    const tfjs = d.find((x) => x.library.includes('tfjs') && x.samples === few);
    if (tf) {
      const cells: Record<string, Cell> = { tensorforge: { value: tf.p99.median, text: `${fmt(tf.p99.median, 2)} ms` } };
      if (tfjs) cells['tfjs-cpu'] = { value: tfjs.p99.median, text: `${fmt(tfjs.p99.median, 1)} ms`, ratio: tf.p99.median > 0 ? tfjs.p99.median / tf.p99.median : Infinity };
      rows.push({ workload: `event-loop p99 during fit (${few} samples)`, metric: 'ms (lower is better)', cells });
    }
  }
  return rows;
}

/**
 * Per batch size: tensorforge's epoch, PyTorch's at its faster thread setting
 * and TensorFlow.js wasm's, each with its test accuracy; times scaled up from
 * fewer images say so (in the workload for tensorforge's, in a peer's cell
 * when it trained a different count).
 */
function epochHeadline(e: EpochResult, workload: string): HeadlineRow[] {
  const rows: HeadlineRow[] = [];
  for (const batch of [...new Set(e.rows.map((x) => x.batch))]) {
    const tf = e.rows.find((x) => x.batch === batch && x.system.startsWith('tensorforge'));
    if (!tf) continue;
    const cell = (x: typeof tf, label?: string): Cell => ({
      value: x.secondsPerEpoch,
      text: `${fmt(x.secondsPerEpoch, x.secondsPerEpoch < 10 ? 2 : 0)} s${label ? ` (${label})` : ''}, acc ${fmt(x.testAccuracy, 3)}`,
      ...(x.speedupOfTensorforge !== undefined ? { ratio: x.speedupOfTensorforge } : {}),
      ...(x.images !== tf.images ? { caveat: `from ${x.images} images` } : x.comparableAccuracy === false ? { caveat: 'accuracy differs' } : {}),
    });
    const cells: Record<string, Cell> = { tensorforge: cell(tf) };
    const torch = bestTorch(e, batch);
    if (torch) cells.PyTorch = cell(torch, torch.system.replace('pytorch ', ''));
    const wasm = e.rows.find((x) => x.batch === batch && x.system === 'tfjs-wasm');
    if (wasm) cells['tfjs-wasm'] = cell(wasm);
    const scaled = tf.images < EPOCH_IMAGES ? ` (${tf.images} images, time scaled to an epoch)` : '';
    rows.push({ workload: `${workload}, batch ${batch}${scaled}`, metric: 'seconds per epoch, test accuracy', cells });
  }
  return rows;
}

export function formatHeadline(rows: HeadlineRow[]): string {
  const peers = PEERS.filter((p) => rows.some((r) => r.cells[p]));
  const ratioPeers = peers.filter((p) => rows.some((r) => r.cells[p]?.ratio !== undefined));
  return table(
    ['workload', 'metric', 'tensorforge', ...peers, ...ratioPeers.map((p) => `tensorforge vs ${p}`)],
    rows.map((r) => [
      r.workload,
      r.metric,
      r.cells.tensorforge?.text ?? '-',
      ...peers.map((p) => (r.cells[p] ? r.cells[p].text + (r.cells[p].caveat ? ` (${r.cells[p].caveat})` : '') : '-')),
      ...ratioPeers.map((p) => ratioText(r.cells[p]?.ratio)),
    ]),
  );
}

// ------------------------------------------------------------------ accuracy

/** The accuracy check: each system reached comparable accuracy (train) and the same outputs (inference, GEMM). */
export function accuracyCheck(r: SuiteResult): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let ok = true;
  const tr = r.steps.train?.result;
  if (tr) {
    for (const model of ['seed', 'large'] as const) {
      const xs = tr.rows.filter((x) => x.model === model);
      const tf = xs.find((x) => x.system === 'tensorforge');
      if (!tf) continue;
      const parts = xs.filter((x) => x !== tf).map((x) => {
        const same = x.epochs === tf.epochs;
        if (same && !x.comparableAccuracy) ok = false;
        return `${TRAIN_LABEL[x.system]} ${fmt(x.testAccuracy, 4)}` +
          (same ? (x.comparableAccuracy ? ' (within 2 points)' : ' (**differs by more than 2 points**)') : ` (${x.epochs} epoch${x.epochs > 1 ? 's' : ''} vs ${tf.epochs}: reported, not compared)`);
      });
      lines.push(`- train ${model}: tensorforge test accuracy ${fmt(tf.testAccuracy, 4)} after ${tf.epochs} epoch${tf.epochs > 1 ? 's' : ''}; ${parts.join('; ') || 'no peer'}`);
    }
  }
  for (const name of ['conv', 'rnn'] as const) {
    const e = r.steps[name]?.result;
    const tf = e?.rows.filter((x) => x.system.startsWith('tensorforge')) ?? [];
    if (!e || !tf.length) continue;
    const compared = e.rows.filter((x) => x.comparableAccuracy !== undefined);
    if (compared.some((x) => !x.comparableAccuracy)) ok = false;
    const peers = e.rows.filter((x) => !x.system.startsWith('tensorforge') && !x.probe)
      .map((x) => `${x.system} ${fmt(x.testAccuracy, 4)} at batch ${x.batch}` + (x.comparableAccuracy === undefined ? ` (${x.images} images: reported, not compared)` : x.comparableAccuracy ? ' (within 2 points)' : ' (**differs by more than 2 points**)'));
    lines.push(`- ${name === 'conv' ? 'CNN' : 'LSTM'}: tensorforge test accuracy ${tf.map((x) => `${fmt(x.testAccuracy, 4)} at batch ${x.batch}`).join(', ')} after ${tf[0].images} images; ${peers.join('; ') || 'no peer'}`);
  }
  const inf = r.steps.inference?.result;
  if (inf) {
    const bad = inf.cases.filter((c) => !c.outputsAgree);
    if (bad.length) ok = false;
    lines.push(`- inference: same weights and inputs in every system; ` + (bad.length
      ? `**outputs differ** in ${bad.map((c) => `${c.model}/batch ${c.batch} (${c.disagreeing.join(', ')})`).join('; ')}`
      : `every system predicted the same classes and its output checksum matches tensorforge's within 1e-4 (${inf.cases.length} cases)`));
  }
  const mm = r.steps.matmul?.result;
  if (mm) {
    const bad = mm.sections.flatMap((s) => s.rows.filter((x) => x.checksumMismatch));
    if (bad.length) ok = false;
    lines.push(`- GEMM: same inputs in every system; ` + (bad.length
      ? `**checksum mismatch** in ${bad.map((x) => `${x.case.name} (${x.checksumMismatch!.join(', ')})`).join('; ')}`
      : 'all output checksums agree'));
  }
  return { ok, lines };
}

// ------------------------------------------------------------------ report

export function formatContext(c: Context): string {
  const p = c.peers;
  const items: [string, string][] = [
    ['CPU', `${c.cpuModel}, ${c.cores} cores (hardware threads)`],
    ['clock', c.clockGHz ? `${fmt(c.clockGHz, 2)} GHz, measured by bench/peak (not /proc/cpuinfo's MHz)` : '-'],
    ['SIMD', c.cpuSimd.join(', ') || '-'],
    ['peak FP32', c.peak ? `${fmt(c.peak.peak1, 1)} GFLOP/s on 1 core, ${fmt(c.peak.peakAll, 1)} on all (bench/peak: ${c.peak.simd}, ${fmt(c.peak.flopsPerCycle, 1)} FLOP/cycle)` : '-'],
    ['tensorforge', `${c.tensorforge.version}, ${c.tensorforge.blas} ${c.tensorforge.blasVersion}, core type ${c.tensorforge.blasCoreType}, ${c.tensorforge.threads} threads`],
    ['Node', `${c.node}, ${c.os}`],
    ['TensorFlow.js', p.tfjs ? `${p.tfjs}: cpu backend; wasm backend with SIMD ${p.tfjsWasm?.simd ? 'on' : 'off'}, threads ${p.tfjsWasm?.threads ? 'on' : 'off'} (as the backend detects them in Node)` : 'not installed'],
    ['PyTorch', p.torch ? `${p.torch} (Debian python3-torch), NumPy ${p.numpy}; both use the system BLAS ${p.systemBlas ?? '?'}` : 'not available (skipped)'],
    ['load average at start / end', `${c.loadavgAtStart.join(' ')} / ${c.loadavgAtEnd?.join(' ') ?? '-'}`],
  ];
  return items.map(([k, v]) => `- **${k}**: ${v}`).join('\n');
}

export function formatReport(r: SuiteResult, o: { chartsRelativeTo?: string; chartsPrefix?: string; compact?: boolean } = {}): string {
  const c = r.context;
  const out: string[] = [];
  out.push(`# tensorforge benchmarks — ${r.mode} run, ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${c.host}`);
  out.push('');
  out.push(`${r.mode === 'quick' ? 'Quick (CI smoke) run: shorter runs and fewer peers; for reading, use a full run. ' : ''}` +
    `Took ${fmt(r.seconds / 60, 1)} minutes. Every comparison ran its systems side by side in this one invocation, alternating runs; ` +
    'figures are medians with the min–max spread; "tensorforge vs X" is how many times faster (or better) tensorforge is.');
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(formatContext(c));
  if (c.loadavgAtStart[0] > 0.5 * c.cores) {
    out.push('');
    out.push(`The machine was shared and busy when the run started (load ${c.loadavgAtStart[0]} on ${c.cores} cores): figures are lower and noisier than on an idle machine; ratios, taken from alternated runs, hold better than absolute numbers.`);
  }
  out.push('');
  out.push('## Headline');
  out.push('');
  const h = headline(r);
  out.push(h.length ? formatHeadline(h) : '(no comparison ran)');
  out.push('');
  const acc = accuracyCheck(r);
  out.push(`## Accuracy check: ${acc.ok ? 'passed' : 'FAILED — read the speed comparison with care'}`);
  out.push('');
  out.push(acc.lines.join('\n') || '(nothing to check)');
  const charts = r.charts ?? [];
  const chart = (name: string) => {
    const f = charts.find((x) => path.basename(x) === name);
    if (!f) return '';
    const rel = o.chartsPrefix ? o.chartsPrefix + name : o.chartsRelativeTo ? path.relative(o.chartsRelativeTo, path.resolve(path.join(__dirname, '..'), f)) : f;
    return `\n![${name}](${rel})\n`;
  };
  const section = (title: string, name: string, body: (x: any) => string, charts_: string[] = []) => {
    const s = r.steps[name];
    out.push('');
    out.push(`## ${title}`);
    out.push('');
    if (!s) out.push('(not run)');
    else if (s.status === 'skipped') out.push(`Skipped (${s.note}).`);
    else if (s.status === 'failed') out.push('FAILED:\n\n```\n' + s.error + '\n```');
    else {
      out.push(body(s.result));
      for (const n of charts_) out.push(chart(n));
      out.push(`\n(${fmt(s.seconds, 0)} s)`);
    }
  };
  section('GEMM (bench/matmul)', 'matmul', (x: MatmulResult) => formatMatmul(x, o.compact ? { us: false } : {}), ['matmul.svg']);
  section('Training (bench/train)', 'train', (x: TrainResult) => formatTrain(x), ['train.svg']);
  section('Functional model: residual MLP (bench/residual)', 'residual', (x: ResidualResult) => formatResidual(x));
  section('Convolutional network (bench/conv)', 'conv', (x: EpochResult) => formatEpochs(x));
  section('Recurrent network (bench/rnn)', 'rnn', (x: EpochResult) => formatEpochs(x));
  section('Inference of the CNN and the LSTM (bench/latency)', 'latency', (x: LatencyResult) => formatLatency(x));
  section('Custom training loop and losses in code (bench/tape)', 'tape', (x: TapeResult) => formatTape(x));
  section('Compression: pruning, shrinking, int8 (bench/compress)', 'compress', (x: CompressResult) => formatCompress(x), ['compress-size.svg', 'compress-latency.svg']);
  section('Inference (bench/inference)', 'inference', (x: InferenceResult) => formatInference(x), ['inference-latency.svg', 'inference-throughput.svg', 'inference-first-call.svg']);
  section('Node server (bench/server)', 'server', (x: ServerSuite) => formatServer(x), ['event-loop.svg']);
  section(`Tuner (bench/tune, ${r.options.tuneBudget} s budget)`, 'tune', (x: TuneSuite) => formatTune(x));
  const failed = Object.entries(r.steps).filter(([, s]) => s?.status === 'failed').map(([n]) => n);
  if (r.notes.length || failed.length) {
    out.push('');
    out.push('## Notes');
    out.push('');
    for (const n of r.notes) out.push(`- ${n}`);
    if (failed.length) out.push(`- FAILED: ${failed.join(', ')}`);
  }
  out.push('');
  out.push('Reproduce: `npm ci && npm run bench` (full, ~20 minutes on 2 cores) or `npm run bench -- --quick` (< 2 minutes); PyTorch comes from Debian\'s `python3-torch`.');
  return out.join('\n') + '\n';
}
