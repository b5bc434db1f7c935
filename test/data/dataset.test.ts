// tf.data: sources, transformations and batching (TensorFlow.js semantics),
// checked against plain-array references.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';

const values = (t: unknown) => Array.from((t as tf.Tensor).dataSync());

describe('sources', () => {
  it('array: re-iterable, copied, with a known size', async () => {
    const items = [1, 2, 3];
    const ds = tf.data.array(items);
    items.push(4);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(await ds.toArray()).toEqual([1, 2, 3]);
    expect(ds.size).toBe(3);
  });

  it('generator: sync and async generators, called afresh for each iteration', async () => {
    let calls = 0;
    const sync = tf.data.generator(function* () { calls++; yield* [1, 2]; });
    const asyncGen = tf.data.generator(async function* () { yield 'a'; await new Promise((r) => setTimeout(r, 1)); yield 'b'; });
    expect(await sync.toArray()).toEqual([1, 2]);
    expect(await sync.toArray()).toEqual([1, 2]);
    expect(calls).toBe(2);
    expect(await asyncGen.toArray()).toEqual(['a', 'b']);
  });

  it('generator errors: a throwing generator rejects the iteration with its error; a non-iterator is named', async () => {
    const bad = tf.data.generator(function* () { yield 1; throw new Error('source broke'); });
    await expect(bad.toArray()).rejects.toThrow('source broke');
    await expect(tf.data.generator((() => 3) as never).toArray()).rejects.toThrow(/^data\.generator: the generator function must return an iterator, got 3/);
    expect(() => tf.data.generator(3 as never)).toThrow(TypeError);
    expect(() => tf.data.array('abc' as never)).toThrow(/^data\.array: items must be an array/);
  });

  it('zip: arrays and objects of datasets in lockstep, ending with the shortest', async () => {
    const a = tf.data.array([1, 2, 3]), b = tf.data.array(['x', 'y']);
    expect(await tf.data.zip([a, b]).toArray()).toEqual([[1, 'x'], [2, 'y']]);
    expect(await tf.data.zip({ n: a, s: b }).toArray()).toEqual([{ n: 1, s: 'x' }, { n: 2, s: 'y' }]);
    expect(tf.data.zip([a, b]).size).toBe(2);
    expect(() => tf.data.zip([a, 3 as never])).toThrow(/^data\.zip: datasets\['1'\] must be a Dataset/);
  });
});

