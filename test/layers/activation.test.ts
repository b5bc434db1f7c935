// The Activation layer through the generic harness: every activation, the
// parameterised ones at another alpha (saved as Keras's LeakyReLU / ELU
// layers), softmax under the fused cross-entropy; then the Keras classes read
// as Activation layers (LeakyReLU, ELU, ReLU, Softmax) with their spellings.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer } from '../../src/layers/registry';
import { ALL_ACTIVATIONS, ActName, KINKS, activateRow } from '../training/reference';
import { LayerCase, LossName, runLayerTest } from './harness';

const F = 4;

function activationCase(act: ActName, alpha?: number, loss?: LossName): LayerCase {
  const kinks = KINKS[act] ?? [];
  const saved = act === 'leakyRelu' ? 'LeakyReLU' : act === 'elu' && alpha !== undefined && alpha !== 1 ? 'ELU' : 'Activation';
  return {
    name: `Activation ${act}${alpha !== undefined ? `, alpha ${alpha}` : ''}${loss ? `, under ${loss}` : ''}`,
    make: () => tf.layers.activation({ activation: act, alpha }),
    inputShape: [F],
    outputShape: [F],
    weights: [],
    // Keras 3's definition of each activation, in float64.
    reference: (x) => x.map((row) => activateRow(act, row, alpha)),
    kinkMargin: kinks.length ? (x) => Math.min(...x.flat().flatMap((z) => kinks.map((k) => Math.abs(z - k)))) : undefined,
    savedClassName: saved,
    // Keras's LeakyReLU and ELU layers carry alpha; its Activation layer carries the name.
    config: saved === 'Activation' ? { activation: act === 'silu' ? 'swish' : act.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() } : { alpha: alpha ?? 0.2 },
    loss,
  };
}

const cases: LayerCase[] = [
  ...ALL_ACTIVATIONS.map((act) => activationCase(act)),
  activationCase('leakyRelu', 0.3),
  activationCase('elu', 0.5),
  activationCase('elu', 1),
  activationCase('softmax', undefined, 'categoricalCrossentropy'),
  activationCase('softmax', undefined, 'sparseCategoricalCrossentropy'),
  activationCase('sigmoid', undefined, 'binaryCrossentropy'),
];
cases.forEach((c, i) => runLayerTest(c, 2000 + i));

describe('Keras activation layers read as Activation layers', () => {
  const read = (className: string, config: Record<string, unknown>) => {
    const l = deserializeLayer({ className, config: { name: 'a', ...config } }) as tf.layers.Activation;
    return { activation: l.activation, alpha: l.alpha, className: l.getClassName() };
  };

  it('LeakyReLU: alpha (Keras 2, TensorFlow.js) or negative_slope (Keras 3), default 0.3', () => {
    expect(read('LeakyReLU', { alpha: 0.1 })).toEqual({ activation: 'leakyRelu', alpha: 0.1, className: 'LeakyReLU' });
    expect(read('LeakyReLU', { negativeSlope: 0.05 })).toEqual({ activation: 'leakyRelu', alpha: 0.05, className: 'LeakyReLU' });
    expect(read('LeakyReLU', { alpha: null })).toEqual({ activation: 'leakyRelu', alpha: 0.3, className: 'LeakyReLU' });
  });

  it('ELU: alpha, default 1 (then saved as an Activation layer)', () => {
    expect(read('ELU', { alpha: 0.7 })).toEqual({ activation: 'elu', alpha: 0.7, className: 'ELU' });
    expect(read('ELU', {})).toEqual({ activation: 'elu', alpha: 1, className: 'Activation' });
  });

  it('ReLU: plain or capped at 6; the leaky and thresholded forms are refused', () => {
    expect(read('ReLU', { maxValue: null, negativeSlope: 0, threshold: 0 })).toEqual({ activation: 'relu', alpha: 0, className: 'Activation' });
    expect(read('ReLU', { maxValue: 6 })).toEqual({ activation: 'relu6', alpha: 0, className: 'Activation' });
    for (const bad of [{ maxValue: 5 }, { negativeSlope: 0.1 }, { threshold: 1 }]) {
      expect(() => read('ReLU', bad)).toThrow(/^ReLU\.fromConfig: only ReLU with max_value null or 6, negative_slope 0 and threshold 0 is supported$/);
    }
  });

  it('Softmax over the feature axis only', () => {
    for (const axis of [undefined, null, -1, 1, [-1], [1]]) expect(read('Softmax', { axis }).activation).toBe('softmax');
    for (const axis of [0, 2, [0, 1]]) expect(() => read('Softmax', { axis })).toThrow(/^Softmax\.fromConfig: only the last axis is supported/);
  });

  it('Activation needs its activation (null is linear) and refuses a non-name', () => {
    expect(read('Activation', { activation: null }).activation).toBe('linear');
    expect(read('Activation', { activation: { className: 'relu', config: {} } }).activation).toBe('relu');
    expect(() => read('Activation', {})).toThrow(/^Activation\.fromConfig: config\.activation is required/);
    expect(() => read('Activation', { activation: 5 })).toThrow(/^Activation\.fromConfig: activation must be a name, got 5$/);
    expect(() => read('Activation', { activation: 'mish' })).toThrow(/^activation: unknown activation 'mish'/);
  });
});
