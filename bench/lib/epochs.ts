// One-epoch training benchmarks of a fixed network on Fashion-MNIST
// (bench/conv: the example CNN; bench/rnn: the row-wise LSTM): tensorforge,
// PyTorch at its best thread setting, TensorFlow.js wasm where it can train
// the network, each system in its own process, at several batch sizes, with
// the test accuracy beside each time and the arithmetic rate as a share of
// bench/peak.
//
// Full mode: tensorforge trains a whole epoch (60,000 images); PyTorch first
// trains a probe of a few thousand images on 1 and on 2 threads (its thread
// pools can fight over two cores and run 20x slower, so the probe has a time
// limit), then the whole epoch on the faster setting; TensorFlow.js, far
// slower, trains a few thousand images and its epoch is extrapolated.
// Quick mode (CI smoke run): the bundled subset, a couple of thousand images
// per system, extrapolated; accuracies are then reported, not compared.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPeak } from '../peak/index';
import { openblasCoretype, torchEnv } from '../inference/index';
import { ROOT, fmt, machineInfo, table, warnIfBusy, writeResult } from './util';

const PYTHON = '/usr/bin/python3';
/** Images in one Fashion-MNIST training epoch. */
export const EPOCH_IMAGES = 60000;
/** The bundled 10,000/2,000-image subset (quick mode). */
export const SUBSET_DIR = path.join(ROOT, 'data', 'fashion-mnist');
export const FULL_DIR = '/usr/share/datasets/fashion-mnist';

/** What a worker prints for one batch size (one JSON line each). */
export interface EpochRun {
  batch: number;
  images: number;
  seconds: number;
  cpuSeconds: number;
  accuracy: number;
  testImages: number;
  info?: Record<string, unknown>;
}

/** How to start one system: a command that trains every batch size in `batches` over `images` images. */
export interface Workers {
  tensorforge(batches: number[], images: number, subset: boolean, threads?: number): [string, string[]];
  pytorch(batches: number[], images: number, subset: boolean, threads: number): [string, string[]];
  /** Omitted when TensorFlow.js cannot train the network. */
  tfjs?(batches: number[], images: number, subset: boolean): [string, string[]];
}

export interface EpochSpec {
  /** Result name (bench/results/<name>.json) and benchmark id. */
  name: string;
  title: string;
  /** Training FLOPs per image: 3 x the forward multiply-adds x 2 (backward ~ 2 x forward). */
  flopsPerImage: number;
  workers: Workers;
  /** Why TensorFlow.js is absent, when it is. */
  tfjsNote?: string;
}

export interface EpochOptions {
  quick?: boolean;
  save?: boolean;
  log?: (s: string) => void;
  /** Batch sizes (default 32 and 128). */
  batches?: number[];
  /** Images tensorforge (and PyTorch's final run) train (default: 60,000; quick: 2,000 of the subset). */
  images?: number;
  /** tensorforge thread budgets (default: its own, the cores). */
  threads?: number[];
  /** PyTorch thread counts tried (default 1 and 2); empty: no PyTorch. */
  torchThreads?: number[];
  /** Images of PyTorch's thread probe (default 3,000; quick: the same as images). */
  probeImages?: number;
  /** Images TensorFlow.js trains (default 2,000; quick 256, batch 32 only). */
  tfjsImages?: number;
  /** Rounds, alternating systems (default 1). */
  rounds?: number;
}

export interface EpochRow {
  /** 'tensorforge', 'pytorch 1 thread', 'tfjs-wasm', ... */
  system: string;
  batch: number;
  images: number;
  seconds: number;
  cpuSeconds: number;
  /** seconds scaled to a 60,000-image epoch. */
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  imagesPerSecond: number;
  gflops: number;
  percentOfPeak: number;
  testAccuracy: number;
  testImages: number;
  /** PyTorch's thread probe (not its final run). */
  probe?: boolean;
  /** This row's epoch time over tensorforge's at the same batch (> 1: tensorforge is faster). */
  speedupOfTensorforge?: number;
  /** Same images and batch as tensorforge, a whole epoch, accuracies within 2 points (undefined: not compared). */
  comparableAccuracy?: boolean;
  load: number;
  info?: Record<string, unknown>;
}

export interface EpochResult {
  benchmark: string;
  title: string;
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo>;
  peakGflops: number;
  flopsPerImage: number;
  rows: EpochRow[];
  /** Per batch size: PyTorch's faster thread count, or null. */
  torchBestThreads: Record<string, number | null>;
  notes: string[];
}

export function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60000 });
    return true;
  } catch {
    return false;
  }
}

