// The raw int8 quantization binding (binding/int8_quantization_binding.cc):
// the rules of native/int8_quantization.h (float32 arithmetic, ties to even)
// against hand-worked values, and every malformed call throws a TypeError or
// RangeError naming the function, never reads outside its buffer.
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native';

const F = (v: number[]) => Float32Array.from(v);

describe('int8QuantizeKernel', () => {
  it('per channel: max |w| / 127 per output, ties to even, clamped to [-127, 127]', () => {
    // Column 0 max 127 (scale 1): 2.5 -> 2, -0.5 -> -0; column 1 max 254 (scale 2): 5 / 2 = 2.5 -> 2, 7 / 2 = 3.5 -> 4.
    const { kernel, weightScales } = native.int8QuantizeKernel(F([127, 5, 2.5, 7, -0.5, -254]), 3, 2, true);
    expect(Array.from(weightScales)).toEqual([1, 2]);
    expect(Array.from(kernel)).toEqual([127, 2, 2, 4, 0, -127]);
  });

  it('per tensor: one scale for every output; an all-zero kernel gets scale 1', () => {
    const t = native.int8QuantizeKernel(F([127, 0.5, 1.5, -63.5]), 2, 2, false);
    expect(Array.from(t.weightScales)).toEqual([1, 1]);
    expect(Array.from(t.kernel)).toEqual([127, 0, 2, -64]);
    const z = native.int8QuantizeKernel(F([0, 0, 0]), 1, 3, true);
    expect(Array.from(z.weightScales)).toEqual([1, 1, 1]);
    expect(Array.from(z.kernel)).toEqual([0, 0, 0]);
  });

  it('divides in float32: the float32 quotient, not the float64 one, is rounded', () => {
    // max |w| = m, s = fround(m / 127): w / s is 32.5000013 in float64 (-> 33) and 32.5 in float32 (-> 32, ties to even).
    const m = Math.fround(0.9450706243515015), w = Math.fround(0.24184879660606384);
    const s = Math.fround(m / 127);
    expect(w / s).toBeGreaterThan(32.5);
    expect(Math.fround(w / s)).toBe(32.5);
    const { kernel, weightScales } = native.int8QuantizeKernel(F([m, w]), 2, 1, true);
    expect(weightScales[0]).toBe(s);
    expect(Array.from(kernel)).toEqual([127, 32]);
  });

  it('refuses malformed calls', () => {
    const k = F([1, 2, 3, 4, 5, 6]);
    expect(() => native.int8QuantizeKernel(k, 2, 2, true)).toThrow('int8QuantizeKernel: kernel has 6 values, inputs * units = 4');
    expect(() => native.int8QuantizeKernel(k, 3, 3, true)).toThrow(RangeError);
    expect(() => native.int8QuantizeKernel(k, 0, 6, true)).toThrow('int8QuantizeKernel: inputs = 0 is out of range');
    expect(() => native.int8QuantizeKernel(k, 3, 2.5, true)).toThrow('int8QuantizeKernel: units must be an integer');
    expect(() => native.int8QuantizeKernel(k, 2 ** 31 - 1, 2 ** 31 - 1, true)).toThrow(RangeError);
    expect(() => native.int8QuantizeKernel(k, 3, 2, 1 as unknown as boolean)).toThrow('int8QuantizeKernel: perChannel must be a boolean');
    expect(() => native.int8QuantizeKernel(new Float64Array(6) as unknown as Float32Array, 3, 2, true)).toThrow('int8QuantizeKernel: kernel has the wrong element type');
    expect(() => native.int8QuantizeKernel([1, 2] as unknown as Float32Array, 1, 2, true)).toThrow('int8QuantizeKernel: kernel must be a typed array');
    expect(() => native.int8QuantizeKernel(F([1, NaN]), 1, 2, true)).toThrow(TypeError);
    expect(() => native.int8QuantizeKernel(F([1, Infinity]), 1, 2, true)).toThrow('int8QuantizeKernel: a kernel has a non-finite weight');
    expect(() => (native.int8QuantizeKernel as (...a: unknown[]) => unknown)()).toThrow(TypeError);
  });
});

describe('uint8QuantFromRange', () => {
  it('widens the range to hold 0; the zero point rounds ties to even', () => {
    expect(native.uint8QuantFromRange(-2.5, 252.5)).toEqual({ scale: 1, zeroPoint: 2 });
    expect(native.uint8QuantFromRange(-3.5, 251.5)).toEqual({ scale: 1, zeroPoint: 4 });
    expect(native.uint8QuantFromRange(1, 2)).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 0 });
    expect(native.uint8QuantFromRange(-2, -1)).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 255 });
    expect(native.uint8QuantFromRange(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
    // Finite ends whose float32 difference overflows: the zero-range answer.
    expect(native.uint8QuantFromRange(-3e38, 3e38)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('refuses what is not a finite float32 number', () => {
    expect(() => native.uint8QuantFromRange(NaN, 1)).toThrow('uint8QuantFromRange: lo must be a finite float32 value');
    expect(() => native.uint8QuantFromRange(0, Infinity)).toThrow(RangeError);
    expect(() => native.uint8QuantFromRange(0, 1e39)).toThrow('uint8QuantFromRange: hi must be a finite float32 value');
    expect(() => native.uint8QuantFromRange('1' as unknown as number, 2)).toThrow('uint8QuantFromRange: lo must be a number');
    expect(() => (native.uint8QuantFromRange as (...a: unknown[]) => unknown)(1)).toThrow(TypeError);
  });
});
