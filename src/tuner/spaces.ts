// The search spaces `tensorforge tune --space NAME` offers, with the shape
// each one's models take one Fashion-MNIST image in.
import type { LayersModel } from '../models/layers_model';
import type { TunerOptions } from './tuner';
import type { HyperParameters } from './hyperparameters';
import { cnnSpace } from './cnn_space';
import { defaultMlpSpace } from './default_space';

/** A space as the CLI uses it. */
export interface NamedSpace {
  /** What it searches, in lines of at most ~60 characters (the usage text). */
  summary: string[];
  /** One image's shape as the models take it (the data are reshaped to [n, ...inputShape], sharing the buffer). */
  inputShape: number[];
  create(classes: number): { build: (hp: HyperParameters) => LayersModel; fitOptions: TunerOptions['fitOptions'] };
}

/** The spaces by name; the first is the default. */
export const SPACES = {
  mlp: {
    summary: ['a multi-layer perceptron: 1-3 dense layers of 64-512', 'units, relu/gelu, dropout 0-0.4'],
    inputShape: [784],
    create: (classes: number) => defaultMlpSpace({ classes }),
  },
  cnn: {
    summary: ['a convnet on 28x28x1 images: 1-3 blocks of 1-2 convolutions', '(16-128 filters, 3x3 or 5x5), max/average pooling or',
      'strides, batch norm or not; dropout 0-0.5, a dense layer or not'],
    inputShape: [28, 28, 1],
    create: (classes: number) => cnnSpace({ classes, inputShape: [28, 28, 1] }),
  },
} satisfies Record<string, NamedSpace>;

/** A space's name (`--space`). */
export type SpaceName = keyof typeof SPACES;
/** Every space's name, the default first. */
export const SPACE_NAMES = Object.keys(SPACES) as SpaceName[];

/** Whether `s` names a space. */
export function isSpaceName(s: unknown): s is SpaceName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(SPACES, s);
}
