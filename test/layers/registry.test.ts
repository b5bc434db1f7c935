// The layer registry itself: what it lists, what it refuses, and the labelled
// errors of serializeLayer / deserializeLayer / each class's fromConfig.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { LayerConfig } from '../../src/layers/config';
import { deserializeLayer, isRegisteredLayerClass, registerLayer, registeredLayerClasses, serializeLayer } from '../../src/layers/registry';

const CLASSES = [tf.layers.Dense, tf.layers.Activation, tf.layers.Dropout, tf.layers.Flatten, tf.layers.BatchNormalization, tf.layers.LayerNormalization];

describe('layer registry', () => {
  it('lists every built-in class, then the Keras classes read as Activation layers', () => {
    expect(registeredLayerClasses()).toEqual([
      'Dense', 'Dropout', 'Flatten', 'Activation', 'BatchNormalization', 'LayerNormalization',
      'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Reshape', 'Permute', 'RepeatVector', 'LSTM', 'GRU', 'SimpleRNN', 'Embedding', 'Masking',
      'Conv2D', 'Conv1D', 'DepthwiseConv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D',
      'Bidirectional', 'TimeDistributed', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'SpatialDropout2D', 'MaxPooling1D', 'AveragePooling1D',
      'Conv2DTranspose', 'SeparableConv2D',
      'LeakyReLU', 'ELU', 'ReLU', 'Softmax',
    ]);
    for (const name of ['__proto__', 'constructor', 'toString', 'InputLayer', 'Conv3D']) expect(isRegisteredLayerClass(name)).toBe(false);
  });

  it('each class registers under its static className, which its instances carry', () => {
    for (const cls of CLASSES) expect(isRegisteredLayerClass(cls.className)).toBe(true);
    expect(tf.layers.dense({ units: 1 }).className).toBe(tf.layers.Dense.className);
  });

  it('refuses a second class under a registered name, and what is not a layer class', () => {
    expect(() => registerLayer(tf.layers.Dense)).toThrow(new RangeError("registerLayer: a layer class named 'Dense' is already registered"));
    const fromConfig = (c: LayerConfig) => tf.layers.dense({ units: 1, name: c.name as string });
    expect(() => registerLayer({ className: 'Custom', fromConfig }, { ReLU: fromConfig })).toThrow(/^registerLayer: a layer class named 'ReLU' is already registered$/);
    expect(isRegisteredLayerClass('Custom')).toBe(false);
    expect(() => registerLayer(null as never)).toThrow(new TypeError('registerLayer: cls must be a layer class, got null'));
    expect(() => registerLayer({ className: '', fromConfig })).toThrow(/^registerLayer: className must be a non-empty string/);
    expect(() => registerLayer({ className: 'NoReader' } as never)).toThrow(/^registerLayer: class 'NoReader' has no static fromConfig$/);
    expect(() => registerLayer({ className: 'BadAlias', fromConfig }, { Other: 5 as never })).toThrow(/^registerLayer: the reader of alias 'Other' must be a function, got 5$/);
  });

  it('a registered class is read back by deserializeLayer', () => {
    registerLayer({ className: 'Renamed', fromConfig: (c) => tf.layers.dense({ units: c.units as number, name: c.name as string }) });
    const l = deserializeLayer({ className: 'Renamed', config: { name: 'r', units: 2 } }) as tf.layers.Dense;
    expect([l.name, l.units]).toEqual(['r', 2]);
  });

  it('deserializeLayer refuses an unknown class, naming the ones it reads, and what is not {className, config}', () => {
    expect(() => deserializeLayer({ className: 'Conv3D', config: {} })).toThrow(/^deserializeLayer: unsupported layer class 'Conv3D'; registered: Dense, Dropout/);
    expect(() => deserializeLayer({ className: '__proto__', config: {} })).toThrow(RangeError);
    expect(() => deserializeLayer(null as never)).toThrow(new TypeError('deserializeLayer: serialized must be an object, got null'));
    expect(() => deserializeLayer({ className: 5, config: {} } as never)).toThrow(/^deserializeLayer: className must be a string, got 5$/);
    expect(() => deserializeLayer({ className: 'Dense', config: [] } as never)).toThrow(/^deserializeLayer: config must be an object, got \[\]$/);
    expect(() => deserializeLayer({ className: 'Dense', config: new Proxy({}, {}) })).toThrow(/^deserializeLayer: config must be an object, got a Proxy$/);
  });

  it('serializeLayer refuses what a factory did not make', () => {
    expect(() => serializeLayer(Object.create(tf.layers.Dense.prototype))).toThrow(/^serializeLayer: layer must be a layer made by a tf\.layers factory/);
    expect(() => serializeLayer({} as never)).toThrow(TypeError);
  });

  it("each fromConfig labels its errors and leaves the options' checks to the constructor", () => {
    for (const cls of CLASSES) {
      expect(() => cls.fromConfig(null as never)).toThrow(new TypeError(`${cls.className}.fromConfig: config must be an object, got null`));
      expect(() => cls.fromConfig({ dtype: 'float64' })).toThrow(new RangeError(`${cls.className}.fromConfig: dtype 'float64' is not supported; tensorforge computes in float32`));
    }
    expect(() => tf.layers.Dense.fromConfig({ units: 0 })).toThrow(/^dense: units must be in \[1, /);
    expect(() => tf.layers.Dense.fromConfig({ units: 1, kernelRegularizer: { className: 'OrthogonalRegularizer' } }))
      .toThrow(new RangeError("Dense.fromConfig: unsupported kernel_regularizer class 'OrthogonalRegularizer'; supported: L1L2, L1, L2"));
    expect(() => tf.layers.Dropout.fromConfig({ rate: 1 })).toThrow(/^dropout: rate must be < 1/);
    // Keys other writers add and tensorforge has no use for are ignored, as in files.
    expect(tf.layers.Dense.fromConfig({ units: 2, loraRank: null, kernelConstraint: null }).units).toBe(2);
    // A Keras 3 DTypePolicy of float32 is float32.
    expect(tf.layers.Dense.fromConfig({ units: 2, dtype: { className: 'DTypePolicy', config: { name: 'float32' } } }).units).toBe(2);
  });
});
