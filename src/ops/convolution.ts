// tf.conv2d, tf.depthwiseConv2d, tf.conv1d, tf.maxPool and tf.avgPool as
// TensorFlow.js has them, over NHWC (NWC) tensors. Each runs the native layer
// of the same name (native/layers/conv2d.cc, depthwise_conv2d.cc,
// pooling2d.cc) as an op (native/layer_op.h, ops/layer_op.ts), forward in
// inference mode, and its gradient on the tape through the same layer's
// backward (autodiff/gradients/convolution.ts): the same tested kernels as
// the layers, and no second implementation to keep in step. conv1d runs
// conv2d over one row of pixels, as TensorFlow does.
import { checkOneOf, rangeError, show, typeError } from '../errors';
import { checkPadding, checkPair, checkSingle, windowOutput } from '../layers/window2d';
import { TAPE, record } from '../autodiff/tape';
import { NativeLayerSpec, native } from '../native';
import { Tensor, checkTensor, ownedTensor, sizeFromShape } from '../tensor';
import { NO_WEIGHTS, layerOp } from './layer_op';
import { allocateUninitializedF32 } from './shapes';

/** x as [batch, h, w, c] (a rank-3 x is one image); throws unless float32 of rank 3 or 4 with no empty dimension. */
function images(fn: string, x: unknown): { t: Tensor; shape: [number, number, number, number]; batched: boolean } {
  const t = checkTensor(fn, 'x', x);
  if (t.dtype !== 'float32') throw typeError(fn, `x must be float32, got ${t.dtype}`);
  if (t.rank !== 3 && t.rank !== 4) throw rangeError(fn, `x must be of rank 3 [h, w, c] or 4 [batch, h, w, c], got shape ${show(t.shape)}`);
  const s = t.rank === 3 ? [1, ...t.shape] : [...t.shape];
  if (s.some((d) => d === 0)) throw rangeError(fn, `x must have no empty dimension, got shape ${show(t.shape)}`);
  return { t, shape: s as [number, number, number, number], batched: t.rank === 4 };
}

function checkNhwc(fn: string, dataFormat: unknown): void {
  if (dataFormat !== undefined) checkOneOf(fn, 'dataFormat', dataFormat, ['NHWC'] as const);
}

function checkRounding(fn: string, v: unknown): void {
  if (v !== undefined) throw rangeError(fn, `dimRoundingMode is not supported (padding 'valid' or 'same' gives whole sizes), got ${show(v)}`);
}

/**
 * Runs one native layer over x as an op (ops/layer_op.ts), `filter` its only
 * weight; `resultShape` (default: by x's batching) shapes the output. On the
 * gradient tape the node is `kernel` over [x, filter] (or [x]), and keeps the
 * op for its gradient (autodiff/gradients/convolution.ts).
 */
function runLayer(fn: string, kernel: string, x: { t: Tensor; shape: number[]; batched: boolean }, filter: Tensor | null,
  spec: NativeLayerSpec, outSample: number[], resultShape?: number[]): Tensor {
  const [n, h, w, c] = x.shape;
  const outShape = [n, ...outSample];
  const out = allocateUninitializedF32(sizeFromShape(fn, outShape), fn);
  const op = layerOp(spec, [h, w, c]);
  op.forward(x.t.backing.array as Float32Array, n, filter === null ? NO_WEIGHTS : (filter.backing.array as Float32Array), out);
  const y = ownedTensor(out, resultShape ?? (x.batched ? outShape : outSample), 'float32');
  if (TAPE.active !== null) record(kernel, filter === null ? [x.t] : [x.t, filter], y, { op, n });
  return y;
}

/** The float32 filter of `fn`, of rank `rank` with no empty dimension (`layout` names its axes). */
function filterOf(fn: string, filter: unknown, rank: number, layout: string): Tensor {
  const f = checkTensor(fn, 'filter', filter);
  if (f.dtype !== 'float32') throw typeError(fn, `filter must be float32, got ${f.dtype}`);
  if (f.rank !== rank || f.shape.some((v) => v === 0)) throw rangeError(fn, `filter must be of rank ${rank} ${layout} with no empty dimension, got ${show(f.shape)}`);
  return f;
}

