// One rank of the distributed tests, started by mpirun from distributed.test.ts:
//   mpirun -np 2 node --import tsx test/distributed/rank.ts <scenario> [<directory>]
// Each rank writes its results as JSON to <directory>/rank-<rank>.json (or
// prints them: mpirun interleaves long lines of several ranks). `fit-reference`
// runs alone, without MPI: the single process two ranks' training must match.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../../src/index';

const scenario = process.argv[2];
const info = scenario.endsWith('-reference') ? { rank: 0, size: 1, localRank: 0 } : tf.distributed.init({ timeout: scenario === 'hang' || scenario === 'tuner-silent' ? 3 : 60 });
const out: Record<string, unknown> = { ...info };
const model = (units: number) => {
  const m = tf.sequential({ layers: [tf.layers.dense({ units, inputShape: [3] }), tf.layers.dense({ units: 2 })] });
  m.predict(tf.zeros([1, 3]));
  return m;
};
const errorOf = async (f: () => Promise<unknown> | unknown): Promise<string> => {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
};

// The data every rank holds: 100 samples of 5 features, 3 classes, per-sample weights.
const N = 100;
const data = (n = N, tweak = 0) => {
  const x = new Float32Array(n * 5);
  const y = new Int32Array(n);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) x[i * 5 + j] = Math.sin(i * 1.3 + j * 0.7) + 0.1 * j;
    y[i] = (i * 7) % 3;
    w[i] = 0.5 + (i % 4) * 0.25;
  }
  x[7] += tweak;
  return { x: tf.tensor2d(x, [n, 5]), y: tf.tensor1d(y, 'int32'), w: tf.tensor1d(w) };
};
// Dense + L2 regularization + batch normalization (its moving statistics are averaged over ranks) + softmax.
// `wide`: a 4096-unit layer more (82,019 weights): Adam's moments matter in every later step.
const classifier = (withBatchNorm = false, wide = false) => {
  tf.setSeed(11); // the same start everywhere; fit copies rank 0's weights anyway
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, activation: 'relu', inputShape: [5], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
      ...(withBatchNorm ? [tf.layers.batchNormalization()] : []),
      ...(wide ? [tf.layers.dense({ units: 4096, activation: 'relu' })] : []),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// What a search gives every rank: its result and its trials (rank 0's study).
const searchOutcome = (tuner: tf.tuner.Tuner, result: tf.tuner.SearchResult) =>
  JSON.parse(JSON.stringify({ result: { ...result, seconds: 0 }, trials: tuner.trials }));
// A tiny model search: a dense classifier whose width and learning rate are searched.
const buildClassifier = (hp: tf.tuner.HyperParameters) => {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: hp.int('units', 2, 8), activation: 'relu', inputShape: [5] }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: tf.optimizers.adam({ learningRate: hp.float('lr', 1e-3, 1e-1, { sampling: 'log' }) }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
// A function trial: a quadratic in x with k added, reported over two epochs, a little wait each.
const quadratic = (ranOn: number[]) => async (hp: tf.tuner.HyperParameters, t: tf.tuner.TrialContext) => {
  const x = hp.float('x', -3, 3);
  const k = hp.int('k', 0, 2);
  ranOn.push(t.id);
  for (let e = 0; e < 2; e++) {
    await sleep(40);
    t.report(e, -((x - 1) ** 2) + k * (e + 1));
  }
};
const scoreObjective = { name: 'score', direction: 'max' as const };

async function main(): Promise<void> {
  try {
    if (scenario === 'collectives') {
      tf.setSeed(100 + info.rank); // each rank builds different weights
      const m = model(4);
      out.before = Array.from(m.getWeights()[0].dataSync());
      tf.distributed.broadcastWeights(m);
      out.after = m.getWeights().map((w) => Array.from(w.dataSync()));
      out.mean = Array.from(tf.distributed.allreduceMean(Float32Array.from([info.rank, 10 * info.rank, 1])));
      tf.distributed.barrier();
    } else if (scenario === 'mismatch') {
      tf.distributed.broadcastWeights(model(info.rank === 0 ? 4 : 5));
    } else if (scenario === 'lengths') {
      tf.distributed.allreduceMean(new Float32Array(info.rank === 0 ? 3 : 4));
    } else if (scenario === 'fit-reference' || scenario === 'fit') {
      // batchSize 33 over 100 samples: shares of 16 and 17, and a last batch of one sample (one rank has none).
      const { x, y, w } = data();
      const v = data(30);
      const m = classifier();
      if (scenario === 'fit' && info.rank === 1) {
        // Another start on rank 1: fit must copy rank 0's (which is the reference's).
        m.build([5]);
        m.setWeights(m.getWeights().map((t) => tf.randomNormal(t.shape)));
      }
      const batchLogs: number[] = [];
      const h = await m.fit(x, y, {
        epochs: 3, batchSize: 33, seed: 5, verbose: 0, sampleWeight: w, validationData: [v.x, v.y],
        callbacks: { onBatchEnd: (_b, l) => void batchLogs.push(l!.loss) }, distributed: scenario === 'fit',
      });
      out.weights = weightsOf(m);
      out.history = h.history;
      out.batchLosses = batchLogs;
      out.evaluate = await m.evaluate(v.x, v.y, { batchSize: 7 });
      out.predict = Array.from(m.predict(v.x).dataSync());
      if (scenario === 'fit') {
        out.evaluateDistributed = await m.evaluate(v.x, v.y, { batchSize: 7, distributed: true });
        out.predictDistributed = Array.from(m.predict(v.x, { distributed: true }).dataSync());
        out.predictAsyncDistributed = Array.from((await m.predictAsync(v.x, { distributed: true, batchSize: 4 })).dataSync());
      }
    } else if (scenario === 'fit-wide-reference' || scenario === 'fit-wide') {
      // After a distributed fit every rank holds the whole optimizer state: a further
      // single-process epoch on each must match the reference's.
      const { x, y, w } = data();
      const m = classifier(false, true);
      await m.fit(x, y, { epochs: 2, batchSize: 33, seed: 5, verbose: 0, sampleWeight: w, distributed: scenario === 'fit-wide' });
      out.weights = weightsOf(m);
      await m.fit(x, y, { epochs: 1, batchSize: 50, seed: 6, verbose: 0 });
      out.weightsAfter = weightsOf(m);
    } else if (scenario === 'batchnorm') {
      // Moving statistics are averaged over the ranks after each epoch: every rank ends with one model.
      const { x, y } = data();
      const m = classifier(true);
      await m.fit(x, y, { epochs: 2, batchSize: 20, seed: 3, verbose: 0, distributed: true });
      out.weights = weightsOf(m);
    } else if (scenario === 'bad-input') {
      // Each case is an error on every rank; MPI stays usable, so the cases follow one another.
      const { x, y } = data();
      const small = data(90);
      const m = classifier();
      const errors: Record<string, string> = {};
      errors.models = await errorOf(() => (info.rank === 0 ? m : classifier(true)).fit(x, y, { epochs: 1, verbose: 0, distributed: true }));
      errors.batchSize = await errorOf(() => m.fit(x, y, { batchSize: info.rank === 0 ? 32 : 16, verbose: 0, distributed: true }));
      errors.samples = await errorOf(() => (info.rank === 0 ? m.fit(x, y, { verbose: 0, distributed: true }) : m.fit(small.x, small.y, { verbose: 0, distributed: true })));
      const other = data(N, info.rank); // the same sizes, one value differs on rank 1
      errors.data = await errorOf(() => m.fit(other.x, y, { verbose: 0, distributed: true }));
      errors.smallBatch = await errorOf(() => m.fit(x, y, { batchSize: 1, verbose: 0, distributed: true }));
      errors.argument = await errorOf(() => m.fit(x, y, { epochs: info.rank === 1 ? -1 : 1, verbose: 0, distributed: true }));
      errors.operation = await errorOf(() => (info.rank === 0 ? m.fit(x, y, { verbose: 0, distributed: true }) : m.evaluate(x, y, { distributed: true })));
      errors.unknownOption = await errorOf(() => m.fit(x, y, { verbose: 0, distributed: true, ...(info.rank === 1 ? { epoch: 2 } : {}) } as tf.FitArgs));
      // After all that, a distributed fit still trains.
      const h = await m.fit(x, y, { epochs: 1, batchSize: 20, verbose: 0, distributed: true });
      out.afterwards = h.history.loss.length;
      out.errors = errors;
    } else if (scenario === 'throws') {
      // Rank 1's callback throws at its fourth batch: rank 0 stops with an error naming it.
      const { x, y } = data();
      const m = classifier();
      const t0 = Date.now();
      out.error = await errorOf(() => m.fit(x, y, {
        epochs: 5, batchSize: 10, verbose: 0, distributed: true,
        callbacks: { onBatchEnd: (b) => { if (info.rank === 1 && b === 3) throw new Error('callback failed on purpose'); } },
      }));
      out.seconds = (Date.now() - t0) / 1000;
      // An abort on rank 0 stops rank 1 too.
      const controller = new AbortController();
      out.abort = await errorOf(() => m.fit(x, y, {
        epochs: 50, batchSize: 10, verbose: 0, distributed: true, signal: controller.signal,
        callbacks: { onEpochEnd: (e) => { if (info.rank === 0 && e === 1) controller.abort(); } },
      }));
    } else if (scenario === 'tuner') {
      // Model search (random search with the median pruner, then Hyperband with checkpoints) and a function search.
      const { x, y } = data();
      const dir = path.join(process.argv[3], 'study');
      const random = tf.tuner.randomSearch({
        build: buildClassifier, objective: 'val_loss', maxEpochs: 3, maxTrials: 6, parallelism: 1, seed: 4, keepModels: 2,
        pruner: tf.tuner.medianPruner({ nStartupTrials: 2 }), directory: dir, verbose: info.rank === 0 ? 1 : 0,
      });
      // A short wait per epoch: trials take long enough for both ranks to get a share.
      const slow = { onEpochEnd: () => sleep(15) };
      out.random = searchOutcome(random, await random.search(x, y, { validationSplit: 0.2, batchSize: 20, distributed: true, callbacks: [slow] }));
      if (info.rank === 0) out.bestPrediction = Array.from(random.getBestModels(1)[0].predict(x).dataSync()).slice(0, 6);
      const band = tf.tuner.hyperband({ build: buildClassifier, objective: 'val_loss', maxEpochs: 3, factor: 3, iterations: 1, parallelism: 1, seed: 5, verbose: 0 });
      out.hyperband = searchOutcome(band, await band.search(x, y, { validationSplit: 0.2, batchSize: 20, distributed: true, callbacks: [slow] }));
      const ranOn: number[] = [];
      const fnSearch = tf.tuner.randomSearch({ runTrial: quadratic(ranOn), objective: scoreObjective, maxTrials: 8, seed: 3, verbose: 0 });
      out.functions = searchOutcome(fnSearch, await fnSearch.search({ distributed: true }));
      out.ranOn = ranOn;
    } else if (scenario === 'tuner-resume') {
      // Rank 0 aborts the first search part way (every rank stops with an error); a second search resumes rank 0's study.
      const dir = path.join(process.argv[3], 'study');
      const make = (ranOn: number[]) => tf.tuner.randomSearch({ runTrial: quadratic(ranOn), objective: scoreObjective, maxTrials: 8, seed: 9, directory: dir, verbose: 0 });
      const controller = new AbortController();
      const first: number[] = [];
      const abortAfter = (t: tf.tuner.TrialContext) => {
        if (info.rank === 0 && first.length === 2) controller.abort();
        return t;
      };
      const tuner1 = tf.tuner.randomSearch({
        runTrial: (hp, t) => quadratic(first)(hp, abortAfter(t)), objective: scoreObjective, maxTrials: 8, seed: 9, directory: dir, verbose: 0,
      });
      out.abort = await errorOf(() => tuner1.search({ distributed: true, ...(info.rank === 0 ? { signal: controller.signal } : {}) }));
      if (info.rank === 0) out.study = fs.readdirSync(path.join(dir, 'trials')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'trials', f), 'utf8')));
      const second: number[] = [];
      const tuner2 = make(second);
      out.resumed = searchOutcome(tuner2, await tuner2.search({ distributed: true }));
      out.ranOn = [first, second];
    } else if (scenario === 'tuner-errors') {
      // Each case is an error on every rank, and a later distributed search still works.
      const errors: Record<string, string> = {};
      const fnTuner = (run: tf.tuner.RunTrial, extra: object = {}) => tf.tuner.randomSearch({ runTrial: run, objective: scoreObjective, maxTrials: 6, seed: 1, verbose: 0, ...extra });
      // A hyperparameter misused in a trial rank 1 runs (a programming error): the search stops everywhere.
      errors.trial = await errorOf(() => fnTuner(async (hp) => {
        const x = info.rank === 1 ? hp.int('bad', 3, 1) : hp.float('x', 0, 1);
        await sleep(20);
        return x;
      }).search({ distributed: true }));
      // An unknown option on rank 1 only.
      errors.option = await errorOf(() => fnTuner(() => 1).search({ distributed: true, ...(info.rank === 1 ? { maxTrial: 3 } : {}) } as tf.tuner.SearchArgs));
      // Different settings on the ranks.
      errors.settings = await errorOf(() => fnTuner(() => 1, { seed: 1 + info.rank }).search({ distributed: true }));
      // Rank 1 aborts its search.
      const controller = new AbortController();
      errors.abort = await errorOf(() => fnTuner(async (hp) => {
        const x = hp.float('x', 0, 1);
        await sleep(30);
        if (info.rank === 1) controller.abort();
        return x;
      }).search({ distributed: true, ...(info.rank === 1 ? { signal: controller.signal } : {}) }));
      const after = fnTuner(async (hp) => {
        const x = hp.float('x', 0, 1);
        await sleep(5);
        return x;
      });
      out.afterwards = (await after.search({ distributed: true })).trials;
      out.errors = errors;
    } else if (scenario === 'tuner-alone') {
      // A job of one (no mpirun): a distributed search is the search of one process.
      const ranOn: number[] = [];
      const tuner = tf.tuner.randomSearch({ runTrial: quadratic(ranOn), objective: scoreObjective, maxTrials: 4, seed: 3, verbose: 0 });
      out.functions = searchOutcome(tuner, await tuner.search({ distributed: true }));
    } else if (scenario === 'tuner-silent') {
      // A trial on rank 1 blocks its event loop for 4.5 s (longer than the 3 s timeout): rank 0 stops with an error
      // at the timeout instead of waiting, and rank 1 hears of it when it wakes.
      const t0 = Date.now();
      out.error = await errorOf(() => tf.tuner.randomSearch({
        runTrial: (hp) => {
          const x = hp.float('x', 0, 1);
          if (info.rank === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4500);
          return x;
        },
        objective: scoreObjective, maxTrials: 50, seed: 2, verbose: 0,
      }).search({ distributed: true }));
      out.seconds = (Date.now() - t0) / 1000;
    } else if (scenario === 'hang') {
      // Rank 1 never joins: rank 0's fit fails at the timeout (3 s) instead of waiting forever.
      const { x, y } = data();
      if (info.rank === 1) await new Promise((r) => setTimeout(r, 120_000));
      const t0 = Date.now();
      out.error = await errorOf(() => classifier().fit(x, y, { verbose: 0, distributed: true }));
      out.seconds = (Date.now() - t0) / 1000;
    } else if (scenario === 'killed') {
      // Rank 1 dies mid-training: mpirun ends the job with an error.
      const { x, y } = data();
      await classifier().fit(x, y, {
        epochs: 1000, batchSize: 10, verbose: 0, distributed: true,
        callbacks: { onEpochEnd: (e) => { if (info.rank === 1 && e === 2) process.kill(process.pid, 'SIGKILL'); } },
      });
    } else if (scenario === 'sigint') {
      // A long fit; each rank leaves its pid once training runs, and the test interrupts mpirun.
      const { x, y } = data();
      await classifier().fit(x, y, {
        epochs: 100_000, batchSize: 10, verbose: 0, distributed: true,
        callbacks: { onEpochEnd: (e) => { if (e === 1) fs.writeFileSync(path.join(process.argv[3], `pid-${info.rank}`), String(process.pid)); } },
      });
    }
  } catch (e) {
    out.error = (e as Error).message;
  }
  const dir = process.argv[3];
  if (dir) fs.writeFileSync(path.join(dir, `rank-${info.rank}.json`), JSON.stringify(out));
  else console.log(JSON.stringify(out));
}

void main();
