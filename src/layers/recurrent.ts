// What LSTM, GRU and SimpleRNN share (Keras's RNN wrapper and its cells,
// folded into one layer each): the options, the [time, features] input
// check, the weights in Keras's layout and the config keys. Each runs as one
// native layer (native/layers/lstm.cc, gru.cc, simple_rnn.cc).
import { ActivationIdentifier, CanonicalActivation, ACTIVATION_CODE, resolveActivation } from '../activations';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions, rangeError, show, typeError } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer } from '../initializers';
import { Random } from '../random';
import { LayerConfig, baseArgs, deserializeActivation, deserializeInitializer, optional, serializeActivation, serializeInitializer } from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape } from './layer';
import { LayerOutput, SymbolicTensor, applyLayer } from './symbolic_tensor';

/** Options of a recurrent layer's `apply`. */
export interface RecurrentApplyOptions {
  /**
   * The state the recurrence starts from instead of zeros (Keras's
   * initial_state): symbolic tensors [batch, units], h (LSTM: h then c).
   * Training sends their gradients back to the layers that made them.
   */
  initialState?: SymbolicTensor | SymbolicTensor[];
}

/** Options every recurrent layer takes. */
export interface RecurrentArgs extends LayerArgs {
  /** Size of the state (and of each step's output). Required. */
  units: number;
  /** Activation of the candidate state and the output (default 'tanh'). */
  activation?: ActivationIdentifier;
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Initializer of the input kernel (default 'glorotUniform'). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Initializer of the recurrent kernel (default 'orthogonal'). */
  recurrentInitializer?: InitializerIdentifier | Initializer;
  /** Initializer of the bias (default 'zeros'). */
  biasInitializer?: InitializerIdentifier | Initializer;
  /** Output the state after every step, [batch, time, units], instead of the last one, [batch, units] (default false). */
  returnSequences?: boolean;
  /**
   * Also return the final state (default false), as Keras: `apply` then
   * returns `[output, h]` (LSTM: `[output, h, c]`), the states [batch, units]
   * each, to feed other layers (a Dense, or a decoder's `initialState`);
   * training sends their gradients back through time. Under a mask the final
   * state is each sample's state at its last unmasked step. Functional models
   * only: Sequential refuses it, as Keras does (one output per layer).
   */
  returnState?: boolean;
  /** Read the sequence from its last step to its first; the output sequence is then in that order too, as in Keras (default false). */
  goBackwards?: boolean;
  /**
   * Fraction of the input features to drop in training, in [0, 1): one mask
   * per sample, drawn once per batch and shared by every step (Keras's
   * dropout; default 0). Inference drops nothing.
   */
  dropout?: number;
  /** Fraction of the state to drop where it enters the recurrent products in training, in [0, 1): one mask per sample and batch, as dropout (default 0). */
  recurrentDropout?: number;
  /** Seed of the dropout masks (default: the fit seed / global generator, as the Dropout layer). */
  seed?: number;
}

/** Option names every recurrent layer reads. */
export const RECURRENT_OPTIONS = ['units', 'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer',
  'returnSequences', 'returnState', 'goBackwards', 'dropout', 'recurrentDropout', 'seed'] as const;

/** A dropout rate option: in [0, 1), 0 when absent. */
function dropoutRate(fn: string, name: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  const r = checkNumber(fn, name, v, 0, 1);
  if (r >= 1) throw rangeError(fn, `${name} must be < 1, got ${r}`);
  return r;
}

/** The activations the native recurrent layers accept (their derivatives follow from their outputs). */
const SUPPORTED: readonly CanonicalActivation[] = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear', 'softsign'];

/** @internal Resolves a recurrent layer's activation option. */
export function recurrentActivation(fn: string, what: string, v: unknown, fallback: CanonicalActivation): CanonicalActivation {
  const a = v === undefined || v === null ? fallback : resolveActivation(fn, v);
  if (!SUPPORTED.includes(a)) throw rangeError(fn, `${what} '${a}' is not supported by recurrent layers (${SUPPORTED.join(', ')})`);
  return a;
}

/**
 * @internal An initializer for a vector of gate biases where one gate
 * (Keras's unit_forget_bias: the LSTM's forget gate) starts at 1 and the rest
 * from `base`.
 */
class ForgetGateOnes implements Initializer {
  readonly className: string;
  constructor(private base: Initializer, private units: number) {
    this.className = base.className;
    Object.freeze(this);
  }
  getConfig() {
    return this.base.getConfig();
  }
  fill(out: Float32Array, shape: number[], rng: Random): void {
    const u = this.units;
    // Keras: concat(init([u]), ones([u]), init([2u])).
    this.base.fill(out.subarray(0, u), [u], rng);
    out.subarray(u, 2 * u).fill(1);
    this.base.fill(out.subarray(2 * u, 4 * u), [2 * u], rng);
  }
}

/** The base of LSTM, GRU and SimpleRNN. */
export abstract class RecurrentLayer extends Layer {
  readonly units: number;
  readonly activation: CanonicalActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly returnSequences: boolean;
  /** Whether `apply` returns the final states after the output ({@link RecurrentArgs.returnState}). */
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed?: number;

