// tf.pruning.lowMagnitude: magnitude pruning during fit (issue 20), as
// TensorFlow Model Optimization's prune_low_magnitude with its
// UpdatePruningStep callback. The callback only hands the schedule to the
// native trainer when training begins; the masks (an arena beside the
// parameters), their updates at scheduled steps and the zeroing after every
// optimizer update run in native code (native/magnitude_pruning.h), with no
// crossing into JavaScript per step.
import { Callback } from '../callbacks/callback';
import { checkInt, checkNumber, checkOneOf, checkOptions, rangeError, show, typeError } from '../errors';
import { LayersModel } from '../models/layers_model';

/** Options of {@link lowMagnitude}. */
export interface LowMagnitudeArgs {
  /** Fraction of each pruned kernel that ends up zero, in [0, 1). Required. */
  targetSparsity: number;
  /** Sparsity at beginStep for the polynomial schedule, in [0, 1) (default 0). */
  initialSparsity?: number;
  /** First optimizer update at which masks are computed (default 0). */
  beginStep?: number;
  /** Last update at which masks are recomputed. Required for 'polynomial'; for 'constant', default -1: no end. */
  endStep?: number;
  /** Masks are recomputed every `frequency` updates (default 100). */
  frequency?: number;
  /**
   * 'polynomial' (default): sparsity rises from initialSparsity to
   * targetSparsity as target + (initial - target)(1 - p)^power over
   * [beginStep, endStep] (TFMOT's PolynomialDecay); 'constant': targetSparsity
   * at every update from beginStep (ConstantSparsity).
   */
  schedule?: 'polynomial' | 'constant';
  /** Exponent of the polynomial schedule (default 3). */
  power?: number;
  /** Names of the layers whose kernels are pruned (default: every layer with a trainable kernel). */
  layers?: string[];
}

const OPTIONS = ['targetSparsity', 'initialSparsity', 'beginStep', 'endStep', 'frequency', 'schedule', 'power', 'layers'] as const;
const fn = 'pruning.lowMagnitude';

/** The callback {@link lowMagnitude} returns. */
export class LowMagnitudePruning extends Callback {
  readonly targetSparsity: number;
  readonly initialSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  readonly frequency: number;
  readonly schedule: 'polynomial' | 'constant';
  readonly power: number;
  readonly layers: string[] | null;

  constructor(args: LowMagnitudeArgs) {
    super();
    const o = checkOptions(fn, args, OPTIONS, true);
    if (o.targetSparsity === undefined) throw typeError(fn, 'targetSparsity is required (a number in [0, 1))');
    this.targetSparsity = checkNumber(fn, 'targetSparsity', o.targetSparsity, 0, 1);
    if (this.targetSparsity >= 1) throw rangeError(fn, `targetSparsity must be in [0, 1), got ${show(o.targetSparsity)}`);
    this.initialSparsity = checkNumber(fn, 'initialSparsity', o.initialSparsity ?? 0, 0, 1);
    if (this.initialSparsity >= 1) throw rangeError(fn, `initialSparsity must be in [0, 1), got ${show(o.initialSparsity)}`);
    this.schedule = checkOneOf(fn, 'schedule', o.schedule ?? 'polynomial', ['polynomial', 'constant'] as const);
    this.beginStep = checkInt(fn, 'beginStep', o.beginStep ?? 0, 0);
    if (this.schedule === 'polynomial' && o.endStep === undefined) throw typeError(fn, "endStep is required for the 'polynomial' schedule");
    this.endStep = checkInt(fn, 'endStep', o.endStep ?? -1, -1);
    if (this.endStep !== -1 && this.endStep < this.beginStep) throw rangeError(fn, `beginStep ${this.beginStep} is after endStep ${this.endStep}`);
    if (this.schedule === 'polynomial' && this.endStep === this.beginStep) throw rangeError(fn, `the polynomial schedule needs endStep > beginStep, got both ${this.beginStep}`);
    this.frequency = checkInt(fn, 'frequency', o.frequency ?? 100, 1);
    this.power = checkNumber(fn, 'power', o.power ?? 3, 0, Infinity, true);
    if (o.layers === undefined) this.layers = null;
    else {
      if (!Array.isArray(o.layers) || o.layers.some((n) => typeof n !== 'string')) throw typeError(fn, `layers must be an array of layer names, got ${show(o.layers)}`);
      this.layers = [...(o.layers as string[])];
    }
  }

  /** The sparsity the masks take after optimizer update `step`, or null when no mask update falls on it. */
  sparsityAt(step: number): number | null {
    if (step < this.beginStep || (this.endStep >= 0 && step > this.endStep) || (step - this.beginStep) % this.frequency !== 0) return null;
    if (this.schedule === 'constant') return this.targetSparsity;
    const p = Math.min(1, Math.max(0, (step - this.beginStep) / (this.endStep - this.beginStep)));
    return this.targetSparsity + (this.initialSparsity - this.targetSparsity) * (1 - p) ** this.power;
  }

  override onTrainBegin(): void {
    const model = this.model;
    if (!(model instanceof LayersModel)) throw typeError(fn, `the callback needs a tf.sequential or tf.model model, got ${show(model)}`);
    model.setPruning(fn, {
      schedule: this.schedule === 'polynomial' ? 0 : 1, initialSparsity: this.initialSparsity, targetSparsity: this.targetSparsity,
      beginStep: this.beginStep, endStep: this.endStep, frequency: this.frequency, power: this.power,
    }, this.layers);
  }
}

/**
 * A callback for `fit` that prunes the smallest-magnitude weights of the
 * model's kernels on a schedule (TensorFlow Model Optimization's
 * `prune_low_magnitude`). Steps count the optimizer's updates
 * (`model.getOptimizerState().iterations`). A pruned weight stays exactly
 * zero, and its optimizer slots stop moving, for the rest of this fit and of
 * later fits until {@link strip} or a new `compile`.
 *
 * ```ts
 * await model.fit(x, y, { epochs: 4, callbacks: [tf.pruning.lowMagnitude({ targetSparsity: 0.9, beginStep: 0, endStep: 5000, frequency: 100 })] });
 * tf.pruning.sparsity(model).kernels.sparsity;  // 0.9
 * ```
 */
export function lowMagnitude(args: LowMagnitudeArgs): LowMagnitudePruning {
  return new LowMagnitudePruning(args);
}

/**
 * Stops pruning a model (TensorFlow Model Optimization's `strip_pruning`):
 * the masks go, the weights keep their zeros, and later training may move
 * them again. Returns the model.
 */
export function strip<M extends LayersModel>(model: M): M {
  if (!(model instanceof LayersModel)) throw typeError('pruning.strip', `model must be a tf.sequential or tf.model model, got ${show(model)}`);
  if (model.built && model.compileConfig) model.setPruning('pruning.strip', null, null);
  return model;
}
