// Argument checks shared by the built-in callbacks; messages start with the
// public function's name (errors.ts).
import { checkInt, checkOptions as readOptions, show, typeError } from '../errors';
import type { Callback, Logs, TrainableModel } from './callback';

/** @internal Returns a snapshot of the options object (or {} when omitted); rejects non-objects and unknown keys (typos). */
export function checkOptions(fn: string, args: unknown, known: readonly string[]): Record<string, unknown> {
  return readOptions(fn, args, known);
}

/** @internal A hook's arguments: an integer epoch or batch index, and logs (an object, or nothing). */
export function checkHook(fn: string, index: unknown, logs: unknown): Logs {
  checkInt(fn, 'index', index, 0);
  if (logs === undefined || logs === null) return {};
  if (typeof logs !== 'object' || Array.isArray(logs)) throw typeError(fn, `logs must be an object, got ${show(logs)}`);
  return logs as Logs;
}

/**
 * @internal Makes a callback's configuration fields read-only (they are
 * readonly in TypeScript), so hooks always see what the constructor checked.
 */
export function lockFields(cb: object, fields: readonly string[]): void {
  for (const k of fields) Object.defineProperty(cb, k, { writable: false, configurable: false });
}

/** @internal verbose: 0 (silent) or more (print a line when the callback acts). */
export function checkVerbose(fn: string, v: unknown): number {
  return checkInt(fn, 'verbose', v ?? 0, 0, 2);
}

/** @internal The model fit attached the callback to. */
export function attachedModel(fn: string, cb: Callback): TrainableModel {
  const m = cb.model as Partial<TrainableModel> | null;
  if (!m || typeof m !== 'object' || typeof m.getWeights !== 'function' || typeof m.restoreWeights !== 'function'
    || typeof m.getLearningRate !== 'function' || typeof m.setLearningRate !== 'function') {
    throw new Error(`${fn}: the callback is not attached to a model; pass it to model.fit({callbacks: [...]})`);
  }
  return m as TrainableModel;
}
