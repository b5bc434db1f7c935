#!/usr/bin/env node
// Writes the Fashion-MNIST subset bundled in data/fashion-mnist/: the first
// 10,000 training and the first 2,000 test examples of the full dataset, as
// gzipped IDX files with the original names. The output is deterministic
// (Node's gzip header has no timestamp), so re-running it reproduces the
// committed files byte for byte.
//
//   node scripts/make-fashion-mnist-subset.mjs [sourceDir] [outDir]
//
// sourceDir defaults to /usr/share/datasets/fashion-mnist (Debian's
// dataset-fashion-mnist package); outDir to data/fashion-mnist.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const sourceDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const outDir = process.argv[3] ?? path.join(root, 'data', 'fashion-mnist');

const SUBSETS = [
  { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', count: 10_000 },
  { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz', count: 2_000 },
];

/** Reads a gzipped uint8 IDX file and returns its header dims and payload. */
function readIdxU8(file) {
  const bytes = zlib.gunzipSync(fs.readFileSync(file));
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error(`${file}: not a uint8 IDX file`);
  const ndims = bytes[3];
  const dims = Array.from({ length: ndims }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const header = 4 + 4 * ndims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) throw new Error(`${file}: expected ${header + size} bytes, got ${bytes.length}`);
  return { dims, payload: bytes.subarray(header) };
}

/** The first `count` items (along dim 0) of a uint8 IDX file, re-encoded. */
function firstItems({ dims, payload }, count) {
  if (dims[0] < count) throw new Error(`only ${dims[0]} items, cannot take ${count}`);
  const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const outDims = [count, ...dims.slice(1)];
  const header = Buffer.alloc(4 + 4 * outDims.length);
  header[2] = 0x08;
  header[3] = outDims.length;
  outDims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload.subarray(0, count * itemSize)]);
}

fs.mkdirSync(outDir, { recursive: true });
let total = 0;
for (const { images, labels, count } of SUBSETS) {
  const x = readIdxU8(path.join(sourceDir, images));
  const y = readIdxU8(path.join(sourceDir, labels));
  if (x.dims[0] !== y.dims[0]) throw new Error(`${images} has ${x.dims[0]} images but ${labels} has ${y.dims[0]} labels`);
  for (const [name, idx] of [[images, x], [labels, y]]) {
    const gz = zlib.gzipSync(firstItems(idx, count), { level: 9, memLevel: 9 });
    fs.writeFileSync(path.join(outDir, name), gz);
    total += gz.length;
    console.log(`${name}: ${count} items, ${gz.length} bytes`);
  }
}
console.log(`total ${total} bytes in ${outDir}`);
