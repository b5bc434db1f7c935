// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747): 28x28
// grayscale images of Zalando articles in 10 classes, 60,000 for training and
// 10,000 for testing, as gzipped IDX files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBool, checkOptions as readOptions, show, typeError } from '../errors';
import { packageRoot } from '../package-root';
import { Tensor, tensor } from '../tensor';
import { IdxData, readIdx, readIdxUint8AsFloat32 } from './idx';

/** The ten Fashion-MNIST classes; `classNames[label]` names a label. */
export const classNames: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** Where Debian's `dataset-fashion-mnist` package installs the full dataset. */
export const debianFashionMnistDir = '/usr/share/datasets/fashion-mnist';

/** The four files of the dataset, under their original names. */
const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

const IMAGE_SIZE = 28;
const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** Options for {@link fashionMnist}. */
export interface FashionMnistOptions {
  /**
   * Directory holding the four gzipped IDX files (`train-images-idx3-ubyte.gz`,
   * `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
   * `t10k-labels-idx1-ubyte.gz`). Default: {@link debianFashionMnistDir} when
   * the full dataset is installed there, else the subset bundled with
   * tensorforge's git repository (the npm package does not ship it).
   */
  dir?: string;
  /**
   * `true` loads the bundled subset (the first 10,000 training and 2,000 test
   * examples) even when the full dataset is installed; `false` requires the
   * full dataset and rejects when it is not installed. Default: undefined
   * (the full dataset when installed, else the subset). Not allowed with `dir`.
   */
  subset?: boolean;
}

/** Images and their labels. */
export interface LabeledImages {
  /** float32 [N, 784]: each row one 28x28 image, row-major, pixels scaled to [0, 1]. */
  x: Tensor;
  /** int32 [N]: class labels 0..9 (see {@link classNames}). */
  y: Tensor;
}

/** The dataset as {@link fashionMnist} returns it. */
export interface FashionMnistData {
  /** Training examples: 60,000 in the full dataset, 10,000 in the subset. */
  train: LabeledImages;
  /** Test examples: 10,000 in the full dataset, 2,000 in the subset. */
  test: LabeledImages;
  /** The directory the files were read from. */
  dir: string;
}

/** The subset shipped in the git repository (see data/fashion-mnist/README.md). */
function bundledDir(): string {
  return path.join(packageRoot(), 'data', 'fashion-mnist');
}

async function hasAllFiles(dir: string): Promise<boolean> {
  const present = await Promise.all(Object.values(FILES).map((f) => fs.promises.access(path.join(dir, f), fs.constants.R_OK).then(() => true, () => false)));
  return present.every(Boolean);
}

/**
 * The bundled subset's directory. The npm package does not ship data/ (the
 * subset is ~5 MB; see the README's Install section), so an installed copy
 * explains where the data can come from instead of naming a missing file.
 */
async function bundledDirOrExplain(fn: string): Promise<string> {
  const dir = bundledDir();
  if (await hasAllFiles(dir)) return dir;
  throw new Error(`${fn}: the bundled subset is not available: ${dir} is missing (it ships with tensorforge's git repository, ` +
    `not its npm package). Install the full dataset into ${debianFashionMnistDir} (on Debian or Ubuntu: ` +
    `apt install dataset-fashion-mnist) and leave subset unset, or download the four .gz files from ` +
    `https://github.com/zalandoresearch/fashion-mnist and pass { dir }`);
}

async function resolveDir(fn: string, options: FashionMnistOptions): Promise<string> {
  if (options.dir !== undefined) return options.dir;
  if (options.subset === true) return bundledDirOrExplain(fn);
  if (await hasAllFiles(debianFashionMnistDir)) return debianFashionMnistDir;
  if (options.subset === false) {
    throw new Error(`${fn}: the full dataset is not installed in ${debianFashionMnistDir} (on Debian or Ubuntu: apt install dataset-fashion-mnist) and no dir was given`);
  }
  return bundledDirOrExplain(fn);
}

