// Reshape: the same values under another per-sample shape (native/layers/reshape.cc).
import { checkArray, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['targetShape'] as const;

/** Options of {@link reshape}. */
export interface ReshapeArgs extends LayerArgs {
  /** The per-sample output shape (no batch dimension); one dimension may be -1, worked out from the others. Required. */
  targetShape: number[];
}

/** Gives each sample another shape with the same number of elements, in row-major order. */
export class Reshape extends Layer {
  /** The Keras class name. */
  static readonly className = 'Reshape';
  override readonly className = Reshape.className;
  /** The target shape as given (may hold one -1). */
  readonly targetShape: readonly number[];

  constructor(args: ReshapeArgs) {
    const fn = 'reshape';
    const a = layerOptions(fn, args, OPTIONS, true) as ReshapeArgs;
    super(fn, 'Reshape', a);
    if (a.targetShape === undefined) throw typeError(fn, 'targetShape is required (the per-sample output shape, e.g. [4, 8])');
    const t = [...checkArray(fn, 'targetShape', a.targetShape, 'an array of positive integers (one may be -1)')];
    if (t.length === 0 || t.some((d) => typeof d !== 'number' || !Number.isInteger(d) || (d <= 0 && d !== -1) || d > 2 ** 31)
      || t.filter((d) => d === -1).length > 1) {
      throw rangeError(fn, `targetShape must be a non-empty array of positive integers, one of them possibly -1, got ${show(a.targetShape)}`);
    }
    this.targetShape = Object.freeze(t as number[]);
    this.lockConfig();
  }

  /** A Reshape layer from its {@link Reshape.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Reshape {
    const fn = 'Reshape.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Reshape({ ...baseArgs(fn, c), targetShape: optional(c, 'targetShape') } as ReshapeArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const shape = checkInputShape('computeOutputShape', inputShape);
    const size = shape.reduce((a, b) => a * b, 1);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (out.some((d) => !Number.isInteger(d) || d <= 0) || out.reduce((a, b) => a * b, 1) !== size) {
      throw rangeError('reshape', `layer '${this.name}' cannot reshape inputs of shape ${show(shape)} (${size} elements) to ${show(this.targetShape)}`);
    }
    return out;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    return { kind: native.enums.layer.reshape, targetShape: this.computeOutputShape(inputShape) };
  }

  override getConfig(): LayerConfig {
    return { targetShape: [...this.targetShape], ...super.getConfig() };
  }
}

registerLayer(Reshape);