  /** How many gates the layer computes per unit (LSTM 4, GRU 3, SimpleRNN 1). */
  protected abstract readonly gates: number;
  /** The native layer name (native.enums.layer key). */
  protected abstract readonly nativeKind: number;

  /** @internal `fn` is the factory's name; `args` the snapshot layerOptions made. */
  protected constructor(fn: string, className: string, args: RecurrentArgs) {
    super(fn, className, args);
    if (args.units === undefined) throw typeError(fn, 'units is required (the size of the state)');
    this.units = checkInt(fn, 'units', args.units, 1, 1 << 20);
    this.activation = recurrentActivation(fn, 'activation', args.activation, 'tanh');
    this.useBias = args.useBias === undefined ? true : checkBool(fn, 'useBias', args.useBias);
    this.kernelInitializer = getInitializer(fn, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.recurrentInitializer = getInitializer(fn, 'recurrentInitializer', args.recurrentInitializer, 'orthogonal');
    this.biasInitializer = getInitializer(fn, 'biasInitializer', args.biasInitializer, 'zeros');
    this.returnSequences = args.returnSequences === undefined ? false : checkBool(fn, 'returnSequences', args.returnSequences);
    this.returnState = args.returnState === undefined ? false : checkBool(fn, 'returnState', args.returnState);
    this.goBackwards = args.goBackwards === undefined ? false : checkBool(fn, 'goBackwards', args.goBackwards);
    this.dropout = dropoutRate(fn, 'dropout', args.dropout);
    this.recurrentDropout = dropoutRate(fn, 'recurrentDropout', args.recurrentDropout);
    if (args.seed !== undefined) this.seed = checkInt(fn, 'seed', args.seed, 0);
  }

  /** @internal The factory name errors carry. */
  protected abstract get fn(): string;

  /** @internal How many tensors a state has (LSTM: h and c). */
  get stateCount(): number {
    return 1;
  }

  /**
   * Applies the layer to a symbolic sequence [batch, time, features], for
   * `tf.model`; `options.initialState` starts the recurrence from the given
   * state. As in Keras, `apply([sequence, ...initialState])` is the same.
   * With `returnState` it returns `[output, h]` (LSTM: `[output, h, c]`).
   */
  override apply<L extends Layer>(this: L & RecurrentLayer, inputs: SymbolicTensor | SymbolicTensor[], options?: RecurrentApplyOptions): LayerOutput<L> {
    const fn = 'apply';
    if (options === undefined) return applyLayer(this, inputs) as LayerOutput<L>;
    const a = checkOptions(fn, options, ['initialState'] as const);
    if (a.initialState === undefined || a.initialState === null) return applyLayer(this, inputs) as LayerOutput<L>;
    if (Array.isArray(inputs)) throw typeError(fn, `layer '${this.name}': give the sequence alone (not an array) with initialState`);
    const states = Array.isArray(a.initialState) ? [...checkArray(fn, 'initialState', a.initialState)] : [a.initialState];
    if (states.length !== this.stateCount) {
      throw rangeError(fn, `layer '${this.name}' (${this.className}) takes an initialState of ${this.stateCount === 1 ? 'one tensor (h)' : `${this.stateCount} tensors (h, c)`}, got ${states.length}`);
    }
    return applyLayer(this, [inputs, ...(states as SymbolicTensor[])]) as LayerOutput<L>;
  }

  /** @internal The sequence's shape of [sequence, ...initialState] shapes, the states' checked against [units]. */
  #sequenceOf(fn: string, inputShapes: number[][]): number[] {
    const list = checkArray(fn, 'inputShapes', inputShapes, 'an array of input shapes');
    if (list.length !== 1 && list.length !== 1 + this.stateCount) {
      throw typeError(fn, `layer '${this.name}' (${this.className}) takes a sequence and optionally its initial state (${this.stateCount === 1 ? 'h' : 'h, c'}), got ${list.length} inputs`);
    }
    for (let k = 1; k < list.length; k++) {
      const shape = checkInputShape(this.fn, list[k], `initialState[${k - 1}]`);
      if (shape.length !== 1 || shape[0] !== this.units) {
        throw rangeError(this.fn, `layer '${this.name}' (${this.className}): initialState[${k - 1}] has per-sample shape ${show(shape)}, but the layer's state has shape ${show([this.units])}`);
      }
    }
    return list[0] as number[];
  }

