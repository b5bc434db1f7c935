// Trial persistence in the search directory. JSON files, not SQLite: Node 18
// and 20 have no built-in SQLite (node:sqlite arrived in 22), a native SQLite
// dependency would add a second addon to build and ship, and a few hundred
// small records need no query engine. One file per trial, each written
// atomically (temp file, fsync, rename), is crash-safe by construction: a trial
// file either holds a whole record or does not exist, and a crash can at worst
// leave a stray temp file, which is removed on the next open.
//
//   <directory>/tuner.json                 index: format, strategy and its settings,
//                                          objective, time spent, one line per trial
//   <directory>/trials/trial_0007.json     trial 7's record (source of truth)
//   <directory>/trials/trial_0007.best.bin its weights at its best epoch (best trials only)
//   <directory>/trials/trial_0007.ckpt.bin final weights + optimizer state (Hyperband, until promoted)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { show } from '../errors';
import type { HPSpec } from './hyperparameters';
import { TRIAL_STATUSES, Objective, TrialRecord } from './trial';

const FORMAT = 'tensorforge-tuner';
const VERSION = 1;
const MAGIC = 'TFTUNER1';
const TRIAL_FILE = /^trial_(\d{4,})\.json$/;
const WEIGHT_FILE = /^trial_(\d{4,})\.(best|ckpt)\.bin$/;

/** What must match for a directory to be resumed. */
export interface SearchHeader {
  strategy: string;
  config: Record<string, unknown>;
  objective: Objective;
}

/** A weights file's content: tensors (shape + values) and optionally optimizer state. */
export interface WeightsBlob {
  tensors: { shape: number[]; values: Float32Array }[];
  optimizer?: { iterations: number; nadamMomentumProduct: number; slots: Float32Array[] } | null;
}

export type WeightsKind = 'best' | 'ckpt';

interface IndexFile {
  format: string;
  version: number;
  strategy: string;
  config: Record<string, unknown>;
  objective: Objective;
  inputShape: number[] | null;
  /** Hyperparameter definitions seen so far (for reports after a reload). */
  space: HPSpec[];
  elapsedSeconds: number;
  created: string;
  updated: string;
  trials: { id: number; status: string; score: number | null }[];
}

/** Trials and weights of one search, on disk (or in memory when directory is null). */
export class TrialStorage {
  /** Per-sample input shape of the data (to rebuild models). */
  inputShape: number[] | null = null;
  /** Hyperparameter definitions stored with the search. */
  space: HPSpec[] = [];
  /** Seconds spent searching in earlier sessions. */
  elapsedSeconds = 0;
  private created = new Date().toISOString();
  private readonly memory = new Map<string, WeightsBlob>();

  constructor(readonly directory: string | null, private readonly header: SearchHeader) {}

  private get trialsDir(): string {
    return path.join(this.directory!, 'trials');
  }

  private fileOf(id: number, kind?: WeightsKind): string {
    const base = `trial_${String(id).padStart(4, '0')}`;
    return kind ? `${base}.${kind}.bin` : `${base}.json`;
  }

