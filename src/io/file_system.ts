// model.json + weight shards on disk, as tfjs-node's file:// handler lays
// them out (one `weights.bin`) and as the Python converter does (several
// `groupN-shardMofK.bin`).
//
// Saving is atomic per file and ordered so that a failure leaves the old
// model: both files are written in full to temporary names and synced, then
// renamed over the old ones, weights first, model.json last. If renaming
// model.json fails, the old weights.bin (kept as a hard link) is put back. A
// process killed between the two renames (a window of two system calls) can
// leave the new weights.bin beside the old model.json; the loader then
// reports the size mismatch unless both models have the same architecture.
//
// Loading checks model.json's size before reading it, and every shard's
// path and size against the manifest before reading any shard.
import * as crypto from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { show, typeError } from '../errors';
import type { ModelArtifacts, SaveResult, WeightsManifestEntry } from './types';
import { checkWeightEntries, totalBytes } from './weights';

/** Largest model.json read (a layers model's JSON is kilobytes; this bounds a hostile one). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Most shard files in one manifest. */
export const MAX_SHARDS = 100_000;

/**
 * @internal The file operations save uses; tests replace them to simulate a
 * failure in the middle of a save.
 */
export const fsOps = {
  /** Creates `file` (which must not exist), writes `data`, and syncs it to disk. */
  async writeFile(file: string, data: Uint8Array): Promise<void> {
    const h = await fsp.open(file, 'wx', 0o644);
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
  },
  rename: (from: string, to: string): Promise<void> => fsp.rename(from, to),
};

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** @internal A `file://` URL or a plain path -> a path. Other schemes are refused. */
export function pathFromUrl(fn: string, url: string): string {
  if (url === '') throw typeError(fn, 'the path must be a non-empty string');
  if (url.includes('\0')) throw typeError(fn, `the path must not contain a NUL character, got ${show(url)}`);
  // As tfjs-node: 'file:///abs/dir' -> '/abs/dir', 'file://rel/dir' -> 'rel/dir'.
  if (url.startsWith('file://')) {
    const p = url.slice('file://'.length);
    if (p === '') throw typeError(fn, `'${url}' names no path`);
    return p;
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (scheme) {
    throw new Error(`${fn}: unsupported URL scheme '${scheme[1]}://' in '${url}'; tensorforge reads and writes file:// URLs and paths, or give it an IOHandler (e.g. tf.io.withSaveHandler / tf.io.fromMemory)`);
  }
  return url;
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  return Buffer.concat(data.map((b) => new Uint8Array(b)));
}

/** tfjs-core's getModelArtifactsInfoForJSON. */
export function artifactsInfo(a: ModelArtifacts, weightBytes: number): SaveResult['modelArtifactsInfo'] {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology ? Buffer.byteLength(JSON.stringify(a.modelTopology)) : 0,
    weightSpecsBytes: a.weightSpecs ? Buffer.byteLength(JSON.stringify(a.weightSpecs)) : 0,
    weightDataBytes: weightBytes,
  };
}

/** @internal Writes artifacts as `dir/model.json` + `dir/weights.bin`, atomically (see the file comment). */
export async function saveToDirectory(fn: string, dirPath: string, a: ModelArtifacts): Promise<SaveResult> {
  const dir = path.resolve(dirPath);
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw new Error(`${fn}: '${dirPath}' exists and is not a directory; a model is saved as a directory (model.json + weights.bin)`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await fsp.mkdir(dir, { recursive: true });
  }
  const weights = joinBuffers(a.weightData);
  const modelJSON: Record<string, unknown> = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
  };
  if (a.trainingConfig) modelJSON.trainingConfig = a.trainingConfig;
  modelJSON.weightsManifest = [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }];
  if (a.userDefinedMetadata) modelJSON.userDefinedMetadata = a.userDefinedMetadata;
  const json = Buffer.from(JSON.stringify(modelJSON), 'utf8');

  const tag = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const tmpWeights = path.join(dir, `.weights.bin.${tag}.tmp`);
  const tmpJson = path.join(dir, `.model.json.${tag}.tmp`);
  const oldWeights = path.join(dir, `.weights.bin.${tag}.old`);
  const finalWeights = path.join(dir, 'weights.bin');
  const finalJson = path.join(dir, 'model.json');
  let haveOld = false;
  try {
    await fsOps.writeFile(tmpWeights, weights);
    await fsOps.writeFile(tmpJson, json);
    try {
      await fsp.link(finalWeights, oldWeights);
      haveOld = true;
    } catch {
      // no old weights.bin (or no hard links here): nothing to put back
    }
    await fsOps.rename(tmpWeights, finalWeights);
    try {
      await fsOps.rename(tmpJson, finalJson);
    } catch (e) {
      // Put the old weights back beside the old model.json (or remove the orphaned new ones).
      if (haveOld) {
        await fsp.rename(oldWeights, finalWeights).catch(() => undefined);
        haveOld = false;
      } else {
        await fsp.rm(finalWeights, { force: true }).catch(() => undefined);
      }
      throw e;
    }
  } catch (e) {
    const err = e as Error;
    if (!err.message.startsWith(`${fn}:`)) err.message = `${fn}: saving to '${dirPath}' failed, the previous model (if any) is unchanged: ${err.message}`;
    throw err;
  } finally {
    await Promise.all([tmpWeights, tmpJson, ...(haveOld ? [oldWeights] : [])].map((f) => fsp.rm(f, { force: true }).catch(() => undefined)));
  }
  // Make the renames themselves durable (best effort: not every platform syncs directories).
  try {
    const h = await fsp.open(dir, 'r');
    await h.sync().finally(() => h.close());
  } catch {
    // ignore
  }
  return { modelArtifactsInfo: artifactsInfo(a, weights.byteLength) };
}

