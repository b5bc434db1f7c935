// RepeatVector: n copies of each sample's features (native/layers/repeat_vector.cc).
import { checkInt, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['n'] as const;

/** Options of {@link repeatVector}. */
export interface RepeatVectorArgs extends LayerArgs {
  /** How many copies. Required. */
  n: number;
}

/** Repeats each sample's features n times: [batch, features] -> [batch, n, features]. */
export class RepeatVector extends Layer {
  /** The Keras class name. */
  static readonly className = 'RepeatVector';
  override readonly className = RepeatVector.className;
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    const fn = 'repeatVector';
    const a = layerOptions(fn, args, OPTIONS, true) as RepeatVectorArgs;
    super(fn, 'RepeatVector', a);
    if (a.n === undefined) throw typeError(fn, 'n is required (how many copies)');
    this.n = checkInt(fn, 'n', a.n, 1, 2 ** 31);
    this.lockConfig();
  }

  /** A RepeatVector layer from its {@link RepeatVector.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): RepeatVector {
    const fn = 'RepeatVector.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new RepeatVector({ ...baseArgs(fn, c), n: optional(c, 'n') } as RepeatVectorArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const shape = checkInputShape('computeOutputShape', inputShape);
    if (shape.length !== 1) throw rangeError('repeatVector', `layer '${this.name}' takes flat features [batch, features], got per-sample shape ${show(shape)}`);
    if (shape[0] * this.n > 2 ** 31) throw rangeError('repeatVector', `layer '${this.name}': ${this.n} copies of ${shape[0]} features are too many`);
    return [this.n, shape[0]];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    return { kind: native.enums.layer.repeatVector, n: this.n };
  }

  override getConfig(): LayerConfig {
    return { n: this.n, ...super.getConfig() };
  }
}

registerLayer(RepeatVector);