/** Starts one worker and reads its JSON lines; throws with its last stderr lines. */
function runWorker([cmd, args]: [string, string[]], torch: boolean, timeoutSeconds: number): EpochRun[] {
  try {
    const out = execFileSync(cmd, args, {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 22, timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'], env: torch ? torchEnv() : process.env,
    });
    return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as EpochRun);
  } catch (e) {
    const err = e as { signal?: string; stderr?: string; message: string };
    if (err.signal === 'SIGKILL') throw new Error(`stopped after ${timeoutSeconds} s (time limit)`);
    throw new Error((err.stderr ?? '').trim().split('\n').slice(-2).join(' | ') || err.message.split('\n')[0]);
  }
}

const plural = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;

export async function runEpochs(spec: EpochSpec, o: EpochOptions = {}): Promise<EpochResult> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const quick = !!o.quick;
  const subset = quick;
  const notes: string[] = [];
  warnIfBusy(log);
  const batches = o.batches ?? [32, 128];
  const images = o.images ?? (quick ? 2000 : EPOCH_IMAGES);
  const probeImages = Math.min(o.probeImages ?? (quick ? images : 3000), images);
  const tfjsImages = o.tfjsImages ?? (quick ? 256 : 2000);
  const tfjsBatches = quick ? batches.slice(0, 1) : batches;
  const rounds = o.rounds ?? 1;
  const peak = (await loadPeak({ quick, log })).peakAll;
  const rows: EpochRow[] = [];
  const add = (system: string, runs: EpochRun[], extra: Partial<EpochRow> = {}) => {
    const load = Math.round(os.loadavg()[0] * 100) / 100;
    for (const r of runs) {
      const ips = r.images / r.seconds;
      const gflops = (ips * spec.flopsPerImage) / 1e9;
      rows.push({
        system, batch: r.batch, images: r.images, seconds: r.seconds, cpuSeconds: r.cpuSeconds,
        secondsPerEpoch: (r.seconds * EPOCH_IMAGES) / r.images, cpuSecondsPerEpoch: (r.cpuSeconds * EPOCH_IMAGES) / r.images,
        imagesPerSecond: ips, gflops, percentOfPeak: (100 * gflops) / peak, testAccuracy: r.accuracy, testImages: r.testImages,
        load, ...(r.info ? { info: r.info } : {}), ...extra,
      });
      log(`  ${spec.name} ${system} batch ${r.batch}: ${fmt(r.seconds, 2)} s for ${r.images} images (${fmt((r.seconds * EPOCH_IMAGES) / r.images, 1)} s per epoch), ` +
        `test accuracy ${fmt(r.accuracy, 4)} (load ${load})`);
    }
  };
  const attempt = (label: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      notes.push(`${label} failed: ${(e as Error).message}`);
      log(`  ${spec.name} ${label} failed: ${(e as Error).message}`);
    }
  };
  // Seconds per batch size: generous, they only catch a run that has all but
  // stopped (PyTorch's thread pools fighting over the cores ran 20-30x slower here).
  const limit = (n: number) => Math.max(quick ? 30 : 120, (n / EPOCH_IMAGES) * 1200);

  const torchThreads = o.torchThreads ?? [1, 2];
  const haveTorch = torchThreads.length > 0 && torchAvailable();
  if (!torchThreads.length) notes.push('PyTorch not run (no thread setting asked for).');
  else if (!haveTorch) notes.push('PyTorch skipped: `/usr/bin/python3 -c "import torch"` failed (Debian: apt-get install python3-torch).');
  else if (openblasCoretype()) notes.push(`PyTorch runs with OPENBLAS_CORETYPE=${openblasCoretype()}.`);
  const tfThreads: (number | undefined)[] = o.threads ?? [undefined];
  const best: Record<string, number | null> = Object.fromEntries(batches.map((b) => [String(b), null]));
  for (let round = 0; round < rounds; round++) {
    const odd = round % 2 === 1;
    const tfs = () => {
      for (const t of tfThreads) {
        const label = t === undefined ? 'tensorforge' : `tensorforge ${plural(t)}`;
        log(`  ${spec.name} ${label}, batches ${batches.join(', ')}, ${images} images (round ${round + 1}/${rounds})`);
        attempt(label, () => add(label, runWorker(spec.workers.tensorforge(batches, images, subset, t), false, limit(images) * batches.length)));
      }
    };
    const torch = () => {
      if (!haveTorch) return;
      // The probe: every thread setting on a few thousand images; the final
      // run: a whole epoch on the faster setting (full mode only).
      for (const t of torchThreads) {
        const label = `pytorch ${plural(t)}`;
        log(`  ${spec.name} ${label}, batches ${batches.join(', ')}, ${probeImages} images (round ${round + 1}/${rounds})`);
        attempt(label, () => add(label, runWorker(spec.workers.pytorch(batches, probeImages, subset, t), true, limit(probeImages) * batches.length), probeImages < images ? { probe: true } : {}));
      }
      for (const b of batches) {
        const probes = rows.filter((r) => r.batch === b && r.system.startsWith('pytorch') && r.images === probeImages);
        if (probes.length) best[String(b)] = Number(/pytorch (\d+)/.exec(probes.sort((x, y) => x.imagesPerSecond - y.imagesPerSecond).pop()!.system)![1]);
      }
      if (probeImages >= images) return;
      for (const t of new Set(Object.values(best).filter((x): x is number => x !== null))) {
        const bs = batches.filter((b) => best[String(b)] === t);
        const label = `pytorch ${plural(t)}`;
        log(`  ${spec.name} ${label} (the faster setting), batches ${bs.join(', ')}, ${images} images`);
        attempt(label, () => add(label, runWorker(spec.workers.pytorch(bs, images, subset, t), true, limit(images) * bs.length)));
      }
    };
    if (odd) {
      torch();
      tfs();
    } else {
      tfs();
      torch();
    }
  }
  if (spec.workers.tfjs) {
    log(`  ${spec.name} tfjs-wasm, batches ${tfjsBatches.join(', ')}, ${tfjsImages} images`);
    attempt('tfjs-wasm', () => add('tfjs-wasm', runWorker(spec.workers.tfjs!(tfjsBatches, tfjsImages, subset), false, limit(tfjsImages * 50) * tfjsBatches.length)));
  } else if (spec.tfjsNote) {
    notes.push(spec.tfjsNote);
  }
  // Ratios against tensorforge at the same batch (its first thread setting, the default budget).
  for (const r of rows) {
    const base = rows.find((x) => x.system.startsWith('tensorforge') && x.batch === r.batch);
    if (!base || r.system.startsWith('tensorforge')) continue;
    r.speedupOfTensorforge = r.secondsPerEpoch / base.secondsPerEpoch;
    // A whole epoch on the same images: accuracies should agree within 2 points; subsets vary too much to compare.
    if (r.images === base.images && r.images >= EPOCH_IMAGES) r.comparableAccuracy = Math.abs(r.testAccuracy - base.testAccuracy) <= 0.02;
  }
  if (images < EPOCH_IMAGES) notes.push(`${images.toLocaleString('en')} training images per run${quick ? ' of the bundled subset' : ''}, times scaled to a 60,000-image epoch; accuracies after so few images are reported, not compared.`);
  if (haveTorch && probeImages < images) notes.push(`PyTorch's thread settings were probed on ${probeImages.toLocaleString('en')} images; the faster one then trained the whole run.`);
  const result: EpochResult = {
    benchmark: spec.name, title: spec.title, mode: quick ? 'quick' : 'full', machine: machineInfo(), peakGflops: peak,
    flopsPerImage: spec.flopsPerImage, rows, torchBestThreads: best, notes,
  };
  if (o.save !== false) writeResult(quick ? `${spec.name}-quick` : spec.name, result);
  return result;
}

