// `tensorforge tune`: searches a model space (an MLP by default, or a convnet
// with --space cnn) on a dataset within a time budget, prints progress and the
// best model's test accuracy, and saves the best model. bin/tensorforge.js
// dispatches here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getNumThreads } from '../backend';
import { fashionMnist } from '../datasets';
import type { LayersModel } from '../models/layers_model';
import { fmtTime } from './format';
import { GridSearch } from './grid_search';
import { Hyperband } from './hyperband';
import { MedianPruner } from './pruner';
import { RandomSearch } from './random_search';
import { encodeWeights } from './storage';
import { SPACES, SPACE_NAMES, SpaceName, isSpaceName } from './spaces';
import { Strategy } from './strategy';
import { Tpe } from './tpe';
import { TUNER_FACTORY, Tuner, TunerOptions } from './tuner';

/** Parsed `tune` options. */
export interface TuneArgs {
  dataset: 'fashion-mnist';
  space: SpaceName;
  budget: number;
  strategy: 'hyperband' | 'random' | 'tpe' | 'grid';
  maxEpochs: number;
  maxTrials?: number;
  parallelism?: number;
  seed: number;
  directory: string;
  out: string | null;
  overwrite: boolean;
  subset: boolean;
  validationSplit: number;
  quiet: boolean;
}

export const TUNE_USAGE = `usage: tensorforge tune --dataset fashion-mnist [options]

Searches a model's structure and training algorithm (Adam/Nadam/RMSprop,
learning rate 1e-4..3e-3, batch size 32-128) within a time budget, then prints
the best model's test accuracy and saves it.

  --dataset NAME        fashion-mnist (the full set when Debian's dataset-fashion-mnist
                        is installed, else the bundled 10k/2k subset)
  --space NAME          what to search (default mlp):
${SPACE_NAMES.map((n) => SPACES[n].summary.map((l, i) => `${' '.repeat(24)}${i ? '     ' : `${n.padEnd(3)}: `}${l}`).join('\n')).join('\n')}
  --budget SECONDS      time budget of the search (default 600)
  --strategy NAME       hyperband (default), random, tpe or grid
  --max-epochs N        epochs per model; Hyperband's largest budget (default 20)
  --max-trials N        stop after N trials (default: no limit)
  --parallelism N       trials at once (default: the thread budget, i.e. the cores)
  --seed N              seed of the search (default 1)
  --directory DIR       where trials are stored; an earlier search there resumes
                        (default runs/tune-<dataset>, runs/tune-<dataset>-cnn for --space cnn)
  --overwrite           start afresh instead of resuming
  --out DIR             where the best model is saved (default <directory>/best-model)
  --subset              use the bundled subset even when the full dataset is installed
  --validation-split F  fraction of the training set held out (default 0.1)
  --quiet               no per-trial lines
  --help                this text`;

/** A bad command line. */
export class UsageError extends Error {}

