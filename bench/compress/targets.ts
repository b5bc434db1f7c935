// The targets for bench/compress, checked on one run's rows: each a
// measured figure beside what is required, met or not. Nothing is asserted:
// the benchmark reports.
import type { ModelName, VariantRow } from './tensorforge';

export interface TargetRow {
  model: ModelName;
  target: string;
  measured: string;
  required: string;
  /** undefined: informational, or a peer is missing. */
  met?: boolean;
}

const pts = (a: number, b: number) => `${((a - b) * 100 >= 0 ? '+' : '')}${((a - b) * 100).toFixed(2)} pt`;
const x = (v: number) => `${v.toFixed(2)}x`;

/** Target rows of one model (rows of both systems). */
export function checkTargets(model: ModelName, rows: VariantRow[], finetune: number): TargetRow[] {
  const tf = rows.filter((r) => r.model === model && r.system === 'tensorforge');
  const find = (prefix: string, sys: VariantRow[] = tf) => sys.find((r) => r.variant.startsWith(prefix));
  const dense = tf.find((r) => r.variant === 'dense float32');
  if (!dense) return [];
  const out: TargetRow[] = [];
  const drop = (r: VariantRow) => dense.accuracy - r.accuracy;
  const pruned = find('low-magnitude');
  if (pruned) {
    out.push({ model, target: `low-magnitude ${Math.round((1 - pruned.kernelNonzeros! / pruned.kernelParameters!) * 100)}% sparse: accuracy vs dense`,
      measured: pts(pruned.accuracy, dense.accuracy), required: '>= -1.00 pt', met: drop(pruned) <= 0.01 + 1e-9 });
  }
  const small = find('shrinkUnits');
  if (small) {
    const f = small.flopsPerSample! / dense.flopsPerSample!;
    out.push({ model, target: 'shrinkUnits: FLOPs vs dense', measured: x(f), required: '<= 0.50x', met: f <= 0.5 });
    out.push({ model, target: `shrinkUnits: accuracy after ${finetune} epoch(s) of fine-tuning`, measured: pts(small.accuracy, dense.accuracy), required: '>= -1.00 pt', met: drop(small) <= 0.01 + 1e-9 });
    if (small.samplesPerSecond && dense.samplesPerSecond) {
      const s = small.samplesPerSecond / dense.samplesPerSecond;
      out.push({ model, target: 'shrinkUnits: predict speed-up, batch 1000', measured: x(s), required: '>= 1.70x', met: s >= 1.7 });
    }
    if (small.latencySeconds && dense.latencySeconds) {
      out.push({ model, target: 'shrinkUnits: predict speed-up, batch 1 (for information)', measured: x(dense.latencySeconds / small.latencySeconds), required: '-' });
    }
  }
  const q = find('int8 per channel');
  if (q) {
    out.push({ model, target: 'int8 per channel: accuracy vs dense', measured: pts(q.accuracy, dense.accuracy), required: '>= -0.50 pt', met: drop(q) <= 0.005 + 1e-9 });
    out.push({ model, target: 'int8 per channel: model file smaller', measured: x(dense.bytes / q.bytes), required: '>= 3.50x', met: dense.bytes / q.bytes >= 3.5 });
    if (q.samplesPerSecond && dense.samplesPerSecond) {
      const s = q.samplesPerSecond / dense.samplesPerSecond;
      out.push({ model, target: 'int8: batch-1000 throughput vs float32', measured: x(s), required: model === 'large' ? '>= 2.00x' : '- (target is on the large MLP)', met: model === 'large' ? s >= 2 : undefined });
    }
    const torchQ = find('int8 dynamic', rows.filter((r) => r.model === model && r.system === 'pytorch'));
    if (q.samplesPerSecond && torchQ?.samplesPerSecond) {
      const s = q.samplesPerSecond / torchQ.samplesPerSecond;
      out.push({ model, target: 'int8: batch-1000 throughput vs PyTorch quantize_dynamic', measured: x(s), required: model === 'large' ? '> 1.00x' : '- (target is on the large MLP)', met: model === 'large' ? s > 1 : undefined });
    } else {
      out.push({ model, target: 'int8: batch-1000 throughput vs PyTorch quantize_dynamic', measured: 'PyTorch not run', required: model === 'large' ? '> 1.00x' : '-' });
    }
  }
  return out;
}
