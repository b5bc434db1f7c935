// Initializers and random tensors against their definitions: each
// initializer's distribution (Kolmogorov-Smirnov distance to the float64 CDF
// Keras 3 defines: VarianceScaling with its fan rule, the truncated normal cut
// at 2 standard deviations), the fans of 1-D, 2-D and 4-D shapes, bounds,
// per-initializer seeds; tf.randomNormal / tf.randomUniform moments, ranges
// and seeding.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { Random } from '../../src/random';
import { erf } from './reference';

const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** CDFs of the three shapes of distribution, for a given scale parameter. */
const cdf = {
  uniform: (lo: number, hi: number) => (x: number) => Math.min(1, Math.max(0, (x - lo) / (hi - lo))),
  normal: (mean: number, std: number) => (x: number) => Phi((x - mean) / std),
  /** Normal(mean, std) truncated to mean ± 2 std. */
  truncated: (mean: number, std: number) => (x: number) => {
    const z = Math.min(2, Math.max(-2, (x - mean) / std));
    return (Phi(z) - Phi(-2)) / (Phi(2) - Phi(-2));
  },
};

/** Std of a unit normal truncated to [-2, 2]: 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)), computed here, not copied. */
const TRUNC_STD = Math.sqrt(1 - (2 * 2 * phi(2)) / (Phi(2) - Phi(-2)));

/** Kolmogorov-Smirnov distance between the sample and a CDF. */
function ksDistance(values: ArrayLike<number>, F: (x: number) => number): number {
  const s = Float64Array.from(values).sort();
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    const f = F(s[i]);
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs((i + 1) / s.length - f));
  }
  return d;
}

// For n samples P(D > t) ≈ 2·exp(-2·n·t²): with n = 60,000 and t = 0.012 that
// is ~6e-8, so a correct sampler passes whatever the seed. A wrong fan (here
// fanIn 300 vs fanOut 200 vs fanAvg 250: scales differ by >= 9%), a wrong
// scale or the wrong family (uniform vs normal of equal variance) is off by
// 0.02 or more.
const KS_TOL = 0.012;
const FAN_IN = 300;
const FAN_OUT = 200;

/** The kernel a dense layer [FAN_IN → FAN_OUT] gets from `init`. */
function denseKernel(init: tf.Initializer | string): Float32Array {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: FAN_OUT, inputShape: [FAN_IN], kernelInitializer: init as never, useBias: false })] });
  m.build([FAN_IN]);
  const [k] = m.getWeights();
  expect(k.shape).toEqual([FAN_IN, FAN_OUT]);
  return k.dataSync() as Float32Array;
}

type Family = 'uniform' | 'truncated' | 'normal';
/** Keras 3 VarianceScaling: variance scale / fan, drawn from the family. */
function varianceScalingCdf(scale: number, fan: number, family: Family): (x: number) => number {
  const v = scale / fan;
  if (family === 'uniform') return cdf.uniform(-Math.sqrt(3 * v), Math.sqrt(3 * v));
  if (family === 'normal') return cdf.normal(0, Math.sqrt(v));
  return cdf.truncated(0, Math.sqrt(v) / TRUNC_STD);
}

