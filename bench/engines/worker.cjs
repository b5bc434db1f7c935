// One measurement of one tensorforge checkout, in its own process:
//   node bench/engines/worker.cjs <checkout> <seed|large> <epochs>
//   node bench/engines/worker.cjs predict-pair <checkout A> <checkout B>
// Loads <checkout>/dist/cjs (built with `npm run build` there) and its own
// addon. Prints one JSON line: per-epoch wall and CPU seconds (this process's
// user + system time, which the machine's other load does not inflate), or
// both checkouts' predict latencies, measured side by side in one process.
'use strict';
const path = require('node:path');

const MODELS = {
  seed: { units: [64], batchSize: 32 },
  large: { units: [512, 512], batchSize: 256 },
};

function seededModel(tf, spec) {
  tf.setSeed(1);
  const model = tf.sequential([
    ...spec.units.map((u) => tf.layers.dense({ units: u, activation: 'relu' })),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

const load = (checkout) => require(path.join(path.resolve(checkout), 'dist/cjs/index.js'));

// Prediction latency of both checkouts in this one process, interleaved in
// blocks: a microsecond call's time differs by up to 30% between processes
// (placement of the buffers, the core the process lands on), which would
// swamp an engine difference of a few percent between separate processes.
async function predictPair(first, second) {
  const tfs = [load(first), load(second)];
  const data = await tfs[0].datasets.fashionMnist();
  const rows = (tf, n) => tf.tensor(data.test.x.dataSync().slice(0, n * 784), [n, 784]);
  const calls = tfs.map((tf) => {
    const model = seededModel(tf, MODELS.seed);
    const one = rows(tf, 1);
    const batch = rows(tf, 256);
    model.predict(one);
    return { one: () => model.predict(one), batch: () => model.predict(batch) };
  });
  const time = (f, reps) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) f();
    return Number(process.hrtime.bigint() - t0) / 1e3 / reps;
  };
  const out = [{ oneUs: [], batchUs: [] }, { oneUs: [], batchUs: [] }];
  for (let r = 0; r < 20; r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const k of order) out[k].oneUs.push(time(calls[k].one, 2000));
    for (const k of order) out[k].batchUs.push(time(calls[k].batch, 50));
  }
  return out;
}

async function main() {
  const [checkout, what, epochsArg] = process.argv.slice(2);
  if (checkout === 'predict-pair') {
    // node worker.cjs predict-pair <first> <second>: [first's, second's] latencies
    console.log(JSON.stringify(await predictPair(what, epochsArg)));
    return;
  }
  const tf = load(checkout);
  const data = await tf.datasets.fashionMnist();
  const model = seededModel(tf, MODELS[what]);
  const wall = [];
  const cpu = [];
  let t0 = 0;
  let c0 = null;
  await model.fit(data.train.x, data.train.y, {
    epochs: Number(epochsArg), batchSize: MODELS[what].batchSize, verbose: 0, seed: 1,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); c0 = process.cpuUsage(); },
      onEpochEnd: () => {
        wall.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      },
    },
  });
  // The first epoch carries one-time costs (first touch of the arenas and
  // workspaces, JIT warm-up); it is reported apart from the steady state.
  console.log(JSON.stringify({ firstWall: wall.slice(0, 1), firstCpu: cpu.slice(0, 1), wall: wall.slice(1), cpu: cpu.slice(1) }));
}

main().catch((e) => { console.error(e); process.exit(1); });