/** A shard path must be relative and stay inside the model's directory. */
function shardFile(fn: string, dir: string, p: unknown, where: string): string {
  if (typeof p !== 'string' || p === '' || p.length > 4096 || p.includes('\0')) {
    throw new Error(`${fn}: ${where} must be a non-empty relative path, got ${show(p)}`);
  }
  const escapes = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) || p.startsWith('/') || p.startsWith('\\') || path.isAbsolute(p)
    || p.split(/[\\/]/).includes('..');
  const file = path.resolve(dir, p);
  if (escapes || !file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) {
    throw new Error(`${fn}: ${where} '${p}' is outside the model's directory; shard paths must be relative and must not contain '..'`);
  }
  return file;
}

async function statOrNull(file: string) {
  try {
    return await fsp.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * @internal Reads `model.json` (or `dir/model.json`) and its shards into
 * ModelArtifacts. Every size is checked before the buffer is allocated: the
 * buffer is exactly as large as the shard files, which are exactly as large as
 * the manifest says.
 */
export async function loadFromFile(fn: string, p: string): Promise<ModelArtifacts> {
  let file = path.resolve(p);
  let st = await statOrNull(file);
  if (st?.isDirectory()) {
    file = path.join(file, 'model.json');
    st = await statOrNull(file);
  }
  if (!st) throw new Error(`${fn}: no model at '${p}' (${file} does not exist)`);
  if (!st.isFile()) throw new Error(`${fn}: '${file}' is not a file`);
  if (st.size > MAX_MODEL_JSON_BYTES) throw new Error(`${fn}: '${file}' is ${st.size} bytes; a model.json larger than ${MAX_MODEL_JSON_BYTES} bytes is refused`);
  const text = await fsp.readFile(file, 'utf8');
  if (Buffer.byteLength(text) > MAX_MODEL_JSON_BYTES) throw new Error(`${fn}: '${file}' grew past ${MAX_MODEL_JSON_BYTES} bytes while being read`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fn}: '${file}' is not valid JSON (${(e as Error).message}); is the file truncated?`);
  }
  if (!isDict(json)) throw new Error(`${fn}: '${file}' must hold a JSON object, got ${show(json)}`);
  if (json.modelTopology === undefined || json.modelTopology === null) throw new Error(`${fn}: '${file}' has no modelTopology`);
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new Error(`${fn}: weightsManifest must be an array of {paths, weights} groups, got ${show(manifest)}`);

  const dir = path.dirname(file);
  const names = new Set<string>();
  const seenFiles = new Set<string>();
  const specs: WeightsManifestEntry[] = [];
  const shards: { file: string; size: number }[] = [];
  let total = 0;
  for (let g = 0; g < manifest.length; g++) {
    const group = manifest[g];
    const at = `weightsManifest[${g}]`;
    if (!isDict(group)) throw new Error(`${fn}: ${at} must be an object {paths, weights}, got ${show(group)}`);
    const entries = checkWeightEntries(fn, `${at}.weights`, group.weights, names);
    if (!Array.isArray(group.paths)) throw new Error(`${fn}: ${at}.paths must be an array of shard paths, got ${show(group.paths)}`);
    if (shards.length + group.paths.length > MAX_SHARDS) throw new Error(`${fn}: the manifest lists more than ${MAX_SHARDS} shard files`);
    const need = totalBytes(entries);
    let have = 0;
    for (let k = 0; k < group.paths.length; k++) {
      const rel = group.paths[k];
      const shard = shardFile(fn, dir, rel, `${at}.paths[${k}]`);
      if (seenFiles.has(shard)) throw new Error(`${fn}: shard '${rel}' is listed twice in the manifest`);
      seenFiles.add(shard);
      const s = await statOrNull(shard);
      if (!s) throw new Error(`${fn}: weight shard '${rel}' is missing (expected at ${shard})`);
      if (!s.isFile()) throw new Error(`${fn}: weight shard '${rel}' is not a file`);
      have += s.size;
      shards.push({ file: shard, size: s.size });
    }
    if (have !== need) {
      throw new Error(`${fn}: ${at}: the weights need ${need} bytes but the shard files (${group.paths.join(', ') || 'none'}) hold ${have} bytes (${have < need ? 'truncated' : 'oversized'})`);
    }
    total += need;
    for (const e of entries) {
      const spec: WeightsManifestEntry = { name: e.name, shape: e.shape, dtype: e.dtype };
      if (e.group) spec.group = e.group;
      if (e.quantization) spec.quantization = e.quantization;
      specs.push(spec);
    }
  }

  const data = new Uint8Array(total);
  let offset = 0;
  for (const { file: shard, size } of shards) {
    const h = await fsp.open(shard, 'r');
    try {
      let got = 0;
      while (got < size) {
        const { bytesRead } = await h.read(data, offset + got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== size) throw new Error(`${fn}: weight shard '${path.relative(dir, shard)}' shrank while being read (${got} of ${size} bytes)`);
    } finally {
      await h.close();
    }
    offset += size;
  }
  const out: ModelArtifacts = {
    modelTopology: json.modelTopology as object,
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    weightSpecs: specs,
    weightData: data.buffer,
  };
  if (json.trainingConfig !== undefined) out.trainingConfig = json.trainingConfig as ModelArtifacts['trainingConfig'];
  if (isDict(json.userDefinedMetadata)) out.userDefinedMetadata = json.userDefinedMetadata;
  return out;
}
