// Optional explicit memory management (TensorFlow.js's dispose/tidy/keep):
// disposed tensors refuse use with a clear error, and an op output's memory is
// reused by the next output of the same length only when no one else can see
// it (never handed out by values/dataSync/data, never shared by a reshape,
// never the user's own array).
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { MAX_POOLED_BYTES, emptyPool, pooledByteCount, recycle } from '../../src/buffer_pool';
import { seedModel } from '../server/helpers';

/** The array an op wrote, read without handing it out (as the ops do). */
const arrayOf = (t: tf.Tensor) => t.backing.array;

function ramp(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i % 17) - 8) * scale);
}

afterEach(() => emptyPool());

describe('Tensor.dispose', () => {
  it('marks the tensor disposed; every use then throws a TypeError naming the function', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.add(a, a);
    expect(b.isDisposed).toBe(false);
    b.dispose();
    expect(b.isDisposed).toBe(true);
    expect(b.shape).toEqual([2, 2]);
    expect(() => b.dataSync()).toThrow(TypeError);
    expect(() => b.dataSync()).toThrow(/^dataSync: the tensor was disposed/);
    expect(() => tf.matMul(a, b)).toThrow(/^matMul: b was disposed/);
    expect(() => tf.add(b, a)).toThrow(TypeError);
    expect(() => b.reshape([4])).toThrow(/^reshape: the tensor was disposed/);
    expect(() => b.arraySync()).toThrow(/^arraySync: the tensor was disposed/);
    expect(() => b.toString()).toThrow(/was disposed/);
    expect(() => tf.keep(b)).toThrow(/^keep: result was disposed/);
    return expect(b.data()).rejects.toThrow(/^data: the tensor was disposed/);
  });

  it('may be called twice, and works on frozen tensors', () => {
    const t = Object.freeze(tf.mul(tf.tensor1d([1, 2, 3]), tf.scalar(2)));
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => tf.neg(t)).toThrow(/^neg: x was disposed/);
  });

  it('gives the memory of an unread op output to the next output of the same length', () => {
    const a = tf.tensor2d(ramp(64 * 48, 0.25), [64, 48]);
    const b = tf.tensor2d(ramp(48 * 32, 0.5), [48, 32]);
    const first = tf.matMul(a, b);
    const memory = arrayOf(first);
    const expected = Float32Array.from(memory);
    first.dispose();
    expect(pooledByteCount()).toBe(64 * 32 * 4);
    const second = tf.matMul(a, b);
    expect(arrayOf(second)).toBe(memory);
    expect(pooledByteCount()).toBe(0);
    expect(second.dataSync()).toEqual(expected);
    // A different length does not take it.
    const c = tf.relu(tf.tensor1d(ramp(100)));
    const kept = arrayOf(c);
    c.dispose();
    expect(arrayOf(tf.relu(tf.tensor1d(ramp(101))))).not.toBe(kept);
  });

  it('zero-fills reused memory for outputs that must start at zero', () => {
    const filled = tf.fill([500], 7);
    const memory = arrayOf(filled);
    filled.dispose();
    const z = tf.zeros([5, 100]);
    expect(arrayOf(z)).toBe(memory);
    expect(Array.from(z.dataSync()).every((v) => v === 0)).toBe(true);
    // int32 and float32 arrays are kept apart.
    const ints = tf.fill([500], 3, 'int32');
    const intMemory = arrayOf(ints);
    ints.dispose();
    const f = tf.zeros([500]);
    expect(f.dtype).toBe('float32');
    expect(arrayOf(f)).not.toBe(intMemory);
    expect(arrayOf(tf.zeros([500], 'int32'))).toBe(intMemory);
  });

  it('never recycles memory that was handed out', () => {
    const x = tf.tensor1d(ramp(1000));
    for (const handOut of [
      (t: tf.Tensor) => t.dataSync(),
      (t: tf.Tensor) => t.values,
      (t: tf.Tensor) => { void t.data(); },
    ]) {
      const y = tf.mul(x, tf.scalar(3));
      const seen = handOut(y) as Float32Array | undefined;
      const memory = arrayOf(y);
      const copy = Float32Array.from(memory);
      y.dispose();
      expect(pooledByteCount()).toBe(0);
      const next = tf.mul(x, tf.scalar(-1));
      expect(arrayOf(next)).not.toBe(memory);
      expect(memory).toEqual(copy);
      if (seen) expect(seen).toEqual(copy);
    }
  });

  it('never recycles the user\'s own array or one shared by a reshape', () => {
    const own = ramp(256);
    const t = tf.tensor(own, [16, 16]);
    t.dispose();
    new tf.Tensor(own, [256], 'float32').dispose();
    expect(pooledByteCount()).toBe(0);
    expect(arrayOf(tf.neg(tf.tensor1d(ramp(256))))).not.toBe(own);

    const y = tf.sqrt(tf.abs(tf.tensor1d(ramp(256))));
    const flat = y.reshape([16, 16]);
    const before = Float32Array.from(flat.dataSync());
    y.dispose();
    expect(pooledByteCount()).toBe(0);
    tf.neg(tf.tensor1d(ramp(256, 9)));
    expect(flat.dataSync()).toEqual(before);
    flat.dispose();
    expect(pooledByteCount()).toBe(0);
  });

  it('pools only whole, unshared Float32/Int32 buffers', () => {
    recycle(new Float32Array(new ArrayBuffer(64), 4, 8)); // a view into a larger buffer
    recycle(new Float32Array(new SharedArrayBuffer(64)));
    recycle(new Float64Array(8) as unknown as Float32Array);
    recycle(new Uint8Array(64) as unknown as Int32Array);
    expect(pooledByteCount()).toBe(0);
    recycle(new Int32Array(16));
    expect(pooledByteCount()).toBe(64);
  });

  it('rejects tampered tensors with a TypeError naming dispose', () => {
    expect(() => (Object.create(tf.Tensor.prototype) as tf.Tensor).dispose()).toThrow(/^dispose: the tensor is not well-formed/);
    const t = tf.ones([2]);
    Object.freeze(t.backing);
    expect(() => t.dispose()).toThrow(/^dispose: the tensor is not well-formed/);
    expect(pooledByteCount()).toBe(0);
  });

  it('leaves memory no output took to the garbage collector after about a second', () => {
    vi.useFakeTimers();
    try {
      tf.neg(tf.ones([1000])).dispose();
      expect(pooledByteCount()).toBe(4000);
      vi.advanceTimersByTime(500);
      expect(pooledByteCount()).toBe(4000);
      vi.advanceTimersByTime(3000);
      expect(pooledByteCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ops recycle their own intermediates and never dispose their inputs', () => {
    const x = tf.tensor(ramp(4 * 5 * 6, 0.1), [4, 5, 6]);
    const s = tf.sum(x, [0, 2]); // reduces through a transposed copy of x
    expect(pooledByteCount()).toBe(x.size * 4);
    expect(x.isDisposed).toBe(false);
    expect(s.shape).toEqual([5]);
    emptyPool();
    // Transposes in and out: the transposed-back output takes the memory of
    // the transposed input, and the untransposed result is left in the pool.
    const sm = tf.softmax(x, 0);
    expect(pooledByteCount()).toBe(x.size * 4);
    expect(sm.isDisposed).toBe(false);
    emptyPool();
    const ints = tf.tensor([1, 2, 3], [3], 'int32');
    const e = tf.exp(ints); // computed on a float32 copy
    expect(pooledByteCount()).toBe(12);
    expect(ints.isDisposed).toBe(false);
    expect(Array.from(e.dataSync())).toEqual([Math.exp(1), Math.exp(2), Math.exp(3)].map(Math.fround));
    emptyPool();
    const f = tf.tensor1d([1, -2]);
    tf.relu(f);
    tf.activationBackward('relu', f, f);
    expect(f.isDisposed).toBe(false);
    expect(Array.from(f.dataSync())).toEqual([1, -2]);
  });

  it('keeps at most MAX_POOLED_BYTES', () => {
    const big = tf.zeros([4 * 2 ** 20]); // 16 MiB each
    const outs = Array.from({ length: 6 }, () => tf.neg(big));
    tf.dispose(outs);
    expect(pooledByteCount()).toBeLessThanOrEqual(MAX_POOLED_BYTES);
    expect(pooledByteCount()).toBe(Math.floor(MAX_POOLED_BYTES / (16 * 2 ** 20)) * 16 * 2 ** 20);
  });

  it('an async predict keeps reading its input after the input was disposed', async () => {
    const model = seedModel();
    const base = tf.tensor2d(ramp(200 * 784, 0.01), [200, 784]);
    const expected = Float32Array.from(model.predict(base, { batchSize: 8 }).dataSync());
    const x = tf.mul(base, tf.scalar(1)); // an op output: recyclable until handed out
    const pending = model.predictAsync(x, { batchSize: 8 });
    x.dispose();
    // predictAsync handed x's array to the worker: it is not recycled.
    expect(pooledByteCount()).toBe(0);
    // Outputs of x's length, written while the worker may still read x.
    for (let i = 0; i < 20; i++) tf.mul(base, tf.scalar(-1000 - i));
    const y = await pending;
    expect(y.dataSync()).toEqual(expected);
  });

  it('recycles predict outputs too', () => {
    const model = seedModel();
    const x = tf.tensor2d(ramp(50 * 784, 0.01), [50, 784]);
    const p = model.predict(x);
    const memory = arrayOf(p);
    const expected = Float32Array.from(memory);
    p.dispose();
    const q = model.predict(x);
    expect(arrayOf(q)).toBe(memory);
    expect(q.dataSync()).toEqual(expected);
    // Sync predict reads its input only during the call: an op output it read stays recyclable.
    const scaled = tf.tidy(() => model.predict(tf.mul(x, tf.scalar(0.5))));
    expect(pooledByteCount()).toBe(x.size * 4 + 4);
    expect(scaled.shape).toEqual([50, 10]);
    q.dispose();
    expect(() => model.predict(q)).toThrow(/^predict: x was disposed/);
    expect(() => q.values).toThrow(/^values: the tensor was disposed/);
  });
});

