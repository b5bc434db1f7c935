// One inference system (tensorforge, tfjs-cpu or tfjs-wasm) in its own process.
// Plain JavaScript on the compiled package (dist/), as users run it.
//
//   node bench/inference/worker.cjs --system=S --first-call --model=seed
//       times module load + model build + the first batch-1 prediction in a
//       fresh process; prints `first {json}` right after that prediction.
//   node bench/inference/worker.cjs --system=S
//       line protocol on stdin/stdout (see index.ts):
//         info                        -> info {json}
//         prep <model> <batch> <sec>  -> ok <checksum> <argmaxHash> <reps>
//         run                         -> t <seconds per call>
//         quit
// The weights and inputs are the deterministic patterns of weights.cjs, the
// same in every system, so all outputs must agree.
'use strict';
const t00 = performance.now(); // ms since this process started (runtime bootstrap)
const path = require('node:path');
const readline = require('node:readline');
const { MODELS, kernelValues, biasValues, inputValues, checksum } = require('./weights.cjs');

// TensorFlow.js prints a banner with console.log; stdout carries the protocol.
console.log = console.error;
const out = (s) => process.stdout.write(s + '\n');

function parseArgs(argv) {
  const o = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) o[m[1]] = m[2] ?? true;
  }
  return o;
}

/** Loads a library; returns { predict(x, batch) -> Float32Array, build(model), info }. */
async function load(system) {
  if (system === 'tensorforge') {
    const tf = require('../../dist/cjs/index.js');
    const b = tf.backendInfo();
    return {
      info: { library: 'tensorforge', version: require('../../package.json').version, blas: `${b.blas} ${b.blasVersion} (${b.blasConfig})`, threads: b.threads, predict: 'model.predict (synchronous)' },
      build(name) {
        const sizes = MODELS[name];
        const m = tf.sequential(sizes.slice(1).map((u, l) =>
          tf.layers.dense({ units: u, activation: l === sizes.length - 2 ? 'softmax' : 'relu', ...(l === 0 ? { inputShape: [sizes[0]] } : {}) })));
        const w = [];
        for (let l = 0; l + 1 < sizes.length; l++) {
          w.push(tf.tensor(kernelValues(l, sizes[l], sizes[l + 1]), [sizes[l], sizes[l + 1]]));
          w.push(tf.tensor(biasValues(l, sizes[l + 1]), [sizes[l + 1]]));
        }
        m.setWeights(w);
        return (x, batch) => m.predict(tf.tensor(x, [batch, sizes[0]]), { batchSize: batch }).dataSync();
      },
    };
  }
  if (system === 'tfjs-cpu' || system === 'tfjs-wasm') {
    const tfjs = require('@tensorflow/tfjs');
    if (system === 'tfjs-wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
      await tfjs.setBackend('wasm');
    } else {
      await tfjs.setBackend('cpu');
    }
    await tfjs.ready();
    const info = { library: '@tensorflow/tfjs', version: tfjs.version.tfjs, backend: tfjs.getBackend(), predict: 'model.predict + dataSync' };
    if (system === 'tfjs-wasm') {
      const f = tfjs.env().features;
      info.simd = f.WASM_HAS_SIMD_SUPPORT ?? 'unknown';
      info.multithread = f.WASM_HAS_MULTITHREAD_SUPPORT ?? 'unknown';
    }
    return {
      info,
      build(name) {
        const sizes = MODELS[name];
        const m = tfjs.sequential();
        for (let l = 0; l + 1 < sizes.length; l++) {
          m.add(tfjs.layers.dense({ units: sizes[l + 1], activation: l === sizes.length - 2 ? 'softmax' : 'relu', ...(l === 0 ? { inputShape: [sizes[0]] } : {}) }));
        }
        const w = [];
        for (let l = 0; l + 1 < sizes.length; l++) {
          w.push(tfjs.tensor2d(kernelValues(l, sizes[l], sizes[l + 1]), [sizes[l], sizes[l + 1]]));
          w.push(tfjs.tensor1d(biasValues(l, sizes[l + 1])));
        }
        m.setWeights(w);
        for (const t of w) t.dispose();
        return (x, batch) => {
          const y = tfjs.tidy(() => m.predict(tfjs.tensor2d(x, [batch, sizes[0]]), { batchSize: batch }));
          const v = y.dataSync();
          y.dispose();
          return v;
        };
      },
    };
  }
  throw new Error(`unknown system ${system}`);
}

async function firstCall(system, model) {
  const t0 = performance.now();
  const lib = await load(system);
  const t1 = performance.now();
  const predict = lib.build(model);
  const t2 = performance.now();
  const y = predict(inputValues(1, MODELS[model][0]), 1);
  const t3 = performance.now();
  out('first ' + JSON.stringify({
    system, model, bootstrapMs: t00, loadMs: t1 - t0, buildMs: t2 - t1, firstPredictMs: t3 - t2,
    inProcessMs: t3 - t0, sinceProcessStartMs: t3, checksum: checksum(y, 1, MODELS[model].at(-1)).sum,
  }));
}

async function serve(system) {
  const lib = await load(system);
  const models = new Map();
  let job = null;
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, ...a] = line.trim().split(/\s+/);
    if (cmd === 'info') out('info ' + JSON.stringify(lib.info));
    else if (cmd === 'prep') {
      const [model, batchS, secS] = a;
      const batch = Number(batchS);
      if (!models.has(model)) models.set(model, lib.build(model));
      const predict = models.get(model);
      const x = inputValues(batch, MODELS[model][0]);
      let y;
      for (let i = 0; i < 3; i++) y = predict(x, batch);
      const c = checksum(y, batch, MODELS[model].at(-1));
      // Calls per run so that a run lasts about `sec` seconds.
      const t0 = performance.now();
      let n = 0;
      do {
        predict(x, batch);
        n++;
      } while (performance.now() - t0 < 20 && n < 1000);
      const per = (performance.now() - t0) / 1000 / n;
      const reps = Math.max(1, Math.round(Number(secS) / per));
      job = { predict, x, batch, reps };
      out(`ok ${c.sum} ${c.argmaxHash} ${reps}`);
    } else if (cmd === 'run') {
      const { predict, x, batch, reps } = job;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) predict(x, batch);
      out(`t ${(performance.now() - t0) / 1000 / reps}`);
    } else if (cmd === 'quit') break;
    else out(`error unknown command ${cmd}`);
  }
  rl.close();
}

const o = parseArgs(process.argv.slice(2));
(o['first-call'] ? firstCall(String(o.system), String(o.model ?? 'seed')) : serve(String(o.system)))
  .then(() => process.exit(0))
  .catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
