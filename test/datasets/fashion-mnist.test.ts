import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { LabeledImages } from '../../src/datasets';

const REPO = path.resolve(__dirname, '..', '..');
const BUNDLED = path.join(REPO, 'data', 'fashion-mnist');
const DEBIAN = tf.datasets.debianFashionMnistDir;
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
// CI installs dataset-fashion-mnist, so there the full dataset must load; elsewhere its presence picks the expectation.
const FULL_INSTALLED = !!process.env.CI || FILES.every((f) => fs.existsSync(path.join(DEBIAN, f)));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-fmnist-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Checks one split: shapes and dtypes, pixels in [0, 1], labels in 0..9 with every class present. */
function checkSplit(split: LabeledImages, n: number): void {
  expect(split.x.shape).toEqual([n, 784]);
  expect(split.x.dtype).toBe('float32');
  expect(split.y.shape).toEqual([n]);
  expect(split.y.dtype).toBe('int32');
  let min = Infinity;
  let max = -Infinity;
  for (const v of split.x.dataSync()) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
  const counts = new Array(10).fill(0);
  for (const label of split.y.dataSync()) counts[label]++;
  expect(counts.reduce((a, b) => a + b)).toBe(n); // every label indexed 0..9
  expect(counts.every((c) => c > 0)).toBe(true);
}

