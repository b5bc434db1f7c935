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
  /** Threads the BLAS uses per call ({@link setNumThreads}). */
  threads: number;
  /** Hardware threads on this machine. */
  hardwareThreads: number;
  /** SIMD level the addon itself was compiled for (BLAS kernels dispatch at run time). */
  simd: string;
  /** Node-API version the addon targets. */
  napiVersion: number;
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
    simd: raw.compiledSimd,
    napiVersion: 8,
    portable: raw.blas === 'portable',
  };
}

/**
 * Sets how many threads the native engine may use (BLAS and our own kernels).
 * Default: the number of cores. Training and prediction on worker threads
 * count against the same budget, so the total never exceeds what you set.
 */
export function setNumThreads(n: number): void {
  native.setNumThreads(checkInt('setNumThreads', 'n', n, 1, 1024));
}

/** Threads the native engine uses (see {@link setNumThreads}). */
export function getNumThreads(): number {
  return native.getNumThreads();
}