describe('variance-scaling initializers on a dense kernel [300, 200]', () => {
  const AVG = (FAN_IN + FAN_OUT) / 2;
  const cases: [string, () => tf.Initializer, number, number, Family][] = [
    ['glorotUniform', () => tf.initializers.glorotUniform({ seed: 1 }), 1, AVG, 'uniform'],
    ['glorotNormal', () => tf.initializers.glorotNormal({ seed: 2 }), 1, AVG, 'truncated'],
    ['heUniform', () => tf.initializers.heUniform({ seed: 3 }), 2, FAN_IN, 'uniform'],
    ['heNormal', () => tf.initializers.heNormal({ seed: 4 }), 2, FAN_IN, 'truncated'],
    ['lecunUniform', () => tf.initializers.lecunUniform({ seed: 5 }), 1, FAN_IN, 'uniform'],
    ['lecunNormal', () => tf.initializers.lecunNormal({ seed: 6 }), 1, FAN_IN, 'truncated'],
    ['varianceScaling fanOut uniform scale 3', () => tf.initializers.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'uniform', seed: 7 }), 3, FAN_OUT, 'uniform'],
    ['varianceScaling fanAvg untruncatedNormal', () => tf.initializers.varianceScaling({ mode: 'fanAvg', distribution: 'untruncatedNormal', seed: 8 }), 1, AVG, 'normal'],
  ];
  for (const [name, make, scale, fan, family] of cases) {
    it(`${name}: ${family} with variance ${scale}/${fan}`, () => {
      const w = denseKernel(make());
      const F = varianceScalingCdf(scale, fan, family);
      expect(ksDistance(w, F)).toBeLessThan(KS_TOL);
      // The support: uniform within ±sqrt(3v) and reaching close to it; truncated within 2 std.
      const v = scale / fan;
      const bound = family === 'uniform' ? Math.sqrt(3 * v) : family === 'truncated' ? (2 * Math.sqrt(v)) / TRUNC_STD : Infinity;
      const maxAbs = w.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      if (bound !== Infinity) {
        expect(maxAbs).toBeLessThanOrEqual(Math.fround(bound) * (1 + 1e-6)); // float32 rounding of the bound
        expect(maxAbs).toBeGreaterThan(0.99 * bound); // 60,000 draws reach within 1% of the edge
      } else {
        expect(maxAbs).toBeGreaterThan(3.5 * Math.sqrt(v)); // untruncated: tails beyond 2 std (P(|z|>3.5) ~ 4.7e-4 each)
      }
    });
  }

  it('the default Dense kernel is glorotUniform', () => {
    const w = denseKernel(undefined as never);
    expect(ksDistance(w, varianceScalingCdf(1, AVG, 'uniform'))).toBeLessThan(KS_TOL);
  });

  it('the fans of a 4-D kernel include the receptive field (Keras: fanIn = shape[-2]·rf, fanOut = shape[-1]·rf)', () => {
    // [5, 5, 40, 60]: rf 25, fanIn 1000, fanOut 1500. 60,000 values.
    const shape = [5, 5, 40, 60];
    const out = new Float32Array(5 * 5 * 40 * 60);
    for (const [mode, fan] of [['fanIn', 1000], ['fanOut', 1500], ['fanAvg', 1250]] as const) {
      tf.initializers.varianceScaling({ mode, distribution: 'uniform', seed: 11 }).fill(out, shape, new Random(0));
      expect(ksDistance(out, varianceScalingCdf(1, fan, 'uniform'))).toBeLessThan(KS_TOL);
    }
  });

  it('a 1-D weight uses its length as both fans', () => {
    const out = new Float32Array(60_000);
    tf.initializers.heUniform({ seed: 12 }).fill(out, [60_000], new Random(0));
    expect(ksDistance(out, varianceScalingCdf(2, 60_000, 'uniform'))).toBeLessThan(KS_TOL);
  });
});

describe('random and constant initializers', () => {
  it('randomNormal, randomUniform, truncatedNormal: Keras defaults (0.05) and given parameters', () => {
    const cases: [tf.Initializer, (x: number) => number][] = [
      [tf.initializers.randomNormal({ seed: 1 }), cdf.normal(0, 0.05)],
      [tf.initializers.randomNormal({ mean: 1.5, stddev: 0.2, seed: 2 }), cdf.normal(1.5, 0.2)],
      [tf.initializers.randomUniform({ seed: 3 }), cdf.uniform(-0.05, 0.05)],
      [tf.initializers.randomUniform({ minval: 2, maxval: 5, seed: 4 }), cdf.uniform(2, 5)],
      [tf.initializers.truncatedNormal({ seed: 5 }), cdf.truncated(0, 0.05)],
      [tf.initializers.truncatedNormal({ mean: -1, stddev: 0.5, seed: 6 }), cdf.truncated(-1, 0.5)],
    ];
    for (const [init, F] of cases) expect(ksDistance(denseKernel(init), F), init.className).toBeLessThan(KS_TOL);
  });

  it('zeros, ones, constant', () => {
    expect(denseKernel('zeros').every((v) => v === 0)).toBe(true);
    expect(denseKernel('ones').every((v) => v === 1)).toBe(true);
    expect(denseKernel(tf.initializers.constant({ value: -2.5 })).every((v) => v === -2.5)).toBe(true);
  });
});

