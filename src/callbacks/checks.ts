// Argument checks shared by the built-in callbacks; messages start with the
// public function's name (errors.ts).
import { checkInt, show, typeError } from '../errors';
import type { Callback, TrainableModel } from './callback';

/** @internal Returns the options object (or {} when omitted); rejects non-objects and unknown keys (typos). */
export function checkOptions(fn: string, args: unknown, known: readonly string[]): Record<string, unknown> {
  if (args === undefined) return {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw typeError(fn, `options must be an object, got ${show(args)}`);
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) {
    if (!known.includes(k) && a[k] !== undefined) throw typeError(fn, `unknown option '${k}'; valid options: ${known.join(', ')}`);
  }
  return a;
}

/** @internal verbose: 0 (silent) or more (print a line when the callback acts). */
export function checkVerbose(fn: string, v: unknown): number {
  return checkInt(fn, 'verbose', v ?? 0, 0, 2);
}

/** @internal The model fit attached the callback to. */
export function attachedModel(fn: string, cb: Callback): TrainableModel {
  if (!cb.model) throw new Error(`${fn}: the callback is not attached to a model; pass it to model.fit({callbacks: [...]})`);
  return cb.model;
}
