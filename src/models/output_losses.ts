// A model with several outputs (Keras's multi-output functional models):
// compile's loss, metrics and lossWeights per output (a list in output order
// or an object keyed by output name), the targets of every output packed into
// the rows the native trainer reads, and the history keys Keras gives them
// (`loss`, `<output>_loss`, `<output>_<metric>`). A one-output model never
// comes here: its loss and metrics stay the plain ones of compile.
import type { Logs } from '../callbacks/callback';
import { checkArray, rangeError, show, typeError } from '../errors';
import { Loss, LossFunction, losses as builtinLosses, nativeLoss, resolveLoss } from '../losses';
import { ResolvedMetric, resolveMetrics } from '../metrics';
import type { NativeOutputLossSpec } from '../native';
import { Tensor } from '../tensor';
import { Targets, toTargets } from './data';

/** A model's outputs: their names (their layers') and per-sample sizes, in output order. */
export interface OutputSpec {
  names: string[];
  sizes: number[];
}

/** What compile resolved for each output of a model with several (`model.compileConfig.outputs`). */
export interface CompiledOutputs extends OutputSpec {
  /** Per output: a built-in loss, or a function (then the model trains on the tape). */
  losses: (Loss | LossFunction)[];
  weights: number[];
  metrics: ResolvedMetric[][];
}

/** Per output, the value given for it: a list in output order, an object by output name, or one value for all. */
function perOutput(fn: string, what: string, v: unknown, spec: OutputSpec, isSingle: (x: unknown) => boolean): unknown[] {
  const { names } = spec;
  const list = names.map((n) => `'${n}'`).join(', ');
  if (Array.isArray(v) && !isSingle(v)) {
    const a = checkArray(fn, what, v);
    if (a.length !== names.length) throw rangeError(fn, `${what} must hold one entry per output (${names.length}: ${list}), got ${a.length}`);
    return names.map((_, k) => a[k]);
  }
  if (v !== null && typeof v === 'object' && !isSingle(v)) {
    const given = Object.keys(v);
    const unknown = given.find((k) => !names.includes(k));
    if (unknown !== undefined) throw rangeError(fn, `${what} names output '${unknown}', which the model does not have; its outputs are ${list}`);
    return names.map((n) => (v as Record<string, unknown>)[n]);
  }
  return names.map(() => v);
}

/** @internal compile's loss, metrics and lossWeights for a model with several outputs. */
export function resolveOutputs(fn: string, spec: OutputSpec, loss: unknown, metrics: unknown, lossWeights: unknown): CompiledOutputs {
  const isLossObject = (x: unknown) => x instanceof Object && 'name' in (x as object) && !Array.isArray(x);
  const losses = perOutput(fn, 'loss', loss, spec, (x) => typeof x === 'string' || typeof x === 'function' || isLossObject(x)).map((l, k) => {
    if (l === undefined) throw typeError(fn, `loss has no entry for output '${spec.names[k]}'; every output needs a loss`);
    return typeof l === 'function' ? (l as LossFunction) : resolveLoss(fn, l);
  });
  const weights = lossWeights === undefined ? spec.names.map(() => 1)
    : perOutput(fn, 'lossWeights', lossWeights, spec, (x) => typeof x === 'number').map((w, k) => {
      if (w === undefined) return 1;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw rangeError(fn, `lossWeights for output '${spec.names[k]}' must be a finite number >= 0, got ${show(w)}`);
      return w;
    });
  if (lossWeights !== undefined && (typeof lossWeights !== 'object' || lossWeights === null)) {
    throw typeError(fn, `lossWeights must be an array (one number per output) or an object keyed by output name, got ${show(lossWeights)}`);
  }
  // metrics: one list for every output, a list of lists, or an object by output name.
  const nested = Array.isArray(metrics) && metrics.some((m) => Array.isArray(m));
  const perOut = metrics === undefined || metrics === null ? spec.names.map(() => undefined)
    : nested || (typeof metrics === 'object' && !Array.isArray(metrics)) ? perOutput(fn, 'metrics', metrics, spec, () => false)
    : spec.names.map(() => metrics);
  const resolved = perOut.map((m, k) => resolveMetrics(fn, m, losses[k], spec.sizes[k]));
  return { ...spec, losses, weights, metrics: resolved };
}