/** The checked arguments of the 2-D convolution ops (conv2d, depthwiseConv2d) and where the window lands. */
function imageConv(fn: string, x: unknown, filter: unknown, layout: string, strides: unknown, pad: unknown, dataFormat: unknown, dilations: unknown,
  dimRoundingMode: unknown) {
  const img = images(fn, x);
  const f = filterOf(fn, filter, 4, layout);
  const s = checkPair(fn, 'strides', strides);
  if (pad === undefined) throw typeError(fn, "pad is required ('valid' or 'same')");
  const padding = checkPadding(fn, pad);
  checkNhwc(fn, dataFormat);
  const d = checkPair(fn, 'dilations', dilations, [1, 1]);
  checkRounding(fn, dimRoundingMode);
  if (s.some((v) => v > 1) && d.some((v) => v > 1)) throw rangeError(fn, `strides ${show(s)} and dilations ${show(d)} cannot both be above 1`);
  if (f.shape[2] !== img.shape[3]) throw rangeError(fn, `filter ${show(f.shape)} takes ${f.shape[2]} input channels, x ${show(img.t.shape)} has ${img.shape[3]}`);
  const size = [f.shape[0], f.shape[1]] as [number, number];
  checkPair(fn, 'filter size', size);
  return { img, f, s, d, padding, size, out: windowOutput(fn, 'x', img.shape.slice(1), size, s, d, padding) };
}

/**
 * 2-D convolution of NHWC images with a filter [filterHeight, filterWidth,
 * inChannels, outChannels] (TensorFlow's HWIO), as TensorFlow.js's `tf.conv2d`.
 * Differentiable with respect to x and the filter (tf.grad, tf.variableGrads).
 * @param x [batch, h, w, inChannels] or one image [h, w, inChannels].
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' (no padding) or 'same' (output ceil(input / strides)).
 * @param dataFormat only 'NHWC' (default).
 * @param dilations [h, w] or one number (default 1); not with strides above 1.
 */
export function conv2d(x: Tensor, filter: Tensor, strides: number | [number, number], pad: 'valid' | 'same',
  dataFormat?: 'NHWC', dilations?: number | [number, number], dimRoundingMode?: never): Tensor {
  const fn = 'conv2d';
  const { img, f, s, d, padding, size, out: [oh, ow] } = imageConv(fn, x, filter, '[h, w, inChannels, outChannels]', strides, pad, dataFormat, dilations,
    dimRoundingMode);
  const spec = {
    kind: native.enums.layer.conv2d, filters: f.shape[3], kernelSize: size, strides: s, dilationRate: d, same: padding === 'same', useBias: false,
  };
  return runLayer(fn, 'Conv2D', img, f, spec, [oh, ow, f.shape[3]]);
}

function pool(fn: 'maxPool' | 'avgPool', x: Tensor, filterSize: number | [number, number], strides: number | [number, number],
  pad: 'valid' | 'same', dimRoundingMode: unknown): Tensor {
  const img = images(fn, x);
  const size = checkPair(fn, 'filterSize', filterSize);
  const s = checkPair(fn, 'strides', strides);
  if (pad === undefined) throw typeError(fn, "pad is required ('valid' or 'same')");
  const padding = checkPadding(fn, pad);
  checkRounding(fn, dimRoundingMode);
  const [oh, ow, c] = windowOutput(fn, 'x', img.shape.slice(1), size, s, [1, 1], padding);
  const spec = { kind: native.enums.layer[fn === 'maxPool' ? 'maxPooling2d' : 'averagePooling2d'], poolSize: size, strides: s, same: padding === 'same' };
  return runLayer(fn, fn === 'maxPool' ? 'MaxPool' : 'AvgPool', img, null, spec, [oh, ow, c]);
}

/**
 * The maximum of each window per channel, as TensorFlow.js's `tf.maxPool`
 * (padded taps never win). Differentiable: a window's gradient goes to its
 * first maximum (row-major) when taps tie, as TensorFlow's.
 * @param x [batch, h, w, c] or one image [h, w, c].
 * @param filterSize window [h, w] or one number for both.
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' or 'same'.
 */
export function maxPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: 'valid' | 'same',
  dimRoundingMode?: never): Tensor {
  return pool('maxPool', x, filterSize, strides, pad, dimRoundingMode);
}

/**
 * The mean of each window per channel, as TensorFlow.js's `tf.avgPool`
 * ('same' windows divide by their taps inside the input). Differentiable;
 * the gradient is the derivative of that mean, as TensorFlow's (TensorFlow.js
 * 4.22's divides by the full window where 'same' pads; docs/gradients.md).
 * @param x [batch, h, w, c] or one image [h, w, c].
 * @param filterSize window [h, w] or one number for both.
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' or 'same'.
 */
export function avgPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: 'valid' | 'same',
  dimRoundingMode?: never): Tensor {
  return pool('avgPool', x, filterSize, strides, pad, dimRoundingMode);
}

