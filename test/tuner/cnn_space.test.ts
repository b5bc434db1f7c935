// The convolutional search space (tf.tuner.cnnSpace, `tensorforge tune
// --space cnn`): sampled hyperparameters build models that run forward and
// train a step on [n, 28, 28, 1] images; the space's names and conditions;
// its option checks; the CLI's --space flag, and a one-trial CLI search on a
// few hundred images whose saved best model loads and scores what was printed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { HyperParameters, SearchSpace, sampleSpec } from '../../src/tuner/hyperparameters';
import { UsageError, main, parseTuneArgs, tune } from '../../src/tuner/cli';

// The CLI search below runs on the first few hundred images of the bundled subset.
const TRAIN = 400;
const TEST = 200;
vi.mock('../../src/datasets', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/datasets')>();
  const head = (d: { x: tf.Tensor; y: tf.Tensor }, n: number) => ({
    x: tf.tensor((d.x.values as Float32Array).slice(0, n * 784), [n, 784]),
    y: tf.tensor((d.y.values as Int32Array).slice(0, n), [n], 'int32'),
  });
  return {
    ...m,
    fashionMnist: async () => {
      const d = await m.fashionMnist({ subset: true });
      return { ...d, train: head(d.train, TRAIN), test: head(d.test, TEST) };
    },
  };
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Images and labels for quick checks: the first n training images, as [n, 28, 28, 1]. */
async function images(n: number): Promise<{ x: tf.Tensor; y: tf.Tensor }> {
  const { train } = await tf.datasets.fashionMnist();
  return { x: tf.slice(train.x, [0, 0], [n, 784]).reshape([n, 28, 28, 1]), y: tf.slice(train.y, [0], [n]) };
}

/** One trial's hyperparameters drawn as random search draws them. */
function sampled(seed: number, space: SearchSpace): HyperParameters {
  const rng = new Random(seed);
  return new HyperParameters({}, { space, suggest: (spec) => sampleSpec(spec, rng) });
}

describe('tf.tuner.cnnSpace', () => {
  it('builds models that predict and train on [n, 28, 28, 1] for sampled hyperparameters, the extremes among them', async () => {
    const { x, y } = await images(8);
    const { build, fitOptions } = tf.tuner.cnnSpace();
    const space = new SearchSpace();
    const sets: HyperParameters[] = [
      new HyperParameters({}, { space }), // every default
      // The dearest model and the cheapest.
      new HyperParameters({ blocks: 3, filters: 32, convs_per_block: 2, kernel_size_0: 5, kernel_size_1: 5, kernel_size_2: 5, batch_norm: true, dense_units: 256 }, { space }),
      new HyperParameters({ blocks: 1, filters: 16, convs_per_block: 1, kernel_size_0: 3, downsample: 'strides', dropout: 0, dense_units: 0 }, { space }),
      ...Array.from({ length: 10 }, (_, i) => sampled(100 + i, space)),
    ];
    const seen = new Set<string>();
    for (const hp of sets) {
      const model = build(hp);
      const label = JSON.stringify(hp.values);
      const p = model.predict(x) as tf.Tensor;
      expect(p.shape, label).toEqual([8, 10]);
      expect(model.inputs, label).toEqual([28, 28, 1]);
      const rows = p.values as Float32Array;
      for (let i = 0; i < 8; i++) expect(rows.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0), label).toBeCloseTo(1, 4);
      const history = await model.fit(x, y, { ...fitOptions(hp), batchSize: 8, epochs: 1, verbose: 0 });
      expect(Number.isFinite(history.history.loss[0]), label).toBe(true);
      // Layers as the values say: convolutions, downsampling, batch norm.
      const kinds = model.layers.map((l) => l.getClassName());
      const blocks = hp.get('blocks') as number;
      const convs = blocks * (hp.get('convs_per_block') as number);
      expect(kinds.filter((k) => k === 'Conv2D').length, label).toBe(convs);
      expect(kinds.filter((k) => k === 'BatchNormalization').length, label).toBe(hp.get('batch_norm') ? convs : 0);
      const pools = kinds.filter((k) => k === 'MaxPooling2D' || k === 'AveragePooling2D').length;
      expect(pools, label).toBe(hp.get('downsample') === 'strides' ? 0 : blocks);
      for (let b = 0; b < 3; b++) expect(hp.has(`kernel_size_${b}`), label).toBe(b < blocks);
      seen.add(`${blocks}/${hp.get('downsample')}/${hp.get('batch_norm')}`);
    }
    expect(seen.size).toBeGreaterThan(5); // the samples cover the space, not one corner of it
    const names = [...space.specs.keys()].sort();
    expect(names).toEqual(['batch_norm', 'batch_size', 'blocks', 'convs_per_block', 'dense_units', 'downsample', 'dropout', 'filters',
      'kernel_size_0', 'kernel_size_1', 'kernel_size_2', 'lr', 'optimizer']);
    // A later block's kernel is conditional on having that block.
    expect(space.get('kernel_size_2')!.conditions).toEqual([{ parent: 'blocks', values: [3] }]);
    expect(space.get('kernel_size_1')!.conditions).toEqual([{ parent: 'blocks', values: [2, 3] }]);
  });

  it('caps the blocks by the input size and takes other image shapes and class counts', async () => {
    const { build } = tf.tuner.cnnSpace({ inputShape: [4, 6, 3], classes: 3 });
    const space = new SearchSpace();
    const model = build(new HyperParameters({ blocks: 2, downsample: 'max_pool', convs_per_block: 2 }, { space }));
    expect(space.get('blocks')).toMatchObject({ min: 1, max: 2 });
    const p = model.predict(tf.ones([2, 4, 6, 3])) as tf.Tensor;
    expect(p.shape).toEqual([2, 3]);
    expect(() => build(new HyperParameters({ blocks: 3 }))).toThrow(/not allowed/);
  });

  it('rejects bad options naming the option and the value', () => {
    expect(() => tf.tuner.cnnSpace({ clases: 10 } as never)).toThrow(TypeError);
    expect(() => tf.tuner.cnnSpace({ clases: 10 } as never)).toThrow(/cnnSpace.*clases/);
    expect(() => tf.tuner.cnnSpace({ classes: 1 })).toThrow(RangeError);
    expect(() => tf.tuner.cnnSpace({ inputShape: [28, 28] as never })).toThrow(/cnnSpace: inputShape must be \[height, width, channels\], got \[28,28\]/);
    expect(() => tf.tuner.cnnSpace({ inputShape: [28, 0, 1] })).toThrow(/cnnSpace: inputShape\[1\] must be in/);
    expect(() => tf.tuner.cnnSpace({ inputShape: [1, 28, 1] })).toThrow(/cnnSpace: inputShape \[1,28,1\] is too small/);
    expect(() => tf.tuner.cnnSpace({ inputShape: 'big' as never })).toThrow(TypeError);
    expect(() => tf.tuner.cnnSpace(null as never)).toThrow(TypeError);
  });
});

