// Concatenate: joins its inputs along one axis (native/layers/concatenate.cc).
import { checkInt, rangeError, show } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { LayerArgs, NativeLayerSpec, layerOptions } from './layer';
import { MergeBase, mergeShapes } from './merge';
import { registerLayer } from './registry';

const OPTIONS = ['axis'] as const;

/** Options of {@link concatenate}. */
export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along, counting the batch axis as 0 (Keras's convention): -1 is the last (default -1). */
  axis?: number;
}

/** Joins its inputs along `axis`; every other dimension must agree. */
export class Concatenate extends MergeBase {
  /** The Keras class name. */
  static readonly className = 'Concatenate';
  override readonly className = Concatenate.className;
  /** The axis as given (the batch axis is 0, negative counts from the end). */
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    const a = layerOptions('concatenate', args, OPTIONS) as ConcatenateArgs;
    super('concatenate', 'Concatenate', a);
    this.axis = checkInt('concatenate', 'axis', a.axis ?? -1, -(2 ** 20), 2 ** 20);
    if (this.axis === 0) throw rangeError('concatenate', 'axis 0 is the batch axis; samples cannot be concatenated with each other');
    this.lockConfig();
  }

  /** A Concatenate layer from its {@link Concatenate.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Concatenate {
    const fn = 'Concatenate.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Concatenate({ ...baseArgs(fn, c), axis: optional(c, 'axis') } as ConcatenateArgs);
  }

  /** The per-sample axis (0-based, no batch axis) for inputs of `rank` dimensions per sample. */
  #sampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw rangeError('concatenate', `layer '${this.name}': axis ${this.axis} is outside inputs of ${rank + 1} dimensions (with the batch)`);
    return a;
  }

  override computeOutputShape(inputShape: number[] | number[][]): number[] {
    const fn = 'concatenate';
    const shapes = mergeShapes(fn, this, inputShape);
    const axis = this.#sampleAxis(shapes[0].length);
    const out = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      if (s.length !== out.length || s.some((d, i) => i !== axis && d !== shapes[0][i])) {
        throw rangeError(fn, `layer '${this.name}' (Concatenate) cannot join inputs of shapes ${show(shapes[0])} and ${show(s)} along axis ${this.axis}`);
      }
      out[axis] += s[axis];
    }
    return out;
  }

  /** @internal */
  protected nativeSpecOf(inputShapes: number[][]): NativeLayerSpec {
    return { kind: native.enums.layer.concatenate, axis: this.#sampleAxis(inputShapes[0].length) };
  }

  override getConfig(): LayerConfig {
    return { axis: this.axis, ...super.getConfig() };
  }
}

registerLayer(Concatenate);
