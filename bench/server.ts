// bench/server: a Node server that trains and predicts must keep answering.
//
// 1. Event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution)
//    while fit trains the seed model (784-64-10, adam, batch 32): tensorforge
//    on the 60,000 Fashion-MNIST images, and tensorforge vs TensorFlow.js
//    (@tensorflow/tfjs, cpu backend) on the same few thousand images.
// 2. The example server (examples/server.ts): batch-1 POST /predict through
//    autocannon (programmatic), idle and while another model trains in the
//    same process.
//
// Targets (issue 4): event-loop p99 < 5 ms during fit; >= 5,000 req/s with
// p99 < 20 ms idle; no failed request while training. Delays are reported as
// the excess over the 1 ms timer period (the histogram records whole periods).
//
//   npm run bench:server [-- --quick] [-- --json] [-- --duration 5] [-- --connections 10] [-- --workers 1]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import * as tf from '../src/index';
import { createServer } from '../examples/server';

interface Delay {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}
export interface FitRow {
  library: string;
  samples: number;
  seconds: number;
  delayMs: Delay;
}
export interface LoadRow {
  scenario: string;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  failed: number;
  trainingBatches?: number;
}
export interface ServerBenchResult {
  benchmark: 'server';
  machine: { cpu: string; cores: number; loadavgAtStart: number[]; loadavgAtEnd: number[]; node: string; date: string };
  options: Options;
  fit: FitRow[];
  load: LoadRow[];
}
export interface Options {
  quick: boolean;
  duration: number;
  connections: number;
  /** autocannon worker threads (0 = the load generator runs on the server's own event loop). */
  workers: number;
  tfjsSamples: number;
}

const RESOLUTION_MS = 1;

/** Runs `work` with a 1 ms-resolution event-loop delay histogram; delays are the excess over the period. */
async function measureDelay<T>(work: () => Promise<T>): Promise<{ result: T; delay: Delay; seconds: number }> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  await new Promise((r) => setTimeout(r, 20));
  h.reset();
  const t0 = performance.now();
  let result: T;
  try {
    result = await work();
  } finally {
    h.disable();
  }
  const seconds = (performance.now() - t0) / 1000;
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return { result, seconds, delay: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count } };
}

function seedModel(): tf.Sequential {
  const m = tf.sequential([
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  m.build([784]);
  return m;
}

function head(t: tf.Tensor, n: number): tf.Tensor {
  const per = t.size / t.shape[0];
  return tf.tensor(t.values.slice(0, n * per) as Float32Array, [n, ...t.shape.slice(1)], t.dtype);
}

export async function fitDelays(train: { x: tf.Tensor; y: tf.Tensor }, opts: Options): Promise<FitRow[]> {
  const rows: FitRow[] = [];
  const full = opts.quick ? 10000 : train.x.shape[0];
  const few = Math.min(opts.tfjsSamples, full);

  // tensorforge, the issue's scenario: one epoch over every image.
  {
    const m = seedModel();
    const [fx, fy] = full === train.x.shape[0] ? [train.x, train.y] : [head(train.x, full), head(train.y, full)];
    const r = await measureDelay(() => m.fit(fx, fy, { epochs: 1, batchSize: 32, verbose: 0 }));
    rows.push({ library: 'tensorforge', samples: full, seconds: r.seconds, delayMs: r.delay });
  }
  // Like for like with TensorFlow.js: the same few thousand images.
  const x = head(train.x, few);
  const y = head(train.y, few);
  {
    const m = seedModel();
    const r = await measureDelay(() => m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 }));
    rows.push({ library: 'tensorforge', samples: few, seconds: r.seconds, delayMs: r.delay });
  }
  {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tfjs: typeof import('@tensorflow/tfjs') = require('@tensorflow/tfjs');
    await tfjs.setBackend('cpu');
    await tfjs.ready();
    const m = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
        tfjs.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const tx = tfjs.tensor2d(x.values as Float32Array, [few, 784]);
    const ty = tfjs.tensor1d(Float32Array.from(y.values));
    const r = await measureDelay(() => m.fit(tx, ty, { epochs: 1, batchSize: 32, verbose: 0 }));
    rows.push({ library: `@tensorflow/tfjs ${tfjs.version.tfjs} (${tfjs.getBackend()})`, samples: few, seconds: r.seconds, delayMs: r.delay });
    tx.dispose();
    ty.dispose();
    m.dispose();
  }
  return rows;
}

