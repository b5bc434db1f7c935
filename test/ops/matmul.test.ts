import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';

function refMatMul(a: Float32Array, b: Float32Array, M: number, N: number, K: number, ta: boolean, tb: boolean): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (ta ? a[k * M + i] : a[i * K + k]) * (tb ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = s;
    }
  return out;
}

describe('matMul', () => {
  const r = new Random(7);
  // Tolerance: float32 accumulation over K terms of magnitude <= 1.
  for (const [M, N, K] of [[1, 1, 1], [2, 3, 4], [17, 9, 33], [64, 10, 784], [5, 0, 3], [0, 4, 2], [3, 4, 0]]) {
    for (const ta of [false, true]) for (const tb of [false, true]) {
      it(`[${M},${K}]${ta ? 'ᵀ' : ''} x [${K},${N}]${tb ? 'ᵀ' : ''}`, () => {
        const a = tf.tensor(Float32Array.from({ length: M * K }, () => r.uniform() * 2 - 1), ta ? [K, M] : [M, K]);
        const b = tf.tensor(Float32Array.from({ length: K * N }, () => r.uniform() * 2 - 1), tb ? [N, K] : [K, N]);
        const c = tf.matMul(a, b, ta, tb);
        expect(c.shape).toEqual([M, N]);
        const ref = refMatMul(a.values as Float32Array, b.values as Float32Array, M, N, K, ta, tb);
        c.dataSync().forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
      });
    }
  }

  it('batches rank-3 tensors', () => {
    const a = tf.randomUniform([3, 4, 5], -1, 1, 'float32', 1);
    const b = tf.randomUniform([3, 5, 2], -1, 1, 'float32', 2);
    const c = tf.matMul(a, b);
    expect(c.shape).toEqual([3, 4, 2]);
    for (let i = 0; i < 3; i++) {
      const ref = refMatMul(a.values.subarray(i * 20, i * 20 + 20) as Float32Array, b.values.subarray(i * 10, i * 10 + 10) as Float32Array, 4, 2, 5, false, false);
      for (let j = 0; j < 8; j++) expect(c.dataSync()[i * 8 + j]).toBeCloseTo(ref[j], 5);
    }
  });

  it('gives every output its own buffer, also when Buffer.poolSize is raised', () => {
    const saved = Buffer.poolSize;
    try {
      for (const pool of [saved, 1 << 20]) {
        Buffer.poolSize = pool;
        for (const n of [8, 32, 64, 128]) {
          const a = tf.randomUniform([n, n], -1, 1, 'float32', 3);
          const c1 = tf.matMul(a, a).dataSync();
          const c2 = tf.matMul(a, a).dataSync();
          expect(c1.byteOffset, `n=${n}, poolSize ${pool}`).toBe(0);
          expect(c1.buffer.byteLength, `n=${n}, poolSize ${pool}`).toBe(n * n * 4);
          expect(c1.buffer).not.toBe(c2.buffer);
          const ref = refMatMul(a.values as Float32Array, a.values as Float32Array, n, n, n, false, false);
          c2.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
        }
      }
    } finally {
      Buffer.poolSize = saved;
    }
  });

  it('rejects shapes that do not multiply', () => {
    expect(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(RangeError);
    expect(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow('matMul: inner dimensions differ: [2,3] x [4,5] (3 vs 4)');
    expect(() => tf.matMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5]))).toThrow('matMul: batch dimensions differ');
    expect(() => tf.matMul(tf.zeros([2]), tf.zeros([2]))).toThrow(/rank-2 or two rank-3/);
  });

  it('rejects non-tensors and int32', () => {
    expect(() => tf.matMul([[1]] as never, tf.zeros([1, 1]))).toThrow(TypeError);
    expect(() => tf.matMul(tf.zeros([1, 1], 'int32'), tf.zeros([1, 1]))).toThrow('matMul: needs float32 tensors, got int32 and float32');
    expect(() => tf.matMul(tf.zeros([1, 1]), tf.zeros([1, 1]), 1 as never)).toThrow(TypeError);
  });
});