describe('transformations', () => {
  const ten = () => tf.data.array(Array.from({ length: 10 }, (_, i) => i));

  it('map, filter, take, skip, repeat', async () => {
    expect(await ten().map((x) => x * 2).take(3).toArray()).toEqual([0, 2, 4]);
    expect(await ten().filter(async (x) => x % 3 === 0).toArray()).toEqual([0, 3, 6, 9]);
    expect(await ten().skip(8).toArray()).toEqual([8, 9]);
    expect(await ten().take(-1).toArray()).toHaveLength(10);
    expect(await ten().take(2).repeat(3).toArray()).toEqual([0, 1, 0, 1, 0, 1]);
    expect(await ten().repeat().take(12).toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(await tf.data.array([]).repeat().toArray()).toEqual([]);
    expect(ten().take(3).repeat(2).size).toBe(6);
  });

  it('shuffle: a seeded permutation; a new one each iteration unless told otherwise; a buffer of 1 keeps the order', async () => {
    const a = await ten().shuffle(10, 7).toArray();
    expect([...a].sort((x, y) => x - y)).toEqual(await ten().toArray());
    expect(a).not.toEqual(await ten().toArray());
    expect(await ten().shuffle(10, 7).toArray()).toEqual(a);
    const ds = ten().shuffle(10, 7);
    const first = await ds.toArray(), second = await ds.toArray();
    expect(first).not.toEqual(second);
    const fixed = ten().shuffle(10, 7, false);
    expect(await fixed.toArray()).toEqual(await fixed.toArray());
    expect(await ten().shuffle(1, 3).toArray()).toEqual(await ten().toArray());
    // A small buffer only moves elements locally: element i comes out at least i - bufferSize + 1 places in.
    const local = await ten().shuffle(3, 5).toArray();
    local.forEach((v, pos) => expect(pos).toBeGreaterThanOrEqual(v - 2));
  });

  it('prefetch reads ahead without changing the order or losing elements', async () => {
    let produced = 0;
    const ds = tf.data.generator(function* () { for (let i = 0; i < 20; i++) { produced++; yield i; } }).prefetch(4);
    const it = await ds.iterator();
    const r = await it.next();
    expect(r.value).toBe(0);
    await new Promise((res) => setTimeout(res, 5));
    expect(produced).toBeGreaterThan(1);
    expect(await ds.toArray()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('bad arguments name the method and the value', () => {
    expect(() => ten().batch(0)).toThrow(/^Dataset\.batch: batchSize must be in \[1,/);
    expect(() => ten().shuffle(0)).toThrow(RangeError);
    expect(() => ten().map(3 as never)).toThrow(/^Dataset\.map: transform must be a function, got 3/);
    expect(() => ten().take(1.5)).toThrow(RangeError);
    expect(() => ten().prefetch(-1)).toThrow(RangeError);
  });
});

describe('batch', () => {
  it('numbers, nested arrays, tensors and objects of them, with a small last batch', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ xs: [i, i + 0.5], ys: i % 2, t: tf.tensor1d([i, -i]) }));
    const batches = (await tf.data.array(rows).batch(2).toArray()) as { xs: tf.Tensor; ys: tf.Tensor; t: tf.Tensor }[];
    expect(batches).toHaveLength(3);
    expect(batches[0].xs.shape).toEqual([2, 2]);
    expect(values(batches[0].xs)).toEqual([0, 0.5, 1, 1.5]);
    expect(values(batches[1].ys)).toEqual([0, 1]);
    expect(batches[2].t.shape).toEqual([1, 2]);
    expect(values(batches[2].t)).toEqual([4, -4]);
    expect(await tf.data.array([1, 2, 3]).batch(2, false).toArray()).toHaveLength(1);
    expect(tf.data.array([1, 2, 3]).batch(2).size).toBe(2);
    const pairs = (await tf.data.array([[[1, 2], 0], [[3, 4], 1]]).batch(2).toArray()) as tf.Tensor[][];
    expect(values(pairs[0][0])).toEqual([1, 2, 3, 4]);
    expect(values(pairs[0][1])).toEqual([0, 1]);
  });

  it('a ragged or non-numeric element is an error naming the batch and the field', async () => {
    const ragged = tf.data.array([{ xs: [1, 2] }, { xs: [1, 2] }, { xs: [3] }, { xs: [4, 5] }]).batch(2);
    await expect(ragged.toArray()).rejects.toThrow(/^Dataset\.batch: batch 1, xs: sample 1 is ragged/);
    const text = tf.data.array([{ xs: [1, 2] }, { xs: [1, 'a'] }]).batch(2);
    await expect(text.toArray()).rejects.toThrow(/^Dataset\.batch: batch 0, xs: sample 1 holds 'a' where a number belongs/);
    const missing = tf.data.array([{ xs: 1, ys: 2 }, { xs: 1 }]).batch(2);
    await expect(missing.toArray()).rejects.toThrow(/batch 0, element: every element must have the field 'ys'/);
  });
});

describe('csv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-csv-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  it('quoting (delimiters, doubled quotes, line breaks inside), CRLF, blank lines, inferred numbers', async () => {
    const p = file('q.csv', 'a,b,c\r\n1,"x,y",2.5\r\n\r\n3,"say ""hi""\nthere",-1e3\n4,plain,\n');
    expect(await tf.data.csv(p).toArray()).toEqual([
      { a: 1, b: 'x,y', c: 2.5 },
      { a: 3, b: 'say "hi"\nthere', c: -1000 },
      { a: 4, b: 'plain', c: NaN },
    ]);
  });

  it('labels go to ys, defaults fill missing values, a delimiter and column names without a header', async () => {
    const p = file('l.csv', '1;2;0\n3;;1\n');
    const ds = tf.data.csv(p, { hasHeader: false, columnNames: ['f1', 'f2', 'label'], delimiter: ';', columnConfigs: { label: { isLabel: true, dtype: 'int32' }, f2: { default: -1 } } });
    expect(await ds.toArray()).toEqual([{ xs: { f1: 1, f2: 2 }, ys: { label: 0 } }, { xs: { f1: 3, f2: -1 }, ys: { label: 1 } }]);
    const only = tf.data.csv(p, { hasHeader: false, columnNames: ['f1', 'f2', 'label'], delimiter: ';', configuredColumnsOnly: true, columnConfigs: { f1: {} } });
    expect(await only.toArray()).toEqual([{ f1: 1 }, { f1: 3 }]);
  });

  it('a large file streams: 200,000 rows read back in order, and batched', async () => {
    const n = 200_000;
    const lines = ['i,sq'];
    for (let i = 0; i < n; i++) lines.push(`${i},${(i % 97) * (i % 97)}`);
    const p = file('big.csv', lines.join('\n'));
    let count = 0, ok = true;
    await tf.data.csv(p).forEachAsync((r) => {
      const row = r as { i: number; sq: number };
      if (row.i !== count || row.sq !== (count % 97) ** 2) ok = false;
      count++;
    });
    expect(count).toBe(n);
    expect(ok).toBe(true);
    const batches = await tf.data.csv(p).take(1000).batch(256).toArray() as { i: tf.Tensor }[];
    expect(batches.map((b) => b.i.shape[0])).toEqual([256, 256, 256, 232]);
  });

  it('errors name the file, line and column', async () => {
    await expect(tf.data.csv(path.join(dir, 'missing.csv')).toArray()).rejects.toThrow(/^data\.csv: no file at/);
    await expect(tf.data.csv(file('f.csv', 'a,b\n1,2\n3\n')).toArray()).rejects.toThrow(/f\.csv line 3: expected 2 fields, got 1/);
    await expect(tf.data.csv(file('n.csv', 'a,b\n1,2\n3,x\n'), { columnConfigs: { b: { dtype: 'float32' } } }).toArray()).rejects.toThrow(/n\.csv line 3, column 'b': 'x' is not a number/);
    await expect(tf.data.csv(file('r.csv', 'a,b\n1,\n'), { columnConfigs: { b: { required: true } } }).toArray()).rejects.toThrow(/r\.csv line 2, column 'b': the field is empty but required/);
    await expect(tf.data.csv(file('u.csv', 'a,b\n1,"open\n')).toArray()).rejects.toThrow(/u\.csv line 2: a quoted field is not closed/);
    await expect(tf.data.csv(file('c.csv', 'a,b\n1,2\n'), { columnConfigs: { z: {} } }).toArray()).rejects.toThrow(/columnConfigs names 'z', which is not a column/);
    expect(() => tf.data.csv('x.csv', { delimeter: ';' } as never)).toThrow(/unknown option 'delimeter'; did you mean 'delimiter'\?/);
    expect(() => tf.data.csv('x.csv', { hasHeader: false })).toThrow(/columnNames is required when hasHeader is false/);
    expect(() => tf.data.csv('x.csv', { delimiter: '"' })).toThrow(TypeError);
  });

  it('a doubled quote split across read chunks (64 KiB) is still one quote', async () => {
    const pad = 'p'.repeat((1 << 16) - 'a\n"'.length - 1);
    const p = file('split.csv', `a\n"${pad}""x"\n`);
    const rows = await tf.data.csv(p, { columnConfigs: { a: { dtype: 'string' } } }).toArray();
    expect(rows).toEqual([{ a: `${pad}"x` }]);
  });
});
