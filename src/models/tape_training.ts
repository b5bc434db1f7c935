// fit and evaluate when the loss or a metric is written in code (Keras's
// custom losses and metrics): the model's forward and backward passes stay
// native (tapeForward / tapeStep in binding/network_binding.cc), and on each
// batch the loss runs through the gradient tape on the model's outputs, which
// gives dLoss/d(outputs) for the native backward pass. Built-in metrics are
// computed here too, from the same outputs. One batch per native call, so
// this path is slower than the fused one: it is taken only when needed.
import { valueAndGrad } from '../autodiff/api';
import { show, typeError } from '../errors';
import type { Loss, LossFunction } from '../losses';
import type { ResolvedMetric } from '../metrics';
import type { NativeChunkResult, NativeModel } from '../native';
import { logSoftmax, relu, softplus } from '../ops/activations';
import { abs, add, div, log, mul, square, sub } from '../ops/elementwise';
import { clipByValue, lessEqual, where } from '../ops/math';
import { oneHot } from '../ops/movement';
import { mean, sum } from '../ops/reduce';
import { Tensor, scalar, tensor } from '../tensor';
import { tidy } from '../tidy';
import type { EvalSums } from './data_parallel';
import type { LabelledData } from './fit_loop';

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON] before a log. */
const EPSILON = 1e-7;

/** @internal How a model whose loss or metrics are code trains and evaluates. */
export interface TapePlan {
  /** The user's loss, or the built-in one written with ops. */
  loss: LossFunction;
  metrics: ResolvedMetric[];
  /** Per-sample shape of the model's output. */
  outputShape: number[];
}

/** @internal The built-in loss as a function of tensors, with Keras's formulas (differentiable by the tape). */
export function lossFunctionOf(loss: Loss): LossFunction {
  const logProbabilities = (p: Tensor): Tensor => (loss.fromLogits ? logSoftmax(p)
    : log(clipByValue(div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON)));
  switch (loss.name) {
    case 'sparseCategoricalCrossentropy':
      return (y, p) => {
        const classes = p.shape[p.rank - 1];
        const labels = Array.from(y.dataSync(), (v) => v);
        return mul(sum(mul(oneHot(labels, classes, 1, 0, 'float32'), logProbabilities(p)), -1), scalar(-1));
      };
    case 'categoricalCrossentropy':
      return (y, p) => mul(sum(mul(y, logProbabilities(p)), -1), scalar(-1));
    case 'binaryCrossentropy':
      return (y, p) => {
        if (loss.fromLogits) return mean(add(sub(relu(p), mul(p, y)), softplus(mul(abs(p), scalar(-1)))), -1);
        const q = clipByValue(p, EPSILON, 1 - EPSILON);
        const one = scalar(1);
        return mul(mean(add(mul(y, log(q)), mul(sub(one, y), log(sub(one, q)))), -1), scalar(-1));
      };
    case 'meanSquaredError':
      return (y, p) => mean(square(sub(p, y)), -1);
    case 'meanAbsoluteError':
      return (y, p) => mean(abs(sub(p, y)), -1);
    case 'huber':
      return (y, p) => {
        const e = abs(sub(p, y));
        const d = scalar(loss.delta);
        return mean(where(lessEqual(e, d), mul(square(e), scalar(0.5)), sub(mul(e, d), scalar(0.5 * loss.delta * loss.delta))), -1);
      };
  }
}

/**
 * A loss or metric function's result as per-sample values [batch]: one per
 * sample as given, the mean over the other axes of a larger result, a
 * scalar spread over the batch. `what` names the function in errors.
 */
function perSample(fn: string, what: string, v: unknown, batch: number): Tensor {
  if (!(v instanceof Tensor)) throw typeError(fn, `the ${what} must return a Tensor, got ${show(v)}`);
  if (v.rank === 0) return mul(v, tensor(new Float32Array(batch).fill(1), [batch]));
  if (v.shape[0] !== batch) {
    throw typeError(fn, `the ${what} must return one value per sample ([${batch}]) or a scalar, got shape ${show(v.shape)}`);
  }
  return v.rank === 1 ? v : mean(v, Array.from({ length: v.rank - 1 }, (_, k) => k + 1));
}

