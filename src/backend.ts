import { checkInt } from './errors';
import { native } from './native';

/** What the native engine was built with. */
export interface BackendInfo {
  /** BLAS library: 'BLIS', 'OpenBLAS', 'Accelerate', 'Generic CBLAS' or 'portable' (no BLAS found at build time). */
  blas: string;
  /** The BLAS's own version string. */
  blasVersion: string;
  /** The kernel family the BLAS dispatched to on this CPU (e.g. 'haswell', 'zen'). */
  blasConfig: string;
  /** Cores the native engine may use at once, and the most BLAS threads of one call ({@link setNumThreads}). */
  threads: number;
  /** Hardware threads on this machine. */
  hardwareThreads: number;
  /**
   * The widest SIMD tensorforge's own kernels use on this CPU: 'avx512' (the
   * Adam step), 'avx2' (AVX2+FMA versions of the elementwise loops), else the
   * compiled baseline. The BLAS picks its own kernels: see `blasConfig`.
   */
  simd: string;
  /** The SIMD level the addon was compiled for ('sse2' for the x86-64 prebuilds); wider kernels are chosen at run time. */
  compiledSimd: string;
  /**
   * Which GEMM path each class of matrix product takes on this machine:
   * 'avx512-direct' / 'avx512-packed' (tensorforge's own AVX-512 kernel, on
   * CPUs with AVX-512 whatever kernels the BLAS picked) or 'blas'. Keys name
   * the shape class.
   */
  gemmPaths: Record<string, string>;
  /** Node-API version the addon targets. */
  napiVersion: number;
  /**
   * How the process's allocator is set up. On glibc, tensorforge keeps freed
   * memory for reuse (see the README's "Memory" notes; `TENSORFORGE_HEAP_REUSE=0`
   * or any malloc setting of the user's keeps glibc's defaults).
   */
  allocator: string;
  /** Whether the BLAS is the portable fallback (slow; see the README's build section). */
  portable: boolean;
}

/** Reports the BLAS, its version and threads, SIMD and Node-API version. */
export function backendInfo(): BackendInfo {
  const raw = native.backendInfo();
  return {
    blas: raw.blas,
    blasVersion: raw.blasVersion,
    blasConfig: raw.blasConfig,
    threads: raw.threads,
    hardwareThreads: raw.hardwareThreads,
    simd: raw.simd,
    compiledSimd: raw.compiledSimd,
    // (typed here rather than in native.ts's NativeBackendInfo, which another change owns)
    gemmPaths: { ...(raw as { gemmPaths?: Record<string, string> }).gemmPaths },
    napiVersion: 8,
    allocator: raw.allocator,
    portable: raw.blas === 'portable',
  };
}

/**
 * Sets how many cores the native engine may keep busy at once, across every
 * model, every job and every worker_thread of the process (default: the
 * number of cores).
 *
 * The policy ("core tokens"): `n` tokens are shared by all native jobs. A job
 * on a libuv worker thread (a fit chunk, predictAsync, evaluate) waits for one
 * token for its own thread, then takes as many more as are free, up to the
 * BLAS threads its largest product would use at its batch size (a batch-32
 * step of the seed model uses one), and caps its BLAS threads to what it
 * holds; tokens go back when the job ends. So two trainings, or a training and
 * a stream of predictions, each get a core instead of fighting over them with
 * spinning BLAS threads. Work done inline on the JavaScript thread (the
 * synchronous `predict`, `matMul`) never waits: it runs on that thread, which
 * is not counted, with BLAS helpers only from free tokens. In a server whose
 * JavaScript thread is itself busy (HTTP, JSON), `setNumThreads(cores - 1)`
 * keeps a core for it. (BLIS takes the cap per call; OpenBLAS has one
 * process-wide count, which the engine sets before each product.)
 *
 * @param n Cores, 1..1024. Jobs already holding tokens keep them until they end.
 */
export function setNumThreads(n: number): void {
  native.setNumThreads(checkInt('setNumThreads', 'n', n, 1, 1024));
}

/** The core budget of the native engine (see {@link setNumThreads}). */
export function getNumThreads(): number {
  return native.getNumThreads();
}
