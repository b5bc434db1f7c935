// The benchmarks' networks, built with whichever tensorforge a benchmark
// loads (the sources or the built package): one definition each.
import type * as TF from '../../src/index';

/** The example CNN of examples/cnn.ts (the Keras MNIST convnet) for [n, 28, 28, 1] images. */
export function exampleCnn(tf: typeof TF): TF.Sequential {
  return tf.sequential([
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
}

/** The row-wise LSTM(128) + softmax of bench/rnn: an image read as 28 steps of 28 pixels. */
export function rowLstm(tf: typeof TF): TF.Sequential {
  return tf.sequential([tf.layers.lstm({ units: 128, inputShape: [28, 28] }), tf.layers.dense({ units: 10, activation: 'softmax' })]);
}
