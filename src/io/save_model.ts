// model.save's destination: a directory (file:// URL or path) or a
// TensorFlow.js IO handler's save().
import { show, typeError } from '../errors';
import { pathFromUrl, saveToDirectory } from './file_system';
import type { IOHandler, ModelArtifacts, SaveResult } from './types';

/** @internal Whether `v` has the IO handler method `method`. */
export function isHandler(v: unknown, method: 'save' | 'load'): v is IOHandler {
  return v !== null && typeof v === 'object' && typeof (v as Record<string, unknown>)[method] === 'function';
}

/** @internal model.save: to a directory (file:// URL or path) or through an IO handler's save(). */
export async function saveModel(handlerOrURL: unknown, snapshot: () => Promise<ModelArtifacts>, fn = 'save'): Promise<SaveResult> {
  if (typeof handlerOrURL === 'string') {
    const dir = pathFromUrl(fn, handlerOrURL);
    return saveToDirectory(fn, dir, await snapshot());
  }
  if (isHandler(handlerOrURL, 'save')) return handlerOrURL.save!(await snapshot());
  throw typeError(fn, `expected a directory path, a file:// URL or an IOHandler with a save() method, got ${show(handlerOrURL)}`);
}