describe('seeds', () => {
  const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

  it('an initializer with its own seed gives the same values whatever the global seed', () => {
    for (const make of [tf.initializers.glorotUniform, tf.initializers.heNormal, tf.initializers.randomNormal, tf.initializers.randomUniform, tf.initializers.truncatedNormal]) {
      tf.setSeed(1);
      const a = denseKernel(make({ seed: 42 }));
      tf.setSeed(2);
      const b = denseKernel(make({ seed: 42 }));
      const c = denseKernel(make({ seed: 43 }));
      expect(same(a, b), make.name).toBe(true);
      expect(same(a, c), make.name).toBe(false);
    }
  });

  it('two layers with the same seeded initializer get identical kernels; unseeded ones follow tf.setSeed', () => {
    const init = tf.initializers.glorotNormal({ seed: 9 });
    expect(same(denseKernel(init), denseKernel(init))).toBe(true);
    tf.setSeed(5);
    const a = denseKernel('glorotUniform');
    const a2 = denseKernel('glorotUniform'); // the next draw of the global generator: different
    tf.setSeed(5);
    const b = denseKernel('glorotUniform');
    expect(same(a, b)).toBe(true);
    expect(same(a, a2)).toBe(false);
  });
});

describe('tf.randomNormal / tf.randomUniform', () => {
  const N = 100_000;
  const moments = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    const mean = s / v.length;
    let q = 0;
    for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
    return { mean, std: Math.sqrt(q / (v.length - 1)) };
  };

  it('randomNormal has the requested mean and std and a normal CDF', () => {
    const t = tf.randomNormal([N], 3, 2, 'float32', 17);
    const v = t.dataSync();
    const { mean, std } = moments(v);
    // Standard errors: std/sqrt(N) = 0.0063 for the mean, std/sqrt(2N) = 0.0045
    // for the std; 5 of them.
    expect(Math.abs(mean - 3)).toBeLessThan(5 * 0.0063);
    expect(Math.abs(std - 2)).toBeLessThan(5 * 0.0045);
    // n = 1e5: P(D > 0.01) ≈ 2·exp(-20) (see KS_TOL).
    expect(ksDistance(v, cdf.normal(3, 2))).toBeLessThan(0.01);
  });

  it('randomUniform stays in [minval, maxval) with the uniform mean and std', () => {
    const v = tf.randomUniform([N], -1, 3, 'float32', 18).dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThan(3);
    const { mean, std } = moments(v);
    // Uniform on [a, b): mean (a+b)/2 = 1, std (b-a)/sqrt(12) = 1.1547; SE of
    // the mean 0.0037, of the std ~0.0026 (kurtosis 1.8); 5 of them.
    expect(Math.abs(mean - 1)).toBeLessThan(5 * 0.0037);
    expect(Math.abs(std - 4 / Math.sqrt(12))).toBeLessThan(5 * 0.0026);
    expect(ksDistance(v, cdf.uniform(-1, 3))).toBeLessThan(0.01);
  });

  it('int32 randomUniform takes the floor: every integer in [0, 10) about equally often', () => {
    const v = tf.randomUniform([N], 0, 10, 'int32', 19).dataSync();
    const counts = new Array(10).fill(0);
    expect(v.every((x) => Number.isInteger(x) && x >= 0 && x < 10)).toBe(true);
    for (const x of v) counts[x]++;
    // Binomial(1e5, 0.1): std 95; 6 of them.
    for (const c of counts) expect(Math.abs(c - N / 10)).toBeLessThan(6 * 95);
  });

  it('a seed reproduces the tensor; another seed or none differs; tf.setSeed reproduces unseeded calls', () => {
    const bits = (t: tf.Tensor) => Array.from(t.dataSync());
    for (const f of [tf.randomNormal, tf.randomUniform]) {
      const a = bits(f([1000], 0, 1, 'float32', 7));
      expect(bits(f([1000], 0, 1, 'float32', 7))).toEqual(a);
      expect(bits(f([1000], 0, 1, 'float32', 8))).not.toEqual(a);
      tf.setSeed(123);
      const u1 = bits(f([1000]));
      const u2 = bits(f([1000]));
      tf.setSeed(123);
      expect(bits(f([1000]))).toEqual(u1);
      expect(bits(f([1000]))).toEqual(u2);
      expect(u2).not.toEqual(u1);
    }
  });
});
