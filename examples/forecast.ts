// Forecasts tomorrow's maximum temperature in Seattle from the previous two
// weeks of daily weather with a GRU, and compares it with the naive forecast
// "tomorrow as today". The data: vega-datasets' seattle-weather.csv (daily
// precipitation, max / min temperature and wind, 2012-2015), a dev dependency.
// Trains on 2012-2014 and reports the error on 2015, which it never saw.
//
//   npx tsx examples/forecast.ts      options: --epochs N (default 40), --window N (days, default 14)
//
// The package imports itself by name (package.json "exports"), so this is the
// code a user writes; tsx runs it as CommonJS, hence the async main().
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from 'tensorforge';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} takes a positive integer, got ${process.argv[at + 1]}`);
  return v;
}

interface Day {
  date: Date;
  values: number[]; // precipitation (mm), temp_max, temp_min (°C), wind (m/s)
}

/** The CSV as days, checked (a malformed row is an error naming it). */
function readWeather(): Day[] {
  // The package exports only its index (build/index.js); the CSV files sit in its data/ folder.
  const path = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const want = ['precipitation', 'temp_max', 'temp_min', 'wind'].map((c) => cols.indexOf(c));
  if (cols[0] !== 'date' || want.includes(-1)) throw new Error(`${path}: unexpected header '${header}'`);
  return lines.map((line, i) => {
    const f = line.split(',');
    const values = want.map((k) => Number(f[k]));
    const date = new Date(`${f[0]}T00:00:00Z`);
    if (values.some((v) => !Number.isFinite(v)) || Number.isNaN(date.getTime())) throw new Error(`${path}: bad row ${i + 2}: '${line}'`);
    return { date, values };
  });
}

async function main(): Promise<void> {
  const epochs = option('--epochs', 40);
  const window = option('--window', 14);
  const days = readWeather();
  const TARGET = 1; // temp_max

  // Standardise each measurement with the training years' mean and deviation.
  const trainEnd = days.findIndex((d) => d.date.getUTCFullYear() === 2015);
  const mean = [0, 1, 2, 3].map((k) => days.slice(0, trainEnd).reduce((a, d) => a + d.values[k], 0) / trainEnd);
  const std = [0, 1, 2, 3].map((k) => Math.sqrt(days.slice(0, trainEnd).reduce((a, d) => a + (d.values[k] - mean[k]) ** 2, 0) / trainEnd));
  // Each step: the 4 measurements and the season (day of year on a circle).
  const features = (d: Day) => {
    const day = (d.date.getTime() - Date.UTC(d.date.getUTCFullYear(), 0, 1)) / 86400000;
    const angle = (2 * Math.PI * day) / 365.25;
    return [...d.values.map((v, k) => (v - mean[k]) / std[k]), Math.sin(angle), Math.cos(angle)];
  };
  const F = 6;

  // Sample i: days [i - window, i) as the sequence, and the change of temp_max from day i - 1 to day i as the target.
  const make = (from: number, to: number) => {
    const n = to - from;
    const x = new Float32Array(n * window * F);
    const y = new Float32Array(n);
    const last = new Float64Array(n);
    const actual = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      const i = from + s;
      for (let t = 0; t < window; t++) x.set(features(days[i - window + t]), (s * window + t) * F);
      last[s] = days[i - 1].values[TARGET];
      actual[s] = days[i].values[TARGET];
      y[s] = (actual[s] - last[s]) / std[TARGET];
    }
    return { x: tf.tensor(x, [n, window, F]), y: tf.tensor(y, [n, 1]), last, actual, n };
  };
  const train = make(window, trainEnd);
  const test = make(trainEnd, days.length);
  console.log(`Seattle daily weather ${days[0].date.toISOString().slice(0, 10)} to ${days[days.length - 1].date.toISOString().slice(0, 10)}: ` +
    `${train.n} training days (2012-2014), ${test.n} test days (2015), ${window}-day windows of ${F} features`);

  tf.setSeed(1); // the same starting weights every run
  const model = tf.sequential([
    tf.layers.gru({ units: 32, inputShape: [window, F], dropout: 0.1, recurrentDropout: 0.1 }),
    tf.layers.dense({ units: 1 }),
  ]);
  model.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.003 }), loss: 'meanSquaredError' });
  const start = performance.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, seed: 1, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;

  const change = model.predict(test.x).values as Float32Array;
  const errors = (forecast: (s: number) => number) => {
    let abs = 0;
    let sq = 0;
    for (let s = 0; s < test.n; s++) {
      const e = forecast(s) - test.actual[s];
      abs += Math.abs(e);
      sq += e * e;
    }
    return { mae: abs / test.n, rmse: Math.sqrt(sq / test.n) };
  };
  const gru = errors((s) => test.last[s] + change[s] * std[TARGET]);
  const naive = errors((s) => test.last[s]);
  console.log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s`);
  console.log(`2015, tomorrow's maximum temperature: GRU      MAE ${gru.mae.toFixed(2)} °C, RMSE ${gru.rmse.toFixed(2)} °C`);
  console.log(`                                      naive    MAE ${naive.mae.toFixed(2)} °C, RMSE ${naive.rmse.toFixed(2)} °C (tomorrow as today)`);
  console.log(`GRU error / naive error: MAE ${(gru.mae / naive.mae).toFixed(3)}, RMSE ${(gru.rmse / naive.rmse).toFixed(3)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
