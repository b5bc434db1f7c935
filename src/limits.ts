// Resource limits: a tensor, an op's output or a model whose memory would
// exceed the limit is refused with a RangeError before anything is allocated.
// Large allocations that the operating system grants lazily (overcommit) and
// then cannot back would otherwise end in the OOM killer, taking the whole
// process (every request of a server) down.
import * as os from 'node:os';
import { rangeError, show, typeError } from './errors';
import { native } from './native';

/** Allocations below this are not compared with free memory: checking would cost more than allocating. */
const UNCHECKED_BYTES = 16 * 2 ** 20;

let explicitLimit: number | null = null;

/** Memory the process can still get: the smaller of the system's available memory and its cgroup's share. */
function availableMemory(): number {
  const proc = process as { availableMemory?: () => number };
  const cgroup = typeof proc.availableMemory === 'function' ? proc.availableMemory() : Infinity;
  return Math.min(os.freemem(), cgroup > 0 ? cgroup : Infinity);
}

/**
 * Sets the largest amount of memory, in bytes, that one tensor, one op's
 * output or one model (its weights, gradients and optimizer slots, or its
 * per-batch workspace) may take. Larger requests throw a RangeError before
 * allocating anything. `null` restores the default: the memory available when
 * the allocation is requested (`os.freemem()`, or the cgroup's remaining share
 * when that is smaller); under the default, requests below 16 MiB are not
 * checked. The limit applies to each allocation on its own, not to a total.
 */
export function setMemoryLimit(bytes: number | null): void {
  const fn = 'setMemoryLimit';
  if (bytes === null) {
    explicitLimit = null;
  } else {
    if (typeof bytes !== 'number') throw typeError(fn, `bytes must be a number or null, got ${show(bytes)}`);
    if (!Number.isInteger(bytes) || bytes < 1) throw rangeError(fn, `bytes must be a positive integer, got ${show(bytes)}`);
    explicitLimit = bytes;
  }
  native.setMemoryLimit(explicitLimit ?? 0);
}

/** The current limit in bytes (see {@link setMemoryLimit}); under the default, the memory available now. */
export function getMemoryLimit(): number {
  return explicitLimit ?? availableMemory();
}

/** Human-readable byte count for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * @internal Throws a RangeError naming `fn` and `what` unless `bytes` fits
 * the memory limit. Call before allocating. Per-op callers pass `what` as a
 * function: the message is only built when it is needed.
 */
export function checkAllocation(fn: string, what: string | (() => string), bytes: number): void {
  if (explicitLimit === null && bytes < UNCHECKED_BYTES) return;
  const limit = explicitLimit ?? availableMemory();
  if (bytes > limit) {
    const source = explicitLimit === null ? 'the memory available' : 'the memory limit (tf.setMemoryLimit)';
    throw rangeError(fn, `${typeof what === 'function' ? what() : what} needs ${formatBytes(bytes)}, more than ${source}: ${formatBytes(limit)}`);
  }
}
