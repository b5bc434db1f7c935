// The direct kernels of a shallow first convolution (conv2d_direct.h: depth
// kh * kw * channels <= 16, linear or relu) where the executor asks no input
// gradient, so backward takes the kernel-gradient-only path, followed by a
// tiled max pooling: a small CNN against TensorFlow.js
// from the same weights: predictions and gradients. Batch 1 and batches whose output pixels cross the
// kernel gradient's 256-pixel chunks between samples; odd sizes, strides,
// both paddings, dilation, 16 / 32 filters (AVX-512 path) and 5 (portable).
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';
import { expectClose } from './harness';

interface FirstConv {
  input: [number, number, number];
  filters: number;
  kernelSize: [number, number];
  strides?: [number, number];
  dilationRate?: [number, number];
  padding?: 'valid' | 'same';
  activation: 'relu' | 'linear';
  useBias?: boolean;
}

function twins(o: FirstConv): { ours: tf.Sequential; theirs: tfjs.Sequential } {
  const conv = { inputShape: o.input, filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, dilationRate: o.dilationRate, padding: o.padding, activation: o.activation, useBias: o.useBias ?? true };
  const ours = tf.sequential({
    layers: [tf.layers.conv2d(conv), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
  const theirs = tfjs.sequential({
    layers: [tfjs.layers.conv2d(conv), tfjs.layers.maxPooling2d({ poolSize: 2 }), tfjs.layers.flatten(), tfjs.layers.dense({ units: 3, activation: 'softmax' })],
  });
  const rng = new Rng(31);
  const shapes = ours.weightSpecs().map((s) => s.shape);
  const values = shapes.map((s) => rng.array(s.reduce((a, b) => a * b, 1), -0.5, 0.5));
  ours.setWeights(values.map((v, k) => tf.tensor(v, shapes[k])));
  theirs.setWeights(values.map((v, k) => tfjs.tensor(v, shapes[k])));
  return { ours, theirs };
}

const cases: Array<FirstConv & { batch: number }> = [
  { input: [28, 28, 1], filters: 32, kernelSize: [3, 3], activation: 'relu', batch: 1 },
  { input: [20, 19, 1], filters: 16, kernelSize: [3, 3], activation: 'relu', batch: 3 },
  { input: [9, 11, 1], filters: 16, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', batch: 4 },
  { input: [10, 9, 2], filters: 32, kernelSize: [2, 2], dilationRate: [2, 2], padding: 'same', activation: 'linear', useBias: false, batch: 2 },
  { input: [8, 7, 1], filters: 5, kernelSize: [3, 3], activation: 'relu', batch: 3 },
];

/** A dilated kernel [kh, kw, c, f] as the undilated one it equals (zeros between the taps), through a 0/1 product so gradients flow back. */
function undilate(k: tfjs.Tensor, o: FirstConv): tfjs.Tensor {
  const [kh, kw] = o.kernelSize;
  const [dh, dw] = o.dilationRate ?? [1, 1];
  const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
  const e = new Float32Array(eh * ew * kh * kw);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) e[(i * dh * ew + j * dw) * kh * kw + i * kw + j] = 1;
  const cf = o.input[2] * o.filters;
  return tfjs.reshape(tfjs.matMul(tfjs.tensor(e, [eh * ew, kh * kw]), tfjs.reshape(k, [kh * kw, cf])), [eh, ew, o.input[2], o.filters]);
}

describe('a shallow first Conv2D (direct kernels) against TensorFlow.js', () => {
  for (const c of cases) {
    const name = `${c.input.join('x')} ${c.filters} filters ${c.kernelSize.join('x')} strides ${(c.strides ?? [1, 1]).join('x')} dilation ${(c.dilationRate ?? [1, 1]).join('x')} ${c.padding ?? 'valid'} ${c.activation}, batch ${c.batch}`;
    it(`${name}: the same predictions and the same gradients of every weight`, () => {
      const { ours, theirs } = twins(c);
      const rng = new Rng(9);
      const n = c.batch;
      const x = rng.array(n * c.input[0] * c.input[1] * c.input[2], -1, 1);
      const y = rng.array(n * 3, 0, 1);
      const xs = tf.tensor(x, [n, ...c.input]);
      const txs = tfjs.tensor(x, [n, ...c.input]) as tfjs.Tensor4D;
      const probs = (theirs.predict(txs) as tfjs.Tensor).dataSync();
      expectClose(ours.predict(xs).values as Float32Array, probs, { rtol: 1e-5, atol: 2e-6 }, 'predictions');
      ours.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const { grads } = ours.computeGradients(xs, tf.tensor(y, [n, 3]));
      // TensorFlow.js cannot differentiate a dilated conv2d: it gets the undilated kernel the dilated one equals.
      const useBias = c.useBias ?? true;
      const [dense, denseBias] = theirs.layers[3].getWeights();
      const loss = (...w: tfjs.Tensor[]) => {
        let h = tfjs.conv2d(txs, undilate(w[0], c) as tfjs.Tensor4D, c.strides ?? 1, c.padding ?? 'valid');
        if (useBias) h = tfjs.add(h, w[1]);
        if (c.activation === 'relu') h = tfjs.relu(h);
        const pooled = tfjs.maxPool(h as tfjs.Tensor4D, 2, 2, 'valid');
        const d = useBias ? w.slice(2) : w.slice(1);
        const logits = tfjs.add(tfjs.matMul(tfjs.reshape(pooled, [n, -1]), d[0]), d[1]);
        return tfjs.losses.meanSquaredError(tfjs.tensor(y, [n, 3]), tfjs.softmax(logits));
      };
      const start = theirs.layers[0].getWeights();
      const want = tfjs.grads(loss)([...start, dense, denseBias]).map((g) => Array.from(g.dataSync())).flat();
      expectClose(grads, want, { rtol: 1e-3, atol: 1e-6 }, 'gradients');
      // Not vacuous: the convolution's kernel gradient is not zero.
      expect(Math.max(...want.slice(0, start[0].size).map(Math.abs))).toBeGreaterThan(1e-5);
    });
  }
});
