// The layer registry, as TensorFlow.js's serialization.registerClass: each
// layer file registers its class with one line, and a layer travels as
// { className, config } made by its getConfig() and read back by its
// fromConfig(), and by nothing else. Saving and loading models (io/model_json)
// go through here, so they name no layer class.
import { checkString, rangeError, show, typeError } from '../errors';
import { LayerConfig, checkLayerConfig } from './config';
import { Layer, isLayer } from './layer';

/** A layer as it is saved: its class name and {@link Layer.getConfig}. */
export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

/** A layer class the registry can rebuild: its Keras class name and a static `fromConfig`. */
export interface LayerClass {
  readonly className: string;
  fromConfig(config: LayerConfig): Layer;
}

/**
 * More class names one layer class reads, each with the reader of its config.
 * Keras's LeakyReLU, ELU, ReLU and Softmax layers are tensorforge's Activation
 * layer with other options.
 */
export type LayerAliases = Readonly<Record<string, (config: LayerConfig) => Layer>>;

// NOTE: Maps, not objects: a class name read from a file may be '__proto__' or 'constructor'.
const classes = new Map<string, (config: LayerConfig) => Layer>();
const aliases = new Map<string, (config: LayerConfig) => Layer>();

/**
 * Registers a layer class under its `className` (and the aliases it reads), so
 * {@link deserializeLayer} and model loading can rebuild it. Each built-in
 * layer file calls this once; a name can be registered only once.
 */
export function registerLayer(cls: LayerClass, readers: LayerAliases = {}): void {
  const fn = 'registerLayer';
  if (cls === null || (typeof cls !== 'function' && typeof cls !== 'object')) throw typeError(fn, `cls must be a layer class, got ${show(cls)}`);
  const name = checkString(fn, 'className', cls.className);
  if (typeof cls.fromConfig !== 'function') throw typeError(fn, `class '${name}' has no static fromConfig`);
  const entries: [string, (config: LayerConfig) => Layer][] = Object.entries(readers);
  for (const [alias, read] of entries) {
    if (typeof read !== 'function') throw typeError(fn, `the reader of alias '${alias}' must be a function, got ${show(read)}`);
  }
  for (const n of [name, ...entries.map(([alias]) => alias)]) {
    if (isRegisteredLayerClass(n)) throw rangeError(fn, `a layer class named '${n}' is already registered`);
  }
  classes.set(name, (config) => cls.fromConfig(config));
  for (const [alias, read] of entries) aliases.set(alias, read);
}

/** Whether {@link deserializeLayer} reads class `name`. */
export function isRegisteredLayerClass(name: string): boolean {
  return classes.has(name) || aliases.has(name);
}

/** The class names {@link deserializeLayer} reads: the classes in registration order, then their aliases. */
export function registeredLayerClasses(): string[] {
  return [...classes.keys(), ...aliases.keys()];
}

/** A layer as `{ className, config }`: the class it is saved under ({@link Layer.getClassName}) and its {@link Layer.getConfig}. */
export function serializeLayer(layer: Layer): SerializedLayer {
  const fn = 'serializeLayer';
  if (!isLayer(layer)) throw typeError(fn, `layer must be a layer made by a tf.layers factory, got ${show(layer)}`);
  const className = layer.getClassName();
  if (!isRegisteredLayerClass(className)) throw rangeError(fn, `layer '${layer.name}' of class '${className}' is not registered (registerLayer)`);
  return { className, config: layer.getConfig() };
}

/** Rebuilds a layer from `{ className, config }` ({@link serializeLayer}'s form, camelCase keys) with its class's `fromConfig`. */
export function deserializeLayer(serialized: SerializedLayer): Layer {
  const fn = 'deserializeLayer';
  const s = checkLayerConfig(fn, serialized, 'serialized');
  const className = checkString(fn, 'className', s.className);
  const read = classes.get(className) ?? aliases.get(className);
  if (!read) throw rangeError(fn, `unsupported layer class '${className}'; registered: ${registeredLayerClasses().join(', ')}`);
  return read(checkLayerConfig(fn, s.config));
}
