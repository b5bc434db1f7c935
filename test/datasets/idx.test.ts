import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { IdxData } from '../../src/datasets';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-idx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes `bytes` to a new file in the temp dir and returns its path. */
function write(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** An IDX header: 00 00 type ndims, then each dim as a big-endian int32. */
function header(typeCode: number, dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = typeCode;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeInt32BE(d, 4 + 4 * i));
  return h;
}

const CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;

/** A complete IDX file holding `values`, encoded big-endian independently of the loader (Buffer's write*BE). */
function idxFile(dtype: keyof typeof CODES, dims: number[], values: number[]): Buffer {
  const size = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 }[dtype];
  const p = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (dtype === 'uint8') p.writeUInt8(v, i);
    else if (dtype === 'int8') p.writeInt8(v, i);
    else if (dtype === 'int16') p.writeInt16BE(v, 2 * i);
    else if (dtype === 'int32') p.writeInt32BE(v, 4 * i);
    else if (dtype === 'float32') p.writeFloatBE(v, 4 * i);
    else p.writeDoubleBE(v, 8 * i);
  });
  return Buffer.concat([header(CODES[dtype], dims), p]);
}

const gzip = (b: Uint8Array) => zlib.gzipSync(b, { level: 9 });

// Every case runs through both entry points; each error message starts with the function's name.
const loaders: [string, (file: string) => Promise<IdxData>][] = [
  ['loadIdx', (file) => tf.datasets.loadIdx(file)],
  ['loadIdxSync', async (file) => tf.datasets.loadIdxSync(file)],
];

/** Regex-escapes a file path for use inside an expected message. */
const q = (file: string) => `'${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`;

describe('IDX round trips', () => {
  const cases: [keyof typeof CODES, number[], number[]][] = [
    ['uint8', [2, 3], [0, 1, 127, 128, 254, 255]],
    ['int8', [3, 2], [-128, -1, 0, 1, 100, 127]],
    ['int16', [2, 2], [-32768, -2, 258, 32767]],
    ['int32', [2, 1, 3], [-(2 ** 31), -2, 0, 1, 65536 + 2, 2 ** 31 - 1]],
    ['float32', [2, 3], [0, -0.25, 1.5, Math.fround(Math.PI), Math.fround(3.4e38), -Infinity]],
    ['float64', [5], [Math.PI, -1e-300, 2 ** 60, Number.MAX_VALUE, Infinity]],
  ];
  for (const [name, load] of loaders) {
    for (const [dtype, dims, values] of cases) {
      for (const gz of [false, true]) {
        it(`${name}: ${dtype} ${JSON.stringify(dims)}${gz ? ' gzipped' : ''}`, async () => {
          const bytes = idxFile(dtype, dims, values);
          const r = await load(write(`rt-${name}-${dtype}${gz ? '.gz' : ''}`, gz ? gzip(bytes) : bytes));
          expect(r.dtype).toBe(dtype);
          expect(r.shape).toEqual(dims);
          expect(r.data.constructor.name).toBe({ uint8: 'Uint8Array', int8: 'Int8Array', int16: 'Int16Array', int32: 'Int32Array', float32: 'Float32Array', float64: 'Float64Array' }[dtype]);
          expect(Array.from(r.data)).toEqual(values);
          expect(r.data.byteOffset).toBe(0);
          expect(r.data.buffer.byteLength).toBe(r.data.byteLength);
        });
      }
    }

    it(`${name}: decodes hand-written big-endian bytes`, async () => {
      // float32 1.0 = 3F 80 00 00, -2.0 = C0 00 00 00 (IEEE 754).
      const f = await load(write(`hand-f32-${name}`, Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0])));
      expect(Array.from(f.data)).toEqual([1, -2]);
      const i = await load(write(`hand-i32-${name}`, Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe])));
      expect(Array.from(i.data)).toEqual([258, -2]);
    });

    it(`${name}: finds the header past a long gzip file name`, async () => {
      // FNAME (FLG bit 3) inserts a zero-terminated name after the 10-byte gzip header:
      // the first 4 KiB of the file then inflate to nothing.
      const gz = gzip(idxFile('int16', [3], [1, -1, 7]));
      const withName = Buffer.concat([gz.subarray(0, 10), Buffer.alloc(10_000, 0x61), Buffer.from([0]), gz.subarray(10)]);
      withName[3] |= 0x08;
      const r = await load(write(`fname-${name}.gz`, withName));
      expect(Array.from(r.data)).toEqual([1, -1, 7]);
    });
  }
});

