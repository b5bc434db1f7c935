// The cache of native window ops (src/ops/layer_op.ts) is bounded by count
// and by the scratch its ops keep: a server calling many distinct
// convolution shapes must not keep 16 ops' worth of im2col rows.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { layerOpCache } from '../../src/ops/layer_op';

describe('the window-op cache', () => {
  it('keeps at most 16 ops and about 64 MB of scratch, dropping the least recently used', () => {
    const bound = 64 * 2 ** 20;
    let largest = 0;
    // Each shape is a new op; a 3x3x8 kernel's im2col rows for 4 images of
    // s x s keep 4 * s * s * 72 floats (~9-15 MB here).
    for (let i = 0; i < 20; i++) {
      const s = 90 + i * 2;
      tf.tidy(() => {
        const x = tf.ones([4, s, s, 8]);
        const f = tf.ones([3, 3, 8, 4]);
        tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same').dataSync();
      });
      const info = layerOpCache();
      expect(info.ops).toBeLessThanOrEqual(16);
      largest = Math.max(largest, info.bytes);
      // The op just added grew after the bound was checked; the rest fit the bound.
      expect(info.bytes).toBeLessThanOrEqual(bound + 4 * s * s * 72 * 4 + 2 ** 20);
    }
    expect(largest).toBeGreaterThan(bound / 2);  // the shapes were large enough to test the bound
    // A small op is still cached and reused.
    const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
    const f = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
    const a = tf.conv2d(x, f, 1, 'valid').dataSync();
    const before = layerOpCache().ops;
    const b = tf.conv2d(x, f, 1, 'valid').dataSync();
    expect(layerOpCache().ops).toBe(before);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
