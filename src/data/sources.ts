// Where datasets come from: an array, a generator (sync or async), or several
// datasets zipped together (tfjs-data/src/readers.ts and dataset.ts names).
import { types } from 'node:util';
import { checkArray, show, typeError } from '../errors';
import { Dataset } from './dataset';

/** A dataset of the items of `items` (copied: later changes to the array do not show). */
export function array<T>(items: T[]): Dataset<T> {
  const copy = checkArray('data.array', 'items', items).slice() as T[];
  return new Dataset(() => copy[Symbol.iterator](), copy.length);
}

/**
 * A dataset read from a generator function, called afresh for each
 * iteration (each epoch): a sync or async generator, or any function
 * returning an iterator. A generator that throws stops the iteration with
 * its error.
 */
export function generator<T>(make: () => Iterator<T> | AsyncIterator<T>): Dataset<T> {
  if (typeof make !== 'function') throw typeError('data.generator', `the argument must be a generator function, got ${show(make)}`);
  return new Dataset(() => {
    const it = make();
    if (it === null || typeof it !== 'object' || typeof (it as Iterator<T>).next !== 'function') {
      throw typeError('data.generator', `the generator function must return an iterator, got ${show(it)}`);
    }
    return it;
  }, null);
}

/**
 * Datasets read in lockstep: an array of datasets gives arrays of elements, an
 * object of datasets gives objects; it ends when the shortest one ends.
 */
export function zip<T>(datasets: Dataset<T>[] | Record<string, Dataset<T>>): Dataset<T[] | Record<string, T>> {
  const fn = 'data.zip';
  if (datasets === null || typeof datasets !== 'object' || types.isProxy(datasets)) throw typeError(fn, `datasets must be an array or an object of datasets, got ${show(datasets)}`);
  const keys = Object.keys(datasets);
  const list = keys.map((k) => (datasets as Record<string, Dataset<T>>)[k]);
  list.forEach((d, i) => {
    if (!(d instanceof Dataset)) throw typeError(fn, `datasets[${show(keys[i])}] must be a Dataset, got ${show(d)}`);
  });
  const asArray = Array.isArray(datasets);
  const sizes = list.map((d) => d.size);
  const size = sizes.length && sizes.every((s) => s !== null) ? Math.min(...(sizes as number[])) : null;
  return new Dataset(async function* () {
    const its = list.map((d) => d[Symbol.asyncIterator]());
    try {
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.length === 0 || rs.some((r) => r.done)) return;
        if (asArray) yield rs.map((r) => r.value);
        else yield Object.fromEntries(keys.map((k, i) => [k, rs[i].value]));
      }
    } finally {
      await Promise.all(its.map((it) => it.return?.()));
    }
  }, size);
}
