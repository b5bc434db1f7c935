// Reads IDX files, the format of MNIST and Fashion-MNIST
// (http://yann.lecun.com/exdb/mnist/, "The IDX file format"), plain or gzipped.
//
// Everything the header claims is checked against the file before the payload
// is allocated: a corrupt, truncated or hostile file gives an Error naming the
// file, never a crash or an allocation larger than the header promises.
import { constants as bufferConstants } from 'node:buffer';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { show, typeError } from '../errors';
import { checkAllocation } from '../limits';
import { MAX_TENSOR_SIZE } from '../tensor';

/** Element types an IDX file can hold. */
export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array each IDX element type is returned as. */
export interface IdxArrayTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Any typed array {@link loadIdx} returns. */
export type IdxTypedArray = IdxArrayTypes[IdxDataType];

/**
 * The contents of an IDX file: its dimensions, element type and values
 * (row-major, converted from the file's big-endian order to native numbers).
 * Checking `dtype` narrows the type of `data`.
 */
export type IdxData = {
  [D in IdxDataType]: {
    /** Dimensions from the header, outermost first; every one is >= 1. */
    shape: number[];
    /** Element type from the header's type code. */
    dtype: D;
    /** The values, in a typed array that owns its buffer. */
    data: IdxArrayTypes[D];
  };
}[IdxDataType];

interface ElementType {
  dtype: IdxDataType;
  bytes: number;
  /** Reinterprets a buffer of big-endian elements as native numbers, in place. */
  decode(buf: ArrayBuffer): IdxTypedArray;
}

/** Rewrites each element from big-endian to native order; element i reads and writes only its own bytes. */
function fromBigEndian<T extends Int16Array | Int32Array | Float32Array | Float64Array>(arr: T, get: (view: DataView, offset: number) => number): T {
  const view = new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
  const step = arr.BYTES_PER_ELEMENT;
  for (let i = 0; i < arr.length; i++) arr[i] = get(view, i * step);
  return arr;
}

const ELEMENT_TYPES: ReadonlyMap<number, ElementType> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1, decode: (b) => new Uint8Array(b) }],
  [0x09, { dtype: 'int8', bytes: 1, decode: (b) => new Int8Array(b) }],
  [0x0b, { dtype: 'int16', bytes: 2, decode: (b) => fromBigEndian(new Int16Array(b), (v, o) => v.getInt16(o)) }],
  [0x0c, { dtype: 'int32', bytes: 4, decode: (b) => fromBigEndian(new Int32Array(b), (v, o) => v.getInt32(o)) }],
  [0x0d, { dtype: 'float32', bytes: 4, decode: (b) => fromBigEndian(new Float32Array(b), (v, o) => v.getFloat32(o)) }],
  [0x0e, { dtype: 'float64', bytes: 8, decode: (b) => fromBigEndian(new Float64Array(b), (v, o) => v.getFloat64(o)) }],
] as [number, ElementType][]);

const SUPPORTED = [...ELEMENT_TYPES].map(([code, t]) => `${hex(code)} ${t.dtype}`).join(', ');

/** Magic (4 bytes) + up to 255 big-endian int32 dimensions. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

/** Most bytes one IDX file may decode to: a Buffer's limit, which is also the zlib output limit. */
const MAX_FILE_BYTES = bufferConstants.MAX_LENGTH;

/** Largest single read; fs rejects longer ones. */
const MAX_READ = 1 << 30;

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** What a validated header promises. */
interface IdxHeader {
  type: ElementType;
  shape: number[];
  headerBytes: number;
  payloadBytes: number;
}

function describe(h: IdxHeader): string {
  return `${h.type.dtype} ${show(h.shape)}`;
}

/**
 * Validates the magic number, type code and dimensions in the first bytes of
 * a file (`head`, at most {@link MAX_HEADER_BYTES} of them; `where` names
 * their source in messages), and that the payload they describe is within the
 * element and byte limits.
 */
