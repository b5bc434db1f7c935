// callbacks.modelCheckpoint: saves through model.save during fit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { formatFilepath } from '../../src/callbacks/model_checkpoint';
import { cleanupDirs, data, sameBits, tempDir, tfPredict } from './helpers';

afterAll(cleanupDirs);
afterEach(() => vi.restoreAllMocks());

// Linear regression trained full-batch with a small step: the epoch loss
// (measured before each epoch's single update) strictly decreases.
const x = data(32, [3], 1);
const y = Float32Array.from({ length: 32 }, (_, i) => 0.5 * x[3 * i] - x[3 * i + 1] + 0.25 * x[3 * i + 2] + 0.1);
function model(): tf.Sequential {
  const m = tf.sequential([tf.layers.dense({ units: 1, inputShape: [3], kernelInitializer: 'zeros' })]);
  m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  return m;
}
const probe = data(4, [3], 2);

/** Records the model's predictions at every epoch end (runs after the checkpoint in the callback list). */
function recorder(m: tf.Sequential) {
  const seen: Float32Array[] = [];
  return { seen, cb: { onEpochEnd: () => void seen.push(tfPredict(m, probe, [3])) } };
}

const fit = (m: tf.Sequential, callbacks: object[], epochs = 3, batchSize = 32) =>
  m.fit(tf.tensor2d(x, [32, 3]), tf.tensor2d(y, [32, 1]), { epochs, batchSize, shuffle: false, verbose: 0, callbacks: callbacks as tf.Callback[] });

describe('modelCheckpoint', () => {
  it('saves every epoch to a path filled in with the epoch; each checkpoint loads as that epoch\'s model', async () => {
    const dir = tempDir();
    const m = model();
    const cp = tf.callbacks.modelCheckpoint({ filepath: path.join(dir, 'ckpt-{epoch:02d}-{loss:.4f}') });
    const rec = recorder(m);
    const h = await fit(m, [cp, rec.cb]);
    const names = h.history.loss.map((l, e) => `ckpt-${String(e + 1).padStart(2, '0')}-${l.toFixed(4)}`);
    expect(fs.readdirSync(dir).sort()).toEqual(names);
    expect(cp.saved).toEqual(names.map((n) => path.join(dir, n)));
    for (let e = 0; e < 3; e++) {
      const back = await tf.loadLayersModel(path.join(dir, names[e]));
      expect(sameBits(tfPredict(back, probe, [3]), rec.seen[e])).toBe(true);
    }
    // The optimizer state is saved by default (checkpoints are for resuming).
    const json = JSON.parse(fs.readFileSync(path.join(dir, names[2], 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights.some((w: { group?: string }) => w.group === 'optimizer')).toBe(true);
  });

  it('saveBestOnly keeps the best model: every epoch improves with mode min, only the first with mode max', async () => {
    for (const [mode, saves, keep] of [['min', 3, 2], ['max', 1, 0]] as const) {
      const dir = tempDir();
      const m = model();
      const cp = tf.callbacks.modelCheckpoint({ filepath: `file://${dir}/best`, monitor: 'loss', mode, saveBestOnly: true, includeOptimizer: false });
      const rec = recorder(m);
      const h = await fit(m, [cp, rec.cb]);
      expect(h.history.loss[1]).toBeLessThan(h.history.loss[0]);
      expect(h.history.loss[2]).toBeLessThan(h.history.loss[1]);
      expect(cp.saved.length).toBe(saves);
      expect(cp.best).toBe(h.history.loss[keep]);
      const back = await tf.loadLayersModel(path.join(dir, 'best'));
      expect(sameBits(tfPredict(back, probe, [3]), rec.seen[keep])).toBe(true);
    }
  });

  it('initialValueThreshold: nothing is saved until the monitored value beats it', async () => {
    const dir = tempDir();
    const m = model();
    const first = (await fit(model(), [], 1)).history.loss[0];
    const cp = tf.callbacks.modelCheckpoint({ filepath: path.join(dir, 'best'), monitor: 'loss', saveBestOnly: true, initialValueThreshold: first });
    await fit(m, [cp]);
    expect(cp.saved.length).toBe(2);  // epoch 1's loss equals the threshold: not an improvement
  });

  it('saveBestOnly with an absent monitor warns once and saves nothing', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const dir = tempDir();
    const cp = tf.callbacks.modelCheckpoint({ filepath: path.join(dir, 'best'), saveBestOnly: true });
    await fit(model(), [cp]);
    expect(cp.saved).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/Can save best model only is conditioned on metric 'val_loss' which is not available/);
  });

  it('saveFreq in batches counts across epochs and fills in {batch}', async () => {
    const dir = tempDir();
    const cp = tf.callbacks.modelCheckpoint({ filepath: path.join(dir, 'e{epoch}-b{batch}'), saveFreq: 3 });
    await fit(model(), [cp], 2, 8);  // 4 batches per epoch, 8 in all: saves after batches 3 and 6
    expect(fs.readdirSync(dir).sort()).toEqual(['e1-b2', 'e2-b1']);
  });

  it('rejects bad options, and a filepath field missing from the logs', async () => {
    expect(() => tf.callbacks.modelCheckpoint(undefined as never)).toThrow(/options are required/);
    expect(() => tf.callbacks.modelCheckpoint({ filepath: '' })).toThrow(/filepath must be a non-empty string/);
    expect(() => tf.callbacks.modelCheckpoint({ filepath: 'x', saveFreq: 'batch' as never })).toThrow(/saveFreq must be 'epoch' or a number of batches/);
    expect(() => tf.callbacks.modelCheckpoint({ filepath: 'x', saveFreq: 0 })).toThrow(/saveFreq must be in \[1,/);
    expect(() => tf.callbacks.modelCheckpoint({ filepath: 'x', save_best_only: true } as never)).toThrow(/unknown option 'save_best_only'/);
    expect(() => tf.callbacks.modelCheckpoint({ filepath: 'x', mode: 'up' as never })).toThrow(/unknown mode 'up'/);
    const cp = tf.callbacks.modelCheckpoint({ filepath: path.join(tempDir(), 'm-{val_acc:.2f}') });
    await expect(fit(model(), [cp], 1)).rejects.toThrow(/filepath '.*' uses \{val_acc\}, which is not in the logs; available: loss, epoch/);
  });

  it('formats Python-style fields', () => {
    const v = { epoch: 7, loss: 0.123456, val_loss: -1.5 };
    expect(formatFilepath('f', '{epoch}|{epoch:03d}|{epoch:3d}|{loss:.2f}|{loss:8.3f}|{val_loss:06.2f}|{loss:.1e}|{{x}}', v))
      .toBe('7|007|  7|0.12|   0.123|-01.50|1.2e-01|{x}');
    expect(() => formatFilepath('f', '{loss:x}', v)).toThrow(/unsupported format spec 'x'/);
  });
});
