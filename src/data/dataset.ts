// A lazy, re-iterable stream of elements with TensorFlow.js's tf.data names
// (tfjs-data/src/dataset.ts). Each iteration (each epoch of fitDataset) asks
// the source for a fresh iterator, so a dataset can be read many times; the
// transformations are async-iterator stages, so data larger than memory
// flows through one element (or one shuffle buffer) at a time.
import { checkInt, checkBool, show, typeError } from '../errors';
import { Random, randomFrom } from '../random';
import { batchElements } from './batch';
import { LazyElement, materialize } from './lazy_element';

/** Makes a fresh iterator over the elements: called once per iteration. */
export type IteratorFactory<T> = () => AsyncIterator<T> | Iterator<T>;

/** A stream of elements, read with `for await` or `iterator()`. */
export class Dataset<T = unknown> implements AsyncIterable<T> {
  /** The stored elements: LazyElements among them when #lazy. */
  readonly #source: () => AsyncIterator<T>;
  /**
   * Whether the stored elements may be LazyElements (a csv source and the
   * stages that pass elements on unseen): iteration then materializes them.
   */
  readonly #lazy: boolean;
  /** Elements per iteration when known (array sources and transforms of them), else null. */
  readonly size: number | null;

  /** @internal Use the sources (`tf.data.array`, `generator`, `csv`, `zip`). */
  constructor(source: IteratorFactory<T>, size: number | null, lazy = false) {
    this.#source = () => toAsync(source());
    this.size = size;
    this.#lazy = lazy;
  }

