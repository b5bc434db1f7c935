// tf.conv2d, tf.maxPool and tf.avgPool as TensorFlow.js has them, over NHWC
// tensors. Each runs the native layer of the same name (native/layers/conv2d.cc,
// pooling2d.cc) as a one-node model in inference mode: the same tested
// kernels as the layers, and no second implementation to keep in step.
import { checkOneOf, rangeError, show, typeError } from '../errors';
import { checkPadding, checkPair, windowOutput } from '../layers/window2d';
import { native } from '../native';
import { Tensor, checkTensor, ownedTensor, sizeFromShape } from '../tensor';
import { allocateUninitializedF32 } from './shapes';

/** Samples per native pass: bounds the im2col workspace of a large input. */
const PASS = 32;

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

/** Runs one native layer over x, `PASS` samples at a time; `weights` fill its trainable arena. */
function runLayer(fn: string, x: { t: Tensor; shape: number[]; batched: boolean }, spec: Record<string, unknown>, weights: Float32Array | null,
  outSample: number[]): Tensor {
  const [n, h, w, c] = x.shape;
  const outShape = [n, ...outSample];
  const out = allocateUninitializedF32(sizeFromShape(fn, outShape), fn);
  const model = new native.NativeModel([spec as never], [h, w, c]);
  if (weights) model.writeWeights(true, weights);
  model.predict(x.t.backing.array as Float32Array, n, Math.min(n, PASS), out);
  return ownedTensor(out, x.batched ? outShape : outSample, 'float32');
}

/**
 * 2-D convolution of NHWC images with a filter [filterHeight, filterWidth,
 * inChannels, outChannels] (TensorFlow's HWIO), as TensorFlow.js's `tf.conv2d`.
 * @param x [batch, h, w, inChannels] or one image [h, w, inChannels].
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' (no padding) or 'same' (output ceil(input / strides)).
 * @param dataFormat only 'NHWC' (default).
 * @param dilations [h, w] or one number (default 1); not with strides above 1.
 */
export function conv2d(x: Tensor, filter: Tensor, strides: number | [number, number], pad: 'valid' | 'same',
  dataFormat?: 'NHWC', dilations?: number | [number, number], dimRoundingMode?: never): Tensor {
  const fn = 'conv2d';
  const img = images(fn, x);
  const f = checkTensor(fn, 'filter', filter);
  if (f.dtype !== 'float32') throw typeError(fn, `filter must be float32, got ${f.dtype}`);
  const s = checkPair(fn, 'strides', strides);
  if (pad === undefined) throw typeError(fn, "pad is required ('valid' or 'same')");
  const padding = checkPadding(fn, pad);
  checkNhwc(fn, dataFormat);
  const d = checkPair(fn, 'dilations', dilations, [1, 1]);
  checkRounding(fn, dimRoundingMode);
  if (s.some((v) => v > 1) && d.some((v) => v > 1)) throw rangeError(fn, `strides ${show(s)} and dilations ${show(d)} cannot both be above 1`);
  if (f.rank !== 4 || f.shape.some((v) => v === 0)) throw rangeError(fn, `filter must be of rank 4 [h, w, inChannels, outChannels] with no empty dimension, got ${show(f.shape)}`);
  if (f.shape[2] !== img.shape[3]) throw rangeError(fn, `filter ${show(f.shape)} takes ${f.shape[2]} input channels, x ${show(img.t.shape)} has ${img.shape[3]}`);
  const size = [f.shape[0], f.shape[1]] as [number, number];
  checkPair(fn, 'filter size', size);
  const [oh, ow] = windowOutput(fn, 'x', img.shape.slice(1), size, s, d, padding);
  const spec = {
    kind: native.enums.layer.conv2d, filters: f.shape[3], kernelSize: size, strides: s, dilationRate: d, same: padding === 'same', useBias: false,
  };
  return runLayer(fn, img, spec, f.backing.array as Float32Array, [oh, ow, f.shape[3]]);
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
  return runLayer(fn, img, spec, null, [oh, ow, c]);
}

/**
 * The maximum of each window per channel, as TensorFlow.js's `tf.maxPool`
 * (padded taps never win).
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
 * ('same' windows divide by their taps inside the input).
 * @param x [batch, h, w, c] or one image [h, w, c].
 * @param filterSize window [h, w] or one number for both.
 * @param strides [h, w] or one number for both.
 * @param pad 'valid' or 'same'.
 */
export function avgPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: 'valid' | 'same',
  dimRoundingMode?: never): Tensor {
  return pool('avgPool', x, filterSize, strides, pad, dimRoundingMode);
}
