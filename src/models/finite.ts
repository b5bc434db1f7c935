// The NaN/Infinity check of fit/evaluate inputs, in slices: inline, the 47M
// values of Fashion-MNIST blocked the event loop for ~250 ms at the start of
// every fit. It stays on the JavaScript thread on purpose: a worker thread
// reading the caller's buffer could be left reading freed memory if
// JavaScript detached it meanwhile.
import { rangeError } from '../errors';
import type { Features } from './data';

/** Values checked per turn of the event loop (~1 ms). */
const SLICE = 1 << 19;

/** @internal Rejects with the RangeError of toFeatures when x holds a NaN or an infinity. */
export async function assertFinite(fn: string, x: Features): Promise<void> {
  const v = x.values;
  const n = v.length;
  for (let start = 0; start < n; start += SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (v.length !== n) throw new Error(`${fn}: x was detached or resized while it was being checked`);
    const end = Math.min(n, start + SLICE);
    for (let i = start; i < end; i++) {
      if (v[i] - v[i] !== 0) {
        const per = n / x.n;
        throw rangeError(fn, `x contains ${v[i]} at sample ${Math.floor(i / per)}, feature ${i % per}; clean or impute the data first`);
      }
    }
  }
}
