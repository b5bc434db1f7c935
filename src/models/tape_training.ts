// fit and evaluate when the loss or a metric is written in code (Keras's
// custom losses and metrics): the model's forward and backward passes stay
// native (tapeForward / tapeStep in binding/model_gradients_binding.cc), and on each
// batch the loss runs through the gradient tape on the model's outputs, which
// gives dLoss/d(outputs) for the native backward pass. Built-in metrics are
// computed here too, from the same outputs. One batch per native call, so
// this path is slower than the fused one: it is taken only when needed.
import { valueAndGrads } from '../autodiff/api';
import { show, typeError } from '../errors';
import type { Loss, LossFunction } from '../losses';
import { type ResolvedMetric, rowArgMax } from '../metrics';
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
  /** Per output: the user's loss, or the built-in one written with ops. */
  losses: LossFunction[];
  /** Per output: its weight in the total loss (Keras's lossWeights). */
  weights: number[];
  /** Per output: its metrics. */
  metrics: ResolvedMetric[][];
  /** Per output: its per-sample shape. */
  outputShapes: number[][];
  /** Several outputs: the reports end with each output's own loss (Keras's `<output>_loss`), as native chunks report them. */
  outputLosses: boolean;
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
function batchLoss(fn: string, loss: LossFunction, y: Tensor, p: Tensor, w: Tensor | null): Tensor {
  const batch = p.shape[0];
  let l = perSample(fn, 'loss function', loss(y, p), batch);
  if (w) l = mul(l, w);
  return div(sum(l), scalar(batch));
}

