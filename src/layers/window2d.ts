// The options the 2-D window layers share (conv2d, maxPooling2d,
// averagePooling2d) and where the window lands, with TensorFlow's padding
// arithmetic (the same as native/layers/window2d.h, which checks again):
//   valid: out = ceil((in - effective + 1) / stride)     same: out = ceil(in / stride)
// where effective = (size - 1) * dilation + 1.
import { checkArray, checkInt, checkOneOf, rangeError, show, typeError } from '../errors';
import { checkInputShape } from './layer';

/** How a window treats the borders: 'valid' (no padding) or 'same' (zero padding, output size ceil(in / stride)). */
export type PaddingMode = 'valid' | 'same';

const PADDINGS = ['valid', 'same'] as const;
const DATA_FORMATS = ['channelsLast'] as const;
/** The largest window size, stride or dilation (native/layers/window2d.h reads up to 2^20). */
const MAX_WINDOW = 2 ** 20;

/** @internal A positive integer or a pair [h, w] of them, as the pair; `def` when undefined. */
export function checkPair(fn: string, name: string, v: unknown, def?: readonly [number, number]): [number, number] {
  if (v === undefined && def) return [def[0], def[1]];
  if (v === undefined) throw typeError(fn, `${name} is required (a positive integer or [height, width])`);
  const list = typeof v === 'number' ? [v, v] : [...checkArray(fn, name, v, 'a positive integer or an array [height, width]')];
  if (list.length === 1 && typeof v !== 'number') list.push(list[0]);
  if (list.length !== 2 || list.some((d) => typeof d !== 'number')) {
    throw typeError(fn, `${name} must be a positive integer or an array [height, width] of them, got ${show(v)}`);
  }
  if (list.some((d) => !Number.isInteger(d) || (d as number) < 1 || (d as number) > MAX_WINDOW)) {
    throw rangeError(fn, `${name} must hold positive integers up to ${MAX_WINDOW}, got ${show(v)}`);
  }
  return list as [number, number];
}

/** @internal A positive integer given as n or [n] (the 1-D layers' sizes and strides); `def` when undefined. */
export function checkSingle(fn: string, name: string, v: unknown, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (v === undefined) throw typeError(fn, `${name} is required (a positive integer)`);
  const list = typeof v === 'number' ? [v] : [...checkArray(fn, name, v, 'a positive integer or an array [n]')];
  if (list.length !== 1) throw typeError(fn, `${name} must be a positive integer or an array [n], got ${show(v)}`);
  return checkInt(fn, name, list[0], 1, MAX_WINDOW);
}

/** @internal 'valid' | 'same' (Keras's names; 'causal' is for conv1d only). */
export function checkPadding(fn: string, v: unknown): PaddingMode {
  return v === undefined ? 'valid' : checkOneOf(fn, 'padding', v, PADDINGS);
}

/** @internal Only channels last: tensorforge computes in NHWC, as TensorFlow.js on CPUs. */
export function checkDataFormat(fn: string, v: unknown): 'channelsLast' {
  if (v === undefined) return 'channelsLast';
  if (v === 'channelsFirst' || v === 'channels_first') {
    throw rangeError(fn, "dataFormat 'channelsFirst' is not supported; tensorforge keeps channels last (NHWC)");
  }
  return checkOneOf(fn, 'dataFormat', v, DATA_FORMATS, { channels_last: 'channelsLast' });
}

/** @internal Where a window lands on a per-sample input [h, w, c]: the output's [h, w, c]; throws RangeError naming `subject` (`layer 'conv2d_1'`, `x`) and the shapes. */
export function windowOutput(fn: string, subject: string, shape: unknown, size: readonly number[], strides: readonly number[],
  dilation: readonly number[], padding: PaddingMode): [number, number, number] {
  const s = checkInputShape(fn, shape);
  if (s.length !== 3) {
    throw rangeError(fn, `${subject} expects per-sample input [height, width, channels], got ${show(s)}`);
  }
  const out = [0, 1].map((k) => {
    const effective = (size[k] - 1) * dilation[k] + 1;
    if (padding === 'same') return Math.ceil(s[k] / strides[k]);
    if (effective > s[k]) {
      throw rangeError(fn, `${subject}: window ${show([(size[0] - 1) * dilation[0] + 1, (size[1] - 1) * dilation[1] + 1])} is larger than its input ${show(s)} under 'valid' padding`);
    }
    return Math.floor((s[k] - effective) / strides[k]) + 1;
  });
  return [out[0], out[1], s[2]];
}
