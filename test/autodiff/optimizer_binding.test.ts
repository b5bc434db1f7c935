// The standalone optimizer binding (binding/optimizer_binding.cc) re-checks
// every argument: malformed calls throw labelled TypeErrors/RangeErrors, never
// crash, and state past the memory limit is refused before it is made.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { native } from '../../src/native';

describe('optimizerCreate / step', () => {
  const spec = tf.optimizers.adam().toNative();
  it('refuses malformed arguments with labelled errors', () => {
    for (const args of [[], [1, 2], [[], 3], [{}, 3], [spec, -1], [spec, 1.5], [spec, 2 ** 31], [spec, 'x'], [new Float32Array(3), 2]]) {
      expect(() => (native.optimizerCreate as (...a: unknown[]) => unknown)(...args)).toThrow(/^(optimizerCreate): /);
    }
    const s = native.optimizerCreate(spec, 4);
    const f = (n: number) => new Float32Array(n);
    expect(() => s.step(f(3), f(4), new Int32Array([0, 4]))).toThrow(/^NativeOptimizer.step: params and grads must hold 4 elements/);
    expect(() => s.step(f(4), f(4), new Int32Array([0]))).toThrow(RangeError);
    expect(() => s.step(f(4), f(4), new Int32Array([2, 3]))).toThrow(/segment 0 lies outside the arena/);
    expect(() => s.step(f(4), f(4), new Int32Array([-1, 1]))).toThrow(RangeError);
    expect(() => (s.step as (...a: unknown[]) => unknown)(f(4), new Int32Array(4), new Int32Array([0, 4]))).toThrow(TypeError);
    expect(s.step(f(4), f(4), new Int32Array([0, 4]))).toBe(true);
    expect(s.iterations()).toBe(1);
  });

  it('refuses state past the memory limit', () => {
    tf.setMemoryLimit(1 << 20);
    try {
      expect(() => native.optimizerCreate(spec, 1 << 20)).toThrow(/^optimizerCreate: .*memory limit/);
    } finally {
      tf.setMemoryLimit(null);
    }
  });
});
