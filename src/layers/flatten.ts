import { checkOneOf, rangeError, show } from '../errors';
import { LayerConfig, baseArgs, checkLayerConfig, optional } from './config';
import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['dataFormat'] as const;

/** Options of {@link flatten}. */
export interface FlattenArgs extends LayerArgs {
  /**
   * Where channels sit in the input (default 'channelsLast', the only layout
   * tensorforge computes in). 'channelsFirst' is accepted, as Keras files may
   * carry it, for flat inputs only, where both layouts give the same order.
   */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

const DATA_FORMATS = ['channelsLast', 'channelsFirst'] as const;

/** Flattens each sample to one dimension ([batch, 28, 28] -> [batch, 784]). Free: it only reinterprets the shape. */
export class Flatten extends Layer {
  /** The Keras class name. */
  static readonly className = 'Flatten';
  override readonly className = Flatten.className;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: FlattenArgs = {}) {
    const a = layerOptions('flatten', args, OPTIONS) as FlattenArgs;
    super('flatten', 'Flatten', a);
    this.dataFormat = a.dataFormat === undefined ? 'channelsLast'
      : checkOneOf('flatten', 'dataFormat', a.dataFormat, DATA_FORMATS, { channels_last: 'channelsLast', channels_first: 'channelsFirst' });
    this.lockConfig();
  }

  /** A Flatten layer from its {@link Flatten.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Flatten {
    const fn = 'Flatten.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Flatten({ ...baseArgs(fn, c), dataFormat: optional(c, 'dataFormat') } as FlattenArgs);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const shape = checkInputShape('computeOutputShape', inputShape);
    if (this.dataFormat === 'channelsFirst' && shape.length > 1) {
      throw rangeError('flatten', `data_format 'channels_first' is not supported (layer '${this.name}' over per-sample shape ${show(shape)}); tensorforge keeps channels last`);
    }
    return [shape.reduce((a, b) => a * b, 1)];
  }

  /** @internal */
  override toNative(): NativeLayerSpec | null {
    return null;
  }

  override getConfig(): LayerConfig {
    return { dataFormat: this.dataFormat === 'channelsFirst' ? 'channels_first' : 'channels_last', ...super.getConfig() };
  }
}

registerLayer(Flatten);
