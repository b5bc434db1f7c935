// bench/tune: the tuner on Fashion-MNIST with the default MLP space.
//
//   npm run bench:tune                      10-minute Hyperband search (the issue's target)
//   npm run bench:tune -- --budget 60       a 60-second check
//   options: --strategy hyperband|random|tpe|grid  --seed N  --throughput-trials K  --throughput-epochs E  --json
//
// Reports (1) the seed model (784-64-10, Adam, 5 epochs) test accuracy,
// (2) the search: trials completed, best validation and test accuracy against
// the targets (> 0.8833, the best MLP of the Fashion-MNIST benchmark table,
// "MLP 256-128-100", and > the seed model), and (3) throughput: the same
// seeded random search (K trials of E epochs, no pruning, so identical work)
// run `parallelism = threads` trials at a time vs one trial at a time, in
// trials per hour.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/index';

const TARGET = 0.8833;

interface Options {
  budget: number;
  strategy: 'hyperband' | 'random' | 'tpe' | 'grid';
  seed: number;
  throughputTrials: number;
  throughputEpochs: number;
  json: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { budget: 600, strategy: 'hyperband', seed: 1, throughputTrials: 8, throughputEpochs: 2, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--budget') o.budget = Number(next());
    else if (a === '--strategy') o.strategy = next() as Options['strategy'];
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--throughput-trials') o.throughputTrials = Number(next());
    else if (a === '--throughput-epochs') o.throughputEpochs = Number(next());
    else if (a === '--json') o.json = true;
    else throw new Error(`bench/tune: unknown option ${a}`);
  }
  if (!(o.budget > 0)) throw new Error('bench/tune: --budget must be > 0');
  return o;
}

function makeTuner(strategy: Options['strategy'], options: tf.tuner.TunerOptions & { seed: number; maxEpochs: number }): tf.tuner.Tuner {
  switch (strategy) {
    case 'hyperband': return tf.tuner.hyperband(options);
    case 'random': return tf.tuner.randomSearch(options);
    case 'tpe': return tf.tuner.tpe(options);
    case 'grid': return tf.tuner.gridSearch(options);
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const load = os.loadavg()[0];
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  if (load > 0.5 * cores) log(`warning: 1-minute load average is ${load.toFixed(2)} on ${cores} cores; the machine is busy and the numbers will be lower than on an idle one`);
  const { train, test, dir } = await tf.datasets.fashionMnist();
  log(`Fashion-MNIST from ${dir}: ${train.y.shape[0]} train, ${test.y.shape[0]} test; ${tf.getNumThreads()} threads (${tf.backendInfo().blas})`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-bench-tune-'));
  try {
    // 1. The seed model.
    tf.setSeed(o.seed);
    const seedModel = tf.sequential([tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })]);
    seedModel.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    let t0 = performance.now();
    await seedModel.fit(train.x, train.y, { epochs: 5, verbose: 0, seed: o.seed });
    const seedAcc = (await seedModel.evaluate(test.x, test.y, { batchSize: 256 })).accuracy;
    log(`seed model 784-64-10, Adam, 5 epochs: test accuracy ${seedAcc.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    // 2. The search.
    const space = tf.tuner.defaultMlpSpace();
    const tuner = makeTuner(o.strategy, { ...space, objective: 'val_accuracy', maxEpochs: 20, seed: o.seed, directory: path.join(tmp, 'search'), verbose: 1 });
    t0 = performance.now();
    const result = await tuner.search(train.x, train.y, { validationSplit: 0.1, timeBudgetSeconds: o.budget });
    const seconds = (performance.now() - t0) / 1000;
    tuner.resultsSummary(5, log);
    const counts: Record<string, number> = {};
    for (const t of tuner.trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
    const [best] = tuner.getBestModels(1);
    const bestTrial = tuner.getBestTrials(1)[0];
    const testAcc = (await best.evaluate(test.x, test.y, { batchSize: 256 })).accuracy;
    const epochs = tuner.trials.reduce((a, t) => a + (t.metrics.val_accuracy?.length ?? 0), 0);
    log(`\n${o.strategy} search, ${o.budget} s budget: ${result.trials} trials (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}), ${epochs} epochs trained, ${seconds.toFixed(0)} s`);
    log(`best trial ${bestTrial.id}: val accuracy ${bestTrial.score!.toFixed(4)}, test accuracy ${testAcc.toFixed(4)}  ` +
      `[target > ${TARGET}: ${testAcc > TARGET ? 'met' : 'NOT met'}; > seed model ${seedAcc.toFixed(4)}: ${testAcc > seedAcc ? 'met' : 'NOT met'}]`);
    log(`best hyperparameters: ${JSON.stringify(bestTrial.values)}`);

    // 3. Throughput: the same random search, all cores' worth of trials at once vs one at a time.
    const throughput = async (parallelism: number) => {
      const t = tf.tuner.randomSearch({ ...space, objective: 'val_accuracy', maxEpochs: o.throughputEpochs, maxTrials: o.throughputTrials, seed: o.seed, pruner: null, parallelism, verbose: 0 });
      const s0 = performance.now();
      await t.search(train.x, train.y, { validationSplit: 0.1 });
      const s = (performance.now() - s0) / 1000;
      return { parallelism, seconds: s, trialsPerHour: (o.throughputTrials / s) * 3600, values: t.trials.map((r) => r.values) };
    };
    const parallel = await throughput(tf.getNumThreads());
    const serial = await throughput(1);
    if (JSON.stringify(parallel.values) !== JSON.stringify(serial.values)) throw new Error('bench/tune: the two random searches drew different trials');
    log(`\nthroughput, random search of ${o.throughputTrials} trials x ${o.throughputEpochs} epochs (same trials both ways):`);
    log(`  ${parallel.parallelism} at a time: ${parallel.seconds.toFixed(1)} s, ${parallel.trialsPerHour.toFixed(0)} trials/hour`);
    log(`  1 at a time: ${serial.seconds.toFixed(1)} s, ${serial.trialsPerHour.toFixed(0)} trials/hour`);
    log(`  speed-up ${(parallel.trialsPerHour / serial.trialsPerHour).toFixed(2)}x`);

    const out = {
      benchmark: 'tune', date: new Date().toISOString(), machine: { cpu: os.cpus()[0]?.model, cores, loadavg: os.loadavg(), node: process.version, blas: tf.backendInfo().blas },
      options: o, seedModel: { testAccuracy: seedAcc },
      search: { strategy: o.strategy, budgetSeconds: o.budget, seconds, trials: result.trials, statuses: counts, epochs, best: { trial: bestTrial.id, valAccuracy: bestTrial.score, testAccuracy: testAcc, values: bestTrial.values }, targetMet: testAcc > TARGET && testAcc > seedAcc },
      throughput: { trials: o.throughputTrials, epochs: o.throughputEpochs, parallel: { parallelism: parallel.parallelism, seconds: parallel.seconds, trialsPerHour: parallel.trialsPerHour }, serial: { seconds: serial.seconds, trialsPerHour: serial.trialsPerHour } },
    };
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'tune.json'), `${JSON.stringify(out, null, 1)}\n`);
    if (o.json) log(JSON.stringify(out));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