/** The final (non-probe) row of PyTorch's faster thread setting at a batch size, or undefined. */
export function bestTorch(r: EpochResult, batch: number): EpochRow | undefined {
  return r.rows.filter((x) => x.batch === batch && x.system.startsWith('pytorch') && !x.probe).sort((a, b) => a.secondsPerEpoch - b.secondsPerEpoch)[0];
}

export function formatEpochs(r: EpochResult): string {
  const out = [`### ${r.title}\n`];
  out.push(table(
    ['system', 'batch', 'images', 's/epoch', 'CPU s/epoch', 'images/s', 'GFLOP/s', '% peak', 'test acc', 'tensorforge faster by'],
    r.rows.map((x) => [
      x.system + (x.probe ? ' (probe)' : ''), x.batch, x.images, fmt(x.secondsPerEpoch, 1), fmt(x.cpuSecondsPerEpoch, 1), fmt(x.imagesPerSecond, 0),
      fmt(x.gflops, 1), fmt(x.percentOfPeak, 1), fmt(x.testAccuracy, 4) + (x.comparableAccuracy === false ? ' (!)' : ''),
      x.speedupOfTensorforge === undefined ? '-' : `${fmt(x.speedupOfTensorforge, 2)}x`,
    ])));
  out.push('');
  out.push(`s/epoch: wall seconds for 60,000 images (scaled when fewer were trained); test accuracy after that run, on ${r.rows[0]?.testImages ?? '?'} test images. ` +
    `GFLOP/s counts ${fmt(r.flopsPerImage / 1e6, 1)} MFLOP per training image (3 x the forward pass); % of the ${fmt(r.peakGflops, 1)} GFLOP/s all-core peak (bench/peak).`);
  const best = Object.entries(r.torchBestThreads).filter(([, t]) => t !== null);
  if (best.length) out.push(`PyTorch's faster thread setting: ${best.map(([b, t]) => `batch ${b}: ${plural(t!)}`).join(', ')}.`);
  out.push(`${r.machine.cpuModel}, ${r.machine.cores} cores, Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}.`);
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join('\n');
}