describe('tidy', () => {
  it('disposes what fn created except its result, and reuses the memory in a loop', () => {
    const a = tf.tensor2d(ramp(32 * 32, 0.1), [32, 32]);
    let inner: tf.Tensor | undefined;
    const out = tf.tidy(() => {
      inner = tf.matMul(a, a);
      return tf.relu(inner);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(a.isDisposed).toBe(false);
    const expected = Float32Array.from(out.dataSync());
    // The same step again: its intermediate lands in the memory freed above.
    const again = tf.tidy('step', () => tf.relu(tf.matMul(a, a)));
    expect(again.dataSync()).toEqual(expected);
  });

  it('keeps tensors returned inside arrays and objects, and kept ones', () => {
    let kept: tf.Tensor | undefined;
    let dropped: tf.Tensor | undefined;
    const r = tf.tidy(() => {
      kept = tf.keep(tf.ones([3]));
      dropped = tf.zeros([3]);
      return { list: [tf.ones([2]), 'label', 3], nested: { t: tf.fill([2], 5) } };
    });
    expect((r.list as tf.Tensor[])[0].isDisposed).toBe(false);
    expect((r.nested as { t: tf.Tensor }).t.isDisposed).toBe(false);
    expect(kept!.isDisposed).toBe(false);
    expect(dropped!.isDisposed).toBe(true);
  });

  it('hands an inner result to the enclosing tidy', () => {
    let innerResult: tf.Tensor | undefined;
    tf.tidy(() => {
      innerResult = tf.tidy(() => tf.ones([4]));
      expect(innerResult.isDisposed).toBe(false);
      return undefined;
    });
    expect(innerResult!.isDisposed).toBe(true);
  });

  it('disposes on error and rethrows; rejects async functions and bad arguments', () => {
    let made: tf.Tensor | undefined;
    expect(() => tf.tidy(() => {
      made = tf.ones([2]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(made!.isDisposed).toBe(true);

    let ran = false;
    expect(() => tf.tidy((async () => {
      ran = true;
      return tf.ones([2]);
    }) as unknown as () => tf.Tensor)).toThrow(/^tidy: fn is an async function/);
    expect(ran).toBe(false);

    let early: tf.Tensor | undefined;
    expect(() => tf.tidy((() => {
      early = tf.ones([2]);
      return Promise.reject(new Error('later'));
    }) as unknown as () => tf.Tensor)).toThrow(/^tidy: fn returned a Promise/);
    expect(early!.isDisposed).toBe(true);

    expect(() => tf.tidy(42 as unknown as () => void)).toThrow(TypeError);
    expect(() => tf.tidy(42 as unknown as () => void)).toThrow(/^tidy: fn must be a function, got 42/);
    expect(() => tf.tidy('name', undefined as unknown as () => void)).toThrow(/^tidy: fn must be a function/);
    expect(() => tf.tidy((() => 1) as () => number, (() => 2) as () => number)).toThrow(/^tidy: takes \(fn\) or \(name, fn\)/);
    expect(() => tf.keep({} as tf.Tensor)).toThrow(/^keep: result must be a Tensor/);
  });

  it('finds results at any depth and inside class instances, as TensorFlow.js does', () => {
    class Pair {
      constructor(readonly first: tf.Tensor, readonly second: tf.Tensor) {}
    }
    let deep: tf.Tensor | undefined;
    const r = tf.tidy(() => {
      deep = tf.ones([1]);
      let nest: tf.TensorContainer = [deep];
      for (let i = 0; i < 5000; i++) nest = { inner: nest };
      return [nest, new Pair(tf.ones([2]), tf.zeros([2]))] as unknown as tf.TensorContainer;
    }) as unknown as [unknown, Pair];
    expect(deep!.isDisposed).toBe(false);
    expect(r[1].first.isDisposed || r[1].second.isDisposed).toBe(false);
  });

  it('leaves a tensor whose internals fn replaced to the garbage collector', () => {
    let other: tf.Tensor | undefined;
    expect(() => tf.tidy(() => {
      const t = tf.ones([2]);
      (t as unknown as { backing: unknown }).backing = null;
      other = tf.ones([3]);
      return undefined;
    })).not.toThrow();
    expect(other!.isDisposed).toBe(true);
  });

  it('dispose() walks containers and ignores what is not a tensor', () => {
    const a = tf.ones([2]);
    const b = tf.ones([2]);
    const cyclic: Record<string, unknown> = { a, list: [b, 1, 'x', null] };
    cyclic.self = cyclic;
    tf.dispose(cyclic as tf.TensorContainer);
    expect(a.isDisposed && b.isDisposed).toBe(true);
    expect(() => tf.dispose(undefined)).not.toThrow();
  });

  it('does not search Proxies, and stops at containers that grow as they are read', () => {
    const t = tf.ones([2]);
    const lying = new Proxy([], { get: (_o, k) => (k === 'length' ? 2 ** 31 : t) });
    expect(() => tf.dispose([lying] as unknown as tf.TensorContainer)).not.toThrow();
    expect(t.isDisposed).toBe(false);
    const endless = (): object => ({ get next() { return endless(); } });
    let error: unknown;
    try {
      tf.dispose(endless() as tf.TensorContainer);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^dispose: the container holds more than 1000000 objects/);
  });
});
