// Node-side benchmark server: same line protocol as raw_sgemm.cc, so the
// harness (index.ts) can alternate tensorforge, TensorFlow.js and raw BLAS run
// by run, each in its own process (no two BLAS thread pools share a process,
// and the harness itself is idle while a system is being timed).
//
//   node --import tsx bench/matmul/server.ts tf        tensorforge (src/ via tsx)
//   node --import tsx bench/matmul/server.ts tf-dispose  the same, disposing each output
//       before the next product, as the tfjs systems below do: the next output reuses it
//   node --import tsx bench/matmul/server.ts tf-prealloc  the addon's internal matMul with a
//       reused output buffer: tensorforge minus the JS wrapper and the output allocation
//   node --import tsx bench/matmul/server.ts tf-ring  the same, writing each call into the next
//       of a ring of outputs spanning 64 MB (about what V8 lets die between two garbage
//       collections): the cost of writing to memory that is not in cache, without allocating
//   node --import tsx bench/matmul/server.ts tfjs      @tensorflow/tfjs, cpu backend
//   node --import tsx bench/matmul/server.ts tfjs-wasm @tensorflow/tfjs-backend-wasm
//
// Environment:
//   TF_BENCH_ADDON=/path/tensorforge.node  load this addon instead of the
//       default one (e.g. a private build against another BLAS); the public
//       matMul from src/ is used either way.
//   TF_BENCH_DIST=1  import tensorforge from dist/cjs instead of src/.
import * as path from 'node:path';
import * as readline from 'node:readline';
import { ROOT } from '../lib/util';

// Must match fill() in raw_sgemm.cc.
export function fill(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 2654435761) + Math.imul(seed, 40503)) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
    v[i] = (x % 2001) / 1000 - 1;
  }
  return v;
}

