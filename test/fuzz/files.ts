// Mutation fuzzing of file inputs: valid IDX files and valid saved models
// (model.json + weights.bin), corrupted by truncation, bit flips, length and
// dimension fields set huge, and (for model.json) JSON field mutations; then
// loaded. Pass: the load resolves or throws/rejects with an Error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '../../src/index';
import { Gen } from './gen';
import { Ctx, Target, mutateObject } from './targets';

const IDX_TYPES: [number, number, (v: DataView, o: number, x: number) => void][] = [
  [0x08, 1, (v, o, x) => v.setUint8(o, x & 0xff)],
  [0x09, 1, (v, o, x) => v.setInt8(o, x % 128)],
  [0x0b, 2, (v, o, x) => v.setInt16(o, x)],
  [0x0c, 4, (v, o, x) => v.setInt32(o, x)],
  [0x0d, 4, (v, o, x) => v.setFloat32(o, x)],
  [0x0e, 8, (v, o, x) => v.setFloat64(o, x)],
];

/** A valid IDX file of a random type and small shape. */
export function validIdx(g: Gen): Uint8Array {
  const [code, bytes, set] = g.pick(IDX_TYPES);
  const shape = Array.from({ length: g.int(1, 4) }, () => g.int(1, 5));
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = new Uint8Array(4 + 4 * shape.length + n * bytes);
  const v = new DataView(buf.buffer);
  buf.set([0, 0, code, shape.length]);
  shape.forEach((d, i) => v.setInt32(4 + 4 * i, d));
  for (let i = 0; i < n; i++) set(v, 4 + 4 * shape.length + i * bytes, g.int(-100, 100));
  return buf;
}

/** Byte-level mutations: truncation, bit flips, huge length fields, splices. */
export function mutateBytes(g: Gen, input: Uint8Array, headerFields = 0): Uint8Array {
  let b = Uint8Array.from(input);
  for (let m = g.int(1, 3); m > 0; m--) {
    g.weighted<void>([
      [3, () => { b = b.subarray(0, g.int(0, Math.max(0, b.length - 1))); }],
      [4, () => { if (b.length) { const i = g.int(0, b.length - 1); b[i] ^= 1 << g.int(0, 7); } }],
      [2, () => { if (b.length) b[g.int(0, b.length - 1)] = g.pick([0, 0xff, 0x7f, 0x80]); }],
      [3, () => {
        // A length or dimension field (big-endian int32 after the 4-byte magic) set huge, zero or negative.
        if (headerFields > 0 && b.length >= 8) {
          const f = g.int(0, Math.min(headerFields, (b.length - 4) >> 2) - 1);
          new DataView(b.buffer, b.byteOffset).setInt32(4 + 4 * f, g.pick([0, -1, 0x7fffffff, 0x10000000, 65536, 2 ** 24, 1 << 30]) | 0);
        }
      }],
      [1, () => { const extra = new Uint8Array(g.int(1, 16)).map(() => g.int(0, 255)); const c = new Uint8Array(b.length + extra.length); c.set(b); c.set(extra, b.length); b = c; }],
      [1, () => { if (b.length > 3) b[g.pick([2, 3])] = g.int(0, 255); }],
    ]);
  }
  return b;
}

const IDX_FILES: Target = {
  name: 'IDX mutation', weight: 1,
  run: async ({ g, pool }: Ctx) => {
    const valid = validIdx(g);
    const ndims = valid[3];
    let bytes = mutateBytes(g, valid, ndims);
    const gz = g.chance(0.3);
    if (gz) {
      bytes = zlib.gzipSync(bytes);
      if (g.chance(0.4)) bytes = mutateBytes(g, bytes);
    }
    const file = path.join(pool.dir, `m${g.int(0, 3)}.idx${gz ? '.gz' : ''}`);
    fs.writeFileSync(file, bytes);
    return g.chance(0.5) ? tf.datasets.loadIdx(file) : tf.datasets.loadIdxSync(file);
  },
};

/** A small valid model saved once per chunk, as the source of model mutations. */
let savedModel: { json: string; weights: Uint8Array } | null = null;

async function validModel(ctx: Ctx): Promise<{ json: string; weights: Uint8Array }> {
  if (savedModel) return savedModel;
  const m = tf.sequential({ layers: [
    tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }),
    tf.layers.batchNormalization(),
    tf.layers.dropout({ rate: 0.2 }),
    tf.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(tf.randomNormal([8, 3], 0, 1, 'float32', 1), tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), { epochs: 1, verbose: 0 });
  const dir = path.join(ctx.pool.dir, 'valid-model');
  await m.save(dir, { includeOptimizer: true });
  savedModel = { json: fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), weights: new Uint8Array(fs.readFileSync(path.join(dir, 'weights.bin'))) };
  return savedModel;
}

