// Weight manifests and their byte streams: validation, encoding, decoding.
// Layout (TFJS-FORMAT.md): entries follow each other with no header, padding
// or alignment, little-endian; entry k starts at the summed byte sizes of the
// entries before it. Every size is checked against bounds here, before any
// buffer is made from it.
import * as os from 'node:os';
import { show } from '../errors';
import type { WeightsManifestEntry } from './types';

/** Most dimensions a weight may have. */
export const MAX_RANK = 8;
/** Most elements in one weight (a typed array must hold it). */
export const MAX_ELEMENTS = 2 ** 31 - 1;
/** Most entries in one manifest. */
export const MAX_ENTRIES = 100_000;

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;
const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** @internal A manifest entry that passed validation, with its place in the byte stream. */
export interface CheckedEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  group?: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale: number; min: number };
  /** Elements. */
  size: number;
  /** Byte offset from the start of the list's stream. */
  offset: number;
  byteLength: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * @internal Validates a list of manifest entries (shape, dtype, quantization,
 * unique names) and computes each one's byte range. `seen` carries names
 * across the groups of one manifest. Throws `${fn}: ${where}[i] ...`.
 */
export function checkWeightEntries(fn: string, where: string, entries: unknown, seen = new Set<string>()): CheckedEntry[] {
  if (!Array.isArray(entries)) throw new Error(`${fn}: ${where} must be an array of weight entries, got ${show(entries)}`);
  if (entries.length > MAX_ENTRIES) throw new Error(`${fn}: ${where} has ${entries.length} entries; at most ${MAX_ENTRIES} are accepted`);
  const out: CheckedEntry[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(e)) throw new Error(`${fn}: ${at} must be an object {name, shape, dtype}, got ${show(e)}`);
    const { name, shape, dtype, group, quantization } = e;
    if (typeof name !== 'string' || name === '' || name.length > 4096) throw new Error(`${fn}: ${at}.name must be a non-empty string, got ${show(name)}`);
    if (seen.has(name)) throw new Error(`${fn}: duplicate weight name '${name}' in ${at}`);
    seen.add(name);
    const w = `${at} ('${name}')`;
    if (!Array.isArray(shape)) throw new Error(`${fn}: ${w}: shape must be an array of dimensions, got ${show(shape)}`);
    if (shape.length > MAX_RANK) throw new Error(`${fn}: ${w}: shape has rank ${shape.length}; at most ${MAX_RANK} is accepted`);
    let size = 1;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS) {
        throw new Error(`${fn}: ${w}: shape ${show(shape)} has a bad dimension ${show(d)} (dimensions are integers in [0, ${MAX_ELEMENTS}])`);
      }
      size *= d;
      if (size > MAX_ELEMENTS) throw new Error(`${fn}: ${w}: shape ${show(shape)} has more than ${MAX_ELEMENTS} elements`);
    }
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new Error(`${fn}: ${w}: unsupported dtype ${show(dtype)}; weights must be 'float32', 'int32' or 'bool'`);
    }
    if (group !== undefined && group !== null && typeof group !== 'string') throw new Error(`${fn}: ${w}: group must be a string, got ${show(group)}`);
    let q: CheckedEntry['quantization'];
    let bytesPer: number = DTYPE_BYTES[dtype];
    if (quantization !== undefined && quantization !== null) {
      if (!isObject(quantization)) throw new Error(`${fn}: ${w}: quantization must be an object, got ${show(quantization)}`);
      const qd = quantization.dtype;
      if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
        throw new Error(`${fn}: ${w}: unsupported quantization dtype ${show(qd)}; expected 'uint8', 'uint16' or 'float16'`);
      }
      if (dtype !== 'float32') throw new Error(`${fn}: ${w}: quantized weights must have dtype 'float32', got ${show(dtype)}`);
      const scale = quantization.scale ?? 1;
      const min = quantization.min ?? 0;
      if (qd !== 'float16' && (typeof scale !== 'number' || !Number.isFinite(scale) || typeof min !== 'number' || !Number.isFinite(min))) {
        throw new Error(`${fn}: ${w}: quantization needs finite numbers scale and min, got ${show(scale)} and ${show(min)}`);
      }
      q = { dtype: qd, scale: scale as number, min: min as number };
      bytesPer = QUANT_BYTES[qd];
    }
    const byteLength = size * bytesPer;
    out.push({ name, shape: [...shape] as number[], dtype, group: group ?? undefined, quantization: q, size, offset, byteLength });
    offset += byteLength;
  });
  return out;
}

/** @internal Total bytes of checked entries. */
export function totalBytes(entries: CheckedEntry[]): number {
  return entries.reduce((a, e) => a + e.byteLength, 0);
}

// IEEE 754 half -> single.
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * @internal Decodes one entry from the stream `data` (which starts at offset 0
 * of the entry list). float32 and quantized entries give a Float32Array,
 * int32 and bool an Int32Array.
 */