interface Impl {
  info(): Promise<string>;
  /** Prepares inputs and returns a function doing one product, plus a checksum source. */
  prep(M: number, N: number, K: number, ta: boolean, tb: boolean, threads: number): Promise<{
    call: () => void;
    checksum: () => number;
    release: () => void;
  }>;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** RING_BYTES of output buffers for tf-ring. */
const RING_BYTES = 64 * 2 ** 20;

/**
 * How the tensorforge systems call matMul: the public call with a new output
 * each time ('new') or disposing the previous one first ('dispose'), or the
 * binding into one output ('reused') or a 64 MB ring of them ('ring').
 */
type TfMode = 'new' | 'dispose' | 'reused' | 'ring';
const TF_MODES: Record<string, TfMode> = { tf: 'new', 'tf-dispose': 'dispose', 'tf-prealloc': 'reused', 'tf-ring': 'ring' };

function loadTensorforge(mode: TfMode): Impl {
  const addon = process.env.TF_BENCH_ADDON;
  if (addon) {
    // src/native.ts honours TENSORFORGE_ADDON where present; the shim below
    // covers versions that only go through node-gyp-build.
    process.env.TENSORFORGE_ADDON = path.resolve(addon);
    // Bench-only shim: src/native.ts loads the addon through node-gyp-build;
    // hand it the requested binary instead.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('node:module');
    const orig = Module._load;
    Module._load = function (request: string, ...rest: unknown[]) {
      if (request === 'node-gyp-build') return () => orig.call(this, path.resolve(addon), ...rest);
      return orig.call(this, request, ...rest);
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require(process.env.TF_BENCH_DIST ? path.join(ROOT, 'dist', 'cjs', 'index.js') : path.join(ROOT, 'src', 'index'));
  if (mode === 'reused' || mode === 'ring') {
    // Internal surface (may change with the binding): (a, b, out, batch, M, N, K, transA, transB).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { native } = require(process.env.TF_BENCH_DIST ? path.join(ROOT, 'dist', 'cjs', 'native.js') : path.join(ROOT, 'src', 'native'));
    return {
      async info() {
        const b = tf.backendInfo();
        return `tensorforge-binding ${b.blas} ${b.blasVersion}/${b.blasConfig}`;
      },
      async prep(M, N, K, ta, tb, threads) {
        tf.setNumThreads(threads);
        const a = fill(M * K, 1);
        const b = fill(K * N, 2);
        // At most 4096 outputs: for tiny products the ring is then smaller
        // than 64 MB, which only matters where the output is not the cost.
        const count = mode === 'ring' ? Math.min(4096, Math.max(1, Math.ceil(RING_BYTES / (4 * M * N)))) : 1;
        const outs = Array.from({ length: count }, () => new Float32Array(M * N));
        let i = 0;
        const call = () => {
          native.matMul(a, b, outs[i], 1, M, N, K, ta, tb);
          i = i + 1 === count ? 0 : i + 1;
        };
        for (let j = 0; j < count; j++) call();
        return { call, checksum: () => sum(outs[0]), release: () => {} };
      },
    };
  }
  return {
    async info() {
      const b = tf.backendInfo();
      return `tensorforge ${b.blas} ${b.blasVersion}/${b.blasConfig}`;
    },
    async prep(M, N, K, ta, tb, threads) {
      tf.setNumThreads(threads);
      const a = new tf.Tensor(fill(M * K, 1), ta ? [K, M] : [M, K], 'float32');
      const b = new tf.Tensor(fill(K * N, 2), tb ? [N, K] : [K, N], 'float32');
      let last = tf.matMul(a, b, ta, tb);
      return {
        call: mode === 'dispose'
          ? () => {
              last.dispose();
              last = tf.matMul(a, b, ta, tb);
            }
          : () => {
              last = tf.matMul(a, b, ta, tb);
            },
        checksum: () => sum(last.dataSync()),
        release: () => {},
      };
    },
  };
}

async function loadTfjs(backend: 'cpu' | 'wasm'): Promise<Impl> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tfjs = require('@tensorflow/tfjs');
  if (backend === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
  }
  await tfjs.setBackend(backend);
  await tfjs.ready();
  return {
    async info() {
      return `tfjs ${tfjs.version.tfjs} ${tfjs.getBackend()}`;
    },
    async prep(M, N, K, ta, tb) {
      const a = tfjs.tensor2d(fill(M * K, 1), ta ? [K, M] : [M, K]);
      const b = tfjs.tensor2d(fill(K * N, 2), tb ? [N, K] : [K, N]);
      let last = tfjs.matMul(a, b, ta, tb);
      return {
        call: () => {
          last.dispose();
          last = tfjs.matMul(a, b, ta, tb);
        },
        checksum: () => sum(last.dataSync()),
        release: () => {
          last.dispose();
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

async function main() {
  const kind = process.argv[2];
  // tfjs prints a "use tfjs-node" banner on stdout; keep stdout for the protocol.
  const out = process.stdout.write.bind(process.stdout);
  console.log = (...a: unknown[]) => process.stderr.write(a.join(' ') + '\n');
  console.warn = console.log;
  const impl =
    Object.hasOwn(TF_MODES, kind) ? loadTensorforge(TF_MODES[kind]) : kind === 'tfjs' ? await loadTfjs('cpu') : kind === 'tfjs-wasm' ? await loadTfjs('wasm') : null;
  if (!impl) throw new Error(`unknown system ${kind}`);
  let cur: Awaited<ReturnType<Impl['prep']>> | null = null;
  let reps = 1;
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, ...args] = line.trim().split(/\s+/);
    if (cmd === 'quit') break;
    if (cmd === 'info') {
      out(`info ${(await impl.info()).replace(/\n/g, ' ')}\n`);
    } else if (cmd === 'prep') {
      cur?.release();
      const [M, N, K, ta, tb, threads] = args.slice(0, 6).map(Number);
      const minT = Number(args[6]);
      cur = await impl.prep(M, N, K, ta !== 0, tb !== 0, threads);
      const cs = cur.checksum();
      let n = 1;
      let t: number;
      for (;;) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) cur.call();
        t = (performance.now() - t0) / 1e3 / n;
        if (t * n >= 0.01 || n >= 1 << 24) break;
        n *= 4;
      }
      reps = Math.max(1, Math.round(minT / t));
      out(`ok ${cs} ${reps} ${t}\n`);
    } else if (cmd === 'run') {
      if (!cur) {
        out('error run before prep\n');
        continue;
      }
      const c = cur.call;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) c();
      out(`t ${(performance.now() - t0) / 1e3 / reps}\n`);
    } else {
      out(`error unknown command ${cmd}\n`);
    }
  }
  cur?.release();
  process.exit(0);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
