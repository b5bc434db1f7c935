// Layer factories, as `tf.layers` in TensorFlow.js. Importing this module
// registers every built-in layer class (each file's registerLayer line).
// NOTE: the import order is the registration order, which is the order load's
// "unsupported layer class" error lists the classes in.
import { Dense, DenseArgs } from './dense';
import { Dropout, DropoutArgs } from './dropout';
import { Flatten, FlattenArgs } from './flatten';
import { ActivationArgs, ActivationLayer } from './activation_layer';
import { BatchNormalization, BatchNormalizationArgs, LayerNormalization, NormalizationArgs } from './normalization';
import { Add, Average, Maximum, MergeArgs, Minimum, Multiply, Subtract } from './merge';
import { Concatenate, ConcatenateArgs } from './concatenate';
import { Reshape, ReshapeArgs } from './reshape';
import { Permute, PermuteArgs } from './permute';
import { RepeatVector, RepeatVectorArgs } from './repeat_vector';
import { LSTM, LSTMArgs } from './lstm';
import { GRU, GRUArgs } from './gru';
import { SimpleRNN, SimpleRNNArgs } from './simple_rnn';
import { Embedding, EmbeddingArgs } from './embedding';
import { Masking, MaskingArgs } from './masking';
import type { RecurrentApplyOptions } from './recurrent';
import { Conv2D, Conv2DArgs } from './conv2d';
import { Conv1D, Conv1DArgs } from './conv1d';
import { DepthwiseConv2D, DepthwiseConv2DArgs } from './depthwise_conv2d';
import { AveragePooling2D, MaxPooling2D, Pooling2DArgs } from './pooling2d';
import { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalPooling2DArgs } from './global_pooling2d';
import { Bidirectional, BidirectionalArgs, BidirectionalMergeMode } from './bidirectional';
import { TimeDistributed, TimeDistributedArgs } from './time_distributed';
import { Cropping2D, Cropping2DArgs, Margins2D, ZeroPadding2D, ZeroPadding2DArgs } from './border2d';
import { UpSampling2D, UpSampling2DArgs } from './up_sampling2d';
import { SpatialDropout2D, SpatialDropout2DArgs } from './spatial_dropout2d';
import { AveragePooling1D, MaxPooling1D, Pooling1DArgs } from './pooling1d';
import { Conv2DTranspose, Conv2DTransposeArgs } from './conv2d_transpose';
import { SeparableConv2D, SeparableConv2DArgs } from './separable_conv2d';

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

/** The sum of its inputs (a merge layer: `tf.layers.add().apply([a, b])`). */
export function add(args?: MergeArgs): Add {
  return new Add(args);
}
/** Its first input minus its second. */
export function subtract(args?: MergeArgs): Subtract {
  return new Subtract(args);
}
/** The elementwise product of its inputs. */
export function multiply(args?: MergeArgs): Multiply {
  return new Multiply(args);
}
/** The elementwise mean of its inputs. */
export function average(args?: MergeArgs): Average {
  return new Average(args);
}
/** The elementwise maximum of its inputs. */
export function maximum(args?: MergeArgs): Maximum {
  return new Maximum(args);
}
/** The elementwise minimum of its inputs. */
export function minimum(args?: MergeArgs): Minimum {
  return new Minimum(args);
}
/** Joins its inputs along an axis (default the last). */
export function concatenate(args?: ConcatenateArgs): Concatenate {
  return new Concatenate(args);
}
/** Gives each sample another shape with the same number of elements. */
export function reshape(args: ReshapeArgs): Reshape {
  return new Reshape(args);
}
/** Reorders the axes of each sample. */
export function permute(args: PermuteArgs): Permute {
  return new Permute(args);
}
/** Repeats each sample's features n times. */
export function repeatVector(args: RepeatVectorArgs): RepeatVector {
  return new RepeatVector(args);
}
/**
 * A long short-term memory layer over sequences [batch, time, features].
 * With `returnState: true`, `apply` returns `[output, h, c]` (typed so).
 */