/** The batch loss as Keras reduces it: per-sample losses times the sample weights, summed, over the batch size. */
function batchLoss(fn: string, plan: TapePlan, y: Tensor, p: Tensor, w: Tensor | null): Tensor {
  const batch = p.shape[0];
  let l = perSample(fn, 'loss function', plan.loss(y, p), batch);
  if (w) l = mul(l, w);
  return div(sum(l), scalar(batch));
}

/** Built-in metrics over a batch, summed over its samples; 'accuracy' and top-k read the targets' form from their shape. */
function builtinMetricSum(name: string, y: Float32Array, p: Float32Array, batch: number, ySize: number, pSize: number): number {
  const argMax = (a: Float32Array, at: number, size: number): number => {
    let best = 0;
    for (let j = 1; j < size; j++) if (a[at + j] > a[at + best]) best = j;
    return best;
  };
  const sparse = ySize === 1 && pSize > 1;
  let kind = name;
  if (name === 'accuracy') kind = sparse ? 'sparseCategoricalAccuracy' : pSize === 1 ? 'binaryAccuracy' : 'categoricalAccuracy';
  if (name === 'topKCategoricalAccuracy' && sparse) kind = 'sparseTopKCategoricalAccuracy';
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const yi = i * ySize;
    const pi = i * pSize;
    switch (kind) {
      case 'sparseCategoricalAccuracy':
        total += argMax(p, pi, pSize) === y[yi] ? 1 : 0;
        break;
      case 'categoricalAccuracy':
        total += argMax(p, pi, pSize) === argMax(y, yi, ySize) ? 1 : 0;
        break;
      case 'binaryAccuracy': {
        let hits = 0;
        for (let j = 0; j < pSize; j++) hits += (p[pi + j] > 0.5 ? 1 : 0) === y[yi + j] ? 1 : 0;
        total += hits / pSize;
        break;
      }
      case 'sparseTopKCategoricalAccuracy':
      case 'topKCategoricalAccuracy': {
        const target = kind === 'sparseTopKCategoricalAccuracy' ? y[yi] : argMax(y, yi, ySize);
        let above = 0;
        for (let j = 0; j < pSize; j++) if (p[pi + j] > p[pi + target]) above++;
        total += above < 5 ? 1 : 0;
        break;
      }
      case 'meanSquaredError':
      case 'meanAbsoluteError': {
        let s = 0;
        for (let j = 0; j < pSize; j++) {
          const e = p[pi + j] - y[yi + j];
          s += kind === 'meanSquaredError' ? e * e : Math.abs(e);
        }
        total += s / pSize;
        break;
      }
      default:
        throw new Error(`metric '${name}' has no tape form`);
    }
  }
  return total;
}

/** The metrics of one batch, each summed over its samples, into `into` at `at`. */
function metricSums(fn: string, plan: TapePlan, y: Tensor, p: Tensor, into: Float64Array, at: number): void {
  const batch = p.shape[0];
  plan.metrics.forEach((m, k) => {
    if (typeof m.compute === 'string') {
      into[at + k] = builtinMetricSum(m.compute, y.dataSync() as Float32Array, p.dataSync() as Float32Array, batch, y.size / batch, p.size / batch);
    } else {
      into[at + k] = sum(perSample(fn, `metric function '${m.key}'`, m.compute(y, p), batch)).dataSync()[0];
    }
  });
}

/** Per-sample floats of the targets: labels as floats, or the dense targets' row. */
function targetWidth(d: LabelledData): number {
  return d.t.labels ? 1 : d.t.targets!.length / Math.max(d.x.n, 1);
}

/** Rows `order[lo..hi)` of `src` (`width` floats each) into `dst`. */
function gather(src: ArrayLike<number>, width: number, order: Int32Array | null, lo: number, hi: number, dst: Float32Array): void {
  for (let i = lo; i < hi; i++) {
    const r = order ? order[i] : i;
    for (let j = 0; j < width; j++) dst[(i - lo) * width + j] = src[r * width + j];
  }
}

/** The targets' tensor shape for `batch` samples. */
function targetShape(d: LabelledData, batch: number): number[] {
  return d.t.labels ? [batch] : [batch, ...(d.t.sampleShape ?? [targetWidth(d)])];
}

