import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { FakeModel, drive } from './fake';

afterEach(() => vi.restoreAllMocks());

describe('earlyStopping', () => {
  it('is in the tf.callbacks namespace and is a Callback', () => {
    const es = tf.callbacks.earlyStopping();
    expect(es).toBeInstanceOf(tf.callbacks.EarlyStopping);
    expect(es).toBeInstanceOf(tf.Callback);
    expect(es).toBeInstanceOf(tf.callbacks.Callback);
  });

  it('has the Keras defaults', () => {
    const es = tf.callbacks.earlyStopping();
    expect(es).toMatchObject({ monitor: 'val_loss', minDelta: 0, patience: 0, mode: 'auto', direction: 'min', baseline: null, restoreBestWeights: false, startFromEpoch: 0, verbose: 0 });
  });

  it('patience 0 stops at the first epoch that does not improve', async () => {
    const m = new FakeModel();
    const es = tf.callbacks.earlyStopping();
    const r = await drive(es, m, [1, 0.9, 0.95, 0.8]);
    expect(r.epochs).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.best).toBe(0.9);
    expect(es.bestEpoch).toBe(1);
  });

  it('patience counts epochs without improvement and an improvement resets it', async () => {
    const es = tf.callbacks.earlyStopping({ patience: 2 });
    const r = await drive(es, new FakeModel(), [1, 1.1, 0.5, 0.6, 0.7, 0.8]);
    expect(r.epochs).toBe(5);
    expect(es.stoppedEpoch).toBe(4);
  });

  it('runs every epoch while the value keeps improving', async () => {
    const es = tf.callbacks.earlyStopping({ patience: 0 });
    const r = await drive(es, new FakeModel(), [5, 4, 3, 2, 1]);
    expect(r.epochs).toBe(5);
    expect(es.stoppedEpoch).toBe(0);
  });

  it('minDelta: a change smaller than minDelta is no improvement; its sign is ignored', async () => {
    const values = [1, 0.95, 0.9, 0.85];
    expect((await drive(tf.callbacks.earlyStopping({ minDelta: 0.1, patience: 1 }), new FakeModel(), values)).epochs).toBe(2);
    expect((await drive(tf.callbacks.earlyStopping({ minDelta: -0.1, patience: 1 }), new FakeModel(), values)).epochs).toBe(2);
    expect((await drive(tf.callbacks.earlyStopping({ minDelta: 0.01, patience: 1 }), new FakeModel(), values)).epochs).toBe(4);
  });

  it('mode max stops when the value stops increasing; auto picks max for accuracy', async () => {
    const up = [0.5, 0.6, 0.55, 0.7];
    expect((await drive(tf.callbacks.earlyStopping({ monitor: 'val_accuracy', mode: 'max' }), new FakeModel(), up, 'val_accuracy')).epochs).toBe(3);
    expect((await drive(tf.callbacks.earlyStopping({ monitor: 'val_accuracy' }), new FakeModel(), up, 'val_accuracy')).epochs).toBe(3);
    // Explicit min on an accuracy: the rise at epoch 1 is no improvement.
    expect((await drive(tf.callbacks.earlyStopping({ monitor: 'val_accuracy', mode: 'min' }), new FakeModel(), up, 'val_accuracy')).epochs).toBe(2);
  });

  for (const [monitor, dir] of [
    ['loss', 'min'], ['val_loss', 'min'], ['acc', 'max'], ['val_acc', 'max'], ['accuracy', 'max'], ['val_accuracy', 'max'],
    ['val_sparseCategoricalAccuracy', 'max'], ['binary_accuracy', 'max'], ['topK', 'max'], ['val_top_k_categorical_accuracy', 'max'],
    ['auc', 'max'], ['val_precision', 'max'], ['recall', 'max'], ['mse', 'min'], ['val_meanAbsoluteError', 'min'],
    ['mean_squared_error', 'min'], ['my_custom_value', 'min'],
  ] as const) {
    it(`mode auto: '${monitor}' is ${dir === 'min' ? 'minimized' : 'maximized'}`, () => {
      expect(tf.callbacks.earlyStopping({ monitor }).direction).toBe(dir);
      expect(tf.callbacks.reduceLROnPlateau({ monitor }).direction).toBe(dir);
    });
  }

  it('baseline: only epochs beating the baseline reset the patience counter', async () => {
    // Without a baseline, patience 2 allows two bad epochs after epoch 0.
    expect((await drive(tf.callbacks.earlyStopping({ patience: 2 }), new FakeModel(), [1, 1.1, 1.2, 1.3])).epochs).toBe(3);
    // Epoch 0 (1.0) does not beat 0.5, so it counts toward patience.
    const es = tf.callbacks.earlyStopping({ patience: 2, baseline: 0.5 });
    expect((await drive(es, new FakeModel(), [1, 1.1, 1.2, 1.3])).epochs).toBe(2);
    expect(es.stoppedEpoch).toBe(1);
    // A baseline that epoch 0 beats changes nothing.
    expect((await drive(tf.callbacks.earlyStopping({ patience: 2, baseline: 2 }), new FakeModel(), [1, 1.1, 1.2, 1.3])).epochs).toBe(3);
  });

  it('baseline: as in Keras, an epoch improving on the best value never stops training, even below the baseline', async () => {
    const es = tf.callbacks.earlyStopping({ patience: 1, baseline: 0.5 });
    const r = await drive(es, new FakeModel(), [1, 0.9, 0.8, 0.85, 0.7]);
    expect(r.epochs).toBe(4);
    expect(es.wait).toBe(4);
  });

  it('baseline in max mode', async () => {
    const es = tf.callbacks.earlyStopping({ monitor: 'val_acc', patience: 2, baseline: 0.9 });
    expect((await drive(es, new FakeModel(), [0.5, 0.4, 0.3, 0.2], 'val_acc')).epochs).toBe(2);
  });

  it('startFromEpoch: epochs before it are not monitored', async () => {
    const es = tf.callbacks.earlyStopping({ startFromEpoch: 2 });
    const r = await drive(es, new FakeModel(), [1, 2, 3, 4, 5]);
    expect(r.epochs).toBe(4);
    expect(es.best).toBe(3);
    expect(es.bestEpoch).toBe(2);
  });

  it('restoreBestWeights restores the best epoch when stopping early', async () => {
    const m = new FakeModel();
    const es = tf.callbacks.earlyStopping({ patience: 2, restoreBestWeights: true });
    const r = await drive(es, m, [1, 0.5, 0.7, 0.8, 0.1]);
    expect(r.epochs).toBe(4);
    expect(m.restored).toEqual([1]);
    expect(m.version).toBe(1);
  });

  it('restoreBestWeights also restores when training ends without stopping early (Keras 3)', async () => {
    const m = new FakeModel();
    const r = await drive(tf.callbacks.earlyStopping({ patience: 5, restoreBestWeights: true }), m, [1, 0.5, 0.7]);
    expect(r.epochs).toBe(3);
    expect(m.restored).toEqual([1]);
  });

  it('restoreBestWeights keeps the best epoch even if no epoch beats the baseline', async () => {
    const m = new FakeModel();
    const r = await drive(tf.callbacks.earlyStopping({ patience: 3, baseline: 0.1, restoreBestWeights: true }), m, [1, 0.8, 0.9, 0.95, 0.85]);
    expect(r.epochs).toBe(3);
    expect(m.restored).toEqual([1]);
  });

  it('restoreBestWeights picks the highest value in max mode and respects startFromEpoch', async () => {
    const m = new FakeModel();
    const es = tf.callbacks.earlyStopping({ monitor: 'acc', patience: 10, restoreBestWeights: true, startFromEpoch: 1 });
    await drive(es, m, [0.99, 0.5, 0.8, 0.6, 0.7], 'acc');
    expect(m.restored).toEqual([2]);
    expect(es.bestEpoch).toBe(2);
  });

  it('without restoreBestWeights the last weights stay', async () => {
    const m = new FakeModel();
    await drive(tf.callbacks.earlyStopping({ patience: 1 }), m, [1, 0.5, 0.7, 0.8]);
    expect(m.restored).toEqual([]);
    expect(m.version).toBe(2);
  });

  it('a missing monitor key warns once and never stops training', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const es = tf.callbacks.earlyStopping();
    const r = await drive(es, new FakeModel(), [{ loss: 1 }, { loss: 2 }, { loss: 3 }]);
    expect(r.epochs).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/earlyStopping.*'val_loss'.*not available.*validationData.*Available metrics are: loss/);
  });

  it('state is reset at each train begin, so one instance serves several fits', async () => {
    const m = new FakeModel();
    const es = tf.callbacks.earlyStopping({ restoreBestWeights: true });
    expect((await drive(es, m, [0.1, 0.2])).epochs).toBe(2);
    const r = await drive(es, m, [5, 4, 3]);
    expect(r.epochs).toBe(3);
    expect(es.best).toBe(3);
    expect(es.stoppedEpoch).toBe(0);
    expect(m.restored).toEqual([0, 2]);
  });

  it('verbose 1 prints when it stops and when it restores weights; verbose 0 prints nothing', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await drive(tf.callbacks.earlyStopping({ restoreBestWeights: true }), new FakeModel(), [1, 0.5, 0.7]);
    expect(write).not.toHaveBeenCalled();
    await drive(tf.callbacks.earlyStopping({ restoreBestWeights: true, verbose: 1 }), new FakeModel(), [1, 0.5, 0.7]);
    const out = write.mock.calls.map((c) => String(c[0])).join('');
    expect(out).toContain('Epoch 3: early stopping');
    expect(out).toContain('Restoring model weights from the end of the best epoch: 2.');
  });

  it('throws a clear error when used outside fit', async () => {
    const es = tf.callbacks.earlyStopping();
    expect(() => es.onEpochEnd(0, { val_loss: 1 })).toThrow(/earlyStopping: .*not attached to a model/);
  });

  describe('rejects bad options', () => {
    const cases: [unknown, ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, RegExp][] = [
      [null, TypeError, /options must be an object/],
      [5, TypeError, /options must be an object/],
      [{ patience: -1 }, RangeError, /patience/],
      [{ patience: 1.5 }, RangeError, /patience must be an integer/],
      [{ patience: '2' }, TypeError, /patience must be a number/],
      [{ mode: 'up' }, RangeError, /unknown mode 'up'; valid values: auto, min, max/],
      [{ mode: 1 }, TypeError, /mode/],
      [{ monitor: 3 }, TypeError, /monitor must be a non-empty string/],
      [{ monitor: '' }, TypeError, /monitor/],
      [{ minDelta: NaN }, RangeError, /minDelta/],
      [{ minDelta: Infinity }, RangeError, /minDelta/],
      [{ minDelta: '0.1' }, TypeError, /minDelta/],
      [{ baseline: 'x' }, TypeError, /baseline/],
      [{ baseline: NaN }, RangeError, /baseline/],
      [{ restoreBestWeights: 'yes' }, TypeError, /restoreBestWeights must be a boolean/],
      [{ startFromEpoch: -2 }, RangeError, /startFromEpoch/],
      [{ verbose: 3 }, RangeError, /verbose/],
      [{ restoreBestWeight: true }, TypeError, /unknown option 'restoreBestWeight'/],
    ];
    for (const [args, type, msg] of cases) {
      it(JSON.stringify(args) ?? String(args), () => {
        const call = () => tf.callbacks.earlyStopping(args as tf.callbacks.EarlyStoppingArgs);
        expect(call).toThrow(type);
        expect(call).toThrow(/^callbacks\.earlyStopping: /);
        expect(call).toThrow(msg);
      });
    }
  });
});