describe('IDX validation', () => {
  for (const [name, load] of loaders) {
    const fail = (file: string) => load(file);

    it(`${name}: bad magic number`, async () => {
      const file = write(`magic-${name}`, Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 5]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is not an IDX file: bad magic number 01 02 08 01 \\(expected 00 00 <type> <ndims>\\)$`));
    });

    it(`${name}: unknown type code`, async () => {
      const file = write(`type-${name}`, Buffer.concat([header(0x0a, [1]), Buffer.from([0])]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} has unsupported IDX type code 0x0A; supported: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64$`));
    });

    it(`${name}: zero dimension`, async () => {
      const file = write(`zero-${name}`, header(0x08, [2, 0]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} has dimension 1 = 0 \\(dims \\[2,0\\]\\); IDX dimensions must be positive$`));
    });

    it(`${name}: negative dimension`, async () => {
      const file = write(`neg-${name}`, Buffer.concat([header(0x08, [-1, 3]), Buffer.alloc(3)]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} has dimension 0 = -1 \\(dims \\[-1,3\\]\\); IDX dimensions must be positive$`));
    });

    it(`${name}: no dimensions`, async () => {
      const file = write(`nodims-${name}`, Uint8Array.from([0, 0, 8, 0, 1]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} declares 0 dimensions; an IDX file needs at least one$`));
    });

    it(`${name}: more elements than a tensor can hold, before allocating`, async () => {
      const file = write(`huge-${name}`, header(0x0d, [65536, 65536]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} declares dims \\[65536,65536\\], more than the 2147483647 elements a tensor can hold; refusing to load it$`));
    });

    it(`${name}: empty file`, async () => {
      const file = write(`empty-${name}`, new Uint8Array(0));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is too short to be an IDX file: the file has 0 bytes, the magic number alone takes 4$`));
    });

    it(`${name}: truncated header`, async () => {
      const file = write(`shorthead-${name}`, header(0x08, [60000, 28, 28]).subarray(0, 9));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is truncated: its header declares 3 dimensions \\(16 header bytes\\) but the file has only 9 bytes$`));
    });

    it(`${name}: gzipped, truncated header`, async () => {
      const file = write(`gzshorthead-${name}.gz`, gzip(header(0x0c, [2, 2]).subarray(0, 10)));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is truncated: its header declares 2 dimensions \\(12 header bytes\\) but the decompressed stream has only 10 bytes$`));
    });

    it(`${name}: truncated payload`, async () => {
      const file = write(`trunc-${name}`, idxFile('uint8', [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 12 + 4));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is truncated: its header \\(uint8 \\[2,3\\]\\) promises 6 payload bytes after the 12-byte header, but the file has 4$`));
    });

    it(`${name}: truncated payload of a header promising 47 MB, before allocating it`, async () => {
      const file = write(`trunc-big-${name}`, Buffer.concat([header(0x08, [60000, 28, 28]), Buffer.alloc(100)]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is truncated: its header \\(uint8 \\[60000,28,28\\]\\) promises 47040000 payload bytes after the 16-byte header, but the file has 100$`));
    });

    it(`${name}: trailing bytes`, async () => {
      const file = write(`trail-${name}`, Buffer.concat([idxFile('float32', [2], [1, 2]), Buffer.from([0xde, 0xad])]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} has 2 trailing bytes: its header \\(float32 \\[2\\]\\) promises 8 payload bytes after the 8-byte header, but the file has 10$`));
    });

    it(`${name}: gzipped, truncated payload`, async () => {
      const file = write(`gztrunc-${name}.gz`, gzip(idxFile('int32', [3], [1, 2, 3]).subarray(0, 8 + 5)));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is truncated: its header \\(int32 \\[3\\]\\) promises 12 payload bytes after the 8-byte header, but the decompressed stream has 5$`));
    });

    it(`${name}: gzipped, trailing bytes`, async () => {
      const file = write(`gztrail-${name}.gz`, gzip(Buffer.concat([idxFile('uint8', [4], [1, 2, 3, 4]), Buffer.from([9, 9])])));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} decompresses to more than the 12 bytes its header \\(uint8 \\[4\\]\\) promises \\(trailing data or a gzip bomb\\); stopped inflating at that limit$`));
    });

    it(`${name}: truncated gzip stream`, async () => {
      const gz = gzip(idxFile('float64', [64], Array.from({ length: 64 }, (_, i) => i * 0.1)));
      const file = write(`gzcut-${name}.gz`, gz.subarray(0, gz.length - 20));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is a truncated gzip stream \\(unexpected end of file\\)$`));
    });

    it(`${name}: corrupt gzip stream`, async () => {
      const file = write(`gzbad-${name}.gz`, Uint8Array.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} is not a valid gzip stream \\(.+\\)$`));
    });

    it(`${name}: gzip bomb stops at the size the header promises`, async () => {
      // The header promises 10 bytes; concatenated gzip members then inflate to
      // 256 MiB of zeros from about 270 KB on disk.
      const zeros = gzip(Buffer.alloc(1 << 20));
      const bomb = Buffer.concat([gzip(idxFile('uint8', [10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), ...Array(256).fill(zeros)]);
      expect(bomb.length).toBeLessThan(300_000);
      const file = write(`bomb-${name}.gz`, bomb);
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: ${q(file)} decompresses to more than the 18 bytes its header \\(uint8 \\[10\\]\\) promises \\(trailing data or a gzip bomb\\); stopped inflating at that limit$`));
    });

    it(`${name}: non-existent path`, async () => {
      const file = path.join(tmp, 'no-such-dir', 'missing.idx');
      await expect(fail(file)).rejects.toThrow(new RegExp(`^${name}: cannot read ${q(file)}: no such file or directory$`));
    });

    it(`${name}: a directory instead of a file`, async () => {
      await expect(fail(tmp)).rejects.toThrow(new RegExp(`^${name}: cannot read ${q(tmp)}: it is a directory, not a file$`));
    });

    it(`${name}: path must be a string`, async () => {
      await expect(load(42 as unknown as string)).rejects.toThrow(TypeError);
      await expect(load('')).rejects.toThrow(new RegExp(`^${name}: path must be a non-empty string, got ''$`));
    });
  }
});
