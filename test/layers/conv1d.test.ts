// Conv1D through the generic layer harness: 'valid', 'same' and 'causal'
// padding, strides, dilation, against a float64 reference written here and
// against TensorFlow.js with the same weights (but for 'causal', which
// TensorFlow.js does not implement); and its option checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { ActName, KINKS, activateRow } from '../training/reference';
import { LayerCase, Matrix, Weights, runLayerTest } from './harness';

interface Conv1DOptions {
  steps: number;
  channels: number;
  filters: number;
  kernelSize: number;
  strides?: number;
  dilationRate?: number;
  padding?: 'valid' | 'same' | 'causal';
  act?: ActName;
}

/** Keras's Conv1D in float64: 'same' pads as TensorFlow (the odd one on the right), 'causal' all on the left. */
function conv1dRef(x: Matrix, w: Weights, o: Conv1DOptions): Matrix {
  const s = o.strides ?? 1;
  const d = o.dilationRate ?? 1;
  const eff = (o.kernelSize - 1) * d + 1;
  const pad = o.padding ?? 'valid';
  const out = pad === 'valid' ? Math.floor((o.steps - eff) / s) + 1 : Math.ceil(o.steps / s);
  const left = pad === 'causal' ? eff - 1 : pad === 'same' ? Math.floor(Math.max((out - 1) * s + eff - o.steps, 0) / 2) : 0;
  return x.map((row) => {
    const y: number[] = [];
    for (let t = 0; t < out; t++) {
      const z = Array.from({ length: o.filters }, (_, f) => {
        let acc = w.bias[f];
        for (let k = 0; k < o.kernelSize; k++) {
          const i = t * s - left + k * d;
          if (i < 0 || i >= o.steps) continue;
          for (let c = 0; c < o.channels; c++) acc += row[i * o.channels + c] * w.kernel[(k * o.channels + c) * o.filters + f];
        }
        return acc;
      });
      y.push(...activateRow(o.act ?? 'linear', z));
    }
    return y;
  });
}

function conv1dCase(o: Conv1DOptions): LayerCase {
  const out = conv1dRef([new Array(o.steps * o.channels).fill(0)], { kernel: new Float64Array(o.kernelSize * o.channels * o.filters), bias: new Float64Array(o.filters) }, o)[0].length / o.filters;
  const args = { filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, dilationRate: o.dilationRate, padding: o.padding };
  const kinks = KINKS[o.act ?? 'linear'] ?? [];
  return {
    name: `Conv1D ${o.steps}x${o.channels} kernel ${o.kernelSize} strides ${o.strides ?? 1} dilation ${o.dilationRate ?? 1} ${o.padding ?? 'valid'} ${o.act ?? 'linear'}`,
    make: () => tf.layers.conv1d({ ...args, activation: o.act }),
    inputShape: [o.steps, o.channels],
    outputShape: [out, o.filters],
    weights: [{ name: 'kernel', shape: [o.kernelSize, o.channels, o.filters], trainable: true }, { name: 'bias', shape: [o.filters], trainable: true }],
    reference: (x, w) => conv1dRef(x, w, o),
    kinkMargin: kinks.length ? (x, w) => Math.min(...conv1dRef(x, w, { ...o, act: 'linear' }).flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    config: { filters: o.filters, kernelSize: [o.kernelSize], strides: [o.strides ?? 1], dilationRate: [o.dilationRate ?? 1], padding: o.padding ?? 'valid' },
    probe: true,
    tail: true,
    // TensorFlow.js refuses 'causal' ("not implemented yet"): those cases rest on the reference.
    tfjs: o.padding === 'causal' ? undefined : () => tfjs.layers.conv1d({ ...args, activation: o.act as never }),
  };
}

const cases: LayerCase[] = [
  conv1dCase({ steps: 7, channels: 2, filters: 3, kernelSize: 3, act: 'relu' }),
  conv1dCase({ steps: 8, channels: 2, filters: 2, kernelSize: 4, strides: 2, padding: 'same', act: 'tanh' }),
  conv1dCase({ steps: 7, channels: 2, filters: 2, kernelSize: 3, dilationRate: 2, padding: 'causal' }),
  conv1dCase({ steps: 6, channels: 1, filters: 2, kernelSize: 2, strides: 3, padding: 'causal', act: 'sigmoid' }),
];
cases.forEach((c, i) => runLayerTest(c, 1900 + i));

describe('conv1d options and shapes', () => {
  it('names layers as Keras and refuses bad options and inputs, naming the function, the layer and the values', () => {
    expect(tf.layers.conv1d({ filters: 2, kernelSize: 3 }).name).toMatch(/^conv1d(_\d+)?$/);
    expect(() => tf.layers.conv1d({ filters: 2, kernelSize: [3, 3] as never })).toThrow(/conv1d: kernelSize must be a positive integer or an array \[n\]/);
    expect(() => tf.layers.conv1d({ filters: 2, kernelSize: 0 })).toThrow(/conv1d: kernelSize must be in \[1/);
    expect(() => tf.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/conv1d: strides 2 and dilationRate 2 cannot both be above 1/);
    expect(() => tf.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/conv1d: unknown padding 'full'/);
    const l = tf.layers.conv1d({ filters: 2, kernelSize: 4, name: 'c1' });
    expect(() => l.computeOutputShape([3, 2])).toThrow(/conv1d: layer 'c1': window 4 is larger than its input \[3,2\]/);
    expect(() => l.computeOutputShape([3, 2, 1])).toThrow(/conv1d: layer 'c1' expects per-sample input \[steps, channels\]/);
    expect(tf.layers.conv1d({ filters: 2, kernelSize: 4, padding: 'causal' }).computeOutputShape([3, 2])).toEqual([3, 2]);
  });
});
