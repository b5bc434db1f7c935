// Conv2D through the generic layer harness (odd sizes, both paddings,
// strides, dilation, a 1x1 kernel, no bias, a kernel regularizer, fused
// activations; the input gradient through a Dense probe in front), then what
// the harness does not cover: a small CNN trained side by side with
// TensorFlow.js from the same weights (SGD and Adam), models saved by one
// library and loaded by the other, and the option and shape checks.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { ActName, KINKS, Rng, activateRow } from '../training/reference';
import { Geometry, conv2dRef, placement } from './conv_reference';
import { LayerCase, Matrix, Weights, expectClose, runLayerTest } from './harness';

interface ConvOptions {
  input: number[];
  filters: number;
  kernelSize: [number, number];
  strides?: [number, number];
  dilationRate?: [number, number];
  padding?: 'valid' | 'same';
  act?: ActName;
  useBias?: boolean;
  l2?: number;
}

function convCase(o: ConvOptions): LayerCase {
  const g: Geometry = {
    input: o.input, size: o.kernelSize, strides: o.strides ?? [1, 1], dilation: o.dilationRate ?? [1, 1], same: o.padding === 'same',
  };
  const { out } = placement(g);
  const act = o.act ?? 'linear';
  const useBias = o.useBias ?? true;
  const pre = (x: Matrix, w: Weights) => conv2dRef(x, g, w.kernel, useBias ? w.bias : null, o.filters);
  // The activation runs over each pixel's filters (softmax over them).
  const activate = (rows: Matrix) => rows.map((r) => Array.from({ length: r.length / o.filters }, (_, p) => activateRow(act, r.slice(p * o.filters, (p + 1) * o.filters))).flat());
  const kinks = KINKS[act] ?? [];
  const args = { filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, dilationRate: o.dilationRate, padding: o.padding, useBias };
  return {
    name: `Conv2D ${o.input.join('x')} kernel ${o.kernelSize.join('x')} strides ${g.strides.join('x')} dilation ${g.dilation.join('x')} ${o.padding ?? 'valid'} ${act}${useBias ? '' : ' without bias'}${o.l2 ? ` l2 ${o.l2}` : ''}`,
    make: () => tf.layers.conv2d({ ...args, activation: act, kernelRegularizer: o.l2 ? tf.regularizers.l2({ l2: o.l2 }) : undefined }),
    inputShape: o.input,
    outputShape: [out[0], out[1], o.filters],
    weights: [
      { name: 'kernel', shape: [o.kernelSize[0], o.kernelSize[1], o.input[2], o.filters], trainable: true },
      ...(useBias ? [{ name: 'bias', shape: [o.filters], trainable: true }] : []),
    ],
    reference: (x, w) => activate(pre(x, w)),
    kinkMargin: kinks.length ? (x, w) => Math.min(...pre(x, w).flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    penalty: o.l2 ? (w) => w.kernel.reduce((a, v) => a + o.l2! * v * v, 0) : undefined,
    config: {
      filters: o.filters, kernelSize: o.kernelSize, strides: g.strides, dilationRate: g.dilation, padding: o.padding ?? 'valid',
      dataFormat: 'channels_last', useBias, kernelRegularizer: o.l2 ? { className: 'L1L2', config: { l1: 0, l2: o.l2 } } : null,
    },
    // A Dense probe in front checks the input gradient; a Flatten + Dense tail makes the loss over a flat output.
    probe: true,
    tail: true,
    tfjs: () => tfjs.layers.conv2d({ ...args, activation: (act === 'silu' ? 'swish' : act) as never }),
  };
}

const cases: LayerCase[] = [
  convCase({ input: [4, 5, 2], filters: 3, kernelSize: [3, 3], act: 'relu' }),
  convCase({ input: [5, 4, 2], filters: 2, kernelSize: [3, 2], strides: [2, 2], padding: 'same', act: 'tanh', useBias: false }),
  convCase({ input: [5, 5, 1], filters: 2, kernelSize: [2, 2], dilationRate: [2, 2], padding: 'same' }),
  convCase({ input: [6, 5, 2], filters: 2, kernelSize: [2, 3], dilationRate: [2, 1], act: 'sigmoid' }),
  convCase({ input: [5, 6, 1], filters: 2, kernelSize: [4, 4], strides: [3, 3], padding: 'same', act: 'softmax' }),
  convCase({ input: [3, 3, 4], filters: 3, kernelSize: [1, 1], act: 'silu', l2: 0.01 }),
  // Depth <= 16, linear or relu: the direct kernels (conv2d_direct.h), 16 filters (the AVX-512 forward) and 3, input gradient included.
  convCase({ input: [4, 4, 1], filters: 16, kernelSize: [2, 2], dilationRate: [2, 2], padding: 'same', act: 'relu' }),
  convCase({ input: [4, 5, 2], filters: 3, kernelSize: [2, 2], strides: [1, 2], useBias: false }),
];
cases.forEach((c, i) => runLayerTest(c, 1800 + i));

/** The same small CNN in both libraries: conv -> pool -> conv -> flatten -> dense softmax. */
function twinModels(): { ours: tf.Sequential; theirs: tfjs.Sequential } {
  const ours = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [7, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: [2, 2], activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const theirs = tfjs.sequential({
    layers: [
      tfjs.layers.conv2d({ inputShape: [7, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfjs.layers.maxPooling2d({ poolSize: 2 }),
      tfjs.layers.conv2d({ filters: 4, kernelSize: [2, 2], activation: 'tanh' }),
      tfjs.layers.flatten(),
      tfjs.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const rng = new Rng(77);
  const values = ours.weightSpecs().map((s) => rng.array(s.shape.reduce((a, b) => a * b, 1), -0.5, 0.5));
  const shapes = ours.weightSpecs().map((s) => s.shape);
  ours.setWeights(values.map((v, k) => tf.tensor(v, shapes[k])));
  theirs.setWeights(values.map((v, k) => tfjs.tensor(v, shapes[k])));
  return { ours, theirs };
}

const N = 12;
function twinData(): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(5);
  const x = rng.array(N * 7 * 6 * 2, -1, 1);
  const y = new Float32Array(N * 3);
  for (let i = 0; i < N; i++) y[i * 3 + (i % 3)] = 1;
  return { x, y };
}

describe('Conv2D against TensorFlow.js', () => {
  for (const opt of ['sgd', 'adam'] as const) {
    it(`a small CNN: the same predictions, and the same weights after 3 ${opt} steps`, async () => {
      const { ours, theirs } = twinModels();
      const { x, y } = twinData();
      const xs = tf.tensor(x, [N, 7, 6, 2]);
      const txs = tfjs.tensor(x, [N, 7, 6, 2]);
      expectClose(ours.predict(xs).values as Float32Array, (theirs.predict(txs) as tfjs.Tensor).dataSync(), { rtol: 1e-5, atol: 2e-6 }, 'predictions');
      // NOTE: Adam's epsilon is 1e-10: tensorforge adds it as Keras does (to sqrt(v) before the bias
      // correction), TensorFlow.js after it, so at 1e-7 weights with gradients ~1e-5 step 0.4% apart.
      ours.compile({ optimizer: opt === 'sgd' ? tf.optimizers.sgd({ learningRate: 0.5 }) : tf.optimizers.adam({ learningRate: 0.05, epsilon: 1e-10 }), loss: 'categoricalCrossentropy' });
      theirs.compile({ optimizer: opt === 'sgd' ? tfjs.train.sgd(0.5) : tfjs.train.adam(0.05, 0.9, 0.999, 1e-10), loss: 'categoricalCrossentropy' });
      await ours.fit(xs, tf.tensor(y, [N, 3]), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
      await theirs.fit(txs, tfjs.tensor(y, [N, 3]), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
      const mine = ours.getWeights();
      const want = theirs.getWeights();
      expect(mine.length).toBe(want.length);
      // Three steps of float32 arithmetic in different orders: ~1e-6 apart.
      mine.forEach((w, k) => expectClose(w.values as Float32Array, want[k].dataSync(), { rtol: 1e-4, atol: 1e-5 }, `weight ${k}`));
      // Training moved the weights (not vacuous).
      const before = twinModels().ours.getWeights();
      expect(Math.max(...(mine[0].values as Float32Array).map((v, i) => Math.abs(v - (before[0].values as Float32Array)[i])))).toBeGreaterThan(1e-3);
    });
  }

  it('a tensorforge CNN loads in TensorFlow.js and a TensorFlow.js CNN loads in tensorforge, with the same predictions', async () => {
    const { ours, theirs } = twinModels();
    const { x } = twinData();
    let captured: tfjs.io.ModelArtifacts | null = null;
    await ours.save(tfjs.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const inTfjs = await tfjs.loadLayersModel(tfjs.io.fromMemory(captured!));
    const want = ours.predict(tf.tensor(x, [N, 7, 6, 2])).values as Float32Array;
    expectClose((inTfjs.predict(tfjs.tensor(x, [N, 7, 6, 2])) as tfjs.Tensor).dataSync(), want, { rtol: 1e-5, atol: 2e-6 }, 'TensorFlow.js after loading');
    expect(inTfjs.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense']);

    let fromTfjs: tfjs.io.ModelArtifacts | null = null;
    await theirs.save(tfjs.io.withSaveHandler(async (a) => {
      fromTfjs = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const inTf = await tf.loadLayersModel(tfjs.io.fromMemory(fromTfjs!) as never);
    expectClose(inTf.predict(tf.tensor(x, [N, 7, 6, 2])).values as Float32Array, (theirs.predict(tfjs.tensor(x, [N, 7, 6, 2])) as tfjs.Tensor).dataSync(),
      { rtol: 1e-5, atol: 2e-6 }, 'tensorforge after loading');
  });
});

describe('conv2d options and shapes', () => {
  it('names layers as Keras and takes one number for both axes', () => {
    const l = tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2 });
    expect(l.name).toMatch(/^conv2d(_\d+)?$/);
    expect(l.kernelSize).toEqual([3, 3]);
    expect(l.strides).toEqual([2, 2]);
    expect(l.computeOutputShape([7, 8, 3])).toEqual([3, 3, 2]);
    expect(tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([7, 8, 3])).toEqual([4, 4, 2]);
  });

  it('refuses bad options with the function and the value', () => {
    expect(() => tf.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/conv2d: filters must be in \[1/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: -1 })).toThrow(RangeError);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: [3, 0] })).toThrow(/conv2d: kernelSize must hold positive integers/);
    expect(() => tf.layers.conv2d({ filters: 2 } as never)).toThrow(/conv2d: kernelSize is required/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 })).toThrow(/conv2d: strides/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/conv2d: strides \[2,2\] and dilationRate \[2,2\]/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' as never })).toThrow(/conv2d: unknown padding 'causal'/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never })).toThrow(/conv2d: dataFormat 'channelsFirst' is not supported/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3, kernelSise: 3 } as never)).toThrow(/conv2d: unknown option 'kernelSise'; did you mean 'kernelSize'/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: '3' as never })).toThrow(TypeError);
  });

  it('refuses inputs it cannot take, naming the layer and the shape, before building', () => {
    const flat = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28], filters: 2, kernelSize: 3, name: 'c1' })] });
    expect(() => flat.build([28, 28])).toThrow(/conv2d: layer 'c1' expects per-sample input \[height, width, channels\], got \[28,28\]/);
    const small = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [2, 9, 1], filters: 2, kernelSize: 3, name: 'c2' })] });
    expect(() => small.build([2, 9, 1])).toThrow(/conv2d: layer 'c2': window \[3,3\] is larger than its input \[2,9,1\] under 'valid' padding/);
    const dilated = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, dilationRate: 3, name: 'c3' })] });
    expect(() => dilated.build([5, 5, 1])).toThrow(/window \[7,7\] is larger than its input/);
    expect(() => tf.layers.conv2d({ filters: 2, kernelSize: 3 }).computeOutputShape([0, 4, 1])).toThrow(RangeError);
  });

  it('reads Keras configs: snake_case values, integers for pairs, and refuses grouped convolutions', () => {
    const l = tf.layers.Conv2D.fromConfig({ filters: 4, kernelSize: 3, strides: [1, 1], padding: 'same', dataFormat: 'channels_last', activation: 'relu', groups: 1 });
    expect(l.kernelSize).toEqual([3, 3]);
    expect(l.activation).toBe('relu');
    expect(() => tf.layers.Conv2D.fromConfig({ filters: 4, kernelSize: 3, groups: 2 })).toThrow(/Conv2D.fromConfig: groups 2 is not supported/);
    expect(() => tf.layers.Conv2D.fromConfig({ filters: 4, kernelSize: 3, dataFormat: 'channels_first' })).toThrow(RangeError);
  });
});
