// The raw binding re-checks every size, stride and index itself: malformed
// calls that bypass the TypeScript validation must throw, never touch memory
// outside their buffers.
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native';

const F = (n: number) => new Float32Array(n);
const I = (v: number[]) => Int32Array.from(v);

describe('ops binding re-checks its arguments', () => {
  it('binary', () => {
    expect(() => native.binary(0, F(4), I([1]), F(4), I([1]), F(3), I([4]))).toThrow('binary: out has 3 elements, needs 4');
    expect(() => native.binary(0, F(4), I([2]), F(4), I([1]), F(4), I([4]))).toThrow('binary: a has 4 elements, its strided view reaches element 6');
    expect(() => native.binary(0, F(4), I([1]), F(1), I([1]), F(4), I([4]))).toThrow(RangeError);
    expect(() => native.binary(0, F(4), I([-1]), F(4), I([1]), F(4), I([4]))).toThrow('binary: aStrides[0] is negative');
    expect(() => native.binary(0, F(4), I([1, 1]), F(4), I([1]), F(4), I([4]))).toThrow('binary: a strides do not match the shape\'s rank');
    expect(() => native.binary(0, F(1), I(new Array(9).fill(0)), F(1), I(new Array(9).fill(0)), F(1), I(new Array(9).fill(1))))
      .toThrow('binary: aStrides has 9 dimensions, at most 8 are supported');
    expect(() => native.binary(8, F(1), I([]), F(1), I([]), F(1), I([]))).toThrow('binary: op = 8 is out of range [0, 7]');
    expect(() => native.binary(0, F(1), I([]), new Int32Array(1), I([]), F(1), I([]))).toThrow(TypeError);
    expect(() => native.binary(0, new Float64Array(1), I([]), F(1), I([]), F(1), I([]))).toThrow('binary: a must be a Float32Array or an Int32Array');
    expect(() => native.binary(0, F(0), I([]), F(1), I([]), F(1), I([]))).toThrow(RangeError);
    // Overflowing stride arithmetic is caught, not wrapped.
    const big = 2 ** 31 - 1;
    expect(() => native.binary(0, F(4), I([big, big, big]), F(4), I([0, 0, 0]), F(8), I([big, big, big]))).toThrow('binary: size overflows');
    expect(() => native.binary(0, F(4), I([big, big, big]), F(4), I([0, 0, 0]), F(8), I([2, 2, 2]))).toThrow('binary: a has 4 elements, its strided view reaches element 6442450941');
  });

  it('unary and activations', () => {
    expect(() => native.unary(0, F(4), F(3))).toThrow('unary: out has 3 elements, needs 4');
    expect(() => native.unary(1, new Int32Array(2), new Int32Array(2))).toThrow(TypeError);
    expect(() => native.unary(1, new Int32Array(2), new Int32Array(2))).toThrow('unary: unary op 1 is not defined for int32');
    expect(() => native.unary(0, F(2), new Int32Array(2))).toThrow('unary: out has the wrong element type');
    expect(() => native.activation(14, 0, F(2), F(2))).toThrow('activation: activation = 14 is out of range [0, 13]');
    expect(() => native.activation(1, 0, F(2), F(1))).toThrow(RangeError);
    expect(() => native.activation(1, 'a', F(2), F(2))).toThrow('activation: param must be a number');
    expect(() => native.activationGrad(1, 0, F(2), F(2), F(1), F(2))).toThrow('activationGrad: dy has 1 elements, needs 2');
    expect(() => native.softmax(F(5), F(6), 2, 3, false)).toThrow('softmax: x has 5 elements, needs 6');
    expect(() => native.softmax(F(6), F(6), 2, 3, 1)).toThrow('softmax: log must be a boolean');
    expect(() => native.softmaxGrad(F(6), F(6), F(5), 2, 3, true)).toThrow('softmaxGrad: dx has 5 elements, needs 6');
    expect(() => native.softmax(F(6), F(6), -1, 3, false)).toThrow(RangeError);
  });

  it('reductions', () => {
    expect(() => native.reduce(0, F(5), F(2), 2, 3, 1)).toThrow('reduce: x has 5 elements, needs 6');
    expect(() => native.reduce(0, F(6), F(1), 2, 3, 1)).toThrow('reduce: out has 1 elements, needs 2');
    expect(() => native.reduce(1, new Int32Array(6), new Int32Array(2), 2, 3, 1)).toThrow('reduce: reduction 1 is not defined for int32');
    expect(() => native.reduce(5, F(6), F(2), 2, 3, 1)).toThrow(RangeError);
    expect(() => native.reduce(0, F(6), F(2), 2 ** 31, 3, 1)).toThrow(RangeError);
    expect(() => native.argReduce(false, F(6), new Int32Array(2), 2, 0, 1)).toThrow('argReduce: cannot reduce over an empty axis');
    expect(() => native.argReduce(false, F(6), F(2), 2, 3, 1)).toThrow(TypeError);
    expect(() => native.argReduce(true, F(5), new Int32Array(2), 2, 3, 1)).toThrow('argReduce: x has 5 elements, needs 6');
  });

  it('movement', () => {
    expect(() => native.stridedCopy(F(6), 1, I([2, 3]), I([3, 1]), F(6))).toThrow('stridedCopy: x has 6 elements, its strided view reaches element 6');
    expect(() => native.stridedCopy(F(6), 0, I([2, 3]), I([3, 1]), F(5))).toThrow('stridedCopy: out has 5 elements, needs 6');
    expect(() => native.stridedCopy(F(6), 0, I([3, 2]), I([1, 3]), new Int32Array(6))).toThrow(TypeError);
    expect(() => native.stridedCopy(F(6), -1, I([1]), I([1]), F(1))).toThrow(RangeError);
    expect(() => native.gather(F(6), I([0, 3]), F(4), 1, 3, 2)).toThrow('gather: indices[1] = 3 is out of range [0, 3)');
    expect(() => native.gather(F(6), I([-1]), F(2), 1, 3, 2)).toThrow(RangeError);
    expect(() => native.gather(F(5), I([0]), F(2), 1, 3, 2)).toThrow('gather: x has 5 elements, needs 6');
    expect(() => native.gather(F(6), I([0, 1]), F(3), 1, 3, 2)).toThrow('gather: out has 3 elements, needs 4');
    expect(() => native.concat([F(4), F(2)], I([2, 2]), F(8), 2)).toThrow('concat: inputs[1] has 2 elements, needs 4');
    expect(() => native.concat([F(4), F(4)], I([2, 2]), F(7), 2)).toThrow('concat: out has 7 elements, needs 8');
    expect(() => native.concat([F(4), new Int32Array(4)], I([2, 2]), F(8), 2)).toThrow("concat: inputs[1] must be a typed array of out's element type");
    expect(() => native.concat([F(4)], I([2, 2]), F(8), 2)).toThrow('concat: widths and inputs differ in length');
    expect(() => native.concat(F(4), I([2]), F(8), 2)).toThrow(TypeError);
    expect(() => native.concat([F(4)], I([-2]), F(8), 2)).toThrow('concat: widths[0] is negative');
    expect(() => native.oneHot(I([0, 1]), F(3), 2, 1, 0)).toThrow('oneHot: out has 3 elements, needs 4');
    expect(() => native.oneHot(I([0, 1]), new Int32Array(4), 2, 0.5, 0)).toThrow(RangeError);
    expect(() => native.oneHot(F(2), F(4), 2, 1, 0)).toThrow('oneHot: indices has the wrong element type');
  });
});
