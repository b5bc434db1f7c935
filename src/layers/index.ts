// Layer factories, as `tf.layers` in TensorFlow.js. Importing this module
// registers every built-in layer class (each file's registerLayer line).
// NOTE: the import order is the registration order, which is the order load's
// "unsupported layer class" error lists the classes in.
import { Dense, DenseArgs } from './dense';
import { Dropout, DropoutArgs } from './dropout';
import { Flatten, FlattenArgs } from './flatten';
import { ActivationArgs, ActivationLayer } from './activation_layer';
import { BatchNormalization, BatchNormalizationArgs, LayerNormalization, NormalizationArgs } from './normalization';

/** A fully connected layer. */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
/** An activation function as its own layer. */
export function activation(args: ActivationArgs): ActivationLayer {
  return new ActivationLayer(args);
}
/** Dropout (training only). */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
/** Flattens each sample to a vector. */
export function flatten(args?: FlattenArgs): Flatten {
  return new Flatten(args);
}
/** Batch normalization with moving statistics for inference. */
export function batchNormalization(args?: BatchNormalizationArgs): BatchNormalization {
  return new BatchNormalization(args);
}
/** Layer normalization. */
export function layerNormalization(args?: NormalizationArgs): LayerNormalization {
  return new LayerNormalization(args);
}

export { Layer } from './layer';
export type { LayerArgs } from './layer';
export type { LayerConfig } from './config';
export { Dense, ActivationLayer as Activation, Dropout, Flatten, BatchNormalization, LayerNormalization };
export type { DenseArgs, ActivationArgs, DropoutArgs, FlattenArgs, BatchNormalizationArgs, NormalizationArgs };
