// Layer factories, as `tf.layers` in TensorFlow.js.
import { ActivationArgs, ActivationLayer } from './activation_layer';
import { Dense, DenseArgs } from './dense';
import { Dropout, DropoutArgs } from './dropout';
import { Flatten } from './flatten';
import { LayerArgs } from './layer';
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
export function flatten(args?: LayerArgs): Flatten {
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
export { Dense, ActivationLayer as Activation, Dropout, Flatten, BatchNormalization, LayerNormalization };
export type { DenseArgs, ActivationArgs, DropoutArgs, BatchNormalizationArgs, NormalizationArgs };
