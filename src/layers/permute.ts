// Permute: reorders the axes of each sample (native/layers/permute.cc).
import { checkArray, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['dims'] as const;

/** Options of {@link permute}. */
export interface PermuteArgs extends LayerArgs {
  /**
   * The new order of the per-sample axes, numbered from 1 (the batch axis is
   * not permuted), as Keras: `[2, 1]` swaps the two axes of [batch, a, b].
   * Required.
   */
  dims: number[];
}

/** Reorders the axes of each sample: output axis i is input axis dims[i] (numbered from 1). */
export class Permute extends Layer {
  /** The Keras class name. */
  static readonly className = 'Permute';
  override readonly className = Permute.className;
  /** The axis order as given (numbered from 1). */
  readonly dims: readonly number[];

  constructor(args: PermuteArgs) {
    const fn = 'permute';
    const a = layerOptions(fn, args, OPTIONS, true) as PermuteArgs;
    super(fn, 'Permute', a);
    if (a.dims === undefined) throw typeError(fn, 'dims is required (the new order of the per-sample axes, numbered from 1)');
    const d = [...checkArray(fn, 'dims', a.dims, 'an array of axis numbers')];
    const isPermutation = d.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= d.length) && new Set(d).size === d.length;
    if (d.length === 0 || d.length > 7 || !isPermutation) {
      throw rangeError(fn, `dims must be a permutation of 1 .. n (n <= 7 per-sample axes, the batch axis excluded), got ${show(a.dims)}`);
    }
    this.dims = Object.freeze(d as number[]);
    this.lockConfig();
  }

  /** A Permute layer from its {@link Permute.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Permute {
    const fn = 'Permute.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Permute({ ...baseArgs(fn, c), dims: optional(c, 'dims') } as PermuteArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const shape = checkInputShape('computeOutputShape', inputShape);
    if (shape.length !== this.dims.length) {
      throw rangeError('permute', `layer '${this.name}' permutes ${this.dims.length} axes (dims ${show(this.dims)}) but its inputs have shape ${show(shape)}`);
    }
    return this.dims.map((d) => shape[d - 1]);
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    return { kind: native.enums.layer.permute, dims: this.dims.map((d) => d - 1) };
  }

  override getConfig(): LayerConfig {
    return { dims: [...this.dims], ...super.getConfig() };
  }
}

registerLayer(Permute);