/** Built-in metrics over a batch, summed over its samples; 'accuracy' and top-k read the targets' form from their shape. */
function builtinMetricSum(name: string, y: Float32Array, p: Float32Array, batch: number, ySize: number, pSize: number): number {
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
        total += rowArgMax(p, pi, pSize) === y[yi] ? 1 : 0;
        break;
      case 'categoricalAccuracy':
        total += rowArgMax(p, pi, pSize) === rowArgMax(y, yi, ySize) ? 1 : 0;
        break;
      case 'binaryAccuracy': {
        let hits = 0;
        for (let j = 0; j < pSize; j++) hits += (p[pi + j] > 0.5 ? 1 : 0) === y[yi + j] ? 1 : 0;
        total += hits / pSize;
        break;
      }
      case 'sparseTopKCategoricalAccuracy':
      case 'topKCategoricalAccuracy': {
        const target = kind === 'sparseTopKCategoricalAccuracy' ? y[yi] : rowArgMax(y, yi, ySize);
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

/** The metrics of one output over a batch, each summed over its samples, into `into` from `at`. */
function metricSums(fn: string, metrics: readonly ResolvedMetric[], y: Tensor, p: Tensor, into: Float64Array, at: number): void {
  const batch = p.shape[0];
  metrics.forEach((m, k) => {
    if (typeof m.compute === 'string') {
      into[at + k] = builtinMetricSum(m.compute, y.dataSync() as Float32Array, p.dataSync() as Float32Array, batch, y.size / batch, p.size / batch);
    } else {
      into[at + k] = sum(perSample(fn, `metric function '${m.key}'`, m.compute(y, p), batch)).dataSync()[0];
    }
  });
}

/** Where one output's targets sit in a data row: a column of the labels, or floats of the targets. */
interface Head {
  column: number;
  offset: number;
  width: number;
  shape: number[];
}

/** The outputs' targets in the rows of `d` (Targets.heads for several outputs; one head otherwise). */
function headsOf(d: LabelledData): Head[] {
  if (d.t.heads) return d.t.heads;
  if (d.t.labels) return [{ column: 0, offset: 0, width: 1, shape: [] }];
  const width = d.t.targets!.length / Math.max(d.x.n, 1);
  return [{ column: -1, offset: 0, width, shape: d.t.sampleShape ?? [width] }];
}

/** Rows `order[lo..hi)` (all rows [lo, hi) without an order) of `src`, `width` values each, into `dst`. */
function gather(src: ArrayLike<number>, width: number, order: Int32Array | null, lo: number, hi: number, dst: Float32Array): void {
  for (let i = lo; i < hi; i++) {
    const r = order ? order[i] : i;
    for (let j = 0; j < width; j++) dst[(i - lo) * width + j] = src[r * width + j];
  }
}

/** One batch's rows, gathered into buffers sized once per call. */
class BatchRows {
  readonly x: Float32Array;
  readonly labels: Float32Array | null;
  readonly targets: Float32Array | null;
  readonly w: Float32Array | null;
  readonly out: Float32Array;
  readonly row: number;
  readonly labelWidth: number;
  readonly targetWidth: number;
  readonly outSize: number;
  /** Rows the buffers hold: the batch size, or the data's rows when fewer. */
  readonly capacity: number;
  rows = 0;

  constructor(readonly d: LabelledData, readonly plan: TapePlan, batchSize: number) {
    const n = Math.max(d.x.n, 1);
    // A batch never holds more rows than the data: a batchSize of 2^31 - 1 must not size buffers by it.
    this.capacity = Math.min(batchSize, n);
    batchSize = this.capacity;
    this.row = d.x.values.length / n;
    this.labelWidth = d.t.labels ? d.t.labels.length / n : 0;
    this.targetWidth = d.t.targets ? d.t.targets.length / n : 0;
    this.outSize = plan.outputShapes.reduce((a, s) => a + s.reduce((p, q) => p * q, 1), 0);
    this.x = new Float32Array(batchSize * this.row);
    this.labels = d.t.labels ? new Float32Array(batchSize * this.labelWidth) : null;
    this.targets = d.t.targets ? new Float32Array(batchSize * this.targetWidth) : null;
    this.w = d.w ? new Float32Array(batchSize) : null;
    this.out = new Float32Array(batchSize * this.outSize);
  }

  load(order: Int32Array | null, lo: number, hi: number): void {
    const { d } = this;
    this.rows = hi - lo;
    gather(d.x.values, this.row, order, lo, hi, this.x);
    if (this.labels) gather(d.t.labels!, this.labelWidth, order, lo, hi, this.labels);
    if (this.targets) gather(d.t.targets!, this.targetWidth, order, lo, hi, this.targets);
    if (this.w) gather(d.w!, 1, order, lo, hi, this.w);
  }

  /** Output k's values of this batch, [rows, ...shape]. */
  prediction(k: number): Tensor {
    const shapes = this.plan.outputShapes;
    const offset = shapes.slice(0, k).reduce((a, s) => a + s.reduce((p, q) => p * q, 1), 0);
    const size = shapes[k].reduce((p, q) => p * q, 1);
    const v = new Float32Array(this.rows * size);
    for (let i = 0; i < this.rows; i++) v.set(this.out.subarray(i * this.outSize + offset, i * this.outSize + offset + size), i * size);
    return tensor(v, [this.rows, ...shapes[k]]);
  }

  /** Output k's targets of this batch: labels [rows] or [rows, ...y's per-sample shape]. */
  truth(head: Head): Tensor {
    const v = new Float32Array(this.rows * head.width);
    const src = head.column >= 0 ? this.labels! : this.targets!;
    const stride = head.column >= 0 ? this.labelWidth : this.targetWidth;
    const at = head.column >= 0 ? head.column : head.offset;
    for (let i = 0; i < this.rows; i++) v.set(src.subarray(i * stride + at, i * stride + at + head.width), i * head.width);
    return tensor(v, [this.rows, ...head.shape]);
  }

  weights(): Tensor | null {
    return this.w ? tensor(this.w.slice(0, this.rows), [this.rows]) : null;
  }
}

/**
 * The batch's total loss (tensor) and, into `reports` from `at`, every
 * output's metrics then (several outputs) each output's own loss times the
 * batch size, as native chunks report them.
 */
function batchTotal(fn: string, plan: TapePlan, b: BatchRows, heads: Head[], preds: Tensor[], reports: Float64Array, at: number): Tensor {
  const w = b.weights();
  const truths = preds.map((_, k) => b.truth(heads[k]));
  let total: Tensor | null = null;
  const own: number[] = [];
  preds.forEach((p, k) => {
    const l = batchLoss(fn, plan.losses[k], truths[k], p, w);
    own.push(l.dataSync()[0] * b.rows);
    const weighted = plan.weights[k] === 1 ? l : mul(l, scalar(plan.weights[k]));
    total = total === null ? weighted : add(total, weighted);
  });
  let r = at;
  preds.forEach((p, k) => {
    metricSums(fn, plan.metrics[k], truths[k], p, reports, r);
    r += plan.metrics[k].length;
  });
  if (plan.outputLosses) own.forEach((v, k) => (reports[r + k] = v));
  return total!;
}

/** Reports per batch: every output's metrics, then (several outputs) each output's loss. */
function reportCount(plan: TapePlan): number {
  return plan.metrics.reduce((a, m) => a + m.length, 0) + (plan.outputLosses ? plan.losses.length : 0);
}

/**
 * @internal Trains batches [first, first + count) of `order` one native step
 * each, the loss and metrics on the tape; the same result as a native chunk.
 */
export function tapeChunk(fn: string, nm: NativeModel, plan: TapePlan, d: LabelledData, order: Int32Array, batchSize: number,
  first: number, count: number): NativeChunkResult {
  const n = d.x.n;
  const m = reportCount(plan);
  const res: NativeChunkResult = {
    batches: 0, nonFinite: false, cancelled: false,
    loss: new Float32Array(count), metricSums: new Float64Array(count * m), sizes: new Int32Array(count),
  };
  const b = new BatchRows(d, plan, batchSize);
  const heads = headsOf(d);
  const dOut = new Float32Array(b.capacity * b.outSize);
  for (let k = 0; k < count; k++) {
    const lo = (first + k) * batchSize;
    const hi = Math.min(n, lo + batchSize);
    b.load(order, lo, hi);
    const rows = b.rows;
    nm.tapeForward(b.x.subarray(0, rows * b.row), rows, b.out.subarray(0, rows * b.outSize));
    const loss = tidy(() => {
      const preds = plan.outputShapes.map((_, j) => b.prediction(j));
      const { value, grads } = valueAndGrads((...ps: Tensor[]) => batchTotal(fn, plan, b, heads, ps, res.metricSums, k * m))(preds);
      // dLoss/d(outputs), packed per sample as the outputs are.
      let offset = 0;
      grads.forEach((g, j) => {
        const size = g.size / rows;
        const v = g.dataSync();
        for (let i = 0; i < rows; i++) dOut.set(v.subarray(i * size, (i + 1) * size), i * b.outSize + offset);
        offset += size;
      });
      return value.dataSync()[0];
    });
    const r = nm.tapeStep(dOut.subarray(0, rows * b.outSize), rows, loss);
    res.loss[k] = r.loss;
    res.sizes[k] = rows;
    res.batches = k + 1;
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
  const m = reportCount(plan);
  const sums = new Float64Array(m);
  const part = new Float64Array(m);
  const b = new BatchRows(d, plan, batchSize);
  const heads = headsOf(d);
  let lossSum = 0;
  for (let lo = 0; lo < n; lo += batchSize) {
    b.load(null, lo, Math.min(n, lo + batchSize));
    nm.predict(b.x.subarray(0, b.rows * b.row), b.rows, b.rows, b.out.subarray(0, b.rows * b.outSize));
    tidy(() => {
      const preds = plan.outputShapes.map((_, j) => b.prediction(j));
      lossSum += batchTotal(fn, plan, b, heads, preds, part, 0).dataSync()[0] * b.rows;
      for (let k = 0; k < m; k++) sums[k] += part[k];
    });
  }
  return { lossSum: lossSum + nm.regularizationPenalty() * n, samples: n, metricSums: sums };
}
