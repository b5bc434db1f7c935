// A small HTTP inference server on Node's own `http` module:
//
//   POST /predict  {"instances": [[784 numbers], ...]}
//                  -> {"predictions": [[10 probabilities], ...], "classes": [label, ...]}
//   GET  /healthz  -> {"status": "ok", ...}
//
// Bad requests (invalid JSON, wrong feature counts, non-numbers, oversized
// bodies, wrong method or path) get a 4xx with {"error": message}; nothing a
// client sends can crash it. Small requests are predicted inline (a batch-1
// prediction of the seed model is ~10 µs, less than the thread hop); larger
// ones, and any while the model is in a training step, go to a worker thread
// through predictAsync, so the event loop stays free.
//
// Run:  npx tsx examples/server.ts [--port 8080] [--host 127.0.0.1]
//                                  [--model path/to/model.json] [--epochs 2] [--save dir]
// With --model, a saved model is loaded (when tf.loadLayersModel is available
// and the file exists); otherwise the seed model is trained on Fashion-MNIST
// at startup (the full dataset when installed, else the bundled subset).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../src/index'; // in your project: from 'tensorforge'

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Largest request body in bytes; larger ones get 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most instances in one request; more get 413 (default 1024). */
  maxInstances?: number;
  /** Requests with at most this many instances are predicted inline on the event loop (default 16). */
  inlineInstances?: number;
  /** Class names for the `labels` field of responses (default: none, the field is left out). */
  classNames?: readonly string[];
}

