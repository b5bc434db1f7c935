// The TensorBoard callback's event files, read back by a decoder written here
// from the format specifications (TFRecord framing: tensorflow/core/lib/io/
// record_writer.cc; CRC-32C: RFC 3720 appendix B.4; protobuf wire format:
// protobuf.dev/programming-guides/encoding; event.proto and summary.proto
// field numbers), not from the writer's code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { crc32c, maskedCrc32c } from '../../src/io/crc32c';

/** CRC-32C bit by bit (no table), the reference the table-driven one is checked against. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

type Field = { field: number; wire: number; value: bigint | Uint8Array | number };

/** Splits one protobuf message into its fields. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = 0;
  const varint = (): bigint => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) { out.push({ field, wire, value: view.getFloat64(i, true) }); i += 8; }
    else if (wire === 5) { out.push({ field, wire, value: view.getFloat32(i, true) }); i += 4; }
    else if (wire === 2) { const n = Number(varint()); out.push({ field, wire, value: buf.subarray(i, i + n) }); i += n; }
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

interface Decoded {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; scalar?: number; histo?: { min: number; max: number; num: number; sum: number; sumSquares: number; limits: number[]; counts: number[] } }[];
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const doubles = (b: Uint8Array) => Array.from({ length: b.length / 8 }, (_, k) => new DataView(b.buffer, b.byteOffset).getFloat64(8 * k, true));

/** Every event of a file; throws on any framing or CRC error. */
function readEvents(file: string): Decoded[] {
  const buf = new Uint8Array(fs.readFileSync(file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const events: Decoded[] = [];
  let i = 0;
  while (i < buf.length) {
    const len = Number(view.getBigUint64(i, true));
    expect(view.getUint32(i + 8, true)).toBe(mask(crc32cBitwise(buf.subarray(i, i + 8))));
    const data = buf.subarray(i + 12, i + 12 + len);
    expect(view.getUint32(i + 12 + len, true)).toBe(mask(crc32cBitwise(data)));
    i += 16 + len;
    const e: Decoded = { wallTime: NaN, step: 0, values: [] };
    for (const f of fields(data)) {
      if (f.field === 1) e.wallTime = f.value as number;
      else if (f.field === 2) e.step = Number(f.value);
      else if (f.field === 3) e.fileVersion = text(f.value as Uint8Array);
      else if (f.field === 5) {
        for (const v of fields(f.value as Uint8Array).filter((x) => x.field === 1)) {
          const value: Decoded['values'][number] = { tag: '' };
          for (const g of fields(v.value as Uint8Array)) {
            if (g.field === 1) value.tag = text(g.value as Uint8Array);
            else if (g.field === 2) value.scalar = g.value as number;
            else if (g.field === 5) {
              const h = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, limits: [] as number[], counts: [] as number[] };
              for (const x of fields(g.value as Uint8Array)) {
                if (x.field === 1) h.min = x.value as number;
                else if (x.field === 2) h.max = x.value as number;
                else if (x.field === 3) h.num = x.value as number;
                else if (x.field === 4) h.sum = x.value as number;
                else if (x.field === 5) h.sumSquares = x.value as number;
                else if (x.field === 6) h.limits = doubles(x.value as Uint8Array);
                else if (x.field === 7) h.counts = doubles(x.value as Uint8Array);
              }
              value.histo = h;
            }
          }
          e.values.push(value);
        }
      }
    }
    events.push(e);
  }
  return events;
}

function eventFile(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  return path.join(dir, files[0]);
}

/** The scalars of a run directory: tag -> [step, value][]. */
function scalarsOf(dir: string): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const e of readEvents(eventFile(dir))) for (const v of e.values) if (v.scalar !== undefined) (out[v.tag] ??= []).push([e.step, v.scalar]);
  return out;
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-tensorboard-'));
  dirs.push(d);
  return d;
}

function data(n = 40) {
  const x = tf.randomUniform([n, 4], -1, 1, 'float32', 3);
  const y = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % 3), 'int32');
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return { x, y, model };
}

describe('CRC-32C', () => {
  it('matches the check value of the standard and a bitwise reference', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32c(bytes)).toBe(crc32cBitwise(bytes));
    expect(maskedCrc32c(bytes)).toBe(mask(crc32cBitwise(bytes)));
  });
});

