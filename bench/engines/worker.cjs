// One measurement of one tensorforge checkout, in its own process:
//   node bench/engines/worker.cjs <checkout> <seed|large|predict> <epochs>
// Loads <checkout>/dist/cjs (built with `npm run build` there) and its own
// addon. Prints one JSON line: per-epoch wall and CPU seconds (this process's
// user + system time, which the machine's other load does not inflate), or
// predict latencies.
'use strict';
const path = require('node:path');

const MODELS = {
  seed: { units: [64], batchSize: 32 },
  large: { units: [512, 512], batchSize: 256 },
};

async function main() {
  const [checkout, what, epochsArg] = process.argv.slice(2);
  const tf = require(path.join(path.resolve(checkout), 'dist/cjs/index.js'));
  const data = await tf.datasets.fashionMnist();
  tf.setSeed(1);
  const spec = MODELS[what === 'predict' ? 'seed' : what];
  const model = tf.sequential([
    ...spec.units.map((u) => tf.layers.dense({ units: u, activation: 'relu' })),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  if (what === 'predict') {
    // Latency of one-sample and 256-sample predictions on a trained-shape model.
    const rows = (n) => tf.tensor(data.test.x.dataSync().slice(0, n * 784), [n, 784]);
    const one = rows(1);
    const batch = rows(256);
    model.predict(one);
    const time = (x, reps) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) model.predict(x);
      return Number(process.hrtime.bigint() - t0) / 1e3 / reps;
    };
    const oneUs = [];
    const batchUs = [];
    for (let r = 0; r < 5; r++) {
      oneUs.push(time(one, 2000));
      batchUs.push(time(batch, 200));
    }
    console.log(JSON.stringify({ oneUs, batchUs }));
    return;
  }
  const wall = [];
  const cpu = [];
  let t0 = 0;
  let c0 = null;
  await model.fit(data.train.x, data.train.y, {
    epochs: Number(epochsArg), batchSize: spec.batchSize, verbose: 0, seed: 1,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); c0 = process.cpuUsage(); },
      onEpochEnd: () => {
        wall.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      },
    },
  });
  console.log(JSON.stringify({ wall, cpu }));
}

main().catch((e) => { console.error(e); process.exit(1); });
