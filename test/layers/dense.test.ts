// Dense through the generic layer harness: every activation (those with a
// parameter at their default and another alpha), softmax and sigmoid outputs
// under the cross-entropies they are fused with, without bias, with kernel
// regularizers, and against TensorFlow.js where it defines the same activation.
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../../src/index';
import { ALL_ACTIVATIONS, ActName, KINKS, activateRow } from '../training/reference';
import { LayerCase, LossName, Matrix, Weights, denseRef, runLayerTest } from './harness';

const IN = 4;
const UNITS = 3;

/** TensorFlow.js's name of each activation it defines as we do. Its hardSigmoid is Keras 2's clip(0.2x + 0.5) and it has no leaky ReLU activation. */
const TFJS_ACTIVATION: Partial<Record<ActName, string>> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid', tanh: 'tanh',
  softplus: 'softplus', softsign: 'softsign', gelu: 'gelu', gelu_new: 'gelu_new', silu: 'swish', softmax: 'softmax',
};

/** The name getConfig writes: Keras's, and 'swish' for silu (the one name TensorFlow.js and Keras both read). */
const SAVED_NAME: Record<ActName, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', leakyRelu: 'leaky_relu', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid',
  hardSigmoid: 'hard_sigmoid', tanh: 'tanh', softplus: 'softplus', softsign: 'softsign', gelu: 'gelu', gelu_new: 'gelu_new',
  silu: 'swish', softmax: 'softmax',
};

interface DenseOptions {
  act: ActName;
  alpha?: number;
  useBias?: boolean;
  l1?: number;
  l2?: number;
  loss?: LossName;
}

function denseCase(o: DenseOptions): LayerCase {
  const useBias = o.useBias ?? true;
  const pre = (x: Matrix, w: Weights) => denseRef(x, w.kernel, useBias ? w.bias : null, UNITS);
  const kinks = KINKS[o.act] ?? [];
  const regularized = o.l1 !== undefined || o.l2 !== undefined;
  const label = [
    `Dense ${o.act}`, o.alpha !== undefined ? `alpha ${o.alpha}` : '', useBias ? '' : 'without bias',
    regularized ? `l1 ${o.l1 ?? 0} l2 ${o.l2 ?? 0}` : '', o.loss ? `under ${o.loss}` : '',
  ].filter(Boolean).join(', ');
  const tfjsName = TFJS_ACTIVATION[o.act];
  return {
    name: label,
    make: () => tf.layers.dense({
      units: UNITS, activation: o.act, alpha: o.alpha, useBias,
      kernelRegularizer: regularized ? tf.regularizers.l1l2({ l1: o.l1 ?? 0, l2: o.l2 ?? 0 }) : undefined,
    }),
    inputShape: [IN],
    outputShape: [UNITS],
    weights: [
      { name: 'kernel', shape: [IN, UNITS], trainable: true },
      ...(useBias ? [{ name: 'bias', shape: [UNITS], trainable: true }] : []),
    ],
    // activateRow is Keras 3's definition of each activation, in float64.
    reference: (x, w) => pre(x, w).map((row) => activateRow(o.act, row, o.alpha)),
    kinkMargin: kinks.length ? (x, w) => Math.min(...pre(x, w).flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    // Keras: l1 * sum|w| + l2 * sum w² of the kernel, added to the loss.
    penalty: regularized ? (w) => w.kernel.reduce((a, v) => a + (o.l1 ?? 0) * Math.abs(v) + (o.l2 ?? 0) * v * v, 0) : undefined,
    config: {
      units: UNITS, activation: SAVED_NAME[o.act], useBias,
      kernelRegularizer: regularized ? { className: 'L1L2', config: { l1: o.l1 ?? 0, l2: o.l2 ?? 0 } } : null,
      ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    },
    loss: o.loss,
    // The kernel's |w| >= 0.05 keeps l1's kink away from the finite-difference steps.
    tfjs: tfjsName && o.alpha === undefined ? () => tfjs.layers.dense({ units: UNITS, activation: tfjsName as never, useBias }) : undefined,
  };
}

const cases: LayerCase[] = [
  ...ALL_ACTIVATIONS.map((act) => denseCase({ act })),
  // A parameter other than the default reaches the kernels.
  denseCase({ act: 'leakyRelu', alpha: 0.05 }),
  denseCase({ act: 'elu', alpha: 0.5 }),
  // Output activations fused with their cross-entropy (log-sum-exp / the stable sigmoid form).
  denseCase({ act: 'softmax', loss: 'categoricalCrossentropy' }),
  denseCase({ act: 'softmax', loss: 'sparseCategoricalCrossentropy' }),
  denseCase({ act: 'sigmoid', loss: 'binaryCrossentropy' }),
  denseCase({ act: 'tanh', useBias: false }),
  denseCase({ act: 'relu', useBias: false }),
  denseCase({ act: 'tanh', l1: 0.05 }),
  denseCase({ act: 'linear', l2: 0.05 }),
  denseCase({ act: 'sigmoid', l1: 0.02, l2: 0.03 }),
];

cases.forEach((c, i) => runLayerTest(c, 1000 + i));
