// The convolutional search space (`tensorforge tune --space cnn`): blocks of
// convolutions over channels-last images ([n, height, width, channels], e.g.
// Fashion-MNIST as [n, 28, 28, 1]) and integer class labels.
import { checkArray, checkInt, checkOptions, rangeError, show } from '../errors';
import * as layers from '../layers';
import { Sequential } from '../models/sequential';
import * as optimizers from '../optimizers';
import type { FitArgs } from '../models/sequential';
import type { HyperParameters } from './hyperparameters';

/** Options of {@link cnnSpace}. */
export interface CnnSpaceOptions {
  /** Output classes (default 10). */
  classes?: number;
  /** Shape of one image, [height, width, channels] (default [28, 28, 1]: Fashion-MNIST reshaped). */
  inputShape?: [number, number, number];
}

/** Most blocks a model has; each halves the image, so fewer fit a small input. */
const MAX_BLOCKS = 3;
/** Filters of a block stop doubling here (cost grows with the square of the width). */
const MAX_FILTERS = 128;

/**
 * A build function and fitOptions for an image classifier: 1-3 blocks, each
 * of 1-2 convolutions ('same' padding, relu) with 16 or 32 filters in the
 * first block (doubling per block, at most 128) and a 3x3 or 5x5 kernel per
 * block, batch normalization before the relu or none, then a 2x2 max or
 * average pooling or a stride of 2 in the block's last convolution; then
 * flatten, dropout 0-0.5, an optional dense layer of 64-256 relu units and a
 * softmax. Adam/Nadam/RMSprop with a log-uniform learning rate in
 * [1e-4, 3e-3], batch size 32-128.
 *
 * The models expect images of `inputShape` (reshape flat Fashion-MNIST with
 * `x.reshape([n, 28, 28, 1])`, which shares the buffer). Per 28x28 image the
 * cheapest model costs about a 40th of the examples/cnn.ts network's
 * arithmetic, the dearest (three blocks of two 5x5 convolutions, 32 to 128
 * filters, pooling) about 33 times it: trials differ in cost far more than
 * in the MLP space, which a time-budgeted search (Hyperband's short first
 * rungs, the median pruner) absorbs.
 */
export function cnnSpace(options: CnnSpaceOptions = {}): {
  build: (hp: HyperParameters) => Sequential;
  fitOptions: (hp: HyperParameters) => Omit<FitArgs, 'epochs' | 'initialEpoch' | 'callbacks' | 'verbose' | 'seed' | 'signal'>;
} {
  const fn = 'cnnSpace';
  const o = checkOptions(fn, options, ['classes', 'inputShape']);
  const classes = checkInt(fn, 'classes', o.classes ?? 10, 2);
  const shape = checkArray(fn, 'inputShape', o.inputShape ?? [28, 28, 1], 'an array [height, width, channels]');
  if (shape.length !== 3) throw rangeError(fn, `inputShape must be [height, width, channels], got ${show(shape)}`);
  const [height, width, channels] = shape.map((d, i) => checkInt(fn, `inputShape[${i}]`, d, 1, 1 << 16));
  // Each block halves the image (pooling floors, a stride ceils): a block needs at least 2x2 in.
  const maxBlocks = Math.min(MAX_BLOCKS, Math.floor(Math.log2(Math.min(height, width))));
  if (maxBlocks < 1) throw rangeError(fn, `inputShape ${show(shape)} is too small: a block halves the image, which needs at least 2x2`);
  const inputShape = [height, width, channels];
  return {
    build: (hp) => {
      const model = new Sequential();
      const blocks = hp.int('blocks', 1, maxBlocks, { default: Math.min(2, maxBlocks) });
      const baseFilters = hp.choice('filters', [16, 32], { default: 32 });
      const convs = hp.int('convs_per_block', 1, 2);
      const downsample = hp.choice('downsample', ['max_pool', 'avg_pool', 'strides']);
      const batchNorm = hp.boolean('batch_norm');
      let first = true;
      for (let b = 0; b < blocks; b++) {
        // Block b's kernel exists only in models with more than b blocks.
        const kernelSize = b === 0
          ? hp.choice('kernel_size_0', [3, 5])
          : hp.conditionalScope('blocks', range(b + 1, maxBlocks), () => hp.choice(`kernel_size_${b}`, [3, 5]))!;
        const filters = Math.min(baseFilters * 2 ** b, MAX_FILTERS);
        for (let c = 0; c < convs; c++) {
          const strides = downsample === 'strides' && c === convs - 1 ? 2 : 1;
          model.add(layers.conv2d({
            ...(first ? { inputShape } : {}), filters, kernelSize, strides, padding: 'same',
            // With batch norm its beta is the bias, and the relu comes after it.
            activation: batchNorm ? 'linear' : 'relu', useBias: !batchNorm,
          }));
          first = false;
          if (batchNorm) {
            model.add(layers.batchNormalization());
            model.add(layers.activation({ activation: 'relu' }));
          }
        }
        if (downsample === 'max_pool') model.add(layers.maxPooling2d({ poolSize: 2 }));
        else if (downsample === 'avg_pool') model.add(layers.averagePooling2d({ poolSize: 2 }));
      }
      model.add(layers.flatten());
      const dropout = hp.float('dropout', 0, 0.5, { step: 0.1, default: 0.3 });
      if (dropout > 0) model.add(layers.dropout({ rate: dropout }));
      const units = hp.choice('dense_units', [0, 64, 128, 256]);
      if (units > 0) {
        model.add(layers.dense({ units, activation: 'relu' }));
        if (dropout > 0) model.add(layers.dropout({ rate: dropout }));
      }
      model.add(layers.dense({ units: classes, activation: 'softmax' }));
      const optimizer = hp.choice('optimizer', ['adam', 'nadam', 'rmsprop']);
      const learningRate = hp.float('lr', 1e-4, 3e-3, { sampling: 'log', default: 1e-3 });
      model.compile({ optimizer: optimizers.get(optimizer, { learningRate }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      return model;
    },
    fitOptions: (hp) => ({ batchSize: hp.choice('batch_size', [32, 64, 128], { default: 128 }) }),
  };
}

/** [from, from + 1, ..., to]. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
