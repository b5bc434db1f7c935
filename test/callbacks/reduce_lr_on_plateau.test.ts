import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { FakeModel, drive } from './fake';

afterEach(() => vi.restoreAllMocks());

const flat = (n: number, v = 1) => Array.from({ length: n }, () => v);

describe('reduceLROnPlateau', () => {
  it('has the Keras defaults', () => {
    const cb = tf.callbacks.reduceLROnPlateau();
    expect(cb).toBeInstanceOf(tf.callbacks.ReduceLROnPlateau);
    expect(cb).toMatchObject({ monitor: 'val_loss', factor: 0.1, patience: 10, mode: 'auto', direction: 'min', minDelta: 1e-4, cooldown: 0, minLr: 0, verbose: 0 });
  });

  it('multiplies the rate by factor after patience epochs without improvement', async () => {
    const m = new FakeModel(1);
    const r = await drive(tf.callbacks.reduceLROnPlateau({ patience: 2, factor: 0.5 }), m, flat(5));
    expect(m.lrSets).toEqual([0.5, 0.25]);
    // learning_rate in the logs is the rate the epoch trained with.
    expect(r.logs.map((l) => l.learning_rate)).toEqual([1, 1, 1, 0.5, 0.5]);
  });

  it('never reduces while the value improves', async () => {
    const m = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 0 }), m, [5, 4, 3, 2, 1]);
    expect(m.lrSets).toEqual([]);
  });

  it('minDelta (default 1e-4): smaller changes are no improvement', async () => {
    const m1 = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 1 }), m1, [1, 1 - 5e-5]);
    expect(m1.lrSets).toEqual([0.1]);
    const m2 = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 1 }), m2, [1, 1 - 2e-4]);
    expect(m2.lrSets).toEqual([]);
  });

  it('cooldown: waits that many epochs after a reduction before counting again', async () => {
    const m = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5, cooldown: 2 }), m, flat(7));
    // Reductions at the ends of epochs 1, 3 and 5 (hand-traced from Keras's on_epoch_end).
    expect(m.lrSets).toEqual([0.5, 0.25, 0.125]);
    const m0 = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5 }), m0, flat(7));
    expect(m0.lrSets).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]);
  });

  it('minLr is a floor, and a rate at the floor is left alone', async () => {
    const m = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 0, factor: 0.1, minLr: 0.05 }), m, flat(6));
    expect(m.lrSets).toEqual([0.1, 0.05]);
    expect(m.lr).toBe(0.05);
    // The comparison is in float32, as in Keras: a float32 rate equal to fround(minLr) is at the floor.
    const f = new FakeModel(Math.fround(0.05));
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 0, minLr: 0.05 }), f, flat(3));
    expect(f.lrSets).toEqual([]);
  });

  it('mode max (auto for accuracy): a falling value reduces the rate, a rising one does not', async () => {
    const rising = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ monitor: 'val_acc', patience: 0 }), rising, [0.1, 0.2, 0.3], 'val_acc');
    expect(rising.lrSets).toEqual([]);
    const falling = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ monitor: 'val_acc', patience: 0 }), falling, [0.3, 0.2, 0.1], 'val_acc');
    expect(falling.lrSets).toEqual([0.1, 0.010000000000000002]);
    const explicitMin = new FakeModel(1);
    await drive(tf.callbacks.reduceLROnPlateau({ monitor: 'val_acc', mode: 'min', patience: 0 }), explicitMin, [0.3, 0.2, 0.1], 'val_acc');
    expect(explicitMin.lrSets).toEqual([]);
  });

  it('a missing monitor key warns once and leaves the rate alone', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const m = new FakeModel(1);
    const r = await drive(tf.callbacks.reduceLROnPlateau({ patience: 0 }), m, [{ loss: 1 }, { loss: 1 }, { loss: 1 }]);
    expect(m.lrSets).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^callbacks\.reduceLROnPlateau: learning rate reduction is conditioned on metric 'val_loss' which is not available/);
    expect(r.logs[2].learning_rate).toBe(1);
  });

  it('resets its state at each train begin', async () => {
    const cb = tf.callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5 });
    const m = new FakeModel(1);
    await drive(cb, m, [0.1]);
    // A fresh best: 5 is an improvement on +Infinity, not a plateau after 0.1.
    await drive(cb, m, [5]);
    expect(m.lrSets).toEqual([]);
    expect(cb.best).toBe(5);
  });

  it('verbose 1 prints each reduction', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await drive(tf.callbacks.reduceLROnPlateau({ patience: 0, factor: 0.5, verbose: 1 }), new FakeModel(1), flat(2));
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5.');
  });

  describe('rejects bad options', () => {
    const cases: [unknown, TypeErrorConstructor | RangeErrorConstructor, RegExp][] = [
      [{ factor: 1 }, RangeError, /factor must be < 1/],
      [{ factor: 2 }, RangeError, /factor must be < 1/],
      [{ factor: -0.5 }, RangeError, /factor/],
      [{ factor: '0.5' }, TypeError, /factor must be a number/],
      [{ patience: -1 }, RangeError, /patience/],
      [{ cooldown: 0.5 }, RangeError, /cooldown must be an integer/],
      [{ minLr: -1 }, RangeError, /minLr/],
      [{ minDelta: NaN }, RangeError, /minDelta/],
      [{ mode: 'maximize' }, RangeError, /unknown mode/],
      [{ monitor: ['loss'] }, TypeError, /monitor/],
      [{ min_lr: 0.1 }, TypeError, /unknown option 'min_lr'/],
      ['fast', TypeError, /options must be an object/],
    ];
    for (const [args, type, msg] of cases) {
      it(JSON.stringify(args), () => {
        const call = () => tf.callbacks.reduceLROnPlateau(args as tf.callbacks.ReduceLROnPlateauArgs);
        expect(call).toThrow(type);
        expect(call).toThrow(/^callbacks\.reduceLROnPlateau: /);
        expect(call).toThrow(msg);
      });
    }
  });
});
