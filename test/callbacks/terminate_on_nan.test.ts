import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { FakeModel } from './fake';

afterEach(() => vi.restoreAllMocks());

describe('terminateOnNaN', () => {
  it('stops on a NaN or infinite batch loss, not on a finite one', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    for (const [loss, stops] of [[1.5, false], [0, false], [NaN, true], [Infinity, true], [-Infinity, true]] as const) {
      const m = new FakeModel();
      const cb = tf.callbacks.terminateOnNaN();
      cb.setModel(m);
      cb.onBatchEnd(7, { batch: 7, size: 32, loss });
      expect(m.stopTraining).toBe(stops);
    }
    expect(write).toHaveBeenCalledTimes(3);
    expect(String(write.mock.calls[0][0])).toBe('Batch 7: Invalid loss, terminating training\n');
  });

  it('ignores logs without a loss', () => {
    const m = new FakeModel();
    const cb = tf.callbacks.terminateOnNaN();
    expect(cb).toBeInstanceOf(tf.callbacks.TerminateOnNaN);
    cb.setModel(m);
    cb.onBatchEnd(0, {});
    cb.onBatchEnd(1);
    expect(m.stopTraining).toBe(false);
  });
});