/**
 * @internal Trains batches [first, first + count) of `order` one native step
 * each, the loss and metrics on the tape; the same result as a native chunk.
 */
export function tapeChunk(fn: string, nm: NativeModel, plan: TapePlan, d: LabelledData, order: Int32Array, batchSize: number,
  first: number, count: number): NativeChunkResult {
  const n = d.x.n;
  const row = d.x.values.length / Math.max(n, 1);
  const outSize = plan.outputShape.reduce((a, b) => a * b, 1);
  const yWidth = targetWidth(d);
  const m = plan.metrics.length;
  const res: NativeChunkResult = {
    batches: 0, nonFinite: false, cancelled: false,
    loss: new Float32Array(count), metricSums: new Float64Array(count * m), sizes: new Int32Array(count),
  };
  const x = new Float32Array(batchSize * row);
  const y = new Float32Array(batchSize * yWidth);
  const w = d.w ? new Float32Array(batchSize) : null;
  const out = new Float32Array(batchSize * outSize);
  for (let b = 0; b < count; b++) {
    const lo = (first + b) * batchSize;
    const hi = Math.min(n, lo + batchSize);
    const rows = hi - lo;
    gather(d.x.values, row, order, lo, hi, x);
    gather(d.t.labels ?? d.t.targets!, yWidth, order, lo, hi, y);
    if (w) gather(d.w!, 1, order, lo, hi, w);
    nm.tapeForward(x.subarray(0, rows * row), rows, out.subarray(0, rows * outSize));
    const step = tidy(() => {
      const yTrue = tensor(y.slice(0, rows * yWidth), targetShape(d, rows));
      const yPred = tensor(out.slice(0, rows * outSize), [rows, ...plan.outputShape]);
      const weights = w ? tensor(w.slice(0, rows), [rows]) : null;
      const { value, grad } = valueAndGrad((p) => batchLoss(fn, plan, yTrue, p, weights))(yPred);
      metricSums(fn, plan, yTrue, yPred, res.metricSums, b * m);
      return { loss: value.dataSync()[0], grad: Float32Array.from(grad.dataSync()) };
    });
    const r = nm.tapeStep(step.grad, rows, step.loss);
    res.loss[b] = r.loss;
    res.sizes[b] = rows;
    res.batches = b + 1;
    if (!r.applied) {
      res.nonFinite = true;
      break;
    }
  }
  return res;
}

/**
 * @internal Loss (with the weights' regularization penalty) and metrics of
 * `d` in inference mode: native predictions, the loss and metrics on them.
 */
export function tapeEvaluate(fn: string, nm: NativeModel, plan: TapePlan, d: LabelledData, batchSize: number): EvalSums {
  const n = d.x.n;
  const row = d.x.values.length / Math.max(n, 1);
  const outSize = plan.outputShape.reduce((a, b) => a * b, 1);
  const yWidth = targetWidth(d);
  const sums = new Float64Array(plan.metrics.length);
  const part = new Float64Array(plan.metrics.length);
  const out = new Float32Array(batchSize * outSize);
  let lossSum = 0;
  for (let lo = 0; lo < n; lo += batchSize) {
    const rows = Math.min(batchSize, n - lo);
    nm.predict(d.x.values.subarray(lo * row, (lo + rows) * row), rows, rows, out.subarray(0, rows * outSize));
    tidy(() => {
      const yTrue = tensor((d.t.labels ? Float32Array.from(d.t.labels.subarray(lo, lo + rows)) : d.t.targets!.slice(lo * yWidth, (lo + rows) * yWidth)),
        targetShape(d, rows));
      const yPred = tensor(out.slice(0, rows * outSize), [rows, ...plan.outputShape]);
      const weights = d.w ? tensor(d.w.slice(lo, lo + rows), [rows]) : null;
      lossSum += batchLoss(fn, plan, yTrue, yPred, weights).dataSync()[0] * rows;
      metricSums(fn, plan, yTrue, yPred, part, 0);
      for (let k = 0; k < part.length; k++) sums[k] += part[k];
    });
  }
  return { lossSum: lossSum + nm.regularizationPenalty() * n, samples: n, metricSums: sums };
}
