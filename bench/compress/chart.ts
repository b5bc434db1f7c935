// bench/compress's charts: test error against model file size and against
// batch-1 predict latency, one panel per model and library, one colour per
// kind of compression. Drawn with the suite's lineChart (bench/charts/svg).
import { lineChart, type LinePanel } from '../charts/svg';
import type { VariantRow } from './tensorforge';

const KINDS: [string, (v: string) => boolean][] = [
  ['dense float32', (v) => v.startsWith('dense')],
  ['pruned 90% (zeros stored)', (v) => v.startsWith('low-magnitude') || v.startsWith('prune')],
  ['shrunk to ½ FLOPs', (v) => v.startsWith('shrinkUnits')],
  ['int8', (v) => v.startsWith('int8')],
  ['float16 / uint8 weight file', (v) => v.startsWith('weights')],
];

function panels(rows: VariantRow[], x: (r: VariantRow) => number | undefined): LinePanel[] {
  const out: LinePanel[] = [];
  for (const model of ['seed', 'large'] as const) {
    for (const system of ['tensorforge', 'pytorch'] as const) {
      const mine = rows.filter((r) => r.model === model && r.system === system);
      if (!mine.length) continue;
      out.push({
        title: `${model === 'seed' ? 'seed 784-64-10' : 'large 784-512-512-10'}, ${system === 'pytorch' ? 'PyTorch' : 'tensorforge'}`,
        series: KINDS.map(([name, is]) => ({
          name,
          points: mine.filter((r) => is(r.variant) && x(r) !== undefined).map((r) => ({ x: x(r)!, y: 100 * (1 - r.accuracy) })).sort((a, b) => a.x - b.x),
        })).filter((s) => s.points.length),
      });
    }
  }
  return out;
}

/** [file name, SVG] of each chart. */
export function compressCharts(rows: VariantRow[], subtitle: string): [string, string][] {
  const notes = ['One point per variant (see the table); lower is better on both axes.',
    'PyTorch: torch.nn.utils.prune (global and per-layer L1) and torch.ao.quantization.quantize_dynamic on the same models.'];
  return [
    ['compress-size.svg', lineChart({ title: 'Compression on Fashion-MNIST: test error against model file size', subtitle, xLabel: 'weights file, KB (log scale)', yLabel: 'test error, %',
      panels: panels(rows, (r) => r.bytes / 1024), width: 1200, notes })],
    ['compress-latency.svg', lineChart({ title: 'Compression on Fashion-MNIST: test error against predict latency (batch 1)', subtitle, xLabel: 'µs per batch-1 predict (log scale)',
      yLabel: 'test error, %', panels: panels(rows, (r) => (r.latencySeconds === undefined ? undefined : r.latencySeconds * 1e6)), width: 1200, notes })],
  ];
}
