// Searches with real (tiny) models: trials train concurrently, the best model
// comes back with its best epoch's weights, Hyperband continues promoted
// models from their checkpoints, a finished search reloads, and the report,
// summary and CLI work.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import type { HyperParameters } from '../../src/tuner';
import { parseTuneArgs, tune } from '../../src/tuner/cli';

const root = fs.mkdtempSync(path.join(tmpdir(), 'tensorforge-tuner-model-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Four Gaussian blobs in 2-D, one class each; the last 200 samples are validation (validationSplit 0.25).
const N = 800;
const xs = new Float32Array(N * 2);
const ys = new Int32Array(N);
const rng = new Random(5);
for (let i = 0; i < N; i++) {
  const c = i % 4;
  ys[i] = c;
  xs[2 * i] = (c & 1 ? 1.5 : -1.5) + rng.normal();
  xs[2 * i + 1] = (c & 2 ? 1.5 : -1.5) + rng.normal();
}
const x = tf.tensor2d(xs, [N, 2]);
const y = tf.tensor1d(ys, 'int32');
const xVal = tf.tensor2d(xs.slice(600 * 2), [200, 2]);
const yVal = tf.tensor1d(ys.slice(600), 'int32');

function build(hp: HyperParameters): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: hp.choice('units', [2, 8, 16]), activation: hp.choice('activation', ['relu', 'tanh']) }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  m.compile({ optimizer: tf.optimizers.get('adam', { learningRate: hp.float('lr', 1e-3, 1e-1, { sampling: 'log' }) }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

describe('search with models', () => {
  const dir = path.join(root, 'random');

  it('trains trials two at a time and returns the best model with its best weights', async () => {
    const tuner = tf.tuner.randomSearch({ build, objective: 'val_accuracy', directory: dir, maxEpochs: 3, maxTrials: 5, keepModels: 2, seed: 3, parallelism: 2, verbose: 0 });
    let concurrent = 0;
    let most = 0;
    const watch = { onTrainBegin: () => void (most = Math.max(most, ++concurrent)), onTrainEnd: () => void concurrent-- };
    const r = await tuner.search(x, y, { validationSplit: 0.25, batchSize: 32, callbacks: [watch] });
    expect(r.trials).toBe(5);
    expect(most).toBe(2);
    for (const t of tuner.trials) {
      expect(['completed', 'pruned']).toContain(t.status);
      expect(t.params).toBe((2 + 1) * (t.values.units as number) + ((t.values.units as number) + 1) * 4);
      expect(t.metrics.val_accuracy.length).toBeGreaterThan(0);
    }
    const [best] = tuner.getBestTrials(1);
    const [model] = tuner.getBestModels(1);
    // The returned model is the best epoch's: evaluating it on the validation rows reproduces the score.
    expect((await model.evaluate(xVal, yVal)).accuracy).toBeCloseTo(best.score!, 6);
    // Only the best keepModels trials keep weight files.
    const kept = fs.readdirSync(path.join(dir, 'trials')).filter((f) => f.endsWith('.best.bin')).sort();
    expect(kept).toEqual(tuner.getBestTrials(2).map((t) => `trial_${String(t.id).padStart(4, '0')}.best.bin`).sort());
    expect(() => tuner.getBestModels(3)).toThrow(/only the best 2 trials keep their weights/);
  });

  it('reloads a finished search without training', async () => {
    const tuner = tf.tuner.randomSearch({ build, objective: 'val_accuracy', directory: dir, maxEpochs: 3, maxTrials: 5, keepModels: 2, seed: 3, verbose: 0 });
    expect(tuner.trials).toHaveLength(5);
    const [model] = tuner.getBestModels(1);
    expect((await model.evaluate(xVal, yVal)).accuracy).toBeCloseTo(tuner.getBestTrials(1)[0].score!, 6);
    expect((await tuner.search(x, y, { validationSplit: 0.25 })).finishedNow).toBe(0);
  });

  it('prints a summary and writes SVG and HTML reports', () => {
    const tuner = tf.tuner.randomSearch({ build, objective: 'val_accuracy', directory: dir, maxEpochs: 3, maxTrials: 5, keepModels: 2, seed: 3, verbose: 0 });
    const lines: string[] = [];
    const text = tuner.resultsSummary(3, (l) => lines.push(l));
    expect(lines[0]).toMatch(/^Search: randomSearch, objective val_accuracy \(higher is better\), 5 trials/);
    expect(lines[1].split(/\s+/)).toEqual(['rank', 'trial', 'status', 'val_accuracy', 'epoch', 'params', 'time', 'units', 'activation', 'lr']);
    expect(lines).toHaveLength(2 + 1 + 3);
    expect(text).toBe(lines.join('\n'));
    const svg = fs.readFileSync(tuner.report(path.join(root, 'r.svg')), 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    for (const title of ['val_accuracy vs search time', 'val_accuracy vs trial', 'effect of units', 'effect of activation', 'effect of lr']) expect(svg).toContain(title);
    expect(svg.match(/<circle /g)!.length).toBeGreaterThanOrEqual(5 * 5);
    const html = fs.readFileSync(tuner.report(path.join(root, 'r.html')), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('Trials, best first');
    expect(() => tuner.report(path.join(root, 'r.png'))).toThrow(/must end in \.svg or \.html/);
  });

  it('a corrupt weights file is an error', () => {
    const tuner = tf.tuner.randomSearch({ build, objective: 'val_accuracy', directory: dir, maxEpochs: 3, maxTrials: 5, keepModels: 2, seed: 3, verbose: 0 });
    const id = tuner.getBestTrials(1)[0].id;
    const file = path.join(dir, 'trials', `trial_${String(id).padStart(4, '0')}.best.bin`);
    fs.truncateSync(file, fs.statSync(file).size - 4);
    expect(() => tuner.getBestModels(1)).toThrow(/weights file '.*' is corrupt \(\d+ bytes, the header promises \d+\)/);
  });

  it('hyperband continues promoted models from their checkpoints', async () => {
    const hdir = path.join(root, 'hyperband');
    // maxEpochs 3, factor 3: bracket s=1 trains 3 models for 1 epoch and continues the best to 3; bracket s=0 trains 2 for 3.
    const tuner = tf.tuner.hyperband({ build, objective: 'val_accuracy', directory: hdir, maxEpochs: 3, factor: 3, seed: 2, verbose: 0 });
    const r = await tuner.search(x, y, { validationSplit: 0.25 });
    expect(r.reason).toBe('done');
    // (With two trials at a time, bracket 1 starts while bracket 0's first rung finishes: compare in schedule order.)
    expect(tuner.trials.map((t) => [t.meta.bracket, t.meta.rung, t.initialEpoch, t.epochs]).sort()).toEqual([
      [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 1, 1, 3], [1, 0, 0, 3], [1, 0, 0, 3],
    ]);
    const promoted = tuner.trials.find((t) => t.meta.rung === 1)!;
    const parent = tuner.trials[promoted.meta.parent as number];
    expect(promoted.values).toEqual(parent.values);
    expect(promoted.metrics.loss).toHaveLength(2);
    // Continued, not restarted: its first epoch (epoch 1) starts from the parent's trained weights.
    expect(promoted.metrics.loss[0]).toBeLessThan(parent.metrics.loss[0]);
    // Checkpoints are deleted once no later trial needs them.
    expect(fs.readdirSync(path.join(hdir, 'trials')).filter((f) => f.endsWith('.ckpt.bin'))).toEqual([]);
  });
});

describe('tensorforge tune', () => {
  it('parses its options and rejects bad ones', () => {
    expect(parseTuneArgs(['--dataset', 'fashion-mnist'])).toMatchObject({ budget: 600, strategy: 'hyperband', maxEpochs: 20, seed: 1, directory: path.join('runs', 'tune-fashion-mnist') });
    expect(parseTuneArgs(['--dataset=fashion-mnist', '--budget', '60', '--strategy', 'tpe', '--max-trials', '4'])).toMatchObject({ budget: 60, strategy: 'tpe', maxTrials: 4 });
    expect(() => parseTuneArgs([])).toThrow(/--dataset is required/);
    expect(() => parseTuneArgs(['--dataset', 'cifar'])).toThrow(/unknown dataset 'cifar'; available: fashion-mnist/);
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--budget', 'soon'])).toThrow(/--budget needs a number >= 1, got 'soon'/);
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--strategy', 'genetic'])).toThrow(/--strategy must be hyperband, random, tpe or grid/);
    expect(() => parseTuneArgs(['--dataset', 'fashion-mnist', '--frobnicate'])).toThrow(/unknown option '--frobnicate'/);
  });

  it('runs a short search on the bundled Fashion-MNIST subset, reports test accuracy and saves the best model', async () => {
    const dir = path.join(root, 'cli');
    const out: string[] = [];
    const code = await tune(['--dataset', 'fashion-mnist', '--subset', '--strategy', 'random', '--max-trials', '2', '--max-epochs', '1', '--directory', dir, '--seed', '4', '--quiet'], (s) => out.push(s));
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/10000 train, 2000 test/);
    const acc = Number(/test accuracy (\d\.\d+)/.exec(text)![1]);
    expect(acc).toBeGreaterThan(0.5); // one epoch of an MLP on 9,000 images
    expect(fs.existsSync(path.join(dir, 'report.html'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'best-model', 'hyperparameters.json'), 'utf8'))).toHaveProperty('optimizer');
  });

  it('is installed as the package bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ tensorforge: 'bin/tensorforge.js' });
    const bin = path.join(__dirname, '..', '..', pkg.bin.tensorforge);
    // The bin loads dist/ (built by `npm run build:ts`, which `npm test` runs first).
    if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'cjs', 'tuner', 'cli.js'))) execFileSync('npm', ['run', 'build:ts'], { cwd: path.join(__dirname, '..', '..'), stdio: 'ignore' });
    const help = spawnSync(process.execPath, [bin, 'tune', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: tensorforge tune --dataset fashion-mnist/);
    const bad = spawnSync(process.execPath, [bin, 'tune', '--dataset', 'mnist'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown dataset 'mnist'/);
  });
});
