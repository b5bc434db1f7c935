// One SVG chart per workload of a suite run (bench/index.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fmt } from '../lib/util';
import { fmtTime, MODEL_TITLES, LABELS } from '../inference/index';
import { delayRows, type SuiteResult } from '../report';
import { barChart, lineChart, type BarGroup, type LinePanel } from './svg';
import { compressCharts } from '../compress/chart';

const TRAIN_LABEL: Record<string, string> = { tensorforge: 'tensorforge', pytorch: 'PyTorch', 'tfjs-wasm': 'tfjs-wasm', 'tfjs-cpu': 'tfjs-cpu' };

function when(r: SuiteResult): string {
  const c = r.context;
  return `${r.date.slice(0, 10)}, ${c.cpuModel}, ${c.cores} cores${c.clockGHz ? ` at ${fmt(c.clockGHz, 2)} GHz` : ''}, ${c.tensorforge.blas} ${c.tensorforge.blasVersion}` +
    (r.mode === 'quick' ? ' — quick run' : '');
}

/** Writes the charts for every benchmark that ran; returns the files written. */
export function writeCharts(r: SuiteResult, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, svg: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f + '.tmp', svg);
    fs.renameSync(f + '.tmp', f);
    files.push(f);
  };
  const sub = when(r);

  const mm = r.steps.matmul?.result;
  if (mm) {
    const sec = mm.sections[0];
    const threads = [...new Set(sec.rows.map((x) => x.threads))];
    const panels: LinePanel[] = threads.map((t) => ({
      title: `${t} thread${t > 1 ? 's' : ''}`,
      series: sec.systems.map((s) => ({
        name: s.id === 'tf' ? 'tensorforge' : s.label,
        dashed: s.id.startsWith('raw') || s.id === 'tf-prealloc',
        points: sec.rows.filter((x) => x.threads === t && x.case.M >= 8 && x.results[s.id]).map((x) => {
          const v = x.results[s.id]!;
          return { x: x.case.M, y: v.gflops, ymin: v.gflopsMin, ymax: v.gflopsMax };
        }),
      })).filter((s) => s.points.length),
      refs: [{ y: t <= 1 ? mm.peak.peak1 : mm.peak.peakAll, label: `measured ${mm.peak.simd} peak, ${t} thread${t > 1 ? 's' : ''}: ${fmt(t <= 1 ? mm.peak.peak1 : mm.peak.peakAll, 0)} GFLOP/s` }],
    }));
    // A BLAS with wider kernels (OpenBLAS's AVX-512 SkylakeX) can pass the
    // headline peak; then the wider peak is drawn too.
    const wide = (r.steps.peak?.result?.variants ?? []).filter((v) => v.simd !== mm.peak.simd && v.peak1 > mm.peak.peak1);
    panels.forEach((p, i) => {
      const t = threads[i];
      const top = Math.max(...p.series.flatMap((s) => s.points.map((q) => q.y)));
      const head = t <= 1 ? mm.peak.peak1 : mm.peak.peakAll;
      for (const v of wide) if (top > 0.9 * head) p.refs!.push({ y: t <= 1 ? v.peak1 : v.peakAll, label: `measured ${v.simd} peak: ${fmt(t <= 1 ? v.peak1 : v.peakAll, 0)} GFLOP/s` });
    });
    put('matmul.svg', lineChart({
      title: 'Square GEMM (n x n x n, float32): GFLOP/s',
      subtitle: sub,
      xLabel: 'n',
      yLabel: 'GFLOP/s',
      panels,
      notes: [
        'Median of alternated runs; whiskers: min–max. tfjs runs on one thread (1-thread panel only).',
        'Dashed: baselines — raw cblas_sgemm from C++ (OpenBLAS: the BLAS NumPy and PyTorch use here) and',
        'tensorforge\'s binding on a reused output buffer.',
      ],
    }));
  }

  const tr = r.steps.train?.result;
  if (tr) {
    const groups: BarGroup[] = (['seed', 'large'] as const).map((model) => ({
      label: model === 'seed' ? 'seed model 784-64-10, Adam, batch 32' : 'MLP 784-512-512-10, Adam, batch 256',
      bars: tr.rows.filter((x) => x.model === model).map((x) => ({
        series: TRAIN_LABEL[x.system] ?? x.system,
        value: x.secondsPerEpoch.median,
        min: x.secondsPerEpoch.min,
        max: x.secondsPerEpoch.max,
        label: `${fmt(x.secondsPerEpoch.median, x.secondsPerEpoch.median < 10 ? 2 : 1)} s, acc ${fmt(x.testAccuracy, 3)}`,
      })),
    })).filter((g) => g.bars.length);
    put('train.svg', barChart({
      title: `Training on Fashion-MNIST${tr.mode === 'quick' ? ' (10,000-sample subset)' : ''}: seconds per epoch`,
      subtitle: sub,
      axis: 'seconds per epoch (lower is better)',
      groups,
      notes: ['Bars: median epoch time; whiskers: min–max over runs and epochs; label: test accuracy reached.'],
    }));
  }

  for (const [name, svg] of r.steps.compress?.result ? compressCharts(r.steps.compress.result.rows, sub) : []) put(name, svg);

  const inf = r.steps.inference?.result;
  if (inf) {
    const byBatch = (batch: number) => inf.cases.filter((c) => c.batch === batch);
    const lat = byBatch(1);
    if (lat.length) {
      put('inference-latency.svg', barChart({
        title: 'Inference latency, batch 1 (one predict call)',
        subtitle: sub,
        axis: 'time per call, µs (lower is better)',
        groups: lat.map((c) => ({
          label: MODEL_TITLES[c.model] ?? c.model,
          bars: c.results.map((x) => ({ series: LABELS[x.system] ?? x.system, value: x.time.median * 1e6, min: x.time.min * 1e6, max: x.time.max * 1e6, label: fmtTime(x.time.median) })),
        })),
      }));
    }
    const thr = inf.cases.filter((c) => c.batch > 1);
    if (thr.length) {
      put('inference-throughput.svg', barChart({
        title: `Inference throughput, batch ${thr[0].batch}`,
        subtitle: sub,
        axis: 'samples per second (higher is better)',
        groups: thr.map((c) => ({
          label: MODEL_TITLES[c.model] ?? c.model,
          bars: c.results.map((x) => ({
            series: LABELS[x.system] ?? x.system,
            value: x.samplesPerSecond,
            min: c.batch / x.time.max,
            max: c.batch / x.time.min,
            label: `${x.samplesPerSecond >= 1e4 ? fmt(x.samplesPerSecond / 1e3, 1) + 'k' : fmt(x.samplesPerSecond, 0)}/s`,
          })),
        })),
      }));
    }
    if (inf.firstCall.length) {
      put('inference-first-call.svg', barChart({
        title: 'First call: fresh process to first prediction',
        subtitle: sub,
        axis: 'milliseconds (lower is better)',
        scale: 'linear',
        groups: [{
          label: `${MODEL_TITLES[inf.firstCall[0].model]}: spawn, module load, model build, first batch-1 predict`,
          bars: inf.firstCall.map((x) => ({
            series: LABELS[x.system] ?? x.system,
            value: x.wallMs.median,
            min: x.wallMs.min,
            max: x.wallMs.max,
            label: `${fmt(x.wallMs.median, 0)} ms (load ${fmt(x.loadMs.median, 0)})`,
          })),
        }],
      }));
    }
  }

  const sv = r.steps.server?.result;
  if (sv) {
    const rows = delayRows(sv);
    const samples = [...new Set(rows.map((x) => x.samples))].sort((a, b) => a - b);
    put('event-loop.svg', barChart({
      title: 'Event-loop delay while model.fit trains (p99)',
      subtitle: sub,
      axis: 'p99 event-loop delay, ms, excess over the 1 ms timer (lower is better)',
      groups: samples.map((n) => ({
        label: `seed model, 1 epoch over ${n.toLocaleString('en-US')} samples`,
        bars: rows.filter((x) => x.samples === n).map((x) => ({
          series: x.library.startsWith('@tensorflow/tfjs') ? 'tfjs-cpu' : x.library,
          value: Math.max(x.p99.median, 0.01),
          min: Math.max(x.p99.min, 0.01),
          max: x.p99.max,
          label: `${fmt(x.p99.median, 2)} ms (max ${fmt(x.max, 1)})`,
        })),
      })),
      notes: [`Median over ${sv.options.rounds} alternated rounds; whiskers min–max of p99. tensorforge trains on a worker thread; tfjs-cpu computes on the event loop.`],
    }));
  }
  return files;
}
