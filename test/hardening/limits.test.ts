// Resource limits: tensors, op outputs, models and per-batch workspaces larger
// than tf.setMemoryLimit (default: the memory available) are refused with a
// RangeError before anything is allocated.
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { native } from '../../src/native';

const MiB = 2 ** 20;

afterEach(() => tf.setMemoryLimit(null));

/** Asserts a RangeError from `fn` naming the function and the limit. */
function refused(f: () => unknown, fn: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RangeError);
  expect((err as Error).message).toMatch(new RegExp(`^${fn}: .*needs .*more than the (memory limit|memory available)`));
}

describe('setMemoryLimit / getMemoryLimit', () => {
  it('defaults to the memory available, and takes a byte count or null', () => {
    const avail = tf.getMemoryLimit();
    expect(avail).toBeGreaterThan(0);
    expect(avail).toBeLessThanOrEqual(os.totalmem());
    tf.setMemoryLimit(64 * MiB);
    expect(tf.getMemoryLimit()).toBe(64 * MiB);
    expect(native.getMemoryLimit()).toBe(64 * MiB);
    tf.setMemoryLimit(null);
    expect(tf.getMemoryLimit()).toBeGreaterThan(0);
    expect(native.getMemoryLimit()).toBeGreaterThan(0);
  });

  it('rejects what is not a positive integer byte count', () => {
    for (const v of [0, -1, 1.5, NaN, Infinity]) expect(() => tf.setMemoryLimit(v)).toThrow(RangeError);
    for (const v of ['1', undefined, {}, 10n]) expect(() => tf.setMemoryLimit(v as number)).toThrow(TypeError);
  });
});

describe('tensors and op outputs', () => {
  it('refuses a tensor over the limit and accepts one under it', () => {
    tf.setMemoryLimit(MiB);
    expect(tf.zeros([256, 1024]).size).toBe(256 * 1024); // exactly 1 MiB
    refused(() => tf.zeros([257, 1024]), 'zeros');
    refused(() => tf.ones([1024, 1024]), 'fill');
    refused(() => tf.fill([1024, 1024], 3, 'int32'), 'fill');
    refused(() => tf.randomNormal([1024, 1024]), 'randomNormal');
    refused(() => tf.randomUniform([1024, 1024]), 'randomUniform');
    refused(() => tf.tensor(new Array(300_000).fill(1)), 'tensor');
    // A typed array of the right dtype is wrapped, not copied: nothing to refuse.
    expect(tf.tensor(new Float32Array(300_000)).size).toBe(300_000);
  });

  it('refuses an op whose output would exceed the limit, before computing', () => {
    tf.setMemoryLimit(MiB);
    const col = tf.zeros([1024, 1]);
    const row = tf.zeros([1, 1024]);
    refused(() => tf.add(col, row), 'add');
    refused(() => tf.matMul(col, row), 'matMul');
    refused(() => tf.oneHot(tf.zeros([1024], 'int32'), 1024), 'oneHot');
    refused(() => tf.concat([tf.zeros([200, 1024]), tf.zeros([200, 1024])]), 'concat');
    refused(() => tf.gather(tf.zeros([1, 1024]), new Array(300).fill(0)), 'gather');
    refused(() => tf.tensor(new Float32Array(300_000)).cast('int32'), 'cast');
    expect(tf.add(col, tf.zeros([1, 200])).shape).toEqual([1024, 200]);
  });
});

describe('models', () => {
  const wide = () => tf.sequential({ layers: [tf.layers.dense({ units: 100_000, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });

  it('refuses to build a model whose weights, gradients and optimizer slots exceed the limit', () => {
    tf.setMemoryLimit(4 * MiB);
    // ~700k weights x 5 floats = 14 MB.
    refused(() => wide().build([4]), 'build');
    tf.setMemoryLimit(64 * MiB);
    const m = wide();
    m.build([4]);
    expect(m.countParams()).toBe(4 * 100_000 + 100_000 + 100_000 * 2 + 2);
  });

  it('the native engine refuses an arena over the limit on its own', () => {
    tf.setMemoryLimit(4 * MiB);
    expect(() => new native.NativeModel([{ kind: 0, units: 100_000 }], 4)).toThrow(RangeError);
    expect(() => new native.NativeModel([{ kind: 0, units: 100_000 }], 4)).toThrow(/more than the memory limit/);
  });

  it('refuses a model larger than the memory available by default, whatever this machine has', () => {
    // Sized from the default limit itself, so the verdict is the same on any
    // host: twice the memory available now, at 20 bytes per weight (the
    // weight, its gradient and up to three optimizer slots).
    const avail = tf.getMemoryLimit();
    const units = 2 ** 20;
    const inputs = Math.ceil((2 * avail) / 20 / units);
    const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [inputs] })] });
    let err: unknown;
    try {
      m.build([inputs]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    // Refused by the default limit (the memory available), not by an explicit one.
    expect((err as Error).message).toMatch(/^build: .*needs .*more than the memory available/);
  });

  it('refuses a per-batch workspace over the limit, and sizes it by the batch', async () => {
    tf.setMemoryLimit(64 * MiB);
    const m = wide();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.zeros([512, 4]);
    const y = tf.zeros([512], 'int32');
    // Batches of 512 rows x 100,000 features x 4 buffers: ~800 MB.
    await expect(m.fit(x, y, { batchSize: 512, verbose: 0 })).rejects.toThrow(/fit: the training workspace for batches of 512 needs .* more than the memory limit/);
    // Predictions do not depend on the batch: predict runs one whose workspace is over
    // the kept size in smaller batches (native Model::inferenceBatch), within the limit.
    const small = (m.predict(x, { batchSize: 4 }) as tf.Tensor).dataSync();
    expect(Array.from((m.predict(x, { batchSize: 512 }) as tf.Tensor).dataSync())).toEqual(Array.from(small));
    expect(Array.from(((await m.predictAsync(x, { batchSize: 512 })) as tf.Tensor).dataSync())).toEqual(Array.from(small));
    await expect(m.evaluate(x, y, { batchSize: 512 })).rejects.toThrow(RangeError);
    // Batches of 4 fit.
    const h = await m.fit(tf.slice(x, 0, 8), tf.slice(y, 0, 8), { batchSize: 4, verbose: 0 });
    expect(h.history.loss).toHaveLength(1);
    expect(m.predict(x, { batchSize: 4 }).shape).toEqual([512, 2]);
  });

  it('refuses a predict output over the limit', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4096, inputShape: [1] })] });
    m.build([1]);
    tf.setMemoryLimit(16 * MiB);
    refused(() => m.predict(tf.zeros([2048, 1]), { batchSize: 1 }), 'predict');
  });
});

describe('files', () => {
  it('refuses an IDX file whose payload exceeds the limit, before reading it', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-limits-'));
    try {
      const file = path.join(dir, 'big.idx');
      const header = Buffer.from([0, 0, 0x08, 1, 0, 0x20, 0, 0]); // uint8 [2097152]: 2 MiB
      fs.writeFileSync(file, Buffer.concat([header, Buffer.alloc(2 * MiB)]));
      tf.setMemoryLimit(MiB);
      await expect(tf.datasets.loadIdx(file)).rejects.toThrow(/^loadIdx: .*big\.idx.* needs 2\.0 MiB, more than the memory limit/);
      expect(() => tf.datasets.loadIdxSync(file)).toThrow(RangeError);
      tf.setMemoryLimit(4 * MiB);
      expect((await tf.datasets.loadIdx(file)).data.length).toBe(2 * MiB);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