/** @internal The native trainer's compile list: one { loss, weight, metrics } per output. */
export function nativeOutputs(c: CompiledOutputs, tape: boolean): NativeOutputLossSpec[] {
  // On the tape path the native trainer keeps only the optimizer: its losses and metrics are never read.
  return c.losses.map((l, k) => ({
    loss: nativeLoss(typeof l === 'function' ? builtinLosses.meanSquaredError() : l), weight: c.weights[k], metrics: tape ? [] : c.metrics[k].map((m) => m.native),
  }));
}

/**
 * @internal The targets of every output (a list in output order, or an
 * object by output name) packed per sample as the trainer reads them: one
 * label per output with a sparse loss, the other outputs' targets one after
 * another.
 */
export function packTargets(fn: string, y: unknown, n: number, c: CompiledOutputs): Targets {
  const list = c.names.map((name) => `'${name}'`).join(', ');
  if (y instanceof Tensor || y === undefined || y === null || typeof y !== 'object' || ArrayBuffer.isView(y)) {
    throw typeError(fn, `the model has ${c.names.length} outputs (${list}): y must be an array of ${c.names.length} target tensors or an object keyed by output name, got ${y instanceof Tensor ? `one tensor of shape ${show(y.shape)}` : show(y)}`);
  }
  const parts = perOutput(fn, 'y', y, c, () => false);
  const each = parts.map((part, k) => {
    if (part === undefined) throw rangeError(fn, `y is missing the targets of output '${c.names[k]}' (the outputs are ${list})`);
    try {
      return toTargets(fn, part, n, c.sizes[k], c.losses[k]);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(`${fn}: `, `${fn}: output '${c.names[k]}': `);
      throw e;
    }
  });
  const sparse = each.map((t) => t.labels !== null);
  // A loss in code reads y as given: its width is y's per-sample size, not the output's.
  const widths = each.map((t, k) => (sparse[k] ? 0 : (t.targetWidth ?? c.sizes[k])));
  const labelWidth = sparse.filter(Boolean).length;
  const targetWidth = widths.reduce((a, w) => a + w, 0);
  const labels = labelWidth > 0 ? new Int32Array(n * labelWidth) : null;
  const targets = targetWidth > 0 ? new Float32Array(n * targetWidth) : null;
  const heads: NonNullable<Targets['heads']> = [];
  let col = 0;
  let off = 0;
  each.forEach((t, k) => {
    if (sparse[k]) {
      for (let i = 0; i < n; i++) labels![i * labelWidth + col] = t.labels![i];
      heads.push({ column: col, offset: 0, width: 1, shape: [] });
      col++;
    } else {
      const w = widths[k];
      for (let i = 0; i < n; i++) targets!.set(t.targets!.subarray(i * w, (i + 1) * w), i * targetWidth + off);
      heads.push({ column: -1, offset: off, width: w, shape: t.sampleShape ?? [w] });
      off += w;
    }
  });
  return { labels, targets, labelWidth, targetWidth, heads };
}

/** @internal Reports per step: every output's metrics, then each output's loss. */
export function outputReportCount(c: CompiledOutputs): number {
  return c.metrics.reduce((a, m) => a + m.length, 0) + c.names.length;
}

/** @internal History keys as Keras names them: `loss`, `<output>_loss` per output, `<output>_<metric>`. */
export function outputLogKeys(c: CompiledOutputs): string[] {
  return ['loss', ...c.names.map((n) => `${n}_loss`), ...c.names.flatMap((n, k) => c.metrics[k].flatMap((m) => [m.key, ...m.aliases].map((key) => `${n}_${key}`)))];
}

/** @internal The logs of a run's sums (the reports in the native order: metrics, then output losses). */
export function outputMeanLogs(c: CompiledOutputs, loss: number, sums: ArrayLike<number>, samples: number): Logs {
  const logs: Logs = { loss };
  const metricCount = c.metrics.reduce((a, m) => a + m.length, 0);
  c.names.forEach((n, k) => {
    logs[`${n}_loss`] = sums[metricCount + k] / samples;
  });
  let at = 0;
  c.names.forEach((n, k) => {
    for (const m of c.metrics[k]) {
      const v = sums[at++] / samples;
      for (const key of [m.key, ...m.aliases]) logs[`${n}_${key}`] = v;
    }
  });
  return logs;
}
