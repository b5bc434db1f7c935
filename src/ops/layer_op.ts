// The native window layers run as ops (native/layer_op.h), one per layer
// configuration and input shape, kept in a small most-recently-used cache: a
// training loop calls the same convolution with the same shapes every step,
// and the op keeps its scratch (im2col rows, max pooling's winning taps)
// between calls instead of building a model and a workspace each time.
import { NativeLayerOp, NativeLayerSpec, native } from '../native';

/** Ops kept; the least recently used one goes first. */
const KEPT = 16;
const cache = new Map<string, NativeLayerOp>();

/** @internal The weights argument of a layer that has none. */
export const NO_WEIGHTS = new Float32Array(0);

/** @internal The op running `spec` over samples of `sample` ([h, w, c], or [width, c] for conv1d). */
export function layerOp(spec: NativeLayerSpec, sample: readonly number[]): NativeLayerOp {
  const key = `${JSON.stringify(spec)}|${sample.join(',')}`;
  let op = cache.get(key);
  if (op !== undefined) {
    cache.delete(key);
  } else {
    op = new native.LayerOp(spec, sample);
    if (cache.size >= KEPT) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, op);
  return op;
}