/** JSON-aware mutations of model.json: fields replaced, removed, numbers and shapes set huge, paths escaping the directory. */
function mutateModelJson(g: Gen, text: string): string {
  const json = JSON.parse(text) as Record<string, unknown>;
  g.weighted<void>([
    [4, () => mutateObject(g, json, 0)],
    [2, () => {
      const w = (json.weightsManifest as { weights: { shape: unknown; dtype?: unknown }[] }[])[0].weights;
      const e = g.pick(w);
      e.shape = g.weighted<unknown>([[3, () => [2 ** 31 - 1, 2 ** 31 - 1]], [2, () => [1e9]], [1, () => [-1, 4]], [1, () => [0]], [1, () => [1.5]], [1, () => g.junk()]]);
      if (g.chance(0.3)) e.dtype = g.pick(['float16', 'int32', 'uint8', 'string', 'bool', 'complex64', 'x']);
    }],
    [2, () => {
      (json.weightsManifest as { paths: unknown[] }[])[0].paths = [g.pick(['../outside.bin', '/etc/passwd', '/dev/zero', '..', '.', '', 'weights.bin', 'weights.bin\u0000x', 'sub/../weights.bin', 'nope.bin'])];
    }],
    [2, () => {
      // Layer configs with huge units / shapes: must be refused before the weights are allocated.
      const layers = ((json.modelTopology as Record<string, Record<string, unknown>>).config as Record<string, unknown>).layers as { config: Record<string, unknown> }[];
      const l = g.pick(layers);
      const k = g.pick(['units', 'batch_input_shape', 'rate', 'activation', 'epsilon', 'momentum', 'axis', 'name']);
      l.config[k] = g.weighted<unknown>([[2, () => 2 ** 31 - 1], [2, () => [null, 2 ** 30]], [1, () => g.edgeNumber()], [1, () => g.junk()]]);
    }],
    [1, () => { json.modelTopology = g.junk(); }],
  ]);
  // Junk may hold BigInts and symbols, which JSON cannot hold.
  return JSON.stringify(json, (_k, v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'symbol' ? String(v) : v));
}

const MODEL_FILES: Target = {
  name: 'model.json/weights.bin mutation', weight: 2,
  run: async (ctx: Ctx) => {
    const { g, pool } = ctx;
    const valid = await validModel(ctx);
    let json = valid.json;
    let weights = valid.weights;
    g.weighted<void>([
      [4, () => { json = mutateModelJson(g, json); }],
      [2, () => { json = new TextDecoder().decode(mutateBytes(g, new TextEncoder().encode(json))); }],
      [3, () => { weights = mutateBytes(g, weights); }],
      [1, () => { json = mutateModelJson(g, json); weights = mutateBytes(g, weights); }],
    ]);
    const dir = path.join(pool.dir, `model-${g.int(0, 3)}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), json);
    fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
    fs.writeFileSync(path.join(pool.dir, 'outside.bin'), weights);
    const m = await tf.loadLayersModel(g.chance(0.5) ? dir : `file://${path.join(dir, 'model.json')}`);
    // A model that loads must also work.
    const x = tf.randomNormal([2, ...(m.inputs ?? [3])], 0, 1, 'float32', 2);
    m.predict(x);
    return m.predictAsync(x);
  },
};

const ARTIFACTS: Target = {
  name: 'artifacts mutation', weight: 1,
  run: async (ctx: Ctx) => {
    const { g } = ctx;
    const valid = await validModel(ctx);
    const json = JSON.parse(g.chance(0.5) ? mutateModelJson(g, valid.json) : valid.json) as Record<string, unknown>;
    const weights = g.chance(0.5) ? mutateBytes(g, valid.weights) : valid.weights;
    const manifest = json.weightsManifest as { weights: unknown[] }[] | undefined;
    const artifacts: Record<string, unknown> = {
      modelTopology: json.modelTopology,
      weightSpecs: Array.isArray(manifest) ? manifest.flatMap((m) => (m && Array.isArray(m.weights) ? m.weights : [])) : g.junk(),
      weightData: g.chance(0.8) ? weights.slice().buffer : g.junk(),
      trainingConfig: json.trainingConfig,
      format: g.chance(0.9) ? json.format : g.junk(),
    };
    if (g.chance(0.3)) mutateObject(g, artifacts, 0);
    return tf.fromArtifacts(artifacts);
  },
};

export const FILE_TARGETS: Target[] = [IDX_FILES, MODEL_FILES, ARTIFACTS];
