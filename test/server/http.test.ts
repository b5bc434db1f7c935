// The example inference server (examples/server.ts) on an ephemeral loopback
// port: correct predictions, a 4xx with a JSON message for every kind of bad
// request, and a bounded autocannon load test (fixed request count and
// connection count) while a second model trains in the same process: no
// failed request.
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { Sequential, Tensor } from '../../src/index';
import { createServer } from '../../examples/server';
import { maxAbsDiff, rejection, rows, seedModel, untilTrainingChunk } from './helpers';

let train: { x: Tensor; y: Tensor };
let test: { x: Tensor; y: Tensor };
let model: Sequential;
let server: ReturnType<typeof createServer>;
let base: string;

function instance(i: number): number[] {
  return Array.from(test.x.values.subarray(i * 784, (i + 1) * 784));
}

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const d = await tf.datasets.fashionMnist({ subset: true });
  train = d.train;
  test = d.test;
  model = seedModel();
  await model.fit(rows(train.x, 0, 3000), rows(train.y, 0, 3000), { epochs: 1, verbose: 0, seed: 1 });
  server = createServer(model, { maxBodyBytes: 256 * 1024, maxInstances: 64, inlineInstances: 4 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('example server: answers', () => {
  it('POST /predict returns the model predictions and argmax classes', async () => {
    for (const n of [1, 3, 12]) { // 12 > inlineInstances: the predictAsync path
      const instances = Array.from({ length: n }, (_, i) => instance(i));
      const { status, json } = await post(JSON.stringify({ instances }));
      expect(status).toBe(200);
      const predictions = json.predictions as number[][];
      const classes = json.classes as number[];
      const expected = model.predict(rows(test.x, 0, n));
      expect(predictions).toHaveLength(n);
      expect(maxAbsDiff(predictions.flat(), expected.values)).toBeLessThanOrEqual(1e-6);
      predictions.forEach((p, i) => expect(classes[i]).toBe(p.indexOf(Math.max(...p))));
    }
  });

  it('GET /healthz reports ok', async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', inputShape: [784], outputShape: [10] });
  });

  it('keeps answering (correctly) while the served model itself trains', async () => {
    const other = seedModel();
    const s = createServer(other);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/predict`;
    try {
      const fitting = other.fit(train.x, train.y, { epochs: 2, verbose: 0 });
      await untilTrainingChunk(other, rows(test.x, 0, 1), fitting);
      const body = JSON.stringify({ instances: [instance(0), instance(1)] });
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(url, { method: 'POST', body })));
      for (const a of answers) {
        expect(a.status).toBe(200);
        const j = (await a.json()) as { predictions: number[][] };
        expect(j.predictions.flat().every(Number.isFinite)).toBe(true);
      }
      await fitting;
    } finally {
      await new Promise((resolve) => s.close(resolve));
    }
  });
});

describe('example server: bad requests get a 4xx with a JSON message', () => {
  const row = () => instance(0);
  const cases: [string, () => string, number, RegExp][] = [
    ['invalid JSON', () => '{"instances": [[1, 2', 400, /invalid JSON/],
    ['not an object', () => '[1, 2, 3]', 400, /expected a JSON object/],
    ['no instances', () => '{"inputs": []}', 400, /"instances" must be an array/],
    ['empty instances', () => '{"instances": []}', 400, /"instances" is empty/],
    ['an instance that is not an array', () => JSON.stringify({ instances: [row(), 5] }), 400, /instances\[1\] must be an array of 784 numbers/],
    ['too few features', () => JSON.stringify({ instances: [row().slice(1)] }), 400, /instances\[0\] has 783 features; the model expects 784/],
    ['too many features', () => JSON.stringify({ instances: [[...row(), 0]] }), 400, /has 785 features/],
    ['a string feature', () => JSON.stringify({ instances: [row().map((v, j) => (j === 7 ? 'x' : v))] }), 400, /instances\[0\]\[7\] must be a number, got "x"/],
    ['a null feature', () => JSON.stringify({ instances: [row().map((v, j) => (j === 3 ? null : v))] }), 400, /instances\[0\]\[3\] must be a number, got null/],
    ['a feature beyond float32', () => JSON.stringify({ instances: [row().map((v, j) => (j === 0 ? 1e300 : v))] }), 400, /instances\[0\]\[0\] = 1e\+300 is outside the float32 range/],
    ['too many instances', () => JSON.stringify({ instances: Array.from({ length: 65 }, () => [0]) }), 413, /65 instances exceed the limit of 64/],
  ];
  for (const [name, body, status, message] of cases) {
    it(name, async () => {
      const r = await post(body());
      expect(r.status).toBe(status);
      expect(r.json.error).toMatch(message);
    });
  }

  it('an oversized body (declared length) gets 413', async () => {
    const r = await post(Buffer.alloc(300 * 1024, 0x20));
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/exceeds the limit of 262144 bytes/);
  });

  it('an oversized chunked body (no declared length) gets 413', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const r = await fetch(`${base}/predict`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toMatch(/exceeds the limit/);
  });

  it('wrong method gets 405 with Allow; unknown path gets 404', async () => {
    const get = await fetch(`${base}/predict`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(((await get.json()) as { error: string }).error).toMatch(/GET is not allowed on \/predict; use POST/);
    const del = await fetch(`${base}/healthz`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    await del.body?.cancel();
    const missing = await fetch(`${base}/v1/models`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/no route \/v1\/models/);
  });

  it('malformed HTTP gets 400 and the server keeps serving', async () => {
    const port = (server.address() as AddressInfo).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('THIS IS NOT HTTP\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    const ok = await post(JSON.stringify({ instances: [row()] }));
    expect(ok.status).toBe(200);
  });
});

describe('example server under load', () => {
  // Host-independent: a fixed number of requests per round, not a duration;
  // rounds repeat until the other model has trained 20 batches during the
  // load (so "while a second model trains" holds on a fast or a slow
  // machine), and a request only times out after 60 s.
  it('autocannon, 10 connections of batch-1 predictions while a second model trains: no failed request', async () => {
    const trainer = seedModel(77);
    const ac = new AbortController();
    let batches = 0;
    const training = trainer.fit(train.x, train.y, { epochs: 1000, verbose: 0, signal: ac.signal, callbacks: { onBatchEnd: () => void batches++ } });
    await untilTrainingChunk(trainer, rows(test.x, 0, 1), training);
    const start = batches;
    const totals = { requests: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
    let rounds = 0;
    while (batches - start < 20 && rounds < 50) {
      rounds++;
      const result = await autocannon({
        url: `${base}/predict`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [instance(5)] }),
        connections: 10,
        amount: 500,
        timeout: 60,
      });
      totals.requests += result.requests.total;
      totals.ok += result['2xx'];
      totals.non2xx += result.non2xx;
      totals.errors += result.errors;
      totals.timeouts += result.timeouts;
    }
    const during = batches - start;
    ac.abort();
    expect(((await rejection(training)) as Error).name).toBe('AbortError');
    console.log(`load test: ${totals.requests} requests in ${rounds} rounds of 500; ${during} training batches meanwhile`);
    expect(totals.requests).toBe(500 * rounds);
    expect(totals.ok).toBe(totals.requests);
    expect(totals.non2xx).toBe(0);
    expect(totals.errors).toBe(0);
    expect(totals.timeouts).toBe(0);
    expect(during).toBeGreaterThanOrEqual(20); // the other model did train meanwhile
  });
});
