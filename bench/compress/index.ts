// bench/compress: issue 20's benchmark. The seed model (784-64-10) and the
// large MLP (784-512-512-10), trained on Fashion-MNIST (Adam, batch 64), then
// compressed every way tensorforge offers — magnitude pruning to 90% while
// fine-tuning, shrinkUnits to half the FLOPs then fine-tuning, post-training
// int8 (per channel and per tensor), float16 / uint8 weight files — and the
// same models trained the same way in PyTorch 1.13, compressed with
// torch.nn.utils.prune (global and per-layer L1 to 90%, then fine-tuning)
// and torch.ao.quantization.quantize_dynamic. Per variant: test accuracy,
// bytes of the saved weights, FLOPs, predict latency at batch 1 and
// throughput at batch 1000; then the targets as measured ratios, and
// charts of test error against size and latency. No timing is asserted.
//
//   npx tsx bench/compress/index.ts            full data when installed, 3 epochs + 2 of fine-tuning (npm run bench:compress)
//   npx tsx bench/compress/index.ts --quick    bundled 10,000-image subset, 1 + 1 epochs, PyTorch on the seed model only
//   options: --epochs=N --finetune=N --models=seed,large --no-torch --json --charts=DIR
// npm run bench runs it in quick mode (run() below).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, fmt, machineInfo, parseArgs, table, writeResult } from '../lib/util';
import type * as TF from '../../src/index';
import { compressCharts } from './chart';
import { measureTorch, torchMissing, type TorchInfo } from './pytorch';
import { checkTargets, type TargetRow } from './targets';
import { HIDDEN, measureTensorforge, type ModelName, type VariantRow } from './tensorforge';

/** What one bench/compress run measured. */
export interface CompressResult {
  benchmark: 'compress';
  mode: 'quick' | 'full';
  machine: ReturnType<typeof machineInfo> & { cpuName: string; loadAtEnd: number[]; openblasCoretype: string | null; int8Paths: string[]; engineThreads: number };
  data: { train: number; test: number; epochs: number; finetuneEpochs: number; sparsity: number };
  torch: TorchInfo | null;
  rows: VariantRow[];
  targets: TargetRow[];
  seconds: number;
  notes: string[];
}

export interface CompressOptions {
  quick?: boolean;
  models?: ModelName[];
  epochs?: number;
  finetune?: number;
  torch?: boolean;
  log?: (s: string) => void;
}

/** The CPU's name, with the AMD Zen generation when the name leaves it out (a VM shows "AMD EPYC"). */
function cpuName(): string {
  const info = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const name = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const family = Number(/^cpu family\s*:\s*(\d+)$/m.exec(info)?.[1]);
  const zen: Record<number, string> = { 23: 'Zen / Zen 2', 25: 'Zen 3 / Zen 4', 26: 'Zen 5' };
  return /AuthenticAMD/.test(info) && zen[family] && !/zen/i.test(name) ? `${name} (${zen[family]})` : name;
}

/** Trains, compresses and measures both libraries; the targets checked. */
export async function run(o: CompressOptions = {}): Promise<CompressResult> {
  // Loaded here, not at import: npm run bench imports this module into the process that runs the other benchmarks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('../../src/index') as typeof TF;
  const t0 = Date.now();
  const quick = o.quick === true;
  const log = o.log ?? (() => {});
  const start = machineInfo();
  const epochs = o.epochs ?? (quick ? 1 : 3);
  const finetune = o.finetune ?? (quick ? 1 : 2);
  const sparsity = 0.9;
  const models = o.models ?? ['seed', 'large'];
  const notes: string[] = [];
  const data = await tf.datasets.fashionMnist(quick ? { subset: true } : {});
  const missing = o.torch === false ? 'not selected (--no-torch)' : torchMissing();
  if (missing) notes.push(`PyTorch rows skipped: ${missing}.`);
  // Quick mode keeps CI's smoke run short: PyTorch on the seed model only.
  const torchModels = missing ? [] : quick ? models.filter((m) => m === 'seed') : models;
  if (!missing && torchModels.length < models.length) notes.push('quick mode: PyTorch runs the seed model only.');
  const rows: VariantRow[] = [];
  let torch: TorchInfo | null = null;
  for (const model of models) {
    rows.push(...await measureTensorforge(tf, data, { model, epochs, finetune, sparsity, rounds: quick ? 3 : 9, quick, everyLayer: !quick, log }));
    // After tensorforge, not beside it: the two must not time while the other computes.
    if (torchModels.includes(model)) {
      log(`  compress: PyTorch ${model}`);
      try {
        const p = await measureTorch({ model, data: data.dir, epochs, finetune, sparsity, rounds: quick ? 3 : 9, minTime: quick ? 0.05 : 0.25 });
        rows.push(...p.rows);
        torch = p.info;
      } catch (e) {
        notes.push((e as Error).message);
      }
    }
  }
  const targets = models.flatMap((m) => checkTargets(m, rows, finetune));
  return {
    benchmark: 'compress',
    mode: quick ? 'quick' : 'full',
    machine: { ...start, cpuName: cpuName(), loadAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100), openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
      int8Paths: tf.quantization.int8Paths(), engineThreads: tf.getNumThreads() },
    data: { train: data.train.x.shape[0], test: data.test.x.shape[0], epochs, finetuneEpochs: finetune, sparsity },
    torch, rows, targets, seconds: (Date.now() - t0) / 1000, notes,
  };
}