/**
 * Depthwise 2-D convolution of NHWC images: each input channel convolved with
 * its own `channelMultiplier` filters, filter [filterHeight, filterWidth,
 * inChannels, channelMultiplier], output channel c * channelMultiplier + m,
 * as TensorFlow.js's `tf.depthwiseConv2d`. Differentiable with respect to x
 * and the filter.
 * @param x [batch, h, w, inChannels] or one image [h, w, inChannels].
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' (no padding) or 'same' (output ceil(input / strides)).
 * @param dataFormat only 'NHWC' (default).
 * @param dilations [h, w] or one number (default 1); not with strides above 1.
 */
export function depthwiseConv2d(x: Tensor, filter: Tensor, strides: number | [number, number], pad: 'valid' | 'same',
  dataFormat?: 'NHWC', dilations?: number | [number, number], dimRoundingMode?: never): Tensor {
  const fn = 'depthwiseConv2d';
  const { img, f, s, d, padding, size, out: [oh, ow, c] } = imageConv(fn, x, filter, '[h, w, inChannels, channelMultiplier]', strides, pad,
    dataFormat, dilations, dimRoundingMode);
  if (f.shape[3] > 2 ** 20) throw rangeError(fn, `channelMultiplier ${f.shape[3]} is above 2^20`);
  const spec = {
    kind: native.enums.layer.depthwiseConv2d, depthMultiplier: f.shape[3], kernelSize: size, strides: s, dilationRate: d, same: padding === 'same',
    useBias: false,
  };
  return runLayer(fn, 'DepthwiseConv2dNative', img, f, spec, [oh, ow, c * f.shape[3]]);
}

/**
 * 1-D convolution of NWC sequences with a filter [filterWidth, inChannels,
 * outChannels], as TensorFlow.js's `tf.conv1d`. Differentiable with respect
 * to x and the filter.
 * @param x [batch, width, inChannels] or one sequence [width, inChannels].
 * @param stride the step between windows.
 * @param pad 'valid' (no padding) or 'same' (output ceil(width / stride)).
 * @param dataFormat only 'NWC' (default).
 * @param dilation spacing between the filter's taps (default 1); not with a stride above 1.
 */
export function conv1d(x: Tensor, filter: Tensor, stride: number, pad: 'valid' | 'same', dataFormat?: 'NWC', dilation?: number,
  dimRoundingMode?: never): Tensor {
  const fn = 'conv1d';
  const t = checkTensor(fn, 'x', x);
  if (t.dtype !== 'float32') throw typeError(fn, `x must be float32, got ${t.dtype}`);
  if (t.rank !== 2 && t.rank !== 3) throw rangeError(fn, `x must be of rank 2 [width, c] or 3 [batch, width, c], got shape ${show(t.shape)}`);
  const xs = t.rank === 2 ? [1, ...t.shape] : [...t.shape];
  if (xs.some((v) => v === 0)) throw rangeError(fn, `x must have no empty dimension, got shape ${show(t.shape)}`);
  const f = filterOf(fn, filter, 3, '[width, inChannels, outChannels]');
  const s = checkSingle(fn, 'stride', stride);
  if (pad === undefined) throw typeError(fn, "pad is required ('valid' or 'same')");
  const padding = checkPadding(fn, pad);
  if (dataFormat !== undefined) checkOneOf(fn, 'dataFormat', dataFormat, ['NWC'] as const);
  const d = checkSingle(fn, 'dilation', dilation, 1);
  checkRounding(fn, dimRoundingMode);
  if (s > 1 && d > 1) throw rangeError(fn, `stride ${s} and dilation ${d} cannot both be above 1`);
  if (f.shape[1] !== xs[2]) throw rangeError(fn, `filter ${show(f.shape)} takes ${f.shape[1]} input channels, x ${show(t.shape)} has ${xs[2]}`);
  checkSingle(fn, 'filter width', f.shape[0]);
  // One row of pixels: [batch, 1, width, c] through conv2d with a [1, k] window.
  const [, ow] = windowOutput(fn, 'x', [1, xs[1], xs[2]], [1, f.shape[0]], [1, s], [1, d], padding);
  const spec = {
    kind: native.enums.layer.conv2d, filters: f.shape[2], kernelSize: [1, f.shape[0]], strides: [1, s], dilationRate: [1, d], same: padding === 'same',
    useBias: false,
  };
  return runLayer(fn, 'Conv2D', { t, shape: [xs[0], 1, xs[1], xs[2]], batched: true }, f, spec, [1, ow, f.shape[2]],
    t.rank === 3 ? [xs[0], ow, f.shape[2]] : [ow, f.shape[2]]);
}