export function lstm(args: LSTMArgs & { returnState: true }): LSTM & { readonly returnState: true };
export function lstm(args: LSTMArgs & { returnState?: false }): LSTM & { readonly returnState: false };
export function lstm(args: LSTMArgs): LSTM;
export function lstm(args: LSTMArgs): LSTM {
  return new LSTM(args);
}
/**
 * A gated recurrent unit layer over sequences [batch, time, features].
 * With `returnState: true`, `apply` returns `[output, h]` (typed so).
 */
export function gru(args: GRUArgs & { returnState: true }): GRU & { readonly returnState: true };
export function gru(args: GRUArgs & { returnState?: false }): GRU & { readonly returnState: false };
export function gru(args: GRUArgs): GRU;
export function gru(args: GRUArgs): GRU {
  return new GRU(args);
}
/**
 * A fully connected recurrent layer over sequences [batch, time, features].
 * With `returnState: true`, `apply` returns `[output, h]` (typed so).
 */
export function simpleRNN(args: SimpleRNNArgs & { returnState: true }): SimpleRNN & { readonly returnState: true };
export function simpleRNN(args: SimpleRNNArgs & { returnState?: false }): SimpleRNN & { readonly returnState: false };
export function simpleRNN(args: SimpleRNNArgs): SimpleRNN;
export function simpleRNN(args: SimpleRNNArgs): SimpleRNN {
  return new SimpleRNN(args);
}
/** Token ids [batch, ...positions] to vectors [batch, ...positions, outputDim]. */
export function embedding(args: EmbeddingArgs): Embedding {
  return new Embedding(args);
}

/** Masks the time steps of sequences whose features all equal maskValue (padding) for the recurrent layers after it. */
export function masking(args?: MaskingArgs): Masking {
  return new Masking(args);
}

/** A 2-D convolution over channels-last images (kernel [kh, kw, inChannels, filters]). */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
/** A 1-D convolution over sequences [steps, channels] (kernel [k, inChannels, filters]). */
export function conv1d(args: Conv1DArgs): Conv1D {
  return new Conv1D(args);
}
/** A depthwise 2-D convolution: each input channel filtered on its own (kernel [kh, kw, inChannels, depthMultiplier]). */
export function depthwiseConv2d(args: DepthwiseConv2DArgs): DepthwiseConv2D {
  return new DepthwiseConv2D(args);
}
/** The maximum of each 2-D window, per channel. */
export function maxPooling2d(args?: Pooling2DArgs): MaxPooling2D {
  return new MaxPooling2D(args);
}
/** The mean of each 2-D window, per channel. */
export function averagePooling2d(args?: Pooling2DArgs): AveragePooling2D {
  return new AveragePooling2D(args);
}
/** The mean of each channel over all positions: [h, w, c] -> [c]. */
export function globalAveragePooling2d(args?: GlobalPooling2DArgs): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}
/** The maximum of each channel over all positions: [h, w, c] -> [c]. */
export function globalMaxPooling2d(args?: GlobalPooling2DArgs): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(args);
}
/**
 * A recurrent layer run forwards and backwards over the sequence, outputs
 * merged ('concat', 'sum', 'mul', 'ave'). When the layer has `returnState`,
 * `apply` returns `[output, ...forward states, ...backward states]`, as Keras.
 */
