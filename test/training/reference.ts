// Float64 oracles for the training-engine tests: a seeded generator, Keras 3's
// activation, loss and optimizer formulas transcribed from keras/src (backend
// numpy nn.py, losses/losses.py, optimizers/*.py, schedules), a reference
// forward pass for small Sequential stacks, and a central-difference gradient
// check that drives the model itself through setWeights + computeGradients.
import { expect } from 'vitest';
import * as tf from '../../src/index';

export const f32 = Math.fround;

/** mulberry32: a small seeded generator, so every test's data is fixed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi), rounded to float32 so the native side sees exactly this value. */
  range(lo: number, hi: number): number {
    return f32(lo + (hi - lo) * this.uniform());
  }
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** float32 values in [lo, hi) with |v| >= minAbs (keeps l1 / relu kinks away). */
  array(n: number, lo: number, hi: number, minAbs = 0): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = this.range(lo, hi);
      while (Math.abs(v) < minAbs);
      a[i] = v;
    }
    return a;
  }
}

// ------------------------------------------------------------------ activations

export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** Float64 erf by its Taylor series (all terms positive after the e^{-x²} factor), ~1e-15. */
export function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 300; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export type ActName =
  | 'linear' | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'sigmoid' | 'hardSigmoid' | 'tanh'
  | 'softplus' | 'softsign' | 'gelu' | 'gelu_new' | 'silu' | 'softmax';

export const ALL_ACTIVATIONS: ActName[] = [
  'linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh',
  'softplus', 'softsign', 'gelu', 'gelu_new', 'silu', 'softmax',
];

/** Where each activation's derivative jumps; gradient checks keep pre-activations away from these. */
export const KINKS: Partial<Record<ActName, number[]>> = {
  relu: [0], relu6: [0, 6], leakyRelu: [0], elu: [0], selu: [0], hardSigmoid: [-3, 3],
};

/** Keras 3 activation of one row (softmax needs the whole row). alpha: leakyRelu slope / elu alpha. */
export function activateRow(name: ActName, z: readonly number[], alpha = name === 'leakyRelu' ? 0.2 : 1): number[] {
  if (name === 'softmax') {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  }
  return z.map((x) => {
    switch (name) {
      case 'linear': return x;
      case 'relu': return Math.max(x, 0);
      case 'relu6': return Math.min(Math.max(x, 0), 6);
      case 'leakyRelu': return x > 0 ? x : alpha * x;
      case 'elu': return x > 0 ? x : alpha * Math.expm1(x);
      case 'selu': return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
      case 'sigmoid': return sigmoid(x);
      case 'hardSigmoid': return Math.min(Math.max(x / 6 + 0.5, 0), 1);
      case 'tanh': return Math.tanh(x);
      case 'softplus': return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
      case 'softsign': return x / (1 + Math.abs(x));
      case 'gelu': return 0.5 * x * (1 + erf(x / Math.SQRT2));
      case 'gelu_new': return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      case 'silu': return x * sigmoid(x);
    }
    throw new Error(`unknown activation ${name}`);
  });
}

// ------------------------------------------------------------ reference forward

export type RefLayer =
  | { kind: 'dense'; kernel: ArrayLike<number>; bias: ArrayLike<number> | null; units: number; act: ActName; alpha?: number }
  | { kind: 'activation'; act: ActName; alpha?: number }
  | { kind: 'batchNorm'; gamma: ArrayLike<number> | null; beta: ArrayLike<number> | null; epsilon: number }
  | { kind: 'layerNorm'; gamma: ArrayLike<number> | null; beta: ArrayLike<number> | null; epsilon: number };

export type Matrix = number[][];

export function toMatrix(values: ArrayLike<number>, rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => values[r * cols + c]));
}

/**
 * Float64 forward pass in training mode (batch statistics for BatchNorm).
 * Returns every layer's output and the pre-activations of Dense/Activation layers.
 */