describe('tensorforge tune --space', () => {
  it('accepts cnn (and mlp, the default) and gives the cnn search its own default directory', () => {
    expect(parseTuneArgs(['--dataset', 'fashion-mnist'])).toMatchObject({ space: 'mlp', directory: path.join('runs', 'tune-fashion-mnist') });
    expect(parseTuneArgs(['--dataset', 'fashion-mnist', '--space', 'cnn'])).toMatchObject({ space: 'cnn', directory: path.join('runs', 'tune-fashion-mnist-cnn') });
    expect(parseTuneArgs(['--space=cnn', '--dataset=fashion-mnist', '--directory', 'd'])).toMatchObject({ space: 'cnn', directory: 'd' });
    expect(parseTuneArgs(['--dataset', 'fashion-mnist', '--space', 'mlp']).space).toBe('mlp');
  });

  it('rejects an unknown or missing space, naming the valid ones', async () => {
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--space', 'rnn'])).toThrow(UsageError);
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--space', 'rnn'])).toThrow("unknown space 'rnn'; available: mlp, cnn");
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--space'])).toThrow('unknown space (none given); available: mlp, cnn');
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      expect(await main(['tune', '--dataset', 'fashion-mnist', '--space', 'CNN'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(err.join('')).toMatch(/^tensorforge tune: unknown space 'CNN'; available: mlp, cnn\n/);
  });

  it('lists the spaces in --help', async () => {
    const out: string[] = [];
    expect(await tune(['--help'], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toMatch(/--space NAME[^\n]*default mlp[\s\S]*mlp: a multi-layer perceptron[\s\S]*cnn: a convnet on 28x28x1 images/);
  });

  it('searches the convnet space on images and saves a best model that loads and scores what it printed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-cli-cnn-'));
    dirs.push(dir);
    const lines: string[] = [];
    const code = await tune(['--dataset', 'fashion-mnist', '--space', 'cnn', '--strategy', 'random', '--max-trials', '1', '--max-epochs', '1',
      '--parallelism', '1', '--seed', '3', '--directory', dir, '--quiet'], (s) => void lines.push(s));
    expect(code, lines.join('\n')).toBe(0);
    expect(lines[0]).toMatch(/\(400 train, 200 test\), cnn space, random search/);
    const printed = lines.find((l) => /^best trial \d+: validation accuracy [\d.]+, test accuracy [\d.]+$/.test(l));
    expect(printed, lines.join('\n')).toBeDefined();
    const testAcc = Number(printed!.match(/test accuracy ([\d.]+)$/)![1]);
    const model = await tf.loadLayersModel(path.join(dir, 'best-model', 'model.json'));
    expect(model.inputs).toEqual([28, 28, 1]);
    const { test } = await tf.datasets.fashionMnist();
    const logs = await model.evaluate(test.x.reshape([TEST, 28, 28, 1]), test.y, { batchSize: 256 });
    expect(logs.accuracy.toFixed(4)).toBe(testAcc.toFixed(4));
    const hp = JSON.parse(fs.readFileSync(path.join(dir, 'best-model', 'hyperparameters.json'), 'utf8'));
    expect(Object.keys(hp)).toEqual(expect.arrayContaining(['blocks', 'filters', 'downsample', 'batch_norm', 'dropout', 'kernel_size_0']));
  });
});
