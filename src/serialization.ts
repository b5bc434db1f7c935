// tf.serialization, as TensorFlow.js: registerClass makes a custom layer
// class loadable, so a saved model that uses it reads back.
import { show, typeError } from './errors';
import { Layer } from './layers/layer';
import { LayerClass, registerLayer } from './layers/registry';

/**
 * Registers a custom layer class (a `tf.layers.Layer` subclass with a static
 * `className`) so that models saved with it load again: the loader rebuilds
 * the layer with the class's static `fromConfig` (by default
 * `new Class(config)`, config being what `getConfig()` returned). Returns the
 * class. A class name can be registered once.
 */
export function registerClass<T extends LayerClass>(cls: T): T {
  const fn = 'registerClass';
  if (typeof cls !== 'function' || !((cls as unknown as { prototype: unknown }).prototype instanceof Layer)) {
    throw typeError(fn, `cls must be a class extending tf.layers.Layer, got ${show(cls)}`);
  }
  const name = (cls as { className?: unknown }).className;
  if (typeof name !== 'string' || name === '') throw typeError(fn, `class ${show((cls as { name?: unknown }).name)} needs a static className (e.g. static className = 'MyLayer')`);
  registerLayer(cls);
  return cls;
}
