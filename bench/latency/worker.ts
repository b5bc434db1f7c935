// One system's inference figures for bench/latency: the example CNN
// (examples/cnn.ts) and the row-wise LSTM(128) + Dense(10) of bench/rnn, with
// fresh weights (time does not depend on their values): the median time of
// one predict of a single sample, and images per second at batch 1000.
// Prints one JSON line.
//
//   npx tsx bench/latency/worker.ts [--calls=2000] [--threads=N]
import { exampleCnn, rowLstm } from '../lib/models';
import { tensorforgeEntry } from '../lib/util';
import type * as TF from '../../src/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tf = require(tensorforgeEntry().path) as typeof TF;
const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));
const calls = Number(args.calls ?? 2000);
if (args.threads) tf.setNumThreads(Number(args.threads));

function median(v: number[]): number {
  return [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
}

/** Median milliseconds of f over `n` calls after `n / 10` warm-up calls. */
function timeCalls(f: () => void, n: number): number {
  for (let i = 0; i < Math.max(1, n / 10); i++) f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function measure(model: TF.Sequential, sample: number[]): { batch1Us: number; batch1000PerSecond: number } {
  const one = tf.randomUniform([1, ...sample], 0, 1);
  const many = tf.randomUniform([1000, ...sample], 0, 1);
  const batch1Ms = timeCalls(() => (model.predict(one) as TF.Tensor).dispose(), calls);
  const batch1000Ms = timeCalls(() => (model.predict(many, { batchSize: 1000 }) as TF.Tensor).dispose(), Math.max(5, Math.round(calls / 100)));
  return { batch1Us: batch1Ms * 1000, batch1000PerSecond: 1000 / (batch1000Ms / 1000) };
}

const cnn = exampleCnn(tf);
const lstm = rowLstm(tf);
console.log(JSON.stringify({ system: 'tensorforge', threads: Number(args.threads ?? 0), cnn: measure(cnn, [28, 28, 1]), lstm: measure(lstm, [28, 28]) }));