  /** @internal */
  override outputShapeFor(inputShapes: number[][]): number[] {
    return this.computeOutputShape(this.#sequenceOf('computeOutputShape', inputShapes));
  }

  /** @internal The output's shape, then with returnState each state's ([units]). */
  override outputShapesFor(inputShapes: number[][]): number[][] {
    const out = this.outputShapeFor(inputShapes);
    return this.returnState ? [out, ...Array.from({ length: this.stateCount }, () => [this.units])] : [out];
  }

  /** @internal */
  override nativeSpecFor(inputShapes: number[][]): NativeLayerSpec | null {
    return this.toNative(this.#sequenceOf('toNative', inputShapes));
  }

  /** @internal */
  override weightSpecsFor(inputShapes: number[][]): WeightSpec[] {
    return this.weightSpecs(this.#sequenceOf('weightSpecs', inputShapes));
  }

  /** @internal [time, features] of a per-sample input shape, or a RangeError naming the layer. */
  protected sequenceShape(inputShape: unknown): [number, number] {
    const shape = checkInputShape(this.fn, inputShape);
    if (shape.length !== 2) {
      throw rangeError(this.fn, `layer '${this.name}' takes sequences [batch, time, features], got per-sample shape ${show(shape)}${shape.length === 1 ? '; a [batch, features] input has no time axis (tf.layers.reshape can give it one)' : ''}`);
    }
    if (shape[0] * this.gates * this.units > 2 ** 31 || shape[1] * this.gates * this.units > 2 ** 31) {
      throw rangeError(this.fn, `layer '${this.name}': a sequence of per-sample shape ${show(shape)} with ${this.units} units is too large`);
    }
    return shape as [number, number];
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const [time] = this.sequenceShape(inputShape);
    return this.returnSequences ? [time, this.units] : [this.units];
  }

  /** @internal The options every recurrent native layer reads; subclasses add their own. */
  protected nativeSpec(inputShape: number[]): NativeLayerSpec & Record<string, unknown> {
    this.sequenceShape(inputShape);
    return {
      kind: this.nativeKind, units: this.units, activation: ACTIVATION_CODE[this.activation], useBias: this.useBias,
      returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards,
      dropout: this.dropout, recurrentDropout: this.recurrentDropout, seed: this.seed ?? -1,
    };
  }

  /** @internal The bias's shape and initializer (GRU's reset-after bias is [2, 3u]; LSTM's may start its forget gate at 1). */
  protected biasSpec(): { shape: number[]; initializer: Initializer } {
    return { shape: [this.gates * this.units], initializer: this.biasInitializer };
  }

  /** @internal kernel [features, gates * units], recurrent_kernel [units, gates * units], bias: Keras's layout. */
  override weightSpecs(inputShape: number[]): WeightSpec[] {
    const [, features] = this.sequenceShape(inputShape);
    const g = this.gates * this.units;
    const w: WeightSpec[] = [
      { name: 'kernel', shape: [features, g], initializer: this.kernelInitializer, trainable: true },
      { name: 'recurrent_kernel', shape: [this.units, g], initializer: this.recurrentInitializer, trainable: true },
    ];
    if (this.useBias) w.push({ name: 'bias', ...this.biasSpec(), trainable: true });
    return w;
  }

  /** @internal The bias initializer with LSTM's forget gate at one. */
  protected forgetGateOnes(): Initializer {
    return new ForgetGateOnes(this.biasInitializer, this.units);
  }

  /** Keras's config keys shared by the recurrent layers (those it has no use for written as Keras's defaults). */
  override getConfig(): LayerConfig {
    return {
      units: this.units, activation: serializeActivation(this.activation), useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer), recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: null, recurrentRegularizer: null, biasRegularizer: null, activityRegularizer: null,
      kernelConstraint: null, recurrentConstraint: null, biasConstraint: null,
      dropout: this.dropout, recurrentDropout: this.recurrentDropout, seed: this.seed ?? null,
      returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards, stateful: false, unroll: false,
      ...super.getConfig(),
    };
  }
}

/**
 * @internal The shared options of a saved recurrent layer (Keras or
 * TensorFlow.js config, camelCase keys). What tensorforge does not run yet
 * (stateful) is refused by name rather than ignored: the loaded model would
 * compute something else. A seed other than a non-negative
 * integer (Keras allows any Python integer) is read as none.
 */
export function recurrentArgsFromConfig(fn: string, c: LayerConfig): RecurrentArgs {
  if (optional(c, 'stateful') === true) throw rangeError(fn, 'stateful is not supported yet');
  const seed = optional(c, 'seed');
  return {
    ...baseArgs(fn, c), units: optional(c, 'units') as number, activation: deserializeActivation(fn, optional(c, 'activation') ?? 'tanh') as ActivationIdentifier,
    useBias: optional(c, 'useBias') as boolean | undefined,
    kernelInitializer: deserializeInitializer(optional(c, 'kernelInitializer'), 'glorotUniform'),
    recurrentInitializer: deserializeInitializer(optional(c, 'recurrentInitializer'), 'orthogonal'),
    biasInitializer: deserializeInitializer(optional(c, 'biasInitializer'), 'zeros'),
    returnSequences: optional(c, 'returnSequences') as boolean | undefined, returnState: optional(c, 'returnState') as boolean | undefined, goBackwards: optional(c, 'goBackwards') as boolean | undefined,
    dropout: optional(c, 'dropout') as number | undefined, recurrentDropout: optional(c, 'recurrentDropout') as number | undefined,
    seed: Number.isInteger(seed) && (seed as number) >= 0 ? (seed as number) : undefined,
  };
}