function checkOptions(fn: string, options: unknown): FashionMnistOptions {
  const { dir, subset } = readOptions(fn, options, ['dir', 'subset']);
  if (dir !== undefined && (typeof dir !== 'string' || dir === '' || dir.includes('\0'))) throw typeError(fn, `dir must be a non-empty string without NUL characters, got ${show(dir)}`);
  if (subset !== undefined) checkBool(fn, 'subset', subset);
  if (dir !== undefined && subset !== undefined) {
    throw typeError(fn, `give either dir or subset, not both (dir ${show(dir)}, subset ${show(subset)})`);
  }
  return { dir: dir as string | undefined, subset: subset as boolean | undefined };
}

/** Checks one split's images and labels and turns them into tensors. */
function toTensors(fn: string, imagesFile: string, images: { shape: number[]; data: Float32Array }, labelsFile: string, labels: IdxData): LabeledImages {
  if (images.shape.length !== 3 || images.shape[1] !== IMAGE_SIZE || images.shape[2] !== IMAGE_SIZE) {
    throw new Error(`${fn}: '${imagesFile}' holds uint8 ${show(images.shape)}; Fashion-MNIST images are uint8 [N,28,28]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(`${fn}: '${labelsFile}' holds ${labels.dtype} ${show(labels.shape)}; Fashion-MNIST labels are uint8 [N]`);
  }
  const n = images.shape[0];
  if (labels.shape[0] !== n) {
    throw new Error(`${fn}: '${imagesFile}' has ${n} images but '${labelsFile}' has ${labels.shape[0]} labels`);
  }
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label >= classNames.length) {
      throw new Error(`${fn}: '${labelsFile}' has label ${label} at index ${i}; Fashion-MNIST labels are 0..${classNames.length - 1}`);
    }
    y[i] = label;
  }
  return { x: tensor(images.data, [n, PIXELS]), y: tensor(y, [n], 'int32') };
}

/**
 * Awaits every promise and then rejects with the first failure in argument
 * order, so the error reported does not depend on which file finished first.
 */
async function allInOrder<T extends unknown[]>(...promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
}

async function loadSplit(fn: string, dir: string, imagesName: string, labelsName: string): Promise<LabeledImages> {
  const imagesFile = path.join(dir, imagesName);
  const labelsFile = path.join(dir, labelsName);
  const [images, labels] = await allInOrder<[{ shape: number[]; data: Float32Array }, IdxData]>(
    readIdxUint8AsFloat32(fn, imagesFile, 1 / 255), readIdx(fn, labelsFile));
  return toTensors(fn, imagesFile, images, labelsFile, labels);
}

/**
 * Loads Fashion-MNIST: `x` as float32 [N, 784] with pixels scaled to [0, 1],
 * `y` as int32 [N] labels 0..9 ({@link classNames} names them).
 *
 * By default it reads the full dataset (60,000 training and 10,000 test
 * images) from {@link debianFashionMnistDir}, where Debian's
 * `dataset-fashion-mnist` package installs it, and falls back to the subset
 * bundled with tensorforge's git repository (the first 10,000 training and
 * 2,000 test images; not part of the npm package, where the fallback rejects
 * with an error saying how to get the data). Every file is validated ({@link loadIdx}); images must be uint8 [N,28,28],
 * labels uint8 [N] in 0..9, and the two counts must match.
 *
 * @example
 * const { train, test } = await tf.datasets.fashionMnist();
 * train.x.shape; // [60000, 784]
 * @throws TypeError for invalid options; Error naming the file when a file is
 *   missing or invalid.
 */
export async function fashionMnist(options?: FashionMnistOptions): Promise<FashionMnistData> {
  const fn = 'fashionMnist';
  const dir = await resolveDir(fn, checkOptions(fn, options));
  // One split at a time: the compressed, inflated and float32 forms of the
  // training images coexist briefly, and overlapping the test split on top of
  // that raised peak memory by ~100 MB for no measurable gain in time.
  const train = await loadSplit(fn, dir, FILES.trainImages, FILES.trainLabels);
  const test = await loadSplit(fn, dir, FILES.testImages, FILES.testLabels);
  return { train, test, dir };
}
