// Shared by the io tests: temp directories, deterministic data, writing a
// model directory the way other tools do (several shards, several groups),
// and reading a tensorforge directory back through TensorFlow.js's own parser.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { expect } from 'vitest';
import * as tf from '../../src/index';

const dirs: string[] = [];

/** A fresh temporary directory, removed by cleanupDirs(). */
export function tempDir(prefix = 'tf-io-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** mulberry32, so every test's data is fixed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of a per-sample shape, uniform in [-2, 2). */
export function data(n: number, shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => 4 * r() - 2);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Bit-for-bit equality of two float32 arrays. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export function tfPredict(m: tf.Sequential, x: Float32Array, shape: number[]): Float32Array {
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  return m.predict(tf.tensor(x, [n, ...shape])).dataSync() as Float32Array;
}

export function tfjsPredict(m: tfjs.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  return (m.predict(tfjs.tensor(x, [n, ...shape])) as tfjs.Tensor).dataSync() as Float32Array;
}

/** Captures what a model saves through a TensorFlow.js IO handler. */
export async function captureTfjs(model: tfjs.LayersModel, includeOptimizer = false): Promise<tfjs.io.ModelArtifacts> {
  let captured: tfjs.io.ModelArtifacts | null = null;
  await model.save(tfjs.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return captured!;
}

/**
 * Writes artifacts as model.json + shards, the way tensorflowjs_converter
 * does: the weights split into `groups` groups at entry boundaries, each
 * group's bytes cut into shards of `shardBytes` (cutting through values).
 */
export function writeSharded(dir: string, a: tfjs.io.ModelArtifacts, shardBytes: number, groups = 1): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const specs = a.weightSpecs ?? [];
  const bytes = Buffer.from(a.weightData as ArrayBuffer);
  const sizeOf = (s: tfjs.io.WeightsManifestEntry) => s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'bool' ? 1 : 4);
  const per = Math.ceil(specs.length / groups);
  const manifest: { paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }[] = [];
  const files: string[] = [];
  let offset = 0;
  for (let g = 0; g < groups; g++) {
    const weights = specs.slice(g * per, (g + 1) * per);
    const len = weights.reduce((s, w) => s + sizeOf(w), 0);
    const chunk = bytes.subarray(offset, offset + len);
    offset += len;
    const n = Math.max(1, Math.ceil(len / shardBytes));
    const paths: string[] = [];
    for (let k = 0; k < n; k++) {
      const name = `group${g + 1}-shard${k + 1}of${n}.bin`;
      fs.writeFileSync(path.join(dir, name), chunk.subarray(k * shardBytes, (k + 1) * shardBytes));
      paths.push(name);
      files.push(name);
    }
    manifest.push({ paths, weights });
  }
  const json: Record<string, unknown> = {
    format: a.format, generatedBy: a.generatedBy, convertedBy: 'test sharder', modelTopology: a.modelTopology, weightsManifest: manifest,
  };
  if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return files;
}

/** Reads a model directory through TensorFlow.js's own model.json parser (what tfjs-node's file loader does). */
export async function tfjsLoadDir(dir: string): Promise<tfjs.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const artifacts = await tfjs.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((g) => g.weights);
    const buffers = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    const all = Buffer.concat(buffers);
    return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
  });
  return tfjs.loadLayersModel(tfjs.io.fromMemory(artifacts));
}
