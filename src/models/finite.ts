// The NaN/Infinity check of fit/evaluate inputs, in slices: inline, the 47M
// values of Fashion-MNIST blocked the event loop for ~250 ms at the start of
// every fit. It stays on the JavaScript thread on purpose: a worker thread
// reading the caller's buffer could be left reading freed memory if
// JavaScript detached it meanwhile.
import { rangeError } from '../errors';
import type { Features } from './data';

/** Values checked per turn of the event loop (~1 ms). */
const SLICE = 1 << 19;

/** @internal Throws a RangeError naming the sample and feature of the first NaN or infinity in x.values[start, end). */
export function checkFinite(fn: string, x: Features, start = 0, end = x.values.length): void {
  const v = x.values;
  for (let i = start; i < end; i++) {
    if (v[i] - v[i] !== 0) {
      const per = v.length / x.n;
      let feature = i % per;
      let what = 'x';
      // Several inputs packed in one row: name the input and its own feature index.
      for (const [k, width] of (x.inputs?.widths ?? []).entries()) {
        if (feature < width) {
          what = `input '${x.inputs!.names[k]}'`;
          break;
        }
        feature -= width;
      }
      throw rangeError(fn, `${what} contains ${v[i]} at sample ${Math.floor(i / per)}, feature ${feature}; clean or impute the data first`);
    }
  }
}

/** @internal checkFinite over all of x, a slice per turn of the event loop. */
export async function assertFinite(fn: string, x: Features): Promise<void> {
  const n = x.values.length;
  for (let start = 0; start < n; start += SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (x.values.length !== n) throw new Error(`${fn}: x was detached or resized while it was being checked`);
    checkFinite(fn, x, start, Math.min(n, start + SLICE));
  }
}