  /**
   * Opens the directory: creates it, or validates and loads what is there.
   * With `overwrite`, an earlier search's files are deleted first.
   */
  open(overwrite: boolean): TrialRecord[] {
    const dir = this.directory;
    if (dir === null) return [];
    const indexPath = path.join(dir, 'tuner.json');
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new Error(`tuner: '${dir}' exists and is not a directory`);
      const hasIndex = fs.existsSync(indexPath);
      const entries = fs.readdirSync(dir);
      if (!hasIndex && entries.length > 0 && !(entries.length === 1 && entries[0] === 'trials' && this.trialEntries().length === 0)) {
        throw new Error(`tuner: directory '${dir}' is not empty and has no tuner.json, so it is not a tensorforge search directory; choose a new or empty directory`);
      }
      if (hasIndex) this.readIndex(indexPath, !overwrite);
      if (overwrite) {
        for (const f of this.trialEntries()) fs.rmSync(path.join(this.trialsDir, f), { force: true });
        fs.rmSync(indexPath, { force: true });
        this.elapsedSeconds = 0;
        this.inputShape = null;
        this.space = [];
        this.created = new Date().toISOString();
      }
    }
    fs.mkdirSync(this.trialsDir, { recursive: true });
    const trials: TrialRecord[] = [];
    for (const f of this.trialEntries()) {
      const m = TRIAL_FILE.exec(f);
      if (m) trials.push(this.readTrial(path.join(this.trialsDir, f), Number(m[1])));
    }
    trials.sort((a, b) => a.id - b.id);
    return trials;
  }

  /** Files in trials/, after removing temp files a crash left; anything unexpected is an error. */
  private trialEntries(): string[] {
    const d = this.trialsDir;
    if (!fs.existsSync(d)) return [];
    const out: string[] = [];
    for (const f of fs.readdirSync(d)) {
      if (f.endsWith('.tmp')) {
        fs.rmSync(path.join(d, f), { force: true });
        continue;
      }
      if (!TRIAL_FILE.test(f) && !WEIGHT_FILE.test(f)) {
        throw new Error(`tuner: unexpected file '${path.join(d, f)}' in the search directory (expected trial_NNNN.json / .best.bin / .ckpt.bin); move it elsewhere`);
      }
      out.push(f);
    }
    return out;
  }

  private readIndex(indexPath: string, resume: boolean): void {
    let idx: IndexFile;
    try {
      idx = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
    } catch (e) {
      throw new Error(`tuner: '${indexPath}' is corrupt (${(e as Error).message}); delete the directory or pass overwrite: true`);
    }
    if (idx === null || typeof idx !== 'object' || idx.format !== FORMAT) {
      throw new Error(`tuner: '${indexPath}' is not a tensorforge search index (format ${show((idx as IndexFile | null)?.format)}); choose another directory`);
    }
    if (idx.version !== VERSION) throw new Error(`tuner: '${indexPath}' has version ${show(idx.version)}; this tensorforge reads version ${VERSION}`);
    if (!resume) return;
    const h = this.header;
    const mismatch: string[] = [];
    if (idx.strategy !== h.strategy) mismatch.push(`strategy ${show(idx.strategy)} (now ${show(h.strategy)})`);
    if (JSON.stringify(idx.objective) !== JSON.stringify(h.objective)) mismatch.push(`objective ${JSON.stringify(idx.objective)} (now ${JSON.stringify(h.objective)})`);
    for (const k of new Set([...Object.keys(idx.config ?? {}), ...Object.keys(h.config)])) {
      if (JSON.stringify(idx.config?.[k]) !== JSON.stringify(h.config[k])) mismatch.push(`${k} ${JSON.stringify(idx.config?.[k])} (now ${JSON.stringify(h.config[k])})`);
    }
    if (mismatch.length) {
      throw new Error(`tuner: '${this.directory}' holds a search with ${mismatch.join(', ')}; resume it with the same settings, or pass overwrite: true, or use another directory`);
    }
    if (!Array.isArray(idx.trials)) throw new Error(`tuner: '${indexPath}' is corrupt (no trial list)`);
    this.inputShape = Array.isArray(idx.inputShape) ? idx.inputShape : null;
    this.space = Array.isArray(idx.space) ? idx.space.filter((x) => x && typeof x === 'object' && typeof x.name === 'string' && typeof x.kind === 'string') : [];
    this.elapsedSeconds = typeof idx.elapsedSeconds === 'number' ? idx.elapsedSeconds : 0;
    this.created = typeof idx.created === 'string' ? idx.created : this.created;
    for (const t of idx.trials) {
      if (t && t.status !== 'running' && !fs.existsSync(path.join(this.trialsDir, this.fileOf(t.id)))) {
        throw new Error(`tuner: '${indexPath}' lists trial ${t.id} as ${t.status}, but its file ${this.fileOf(t.id)} is missing; the directory is damaged`);
      }
    }
  }

  private readTrial(file: string, id: number): TrialRecord {
    let r: TrialRecord;
    try {
      r = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`tuner: trial file '${file}' is corrupt (${(e as Error).message}); delete it to rerun that trial`);
    }
    const bad = (what: string) => new Error(`tuner: trial file '${file}' is not a valid trial record (${what}); delete it to rerun that trial`);
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw bad('not an object');
    if (r.id !== id) throw bad(`id ${show(r.id)} does not match the file name`);
    if (!TRIAL_STATUSES.includes(r.status)) throw bad(`status ${show(r.status)}`);
    if (r.values === null || typeof r.values !== 'object' || Object.values(r.values).some((v) => !['number', 'string', 'boolean'].includes(typeof v))) throw bad('values');
    if (r.score !== null && typeof r.score !== 'number') throw bad(`score ${show(r.score)}`);
    for (const k of ['initialEpoch', 'epochs'] as const) if (!Number.isInteger(r[k]) || r[k] < 0) throw bad(`${k} ${show(r[k])}`);
    if (r.metrics === null || typeof r.metrics !== 'object') throw bad('metrics');
    for (const [k, v] of Object.entries(r.metrics)) {
      if (!Array.isArray(v) || v.some((x) => x !== null && typeof x !== 'number')) throw bad(`metrics.${k}`);
      r.metrics[k] = v.map((x) => (x === null ? NaN : x));
    }
    if (r.meta === null || typeof r.meta !== 'object') throw bad('meta');
    if (typeof r.duration !== 'number' || typeof r.searchTime !== 'number') throw bad('duration');
    return r;
  }

  /** Writes a trial's record atomically. */
  writeTrial(r: TrialRecord): void {
    if (this.directory === null) return;
    const json = JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
    atomicWrite(path.join(this.trialsDir, this.fileOf(r.id)), json);
  }

  /** Rewrites tuner.json from the trials. */
  writeIndex(trials: Iterable<TrialRecord>, elapsedSeconds: number, space: HPSpec[]): void {
    this.elapsedSeconds = elapsedSeconds;
    this.space = space;
    if (this.directory === null) return;
    const idx: IndexFile = {
      format: FORMAT, version: VERSION, strategy: this.header.strategy, config: this.header.config, objective: this.header.objective,
      inputShape: this.inputShape, space: this.space, elapsedSeconds, created: this.created, updated: new Date().toISOString(),
      trials: [...trials].map((t) => ({ id: t.id, status: t.status, score: t.score !== null && Number.isFinite(t.score) ? t.score : null })),
    };
    atomicWrite(path.join(this.directory, 'tuner.json'), JSON.stringify(idx, null, 1));
  }

  /** Whether a trial's weights of this kind are stored. */
  hasWeights(id: number, kind: WeightsKind): boolean {
    if (this.directory === null) return this.memory.has(`${id}.${kind}`);
    return fs.existsSync(path.join(this.trialsDir, this.fileOf(id, kind)));
  }

  saveWeights(id: number, kind: WeightsKind, blob: WeightsBlob): void {
    if (this.directory === null) {
      this.memory.set(`${id}.${kind}`, blob);
      return;
    }
    atomicWrite(path.join(this.trialsDir, this.fileOf(id, kind)), encodeWeights(blob));
  }

  loadWeights(id: number, kind: WeightsKind): WeightsBlob {
    if (this.directory === null) {
      const b = this.memory.get(`${id}.${kind}`);
      if (!b) throw new Error(`tuner: trial ${id} has no stored ${kind === 'best' ? 'weights' : 'checkpoint'}`);
      return b;
    }
    const file = path.join(this.trialsDir, this.fileOf(id, kind));
    if (!fs.existsSync(file)) throw new Error(`tuner: trial ${id} has no stored ${kind === 'best' ? 'weights' : 'checkpoint'} (${file})`);
    return decodeWeights(file, fs.readFileSync(file));
  }

  dropWeights(id: number, kind: WeightsKind): void {
    if (this.directory === null) this.memory.delete(`${id}.${kind}`);
    else fs.rmSync(path.join(this.trialsDir, this.fileOf(id, kind)), { force: true });
  }
}