/** Index of the first element where two arrays differ, -1 when equal (toEqual is slow on millions of elements). */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Writes a synthetic dataset (uint8 IDX images [n,28,28] and labels [m]) into a new directory. */
function writeDataset(name: string, images: { dims: number[]; pixels: number[] }, labels: number[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const idx = (dims: number[], values: number[]) => {
    const h = Buffer.alloc(4 + 4 * dims.length);
    h[2] = 0x08;
    h[3] = dims.length;
    dims.forEach((d, i) => h.writeInt32BE(d, 4 + 4 * i));
    return zlib.gzipSync(Buffer.concat([h, Buffer.from(values)]));
  };
  const size = images.dims.reduce((a, b) => a * b, 1);
  const pixels = Array.from({ length: size }, (_, i) => images.pixels[i % images.pixels.length]);
  for (const split of ['train', 't10k']) {
    fs.writeFileSync(path.join(dir, `${split}-images-idx3-ubyte.gz`), idx(images.dims, pixels));
    fs.writeFileSync(path.join(dir, `${split}-labels-idx1-ubyte.gz`), idx([labels.length], labels));
  }
  return dir;
}

describe('fashionMnist', () => {
  it('classNames lists the ten classes in label order', () => {
    expect(tf.datasets.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(Object.isFrozen(tf.datasets.classNames)).toBe(true);
  });

  it('loads the bundled subset: 10,000 train and 2,000 test examples', async () => {
    const d = await tf.datasets.fashionMnist({ subset: true });
    expect(d.dir).toBe(BUNDLED);
    checkSplit(d.train, 10_000);
    checkSplit(d.test, 2_000);
  });

  it('bundled files are valid gzipped IDX files with the original names', async () => {
    const shapes: Record<string, number[]> = {
      'train-images-idx3-ubyte.gz': [10_000, 28, 28],
      'train-labels-idx1-ubyte.gz': [10_000],
      't10k-images-idx3-ubyte.gz': [2_000, 28, 28],
      't10k-labels-idx1-ubyte.gz': [2_000],
    };
    for (const [name, shape] of Object.entries(shapes)) {
      const file = path.join(BUNDLED, name);
      expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const r = await tf.datasets.loadIdx(file);
      expect(r.dtype).toBe('uint8');
      expect(r.shape).toEqual(shape);
    }
  });

  it(`loads ${FULL_INSTALLED ? 'the full dataset from ' + DEBIAN : 'the bundled subset (full dataset not installed)'} by default`, async () => {
    const d = await tf.datasets.fashionMnist();
    if (FULL_INSTALLED) {
      expect(d.dir).toBe(DEBIAN);
      checkSplit(d.train, 60_000);
      checkSplit(d.test, 10_000);
      // The bundled subset is the head of the full dataset.
      const subset = await tf.datasets.fashionMnist({ subset: true });
      for (const [full, part] of [[d.train, subset.train], [d.test, subset.test]]) {
        const n = part.y.size;
        expect(firstMismatch(full.x.dataSync().subarray(0, n * 784), part.x.dataSync())).toBe(-1);
        expect(firstMismatch(full.y.dataSync().subarray(0, n), part.y.dataSync())).toBe(-1);
      }
    } else {
      expect(d.dir).toBe(BUNDLED);
      checkSplit(d.train, 10_000);
      checkSplit(d.test, 2_000);
    }
  });

  it(`subset: false ${FULL_INSTALLED ? 'loads the full dataset' : 'rejects without the full dataset'}`, async () => {
    if (FULL_INSTALLED) {
      const d = await tf.datasets.fashionMnist({ subset: false });
      expect(d.train.y.shape).toEqual([60_000]);
      expect(d.test.y.shape).toEqual([10_000]);
    } else {
      await expect(tf.datasets.fashionMnist({ subset: false })).rejects.toThrow(
        /^fashionMnist: the full dataset is not installed in \/usr\/share\/datasets\/fashion-mnist \(on Debian or Ubuntu: apt install dataset-fashion-mnist\) and no dir was given$/);
    }
  });

  it('reads a given dir and scales pixels by 1/255', async () => {
    const dir = writeDataset('ok', { dims: [3, 28, 28], pixels: [0, 51, 255, 128] }, [0, 9, 4]);
    const d = await tf.datasets.fashionMnist({ dir });
    expect(d.dir).toBe(dir);
    for (const split of [d.train, d.test]) {
      expect(split.x.shape).toEqual([3, 784]);
      expect(Array.from(split.x.dataSync().subarray(0, 4))).toEqual([0, Math.fround(0.2), 1, Math.fround(128 / 255)]);
      expect(Array.from(split.y.dataSync())).toEqual([0, 9, 4]);
    }
  });

  it('streams image files of several MB (read in 1 MB pieces), also past a gzip file name longer than the first piece', async () => {
    // Random pixels do not compress: 4,000 images are a ~3 MB file, read in pieces.
    const n = 4000;
    let state = 12345;
    const pixels = Uint8Array.from({ length: n * 784 }, () => (state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 24);
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    for (const nameBytes of [0, 1_500_000]) {
      const dir = writeDataset(`big-${nameBytes}`, { dims: [n, 28, 28], pixels: Array.from(pixels) }, labels);
      const file = path.join(dir, 'train-images-idx3-ubyte.gz');
      if (nameBytes > 0) {
        // FNAME (FLG bit 3): a zero-terminated name after the 10-byte gzip header.
        const gz = fs.readFileSync(file);
        const named = Buffer.concat([gz.subarray(0, 10), Buffer.alloc(nameBytes, 0x61), Buffer.from([0]), gz.subarray(10)]);
        named[3] |= 0x08;
        fs.writeFileSync(file, named);
      }
      expect(fs.statSync(file).size).toBeGreaterThan(2 << 20);
      const d = await tf.datasets.fashionMnist({ dir });
      expect(d.train.x.shape).toEqual([n, 784]);
      const x = d.train.x.dataSync();
      expect(firstMismatch(x, Float32Array.from(pixels, (v) => v / 255))).toBe(-1);
      // Cut mid-stream: a clear error, not a short dataset.
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, (3 << 20) >> 1));
      await expect(tf.datasets.fashionMnist({ dir })).rejects.toThrow(/train-images-idx3-ubyte\.gz/);
    }
  });

  it('rejects a count mismatch between images and labels', async () => {
    const dir = writeDataset('mismatch', { dims: [3, 28, 28], pixels: [7] }, [1, 2]);
    const images = path.join(dir, 'train-images-idx3-ubyte.gz');
    const labels = path.join(dir, 'train-labels-idx1-ubyte.gz');
    await expect(tf.datasets.fashionMnist({ dir })).rejects.toThrow(`fashionMnist: '${images}' has 3 images but '${labels}' has 2 labels`);
  });

  it('rejects a label outside 0..9', async () => {
    const dir = writeDataset('badlabel', { dims: [3, 28, 28], pixels: [7] }, [1, 10, 2]);
    const labels = path.join(dir, 'train-labels-idx1-ubyte.gz');
    await expect(tf.datasets.fashionMnist({ dir })).rejects.toThrow(`fashionMnist: '${labels}' has label 10 at index 1; Fashion-MNIST labels are 0..9`);
  });

  it('rejects images that are not 28x28', async () => {
    const dir = writeDataset('badshape', { dims: [2, 28, 27], pixels: [7] }, [1, 2]);
    const images = path.join(dir, 'train-images-idx3-ubyte.gz');
    await expect(tf.datasets.fashionMnist({ dir })).rejects.toThrow(`fashionMnist: '${images}' holds uint8 [2,28,27]; Fashion-MNIST images are uint8 [N,28,28]`);
  });

  it('names a missing file', async () => {
    const dir = path.join(tmp, 'empty');
    fs.mkdirSync(dir);
    await expect(tf.datasets.fashionMnist({ dir })).rejects.toThrow(
      `fashionMnist: cannot read '${path.join(dir, 'train-images-idx3-ubyte.gz')}': no such file or directory`);
  });

  it('validates its options', async () => {
    await expect(tf.datasets.fashionMnist({ dir: BUNDLED, subset: true })).rejects.toThrow(
      "fashionMnist: give either dir or subset, not both (dir '" + BUNDLED + "', subset true)");
    await expect(tf.datasets.fashionMnist({ subset: 'yes' as unknown as boolean })).rejects.toThrow("fashionMnist: subset must be a boolean, got 'yes'");
    await expect(tf.datasets.fashionMnist({ dir: 7 as unknown as string })).rejects.toThrow(TypeError);
    await expect(tf.datasets.fashionMnist('dir' as unknown as object)).rejects.toThrow("fashionMnist: options must be an object, got 'dir'");
  });
});