  /** A fresh iterator over the elements. */
  async iterator(): Promise<AsyncIterator<T>> {
    return this[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (!this.#lazy) return this.#source();
    const stored = this.#stored();
    return (async function* () {
      for await (const e of stored) yield materialize(e) as T;
    })();
  }

  /** The stored elements, LazyElements left as they are: for the stages that do not look at them. */
  #stored(): AsyncIterable<T> {
    return { [Symbol.asyncIterator]: () => this.#source() };
  }

  /**
   * Groups `batchSize` consecutive elements into one: numbers and arrays
   * become a tensor with a leading batch dimension, tensors are stacked, and
   * objects and arrays of them are batched field by field. With
   * `smallLastBatch` (default true) a final, smaller batch is kept.
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    const fn = 'Dataset.batch';
    const n = checkInt(fn, 'batchSize', batchSize, 1);
    const keepSmall = checkBool(fn, 'smallLastBatch', smallLastBatch);
    const self = this;
    let index = 0;
    const size = this.size === null ? null : keepSmall ? Math.ceil(this.size / n) : Math.floor(this.size / n);
    return new Dataset(async function* () {
      index = 0;
      let group: T[] = [];
      for await (const e of self.#stored()) {
        group.push(e);
        if (group.length === n) {
          yield batchGroup(fn, group, index++);
          group = [];
        }
      }
      if (group.length > 0 && keepSmall) yield batchGroup(fn, group, index++);
    }, size);
  }

  /** Applies `transform` to each element. */
  map<U>(transform: (value: T) => U | Promise<U>): Dataset<U> {
    if (typeof transform !== 'function') throw typeError('Dataset.map', `transform must be a function, got ${show(transform)}`);
    const self = this;
    return new Dataset(async function* () {
      for await (const e of self) yield await transform(e);
    }, this.size);
  }

  /** Keeps the elements for which `predicate` is true. */
  filter(predicate: (value: T) => boolean | Promise<boolean>): Dataset<T> {
    if (typeof predicate !== 'function') throw typeError('Dataset.filter', `predicate must be a function, got ${show(predicate)}`);
    const self = this;
    return new Dataset(async function* () {
      for await (const e of self) if (await predicate(e)) yield e;
    }, null);
  }

  /** The first `count` elements (all of them when count < 0, as tfjs). */
  take(count: number): Dataset<T> {
    const n = checkInt('Dataset.take', 'count', count, -1);
    if (n < 0) return this;
    const self = this;
    return new Dataset(async function* () {
      if (n === 0) return;
      let k = 0;
      for await (const e of self.#stored()) {
        yield e;
        if (++k >= n) return;
      }
    }, this.size === null ? null : Math.min(n, this.size), this.#lazy);
  }

  /** All but the first `count` elements. */
  skip(count: number): Dataset<T> {
    const n = checkInt('Dataset.skip', 'count', count, 0);
    const self = this;
    return new Dataset(async function* () {
      let k = 0;
      for await (const e of self.#stored()) if (k++ >= n) yield e;
    }, this.size === null ? null : Math.max(0, this.size - n), this.#lazy);
  }

  /** The elements `count` times over (forever without a count). */
  repeat(count?: number): Dataset<T> {
    const n = count === undefined ? Infinity : checkInt('Dataset.repeat', 'count', count, 0);
    const self = this;
    return new Dataset(async function* () {
      for (let r = 0; r < n; r++) {
        let any = false;
        for await (const e of self.#stored()) {
          any = true;
          yield e;
        }
        if (!any) return; // an empty dataset repeated forever is still empty
      }
    }, this.size === null || n === Infinity ? null : this.size * n, this.#lazy);
  }

  /**
   * Randomly shuffles the elements with a buffer of `bufferSize` (a full
   * shuffle when it holds the whole dataset), seeded; each iteration draws a
   * new order unless `reshuffleEachIteration` is false.
   */
  shuffle(bufferSize: number, seed?: number, reshuffleEachIteration = true): Dataset<T> {
    const fn = 'Dataset.shuffle';
    const size = checkInt(fn, 'bufferSize', bufferSize, 1);
    const base = seed === undefined ? randomFrom().seed() : checkInt(fn, 'seed', seed, 0);
    const reshuffle = checkBool(fn, 'reshuffleEachIteration', reshuffleEachIteration);
    const self = this;
    let iteration = 0;
    return new Dataset(async function* () {
      const rng = new Random(reshuffle ? base + 0x9e3779b9 * iteration++ : base);
      const buffer: T[] = [];
      for await (const e of self.#stored()) {
        if (buffer.length < size) {
          buffer.push(e);
          continue;
        }
        const k = rng.int(size);
        const out = buffer[k];
        buffer[k] = e;
        yield out;
      }
      while (buffer.length > 0) {
        const k = rng.int(buffer.length);
        const out = buffer[k];
        buffer[k] = buffer[buffer.length - 1];
        buffer.pop();
        yield out;
      }
    }, this.size, this.#lazy);
  }

  /** Reads up to `bufferSize` elements ahead, so a slow source overlaps with its consumer. */
  prefetch(bufferSize: number): Dataset<T> {
    const n = checkInt('Dataset.prefetch', 'bufferSize', bufferSize, 1);
    const self = this;
    return new Dataset(async function* () {
      const it = self.#source();
      const ahead: Promise<IteratorResult<T>>[] = [];
      try {
        for (;;) {
          while (ahead.length < n) ahead.push(it.next());
          const r = await ahead.shift()!;
          if (r.done) return;
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    }, this.size, this.#lazy);
  }

  /** Calls `f` on each element in order. */
  async forEachAsync(f: (value: T) => void | Promise<void>): Promise<void> {
    if (typeof f !== 'function') throw typeError('Dataset.forEachAsync', `f must be a function, got ${show(f)}`);
    for await (const e of this) await f(e);
  }

  /** Every element, in an array (for small datasets). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }
}

/** A batch of stored elements: built straight from LazyElements of one kind when they can, else from the materialized elements. */
function batchGroup(fn: string, group: unknown[], batchIndex: number): unknown {
  const first = group[0];
  if (first instanceof LazyElement) {
    const direct = first.batch(group);
    if (direct !== null) return direct;
  }
  return batchElements(fn, group.map(materialize), batchIndex);
}

function toAsync<T>(it: AsyncIterator<T> | Iterator<T>): AsyncIterator<T> {
  if (it === null || typeof it !== 'object' || typeof (it as AsyncIterator<T>).next !== 'function') {
    throw typeError('data', `a dataset source must return an iterator, got ${show(it)}`);
  }
  return it as AsyncIterator<T>;
}
