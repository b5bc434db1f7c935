import { Layer, LayerArgs, NativeLayerSpec, checkInputShape, layerOptions } from './layer';

/** Flattens each sample to one dimension ([batch, 28, 28] -> [batch, 784]). Free: it only reinterprets the shape. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super('flatten', 'Flatten', layerOptions('flatten', args, []) as LayerArgs);
    this.lockConfig();
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [checkInputShape('computeOutputShape', inputShape).reduce((a, b) => a * b, 1)];
  }

  /** @internal */
  toNative(): NativeLayerSpec | null {
    return null;
  }
}