export function forwardRef(layers: RefLayer[], x: Matrix): { outputs: Matrix[]; pre: (Matrix | null)[] } {
  const outputs: Matrix[] = [];
  const pre: (Matrix | null)[] = [];
  let h = x;
  for (const l of layers) {
    const inDim = h[0].length;
    switch (l.kind) {
      case 'dense': {
        const z = h.map((row) => Array.from({ length: l.units }, (_, j) => {
          let s = l.bias ? l.bias[j] : 0;
          for (let i = 0; i < inDim; i++) s += row[i] * l.kernel[i * l.units + j];
          return s;
        }));
        pre.push(z);
        h = z.map((r) => activateRow(l.act, r, l.alpha));
        break;
      }
      case 'activation':
        pre.push(h);
        h = h.map((r) => activateRow(l.act, r, l.alpha));
        break;
      case 'batchNorm': {
        pre.push(null);
        const B = h.length;
        const mean = Array.from({ length: inDim }, (_, f) => h.reduce((a, r) => a + r[f], 0) / B);
        const vari = Array.from({ length: inDim }, (_, f) => h.reduce((a, r) => a + (r[f] - mean[f]) ** 2, 0) / B);
        h = h.map((r) => r.map((v, f) => {
          const xh = (v - mean[f]) / Math.sqrt(vari[f] + l.epsilon);
          return (l.gamma ? l.gamma[f] : 1) * xh + (l.beta ? l.beta[f] : 0);
        }));
        break;
      }
      case 'layerNorm': {
        pre.push(null);
        h = h.map((r) => {
          const mean = r.reduce((a, b) => a + b, 0) / inDim;
          const vari = r.reduce((a, b) => a + (b - mean) ** 2, 0) / inDim;
          return r.map((v, f) => (l.gamma ? l.gamma[f] : 1) * ((v - mean) / Math.sqrt(vari + l.epsilon)) + (l.beta ? l.beta[f] : 0));
        });
        break;
      }
    }
    outputs.push(h);
  }
  return { outputs, pre };
}

/** Smallest distance of any pre-activation of an activation with kinks to one of its kinks. */
export function kinkMargin(layers: RefLayer[], x: Matrix): number {
  const { pre } = forwardRef(layers, x);
  let margin = Infinity;
  layers.forEach((l, i) => {
    if (l.kind !== 'dense' && l.kind !== 'activation') return;
    for (const k of KINKS[l.act] ?? []) for (const row of pre[i]!) for (const v of row) margin = Math.min(margin, Math.abs(v - k));
  });
  return margin;
}

// ----------------------------------------------------------------------- losses

/** Keras backend epsilon: probabilities are clipped to [EPS, 1 - EPS]. */
export const EPS = 1e-7;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError' | 'huber';

/**
 * Keras 3's loss of one sample (keras/src/backend/numpy/nn.py and losses/losses.py):
 * cross-entropies normalise the probability row and clip it to [1e-7, 1 - 1e-7]
 * (or use log-softmax / the stable sigmoid form on logits); element-wise
 * losses are averaged over the last axis.
 */
