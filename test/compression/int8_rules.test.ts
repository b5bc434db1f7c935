// One set of int8 rules for every quantization path (native/int8_quantization.h):
// a chain of Dense layers (native QuantizedMlp) and a graph model (Dense,
// Conv2D nodes quantized from TypeScript through the binding) give the same
// int8 weights, weight scales and input zero points for the same float
// values. The values here sit exactly on .5 ties after scaling, where
// round-half-up (JavaScript's Math.round) and round-half-to-even (the native
// std::nearbyint) part: 2.5 -> 2, 0.5 -> 0, -1.5 -> -2, 63.5 -> 64.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

// [3 inputs, 2 units]; each column's max |w| is 127, so its scale is exactly 1 and w / scale = w.
const TIE_KERNEL = [127, -1.5, 2.5, 63.5, 0.5, -127];
const TIE_INT8 = [127, -2, 2, 64, 0, -127];
const BIAS = [0.25, -0.5];
// Input range [-2.5, 252.5]: scale (252.5 + 2.5) / 255 = 1, zero point 2.5 -> 2.
const CALIBRATION = tf.tensor([-2.5, 0, 252.5, 1, 2, 3], [2, 3]);

function denseChain(kernel: number[], units: number, inputs: number): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [inputs], name: 'd' })] });
  m.build([inputs]);
  m.setWeights([tf.tensor(kernel, [inputs, units]), tf.tensor(BIAS.slice(0, units).concat(new Array(Math.max(0, units - BIAS.length)).fill(0)), [units])]);
  return m;
}

/** The same Dense as a functional model: not a Sequential chain, so it goes through the graph path. */
function denseGraph(kernel: number[], units: number, inputs: number): tf.LayersModel {
  const input = tf.input({ shape: [inputs] });
  const m = tf.model({ inputs: input, outputs: tf.layers.dense({ units, name: 'd' }).apply(input) as tf.SymbolicTensor });
  m.setWeights(denseChain(kernel, units, inputs).getWeights());
  return m;
}

/** A 1x1 Conv2D over [1, 1, inputs]: its HWIO kernel flattened is the Dense kernel [inputs, units]. */
function conv1x1(kernel: number[], units: number, inputs: number): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.conv2d({ filters: units, kernelSize: 1, inputShape: [1, 1, inputs], name: 'c' }), tf.layers.flatten()] });
  m.build([1, 1, inputs]);
  m.setWeights([tf.tensor(kernel, [1, 1, inputs, units]), denseChain(kernel, units, inputs).getWeights()[1]]);
  return m;
}

function chainInt8(q: tf.quantization.QuantizedModel): { kernel: Int8Array; weightScales: Float32Array } {
  const parts = q.parts();
  expect(parts).not.toBeNull();
  return parts!.native.exportLayers()[0];
}

function graphInt8(q: tf.quantization.QuantizedModel): { kernel: Int8Array; weightScales: Float32Array } {
  const g = q.graph();
  expect(g).not.toBeNull();
  const node = g!.nodes.find((n) => n.quantized)!.quantized!;
  return { kernel: node.kernel, weightScales: node.weightScales };
}

describe('int8 quantization rules: one definition for the Dense chain and the graph path', () => {
  for (const perChannel of [true, false]) {
    it(`values at .5 ties round half to even on both paths (perChannel ${perChannel})`, () => {
      const chain = tf.quantization.quantize(denseChain(TIE_KERNEL, 2, 3), { calibration: CALIBRATION, perChannel });
      const graph = tf.quantization.quantize(denseGraph(TIE_KERNEL, 2, 3), { calibration: CALIBRATION, perChannel });
      const conv = tf.quantization.quantize(conv1x1(TIE_KERNEL, 2, 3), { calibration: CALIBRATION.reshape([2, 1, 1, 3]), perChannel });
      for (const got of [chainInt8(chain), graphInt8(graph), graphInt8(conv)]) {
        expect(Array.from(got.kernel)).toEqual(TIE_INT8);
        expect(Array.from(got.weightScales)).toEqual([1, 1]);
      }
      for (const q of [chain, graph, conv]) {
        const [info] = q.layerInfo();
        expect(info.inputScale).toBe(1);
        expect(info.inputZeroPoint).toBe(2);
      }
    });
  }

  it('a non-finite weight is refused on both paths, naming the function', () => {
    const kernel = [...TIE_KERNEL];
    kernel[3] = NaN;
    expect(() => tf.quantization.quantize(denseChain(kernel, 2, 3), { calibration: CALIBRATION })).toThrow(/^quantize: .*non-finite weight/);
    expect(() => tf.quantization.quantize(denseGraph(kernel, 2, 3), { calibration: CALIBRATION })).toThrow(/^quantization.quantize: layer 'd' has a non-finite weight/);
  });

  it('random kernels: the same int8 weights and scales through either path, per channel and per tensor', () => {
    const rng = new Rng(5);
    const inputs = 7, units = 5;
    const kernel = Array.from(rng.array(inputs * units, -0.8, 0.8));
    const calibration = tf.tensor(rng.array(20 * inputs, -3, 2), [20, inputs]);
    for (const perChannel of [true, false]) {
      const a = chainInt8(tf.quantization.quantize(denseChain(kernel, units, inputs), { calibration, perChannel }));
      const b = graphInt8(tf.quantization.quantize(denseGraph(kernel, units, inputs), { calibration, perChannel }));
      expect(b.kernel).toEqual(a.kernel);
      expect(b.weightScales).toEqual(a.weightScales);
    }
  });
});