export function decodeEntry(data: Uint8Array, e: CheckedEntry): Float32Array | Int32Array {
  const view = new DataView(data.buffer, data.byteOffset + e.offset, e.byteLength);
  if (e.quantization) {
    const out = new Float32Array(e.size);
    const { dtype, scale, min } = e.quantization;
    for (let i = 0; i < e.size; i++) {
      if (dtype === 'uint8') out[i] = view.getUint8(i) * scale + min;
      else if (dtype === 'uint16') out[i] = view.getUint16(2 * i, true) * scale + min;
      else out[i] = halfToFloat(view.getUint16(2 * i, true));
    }
    return out;
  }
  if (e.dtype === 'bool') return Int32Array.from(data.subarray(e.offset, e.offset + e.byteLength), (b) => (b ? 1 : 0));
  const out = e.dtype === 'float32' ? new Float32Array(e.size) : new Int32Array(e.size);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(data.subarray(e.offset, e.offset + e.byteLength));
  } else {
    for (let i = 0; i < e.size; i++) out[i] = e.dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
  }
  return out;
}

/** @internal A weight to encode. */
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
  group?: string;
  /** Store a float32 weight quantized (tensorflowjs_converter's formats). */
  quantization?: 'float16' | 'uint8';
}

// Single -> IEEE 754 half, round to nearest even (as numpy's astype(float16)).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** @internal float32 -> float16 bits; values beyond the half range give +-Infinity. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  const m = b & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const he = e - 127 + 15;
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    if (he < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) into place, rounding to even.
    const mm = m | 0x800000;
    const shift = 14 - he;
    const half = 1 << (shift - 1);
    let r = mm >>> shift;
    const rest = mm & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (he << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++;
  return sign | r;
}

/**
 * @internal TensorFlow.js converter's affine uint8 range (quantization.py
 * `_get_affine_quantization_range`): the range widened to hold 0, and min
 * nudged so that 0 is exactly a level (pruned zeros stay zero).
 */
export function affineUint8(values: Float32Array): { scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let scale = (hi - lo) / 255;
  if (scale === 0) scale = 1;
  // float32 like the converter (numpy float32 arithmetic), as the manifest stores float32-exact numbers.
  scale = Math.fround(scale);
  const zeroPoint = Math.round(-lo / scale);
  return { scale, min: Math.fround(-zeroPoint * scale) };
}

/**
 * @internal Encodes weights into manifest entries and one little-endian byte
 * stream; float32 weights with a `quantization` are stored as float16 or
 * affine uint8. `fn` names the caller in errors (non-finite weights cannot be
 * quantized).
 */
export function encodeWeights(weights: NamedWeight[], fn = 'encodeWeights'): { specs: WeightsManifestEntry[]; data: ArrayBuffer } {
  const bytesOf = (w: NamedWeight) => w.values.length * (w.dtype === 'float32' && w.quantization ? QUANT_BYTES[w.quantization] : 4);
  const total = weights.reduce((a, w) => a + bytesOf(w), 0);
  const data = new ArrayBuffer(total);
  const bytes = new Uint8Array(data);
  const view = new DataView(data);
  const specs: WeightsManifestEntry[] = [];
  let offset = 0;
  for (const w of weights) {
    const spec: WeightsManifestEntry = { name: w.name, shape: [...w.shape], dtype: w.dtype };
    const q = w.dtype === 'float32' ? w.quantization : undefined;
    if (q) {
      const v = w.values as Float32Array;
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) throw new RangeError(`${fn}: weight '${w.name}' has a non-finite value ${v[i]} at ${i}; it cannot be stored as ${q}`);
      }
      if (q === 'float16') {
        for (let i = 0; i < v.length; i++) {
          const h = floatToHalf(v[i]);
          if ((h & 0x7c00) === 0x7c00) throw new RangeError(`${fn}: weight '${w.name}' has ${v[i]} at ${i}, beyond float16's range (65504); save it as 'uint8' or float32`);
          view.setUint16(offset + 2 * i, h, true);
        }
        spec.quantization = { dtype: 'float16' };
      } else {
        const { scale, min } = affineUint8(v);
        for (let i = 0; i < v.length; i++) bytes[offset + i] = Math.min(255, Math.max(0, Math.round((v[i] - min) / scale)));
        spec.quantization = { dtype: 'uint8', scale, min };
      }
    } else if (LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
    } else {
      for (let i = 0; i < w.values.length; i++) {
        if (w.dtype === 'float32') view.setFloat32(offset + 4 * i, w.values[i], true);
        else view.setInt32(offset + 4 * i, w.values[i], true);
      }
    }
    offset += bytesOf(w);
    if (w.group) spec.group = w.group;
    specs.push(spec);
  }
  return { specs, data };
}