export function sampleLoss(name: LossName, yTrue: readonly number[] | number, yPred: readonly number[], opts: { fromLogits?: boolean; delta?: number } = {}): number {
  const D = yPred.length;
  switch (name) {
    case 'sparseCategoricalCrossentropy':
    case 'categoricalCrossentropy': {
      const t = typeof yTrue === 'number' ? yPred.map((_, c) => (c === yTrue ? 1 : 0)) : yTrue;
      let logp: number[];
      if (opts.fromLogits) {
        const m = Math.max(...yPred);
        const lse = m + Math.log(yPred.reduce((a, v) => a + Math.exp(v - m), 0));
        logp = yPred.map((v) => v - lse);
      } else {
        const s = yPred.reduce((a, b) => a + b, 0);
        logp = yPred.map((v) => Math.log(clip(v / s)));
      }
      return -t.reduce((a, y, c) => a + y * logp[c], 0);
    }
    case 'binaryCrossentropy': {
      const t = yTrue as readonly number[];
      let l = 0;
      for (let c = 0; c < D; c++) {
        if (opts.fromLogits) {
          const z = yPred[c];
          l += Math.max(z, 0) - z * t[c] + Math.log1p(Math.exp(-Math.abs(z)));
        } else {
          const p = clip(yPred[c]);
          l -= t[c] * Math.log(p) + (1 - t[c]) * Math.log(1 - p);
        }
      }
      return l / D;
    }
    case 'meanSquaredError':
      return yPred.reduce((a, p, c) => a + (p - (yTrue as readonly number[])[c]) ** 2, 0) / D;
    case 'meanAbsoluteError':
      return yPred.reduce((a, p, c) => a + Math.abs(p - (yTrue as readonly number[])[c]), 0) / D;
    case 'huber': {
      const d = opts.delta ?? 1;
      return yPred.reduce((a, p, c) => {
        const e = Math.abs(p - (yTrue as readonly number[])[c]);
        return a + (e <= d ? 0.5 * e * e : d * e - 0.5 * d * d);
      }, 0) / D;
    }
  }
}

/** "sum over batch size" reduction: the mean of the per-sample losses. */
export function batchLoss(name: LossName, yTrue: (readonly number[] | number)[], yPred: Matrix, opts: { fromLogits?: boolean; delta?: number } = {}): number {
  return yPred.reduce((a, row, r) => a + sampleLoss(name, yTrue[r], row, opts), 0) / yPred.length;
}

// ---------------------------------------------------------------- gradient check

export interface GradCheck {
  loss: number;
  analytic: Float32Array;
  numeric: Float64Array;
  /** Names `layer/weight[i]` of each flat gradient entry, for messages. */
  labels: string[];
}

/**
 * Central differences of the model's own training-mode loss: each trainable
 * scalar is moved by ±eps with setWeights and the loss is read back from
 * computeGradients. The actual step is (w+eps)_f32 - (w-eps)_f32.
 */
export function finiteDifferences(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, eps: number): GradCheck {
  const specs = model.weightSpecs();
  const base = model.getWeights().map((w) => Float32Array.from(w.values as Float32Array));
  const shapes = specs.map((s) => s.shape);
  const { loss, grads } = model.computeGradients(x, y);
  const numeric = new Float64Array(grads.length);
  const labels: string[] = [];
  const lossWith = (k: number, j: number, v: number) => {
    const ws = base.map((b, i) => {
      const c = Float32Array.from(b);
      if (i === k) c[j] = v;
      return tf.tensor(c, shapes[i]);
    });
    model.setWeights(ws);
    return model.computeGradients(x, y).loss;
  };
  let offset = 0;
  specs.forEach((s, k) => {
    if (!s.trainable) return;
    for (let j = 0; j < base[k].length; j++) {
      const w = base[k][j];
      const plus = f32(w + eps);
      const minus = f32(w - eps);
      numeric[offset + j] = (lossWith(k, j, plus) - lossWith(k, j, minus)) / (plus - minus);
      labels.push(`${s.name}[${j}]`);
    }
    offset += base[k].length;
  });
  model.setWeights(base.map((b, i) => tf.tensor(b, shapes[i])));
  expect(offset).toBe(grads.length);
  return { loss, analytic: grads, numeric, labels };
}

/**
 * Asserts |analytic - numeric| <= atol + rtol * |numeric| for every entry and
 * that the check is not vacuous (some gradient is clearly non-zero).
 */