function parseHeader(fn: string, file: string, head: Uint8Array, where: string): IdxHeader {
  if (head.length < 4) {
    throw new Error(`${fn}: '${file}' is too short to be an IDX file: ${where} has ${head.length} bytes, the magic number alone takes 4`);
  }
  if (head[0] !== 0 || head[1] !== 0) {
    const magic = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${fn}: '${file}' is not an IDX file: bad magic number ${magic} (expected 00 00 <type> <ndims>)`);
  }
  const type = ELEMENT_TYPES.get(head[2]);
  if (type === undefined) {
    throw new Error(`${fn}: '${file}' has unsupported IDX type code ${hex(head[2])}; supported: ${SUPPORTED}`);
  }
  const ndims = head[3];
  if (ndims === 0) throw new Error(`${fn}: '${file}' declares 0 dimensions; an IDX file needs at least one`);
  const headerBytes = 4 + 4 * ndims;
  if (head.length < headerBytes) {
    throw new Error(`${fn}: '${file}' is truncated: its header declares ${ndims} dimensions (${headerBytes} header bytes) but ${where} has only ${head.length} bytes`);
  }
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getInt32(4 + 4 * i));
  let elements = 1;
  for (let i = 0; i < ndims; i++) {
    if (shape[i] <= 0) {
      throw new Error(`${fn}: '${file}' has dimension ${i} = ${shape[i]} (dims ${show(shape)}); IDX dimensions must be positive`);
    }
    // Each factor is < 2^31 and the running product stays <= 2^31 before it, so this is exact.
    elements *= shape[i];
    if (elements > MAX_TENSOR_SIZE) {
      throw new Error(`${fn}: '${file}' declares dims ${show(shape)}, more than the ${MAX_TENSOR_SIZE} elements a tensor can hold; refusing to load it`);
    }
  }
  const payloadBytes = elements * type.bytes;
  if (headerBytes + payloadBytes > MAX_FILE_BYTES) {
    throw new Error(`${fn}: '${file}' declares ${type.dtype} ${show(shape)}, ${payloadBytes} bytes, more than the ${MAX_FILE_BYTES} a Buffer can hold; refusing to load it`);
  }
  checkAllocation(fn, `'${file}' (${type.dtype} ${show(shape)})`, payloadBytes);
  return { type, shape, headerBytes, payloadBytes };
}

/** Throws unless the payload found (`actual` bytes after the header) is exactly what the header promises. */
function checkPayloadSize(fn: string, file: string, h: IdxHeader, actual: number, where: string): void {
  if (actual === h.payloadBytes) return;
  const problem = actual < h.payloadBytes ? 'is truncated' : `has ${actual - h.payloadBytes} trailing bytes`;
  throw new Error(`${fn}: '${file}' ${problem}: its header (${describe(h)}) promises ${h.payloadBytes} payload bytes after the ${h.headerBytes}-byte header, but ${where} has ${actual}`);
}

function result(h: IdxHeader, payload: ArrayBuffer): IdxData {
  return { shape: h.shape, dtype: h.type.dtype, data: h.type.decode(payload) } as IdxData;
}

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function ioError(fn: string, file: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const reason = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'it is a directory, not a file' : e.message;
  return new Error(`${fn}: cannot read '${file}': ${reason}`, { cause: err });
}

function checkRegularFile(fn: string, file: string, stat: fs.Stats): void {
  if (stat.isDirectory()) throw new Error(`${fn}: cannot read '${file}': it is a directory, not a file`);
  if (!stat.isFile()) throw new Error(`${fn}: cannot read '${file}': not a regular file`);
  if (stat.size > MAX_FILE_BYTES) throw new Error(`${fn}: '${file}' is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} a Buffer can hold`);
}

function gzipError(fn: string, file: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'Z_BUF_ERROR') return new Error(`${fn}: '${file}' is a truncated gzip stream (${e.message})`, { cause: err });
  return new Error(`${fn}: '${file}' is not a valid gzip stream (${e.message})`, { cause: err });
}

function bombError(fn: string, file: string, h: IdxHeader): Error {
  return new Error(`${fn}: '${file}' decompresses to more than the ${h.headerBytes + h.payloadBytes} bytes its header (${describe(h)}) promises (trailing data or a gzip bomb); stopped inflating at that limit`);
}

/** Largest output one header probe may inflate. */
const PROBE_LIMIT = 1 << 16;

/**
 * Inflates just enough of a gzip stream to hold the IDX header (or all of a
 * smaller stream), never more than {@link PROBE_LIMIT} bytes: it inflates
 * growing prefixes of the compressed bytes, flushing what each one yields.
 */
function inflateHead(fn: string, file: string, gz: Uint8Array): Buffer {
  const probe = (n: number): Buffer | undefined => {
    try {
      return zlib.gunzipSync(gz.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: PROBE_LIMIT });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw gzipError(fn, file, err);
    }
  };
  let lo = 0;
  let hi = Math.min(gz.length, 4096);
  for (;;) {
    const out = probe(hi);
    if (out === undefined) break;
    if (out.length >= MAX_HEADER_BYTES || hi === gz.length) return out;
    lo = hi;
    hi = Math.min(gz.length, hi * 2);
  }
  // The prefix of `lo` bytes yields less than a header, the prefix of `hi` bytes
  // more than PROBE_LIMIT: bisect. One compressed byte inflates to at most
  // ~2 KiB (8 codes of 258 bytes), so a prefix in between yields enough.
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const out = probe(mid);
    if (out === undefined) hi = mid;
    else if (out.length >= MAX_HEADER_BYTES) return out;
    else lo = mid;
  }
  throw new Error(`${fn}: '${file}' is not a valid gzip stream (cannot locate the IDX header)`);
}

/** Reads exactly `into.length` bytes at `position`. */
async function readExactly(fn: string, file: string, handle: fs.promises.FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  try {
    while (done < into.length) {
      const { bytesRead } = await handle.read(into, done, Math.min(into.length - done, MAX_READ), position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } catch (err) {
    throw ioError(fn, file, err);
  }
  if (done !== into.length) throw new Error(`${fn}: '${file}' changed size while being read`);
}

/** Synchronous {@link readExactly}. */
function readExactlySync(fn: string, file: string, fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  try {
    while (done < into.length) {
      const bytesRead = fs.readSync(fd, into, done, Math.min(into.length - done, MAX_READ), position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } catch (err) {
    throw ioError(fn, file, err);
  }
  if (done !== into.length) throw new Error(`${fn}: '${file}' changed size while being read`);
}

function checkPath(fn: string, file: unknown): string {
  if (typeof file !== 'string' || file === '') throw typeError(fn, `path must be a non-empty string, got ${show(file)}`);
  if (file.includes('\0')) throw typeError(fn, `path must not contain a NUL character, got ${show(file)}`);
  return file;
}

/** The first bytes of a file, enough for any IDX header. */
function headBuffer(stat: fs.Stats): Uint8Array {
  return new Uint8Array(Math.min(stat.size, MAX_HEADER_BYTES));
}

/** Validates a plain (uncompressed) file's header against its size; returns what to read. */
function plainHeader(fn: string, file: string, head: Uint8Array, fileBytes: number): IdxHeader {
  const h = parseHeader(fn, file, head, 'the file');
  checkPayloadSize(fn, file, h, fileBytes - h.headerBytes, 'the file');
  return h;
}

/** zlib options that stop inflating where the header says the data ends. */
function inflateCap(h: IdxHeader): zlib.ZlibOptions {
  return { maxOutputLength: h.headerBytes + h.payloadBytes };
}

function inflateError(fn: string, file: string, h: IdxHeader, err: unknown): Error {
  return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? bombError(fn, file, h) : gzipError(fn, file, err);
}

/** Checks inflated bytes against the header and copies the payload into its own buffer. */
function fromInflated(fn: string, file: string, h: IdxHeader, inflated: Buffer): IdxData {
  checkPayloadSize(fn, file, h, inflated.length - h.headerBytes, 'the decompressed stream');
  const payload = new ArrayBuffer(h.payloadBytes);
  new Uint8Array(payload).set(inflated.subarray(h.headerBytes));
  return result(h, payload);
}

// readIdx and readIdxSync are the same steps; only the I/O calls differ.

/**
 * @internal Reads a uint8 IDX file as float32 values times `scale`. A gzipped
 * file is converted chunk by chunk as it inflates, so the uint8 copy of the
 * payload never exists in full (Fashion-MNIST's training images: 47 MB saved
 * at peak). Same validation as {@link readIdx}.
 */
export async function readIdxUint8AsFloat32(fn: string, file: string, scale: number): Promise<{ shape: number[]; data: Float32Array }> {
  const handle = await fs.promises.open(file, 'r').catch((err) => {
    throw ioError(fn, file, err);
  });
  try {
    const stat = await handle.stat().catch((err) => {
      throw ioError(fn, file, err);
    });
    checkRegularFile(fn, file, stat);
    const head = headBuffer(stat);
    await readExactly(fn, file, handle, head, 0);
    if (!isGzip(head)) {
      await handle.close();
      const plain = await readIdx(fn, file);
      if (plain.dtype !== 'uint8') throw new Error(`${fn}: '${file}' holds ${plain.dtype} ${show(plain.shape)}; expected uint8`);
      return { shape: plain.shape, data: Float32Array.from(plain.data, (v) => v * scale) };
    }
    const { h, source } = await gzipHeader(fn, file, handle, stat.size);
    if (h.type.dtype !== 'uint8') throw new Error(`${fn}: '${file}' holds ${describe(h)}; expected uint8`);
    checkAllocation(fn, `'${file}' as float32 ${show(h.shape)}`, 4 * h.payloadBytes);
    const data = new Float32Array(h.payloadBytes);
    await inflateInto(fn, file, h, source, (bytes, offset) => {
      for (let i = 0; i < bytes.length; i++) data[offset + i] = bytes[i] * scale;
    });
    return { shape: h.shape, data };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** @internal {@link loadIdx} with errors attributed to the public function `fn`. */
export async function readIdx(fn: string, file: string): Promise<IdxData> {
  let handle: fs.promises.FileHandle;
  let stat: fs.Stats;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    throw ioError(fn, file, err);
  }
  try {
    try {
      stat = await handle.stat();
    } catch (err) {
      throw ioError(fn, file, err);
    }
    checkRegularFile(fn, file, stat);
    const head = headBuffer(stat);
    await readExactly(fn, file, handle, head, 0);
    if (isGzip(head)) {
      const { h, source } = await gzipHeader(fn, file, handle, stat.size);
      return result(h, await inflateInto(fn, file, h, source));
    }
    const h = plainHeader(fn, file, head, stat.size);
    const payload = new ArrayBuffer(h.payloadBytes);
    await readExactly(fn, file, handle, new Uint8Array(payload), h.headerBytes);
    return result(h, payload);
  } finally {
    await handle.close();
  }
}

/** Compressed bytes to inflate: in memory, or a file read piece by piece as it inflates. */
type GzipSource = Uint8Array | { handle: fs.promises.FileHandle; size: number };

/**
 * The header of a gzipped IDX file, inflated from a prefix of it (the whole
 * file only when a gzip header field is longer than that), and where to
 * inflate the payload from: the file itself, read as it inflates, so the
 * compressed bytes are never all in memory (Fashion-MNIST's training images:
 * 26 MB less at peak).
 */
async function gzipHeader(
  fn: string,
  file: string,
  handle: fs.promises.FileHandle,
  size: number,
): Promise<{ h: IdxHeader; source: GzipSource }> {
  let gz = new Uint8Array(Math.min(size, STREAM_CHUNK));
  await readExactly(fn, file, handle, gz, 0);
  let inflated = inflateHead(fn, file, gz);
  if (inflated.length < MAX_HEADER_BYTES && gz.length < size) {
    gz = new Uint8Array(size);
    await readExactly(fn, file, handle, gz, 0);
    inflated = inflateHead(fn, file, gz);
  }
  const h = parseHeader(fn, file, inflated, 'the decompressed stream');
  return { h, source: gz.length === size ? gz : { handle, size } };
}

/**
 * Inflates straight into a payload buffer of the size the header promises,
 * chunk by chunk: no concatenated copy of the whole stream is ever made (that
 * doubled peak memory for the 47 MB Fashion-MNIST images), and a stream that
 * inflates past the promised size stops there (gzip bomb).
 */
function inflateInto(
  fn: string,
  file: string,
  h: IdxHeader,
  gz: GzipSource,
  sink?: (bytes: Uint8Array, offset: number) => void,
): Promise<ArrayBuffer> {
  const payload = new ArrayBuffer(sink ? 0 : h.payloadBytes);
  const out = new Uint8Array(payload);
  const write = sink ?? ((bytes: Uint8Array, offset: number) => out.set(bytes, offset));
  const total = h.headerBytes + h.payloadBytes;
  return new Promise((resolve, reject) => {
    const z = zlib.createGunzip();
    let seen = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      z.destroy();
      reject(err);
    };
    z.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (seen + chunk.length > total) {
        fail(bombError(fn, file, h));
        return;
      }
      const from = Math.max(0, h.headerBytes - seen);
      if (from < chunk.length) write(chunk.subarray(from), seen + from - h.headerBytes);
      seen += chunk.length;
    });
    z.on('error', (err) => fail(inflateError(fn, file, h, err)));
    z.on('end', () => {
      if (failed) return;
      try {
        checkPayloadSize(fn, file, h, seen - h.headerBytes, 'the decompressed stream');
        resolve(payload);
      } catch (err) {
        fail(err as Error);
      }
    });
    if (gz instanceof Uint8Array) {
      z.end(gz);
      return;
    }
    // Feed the file a chunk at a time, waiting whenever zlib's input is full.
    const { handle, size } = gz;
    (async () => {
      for (let pos = 0; pos < size && !failed; pos += STREAM_CHUNK) {
        const chunk = new Uint8Array(Math.min(STREAM_CHUNK, size - pos));
        await readExactly(fn, file, handle, chunk, pos);
        if (failed) return;
        if (!z.write(chunk)) await drained(z);
      }
      if (!failed) z.end();
    })().catch((err) => fail(err as Error));
  });
}

/** Resolves when a writable stream can take more input, or has closed (after a failure). */
function drained(stream: NodeJS.WritableStream & NodeJS.EventEmitter): Promise<void> {
  return new Promise((resume) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resume();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Compressed bytes read (and inflated) at a time. */
const STREAM_CHUNK = 1 << 20;

/** @internal {@link loadIdxSync} with errors attributed to the public function `fn`. */
export function readIdxSync(fn: string, file: string): IdxData {
  let fd: number;
  let stat: fs.Stats;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw ioError(fn, file, err);
  }
  try {
    try {
      stat = fs.fstatSync(fd);
    } catch (err) {
      throw ioError(fn, file, err);
    }
    checkRegularFile(fn, file, stat);
    const head = headBuffer(stat);
    readExactlySync(fn, file, fd, head, 0);
    if (isGzip(head)) {
      const gz = new Uint8Array(stat.size);
      readExactlySync(fn, file, fd, gz, 0);
      const h = parseHeader(fn, file, inflateHead(fn, file, gz), 'the decompressed stream');
      let inflated: Buffer;
      try {
        inflated = zlib.gunzipSync(gz, inflateCap(h));
      } catch (err) {
        throw inflateError(fn, file, h, err);
      }
      return fromInflated(fn, file, h, inflated);
    }
    const h = plainHeader(fn, file, head, stat.size);
    const payload = new ArrayBuffer(h.payloadBytes);
    readExactlySync(fn, file, fd, new Uint8Array(payload), h.headerBytes);
    return result(h, payload);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads an IDX file (plain, or gzipped: detected by the gzip magic bytes, not
 * the name). Supported element types: uint8 (0x08), int8 (0x09), int16 (0x0B),
 * int32 (0x0C), float32 (0x0D) and float64 (0x0E), stored big-endian.
 *
 * The header is validated before the payload is allocated: the magic number,
 * the type code, dimensions >= 1, at most 2^31 - 1 elements, and a payload of
 * exactly dims x element size bytes (a truncated file or trailing bytes are an
 * Error giving the expected and actual byte counts). A gzipped file is never
 * inflated past the size its header promises, so a gzip bomb cannot allocate
 * more than that.
 *
 * @param path the file to read.
 * @returns its shape, dtype and values (uint8 as a Uint8Array, int8 as an
 *   Int8Array, ..., float64 as a Float64Array).
 * @throws TypeError when `path` is not a non-empty string; Error naming the
 *   file when it cannot be read or is not a valid IDX file.
 */
export async function loadIdx(path: string): Promise<IdxData> {
  const fn = 'loadIdx';
  return readIdx(fn, checkPath(fn, path));
}

/**
 * Synchronous {@link loadIdx}: same validation and result, but blocks the
 * event loop while reading and inflating. Prefer {@link loadIdx} in servers.
 */
export function loadIdxSync(path: string): IdxData {
  const fn = 'loadIdxSync';
  return readIdxSync(fn, checkPath(fn, path));
}
