import { Layer, LayerArgs, NativeLayerSpec } from './layer';

/** Flattens each sample to one dimension ([batch, 28, 28] -> [batch, 784]). Free: it only reinterprets the shape. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super('flatten', 'Flatten', args ?? {});
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  /** @internal */
  toNative(): NativeLayerSpec | null {
    return null;
  }
}