export function bidirectional(args: BidirectionalArgs & { layer: { readonly returnState: true } }): Bidirectional & { readonly returnState: true };
export function bidirectional(args: BidirectionalArgs & { layer: { readonly returnState: false } }): Bidirectional & { readonly returnState: false };
export function bidirectional(args: BidirectionalArgs): Bidirectional;
export function bidirectional(args: BidirectionalArgs): Bidirectional {
  return new Bidirectional(args);
}
/** A layer applied to every time step of [batch, time, ...] with shared weights. */
export function timeDistributed(args: TimeDistributedArgs): TimeDistributed {
  return new TimeDistributed(args);
}
/** Zero rows and columns around each image: [h, w, c] -> [h + top + bottom, w + left + right, c]. */
export function zeroPadding2d(args?: ZeroPadding2DArgs): ZeroPadding2D {
  return new ZeroPadding2D(args);
}
/** Removes rows and columns from the borders of each image: [h, w, c] -> [h - top - bottom, w - left - right, c]. */
export function cropping2d(args?: Cropping2DArgs): Cropping2D {
  return new Cropping2D(args);
}
/** {@link cropping2d} under TensorFlow.js's spelling. */
export const cropping2D = cropping2d;
/** Repeats each pixel into a size[0] x size[1] block (nearest neighbour): [h, w, c] -> [h * size[0], w * size[1], c]. */
export function upSampling2d(args?: UpSampling2DArgs): UpSampling2D {
  return new UpSampling2D(args);
}
/** Dropout of whole channels per sample (training only). */
export function spatialDropout2d(args: SpatialDropout2DArgs): SpatialDropout2D {
  return new SpatialDropout2D(args);
}
/** The maximum of each window of steps, per channel. */
export function maxPooling1d(args?: Pooling1DArgs): MaxPooling1D {
  return new MaxPooling1D(args);
}
/** The mean of each window of steps, per channel. */
export function averagePooling1d(args?: Pooling1DArgs): AveragePooling1D {
  return new AveragePooling1D(args);
}
/** The mean of each channel over all steps: [steps, c] -> [c]. */
export function globalAveragePooling1d(args?: GlobalPooling2DArgs): GlobalAveragePooling1D {
  return new GlobalAveragePooling1D(args);
}
/** The maximum of each channel over all steps: [steps, c] -> [c]. */
export function globalMaxPooling1d(args?: GlobalPooling2DArgs): GlobalMaxPooling1D {
  return new GlobalMaxPooling1D(args);
}
/** A transposed 2-D convolution (learnable upsampling), kernel [kh, kw, filters, inChannels]. */
export function conv2dTranspose(args: Conv2DTransposeArgs): Conv2DTranspose {
  return new Conv2DTranspose(args);
}
/** A depthwise separable 2-D convolution: depthwise (per channel), then pointwise (1x1) to `filters` channels. */
export function separableConv2d(args: SeparableConv2DArgs): SeparableConv2D {
  return new SeparableConv2D(args);
}

export { Layer } from './layer';
export type { LayerArgs } from './layer';
export { LayerVariable } from './layer_variable';
export type { LayerConfig } from './config';
export { Dense, ActivationLayer as Activation, Dropout, Flatten, BatchNormalization, LayerNormalization };
export type { DenseArgs, ActivationArgs, DropoutArgs, FlattenArgs, BatchNormalizationArgs, NormalizationArgs };
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Reshape, Permute, RepeatVector };
export type { MergeArgs, ConcatenateArgs, ReshapeArgs, PermuteArgs, RepeatVectorArgs };
export { LSTM, GRU, SimpleRNN, Embedding, Masking };
export type { LSTMArgs, GRUArgs, SimpleRNNArgs, EmbeddingArgs, MaskingArgs, RecurrentApplyOptions };
export { Conv2D, Conv1D, DepthwiseConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D };
export type { Conv2DArgs, Conv1DArgs, DepthwiseConv2DArgs, Pooling2DArgs, GlobalPooling2DArgs };
export { Bidirectional, TimeDistributed };
export type { BidirectionalArgs, BidirectionalMergeMode, TimeDistributedArgs };
export { ZeroPadding2D, Cropping2D, UpSampling2D, SpatialDropout2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D };
export type { ZeroPadding2DArgs, Cropping2DArgs, Margins2D, UpSampling2DArgs, SpatialDropout2DArgs, Pooling1DArgs };
export { Conv2DTranspose, SeparableConv2D };
export type { Conv2DTransposeArgs, SeparableConv2DArgs };
