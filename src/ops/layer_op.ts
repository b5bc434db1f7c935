// The native window layers run as ops (native/layer_op.h), one per layer
// configuration and input shape, kept in a small most-recently-used cache: a
// training loop calls the same convolution with the same shapes every step,
// and the op keeps its scratch (im2col rows, max pooling's winning taps)
// between calls instead of building a model and a workspace each time.
import { NativeLayerOp, NativeLayerSpec, native } from '../native';

/** Ops kept; the least recently used one goes first. */
const KEPT = 16;
/**
 * Scratch bytes the kept ops may hold together (each op keeps up to ~16 MB):
 * a server calling many distinct shapes keeps this much, not 16 ops' worth.
 */
const KEPT_BYTES = 64 * 2 ** 20;
const cache = new Map<string, NativeLayerOp>();

/** Drops the least recently used ops while the cache is full or holds more than KEPT_BYTES of scratch. */
function makeRoom(): void {
  let bytes = 0;
  for (const op of cache.values()) bytes += op.keptBytes();
  for (const [key, op] of cache) {
    if (cache.size < KEPT && bytes <= KEPT_BYTES) break;
    bytes -= op.keptBytes();
    cache.delete(key);
  }
}

/** @internal The weights argument of a layer that has none. */
export const NO_WEIGHTS = new Float32Array(0);

/** @internal The op running `spec` over samples of `sample` ([h, w, c], or [width, c] for conv1d). */
export function layerOp(spec: NativeLayerSpec, sample: readonly number[]): NativeLayerOp {
  const key = `${JSON.stringify(spec)}|${sample.join(',')}`;
  let op = cache.get(key);
  if (op !== undefined) {
    cache.delete(key);
  } else {
    // Scratch grows inside calls, so the byte bound is checked when an op is added.
    makeRoom();
    op = new native.LayerOp(spec, sample);
  }
  cache.set(key, op);
  return op;
}

/** @internal The kept ops and the scratch bytes they hold (tests). */
export function layerOpCache(): { ops: number; bytes: number } {
  let bytes = 0;
  for (const op of cache.values()) bytes += op.keptBytes();
  return { ops: cache.size, bytes };
}