function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** MAGIC, u32 header length, header JSON, zero padding to 4 bytes, float32 little-endian data. */
export function encodeWeights(b: WeightsBlob): Uint8Array {
  const arrays = [...b.tensors.map((t) => t.values), ...(b.optimizer?.slots ?? [])];
  const header = Buffer.from(JSON.stringify({
    tensors: b.tensors.map((t) => t.shape),
    optimizer: b.optimizer ? { iterations: b.optimizer.iterations, nadamMomentumProduct: b.optimizer.nadamMomentumProduct, slots: b.optimizer.slots.map((s) => s.length) } : null,
  }), 'utf8');
  const start = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4;
  const total = start + arrays.reduce((a, x) => a + x.length * 4, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  let off = start;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, off);
    off += a.byteLength;
  }
  return out;
}

/** @internal The inverse of {@link encodeWeights}; `file` names the source in errors. */
export function decodeWeights(file: string, buf: Buffer): WeightsBlob {
  const bad = (what: string) => new Error(`tuner: weights file '${file}' is corrupt (${what})`);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('bad magic');
  const hlen = buf.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + hlen > buf.length) throw bad('header length');
  let h: { tensors: number[][]; optimizer: { iterations: number; nadamMomentumProduct: number; slots: number[] } | null };
  try {
    h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen));
  } catch (e) {
    throw bad((e as Error).message);
  }
  const isSize = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
  if (!Array.isArray(h?.tensors) || h.tensors.some((s) => !Array.isArray(s) || !s.every(isSize))) throw bad('tensor shapes');
  if (h.optimizer && (!Array.isArray(h.optimizer.slots) || !h.optimizer.slots.every(isSize))) throw bad('optimizer slots');
  const sizes = [...h.tensors.map((s) => s.reduce((a, b) => a * b, 1)), ...(h.optimizer?.slots ?? [])];
  const start = Math.ceil((MAGIC.length + 4 + hlen) / 4) * 4;
  const expected = start + sizes.reduce((a, b) => a + b * 4, 0);
  if (expected !== buf.length) throw bad(`${buf.length} bytes, the header promises ${expected}`);
  let off = start;
  const arrays = sizes.map((n) => {
    const a = new Float32Array(n);
    Buffer.from(a.buffer).set(buf.subarray(off, off + n * 4));
    off += n * 4;
    return a;
  });
  return {
    tensors: h.tensors.map((shape, i) => ({ shape, values: arrays[i] })),
    optimizer: h.optimizer ? { iterations: h.optimizer.iterations, nadamMomentumProduct: h.optimizer.nadamMomentumProduct, slots: arrays.slice(h.tensors.length) } : null,
  };
}