const kb = (b: number) => `${fmt(b / 1024, 1)} KB`;

/** The result as Markdown: machine line, one table per model, the targets. */
export function formatResult(r: CompressResult): string {
  const m = r.machine;
  const out = [
    `CPU: ${m.cpuName}, ${m.cores} cores, OPENBLAS_CORETYPE=${m.openblasCoretype ?? '(unset)'}; 1-minute load ${m.loadavg[0]} at start, ${m.loadAtEnd[0]} at end (shared machine: timings are medians of interleaved rounds); ` +
      `${r.mode} mode. Fashion-MNIST ${r.data.train} train / ${r.data.test} test images; ${r.data.epochs} epoch(s) of Adam (batch 64), then ${r.data.finetuneEpochs} epoch(s) of fine-tuning for the pruned and shrunk models. ` +
      `tensorforge: float predict on ${m.engineThreads} engine threads, int8 (path ${m.int8Paths[m.int8Paths.length - 1] ?? '?'}) on 1 thread at batch 1 and split over a helper thread at batch 1000 when a core is free` +
      (r.torch ? `; PyTorch ${r.torch.version}, quantized engine ${r.torch.engine}, timed on 1 and 2 threads, the faster shown (threads: batch 1 / batch 1000).` : '.'),
  ];
  for (const model of Object.keys(HIDDEN) as ModelName[]) {
    const rows = r.rows.filter((x) => x.model === model);
    if (!rows.length) continue;
    const dense = (s: string) => rows.find((x) => x.system === s && x.variant === 'dense float32');
    out.push('', `### ${model === 'seed' ? 'seed model 784-64-10' : 'large MLP 784-512-512-10'}`, '');
    out.push(table(['library', 'variant', 'test acc %', 'vs dense', 'before fine-tune', 'weights file', 'smaller', 'non-zero kernel', 'FLOPs / sample', 'batch 1, µs', 'batch 1000, samples/s', 'vs dense', 'threads'],
      rows.map((x) => {
        const d = dense(x.system)!;
        return [x.system === 'pytorch' ? 'PyTorch' : 'tensorforge', x.variant, fmt(100 * x.accuracy, 2), x === d ? '' : `${x.accuracy >= d.accuracy ? '+' : ''}${fmt(100 * (x.accuracy - d.accuracy), 2)}`,
          x.accuracyBeforeFinetune === undefined ? '' : fmt(100 * x.accuracyBeforeFinetune, 2), kb(x.bytes), `${fmt(d.bytes / x.bytes, 2)}x`,
          x.kernelNonzeros === undefined ? '' : `${x.kernelNonzeros} / ${x.kernelParameters}`, x.flopsPerSample ?? '',
          x.latencySeconds === undefined ? '' : fmt(x.latencySeconds * 1e6, 1), x.samplesPerSecond === undefined ? '' : fmt(x.samplesPerSecond, 0),
          x.samplesPerSecond === undefined || !d.samplesPerSecond ? '' : `${fmt(x.samplesPerSecond / d.samplesPerSecond, 2)}x`, x.threads ?? ''];
      })));
  }
  out.push('', '### Targets (issue 20)', '');
  out.push(table(['model', 'target', 'measured', 'required', 'met'], r.targets.map((t) => [t.model, t.target, t.measured, t.required, t.met === undefined ? '' : t.met ? 'yes' : '**no**'])));
  out.push('', 'Weights file: the .bin bytes model.save / q.save (tensorforge) and torch.save(state_dict) (PyTorch) write; pruned models store their zeros densely. No timing: the row predicts as the dense model (a weight-only file loads as float32). "before fine-tune": the same cut made at once on the dense model.');
  out.push(...r.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const result = await run({
    quick: a.quick === true,
    epochs: a.epochs ? Number(a.epochs) : undefined,
    finetune: a.finetune ? Number(a.finetune) : undefined,
    models: typeof a.models === 'string' ? (a.models.split(',') as ModelName[]) : undefined,
    torch: a['no-torch'] ? false : undefined,
    log: (s) => process.stderr.write(s + '\n'),
  });
  console.log(a.json ? JSON.stringify(result, null, 1) : formatResult(result));
  writeResult('compress', result);
  const dir = path.resolve(ROOT, typeof a.charts === 'string' ? a.charts : path.join('bench', 'results', 'charts'));
  fs.mkdirSync(dir, { recursive: true });
  const sub = `${result.machine.date.slice(0, 10)}, ${result.machine.cpuName}, ${result.machine.cores} cores${result.mode === 'quick' ? ' — quick run' : ''}`;
  for (const [name, svg] of compressCharts(result.rows, sub)) fs.writeFileSync(path.join(dir, name), svg);
  process.stderr.write(`charts in ${path.relative(ROOT, dir)}: compress-size.svg, compress-latency.svg\n`);
  setTimeout(() => process.exit(0), 100).unref();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