/** Parses `tune`'s arguments; throws a UsageError on bad ones. */
export function parseTuneArgs(argv: string[]): TuneArgs {
  const a: TuneArgs = {
    dataset: 'fashion-mnist', space: 'mlp', budget: 600, strategy: 'hyperband', maxEpochs: 20, seed: 1,
    directory: '', out: null, overwrite: false, subset: false, validationSplit: 0.1, quiet: false,
  };
  let dataset: string | null = null;
  const num = (flag: string, v: string | undefined, int: boolean, min: number): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n < min) {
      throw new UsageError(`${flag} needs ${int ? 'an integer' : 'a number'} >= ${min}, got ${v === undefined ? 'nothing' : `'${v}'`}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--dataset': dataset = value(); break;
      case '--space': {
        const s = value();
        if (!isSpaceName(s)) throw new UsageError(`unknown space ${s === undefined ? '(none given)' : `'${s}'`}; available: ${SPACE_NAMES.join(', ')}`);
        a.space = s;
        break;
      }
      case '--budget': a.budget = num(name, value(), false, 1); break;
      case '--strategy': {
        const s = value();
        if (s !== 'hyperband' && s !== 'random' && s !== 'tpe' && s !== 'grid') throw new UsageError(`--strategy must be hyperband, random, tpe or grid, got '${s}'`);
        a.strategy = s;
        break;
      }
      case '--max-epochs': a.maxEpochs = num(name, value(), true, 1); break;
      case '--max-trials': a.maxTrials = num(name, value(), true, 1); break;
      case '--parallelism': a.parallelism = num(name, value(), true, 1); break;
      case '--seed': a.seed = num(name, value(), true, 0); break;
      case '--directory': a.directory = value() ?? ''; break;
      case '--out': a.out = value() ?? null; break;
      case '--overwrite': a.overwrite = true; break;
      case '--subset': a.subset = true; break;
      case '--validation-split': a.validationSplit = num(name, value(), false, 0); break;
      case '--quiet': a.quiet = true; break;
      default: throw new UsageError(`unknown option '${flag}'`);
    }
  }
  if (dataset === null) throw new UsageError('--dataset is required (fashion-mnist)');
  if (dataset !== 'fashion-mnist') throw new UsageError(`unknown dataset '${dataset}'; available: fashion-mnist`);
  if (!(a.validationSplit > 0 && a.validationSplit < 1)) throw new UsageError(`--validation-split must be in (0, 1), got ${a.validationSplit}`);
  if (!a.directory) a.directory = path.join('runs', `tune-${dataset}${a.space === 'mlp' ? '' : `-${a.space}`}`);
  return a;
}

function makeStrategy(a: TuneArgs): Strategy {
  const o = { seed: a.seed, maxEpochs: a.maxEpochs };
  switch (a.strategy) {
    case 'hyperband': return new Hyperband(o);
    case 'random': return new RandomSearch(o);
    case 'tpe': return new Tpe(o);
    case 'grid': return new GridSearch(o);
  }
}

/** Runs `tune`; resolves to the exit code. */
export async function tune(argv: string[], print: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    print(TUNE_USAGE);
    return 0;
  }
  const a = parseTuneArgs(argv);
  const { train, test, dir } = await fashionMnist(a.subset ? { subset: true } : {});
  const named = SPACES[a.space];
  const space = named.create(10);
  // Reshaped (a view of the same buffer) to what the space's models take: [n, 28, 28, 1] for cnn.
  const images = (x: typeof train.x) => x.reshape([x.shape[0], ...named.inputShape]);
  const strategy = makeStrategy(a);
  const options: TunerOptions = {
    ...space, objective: 'val_accuracy', directory: a.directory, overwrite: a.overwrite, maxTrials: a.maxTrials,
    parallelism: a.parallelism, verbose: a.quiet ? 0 : 1,
  };
  const tuner = new Tuner(strategy, options, `tune --strategy ${a.strategy}`, a.strategy === 'hyperband' ? null : new MedianPruner(), TUNER_FACTORY);
  const resumed = tuner.trials.length;
  print(`tensorforge tune: ${a.dataset} from ${dir} (${train.y.shape[0]} train, ${test.y.shape[0]} test), ${a.space} space, ${a.strategy} search, budget ${fmtTime(a.budget)}, ` +
    `max ${a.maxEpochs} epochs per model, parallelism ${a.parallelism ?? getNumThreads()} on ${getNumThreads()} threads, seed ${a.seed}`);
  print(`trials are stored in ${a.directory}${resumed ? ` (resuming: ${resumed} trials there already)` : ''}`);
  const result = await tuner.search(images(train.x), train.y, { validationSplit: a.validationSplit, timeBudgetSeconds: a.budget });
  print('');
  tuner.resultsSummary(10, print);
  const report = tuner.report(path.join(a.directory, 'report.html'));
  print(`\nreport: ${report}`);
  if (!result.best) {
    print('no trial finished with a score; nothing to save');
    return 1;
  }
  const [best] = tuner.getBestModels(1);
  const evaluation = await best.evaluate(images(test.x), test.y, { batchSize: 256 });
  print(`best trial ${result.best.id}: validation accuracy ${(result.best.score ?? NaN).toFixed(4)}, test accuracy ${evaluation.accuracy.toFixed(4)}`);
  print(`best hyperparameters: ${JSON.stringify(result.best.values)}`);
  const out = a.out ?? path.join(a.directory, 'best-model');
  await saveModel(best, out, result.best.values);
  print(`best model saved to ${out}${fs.existsSync(path.join(out, 'model.json')) ? ` (load it with tf.loadLayersModel('file://${path.resolve(out)}/model.json'))` : ''}`);
  return 0;
}

/**
 * Saves in the TensorFlow.js layers format (model.save), with the
 * hyperparameters beside it; without model.save (an older build), the
 * weights go to weights.tuner.bin in the tuner's own format.
 */
async function saveModel(model: LayersModel, dir: string, values: Record<string, unknown>): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'hyperparameters.json'), `${JSON.stringify(values, null, 1)}\n`);
  const save = (model as unknown as { save?: (url: string) => Promise<unknown> }).save;
  if (typeof save === 'function') {
    await save.call(model, `file://${path.resolve(dir)}`);
    return;
  }
  const blob = { tensors: model.getWeights().map((w) => ({ shape: [...w.shape], values: w.values as Float32Array })) };
  fs.writeFileSync(path.join(dir, 'weights.tuner.bin'), encodeWeights(blob));
}

/** The `tensorforge` command: dispatches sub-commands. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'tune') {
    try {
      return await tune(rest);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`tensorforge tune: ${e.message}\n(see tensorforge tune --help)\n`);
      return 2;
    }
  }
  process.stderr.write(`usage: tensorforge tune --dataset fashion-mnist [--budget SECONDS] (see tensorforge tune --help)\n`);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}