describe('tf.callbacks.tensorBoard', () => {
  it('writes every epoch scalar of the history: training to train/, val_* to validation/ under the same tag', async () => {
    const logdir = tmp();
    const { x, y, model } = data();
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0, callbacks: [tf.callbacks.tensorBoard(logdir)] });
    const first = readEvents(eventFile(path.join(logdir, 'train')))[0];
    expect(first.fileVersion).toBe('brain.Event:2');
    const train = scalarsOf(path.join(logdir, 'train'));
    const validation = scalarsOf(path.join(logdir, 'validation'));
    expect(Object.keys(train).sort()).toEqual(['epoch_acc', 'epoch_accuracy', 'epoch_loss']);
    expect(Object.keys(validation).sort()).toEqual(['epoch_acc', 'epoch_accuracy', 'epoch_loss']);
    // float32 on the wire (simple_value): equal to the history within float32 rounding.
    const f32 = (v: number) => Math.fround(v);
    expect(train.epoch_loss).toEqual(h.history.loss.map((v, i) => [i, f32(v)]));
    expect(train.epoch_accuracy).toEqual(h.history.accuracy.map((v, i) => [i, f32(v)]));
    expect(validation.epoch_loss).toEqual(h.history.val_loss.map((v, i) => [i, f32(v)]));
  });

  it("updateFreq 'batch' adds batch scalars with a step counted across epochs; a number writes every N batches", async () => {
    const every = tmp(), third = tmp();
    const { x, y, model } = data(40);
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [tf.callbacks.tensorBoard(every, { updateFreq: 'batch' }), tf.callbacks.tensorBoard(third, { updateFreq: 3 })] });
    const s = scalarsOf(path.join(every, 'train'));
    expect(s.batch_loss.map(([step]) => step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.epoch_loss.map(([step]) => step)).toEqual([0, 1]);
    expect(scalarsOf(path.join(third, 'train')).batch_loss.map(([step]) => step)).toEqual([2, 5, 8]);
  });

  it('histogramFreq writes a histogram of every weight, named as the model names it, whose counts and sums match the weights', async () => {
    const logdir = tmp();
    const { x, y, model } = data();
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [tf.callbacks.tensorBoard(logdir, { histogramFreq: 2 })] });
    const events = readEvents(eventFile(path.join(logdir, 'train')));
    const withHisto = events.filter((e) => e.values.some((v) => v.histo));
    expect(withHisto.map((e) => e.step)).toEqual([0, 2]);
    const last = withHisto[1].values.filter((v) => v.histo);
    expect(last.map((v) => v.tag)).toEqual(model.weightSpecs().map((s) => s.name));
    const weights = model.getWeights();
    last.forEach((v, i) => {
      const w = Array.from(weights[i].dataSync());
      const h = v.histo!;
      expect(h.num).toBe(w.length);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(w.length);
      expect(h.min).toBe(Math.min(...w));
      expect(h.max).toBe(Math.max(...w));
      expect(h.sum).toBeCloseTo(w.reduce((a, b) => a + b, 0), 10);
      expect(h.limits).toHaveLength(h.counts.length);
      expect(h.limits.at(-1)).toBe(h.max);
      // Each value lies in the bucket whose limits enclose it.
      for (const value of w) {
        const k = h.limits.findIndex((lim) => value <= lim);
        expect(k).toBeGreaterThanOrEqual(0);
      }
    });
  });

  it('an unwritable logdir rejects fit before training, naming the callback, and leaves no event file', async () => {
    const dir = tmp();
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const { x, y, model } = data();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [tf.callbacks.tensorBoard(blocker)] })).rejects.toThrow(/^callbacks\.tensorBoard: cannot write event files under/);
    expect(fs.readdirSync(dir)).toEqual(['not-a-dir']);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    // The validation directory failing after train/ was created removes the train file.
    const half = path.join(dir, 'half');
    fs.mkdirSync(half);
    fs.writeFileSync(path.join(half, 'validation'), 'x');
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [tf.callbacks.tensorBoard(half)] })).rejects.toThrow(/cannot write event files/);
    expect(fs.readdirSync(path.join(half, 'train'))).toEqual([]);
  });

  it('refuses bad arguments with the function name and the value', () => {
    expect(() => tf.callbacks.tensorBoard('' as string)).toThrow(/^callbacks\.tensorBoard: logdir must be a non-empty string, got ''/);
    expect(() => tf.callbacks.tensorBoard(3 as never)).toThrow(TypeError);
    expect(() => tf.callbacks.tensorBoard('d', { updateFreq: 'step' as never })).toThrow(/updateFreq must be 'batch', 'epoch' or a number of batches, got 'step'/);
    expect(() => tf.callbacks.tensorBoard('d', { updateFreq: 0 })).toThrow(RangeError);
    expect(() => tf.callbacks.tensorBoard('d', { histogramFreq: -1 })).toThrow(RangeError);
    expect(() => tf.callbacks.tensorBoard('d', { histogram_freq: 1 } as never)).toThrow(/unknown option 'histogram_freq'; did you mean 'histogramFreq'\?/);
  });
});

describe('tensorBoard in a tuner search', () => {
  it('writes each trial to its own run directory, with that trial\'s epochs', async () => {
    const logdir = tmp();
    const { x, y } = data(60);
    const tuner = tf.tuner.randomSearch({
      build: (hp) => {
        const m = tf.sequential({ layers: [tf.layers.dense({ units: hp.choice('units', [3, 6]), inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
        m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        return m;
      },
      objective: 'val_loss', directory: path.join(logdir, 'study'), maxEpochs: 2, maxTrials: 3, seed: 1, parallelism: 2, verbose: 0,
    });
    await tuner.search(x, y, { validationSplit: 0.25, batchSize: 8, callbacks: [tf.callbacks.tensorBoard(path.join(logdir, 'tb'))] });
    const runs = fs.readdirSync(path.join(logdir, 'tb')).sort();
    expect(runs).toEqual(tuner.trials.map((t) => `trial_${t.id}`).sort());
    for (const t of tuner.trials) {
      const s = scalarsOf(path.join(logdir, 'tb', `trial_${t.id}`, 'validation'));
      expect(s.epoch_loss.map(([, v]) => v)).toEqual(t.metrics.val_loss.map((v) => Math.fround(v)));
    }
  });
});
