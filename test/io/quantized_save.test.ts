// model.save(..., { quantizeWeights }): weight-only float16 / uint8 storage in
// the TensorFlow.js manifest's `quantization` entries. Checked: the bytes
// shrink 2x / 4x; every stored weight is within the format's error bound of
// the float32 one (float16: |e| <= 2^-11 |w| for normal values; uint8:
// |e| <= scale / 2 plus float32 rounding); zeros stay exactly zero (pruned
// models); TensorFlow.js reads the directory and predicts what tensorforge
// predicts from it (1e-5); bad options and non-finite weights are errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { affineUint8, floatToHalf } from '../../src/io/weights';
import { cleanupDirs, data, maxAbsDiff, rng, tempDir, tfPredict, tfjsLoadDir, tfjsPredict } from './helpers';

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});
afterAll(cleanupDirs);

function model(seed: number): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [8], activation: 'tanh' }), tf.layers.dense({ units: 4, activation: 'softmax' })] });
  const r = rng(seed);
  m.setWeights(m.weightSpecs().map((s, k) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    // Every third kernel weight exactly zero, as after pruning.
    return tf.tensor(Float32Array.from({ length: n }, (_, i) => (k % 2 === 0 && i % 3 === 0 ? 0 : 2 * r() - 1)), s.shape);
  }));
  return m;
}

const paramBytes = (m: tf.Sequential) => m.weightSpecs().reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

describe('model.save quantizeWeights', () => {
  for (const kind of ['float16', 'uint8'] as const) {
    it(`${kind}: smaller file, bounded error, zeros kept, read by TensorFlow.js`, async () => {
      const m = model(kind === 'uint8' ? 1 : 2);
      const dir = tempDir();
      await m.save(`file://${dir}`, { quantizeWeights: kind });
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = json.weightsManifest[0].weights;
      for (const s of specs) {
        expect(s.dtype).toBe('float32');
        expect(s.quantization.dtype).toBe(kind);
      }
      expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(paramBytes(m) * (kind === 'uint8' ? 1 : 2));

      const loaded = await tf.loadLayersModel(`file://${dir}`);
      const orig = m.getWeights();
      loaded.getWeights().forEach((w, k) => {
        const o = orig[k].values as Float32Array;
        const got = w.values as Float32Array;
        const bound = kind === 'uint8' ? specs[k].quantization.scale / 2 + 1e-6 : 0;
        for (let i = 0; i < o.length; i++) {
          if (o[i] === 0) expect(got[i]).toBe(0);
          const err = Math.abs(got[i] - o[i]);
          expect(err).toBeLessThanOrEqual(kind === 'uint8' ? bound : Math.abs(o[i]) * 2 ** -11);
        }
      });

      const x = data(12, [8], 3);
      const ours = tfPredict(loaded as tf.Sequential, x, [8]);
      const theirs = tfjsPredict(await tfjsLoadDir(dir), x, [8]);
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
      // And close to the float32 model (softmax outputs; loose, the bound above is the real check).
      expect(maxAbsDiff(ours, tfPredict(m, x, [8]))).toBeLessThan(kind === 'uint8' ? 0.05 : 2e-3);
    });
  }

  it('through an IO handler, with includeOptimizer: the optimizer state stays float32', async () => {
    const m = model(3);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await m.fit(tf.tensor(data(8, [8], 5), [8, 8]), tf.tensor(Float32Array.from({ length: 32 }, (_, i) => (i % 4 === 0 ? 1 : 0)), [8, 4]), { epochs: 1, verbose: 0 });
    let captured: tf.ModelArtifacts | undefined;
    await m.save({ save: async (a) => { captured = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } },
      { includeOptimizer: true, quantizeWeights: 'uint8' });
    const specs = captured!.weightSpecs!;
    expect(specs.filter((s) => s.group === 'optimizer').every((s) => s.quantization === undefined)).toBe(true);
    expect(specs.filter((s) => s.group !== 'optimizer').every((s) => s.quantization?.dtype === 'uint8')).toBe(true);
    const back = await tf.loadLayersModel({ load: async () => captured! });
    expect(back.getOptimizerState().iterations).toBe(m.getOptimizerState().iterations);
  });

  it('rejects unknown formats and weights it cannot store', async () => {
    const m = model(4);
    const dir = tempDir();
    await expect(m.save(dir, { quantizeWeights: 'int4' as never })).rejects.toThrow(TypeError);
    await expect(m.save(dir, { quantizeWeights: 'int4' as never })).rejects.toThrow(/^save: quantizeWeights must be 'float16' or 'uint8', got 'int4'/);
    await expect(m.save(dir, { quantizeWeight: 'uint8' } as never)).rejects.toThrow(/save: unknown option 'quantizeWeight'; did you mean 'quantizeWeights'/);
    const w = m.getWeights();
    const big = Float32Array.from(w[0].values as Float32Array);
    big[5] = 1e5;
    m.setWeights([tf.tensor(big, w[0].shape), ...w.slice(1)]);
    await expect(m.save(dir, { quantizeWeights: 'float16' })).rejects.toThrow(/^save: weight 'dense.*\/kernel' has 100000 at 5, beyond float16's range/);
    await m.save(dir, { quantizeWeights: 'uint8' });
  });

  it('float16 encoding rounds to nearest even as TensorFlow.js decodes it', () => {
    const cases: [number, number][] = [[0, 0], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -24, 1], [2 ** -25, 0],
      [3 * 2 ** -25, 2], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [0.1, 0x2e66], [65520, 0x7c00]];
    for (const [x, h] of cases) expect([x, floatToHalf(x)]).toEqual([x, h]);
    // uint8: 0 a level, the range widened to hold 0 (the converter's rule).
    const { scale, min } = affineUint8(Float32Array.of(0.5, 1.5));
    expect(min).toBe(0);
    expect(scale).toBeCloseTo(1.5 / 255, 7);
    const r = affineUint8(Float32Array.of(-1, 3));
    expect(Math.abs((0 - r.min) / r.scale - Math.round(-r.min / r.scale))).toBeLessThan(1e-9);
  });
});