/** A request error that maps to an HTTP status and a JSON message. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

/** Reads the body up to `limit` bytes; rejects with 413 beyond it (without buffering the rest). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** Validates `{instances: [[...], ...]}` and packs it into one float32 batch. */
function parseInstances(body: Buffer, inputShape: number[], maxInstances: number): tf.Tensor {
  const features = inputShape.reduce((a, b) => a * b, 1);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `invalid JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new HttpError(400, 'expected a JSON object {"instances": [[...], ...]}');
  }
  const instances = (doc as { instances?: unknown }).instances;
  if (!Array.isArray(instances)) throw new HttpError(400, '"instances" must be an array of feature arrays');
  if (instances.length === 0) throw new HttpError(400, '"instances" is empty');
  if (instances.length > maxInstances) throw new HttpError(413, `${instances.length} instances exceed the limit of ${maxInstances} per request`);
  const x = new Float32Array(instances.length * features);
  instances.forEach((row, i) => {
    if (!Array.isArray(row)) throw new HttpError(400, `instances[${i}] must be an array of ${features} numbers`);
    if (row.length !== features) throw new HttpError(400, `instances[${i}] has ${row.length} features; the model expects ${features}`);
    for (let j = 0; j < features; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw new HttpError(400, `instances[${i}][${j}] must be a number, got ${JSON.stringify(v) ?? typeof v}`);
      const f = Math.fround(v);
      if (!Number.isFinite(f)) throw new HttpError(400, `instances[${i}][${j}] = ${v} is outside the float32 range`);
      x[i * features + j] = f;
    }
  });
  return tf.tensor(x, [instances.length, ...inputShape]);
}

/** Predictions inline when small (falling back to a worker while a training chunk runs), else on a worker. */
async function predict(model: tf.Sequential, x: tf.Tensor, inlineInstances: number): Promise<tf.Tensor> {
  if (x.shape[0] <= inlineInstances) {
    try {
      return model.predict(x);
    } catch {
      // The model is in a native training chunk: predictAsync waits for it.
    }
  }
  return model.predictAsync(x);
}

function toResponse(p: tf.Tensor, classNames: readonly string[] | undefined) {
  const [n, k] = p.shape;
  const v = p.values;
  const predictions: number[][] = [];
  const classes: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(v.subarray(i * k, (i + 1) * k));
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    predictions.push(row);
    classes.push(best);
  }
  return classNames ? { predictions, classes, labels: classes.map((c) => classNames[c] ?? String(c)) } : { predictions, classes };
}

/**
 * An HTTP server answering `POST /predict` and `GET /healthz` for `model`
 * (built, with a flat input). Not listening yet: call `.listen(port)`.
 */
export function createServer(model: tf.Sequential, opts: ServerOptions = {}): http.Server {
  const maxBodyBytes = opts.maxBodyBytes ?? 1 << 20;
  const maxInstances = opts.maxInstances ?? 1024;
  const inlineInstances = opts.inlineInstances ?? 16;
  const inputShape = model.inputs;
  if (!model.built || !inputShape) throw new Error('createServer: the model must be built (trained, loaded or build(inputShape) called)');
  let served = 0;
  let failed = 0;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on /healthz; use GET`, { allow: 'GET, HEAD' });
      send(res, 200, { status: 'ok', model: model.name, inputShape, outputShape: model.outputShape, served, failed, uptimeSeconds: Math.round(process.uptime()) });
      return;
    }
    if (url.pathname !== '/predict') throw new HttpError(404, `no route ${url.pathname}; use POST /predict or GET /healthz`);
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on /predict; use POST`, { allow: 'POST' });
    // The body is parsed as JSON whatever its content-type (curl -d sends a form type), as TF Serving does.
    const body = await readBody(req, maxBodyBytes);
    const x = parseInstances(body, inputShape, maxInstances);
    const p = await predict(model, x, inlineInstances);
    served += x.shape[0];
    send(res, 200, toResponse(p, opts.classNames));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.destroyed) return; // the client went away; nobody to answer
      if (e instanceof HttpError) {
        // After a 413 the rest of the body is not read: close the connection rather than drain it.
        const close: Record<string, string> = e.status === 413 ? { connection: 'close' } : {};
        send(res, e.status, { error: e.message }, { ...e.headers, ...close });
        if (e.status === 413) req.resume();
      } else {
        failed++;
        send(res, 500, { error: `internal error: ${(e as Error)?.message ?? String(e)}` });
      }
    });
  });
  // Malformed HTTP (not even a request line): answer 400 and close, never throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 29\r\n\r\n{"error":"malformed request"}');
    else socket.destroy();
  });
  return server;
}

/** The seed model (784-64-10) trained on Fashion-MNIST. */
export async function trainSeedModel(epochs: number, verbose: 0 | 1 | 2 = 1): Promise<tf.Sequential> {
  const { train, test, dir } = await tf.datasets.fashionMnist();
  console.log(`Training on ${train.x.shape[0]} Fashion-MNIST images from ${dir} for ${epochs} epoch(s)...`);
  const model = tf.sequential([
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs, batchSize: 32, verbose });
  const { accuracy } = await model.evaluate(test.x, test.y);
  console.log(`Test accuracy: ${accuracy.toFixed(4)}`);
  return model;
}

// Save/load are TensorFlow.js's `model.save('file://dir')` / `tf.loadLayersModel('file://dir/model.json')`;
// looked up at run time so this example works before and after they exist.
type Loader = (url: string) => Promise<tf.Sequential>;
const loadLayersModel = (tf as unknown as { loadLayersModel?: Loader }).loadLayersModel;

async function loadOrTrain(modelPath: string | undefined, epochs: number, saveDir: string | undefined): Promise<tf.Sequential> {
  if (modelPath) {
    const file = fs.existsSync(modelPath) && fs.statSync(modelPath).isDirectory() ? path.join(modelPath, 'model.json') : modelPath;
    if (!fs.existsSync(file)) console.log(`No saved model at ${file}; training one.`);
    else if (!loadLayersModel) console.log('This tensorforge has no tf.loadLayersModel yet; training a model.');
    else {
      console.log(`Loading ${file}`);
      return loadLayersModel(`file://${path.resolve(file)}`);
    }
  }
  const model = await trainSeedModel(epochs);
  const save = (model as unknown as { save?: (url: string) => Promise<unknown> }).save;
  if (saveDir && save) {
    await save.call(model, `file://${path.resolve(saveDir)}`);
    console.log(`Saved to ${saveDir}`);
  }
  return model;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
      model: { type: 'string', default: process.env.MODEL },
      epochs: { type: 'string', default: '2' },
      save: { type: 'string' },
    },
  });
  const port = Number(values.port);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
  const model = await loadOrTrain(values.model, epochs, values.save);
  const server = createServer(model, { classNames: tf.datasets.classNames });
  server.listen(port, values.host, () => {
    const a = server.address();
    console.log(`Listening on http://${values.host}:${typeof a === 'object' && a ? a.port : port} (POST /predict, GET /healthz)`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Runs when executed directly (tsx examples/server.ts), not when imported by tests or benchmarks.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
