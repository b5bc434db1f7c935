import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { FakeModel, drive } from './fake';

afterEach(() => vi.restoreAllMocks());

describe('learningRateScheduler', () => {
  it('sets schedule(epoch, currentLr) at each epoch begin and logs learning_rate', async () => {
    const calls: [number, number][] = [];
    const m = new FakeModel(1);
    const cb = tf.callbacks.learningRateScheduler((epoch, lr) => {
      calls.push([epoch, lr]);
      return lr * 0.5;
    });
    expect(cb).toBeInstanceOf(tf.callbacks.LearningRateScheduler);
    const r = await drive(cb, m, [1, 1, 1]);
    expect(calls).toEqual([[0, 1], [1, 0.5], [2, 0.25]]);
    expect(m.lr).toBe(0.125);
    expect(r.logs.map((l) => l.learning_rate)).toEqual([0.5, 0.25, 0.125]);
  });

  it('verbose 1 prints the rate it sets', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await drive(tf.callbacks.learningRateScheduler(() => 0.25, { verbose: 1 }), new FakeModel(1), [1]);
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('Epoch 1: LearningRateScheduler setting learning rate to 0.25.');
  });

  it('rejects a bad schedule result, naming the epoch', async () => {
    for (const [bad, type] of [['0.1', TypeError], [undefined, TypeError], [NaN, RangeError], [-1, RangeError], [Infinity, RangeError]] as const) {
      const cb = tf.callbacks.learningRateScheduler(() => bad as unknown as number);
      await expect(drive(cb, new FakeModel(1), [1])).rejects.toThrow(type);
      await expect(drive(cb, new FakeModel(1), [1])).rejects.toThrow(/^callbacks\.learningRateScheduler: schedule must return .* at epoch 0/);
    }
  });

  it('rejects bad arguments', () => {
    expect(() => tf.callbacks.learningRateScheduler(0.1 as unknown as tf.callbacks.LearningRateScheduleFn)).toThrow(TypeError);
    expect(() => tf.callbacks.learningRateScheduler(0.1 as unknown as tf.callbacks.LearningRateScheduleFn)).toThrow(/^callbacks\.learningRateScheduler: schedule must be a function/);
    expect(() => tf.callbacks.learningRateScheduler((e, lr) => lr, { verbose: -1 })).toThrow(RangeError);
    expect(() => tf.callbacks.learningRateScheduler((e, lr) => lr, { verbos: 1 } as object)).toThrow(/unknown option 'verbos'/);
  });
});