async function loadTest(scenario: string, url: string, body: string, opts: Options): Promise<LoadRow> {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: opts.connections,
    duration: opts.duration,
    ...(opts.workers > 0 ? { workers: opts.workers } : {}),
  });
  return {
    scenario,
    connections: opts.connections,
    seconds: opts.duration,
    requestsPerSecond: r.requests.average,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    failed: r.errors + r.timeouts + r.non2xx,
  };
}

export async function serverLoad(train: { x: tf.Tensor; y: tf.Tensor }, test: { x: tf.Tensor; y: tf.Tensor }, opts: Options): Promise<LoadRow[]> {
  const served = seedModel();
  await served.fit(head(train.x, 5000), head(train.y, 5000), { epochs: 1, verbose: 0 });
  const server = createServer(served);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
  const body = JSON.stringify({ instances: [Array.from(test.x.values.subarray(0, 784))] });
  const rows: LoadRow[] = [];
  try {
    await loadTest('warm-up', url, body, { ...opts, duration: 1 });
    rows.push(await loadTest('idle', url, body, opts));
    // Another model trains in the same process for the whole run.
    const trainer = seedModel();
    const ac = new AbortController();
    let batches = 0;
    const training = trainer.fit(train.x, train.y, { epochs: 1000, verbose: 0, signal: ac.signal, callbacks: { onBatchEnd: () => void batches++ } });
    training.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const row = await loadTest('while another model trains', url, body, opts);
    ac.abort();
    await training.catch((e: Error) => {
      if (e.name !== 'AbortError') throw e;
    });
    rows.push({ ...row, trainingBatches: batches });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return rows;
}

export async function run(opts: Options): Promise<ServerBenchResult> {
  const loadavgAtStart = os.loadavg();
  const { train, test } = await tf.datasets.fashionMnist(opts.quick ? { subset: true } : {});
  const fit = await fitDelays(train, opts);
  const load = await serverLoad(train, test, opts);
  return {
    benchmark: 'server',
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(),
      loadavgAtStart: loadavgAtStart.map((x) => +x.toFixed(2)), loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)),
      node: process.version, date: new Date().toISOString(),
    },
    options: opts,
    fit,
    load,
  };
}

export function formatResult(r: ServerBenchResult): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `## bench/server — ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}`,
    '',
    `Load average at start ${r.machine.loadavgAtStart.join(' / ')}, at end ${r.machine.loadavgAtEnd.join(' / ')}` +
      (r.machine.loadavgAtStart[0] > 0.5 * r.machine.cores ? ' — the machine was busy: figures are noisy.' : '.'),
    '',
    '### Event-loop delay during fit (seed model, batch 32, 1 epoch; excess over the 1 ms timer)',
    '',
    '| library | samples | fit time (s) | p50 (ms) | p99 (ms) | max (ms) |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.fit.map((x) => `| ${x.library} | ${x.samples} | ${f(x.seconds, 2)} | ${f(x.delayMs.p50, 2)} | ${f(x.delayMs.p99, 2)} | ${f(x.delayMs.max, 1)} |`),
    '',
    `### Example server, batch-1 POST /predict (autocannon, ${r.options.connections} connections, ${r.options.duration} s, ` +
      `${r.options.workers ? `${r.options.workers} autocannon worker thread(s)` : 'load generator on the same event loop'})`,
    '',
    '| scenario | req/s | p50 (ms) | p99 (ms) | max (ms) | requests | failed | training batches meanwhile |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.load.map((x) => `| ${x.scenario} | ${f(x.requestsPerSecond, 0)} | ${x.latencyMs.p50} | ${x.latencyMs.p99} | ${x.latencyMs.max} | ${x.requests} | ${x.failed} | ${x.trainingBatches ?? '-'} |`),
    '',
    'Targets: event-loop p99 < 5 ms during fit; >= 5,000 req/s with p99 < 20 ms idle; no failed request while training.',
  ];
  return lines.join('\n');
}

function parseCli(argv: string[]): Options & { json: boolean } {
  const get = (name: string, def: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : def;
  };
  const quick = argv.includes('--quick');
  return {
    quick,
    json: argv.includes('--json'),
    duration: get('duration', quick ? 2 : 5),
    connections: get('connections', 10),
    workers: get('workers', 0),
    tfjsSamples: get('tfjs-samples', quick ? 1000 : 4000),
  };
}

if (typeof require !== 'undefined' && require.main === module) {
  const { json, ...opts } = parseCli(process.argv.slice(2));
  run(opts)
    .then((r) => {
      const dir = path.join(__dirname, 'results');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'server.json'), JSON.stringify(r, null, 2) + '\n');
      console.log(json ? JSON.stringify(r, null, 2) : formatResult(r));
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
