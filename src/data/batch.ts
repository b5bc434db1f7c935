// Turns a group of dataset elements into one batched element (tfjs-data's
// deepBatchConcat): numbers and (nested) number arrays become a float32
// tensor with a leading batch dimension, tensors are stacked, objects and
// arrays of those are batched field by field. An element that does not match
// the first one's structure is an error naming the batch and the field.
import { rangeError, show, typeError } from '../errors';
import { stack } from '../ops/movement';
import { Tensor } from '../tensor';

/** @internal */
export function batchElements(fn: string, group: unknown[], batchIndex: number): unknown {
  return batchField(fn, group, batchIndex, 'element');
}

function batchField(fn: string, values: unknown[], batchIndex: number, field: string): unknown {
  const first = values[0];
  const where = () => `batch ${batchIndex}, ${field}`;
  if (first instanceof Tensor) {
    for (const v of values) {
      if (!(v instanceof Tensor)) throw typeError(fn, `${where()}: every element must be a Tensor like the first, got ${show(v)}`);
    }
    return stack(values as Tensor[]);
  }
  if (typeof first === 'number' || (Array.isArray(first) && isNumeric(first))) return numericBatch(fn, values, where);
  if (Array.isArray(first)) {
    return first.map((_, k) => batchField(fn, values.map((v) => {
      if (!Array.isArray(v) || v.length !== first.length) throw typeError(fn, `${where()}: every element must be an array of ${first.length} like the first, got ${show(v)}`);
      return v[k];
    }), batchIndex, `${field}[${k}]`));
  }
  if (first !== null && typeof first === 'object' && !ArrayBuffer.isView(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      out[k] = batchField(fn, values.map((v) => {
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) throw typeError(fn, `${where()}: every element must have the field '${k}' like the first, got ${show(v)}`);
        return (v as Record<string, unknown>)[k];
      }), batchIndex, field === 'element' ? k : `${field}.${k}`);
    }
    return out;
  }
  if (ArrayBuffer.isView(first)) return numericBatch(fn, values.map((v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)), where);
  // Strings and other scalars: kept as an array.
  return values.slice();
}

/** A (nested) array of numbers shaped like a tensor, as opposed to a tuple of fields ([xs, ys]). */
function isNumeric(a: unknown[]): boolean {
  if (a.every((v) => typeof v === 'number')) return true;
  const first = a[0];
  return Array.isArray(first) && a.every((v) => Array.isArray(v) && v.length === first.length && isNumeric(v));
}

function shapeOf(v: unknown): number[] {
  const shape: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0];
  }
  return shape;
}

/** Numbers or equally shaped nested number arrays -> float32 [batch, ...shape]. */
function numericBatch(fn: string, values: unknown[], where: () => string): Tensor {
  const shape = shapeOf(values[0]);
  const per = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(values.length * per);
  const notNumber = (b: number, x: unknown) => typeError(fn, `${where()}: sample ${b} holds ${show(x)} where a number belongs`);
  const ragged = (b: number, depth: number, x: unknown) => rangeError(fn, `${where()}: sample ${b} is ragged: expected ${shape[depth]} values at depth ${depth} like the first sample, got ${show(x)}`);
  if (shape.length <= 1) {
    // Numbers or flat arrays (a row of features): one plain loop, the common case.
    values.forEach((v, b) => {
      if (shape.length === 0) {
        if (typeof v !== 'number') throw notNumber(b, v);
        out[b] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== per) throw ragged(b, 0, v);
      for (let k = 0, at = b * per; k < per; k++) {
        const x: unknown = v[k];
        if (typeof x !== 'number') throw notNumber(b, x);
        out[at + k] = x;
      }
    });
    return new Tensor(out, [values.length, ...shape], 'float32');
  }
  values.forEach((v, b) => {
    let k = 0;
    const walk = (x: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof x !== 'number') throw notNumber(b, x);
        out[b * per + k++] = x;
        return;
      }
      if (!Array.isArray(x) || x.length !== shape[depth]) throw ragged(b, depth, x);
      for (const y of x) walk(y, depth + 1);
    };
    walk(v, 0);
  });
  return new Tensor(out, [values.length, ...shape], 'float32');
}
