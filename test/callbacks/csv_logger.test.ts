import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { FakeModel, drive } from './fake';

const dir = mkdtempSync(join(tmpdir(), 'tensorforge-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `log${n++}.csv`);
const read = (f: string) => readFileSync(f, 'utf8');

const epochs = [
  { val_loss: 1.5, loss: 1, acc: 0.5 },
  { val_loss: 1.25, loss: 0.75, acc: 0.625 },
];

describe('csvLogger', () => {
  it('writes a header of epoch and the sorted keys, then one row per epoch', async () => {
    const f = file();
    const cb = tf.callbacks.csvLogger(f);
    expect(cb).toBeInstanceOf(tf.callbacks.CSVLogger);
    expect(cb).toMatchObject({ filename: f, separator: ',', append: false });
    await drive(cb, new FakeModel(), epochs);
    expect(read(f)).toBe('epoch,acc,loss,val_loss\n0,0.5,1,1.5\n1,0.625,0.75,1.25\n');
  });

  it('each row is in the file as soon as its epoch ends', async () => {
    const f = file();
    const cb = tf.callbacks.csvLogger(f);
    cb.setModel(new FakeModel());
    await cb.onTrainBegin({});
    expect(read(f)).toBe('');
    await cb.onEpochEnd(0, { loss: 0.5 });
    expect(read(f)).toBe('epoch,loss\n0,0.5\n');
    await cb.onEpochEnd(1, { loss: 0.25 });
    expect(read(f)).toBe('epoch,loss\n0,0.5\n1,0.25\n');
    await cb.onTrainEnd({});
  });

  it('overwrites an existing file unless append is set', async () => {
    const f = file();
    writeFileSync(f, 'old contents\n');
    await drive(tf.callbacks.csvLogger(f), new FakeModel(), [{ loss: 1 }]);
    expect(read(f)).toBe('epoch,loss\n0,1\n');
    // A second fit with the same logger starts the file again.
    const cb = tf.callbacks.csvLogger(f);
    await drive(cb, new FakeModel(), [{ loss: 2 }]);
    await drive(cb, new FakeModel(), [{ loss: 3 }]);
    expect(read(f)).toBe('epoch,loss\n0,3\n');
  });

  it('append: continues a file without repeating the header', async () => {
    const f = file();
    const cb = tf.callbacks.csvLogger(f, { append: true });
    await drive(cb, new FakeModel(), [{ loss: 1 }]);
    await drive(cb, new FakeModel(), [{ loss: 0.5 }, { loss: 0.25 }]);
    expect(read(f)).toBe('epoch,loss\n0,1\n0,0.5\n1,0.25\n');
  });

  it('append: writes the header into a missing or empty file', async () => {
    const empty = file();
    writeFileSync(empty, '');
    await drive(tf.callbacks.csvLogger(empty, { append: true }), new FakeModel(), [{ loss: 1 }]);
    expect(read(empty)).toBe('epoch,loss\n0,1\n');
    const missing = file();
    await drive(tf.callbacks.csvLogger(missing, { append: true }), new FakeModel(), [{ loss: 1 }]);
    expect(read(missing)).toBe('epoch,loss\n0,1\n');
  });

  it('columns are fixed by the first epoch: missing values are NA, new keys are ignored', async () => {
    const f = file();
    await drive(tf.callbacks.csvLogger(f), new FakeModel(), [{ loss: 1, mae: 2 }, { loss: 0.5, extra: 9 }, { loss: NaN, mae: 1e-7 }]);
    expect(read(f)).toBe('epoch,loss,mae\n0,1,2\n1,0.5,NA\n2,NaN,1e-7\n');
  });

  it('adds val_* columns fit announces even when the first epoch lacks them', async () => {
    const f = file();
    await drive(tf.callbacks.csvLogger(f), new FakeModel(), [{ loss: 1 }, { loss: 0.5, val_loss: 0.7 }], 'loss', { metrics: ['loss', 'val_loss'] });
    expect(read(f)).toBe('epoch,loss,val_loss\n0,1,NA\n1,0.5,0.7\n');
  });

  it('separator, and quoting of fields that contain it', async () => {
    const f = file();
    await drive(tf.callbacks.csvLogger(f, { separator: ';' }), new FakeModel(), [{ 'a;b': 1, loss: 0.5 }]);
    expect(read(f)).toBe('epoch;"a;b";loss\n0;1;0.5\n');
    const t = file();
    await drive(tf.callbacks.csvLogger(t, { separator: '\t' }), new FakeModel(), [{ loss: 0.5, acc: 1 }]);
    expect(read(t)).toBe('epoch\tacc\tloss\n0\t1\t0.5\n');
  });

  it('rejects bad arguments', () => {
    const cases: [unknown, unknown, TypeErrorConstructor | RangeErrorConstructor, RegExp][] = [
      [3, undefined, TypeError, /filename must be a non-empty string/],
      ['', undefined, TypeError, /filename/],
      ['x.csv', { separator: '' }, RangeError, /separator must be one character/],
      ['x.csv', { separator: ';;' }, RangeError, /separator/],
      ['x.csv', { separator: '"' }, RangeError, /separator/],
      ['x.csv', { separator: 1 }, TypeError, /separator must be a string/],
      ['x.csv', { append: 'yes' }, TypeError, /append must be a boolean/],
      ['x.csv', { sep: ';' }, TypeError, /unknown option 'sep'/],
    ];
    for (const [name, args, type, msg] of cases) {
      const call = () => tf.callbacks.csvLogger(name as string, args as tf.callbacks.CSVLoggerArgs);
      expect(call).toThrow(type);
      expect(call).toThrow(/^callbacks\.csvLogger: /);
      expect(call).toThrow(msg);
    }
  });

  it('a path in a missing directory rejects at train begin', async () => {
    await expect(drive(tf.callbacks.csvLogger(join(dir, 'no', 'such', 'dir.csv')), new FakeModel(), [{ loss: 1 }])).rejects.toThrow(/ENOENT/);
  });
});