export function expectGradientsMatch(g: GradCheck, rtol: number, atol: number): void {
  let worst = 0;
  let worstAt = -1;
  let biggest = 0;
  for (let i = 0; i < g.numeric.length; i++) {
    const excess = Math.abs(g.analytic[i] - g.numeric[i]) - (atol + rtol * Math.abs(g.numeric[i]));
    if (worstAt < 0 || excess > worst) {
      worst = excess;
      worstAt = i;
    }
    biggest = Math.max(biggest, Math.abs(g.numeric[i]));
  }
  if (worst > 0) {
    expect.fail(`gradient of ${g.labels[worstAt]}: analytic ${g.analytic[worstAt]}, central difference ${g.numeric[worstAt]} (rtol ${rtol}, atol ${atol})`);
  }
  expect(biggest, 'largest gradient entry').toBeGreaterThan(1e-2);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`${label}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

// ------------------------------------------------------------------- optimizers

export interface ScheduleRef {
  (step: number): number;
}

/** Keras 3 ExponentialDecay: initial * rate^(step / decaySteps), floored when staircase. */
export const exponentialDecayRef = (initial: number, decaySteps: number, rate: number, staircase = false): ScheduleRef =>
  (s) => initial * rate ** (staircase ? Math.floor(s / decaySteps) : s / decaySteps);

/** Keras 3 CosineDecay with optional linear warm-up (warmupTarget null = none). */
export const cosineDecayRef = (initial: number, decaySteps: number, alpha = 0, warmupTarget: number | null = null, warmupSteps = 0): ScheduleRef =>
  (step) => {
    const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / decaySteps))) + alpha);
    if (warmupTarget === null) return decay(Math.min(step, decaySteps), initial);
    const s = Math.min(step, decaySteps + warmupSteps);
    if (s < warmupSteps) return (warmupTarget - initial) * (s / warmupSteps) + initial;
    return decay(s - warmupSteps, warmupTarget);
  };

/** Keras 3 PiecewiseConstantDecay: values[0] while step <= boundaries[0], ..., values[-1] after the last. */
export const piecewiseConstantRef = (boundaries: number[], values: number[]): ScheduleRef =>
  (s) => {
    let i = 0;
    while (i < boundaries.length && s > boundaries[i]) i++;
    return values[i];
  };

export interface OptRefConfig {
  kind: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax' | 'nadam';
  lr: number | ScheduleRef;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
  rho?: number;
  centered?: boolean;
  initialAccumulatorValue?: number;
  weightDecay?: number;
  clipNorm?: number;
  clipValue?: number;
  globalClipNorm?: number;
}

/**
 * A float64 transcription of Keras 3's optimizers (keras/src/optimizers/*.py),
 * including BaseOptimizer.apply: clip (clipnorm per variable, else
 * global_clipnorm, else clipvalue — only one applies), then decoupled weight
 * decay w -= w * wd * lr, then update_step with lr = schedule(iterations), then
 * iterations += 1.
 */
export class ReferenceOptimizer {
  iterations = 0;
  private slots = new Map<string, Float64Array[]>();
  private uProduct = 1;

  constructor(private readonly c: OptRefConfig) {}

  private slot(name: string, vars: Float64Array[], init = 0): Float64Array[] {
    let s = this.slots.get(name);
    if (!s) {
      s = vars.map((v) => new Float64Array(v.length).fill(init));
      this.slots.set(name, s);
    }
    return s;
  }

  learningRate(): number {
    return typeof this.c.lr === 'number' ? this.c.lr : this.c.lr(this.iterations);
  }

  /** One step, updating vars (one Float64Array per variable) in place. */
  apply(vars: Float64Array[], gradsIn: Float64Array[]): void {
    const c = this.c;
    let grads = gradsIn.map((g) => Float64Array.from(g));
    const norm = (g: Float64Array) => Math.sqrt(g.reduce((a, v) => a + v * v, 0));
    if (c.clipNorm) {
      grads = grads.map((g) => {
        const n = norm(g);
        return n > c.clipNorm! ? g.map((v) => (v * c.clipNorm!) / n) : g;
      });
    } else if (c.globalClipNorm) {
      const n = Math.sqrt(grads.reduce((a, g) => a + norm(g) ** 2, 0));
      if (n > c.globalClipNorm) grads = grads.map((g) => g.map((v) => (v * c.globalClipNorm!) / n));
    } else if (c.clipValue) {
      grads = grads.map((g) => g.map((v) => Math.min(Math.max(v, -c.clipValue!), c.clipValue!)));
    }
    const lr = this.learningRate();
    const wd = c.weightDecay ?? (c.kind === 'adamw' ? 0.004 : 0);
    if (wd) for (const v of vars) for (let i = 0; i < v.length; i++) v[i] -= v[i] * wd * lr;

    const t = this.iterations + 1;
    const b1 = c.beta1 ?? 0.9;
    const b2 = c.beta2 ?? 0.999;
    const eps = c.epsilon ?? 1e-7;
    if (c.kind === 'nadam') this.uProduct *= b1 * (1 - 0.5 * 0.96 ** t);
    vars.forEach((w, k) => {
      const g = grads[k];
      switch (c.kind) {
        case 'sgd': {
          const mu = c.momentum ?? 0;
          if (mu === 0) {
            for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
          } else {
            const m = this.slot('momentum', vars)[k];
            for (let i = 0; i < w.length; i++) {
              m[i] = mu * m[i] - lr * g[i];
              w[i] += c.nesterov ? mu * m[i] - lr * g[i] : m[i];
            }
          }
          break;
        }
        case 'adam':
        case 'adamw': {
          const m = this.slot('m', vars)[k];
          const v = this.slot('v', vars)[k];
          const vh = this.slot('vhat', vars)[k];
          const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
          for (let i = 0; i < w.length; i++) {
            m[i] += (g[i] - m[i]) * (1 - b1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
            let vv = v[i];
            if (c.amsgrad) vv = vh[i] = Math.max(vh[i], v[i]);
            w[i] -= (m[i] * alpha) / (Math.sqrt(vv) + eps);
          }
          break;
        }
        case 'rmsprop': {
          const rho = c.rho ?? 0.9;
          const mu = c.momentum ?? 0;
          const vel = this.slot('velocity', vars)[k];
          const mom = this.slot('momentum', vars)[k];
          const avg = this.slot('average_gradient', vars)[k];
          for (let i = 0; i < w.length; i++) {
            vel[i] = rho * vel[i] + (1 - rho) * g[i] * g[i];
            let denom: number;
            if (c.centered) {
              avg[i] = rho * avg[i] + (1 - rho) * g[i];
              denom = vel[i] - avg[i] * avg[i] + eps;
            } else {
              denom = vel[i] + eps;
            }
            const inc = (lr * g[i]) / Math.sqrt(denom);
            if (mu > 0) {
              mom[i] = mu * mom[i] + inc;
              w[i] -= mom[i];
            } else {
              w[i] -= inc;
            }
          }
          break;
        }
        case 'adagrad': {
          const acc = this.slot('accumulator', vars, c.initialAccumulatorValue ?? 0.1)[k];
          for (let i = 0; i < w.length; i++) {
            acc[i] += g[i] * g[i];
            w[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
          }
          break;
        }
        case 'adadelta': {
          const rho = c.rho ?? 0.95;
          const ag = this.slot('accumulated_grad', vars)[k];
          const ad = this.slot('accumulated_delta_var', vars)[k];
          const rms = (x: number) => Math.sqrt(x + eps);
          for (let i = 0; i < w.length; i++) {
            ag[i] = rho * ag[i] + (1 - rho) * g[i] * g[i];
            const delta = -(rms(ad[i]) * g[i]) / rms(ag[i]);
            ad[i] = rho * ad[i] + (1 - rho) * delta * delta;
            w[i] += lr * delta;
          }
          break;
        }
        case 'adamax': {
          const m = this.slot('m', vars)[k];
          const u = this.slot('u', vars)[k];
          for (let i = 0; i < w.length; i++) {
            m[i] += (g[i] - m[i]) * (1 - b1);
            u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
            w[i] -= (lr * m[i]) / ((1 - b1 ** t) * (u[i] + eps));
          }
          break;
        }
        case 'nadam': {
          const m = this.slot('m', vars)[k];
          const v = this.slot('v', vars)[k];
          const ut = b1 * (1 - 0.5 * 0.96 ** t);
          const ut1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
          const up = this.uProduct;
          const up1 = up * ut1;
          for (let i = 0; i < w.length; i++) {
            m[i] += (g[i] - m[i]) * (1 - b1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
            const mhat = (ut1 * m[i]) / (1 - up1) + ((1 - ut) * g[i]) / (1 - up);
            const vhat = v[i] / (1 - b2 ** t);
            w[i] -= (mhat * lr) / (Math.sqrt(vhat) + eps);
          }
          break;
        }
      }
    });
    this.iterations++;
  }

  get nadamMomentumProduct(): number {
    return this.uProduct;
  }
}

// ------------------------------------------------------------- model building

/** A layer of a small test model, mirrored by a float64 RefLayer. */
export type LayerDesc =
  | { dense: number; act?: ActName; alpha?: number; useBias?: boolean; l1?: number; l2?: number }
  | { activation: ActName; alpha?: number }
  | { batchNorm: true; center?: boolean; scale?: boolean; epsilon?: number; momentum?: number }
  | { layerNorm: true; center?: boolean; scale?: boolean; epsilon?: number };

export interface Built {
  model: tf.Sequential;
  ref: RefLayer[];
}

/**
 * Builds a Sequential model from descriptions and gives it fixed random weights:
 * kernels in ±[0.05, 1) * kernelScale (|w| >= 0.05 keeps the l1 kink away), biases and
 * betas in [-0.5, 0.5), gammas in [0.5, 1.5). Returns the float64 mirror.
 */
export function buildModel(inDim: number, descs: LayerDesc[], rng: Rng, kernelScale = 1): Built {
  // No inputShape on the first layer: the model is built explicitly below.
  const layers = descs.map((d) => {
    if ('dense' in d) {
      const reg = d.l1 || d.l2 ? tf.regularizers.l1l2({ l1: d.l1 ?? 0, l2: d.l2 ?? 0 }) : undefined;
      return tf.layers.dense({ units: d.dense, activation: d.act, alpha: d.alpha, useBias: d.useBias, kernelRegularizer: reg });
    }
    if ('activation' in d) return tf.layers.activation({ activation: d.activation, alpha: d.alpha });
    if ('batchNorm' in d) return tf.layers.batchNormalization({ center: d.center, scale: d.scale, epsilon: d.epsilon, momentum: d.momentum });
    return tf.layers.layerNormalization({ center: d.center, scale: d.scale, epsilon: d.epsilon });
  });
  const model = tf.sequential({ layers });
  model.build([inDim]);
  const specs = model.weightSpecs();
  const values = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const name = s.name.split('/').pop();
    if (name === 'kernel') return rng.array(n, -kernelScale, kernelScale, 0.05 * kernelScale);
    if (name === 'gamma') return rng.array(n, 0.5, 1.5);
    if (name === 'moving_variance') return new Float32Array(n).fill(1);
    if (name === 'moving_mean') return new Float32Array(n);
    return rng.array(n, -0.5, 0.5);
  });
  model.setWeights(values.map((v, i) => tf.tensor(v, specs[i].shape)));
  let k = 0;
  const ref: RefLayer[] = descs.map((d) => {
    if ('dense' in d) {
      const kernel = values[k++];
      const bias = d.useBias === false ? null : values[k++];
      return { kind: 'dense', kernel, bias, units: d.dense, act: d.act ?? 'linear', alpha: d.alpha };
    }
    if ('activation' in d) return { kind: 'activation', act: d.activation, alpha: d.alpha };
    const gamma = d.scale === false ? null : values[k++];
    const beta = d.center === false ? null : values[k++];
    if ('batchNorm' in d) {
      k += 2;
      return { kind: 'batchNorm', gamma, beta, epsilon: d.epsilon ?? 1e-3 };
    }
    return { kind: 'layerNorm', gamma, beta, epsilon: d.epsilon ?? 1e-3 };
  });
  expect(k).toBe(values.length);
  return { model, ref };
}
