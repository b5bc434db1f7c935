// The search space the CLI and the benchmark use: a multi-layer perceptron for
// flat inputs (e.g. 28x28 images as 784 features) and integer class labels.
import { checkInt, checkOptions } from '../errors';
import * as layers from '../layers';
import { Sequential } from '../models/sequential';
import * as optimizers from '../optimizers';
import type { FitArgs } from '../models/sequential';
import type { HyperParameters } from './hyperparameters';

/** Options of {@link defaultMlpSpace}. */
export interface DefaultMlpSpaceOptions {
  /** Output classes (default 10). */
  classes?: number;
}

/**
 * A build function and fitOptions for a classifier MLP: 1-3 hidden dense
 * layers of 64-512 units, relu or gelu, dropout 0-0.4, Adam/Nadam/RMSprop
 * with a log-uniform learning rate in [1e-4, 3e-3], batch size 32-128.
 * (Plain SGD and rates near 1e-2 are left out: within a 20-epoch budget they
 * do not train an MLP to competitive accuracy, so trials spent on them are lost.)
 */
export function defaultMlpSpace(options: DefaultMlpSpaceOptions = {}): {
  build: (hp: HyperParameters) => Sequential;
  fitOptions: (hp: HyperParameters) => Omit<FitArgs, 'epochs' | 'initialEpoch' | 'callbacks' | 'verbose' | 'seed' | 'signal'>;
} {
  const o = checkOptions('defaultMlpSpace', options, ['classes']);
  const classes = checkInt('defaultMlpSpace', 'classes', o.classes ?? 10, 2);
  return {
    build: (hp) => {
      const model = new Sequential();
      const activation = hp.choice('activation', ['relu', 'gelu']);
      const depth = hp.int('layers', 1, 3);
      const dropout = hp.float('dropout', 0, 0.4, { step: 0.1 });
      for (let i = 0; i < depth; i++) {
        model.add(layers.dense({ units: hp.choice(`units_${i}`, [64, 128, 256, 512]), activation: activation as 'relu' }));
        if (dropout > 0) model.add(layers.dropout({ rate: dropout }));
      }
      model.add(layers.dense({ units: classes, activation: 'softmax' }));
      const optimizer = hp.choice('optimizer', ['adam', 'nadam', 'rmsprop']);
      const learningRate = hp.float('lr', 1e-4, 3e-3, { sampling: 'log' });
      model.compile({ optimizer: optimizers.get(optimizer, { learningRate }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      return model;
    },
    fitOptions: (hp) => ({ batchSize: hp.choice('batch_size', [32, 64, 128]) }),
  };
}
