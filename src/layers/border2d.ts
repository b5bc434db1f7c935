// ZeroPadding2D and Cropping2D over channels-last images
// (native/layers/border2d.cc): zero rows and columns added around each
// sample, or removed from its borders. Margins are given as Keras takes them:
// one number for all four sides, [h, w] (symmetric per axis), or
// [[top, bottom], [left, right]].
import { checkArray, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';
import { checkDataFormat } from './window2d';

/** Margins as Keras takes them: n (every side), [h, w] (top = bottom = h, left = right = w), or [[top, bottom], [left, right]]. */
export type Margins2D = number | [number, number] | [[number, number], [number, number]];

/** The largest margin (native/layers/border2d.cc reads up to 2^24). */
const MAX_MARGIN = 2 ** 24;

/** @internal Margins in any Keras form as [[top, bottom], [left, right]]. */
function checkMargins(fn: string, name: string, v: unknown, def: number): [[number, number], [number, number]] {
  const bad = () => typeError(fn, `${name} must be a non-negative integer, [height, width] or [[top, bottom], [left, right]], got ${show(v)}`);
  let pairs: unknown[][];
  if (v === undefined) pairs = [[def, def], [def, def]];
  else if (typeof v === 'number') pairs = [[v, v], [v, v]];
  else {
    const list = [...checkArray(fn, name, v, 'a non-negative integer or an array')];
    if (list.length !== 2) throw bad();
    pairs = list.map((a) => {
      if (typeof a === 'number') return [a, a];
      const pair = checkArray(fn, name, a, 'a non-negative integer, [height, width] or [[top, bottom], [left, right]]');
      if (pair.length !== 2) throw bad();
      return [pair[0], pair[1]];
    });
  }
  for (const d of pairs.flat()) {
    if (typeof d !== 'number') throw bad();
    if (!Number.isInteger(d) || d < 0 || d > MAX_MARGIN) throw rangeError(fn, `${name} must hold integers in [0, ${MAX_MARGIN}], got ${show(v)}`);
  }
  return pairs as [[number, number], [number, number]];
}

/** Options of {@link zeroPadding2d}. */
export interface ZeroPadding2DArgs extends LayerArgs {
  /** Zero rows / columns to add: n, [h, w] or [[top, bottom], [left, right]] (default 1 on every side). */
  padding?: Margins2D;
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
}

/** Options of {@link cropping2d}. */
export interface Cropping2DArgs extends LayerArgs {
  /** Rows / columns to remove: n, [h, w] or [[top, bottom], [left, right]] (default 0: nothing). */
  cropping?: Margins2D;
  /** Only 'channelsLast' (default): inputs are [batch, height, width, channels]. */
  dataFormat?: 'channelsLast';
}

/** What the two layers share: the margins, the input check, the native spec, the config. */
abstract class Border2D extends Layer {
  readonly dataFormat: 'channelsLast';
  readonly #fn: 'zeroPadding2d' | 'cropping2d';
  readonly #margins: [[number, number], [number, number]];

  protected constructor(fn: 'zeroPadding2d' | 'cropping2d', namingClass: string, args: ZeroPadding2DArgs & Cropping2DArgs, margins: unknown, def: number) {
    super(fn, namingClass, args);
    this.#fn = fn;
    this.#margins = checkMargins(fn, fn === 'cropping2d' ? 'cropping' : 'padding', margins, def);
    this.dataFormat = checkDataFormat(fn, args.dataFormat);
  }

  /** [[top, bottom], [left, right]]. */
  protected get margins(): [[number, number], [number, number]] {
    return [[...this.#margins[0]], [...this.#margins[1]]];
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const s = checkInputShape(this.#fn, inputShape);
    if (s.length !== 3) throw rangeError(this.#fn, `layer '${this.name}' expects per-sample input [height, width, channels], got ${show(s)}`);
    const [[top, bottom], [left, right]] = this.#margins;
    if (this.#fn === 'zeroPadding2d') return [s[0] + top + bottom, s[1] + left + right, s[2]];
    const out = [s[0] - top - bottom, s[1] - left - right, s[2]];
    if (out[0] < 1 || out[1] < 1) {
      throw rangeError(this.#fn, `layer '${this.name}': cropping ${show(this.#margins)} leaves nothing of its input ${show(s)}`);
    }
    return out;
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec = { kind: native.enums.layer[this.#fn], margins: this.#margins.flat() };
    return spec;
  }

  /** @internal The constructor arguments a config holds. */
  protected static argsFrom(fn: string, config: LayerConfig, key: 'padding' | 'cropping'): ZeroPadding2DArgs & Cropping2DArgs {
    const c = checkLayerConfig(fn, config);
    return { ...baseArgs(fn, c), [key]: optional(c, key), dataFormat: optional(c, 'dataFormat') } as ZeroPadding2DArgs & Cropping2DArgs;
  }
}

/** Adds rows and columns of zeros around each image. */
export class ZeroPadding2D extends Border2D {
  /** The Keras class name. */
  static readonly className = 'ZeroPadding2D';
  override readonly className = ZeroPadding2D.className;

  constructor(options?: ZeroPadding2DArgs) {
    const fn = 'zeroPadding2d';
    const args = layerOptions(fn, options, ['padding', 'dataFormat'] as const) as ZeroPadding2DArgs;
    // 'ZeroPadding2d' names the layers zero_padding2d, ... as Keras does.
    super(fn, 'ZeroPadding2d', args, args.padding, 1);
    this.lockConfig();
  }

  /** [[top, bottom], [left, right]]. */
  get padding(): [[number, number], [number, number]] {
    return this.margins;
  }

  /** A ZeroPadding2D layer from its {@link ZeroPadding2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): ZeroPadding2D {
    return new ZeroPadding2D(Border2D.argsFrom('ZeroPadding2D.fromConfig', config, 'padding'));
  }

  /** TensorFlow.js's ZeroPadding2D config (Keras names). */
  override getConfig(): LayerConfig {
    return { padding: this.padding, dataFormat: 'channels_last', ...super.getConfig() };
  }
}

/** Removes rows and columns from the borders of each image. */
export class Cropping2D extends Border2D {
  /** The Keras class name. */
  static readonly className = 'Cropping2D';
  override readonly className = Cropping2D.className;

  constructor(options?: Cropping2DArgs) {
    const fn = 'cropping2d';
    const args = layerOptions(fn, options, ['cropping', 'dataFormat'] as const) as Cropping2DArgs;
    super(fn, 'Cropping2d', args, args.cropping, 0);
    this.lockConfig();
  }

  /** [[top, bottom], [left, right]]. */
  get cropping(): [[number, number], [number, number]] {
    return this.margins;
  }

  /** A Cropping2D layer from its {@link Cropping2D.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Cropping2D {
    return new Cropping2D(Border2D.argsFrom('Cropping2D.fromConfig', config, 'cropping'));
  }

  /** TensorFlow.js's Cropping2D config (Keras names). */
  override getConfig(): LayerConfig {
    return { cropping: this.cropping, dataFormat: 'channels_last', ...super.getConfig() };
  }
}

registerLayer(ZeroPadding2D);
registerLayer(Cropping2D);