describe('backend', () => {
  it('reports the BLAS and threads', () => {
    const info = tf.backendInfo();
    expect(typeof info.blas).toBe('string');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.napiVersion).toBeGreaterThanOrEqual(8);
    expect(['avx512', 'avx2', 'sse2', 'neon', 'scalar']).toContain(info.simd);
    expect(['avx512', 'avx2', 'sse2', 'neon', 'scalar']).toContain(info.compiledSimd);
  });
  it('reports the SIMD its kernels use on this CPU (Linux x86-64: from /proc/cpuinfo)', () => {
    const info = tf.backendInfo();
    if (process.platform !== 'linux' || process.arch !== 'x64') return void expect(info.simd).toBe(info.compiledSimd);
    const flags = new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    // The sanitizer build compiles neither the AVX-512 kernel nor the clones.
    const sanitized = !!process.env.TENSORFORGE_ADDON && /asan/.test(process.env.LD_PRELOAD ?? '');
    if (sanitized || !flags.has('avx2')) return void expect(info.simd).toBe(info.compiledSimd);
    if (flags.has('avx512f')) return void expect(info.simd).toBe('avx512');
    // The AVX2+FMA clones are a GCC feature: a clang build stays at its baseline here.
    expect([flags.has('fma') ? 'avx2' : info.compiledSimd, info.compiledSimd]).toContain(info.simd);
  });
  it('sets and gets threads', () => {
    const before = tf.getNumThreads();
    tf.setNumThreads(1);
    expect(tf.getNumThreads()).toBe(1);
    tf.setNumThreads(before);
    expect(() => tf.setNumThreads(0)).toThrow(RangeError);
    expect(() => tf.setNumThreads(1.5)).toThrow('setNumThreads: n must be an integer, got 1.5');
  });
});

// Issue 17: every GEMM path (tensorforge's AVX-512 kernel unpacked and
// packed, the BLAS) through the public matMul, against float64 with the
// float32 rounding bound (K+1 roundings of 2^-24 relative to sum |a b|).
describe('GEMM paths', () => {
  const avx512 = process.platform === 'linux' && process.arch === 'x64' &&
    ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/)).has(f));

  // A BLAS on AVX-512 kernels of its own keeps every product (gemm.h).
  const blasAvx512 = /skylakex|cooperlake|sapphirerapids|skx|knl|zen4|zen5/i.test(tf.backendInfo().blasConfig);

  function check(M: number, N: number, K: number, ta: boolean, tb: boolean, seed: number): Float32Array {
    const a = tf.randomUniform(ta ? [K, M] : [M, K], -1, 1, 'float32', seed);
    const b = tf.randomUniform(tb ? [N, K] : [K, N], -1, 1, 'float32', seed + 1);
    const c = tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
    const av = a.values as Float32Array, bv = b.values as Float32Array;
    let worst = 0;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0, mag = 0;
        for (let k = 0; k < K; k++) {
          const p = (ta ? av[k * M + i] : av[i * K + k]) * (tb ? bv[j * K + k] : bv[k * N + j]);
          s += p;
          mag += Math.abs(p);
        }
        worst = Math.max(worst, Math.abs(c[i * N + j] - s) / ((K + 1) * 2 ** -24 * mag + 1e-30));
      }
    expect(worst).toBeLessThanOrEqual(1);
    return c;
  }

  it('reports a path for every shape class; AVX-512 CPUs use the AVX-512 kernel', () => {
    const paths = tf.backendInfo().gemmPaths;
    const values = Object.values(paths);
    expect(values.length).toBe(7);
    for (const p of values) expect(['avx512-direct', 'avx512-packed', 'blas']).toContain(p);
    const sanitized = !!process.env.TENSORFORGE_ADDON && /asan/.test(process.env.LD_PRELOAD ?? '');
    if (avx512 && !blasAvx512 && !process.env.TENSORFORGE_GEMM && !sanitized) {
      expect(values).toContain('avx512-direct');
      expect(values).toContain('avx512-packed');
    }
    if (!avx512 || blasAvx512 || process.env.TENSORFORGE_GEMM === 'blas') expect(new Set(values)).toEqual(new Set(['blas']));
  });

  // Shapes of each class: batch 1, odd sizes around the 14 x 32 tile, the
  // seed model (batch 32, unpacked) and the large MLP (batch 256, packed), a
  // transposed B under 32 columns (BLAS).
  const shapes: [number, number, number][] = [[1, 512, 784], [1, 10, 33], [15, 33, 257], [32, 64, 784], [784, 64, 32], [32, 10, 64],
    [256, 512, 784], [512, 512, 256], [256, 512, 10], [141, 129, 300], [256, 10, 512]];
  for (const [M, N, K] of shapes)
    for (const ta of [false, true]) for (const tb of [false, true])
      it(`${M}x${N}x${K}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''} within the float32 bound of float64`, () => void check(M, N, K, ta, tb, M + N + K));

  it('gives bit-identical products on 1 and 2 threads (AVX-512 kernel: each element summed on one thread)', () => {
    if (!avx512 || blasAvx512 || process.env.TENSORFORGE_GEMM) return;
    const before = tf.getNumThreads();
    try {
      // 128 rows: unpacked on two threads, packed on one (gemm.cc, kDirectRowsOneThread).
      for (const [M, N, K, ta, tb] of [[256, 512, 784, false, false], [784, 512, 256, true, false], [256, 512, 512, false, true],
        [128, 512, 784, false, false], [100, 300, 257, true, false]] as const) {
        tf.setNumThreads(1);
        const one = check(M, N, K, ta, tb, 3);
        tf.setNumThreads(2);
        const two = check(M, N, K, ta, tb, 3);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
    } finally {
      tf.setNumThreads(before);
    }
  });
});
